-- App spaces (issue 13 item 3): one Kubernetes namespace each, in one VDC
-- on one cluster. Berth's row is written first (state `creating`), the
-- namespace and its ResourceQuota, LimitRange and NetworkPolicies are then
-- applied, and the row marked `ready`; a crash in between leaves a row the
-- next attempt or the reconciler converges. `deleting` rows go once the
-- namespace is gone; `missing` marks a namespace deleted outside Berth.
CREATE TABLE app_spaces (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    vdc_id       BIGINT NOT NULL,
    cluster_id   BIGINT NOT NULL,
    name         VARCHAR(63) NOT NULL,
    display_name VARCHAR(256) NOT NULL,
    description  TEXT NOT NULL,
    state        VARCHAR(16) NOT NULL,
    message      TEXT NOT NULL,
    adopted      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at   DATETIME(6) NOT NULL,
    updated_at   DATETIME(6) NOT NULL,
    UNIQUE KEY app_spaces_cluster_name (cluster_id, name),
    KEY app_spaces_vdc (vdc_id),
    FOREIGN KEY (vdc_id) REFERENCES vdcs(id),
    FOREIGN KEY (cluster_id) REFERENCES clusters(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
