-- Password policy: when each password was set (for the maximum age), and
-- the hashes of earlier passwords (for "no reuse of the last N").
ALTER TABLE users ADD COLUMN password_changed_at DATETIME(6) NULL;
UPDATE users SET password_changed_at = created_at;

CREATE TABLE password_history (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id       BIGINT NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    CONSTRAINT password_history_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX password_history_user ON password_history(user_id);
