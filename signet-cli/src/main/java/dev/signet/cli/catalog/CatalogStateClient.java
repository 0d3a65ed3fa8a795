package dev.signet.cli.catalog;

import dev.signet.cli.common.ServerClient;
import dev.signet.proto.catalogstate.v1.CatalogStateApiGrpc;
import java.nio.file.Path;

/** The catalog state API on the server's admin socket; failures become one-line CliExceptions. */
final class CatalogStateClient extends ServerClient<CatalogStateApiGrpc.CatalogStateApiBlockingStub> {
    private CatalogStateClient(Path socket) {
        super(socket, CatalogStateApiGrpc::newBlockingStub);
    }

    static CatalogStateClient connect(Path socket) {
        return new CatalogStateClient(socket);
    }
}
