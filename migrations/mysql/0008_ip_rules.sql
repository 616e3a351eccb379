-- Login IP rules: allow and deny lists of networks, for the platform
-- (domain_id NULL) or one domain. Deny wins; a non-empty allow list admits
-- only its networks.
CREATE TABLE ip_rules (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    domain_id   BIGINT NULL,
    action      VARCHAR(8) NOT NULL,
    cidr        VARCHAR(64) NOT NULL,
    description VARCHAR(256) NOT NULL DEFAULT '',
    created_at  DATETIME(6) NOT NULL,
    CONSTRAINT ip_rules_domain_fk FOREIGN KEY (domain_id) REFERENCES domains(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE INDEX ip_rules_domain ON ip_rules(domain_id);
