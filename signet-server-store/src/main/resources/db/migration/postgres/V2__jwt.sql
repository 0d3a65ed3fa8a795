-- Signet datastore schema, version 2 (PostgreSQL): JWT-SVIDs.
-- Applied once by Flyway; never edit after release: add V3__... instead.

-- Per-entry JWT-SVID lifetime in whole seconds; NULL: the server's default_jwt_svid_ttl.
ALTER TABLE entries ADD COLUMN jwt_ttl_seconds BIGINT;

-- JWT signing keys published in a trust domain's bundle, in insertion order (ascending position; removals
-- leave gaps). A change here raises bundles.sequence, the same number the X.509 authorities raise.
CREATE TABLE bundle_jwt_authorities (
    trust_domain TEXT    NOT NULL REFERENCES bundles (trust_domain) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    key_id       TEXT    NOT NULL,
    public_key   BYTEA   NOT NULL,                   -- PKIX SubjectPublicKeyInfo DER
    expires_at   BIGINT  NOT NULL,                   -- when the key stops signing (microseconds since the epoch)
    algorithm    TEXT,                               -- JWS alg it signs with (e.g. ES256); NULL when unknown
    PRIMARY KEY (trust_domain, position),
    UNIQUE (trust_domain, key_id)
);
