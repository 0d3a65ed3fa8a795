package dev.signet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness in smoke mode (tiny sizes, real processes): it must produce every figure, sane ones, and
 * both result files. SPIRE takes part only when {@code bench/run} has already built it.
 */
class BenchSmokeTest {
    private static final List<String> SIGNET_KEYS = List.of(
            "wl.agent_rss_idle", "wl.x509.1.p50", "wl.x509.1.p99", "wl.x509.1.max", "wl.x509.1.cpu", "wl.x509.1.rss",
            "wl.x509.2.p50", "wl.x509.2.p99", "wl.x509.2.max", "wl.x509.2.refused",
            "wl.jwt_cached.p50", "wl.jwt_cached.p99", "wl.jwt_uncached.p50", "wl.jwt_validate.p50", "wl.jwt_validate.p99", "wl.jwt_validate_fresh.p50", "wl.jwt_validate_fresh.p99",
            "sign.raw", "sign.raw_c2", "sign.raw_sign_verify", "sign.x509", "sign.x509_cores", "sign.x509_per_core", "sign.x509_vs_raw",
            "sign.x509_vs_raw_sign_verify",
            "sign.jwt", "sign.jwt_per_core",
            "prop.1.p50", "prop.1.p99", "prop.2.p50", "prop.2.p99", "prop.2.fanout_p99", "prop.2.server_rss",
            "scale.entry_create", "scale.startup", "scale.rss_start", "scale.one_write", "scale.sync.p50", "scale.sync.p99",
            "scale.all_connected", "scale.agents_connected", "scale.rss_agents", "scale.sync_one.p50");

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void smokeRunProducesEveryFigureWithSaneValues(@TempDir Path tmp) throws Exception {
        Path repo = Path.of(System.getProperty("signet.bench.root", "../..")).toAbsolutePath().normalize();
        Options o = Options.smoke(repo, tmp.resolve("work"));
        o.signetHome = repo;
        Path spire = repo.resolve("bench/.work/bin");
        boolean withSpire = Files.isExecutable(spire.resolve("spire-server")) && Files.isExecutable(spire.resolve("spire-agent"));
        if (withSpire) {
            o.spireBin = spire;
        }

        Results r = new Bench(o).run();
        r.write(tmp.resolve("out"), "smoke");

        for (String key : SIGNET_KEYS) {
            Results.Metric m = r.metrics.get(key);
            assertThat(m).as(key).isNotNull();
            assertThat(m.signet).as(key).isNotNull();
            assertThat(Double.isFinite(m.signet)).as(key + " finite").isTrue();
            if (key.endsWith(".cpu") || key.endsWith(".refused")) {
                assertThat(m.signet).as(key).isGreaterThanOrEqualTo(0.0);
            } else {
                assertThat(m.signet).as(key).isGreaterThan(0.0);
            }
            if (m.unit.equals("MB")) {
                assertThat(m.signet).as(key + " is a plausible RSS").isBetween(5.0, 8192.0);
            }
        }
        for (String level : List.of("wl.x509.1", "wl.x509.2")) {
            assertThat(r.metrics.get(level + ".p50").signet).isLessThanOrEqualTo(r.metrics.get(level + ".p99").signet);
            assertThat(r.metrics.get(level + ".p99").signet).isLessThanOrEqualTo(r.metrics.get(level + ".max").signet);
        }
        assertThat(r.metrics.get("sign.x509_vs_raw").signet).isLessThan(10.0);
        assertThat(r.metrics.get("wl.x509.2.refused").signet).as("no fetch refused at 2 workloads").isZero();
        assertThat(r.targets).extracting(t -> t.get("figure")).contains("sign.x509_vs_raw");
        assertThat(r.machine.get("cores")).isInstanceOf(Integer.class);
        assertThat((Integer) r.machine.get("cores")).isPositive();
        assertThat(r.spire.get("built")).isEqualTo(withSpire);
        if (withSpire) {
            // prop.2.server_rss and the scale agent figures need the simulated SPIRE agents (bench/go spire_sim.go)
            for (String key : List.of("wl.x509.1.p50", "wl.x509.1.p99", "wl.agent_rss_idle", "wl.jwt_validate.p50", "prop.1.p50", "scale.rss_start",
                    "prop.2.server_rss", "scale.agents_connected", "scale.sync.p50", "scale.rss_agents", "scale.sync_one.p50")) {
                Results.Metric m = r.metrics.get(key);
                assertThat(m.spire).as("SPIRE " + key).isNotNull().isPositive();
                assertThat(m.ratio()).as("ratio " + key).isNotNull().isPositive();
            }
        } else {
            assertThat(r.notes).anyMatch(n -> n.startsWith("SPIRE was not measured"));
        }

        JsonNode json = new ObjectMapper().readTree(tmp.resolve("out/smoke.json").toFile());
        assertThat(json.path("machine").path("kernel").asText()).isNotBlank();
        assertThat(json.path("machine").path("go").asText()).contains("go");
        assertThat(json.path("metrics").size()).isGreaterThanOrEqualTo(SIGNET_KEYS.size());
        for (JsonNode m : json.path("metrics")) {
            assertThat(m.has("key") && m.has("signet") && m.has("spire") && m.has("signet_over_spire")).as(m.toString()).isTrue();
        }
        String md = Files.readString(tmp.resolve("out/smoke.md"));
        assertThat(md).contains("## Machine", "## Results", "| Signet | SPIRE | Signet ÷ SPIRE |", "connect→first X509SVIDResponse p99");
    }
}
