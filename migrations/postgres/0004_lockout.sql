-- Platform settings operators change at run time (lockout thresholds now,
-- password and login policies later), and failed sign-ins for lockout and
-- per-address throttling.
CREATE TABLE settings (
    name  VARCHAR(64) PRIMARY KEY,
    value VARCHAR(128) NOT NULL
);

CREATE TABLE login_failures (
    id       BIGSERIAL PRIMARY KEY,
    username VARCHAR(128) NOT NULL,
    source   VARCHAR(64),
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_username ON login_failures(username);
CREATE INDEX login_failures_source ON login_failures(source);
