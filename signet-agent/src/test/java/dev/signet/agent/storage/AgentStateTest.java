package dev.signet.agent.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.signet.agent.TestCerts;
import dev.signet.core.files.AtomicFiles;
import dev.signet.core.x509.Crypto;
import dev.signet.core.x509.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's persisted SVID, key and bundle (SPIRE §4.3): round trips, file modes, crash leftovers, corruption. */
class AgentStateTest {
    private static final TestCerts PKI = new TestCerts("example.org");

    @TempDir
    Path dir;

    private static AgentState.Svid svid() {
        Instant now = Instant.now();
        TestCerts.Leaf l = PKI.leaf("/signet/agent/join_token/t1", now.minusSeconds(10), now.plusSeconds(3600));
        return new AgentState.Svid(List.of(l.cert()), l.key().getPrivate());
    }

    @Test
    void nothingSavedReadsAsEmpty() throws Exception {
        AgentState state = new AgentState(dir.resolve("not-yet-created"));
        assertThat(state.loadSvid()).isEmpty();
        assertThat(state.loadBundle()).isEmpty();
    }

    @Test
    void svidRoundTrip() throws Exception {
        AgentState state = new AgentState(dir.resolve("data"));
        AgentState.Svid saved = svid();

        state.saveSvid(saved);
        Optional<AgentState.Svid> loaded = new AgentState(dir.resolve("data")).loadSvid();

        assertThat(loaded).isPresent();
        assertThat(loaded.get().chain()).containsExactlyElementsOf(saved.chain());
        assertThat(loaded.get().key().getEncoded()).isEqualTo(saved.key().getEncoded());
        assertThat(dir.resolve("data/agent_svid.pem")).exists();
        assertThat(dir.resolve("data/agent_svid.key")).exists();
    }

    @Test
    void chainWithIntermediatesKeepsItsOrder() throws Exception {
        AgentState state = new AgentState(dir);
        AgentState.Svid s = svid();
        AgentState.Svid withCa = new AgentState.Svid(List.of(s.chain().get(0), PKI.ca), s.key());

        state.saveSvid(withCa);

        assertThat(state.loadSvid().orElseThrow().chain()).containsExactly(s.chain().get(0), PKI.ca);
    }

    @Test
    void keyFileIsOwnerOnly() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent_svid.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent_svid.pem")))).isEqualTo("rw-r--r--");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("agent_svid.key", "agent_svid.pem");
        }
    }

    @Test
    void newKeyWithoutItsCertificateReadsAsNoSvid() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());
        // A crash after the new key was written but before its certificate: key and certificate disagree.
        AtomicFiles.writeSecret(dir.resolve("agent_svid.key"),
                Pem.encodePrivateKey(Crypto.generate(Crypto.KeyType.EC_P256).getPrivate()).getBytes(StandardCharsets.UTF_8));

        assertThat(state.loadSvid()).isEmpty();
    }

    @Test
    void keyWithoutAnyCertificateReadsAsNoSvid() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());
        Files.delete(dir.resolve("agent_svid.pem"));

        assertThat(state.loadSvid()).isEmpty();
    }

    @Test
    void savingAgainReplacesBothFiles() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());
        AgentState.Svid second = svid();

        state.saveSvid(second);

        AgentState.Svid loaded = state.loadSvid().orElseThrow();
        assertThat(loaded.chain()).containsExactlyElementsOf(second.chain());
        assertThat(loaded.key().getEncoded()).isEqualTo(second.key().getEncoded());
    }

    @Test
    void corruptCertificatePemIsAnIoErrorNamingTheFiles() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());
        Files.writeString(dir.resolve("agent_svid.pem"), "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n");

        IOException e = assertThrows(IOException.class, state::loadSvid);

        assertThat(e.getMessage()).startsWith("agent SVID file " + dir.resolve("agent_svid.pem") + " is unreadable: ");
    }

    @Test
    void corruptKeyPemIsAnIoError() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());
        Files.writeString(dir.resolve("agent_svid.key"), "garbage without any PEM block\n");

        IOException e = assertThrows(IOException.class, state::loadSvid);

        assertThat(e.getMessage()).startsWith("agent key file " + dir.resolve("agent_svid.key") + " is unreadable: ").contains("PRIVATE KEY");
    }

    @Test
    void deleteSvidRemovesBothFiles() throws Exception {
        AgentState state = new AgentState(dir);
        state.saveSvid(svid());

        state.deleteSvid();
        state.deleteSvid(); // idempotent

        assertThat(state.loadSvid()).isEmpty();
        assertThat(dir.resolve("agent_svid.pem")).doesNotExist();
        assertThat(dir.resolve("agent_svid.key")).doesNotExist();
    }

    @Test
    void bundleRoundTrip() throws Exception {
        AgentState state = new AgentState(dir.resolve("b"));
        TestCerts other = new TestCerts("example.org");

        state.saveBundle(List.of(PKI.ca, other.ca));

        assertThat(state.loadBundle().orElseThrow()).containsExactly(PKI.ca, other.ca);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("b/bundle.pem")))).isEqualTo("rw-r--r--");
    }

    @Test
    void corruptBundleIsAnIoErrorNamingTheFile() throws Exception {
        AgentState state = new AgentState(dir);
        Files.writeString(dir.resolve("bundle.pem"), "no certificates here\n");

        IOException e = assertThrows(IOException.class, state::loadBundle);

        assertThat(e.getMessage()).startsWith("cached bundle " + dir.resolve("bundle.pem") + " is unreadable: ");
    }
}
