-- Foundation: accounts, roles, sessions, domains, VDCs, clusters (MariaDB).
CREATE TABLE users (
    id            BIGINT AUTO_INCREMENT PRIMARY KEY,
    username      VARCHAR(64) NOT NULL UNIQUE,
    display_name  VARCHAR(128) NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE roles (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(128) NOT NULL UNIQUE,
    role_type  VARCHAR(32) NOT NULL,
    builtin    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE role_bindings (
    id         BIGINT AUTO_INCREMENT PRIMARY KEY,
    user_id    BIGINT NOT NULL,
    role_id    BIGINT NOT NULL,
    scope_kind VARCHAR(16) NOT NULL,
    scope_id   BIGINT NULL,
    created_at DATETIME(6) NOT NULL,
    INDEX role_bindings_user (user_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (role_id) REFERENCES roles(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    id         VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin PRIMARY KEY,
    user_id    BIGINT NULL,
    data       MEDIUMTEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    INDEX sessions_user (user_id),
    INDEX sessions_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE domains (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    name         VARCHAR(63) NOT NULL UNIQUE,
    display_name VARCHAR(256) NOT NULL,
    description  TEXT NOT NULL,
    created_at   DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE vdcs (
    id           BIGINT AUTO_INCREMENT PRIMARY KEY,
    domain_id    BIGINT NOT NULL,
    name         VARCHAR(63) NOT NULL,
    display_name VARCHAR(256) NOT NULL,
    description  TEXT NOT NULL,
    status       VARCHAR(16) NOT NULL DEFAULT 'active',
    created_at   DATETIME(6) NOT NULL,
    UNIQUE KEY vdcs_domain_name (domain_id, name),
    FOREIGN KEY (domain_id) REFERENCES domains(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE clusters (
    id          BIGINT AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(63) NOT NULL UNIQUE,
    api_url     TEXT NOT NULL,
    embedded    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
