package dev.signet.bench;

import dev.signet.core.x509.Certificates;
import dev.signet.proto.admin.v1.AdminApiGrpc;
import dev.signet.proto.admin.v1.CreateJoinTokenRequest;
import dev.signet.proto.admin.v1.EntryRef;
import dev.signet.proto.admin.v1.HealthRequest;
import dev.signet.proto.common.v1.Entry;
import dev.signet.proto.common.v1.Selector;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A {@code signet server run} process started through {@code bin/signet}, its admin API, and its agents. */
final class SignetSide implements AutoCloseable {
    static final String TD = "example.org";

    final Path home;
    final Path dir;
    final int port;
    final Path adminSocket;
    final Path config;
    Proc server;
    double startupMs;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-admin", true),
            EpollIoHandler.newFactory());
    private ManagedChannel adminChannel;
    AdminApiGrpc.AdminApiBlockingStub admin;

    SignetSide(Path home, Path dir, Map<String, String> settings) {
        this.home = home;
        this.dir = dir;
        this.port = freePort();
        this.adminSocket = dir.resolve("s/server.sock");
        this.config = dir.resolve("server.hcl");
        Map<String, String> v = new LinkedHashMap<>();
        v.put("trust_domain", q(TD));
        v.put("data_dir", q(dir.resolve("data").toString()));
        v.put("bind_address", q("127.0.0.1"));
        v.put("bind_port", Integer.toString(port));
        v.put("socket_path", q(adminSocket.toString()));
        v.put("ca_key_type", q("ec-p256"));
        v.put("ca_ttl", q("24h"));
        v.put("default_x509_svid_ttl", q("1h"));
        v.put("default_jwt_svid_ttl", q("5m"));
        v.put("agent_ttl", q("1h"));
        v.put("log_level", q("warn"));
        v.putAll(settings);
        StringBuilder hcl = new StringBuilder("server {\n");
        v.forEach((k, val) -> hcl.append("  ").append(k).append(" = ").append(val).append('\n'));
        write(config, hcl.append("}\n").toString());
    }

    static String q(String s) {
        return '"' + s + '"';
    }

    List<String> signet(String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/signet").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Launches the server and waits until its admin API answers Health; records the start-up time. */
    void start(Map<String, String> env) {
        long t0 = System.nanoTime();
        server = Proc.start("signet-server", dir, signet("server", "run", "--config", config.toString()), env);
        if (adminChannel == null) {
            adminChannel = NettyChannelBuilder.forAddress(new DomainSocketAddress(adminSocket.toString()))
                    .channelType(EpollDomainSocketChannel.class).eventLoopGroup(group).usePlaintext()
                    .maxInboundMessageSize(512 * 1024 * 1024).build();
            admin = AdminApiGrpc.newBlockingStub(adminChannel);
        }
        server.await(Duration.ofMinutes(10), "healthy admin API", () -> {
            if (!Files.exists(adminSocket)) {
                return false;
            }
            try {
                admin.withDeadlineAfter(2, TimeUnit.SECONDS).health(HealthRequest.getDefaultInstance());
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
        startupMs = (System.nanoTime() - t0) / 1e6;
    }

    void stop() {
        if (server != null) {
            server.close();
        }
    }

    AdminApiGrpc.AdminApiBlockingStub admin() {
        return admin.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    String token() {
        return admin().createJoinToken(CreateJoinTokenRequest.newBuilder().setTtlSeconds(3600).build()).getToken();
    }

    static String agentId(String token) {
        return "spiffe://" + TD + "/signet/agent/join_token/" + token;
    }

    Entry entry(String spiffeId, String parentId, String... selectors) {
        Entry.Builder e = Entry.newBuilder().setSpiffeId(spiffeId);
        if (parentId == null) {
            e.setAnyNode(true);
        } else {
            e.setParentId(parentId);
        }
        for (String s : selectors) {
            int i = s.indexOf(':');
            e.addSelectors(Selector.newBuilder().setType(s.substring(0, i)).setValue(s.substring(i + 1)));
        }
        return e.build();
    }

    String createEntry(Entry e) {
        return admin().createEntry(e).getId();
    }

    void deleteEntry(String id) {
        admin().deleteEntry(EntryRef.newBuilder().setId(id).build());
    }

    List<X509Certificate> bundle() {
        return admin().getBundle(dev.signet.proto.admin.v1.GetBundleRequest.getDefaultInstance()).getX509AuthoritiesList()
                .stream().map(b -> Certificates.parse(b.toByteArray())).toList();
    }

    Path writeBundlePem() {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : bundle()) {
            pem.append("-----BEGIN CERTIFICATE-----\n")
                    .append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(Certificates.der(c)))
                    .append("\n-----END CERTIFICATE-----\n");
        }
        Path f = dir.resolve("bundle.pem");
        write(f, pem.toString());
        return f;
    }

    /** Starts a real {@code signet agent run} and waits until it serves the Workload API. */
    Proc startAgent(String name, String token) {
        Path adir = dir.resolve(name);
        Path socket = adir.resolve("s/agent.sock");
        Path cfg = adir.resolve("agent.hcl");
        write(cfg, """
                agent {
                  trust_domain      = "%s"
                  server_address    = "127.0.0.1"
                  server_port       = %d
                  data_dir          = "%s"
                  join_token        = "%s"
                  trust_bundle_path = "%s"
                  socket_path       = "%s"
                  http_port         = -1
                  log_level         = "info"
                }
                """.formatted(TD, port, adir.resolve("data"), token, writeBundlePem(), socket));
        Proc p = Proc.start(name, adir, signet("agent", "run", "--config", cfg.toString()), Map.of());
        p.await(Duration.ofMinutes(2), "Workload API", () -> p.logText().contains("started: Workload API on "));
        return p;
    }

    static Path agentSocket(Proc agent) {
        return agent.log.getParent().resolve("s/agent.sock");
    }

    @Override
    public void close() {
        stop();
        if (adminChannel != null) {
            adminChannel.shutdownNow();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path f, String s) {
        try {
            Files.createDirectories(f.getParent());
            Files.writeString(f, s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
