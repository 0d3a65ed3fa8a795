-- Signet datastore schema, version 1 (PostgreSQL). The same tables, columns and rules as sqlite/V1__init.sql;
-- keep the version numbers of both dialects aligned (a V6 lands in both).
-- Instants are BIGINT microseconds since the Unix epoch (UTC); durations are whole seconds.
-- Child rows are deleted by the application and by ON DELETE CASCADE.
-- Applied once by Flyway; never edit after release: add V2__... instead.

-- One row whose counter rises with every change servers must propagate, in the same transaction, so that every
-- server sharing the database can detect changes by reading one number (and NOTIFY signet_changes wakes them).
CREATE TABLE change_counter (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    counter BIGINT  NOT NULL
);
INSERT INTO change_counter (id, counter) VALUES (1, 0);

CREATE TABLE entries (
    id               TEXT    NOT NULL PRIMARY KEY,
    spiffe_id        TEXT    NOT NULL,
    parent_kind      TEXT    NOT NULL CHECK (parent_kind IN ('agent', 'node_selectors', 'any_node')),
    parent_id        TEXT,                           -- the agent's SPIFFE ID when parent_kind = 'agent'
    x509_ttl_seconds BIGINT,                         -- NULL: the server default
    hint             TEXT    NOT NULL,
    revision         BIGINT  NOT NULL,
    created_at       BIGINT  NOT NULL,
    dedup_key        TEXT    NOT NULL UNIQUE,        -- SHA-256 of (spiffe_id, parent, selectors): no duplicate registrations
    CHECK ((parent_kind = 'agent') = (parent_id IS NOT NULL))
);
CREATE INDEX entries_spiffe_id ON entries (spiffe_id);

CREATE TABLE entry_selectors (
    entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    type     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (entry_id, type, value)
);
CREATE INDEX entry_selectors_selector ON entry_selectors (type, value);

-- The node selectors of an entry whose parent_kind is 'node_selectors'.
CREATE TABLE entry_node_selectors (
    entry_id TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    type     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (entry_id, type, value)
);

CREATE TABLE entry_dns_names (
    entry_id TEXT    NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    PRIMARY KEY (entry_id, position)
);

CREATE TABLE agents (
    spiffe_id          TEXT    NOT NULL PRIMARY KEY,
    attestation_type   TEXT,
    cert_serial        TEXT    NOT NULL,             -- '' when none (e.g. banned)
    cert_not_after     BIGINT,
    new_cert_serial    TEXT    NOT NULL,             -- '' unless a rotation is in progress
    new_cert_not_after BIGINT,
    banned             BOOLEAN NOT NULL,
    created_at         BIGINT,
    last_seen          BIGINT
);

CREATE TABLE agent_selectors (
    agent_id TEXT NOT NULL REFERENCES agents (spiffe_id) ON DELETE CASCADE,
    type     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (agent_id, type, value)
);
CREATE INDEX agent_selectors_selector ON agent_selectors (type, value);

CREATE TABLE join_tokens (
    token      TEXT   NOT NULL PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX join_tokens_expires_at ON join_tokens (expires_at);

CREATE TABLE join_token_labels (
    token       TEXT NOT NULL REFERENCES join_tokens (token) ON DELETE CASCADE,
    label_key   TEXT NOT NULL,
    label_value TEXT NOT NULL,
    PRIMARY KEY (token, label_key)
);

CREATE TABLE bundles (
    trust_domain TEXT   NOT NULL PRIMARY KEY,
    sequence     BIGINT NOT NULL
);

-- Authorities in insertion order (ascending position; removals leave gaps).
CREATE TABLE bundle_x509_authorities (
    trust_domain TEXT    NOT NULL REFERENCES bundles (trust_domain) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    der          BYTEA   NOT NULL,
    PRIMARY KEY (trust_domain, position)
);
