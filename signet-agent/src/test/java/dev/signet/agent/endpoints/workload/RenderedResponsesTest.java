package dev.signet.agent.endpoints.workload;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.signet.agent.cache.IdentityCache;
import dev.signet.agent.cache.X509Identity;
import dev.signet.core.selector.Selector;
import dev.signet.core.x509.Certificates;
import dev.signet.proto.workload.X509SVIDResponse;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RenderedResponses} over the real {@link IdentityCache}: one message per identity set, never shared
 * between workloads entitled to different identities, and never served after a rotation or bundle change.
 */
class RenderedResponsesTest {
    private static final Selector WEB = new Selector("fake", "workload:web");
    private static final Selector DB = new Selector("fake", "workload:db");

    private final TestPki pki = new TestPki("example.org");
    private final IdentityCache cache = new IdentityCache(pki.trustDomain, new Random(1));
    private final AtomicInteger built = new AtomicInteger();
    private final RenderedResponses<X509SVIDResponse> responses = new RenderedResponses<>(u -> {
        built.incrementAndGet();
        return Responses.x509Svids(u);
    });

    @AfterEach
    void close() {
        cache.close();
    }

    private X509SVIDResponse fetch(Selector... selectors) {
        return responses.render(cache.current(Set.of(selectors)));
    }

    private static ByteString der(X509Identity id) {
        return ByteString.copyFrom(Certificates.concat(id.chain()));
    }

    @Test
    void workloadsWithTheSameIdentitiesShareOneMessageAndOthersNever() {
        X509Identity web = pki.identity("e-web", "/web", "", WEB);
        X509Identity db = pki.identity("e-db", "/db", "", DB);
        cache.update(List.of(web.entry(), db.entry()), List.of(pki.ca));
        cache.put(List.of(web, db));

        X509SVIDResponse forWeb = fetch(WEB);
        X509SVIDResponse forDb = fetch(DB);
        X509SVIDResponse forBoth = fetch(WEB, DB);
        // another workload with the same selectors, and one with an extra selector no entry uses
        assertThat(fetch(WEB)).isSameAs(forWeb);
        assertThat(fetch(WEB, new Selector("fake", "workload:other"))).isSameAs(forWeb);
        assertThat(built.get()).isEqualTo(3);

        assertThat(forWeb.getSvidsList()).extracting(s -> s.getSpiffeId()).containsExactly("spiffe://example.org/web");
        assertThat(forWeb.getSvids(0).getX509Svid()).isEqualTo(der(web));
        assertThat(forWeb.getSvids(0).getX509SvidKey().toByteArray()).isEqualTo(web.pkcs8());
        assertThat(forDb.getSvidsList()).extracting(s -> s.getSpiffeId()).containsExactly("spiffe://example.org/db");
        assertThat(forDb.getSvids(0).getX509SvidKey().toByteArray()).isEqualTo(db.pkcs8());
        assertThat(forBoth.getSvidsList()).extracting(s -> s.getSpiffeId())
                .containsExactly("spiffe://example.org/db", "spiffe://example.org/web");
        assertThat(forDb).isNotSameAs(forWeb).isNotSameAs(forBoth);
    }

    @Test
    void aRotatedSvidGetsANewMessage() {
        X509Identity first = pki.identity("e-web", "/web", "", WEB);
        cache.update(List.of(first.entry()), List.of(pki.ca));
        cache.put(List.of(first));
        X509SVIDResponse before = fetch(WEB);

        X509Identity rotated = pki.identity("e-web", "/web", "", WEB);
        cache.put(List.of(rotated));
        X509SVIDResponse after = fetch(WEB);

        assertThat(after).isNotSameAs(before);
        assertThat(after.getSvids(0).getX509Svid()).isEqualTo(der(rotated)).isNotEqualTo(der(first));
        assertThat(after.getSvids(0).getX509SvidKey().toByteArray()).isEqualTo(rotated.pkcs8());
    }

    @Test
    void aChangedBundleGetsANewMessage() {
        X509Identity web = pki.identity("e-web", "/web", "", WEB);
        cache.update(List.of(web.entry()), List.of(pki.ca));
        cache.put(List.of(web));
        X509SVIDResponse before = fetch(WEB);

        TestPki next = new TestPki("example.org");
        cache.update(List.of(web.entry()), List.of(pki.ca, next.ca));
        X509SVIDResponse after = fetch(WEB);

        assertThat(after).isNotSameAs(before);
        assertThat(before.getSvids(0).getBundle()).isEqualTo(ByteString.copyFrom(Certificates.concat(List.of(pki.ca))));
        assertThat(after.getSvids(0).getBundle()).isEqualTo(ByteString.copyFrom(Certificates.concat(List.of(pki.ca, next.ca))));
        assertThat(after.getSvids(0).getX509Svid()).isEqualTo(der(web));
    }

    @Test
    void aRemovedEntryIsNoLongerInTheMessage() {
        X509Identity web = pki.identity("e-web", "/web", "", WEB);
        X509Identity web2 = pki.identity("e-web2", "/web2", "", WEB);
        cache.update(List.of(web.entry(), web2.entry()), List.of(pki.ca));
        cache.put(List.of(web, web2));
        assertThat(fetch(WEB).getSvidsCount()).isEqualTo(2);

        cache.update(List.of(web.entry()), List.of(pki.ca));
        assertThat(fetch(WEB).getSvidsList()).extracting(s -> s.getSpiffeId()).containsExactly("spiffe://example.org/web");
    }

    @Test
    void theCacheIsBounded() {
        for (int i = 0; i < RenderedResponses.MAX_ENTRIES + 10; i++) {
            responses.render(pki.update(pki.identity("e" + i, "/w" + i, "")));
            assertThat(responses.size()).isBetween(1, RenderedResponses.MAX_ENTRIES);
        }
    }
}
