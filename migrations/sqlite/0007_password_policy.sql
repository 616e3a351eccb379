-- Password policy: when each password was set (for the maximum age), and
-- the hashes of earlier passwords (for "no reuse of the last N").
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
UPDATE users SET password_changed_at = created_at;

CREATE TABLE password_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id);
