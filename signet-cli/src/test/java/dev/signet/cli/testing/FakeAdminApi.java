package dev.signet.cli.testing;

import com.google.protobuf.Message;
import dev.signet.proto.admin.v1.AdminApiGrpc;
import dev.signet.proto.admin.v1.AgentRef;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.DeleteResponse;
import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.admin.v1.GetBundleRequest;
import dev.signet.proto.admin.v1.HealthRequest;
import dev.signet.proto.admin.v1.HealthResponse;
import dev.signet.proto.admin.v1.JoinToken;
import dev.signet.proto.admin.v1.ListAgentsRequest;
import dev.signet.proto.admin.v1.ListAgentsResponse;
import dev.signet.proto.admin.v1.ListEntriesRequest;
import dev.signet.proto.admin.v1.ListEntriesResponse;
import dev.signet.proto.common.v1.Agent;
import dev.signet.proto.common.v1.Bundle;
import dev.signet.proto.common.v1.Entry;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A hand-written admin API: records every request (method name and message), answers from small
 * in-memory tables, and fails the next call with a chosen status when asked to.
 */
public final class FakeAdminApi extends AdminApiGrpc.AdminApiImplBase {
    /** One call as the server saw it. */
    public record Call(String method, Message request) {}

    private final List<Call> calls = new ArrayList<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final List<Agent> agents = new ArrayList<>();
    private Bundle bundle = Bundle.getDefaultInstance();
    private HealthResponse health = HealthResponse.newBuilder().setStatus("ok").setTrustDomain("example.org").build();
    private Status nextError;
    private int nextId = 1;

    public synchronized List<Call> calls() {
        return List.copyOf(calls);
    }

    /** The request of the only call to {@code method}. */
    @SuppressWarnings("unchecked")
    public synchronized <T extends Message> T onlyRequest(String method) {
        List<Call> matching = calls.stream().filter(c -> c.method().equals(method)).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + method + " call, got " + calls);
        }
        return (T) matching.get(0).request();
    }

    public synchronized void putEntry(Entry e) {
        entries.put(e.getId(), e);
    }

    public synchronized void addAgent(Agent a) {
        agents.add(a);
    }

    public synchronized void setBundle(Bundle b) {
        bundle = b;
    }

    public synchronized void setHealth(HealthResponse h) {
        health = h;
    }

    /** The next call fails with {@code status} instead of being served. */
    public synchronized void failNext(Status status) {
        nextError = status;
    }

    @Override
    public void createEntry(Entry request, StreamObserver<Entry> out) {
        serve("CreateEntry", request, out, () -> {
            Entry created = request.toBuilder().setId("entry-" + nextId++).setRevision(1).setCreatedAtUnix(1_700_000_000).build();
            entries.put(created.getId(), created);
            return created;
        });
    }

    @Override
    public void updateEntry(Entry request, StreamObserver<Entry> out) {
        serve("UpdateEntry", request, out, () -> {
            Entry updated = request.toBuilder().setRevision(request.getRevision() + 1).build();
            entries.put(updated.getId(), updated);
            return updated;
        });
    }

    @Override
    public void getEntry(EntryRef request, StreamObserver<Entry> out) {
        serve("GetEntry", request, out, () -> {
            Entry e = entries.get(request.getId());
            if (e == null) {
                throw Status.NOT_FOUND.withDescription("entry not found").asRuntimeException();
            }
            return e;
        });
    }

    @Override
    public void deleteEntry(EntryRef request, StreamObserver<DeleteResponse> out) {
        serve("DeleteEntry", request, out, () -> {
            if (entries.remove(request.getId()) == null) {
                throw Status.NOT_FOUND.withDescription("entry not found").asRuntimeException();
            }
            return DeleteResponse.getDefaultInstance();
        });
    }

    @Override
    public void listEntries(ListEntriesRequest request, StreamObserver<ListEntriesResponse> out) {
        serve("ListEntries", request, out, () -> ListEntriesResponse.newBuilder()
                .addAllEntries(entries.values().stream()
                        .filter(e -> request.getSpiffeId().isEmpty() || e.getSpiffeId().equals(request.getSpiffeId()))
                        .toList())
                .build());
    }

    @Override
    public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<JoinToken> out) {
        serve("CreateJoinToken", request, out, () -> JoinToken.newBuilder()
                .setToken("tok-123").setExpiresAtUnix(1_700_000_000 + request.getTtlSeconds())
                .putAllLabels(request.getLabelsMap()).build());
    }

    @Override
    public void listAgents(ListAgentsRequest request, StreamObserver<ListAgentsResponse> out) {
        serve("ListAgents", request, out, () -> ListAgentsResponse.newBuilder().addAllAgents(agents).build());
    }

    @Override
    public void evictAgent(AgentRef request, StreamObserver<DeleteResponse> out) {
        serve("EvictAgent", request, out, DeleteResponse::getDefaultInstance);
    }

    @Override
    public void banAgent(AgentRef request, StreamObserver<DeleteResponse> out) {
        serve("BanAgent", request, out, DeleteResponse::getDefaultInstance);
    }

    @Override
    public void getBundle(GetBundleRequest request, StreamObserver<Bundle> out) {
        serve("GetBundle", request, out, () -> bundle);
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthResponse> out) {
        serve("Health", request, out, () -> health);
    }

    private <T> void serve(String method, Message request, StreamObserver<T> out, Supplier<T> answer) {
        T response;
        synchronized (this) {
            calls.add(new Call(method, request));
            Status error = nextError;
            nextError = null;
            if (error != null) {
                out.onError(error.asRuntimeException());
                return;
            }
            try {
                response = answer.get();
            } catch (io.grpc.StatusRuntimeException e) {
                out.onError(e);
                return;
            }
        }
        out.onNext(response);
        out.onCompleted();
    }
}
