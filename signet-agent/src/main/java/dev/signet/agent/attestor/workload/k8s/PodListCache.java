package dev.signet.agent.attestor.workload.k8s;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The kubelet's pod list, shared by all attestations: at most one request in flight (concurrent callers wait for
 * it and share its answer, success or failure) and at most one request started per {@code interval}.
 *
 * <p>A first look ({@code seen == null}) takes the cached list if it is younger than {@code interval}. A retry
 * passes the snapshot it already searched; it gets a newer one, waiting (with the injected {@link Sleeper}) until
 * {@code interval} has passed since that snapshot's request started, if no one else fetched a newer one meanwhile.
 */
final class PodListCache {
    /** Waits; tests substitute one that advances a manual clock. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(Math.max(1, d.toMillis()));
    }

    /** One request's outcome: the pods, or why there are none. */
    record Snapshot(long generation, Instant fetchedAt, List<Pod> pods, IOException error) {
        List<Pod> podsOrThrow() throws IOException {
            if (error != null) {
                throw new IOException(error.getMessage(), error);
            }
            return pods;
        }
    }

    private final PodSource source;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Duration interval;

    private Snapshot current;
    private CompletableFuture<Snapshot> inflight;
    private long generation;

    PodListCache(PodSource source, Duration interval, Clock clock, Sleeper sleeper) {
        this.source = source;
        this.interval = interval;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** A snapshot newer than {@code seen} (any fresh one if null); see the class comment. */
    Snapshot get(Snapshot seen) throws InterruptedException {
        while (true) {
            CompletableFuture<Snapshot> flight;
            boolean mine = false;
            Duration wait = null;
            synchronized (this) {
                Instant now = clock.instant();
                if (inflight != null) {
                    flight = inflight;
                } else {
                    Snapshot c = current;
                    if (c != null && (seen == null ? now.isBefore(c.fetchedAt().plus(interval)) : c.generation() > seen.generation())) {
                        return c;
                    }
                    Instant allowed = c == null ? now : c.fetchedAt().plus(interval);
                    if (allowed.isAfter(now)) {
                        flight = null;
                        wait = Duration.between(now, allowed);
                    } else {
                        flight = new CompletableFuture<>();
                        inflight = flight;
                        mine = true;
                    }
                }
            }
            if (wait != null) {
                sleeper.sleep(wait);
                continue;
            }
            if (mine) {
                return fetch(flight);
            }
            try {
                Snapshot s = flight.get();
                if (seen == null || s.generation() > seen.generation()) {
                    return s;
                }
            } catch (ExecutionException e) {
                throw new IllegalStateException("pod list fetch failed unexpectedly", e.getCause());
            }
        }
    }

    private Snapshot fetch(CompletableFuture<Snapshot> flight) {
        Instant started = clock.instant();
        List<Pod> pods = null;
        IOException error = null;
        try {
            pods = source.pods();
        } catch (IOException e) {
            error = e;
        } catch (RuntimeException e) {
            error = new IOException("unexpected failure while listing pods: " + e, e);
        } catch (Error e) {
            synchronized (this) {
                inflight = null;
            }
            flight.completeExceptionally(e);
            throw e;
        }
        Snapshot s;
        synchronized (this) {
            s = new Snapshot(++generation, started, pods, error);
            current = s;
            inflight = null;
        }
        flight.complete(s);
        return s;
    }
}
