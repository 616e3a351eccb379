-- Login IP rules: allow and deny lists of networks, for the platform
-- (domain_id NULL) or one domain. Deny wins; a non-empty allow list admits
-- only its networks.
CREATE TABLE ip_rules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id   INTEGER REFERENCES domains(id) ON DELETE CASCADE,
    action      VARCHAR(8) NOT NULL,
    cidr        VARCHAR(64) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX ip_rules_domain ON ip_rules(domain_id);
