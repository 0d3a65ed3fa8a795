package dev.signet.cli.service;

import dev.signet.cli.common.ServerClient;
import dev.signet.proto.catalog.v1.CatalogApiGrpc;
import java.nio.file.Path;

/** The catalog API on the server's admin socket; failures become one-line CliExceptions. */
final class CatalogClient extends ServerClient<CatalogApiGrpc.CatalogApiBlockingStub> {
    private CatalogClient(Path socket) {
        super(socket, CatalogApiGrpc::newBlockingStub);
    }

    /** Connects to the admin socket; fails at once, with a hint, if the socket file does not exist. */
    static CatalogClient connect(Path socket) {
        return new CatalogClient(socket);
    }
}
