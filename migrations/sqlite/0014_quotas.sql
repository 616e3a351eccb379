-- Quotas (issue 13): what each domain, VDC and app space may use on each
-- cluster. A domain's quotas on a cluster together stay within the
-- cluster's allocatable times its overcommit ratio; a domain's VDCs within
-- the domain's; a VDC's app spaces within the VDC's. Amounts are whole base
-- units (millicores, bytes, objects). A change locks the parent's row
-- first (quota_version), so concurrent changes under one parent are
-- decided one after another.
ALTER TABLE clusters ADD COLUMN overcommit_percent INTEGER NOT NULL DEFAULT 100;
ALTER TABLE clusters ADD COLUMN ingress_namespace TEXT NOT NULL DEFAULT 'ingress-nginx';
ALTER TABLE clusters ADD COLUMN quota_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE domains ADD COLUMN quota_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE vdcs ADD COLUMN quota_version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE quotas (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- domain | vdc | app_space
    owner_kind  TEXT NOT NULL,
    owner_id    BIGINT NOT NULL,
    -- The owner's parent: 0 for a domain (the cluster is its parent), a
    -- VDC's domain, an app space's VDC.
    parent_id   BIGINT NOT NULL,
    cluster_id  BIGINT NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
    resource    TEXT NOT NULL,
    amount      BIGINT NOT NULL,
    UNIQUE (owner_kind, owner_id, cluster_id, resource)
);
CREATE INDEX quotas_parent ON quotas (owner_kind, parent_id, cluster_id);
