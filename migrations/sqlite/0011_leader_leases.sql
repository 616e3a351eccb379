-- One leader for background work: a lease per name, held until expires_at
-- (Unix milliseconds) unless renewed.
CREATE TABLE leader_leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    renewed_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
