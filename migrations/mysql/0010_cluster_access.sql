-- Cluster registry: description, credentials sealed with AES-256-GCM
-- (CA and token or client certificate; the URL and the insecure flag stay
-- plain), and health as the poller last found it.
ALTER TABLE clusters
    ADD COLUMN description    TEXT NOT NULL DEFAULT '',
    ADD COLUMN auth_kind      VARCHAR(32) NOT NULL DEFAULT 'none',
    ADD COLUMN access_sealed  MEDIUMTEXT NOT NULL DEFAULT '',
    ADD COLUMN insecure       BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN health         VARCHAR(32) NOT NULL DEFAULT 'unknown',
    ADD COLUMN health_message TEXT NOT NULL DEFAULT '',
    ADD COLUMN version        VARCHAR(128) NOT NULL DEFAULT '',
    ADD COLUMN node_count     BIGINT NULL,
    ADD COLUMN checked_at     DATETIME(6) NULL,
    ADD COLUMN updated_at     DATETIME(6) NULL;
