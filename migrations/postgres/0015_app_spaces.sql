-- App spaces (issue 13 item 3): one Kubernetes namespace each, in one VDC
-- on one cluster. Berth's row is written first (state `creating`), the
-- namespace and its ResourceQuota, LimitRange and NetworkPolicies are then
-- applied, and the row marked `ready`; a crash in between leaves a row the
-- next attempt or the reconciler converges. `deleting` rows go once the
-- namespace is gone; `missing` marks a namespace deleted outside Berth.
CREATE TABLE app_spaces (
    id           BIGSERIAL PRIMARY KEY,
    vdc_id       BIGINT NOT NULL REFERENCES vdcs(id),
    cluster_id   BIGINT NOT NULL REFERENCES clusters(id),
    name         VARCHAR(63) NOT NULL,
    display_name VARCHAR(256) NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    state        VARCHAR(16) NOT NULL,
    message      TEXT NOT NULL DEFAULT '',
    adopted      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (cluster_id, name)
);
CREATE INDEX app_spaces_vdc ON app_spaces (vdc_id);
