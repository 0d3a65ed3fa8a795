package dev.signet.cli.common;

import dev.signet.proto.admin.v1.AdminApiGrpc;
import java.nio.file.Path;

/** The admin API (entries, tokens, agents, bundle) on the server's admin socket. */
public final class AdminClient extends ServerClient<AdminApiGrpc.AdminApiBlockingStub> {
    private AdminClient(Path socket) {
        super(socket, AdminApiGrpc::newBlockingStub);
    }

    /** Connects to the admin socket; fails at once, with a hint, if the socket file does not exist. */
    public static AdminClient connect(Path socket) {
        return new AdminClient(socket);
    }
}
