-- Append-only audit trail: every change, denial, sign-in and failed sign-in.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    user_id    INTEGER,
    username   TEXT NOT NULL,
    source     TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    scope_kind TEXT,
    scope_id   INTEGER,
    outcome    TEXT NOT NULL,
    request_id TEXT NOT NULL,
    details    TEXT NOT NULL
);
CREATE INDEX audit_events_at ON audit_events(at);
CREATE INDEX audit_events_user ON audit_events(user_id);
