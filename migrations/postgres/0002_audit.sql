-- Append-only audit trail: every change, denial, sign-in and failed sign-in.
CREATE TABLE audit_events (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    user_id    BIGINT,
    username   VARCHAR(64) NOT NULL,
    source     VARCHAR(64),
    action     VARCHAR(64) NOT NULL,
    target     VARCHAR(255) NOT NULL,
    scope_kind VARCHAR(16),
    scope_id   BIGINT,
    outcome    VARCHAR(16) NOT NULL,
    request_id VARCHAR(64) NOT NULL,
    details    TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_user ON audit_events(user_id);
