package dev.signet.cli.intention;

import dev.signet.cli.common.ServerClient;
import dev.signet.proto.intention.v1.IntentionApiGrpc;
import java.nio.file.Path;

/** The intention API on the server's admin socket; failures become one-line CliExceptions. */
final class IntentionClient extends ServerClient<IntentionApiGrpc.IntentionApiBlockingStub> {
    private IntentionClient(Path socket) {
        super(socket, IntentionApiGrpc::newBlockingStub);
    }

    /** Connects to the admin socket; fails at once, with a hint, if the socket file does not exist. */
    static IntentionClient connect(Path socket) {
        return new IntentionClient(socket);
    }
}
