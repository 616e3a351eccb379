-- Two-factor sign-in: each user's TOTP secret (kept pending until a code
-- confirms it), whether it is on, the last time step used (a code works
-- once), and hashes of one-time recovery codes.
ALTER TABLE users ADD COLUMN totp_secret VARCHAR(64) NULL;
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NULL;

CREATE TABLE recovery_codes (
    id        BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id   BIGINT NOT NULL,
    code_hash VARCHAR(64) NOT NULL,
    used_at   DATETIME(6) NULL,
    CONSTRAINT recovery_codes_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
