-- Password policy: when each password was set (for the maximum age), and
-- the hashes of earlier passwords (for "no reuse of the last N").
ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMPTZ;
UPDATE users SET password_changed_at = created_at;

CREATE TABLE password_history (
    id            BIGSERIAL PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    password_hash VARCHAR(255) NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id);
