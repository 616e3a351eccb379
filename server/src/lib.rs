//! The Berth server: configuration, startup, HTTP routes and the site.
//!
//! [`start`] turns a [`Config`] into a running portal: database connected
//! and migrated, initial admin ensured, embedded cluster started when
//! configured, and the axum router built. `main.rs` adds logging, the
//! listener and graceful shutdown; tests call [`start`] directly.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// The allocator of every Berth server (the binary, its tests and the
/// benchmarks): a request allocates and frees many small values, which
/// mimalloc does with less locking than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod auth;
pub mod client_addr;
pub mod config;
pub mod context;
pub mod endpoints;
pub mod exports;
pub mod health;
pub mod leader;
pub mod live;
pub mod routes;
pub mod sso;
pub mod telemetry;

use std::net::SocketAddr;

use berth_core::{db::Db, identity::InitialAdmin, Services};
use secrecy::ExposeSecret;

pub use config::Config;

/// A started portal, ready to be served.
pub struct Portal {
    pub router: axum::Router,
    pub services: Services,
    pub initial_admin: Option<InitialAdmin>,
    /// Where the embedded simulated cluster listens, when it runs.
    pub embedded_cluster: Option<SocketAddr>,
    /// This process's bid for the background-workers lease (released on a clean stop).
    pub lease: berth_core::db::lease::Lease,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("database: {0}")]
    Database(#[from] berth_core::db::DbError),
    #[error("{0}")]
    Core(#[from] berth_core::Error),
    #[error("password hashing parameters: {0}")]
    Password(String),
    #[error("embedded cluster: {0}")]
    Cluster(std::io::Error),
    #[error("single sign-on: {0}")]
    Sso(String),
    #[error("secret key: {0}")]
    SecretKey(String),
}

/// The keyring that seals cluster credentials: the configured key, or one
/// generated once into the data directory.
fn keyring(config: &Config) -> Result<berth_core::db::secrets::Keyring, StartError> {
    use berth_core::db::secrets::Keyring;
    let previous: Vec<String> = config
        .secret_keys_previous
        .iter()
        .map(|k| k.expose_secret().to_owned())
        .collect();
    let current = match &config.secret_key {
        Some(k) => k.expose_secret().to_owned(),
        None => {
            let path = config.data_dir.join("secret.key");
            match std::fs::read_to_string(&path) {
                Ok(k) => k.trim().to_owned(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
                        StartError::DataDir(config.data_dir.display().to_string(), e)
                    })?;
                    let key = Keyring::generate_key("local");
                    write_private(&path, &key).map_err(|e| {
                        StartError::SecretKey(format!("cannot write {}: {e}", path.display()))
                    })?;
                    if !config.uses_sqlite() {
                        tracing::warn!(path = %path.display(), "generated a secret key for this process only; set BERTH_SECRET_KEY so every replica shares it");
                    }
                    key
                }
                Err(e) => {
                    return Err(StartError::SecretKey(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )))
                }
            }
        }
    };
    Keyring::new(&current, &previous).map_err(|e| StartError::SecretKey(e.to_string()))
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")
}

/// This process in a leader lease: host name, process id and a random part.
fn holder_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "berth".into());
    let random: u32 = rand::random();
    format!("{host}-{}-{random:08x}", std::process::id())
}

/// Probes every registered cluster every `every`, recording its health.
pub async fn poll_cluster_health(services: Services, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match services.clusters().refresh_cluster_health().await {
            Ok(healthy) => tracing::debug!(healthy, "cluster health polled"),
            Err(e) => tracing::warn!(error = %e, "cluster health poll failed"),
        }
    }
}

/// Passes over every app space every `every`, repairing drift.
pub async fn reconcile_app_spaces(services: Services, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match services.tenancy().reconcile_app_spaces().await {
            Ok(r) => tracing::debug!(?r, "app spaces reconciled"),
            Err(e) => tracing::warn!(error = %e, "app space reconciliation failed"),
        }
    }
}

/// Connects, migrates, seeds and builds the router.
pub async fn start(config: &Config) -> Result<Portal, StartError> {
    if config.uses_sqlite() {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| StartError::DataDir(config.data_dir.display().to_string(), e))?;
    }
    let db = Db::connect(config.database_url.expose_secret()).await?;
    db.migrate().await?;
    tracing::info!(dialect = ?db.dialect(), "database ready");
    let keyring = keyring(config)?;
    let services = Services::new(db, config.password, keyring).map_err(StartError::Password)?;
    let resealed = services.clusters().reseal_cluster_credentials().await?;
    if resealed > 0 {
        tracing::info!(
            resealed,
            "cluster credentials sealed again under the current key"
        );
    }
    let initial_admin = services
        .identity()
        .ensure_initial_admin(config.admin_password.clone())
        .await?;

    let embedded_cluster = if config.embedded_cluster {
        Some(start_embedded_cluster(config, &services).await?)
    } else {
        services.clusters().forget_embedded_clusters().await?;
        None
    };

    let sso = match &config.sso {
        Some(c) => Some(std::sync::Arc::new(
            sso::Sso::new(c.clone(), &config.public_url).map_err(StartError::Sso)?,
        )),
        None => None,
    };
    let leader = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lease = berth_core::db::lease::Lease::new(
        services.db().clone(),
        "background-workers",
        &holder_id(),
        std::time::Duration::from_secs(config.leader_lease_seconds),
    );
    let workers = {
        let services = services.clone();
        let every = std::time::Duration::from_secs(config.cluster_health_seconds);
        let reconcile = std::time::Duration::from_secs(config.reconcile_seconds);
        move || {
            vec![
                tokio::spawn(poll_cluster_health(services.clone(), every)),
                tokio::spawn(reconcile_app_spaces(services.clone(), reconcile)),
            ]
        }
    };
    tokio::spawn(leader::lead(
        lease.clone(),
        std::sync::Arc::clone(&leader),
        workers,
    ));
    let router = routes::router(config, services.clone(), sso, leader);
    Ok(Portal {
        router,
        services,
        initial_admin,
        embedded_cluster,
        lease,
    })
}

/// Starts the simulated cluster in-process and registers it as `demo`.
#[cfg(feature = "embedded-cluster")]
async fn start_embedded_cluster(
    config: &Config,
    services: &Services,
) -> Result<SocketAddr, StartError> {
    let sim = berth_kube_sim::SimConfig {
        nodes: config.embedded_cluster_nodes,
        gpu_nodes: config
            .embedded_cluster_gpu_nodes
            .min(config.embedded_cluster_nodes),
    };
    let (addr, _sim) = berth_kube_sim::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), sim)
        .await
        .map_err(StartError::Cluster)?;
    services
        .clusters()
        .register_embedded_cluster("demo", &format!("http://{addr}"))
        .await?;
    tracing::info!(%addr, "embedded simulated cluster `demo` started");
    Ok(addr)
}

/// Built without the simulator: asking for it is a configuration error.
#[cfg(not(feature = "embedded-cluster"))]
async fn start_embedded_cluster(_: &Config, _: &Services) -> Result<SocketAddr, StartError> {
    Err(StartError::Cluster(std::io::Error::other(
        "this build has no embedded cluster (cargo feature `embedded-cluster`); set BERTH_EMBEDDED_CLUSTER=false",
    )))
}
