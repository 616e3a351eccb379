-- Append-only audit trail: every change, denial, sign-in and failed sign-in.
CREATE TABLE audit_events (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    at         DATETIME(6) NOT NULL,
    user_id    BIGINT NULL,
    username   VARCHAR(64) NOT NULL,
    source     VARCHAR(64) NULL,
    action     VARCHAR(64) NOT NULL,
    target     VARCHAR(255) NOT NULL,
    scope_kind VARCHAR(16) NULL,
    scope_id   BIGINT NULL,
    outcome    VARCHAR(16) NOT NULL,
    request_id VARCHAR(64) NOT NULL,
    details    TEXT NOT NULL,
    INDEX audit_events_at (at),
    INDEX audit_events_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
