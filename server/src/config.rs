//! Typed, layered configuration: built-in defaults, then an optional TOML
//! file (`BERTH_CONFIG`), then environment variables. Every key is listed
//! once in [`KEYS`] with its default and meaning; the README's table is
//! checked against that list by a test.
//!
//! A missing or malformed value stops startup with a message that names
//! the key. Secrets are held in [`SecretString`] and never printed.

use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf};

use berth_core::identity::hashing::PasswordParams;
use secrecy::{ExposeSecret, SecretString};

/// One configuration key: environment name, file name, default, meaning.
pub struct Key {
    pub env: &'static str,
    pub file: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

pub const KEYS: &[Key] = &[
    Key { env: "BERTH_CONFIG", file: "", default: "", doc: "Path of an optional TOML file with any of the keys below (file names in lower case, without the prefix)." },
    Key { env: "BERTH_ADDR", file: "addr", default: "127.0.0.1:3000", doc: "Address and port the portal listens on." },
    Key { env: "BERTH_PUBLIC_URL", file: "public_url", default: "", doc: "URL users reach Berth at; `https://...` marks session cookies Secure. Defaults to http://BERTH_ADDR." },
    Key { env: "BERTH_TRUSTED_PROXIES", file: "trusted_proxies", default: "", doc: "Comma-separated CIDRs of reverse proxies whose `X-Forwarded-For` gives the client address (for audit, lockout and login IP rules). Empty: the direct peer is the client." },
    Key { env: "BERTH_DATA_DIR", file: "data_dir", default: "berth-data", doc: "Directory for embedded data (the SQLite file), relative to the working directory." },
    Key { env: "DATABASE_URL", file: "database_url", default: "", doc: "`sqlite://...`, `postgres://...` or `mysql://...` (MariaDB). Defaults to SQLite at BERTH_DATA_DIR/berth.db. Secret." },
    Key { env: "BERTH_ADMIN_PASSWORD", file: "admin_password", default: "", doc: "Password for the initial operations admin `admin`, used only when the database has no users. Generated and printed once when unset. Secret." },
    Key { env: "BERTH_SITE_ROOT", file: "site_root", default: "target/site", doc: "Directory holding the built site (pkg/ with WASM, JS, CSS, and public assets)." },
    Key { env: "BERTH_LOG_FORMAT", file: "log_format", default: "human", doc: "`human` or `json`." },
    Key { env: "BERTH_LOG", file: "log", default: "info", doc: "Log filter, as for tracing's EnvFilter (e.g. `info,berth_core=debug`)." },
    Key { env: "BERTH_EMBEDDED_CLUSTER", file: "embedded_cluster", default: "true", doc: "Start the simulated Kubernetes cluster in-process and register it as `demo`." },
    Key { env: "BERTH_EMBEDDED_CLUSTER_NODES", file: "embedded_cluster_nodes", default: "3", doc: "Node count of the embedded simulated cluster." },
    Key { env: "BERTH_EMBEDDED_CLUSTER_GPU_NODES", file: "embedded_cluster_gpu_nodes", default: "1", doc: "How many of the embedded cluster's nodes carry GPUs (`nvidia.com/gpu`)." },
    Key { env: "BERTH_SESSION_IDLE_MINUTES", file: "session_idle_minutes", default: "480", doc: "A session ends after this many minutes without requests." },
    Key { env: "BERTH_SESSION_MAX_HOURS", file: "session_max_hours", default: "24", doc: "A session ends this many hours after sign-in, however active." },
    Key { env: "BERTH_OIDC_ISSUER", file: "oidc_issuer", default: "", doc: "Issuer URL of an OpenID Connect provider for single sign-on. Empty: no SSO." },
    Key { env: "BERTH_OIDC_CLIENT_ID", file: "oidc_client_id", default: "berth", doc: "Berth's client id at the provider. The redirect URI to register is BERTH_PUBLIC_URL/auth/oidc/callback." },
    Key { env: "BERTH_OIDC_CLIENT_SECRET", file: "oidc_client_secret", default: "", doc: "Berth's client secret at the provider. Secret." },
    Key { env: "BERTH_OIDC_USERNAME_CLAIM", file: "oidc_username_claim", default: "preferred_username", doc: "ID token claim that becomes the Berth username (users are created on first sign-in)." },
    Key { env: "BERTH_OIDC_GROUPS_CLAIM", file: "oidc_groups_claim", default: "groups", doc: "ID token claim listing the user's groups." },
    Key { env: "BERTH_OIDC_GROUP_ROLES", file: "oidc_group_roles", default: "", doc: "Roles granted for provider groups: `group=role@scope;...`, scope `platform`, `domain:NAME` or `vdc:DOMAIN/VDC`." },
    Key { env: "BERTH_OIDC_MFA_ACR", file: "oidc_mfa_acr", default: "", doc: "Comma-separated `acr` values that mean the provider checked a second factor. An ID token with one of them, or with `mfa` in its `amr`, counts as two-factor sign-in; otherwise Berth asks for its own second factor where the 2FA policy requires one." },
    Key { env: "BERTH_LOCAL_LOGIN", file: "local_login", default: "true", doc: "Whether users may sign in with a Berth password (turn off to allow SSO only)." },
    Key { env: "BERTH_SECRET_KEY", file: "secret_key", default: "", doc: "Key that seals cluster credentials at rest (AES-256-GCM), written `ID:BASE64` of 32 random bytes (`openssl rand -base64 32`). Empty: a key is generated once into BERTH_DATA_DIR/secret.key (fine for one process; give replicas the same key). Secret." },
    Key { env: "BERTH_SECRET_KEYS_PREVIOUS", file: "secret_keys_previous", default: "", doc: "Comma-separated older keys, same form. To rotate: make the new key current and list the old one here; Berth reseals everything under the new key at start, after which the old one can be dropped. Secret." },
    Key { env: "BERTH_CLUSTER_HEALTH_SECONDS", file: "cluster_health_seconds", default: "30", doc: "How often every registered cluster is probed for the health shown on the Clusters page." },
    Key { env: "BERTH_RECONCILE_SECONDS", file: "reconcile_seconds", default: "30", doc: "How often the reconciler passes over every app space, putting back what was changed in a cluster outside Berth and finishing interrupted creations and deletions." },
    Key { env: "BERTH_LEADER_LEASE_SECONDS", file: "leader_lease_seconds", default: "15", doc: "Background work (cluster health polling) runs on one Berth process at a time, the holder of a lease in the database; another process takes over within this many seconds after the holder dies." },
    Key { env: "BERTH_ARGON2_MEMORY_KIB", file: "argon2_memory_kib", default: "19456", doc: "argon2id memory cost for password hashes, in KiB." },
    Key { env: "BERTH_ARGON2_ITERATIONS", file: "argon2_iterations", default: "2", doc: "argon2id time cost (passes)." },
    Key { env: "BERTH_ARGON2_PARALLELISM", file: "argon2_parallelism", default: "1", doc: "argon2id lanes." },
];

/// `BERTH_EMBEDDED_CLUSTER`, refused at once where the binary was built
/// without the simulator.
fn embedded_cluster(get: impl Fn(&str) -> String) -> Result<bool, ConfigError> {
    let on = parse_bool(get, "BERTH_EMBEDDED_CLUSTER")?;
    if on && !cfg!(feature = "embedded-cluster") {
        return Err(ConfigError {
            key: "BERTH_EMBEDDED_CLUSTER".into(),
            message: "this build has no embedded cluster (cargo feature `embedded-cluster`); set it to false".into(),
        });
    }
    Ok(on)
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn err(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.into(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub public_url: String,
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    pub data_dir: PathBuf,
    pub database_url: SecretString,
    pub admin_password: Option<SecretString>,
    pub site_root: PathBuf,
    pub log_format: LogFormat,
    pub log_filter: String,
    pub embedded_cluster: bool,
    pub embedded_cluster_nodes: usize,
    pub embedded_cluster_gpu_nodes: usize,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub password: PasswordParams,
    pub sso: Option<crate::sso::SsoConfig>,
    pub local_login: bool,
    /// The current sealing key, when configured (else the data directory's file).
    pub secret_key: Option<SecretString>,
    /// Older sealing keys, for opening values not yet resealed.
    pub secret_keys_previous: Vec<SecretString>,
    pub cluster_health_seconds: u64,
    pub reconcile_seconds: u64,
    pub leader_lease_seconds: u64,
}

impl Config {
    /// Reads the process environment (and the file it names).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::load(|k| std::env::var(k).ok())
    }

    /// Layers defaults, the optional file and `env` (a lookup, so tests can
    /// pass their own) into a typed config.
    pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut values: BTreeMap<&'static str, String> =
            KEYS.iter().map(|k| (k.env, k.default.to_owned())).collect();
        if let Some(path) = env("BERTH_CONFIG").filter(|p| !p.is_empty()) {
            for (key, value) in read_file(&path)? {
                values.insert(key, value);
            }
        }
        for k in KEYS {
            if let Some(v) = env(k.env) {
                values.insert(k.env, v);
            }
        }
        let get = |key: &str| values.get(key).cloned().unwrap_or_default();

        let addr: SocketAddr = parse(get, "BERTH_ADDR")?;
        let data_dir = PathBuf::from(required(get, "BERTH_DATA_DIR")?);
        let database_url = match get("DATABASE_URL") {
            u if u.is_empty() => format!("sqlite://{}", data_dir.join("berth.db").display()),
            u => u,
        };
        if berth_core::db::Dialect::from_url(&database_url).is_none() {
            return Err(err(
                "DATABASE_URL",
                "must start with sqlite://, postgres:// or mysql://",
            ));
        }
        let public_url = match get("BERTH_PUBLIC_URL") {
            u if u.is_empty() => format!("http://{addr}"),
            u if u.starts_with("http://") || u.starts_with("https://") => {
                u.trim_end_matches('/').to_owned()
            }
            _ => {
                return Err(err(
                    "BERTH_PUBLIC_URL",
                    "must start with http:// or https://",
                ))
            }
        };
        let trusted_proxies =
            crate::client_addr::TrustedProxies::parse(&get("BERTH_TRUSTED_PROXIES"))
                .map_err(|m| err("BERTH_TRUSTED_PROXIES", m))?;
        let log_format = match get("BERTH_LOG_FORMAT").as_str() {
            "human" => LogFormat::Human,
            "json" => LogFormat::Json,
            other => {
                return Err(err(
                    "BERTH_LOG_FORMAT",
                    format!("must be `human` or `json`, not `{other}`"),
                ))
            }
        };
        let admin_password = Some(get("BERTH_ADMIN_PASSWORD")).filter(|p| !p.is_empty());
        if admin_password
            .as_ref()
            .is_some_and(|p| p.chars().count() < 8)
        {
            return Err(err("BERTH_ADMIN_PASSWORD", "must be at least 8 characters"));
        }
        let session_idle_minutes: i64 = parse(get, "BERTH_SESSION_IDLE_MINUTES")?;
        if session_idle_minutes < 1 {
            return Err(err("BERTH_SESSION_IDLE_MINUTES", "must be at least 1"));
        }
        let session_max_hours: i64 = parse(get, "BERTH_SESSION_MAX_HOURS")?;
        if session_max_hours < 1 {
            return Err(err("BERTH_SESSION_MAX_HOURS", "must be at least 1"));
        }
        // Checked whether or not SSO is on, so a typo never waits.
        let group_roles = crate::sso::parse_group_roles(&get("BERTH_OIDC_GROUP_ROLES"))
            .map_err(|m| err("BERTH_OIDC_GROUP_ROLES", m))?;
        let sso = match get("BERTH_OIDC_ISSUER") {
            i if i.is_empty() => None,
            i if i.starts_with("http://") || i.starts_with("https://") => {
                let secret = get("BERTH_OIDC_CLIENT_SECRET");
                if secret.is_empty() {
                    return Err(err(
                        "BERTH_OIDC_CLIENT_SECRET",
                        "is required with BERTH_OIDC_ISSUER",
                    ));
                }
                Some(crate::sso::SsoConfig {
                    issuer: i.trim_end_matches('/').to_owned(),
                    client_id: required(get, "BERTH_OIDC_CLIENT_ID")?,
                    client_secret: SecretString::from(secret),
                    username_claim: required(get, "BERTH_OIDC_USERNAME_CLAIM")?,
                    groups_claim: required(get, "BERTH_OIDC_GROUPS_CLAIM")?,
                    group_roles,
                    mfa_acr: get("BERTH_OIDC_MFA_ACR")
                        .split(',')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                        .collect(),
                })
            }
            _ => {
                return Err(err(
                    "BERTH_OIDC_ISSUER",
                    "must start with http:// or https://",
                ))
            }
        };
        let local_login = parse_bool(get, "BERTH_LOCAL_LOGIN")?;
        let secret_key = Some(get("BERTH_SECRET_KEY")).filter(|k| !k.trim().is_empty());
        let secret_keys_previous: Vec<String> = get("BERTH_SECRET_KEYS_PREVIOUS")
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect();
        // Checked now, so a malformed key stops startup naming its setting.
        if let Some(k) = &secret_key {
            berth_core::db::secrets::Keyring::new(k, &[])
                .map_err(|e| err("BERTH_SECRET_KEY", e.to_string()))?;
        }
        for k in &secret_keys_previous {
            berth_core::db::secrets::Keyring::new(k, &[])
                .map_err(|e| err("BERTH_SECRET_KEYS_PREVIOUS", e.to_string()))?;
        }
        let cluster_health_seconds: u64 = parse(get, "BERTH_CLUSTER_HEALTH_SECONDS")?;
        if cluster_health_seconds < 1 {
            return Err(err("BERTH_CLUSTER_HEALTH_SECONDS", "must be at least 1"));
        }
        let reconcile_seconds: u64 = parse(get, "BERTH_RECONCILE_SECONDS")?;
        if reconcile_seconds < 1 {
            return Err(err("BERTH_RECONCILE_SECONDS", "must be at least 1"));
        }
        let leader_lease_seconds: u64 = parse(get, "BERTH_LEADER_LEASE_SECONDS")?;
        if leader_lease_seconds < 2 {
            return Err(err("BERTH_LEADER_LEASE_SECONDS", "must be at least 2"));
        }
        Ok(Config {
            leader_lease_seconds,
            secret_key: secret_key.map(SecretString::from),
            secret_keys_previous: secret_keys_previous
                .into_iter()
                .map(SecretString::from)
                .collect(),
            cluster_health_seconds,
            reconcile_seconds,
            sso,
            local_login,
            addr,
            public_url,
            trusted_proxies,
            data_dir,
            database_url: SecretString::from(database_url),
            admin_password: admin_password.map(SecretString::from),
            site_root: PathBuf::from(required(get, "BERTH_SITE_ROOT")?),
            log_format,
            log_filter: get("BERTH_LOG"),
            embedded_cluster: embedded_cluster(get)?,
            embedded_cluster_nodes: parse(get, "BERTH_EMBEDDED_CLUSTER_NODES")?,
            embedded_cluster_gpu_nodes: parse(get, "BERTH_EMBEDDED_CLUSTER_GPU_NODES")?,
            session_idle_minutes,
            session_max_hours,
            password: PasswordParams {
                memory_kib: parse(get, "BERTH_ARGON2_MEMORY_KIB")?,
                iterations: parse(get, "BERTH_ARGON2_ITERATIONS")?,
                parallelism: parse(get, "BERTH_ARGON2_PARALLELISM")?,
            },
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn uses_sqlite(&self) -> bool {
        self.database_url.expose_secret().starts_with("sqlite:")
    }
}

fn required(get: impl Fn(&str) -> String, key: &str) -> Result<String, ConfigError> {
    let v = get(key);
    if v.trim().is_empty() {
        Err(err(key, "must not be empty"))
    } else {
        Ok(v)
    }
}

fn parse<T: std::str::FromStr>(get: impl Fn(&str) -> String, key: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    let v = required(&get, key)?;
    v.trim()
        .parse()
        .map_err(|e| err(key, format!("invalid value `{v}`: {e}")))
}

fn parse_bool(get: impl Fn(&str) -> String, key: &str) -> Result<bool, ConfigError> {
    match get(key).trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        other => Err(err(key, format!("must be true or false, not `{other}`"))),
    }
}

/// Reads the TOML file; every key must be a known one.
fn read_file(path: &str) -> Result<Vec<(&'static str, String)>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| err("BERTH_CONFIG", format!("cannot read {path}: {e}")))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| err("BERTH_CONFIG", format!("{path} is not valid TOML: {e}")))?;
    let mut out = vec![];
    for (name, value) in table {
        let key = KEYS
            .iter()
            .find(|k| !k.file.is_empty() && k.file == name)
            .ok_or_else(|| err(&name, format!("unknown key in {path}")))?;
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(err(
                    &name,
                    format!(
                        "expected a string, number or boolean, found {}",
                        other.type_str()
                    ),
                ))
            }
        };
        out.push((key.env, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_make_an_embedded_setup() {
        let c = load(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(
            c.database_url.expose_secret(),
            "sqlite://berth-data/berth.db"
        );
        assert!(c.embedded_cluster);
        assert!(!c.secure_cookies());
        assert_eq!(c.password, PasswordParams::default());
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("berth-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("berth.toml");
        std::fs::write(
            &file,
            "addr = \"0.0.0.0:8080\"\nembedded_cluster_nodes = 5\nlog_format = \"json\"\n",
        )
        .unwrap();
        let path = file.display().to_string();
        let c = load(&[("BERTH_CONFIG", &path), ("BERTH_ADDR", "127.0.0.1:9000")]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:9000");
        assert_eq!(c.embedded_cluster_nodes, 5);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn secret_keys_are_checked_at_load() {
        let good = berth_core::db::secrets::Keyring::generate_key("k1");
        let c = load(&[
            ("BERTH_SECRET_KEY", &good),
            ("BERTH_SECRET_KEYS_PREVIOUS", ""),
        ])
        .unwrap();
        assert!(c.secret_key.is_some());
        let e = load(&[("BERTH_SECRET_KEY", "k1:short")]).unwrap_err();
        assert_eq!(e.key, "BERTH_SECRET_KEY");
        let e = load(&[("BERTH_SECRET_KEYS_PREVIOUS", &format!("{good}, nonsense"))]).unwrap_err();
        assert_eq!(e.key, "BERTH_SECRET_KEYS_PREVIOUS");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (key, value) in [
            ("BERTH_ADDR", "nowhere"),
            ("DATABASE_URL", "oracle://x"),
            ("BERTH_LOG_FORMAT", "xml"),
            ("BERTH_EMBEDDED_CLUSTER", "maybe"),
            ("BERTH_ARGON2_MEMORY_KIB", "-1"),
            ("BERTH_ADMIN_PASSWORD", "short"),
            ("BERTH_PUBLIC_URL", "ftp://x"),
            ("BERTH_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local"),
            ("BERTH_OIDC_ISSUER", "ldap://x"),
            ("BERTH_OIDC_GROUP_ROLES", "ops=admin"),
        ] {
            let e = load(&[(key, value)]).unwrap_err();
            assert_eq!(e.key, key, "{e}");
            assert!(
                e.to_string()
                    .starts_with(&format!("configuration error: {key}: ")),
                "{e}"
            );
        }
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let file =
            std::env::temp_dir().join(format!("berth-cfg-unknown-{}.toml", std::process::id()));
        std::fs::write(&file, "adress = \"x\"\n").unwrap();
        let e = load(&[("BERTH_CONFIG", &file.display().to_string())]).unwrap_err();
        assert_eq!(e.key, "adress");
    }

    #[test]
    fn secrets_do_not_print() {
        let c = load(&[
            ("DATABASE_URL", "postgres://u:hunter22@h/db"),
            ("BERTH_ADMIN_PASSWORD", "sup3r-secret"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("hunter22") && !shown.contains("sup3r-secret"),
            "{shown}"
        );
    }

    #[test]
    fn every_key_is_documented_in_the_readme() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        for k in KEYS {
            assert!(
                readme.contains(&format!("`{}`", k.env)),
                "README lacks {}",
                k.env
            );
        }
    }
}
