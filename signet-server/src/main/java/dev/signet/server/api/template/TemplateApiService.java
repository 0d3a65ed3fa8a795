package dev.signet.server.api.template;

import dev.signet.core.spiffeid.TrustDomain;
import dev.signet.core.template.IdentityTemplate;
import dev.signet.core.template.TemplateProtos;
import dev.signet.proto.template.v1.CreateTemplateRequest;
import dev.signet.proto.template.v1.DeleteTemplateRequest;
import dev.signet.proto.template.v1.DeleteTemplateResponse;
import dev.signet.proto.template.v1.ListTemplatesRequest;
import dev.signet.proto.template.v1.ListTemplatesResponse;
import dev.signet.proto.template.v1.Template;
import dev.signet.proto.template.v1.TemplateApiGrpc;
import dev.signet.server.api.UnaryCalls;
import dev.signet.server.store.StoreException;
import dev.signet.server.store.TemplateStore;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity template API on the admin socket: create, delete, list. Invalid templates fail with
 * INVALID_ARGUMENT and a message starting with the field at fault. After every change {@code changed} runs,
 * which pushes the new set to connected agents.
 */
public final class TemplateApiService extends TemplateApiGrpc.TemplateApiImplBase {
    private static final Logger log = LoggerFactory.getLogger(TemplateApiService.class);
    /** Longest hint accepted, in characters. */
    static final int MAX_HINT = 1024;
    /** Most DNS names per template. */
    static final int MAX_DNS_NAMES = 100;

    private final TrustDomain trustDomain;
    private final TemplateStore store;
    private final Runnable changed;

    public TemplateApiService(TrustDomain trustDomain, TemplateStore store, Runnable changed) {
        this.trustDomain = trustDomain;
        this.store = store;
        this.changed = changed;
    }

    @Override
    public void create(CreateTemplateRequest req, StreamObserver<Template> out) {
        UnaryCalls.respond(out, () -> {
            IdentityTemplate t = TemplateProtos.fromProto(req.getTemplate().toBuilder().clearId().clearCreatedAtUnix().build());
            String problem = t.problemIn(trustDomain);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            if (t.hint().length() > MAX_HINT) {
                throw new IllegalArgumentException("hint: longer than " + MAX_HINT + " characters");
            }
            if (t.dnsNames().size() > MAX_DNS_NAMES) {
                throw new IllegalArgumentException("dns_names: more than " + MAX_DNS_NAMES);
            }
            for (String d : t.dnsNames()) {
                if (d.isEmpty() || d.length() > 253 || !d.matches("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
                    throw new IllegalArgumentException("dns_names: invalid DNS name \"" + d + "\"");
                }
            }
            IdentityTemplate stored = store.create(t);
            log.info("created identity template {} {} ({})", stored.id(), stored.template(), stored.parent());
            changed.run();
            return TemplateProtos.toProto(stored);
        });
    }

    @Override
    public void delete(DeleteTemplateRequest req, StreamObserver<DeleteTemplateResponse> out) {
        UnaryCalls.respond(out, () -> {
            if (req.getId().isEmpty()) {
                throw new IllegalArgumentException("id: is required");
            }
            if (!store.delete(req.getId())) {
                throw new StoreException.NotFound("no identity template with ID " + req.getId());
            }
            log.info("deleted identity template {}", req.getId());
            changed.run();
            return DeleteTemplateResponse.getDefaultInstance();
        });
    }

    @Override
    public void list(ListTemplatesRequest req, StreamObserver<ListTemplatesResponse> out) {
        UnaryCalls.respond(out, () -> {
            ListTemplatesResponse.Builder r = ListTemplatesResponse.newBuilder();
            store.list().forEach(t -> r.addTemplates(TemplateProtos.toProto(t)));
            return r.build();
        });
    }
}
