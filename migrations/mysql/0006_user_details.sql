-- Users: contact details, the domain a user belongs to (none for platform
-- staff), and whether the password must be changed at the next sign-in.
ALTER TABLE users ADD COLUMN email VARCHAR(254) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone VARCHAR(32) NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN domain_id BIGINT NULL;
ALTER TABLE users ADD CONSTRAINT users_domain FOREIGN KEY (domain_id) REFERENCES domains(id);
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
