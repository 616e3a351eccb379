-- One leader for background work: a lease per name, held until expires_at
-- (Unix milliseconds) unless renewed.
CREATE TABLE leader_leases (
    name        VARCHAR(63) PRIMARY KEY,
    holder      VARCHAR(200) NOT NULL,
    renewed_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
