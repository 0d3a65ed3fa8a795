package dev.signet.cli.template;

import dev.signet.cli.common.ServerClient;
import dev.signet.proto.template.v1.TemplateApiGrpc;
import java.nio.file.Path;

/** The template API on the server's admin socket; failures become one-line CliExceptions. */
final class TemplateClient extends ServerClient<TemplateApiGrpc.TemplateApiBlockingStub> {
    private TemplateClient(Path socket) {
        super(socket, TemplateApiGrpc::newBlockingStub);
    }

    static TemplateClient connect(Path socket) {
        return new TemplateClient(socket);
    }
}
