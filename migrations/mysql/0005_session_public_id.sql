-- The public id a user names a session by (never the cookie value).
ALTER TABLE sessions ADD COLUMN public_id VARCHAR(64) NULL;
