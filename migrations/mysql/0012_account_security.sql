-- Account security (issue 11).
-- Session ids are now stored as their SHA-256: ids stored in the clear
-- before this migration could be replayed from a dump, so they all end.
DELETE FROM sessions;

-- Single sign-on links a provider's (issuer, subject) to one account.
CREATE TABLE sso_identities (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    issuer     VARCHAR(512) NOT NULL,
    subject    VARCHAR(255) NOT NULL,
    user_id    BIGINT NOT NULL,
    created_at DATETIME(6) NOT NULL,
    UNIQUE KEY sso_identities_key (issuer(255), subject),
    INDEX sso_identities_user (user_id),
    CONSTRAINT sso_identities_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Where a binding came from: NULL for a grant made in Berth,
-- `sso-group:<group>` for one a provider group brings (removed when the
-- group leaves the token).
ALTER TABLE role_bindings ADD COLUMN source VARCHAR(200) NULL;

-- A TOTP secret being set up, kept apart from the one in use, so that
-- re-enrolling does not turn off the factor before the new one works.
ALTER TABLE users ADD COLUMN totp_pending_secret VARCHAR(64) NULL;

-- Bindings left behind by deleted domains and VDCs (a new one could
-- inherit them by id).
DELETE FROM role_bindings WHERE scope_kind = 'vdc' AND scope_id NOT IN (SELECT id FROM vdcs);
DELETE FROM role_bindings WHERE scope_kind = 'domain' AND scope_id NOT IN (SELECT id FROM domains);
