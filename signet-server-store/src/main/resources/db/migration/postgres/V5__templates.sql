-- Signet datastore schema, version 5 (PostgreSQL): identity templates.
-- Applied once by Flyway; never edit after release: add V6__... instead.

-- One row per identity template (dev.signet.core.template.IdentityTemplate). Selector lists hold one
-- "type:value" per line (selectors never contain control characters); an empty node_selectors means any node.
-- A change here raises change_counter, so servers push templates to agents.
CREATE TABLE templates (
    id               TEXT   NOT NULL PRIMARY KEY,
    spiffe_id_template TEXT NOT NULL,
    selectors        TEXT   NOT NULL,
    node_selectors   TEXT   NOT NULL,
    x509_ttl_seconds BIGINT,
    jwt_ttl_seconds  BIGINT,
    dns_names        TEXT   NOT NULL,                -- one per line
    hint             TEXT   NOT NULL,
    created_at       BIGINT NOT NULL                 -- microseconds since the epoch
);
