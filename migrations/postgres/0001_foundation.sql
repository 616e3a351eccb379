-- Foundation: accounts, roles, sessions, domains, VDCs, clusters.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      VARCHAR(64) NOT NULL UNIQUE,
    display_name  VARCHAR(128) NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE roles (
    id         BIGSERIAL PRIMARY KEY,
    name       VARCHAR(128) NOT NULL UNIQUE,
    role_type  VARCHAR(32) NOT NULL,
    builtin    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE role_bindings (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id    BIGINT NOT NULL REFERENCES roles(id),
    scope_kind VARCHAR(16) NOT NULL,
    scope_id   BIGINT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX role_bindings_user ON role_bindings(user_id);

CREATE TABLE sessions (
    id         VARCHAR(64) PRIMARY KEY,
    user_id    BIGINT,
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE domains (
    id           BIGSERIAL PRIMARY KEY,
    name         VARCHAR(63) NOT NULL UNIQUE,
    display_name VARCHAR(256) NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE vdcs (
    id           BIGSERIAL PRIMARY KEY,
    domain_id    BIGINT NOT NULL REFERENCES domains(id),
    name         VARCHAR(63) NOT NULL,
    display_name VARCHAR(256) NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       VARCHAR(16) NOT NULL DEFAULT 'active',
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (domain_id, name)
);

CREATE TABLE clusters (
    id          BIGSERIAL PRIMARY KEY,
    name        VARCHAR(63) NOT NULL UNIQUE,
    api_url     TEXT NOT NULL,
    embedded    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMPTZ NOT NULL
);
