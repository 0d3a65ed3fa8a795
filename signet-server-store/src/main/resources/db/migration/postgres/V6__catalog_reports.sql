-- Signet datastore schema, version 6 (PostgreSQL): the catalog's live state, shared by every server on the database.
-- Applied once by Flyway; never edit after release: add V7__... instead.

-- Each agent's last AgentApi.ReportActive (dev.signet.server.store.CatalogReport), replaced as a whole.
-- identities: one "<entry ID> <SPIFFE ID> <workloads>" line per identity, in the reported order ('' for none);
-- neither ID contains spaces or line breaks. address: the IP the report came from ('' if unknown).
-- No foreign key to agents: a report may race an eviction; readers join with agents, and expiry removes it.
CREATE TABLE catalog_reports (
    agent_id    TEXT   NOT NULL PRIMARY KEY,
    identities  TEXT   NOT NULL,
    address     TEXT   NOT NULL,
    reported_at BIGINT NOT NULL                      -- microseconds since the epoch
);
CREATE INDEX catalog_reports_reported_at ON catalog_reports (reported_at);

-- Rises with every catalog change (a report whose content differs, a deleted or expired report), in the same
-- transaction, with NOTIFY signet_catalog on PostgreSQL. Separate from change_counter on purpose: catalog changes
-- must not make servers reload entries or push to agents, and refreshing an unchanged report raises neither.
CREATE TABLE catalog_counter (
    id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    counter BIGINT  NOT NULL
);
INSERT INTO catalog_counter (id, counter) VALUES (1, 0);
