-- Signet datastore schema, version 3 (PostgreSQL): catalog service definitions.
-- Applied once by Flyway; never edit after release: add a later version instead.

-- One row per service, keyed by (partition, namespace, datacenter, name) as "<partition>/<namespace>/<dc>/<name>".
-- The definition is the signet.catalog.v1.ServiceDefinition protobuf (defaults applied).
CREATE TABLE services (
    service_key TEXT   NOT NULL PRIMARY KEY,
    partition   TEXT   NOT NULL,
    namespace   TEXT   NOT NULL,
    datacenter  TEXT   NOT NULL,
    name        TEXT   NOT NULL,
    definition  BYTEA  NOT NULL,
    spiffe_id   TEXT   NOT NULL,
    revision    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- The registration entries a service is materialized as (one per workload selector set), written in the same
-- transaction as the service. Such entries are managed: the admin API refuses to update or delete them.
CREATE TABLE service_entries (
    entry_id    TEXT    NOT NULL PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    service_key TEXT    NOT NULL REFERENCES services (service_key) ON DELETE CASCADE,
    position    INTEGER NOT NULL
);
CREATE INDEX service_entries_service ON service_entries (service_key);
