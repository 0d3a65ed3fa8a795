package dev.signet.cli.api;

import dev.signet.cli.common.CliEnv;
import dev.signet.cli.common.CliException;
import dev.signet.cli.common.FlagValues;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The Workload API address: {@code --socket}, else {@code SPIFFE_ENDPOINT_SOCKET}, else
 * {@code /tmp/signet/agent.sock}. Accepts {@code unix:///path}, {@code unix:/path} and a plain absolute
 * path (SPIFFE Workload Endpoint §4); rejects {@code unix://host/path}, relative paths and {@code tcp:}
 * addresses, which this CLI cannot dial.
 */
public final class WorkloadSocket {
    /** The standard environment variable of SPIFFE clients. */
    public static final String ENV = "SPIFFE_ENDPOINT_SOCKET";
    /** Used when neither flag nor environment variable is set. */
    public static final Path DEFAULT = Path.of("/tmp/signet/agent.sock");
    static final String FORMS = "use unix:///path/to/socket, unix:/path/to/socket or an absolute path";

    private WorkloadSocket() {}

    /**
     * The socket path named by {@code address}.
     *
     * @throws IllegalArgumentException saying why the address is not accepted
     */
    public static Path parseAddress(String address) {
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("address is empty; " + FORMS);
        }
        if (address.startsWith("/")) {
            return Path.of(address);
        }
        if (address.regionMatches(true, 0, "unix:", 0, 5)) {
            URI uri;
            try {
                uri = new URI(address);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("malformed address \"" + address + "\": " + e.getReason() + "; " + FORMS);
            }
            if (uri.isOpaque()) {
                throw new IllegalArgumentException("\"" + address + "\" is not an absolute path; " + FORMS);
            }
            if (uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty()) {
                throw new IllegalArgumentException("\"" + address + "\" has a host, which unix addresses must not have; "
                        + FORMS);
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("\"" + address + "\" must not have a query or fragment; " + FORMS);
            }
            if (uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getPath().length() < 2) {
                throw new IllegalArgumentException("\"" + address + "\" does not name a socket path; " + FORMS);
            }
            return Path.of(uri.getPath());
        }
        if (address.regionMatches(true, 0, "tcp:", 0, 4)) {
            throw new IllegalArgumentException("\"" + address + "\": tcp addresses are not supported here; " + FORMS);
        }
        throw new IllegalArgumentException("unsupported address \"" + address + "\"; " + FORMS);
    }

    /** Resolves the address from {@code flagValue} (may be null), then the environment, then the default. */
    public static Path resolve(CommandSpec spec, String flag, String flagValue, CliEnv env) {
        if (flagValue != null) {
            try {
                return parseAddress(flagValue);
            } catch (IllegalArgumentException e) {
                throw FlagValues.invalid(spec, flag, e.getMessage());
            }
        }
        String fromEnv = env.getenv(ENV);
        if (fromEnv == null) {
            return DEFAULT;
        }
        try {
            return parseAddress(fromEnv);
        } catch (IllegalArgumentException e) {
            throw new CliException(ENV + ": " + e.getMessage());
        }
    }
}
