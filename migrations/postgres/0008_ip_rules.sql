-- Login IP rules: allow and deny lists of networks, for the platform
-- (domain_id NULL) or one domain. Deny wins; a non-empty allow list admits
-- only its networks.
CREATE TABLE ip_rules (
    id          BIGSERIAL PRIMARY KEY,
    domain_id   BIGINT REFERENCES domains(id) ON DELETE CASCADE,
    action      VARCHAR(8) NOT NULL,
    cidr        VARCHAR(64) NOT NULL,
    description VARCHAR(256) NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX ip_rules_domain ON ip_rules(domain_id);
