package dev.signet.agent.endpoints.workload;

import dev.signet.agent.cache.WorkloadUpdate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Responses already built for an identity set, so every workload with the same identities gets the same
 * message object instead of a freshly built and serialised one (protobuf memoises a message's size, and a
 * stream's "did it change" check becomes a reference comparison).
 *
 * <p><b>Key.</b> A response is a pure function of the update's identities (entry, chain, key) and its trust
 * bundle, which the cache holds as immutable objects and replaces — never mutates — on rotation, entry
 * change or bundle change. So the key is the <em>identity</em> of those objects (the ordered identity list
 * and the {@link dev.signet.core.bundle.TrustBundle} instance): a rotated SVID or a new bundle is a new
 * object, hence a new key, and the old message is never served for it. Workloads entitled to different
 * identities have different keys and never share a message; comparing by reference also costs nothing,
 * unlike comparing certificates. Entries are held strongly, so a key's objects cannot be collected and their
 * identity reused while it is cached.
 *
 * <p>Bounded: the {@value #MAX_ENTRIES} most recently used identity sets (old ones still hold retired keys
 * and certificates only until they fall out).
 */
final class RenderedResponses<R> {
    static final int MAX_ENTRIES = 64;

    private final Function<WorkloadUpdate, R> render;
    private final Map<Key, R> rendered = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, R> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    RenderedResponses(Function<WorkloadUpdate, R> render) {
        this.render = Objects.requireNonNull(render, "render");
    }

    /** The response for {@code update}: the cached one for the same identity objects and bundle, else built now. */
    R render(WorkloadUpdate update) {
        Key key = Key.of(update);
        synchronized (rendered) {
            R r = rendered.get(key);
            if (r != null) {
                return r;
            }
        }
        R r = render.apply(update); // outside the lock; a concurrent miss builds an equal message, last one stays
        synchronized (rendered) {
            rendered.put(key, r);
        }
        return r;
    }

    /** Identity sets currently cached (for tests). */
    int size() {
        synchronized (rendered) {
            return rendered.size();
        }
    }

    /** The update's identity objects in order, then its trust bundle and trust domain, compared by reference. */
    private static final class Key {
        private final Object[] parts;
        private final int hash;

        private Key(Object[] parts) {
            this.parts = parts;
            int h = 1;
            for (Object p : parts) {
                h = 31 * h + System.identityHashCode(p);
            }
            this.hash = h;
        }

        static Key of(WorkloadUpdate u) {
            Object[] parts = new Object[u.identities().size() + 2];
            for (int i = 0; i < u.identities().size(); i++) {
                parts[i] = u.identities().get(i);
            }
            parts[parts.length - 2] = u.trustBundle();
            parts[parts.length - 1] = u.trustDomain();
            return new Key(parts);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key k) || k.hash != hash || k.parts.length != parts.length) {
                return false;
            }
            for (int i = 0; i < parts.length; i++) {
                if (parts[i] != k.parts[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return "Key" + Arrays.toString(parts);
        }
    }
}
