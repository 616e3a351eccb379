-- Cluster registry: description, credentials sealed with AES-256-GCM
-- (CA and token or client certificate; the URL and the insecure flag stay
-- plain), and health as the poller last found it.
ALTER TABLE clusters ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE clusters ADD COLUMN auth_kind TEXT NOT NULL DEFAULT 'none';
ALTER TABLE clusters ADD COLUMN access_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE clusters ADD COLUMN insecure BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE clusters ADD COLUMN health TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE clusters ADD COLUMN health_message TEXT NOT NULL DEFAULT '';
ALTER TABLE clusters ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE clusters ADD COLUMN node_count INTEGER;
ALTER TABLE clusters ADD COLUMN checked_at TEXT;
ALTER TABLE clusters ADD COLUMN updated_at TEXT;
