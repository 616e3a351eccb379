-- Platform settings operators change at run time (lockout thresholds now,
-- password and login policies later), and failed sign-ins for lockout and
-- per-address throttling.
CREATE TABLE settings (
    name  VARCHAR(64) PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE login_failures (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    source   VARCHAR(64),
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username);
CREATE INDEX login_failures_source ON login_failures(source);
