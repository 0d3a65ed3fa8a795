-- Signet datastore schema, version 4 (PostgreSQL): intentions.
-- Applied once by Flyway; never edit after release: add V5__... instead.

-- One row per intention; at most one per (source, destination). Source and destination hold the canonical
-- text forms (dev.signet.core.intention: "web", "ns/web", "ns/*", "*", "spiffe://other.org[/path]").
-- A change here raises change_counter, so servers push intentions to agents.
CREATE TABLE intentions (
    id          TEXT   NOT NULL PRIMARY KEY,
    source      TEXT   NOT NULL,
    destination TEXT   NOT NULL,
    action      TEXT   NOT NULL CHECK (action IN ('allow', 'deny')),
    description TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,                     -- microseconds since the epoch
    updated_at  BIGINT NOT NULL,
    UNIQUE (source, destination)
);
