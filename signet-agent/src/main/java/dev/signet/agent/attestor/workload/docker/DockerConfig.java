package dev.signet.agent.attestor.workload.docker;

import dev.signet.core.config.ConfigBlock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code workload_attestor "docker" { ... }} block.
 *
 * @param socket the Docker Engine API's Unix socket
 * @param apiVersion the API version in request paths ({@code /v1.41/...}); empty: unversioned paths (the engine's own)
 * @param envAllowList environment variable names that become {@code env:NAME=value} selectors (none by default:
 *     environments hold secrets)
 * @param inspectAttempts how often an inspect that failed for a transient reason (connection, 5xx) is tried
 * @param inspectRetryInterval the pause between those attempts
 */
public record DockerConfig(Path socket, String apiVersion, Set<String> envAllowList, int inspectAttempts, Duration inspectRetryInterval) {
    public static final String DEFAULT_SOCKET = "unix:///var/run/docker.sock";
    public static final String DEFAULT_API_VERSION = "1.41";
    public static final int DEFAULT_INSPECT_ATTEMPTS = 3;
    public static final Duration DEFAULT_INSPECT_RETRY_INTERVAL = Duration.ofMillis(250);
    /** Timeout of one inspect request. */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public static DockerConfig from(ConfigBlock block) {
        String socket = block.string("docker_socket_path", DEFAULT_SOCKET);
        String version = block.string("docker_version", DEFAULT_API_VERSION);
        List<String> env = block.stringList("env_allow_list", List.of());
        int attempts = block.integer("inspect_attempts", DEFAULT_INSPECT_ATTEMPTS);
        Duration interval = block.duration("inspect_retry_interval", DEFAULT_INSPECT_RETRY_INTERVAL);
        block.rejectUnknownKeys();

        Path path;
        if (socket.startsWith("unix://")) {
            path = Path.of(socket.substring("unix://".length()));
        } else if (socket.startsWith("/")) {
            path = Path.of(socket);
        } else {
            throw block.invalid("docker_socket_path", "expected unix:///path/to/docker.sock, got \"" + socket + "\" (only Unix sockets are supported)");
        }
        if (!path.isAbsolute()) {
            throw block.invalid("docker_socket_path", "expected an absolute path, got \"" + socket + "\"");
        }
        String v = version.startsWith("v") ? version.substring(1) : version;
        if (!v.isEmpty() && !v.matches("[0-9]+\\.[0-9]+")) {
            throw block.invalid("docker_version", "expected an API version such as 1.41, got \"" + version + "\"");
        }
        for (String name : env) {
            if (name.isEmpty() || name.contains("=") || name.chars().anyMatch(Character::isISOControl)) {
                throw block.invalid("env_allow_list", "\"" + name + "\" is not an environment variable name");
            }
        }
        if (attempts < 1) {
            throw block.invalid("inspect_attempts", "must be at least 1, got " + attempts);
        }
        if (interval.isNegative()) {
            throw block.invalid("inspect_retry_interval", "must not be negative, got " + interval);
        }
        return new DockerConfig(path, v, Set.copyOf(new LinkedHashSet<>(env)), attempts, interval);
    }
}
