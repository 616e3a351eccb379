-- Users: contact details, the domain a user belongs to (none for platform
-- staff), and whether the password must be changed at the next sign-in.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN domain_id INTEGER REFERENCES domains(id);
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT 0;
