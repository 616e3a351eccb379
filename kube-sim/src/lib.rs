//! # berth-kube-sim: a simulated Kubernetes API server
//!
//! An HTTP server that speaks the Kubernetes REST API (same paths, JSON,
//! `Status` errors, resourceVersion conflicts, label selectors) for the
//! resources Berth uses, so that kube-rs cannot tell it from a real API
//! server. It is for demos, tests and benchmarks, not for running workloads.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use berth_kube_sim::{spawn, SimConfig};
//! let (addr, _sim) = spawn(([127, 0, 0, 1], 0).into(), SimConfig::default()).await?;
//! println!("simulated API server on http://{addr}");
//! # Ok(()) }
//! ```
//!
//! Layout:
//! - [`resources`]: the table of served resource types (add a row to serve one more);
//! - [`store`]: objects as JSON keyed by type/namespace/name, the global
//!   resourceVersion counter and the change log;
//! - [`ops`]: the verbs (create, update, delete, ...) with Kubernetes' rules;
//! - [`hooks`], [`quota`]: type-specific behaviour (namespace defaults, quota status);
//! - [`validation`], [`selectors`], [`status`]: names and labels, list selectors, `Status` errors;
//! - [`api`]: the HTTP routing and discovery documents;
//! - [`seed`]: system namespaces and simulated nodes of a new cluster.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![forbid(unsafe_code)]

pub mod accounts;
pub mod api;
pub mod auth;
pub mod configs;
pub mod controllers;
pub mod crd;
pub mod cron;
pub mod disruption;
pub mod events;
pub mod faults;
pub mod hooks;
pub mod limits;
pub mod metrics;
pub mod networking;
pub mod openapi;
pub mod ops;
pub mod pods;
pub mod protobuf;
pub use quantity;
pub mod quota;
pub mod resources;
pub mod seed;
pub mod seed_rbac;
pub mod selectors;
pub mod services;
pub mod status;
pub mod storage;
pub mod store;
pub mod tls;
pub mod validation;
pub mod workloads;

use std::net::SocketAddr;
use std::sync::Arc;

use ops::Cluster;

/// Name of the cluster, user and context in kubeconfigs written for the simulator.
pub const KUBECONFIG_NAME: &str = "berth-sim";

/// How a simulated cluster starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimConfig {
    /// Number of ready nodes (`sim-node-1` ... `sim-node-N`).
    pub nodes: usize,
    /// How many of them (the last ones) carry GPUs (`nvidia.com/gpu`).
    pub gpu_nodes: usize,
}

impl SimConfig {
    /// `nodes` nodes without GPUs.
    pub fn nodes(nodes: usize) -> Self {
        SimConfig {
            nodes,
            gpu_nodes: 0,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig::nodes(3)
    }
}

/// A simulated cluster. Cheap to clone: clones share the same state.
#[derive(Clone)]
pub struct Simulator {
    cluster: Arc<Cluster>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("resource_version", &self.cluster.lock().resource_version())
            .finish()
    }
}

impl Simulator {
    /// A new cluster with the system namespaces and `config.nodes` ready
    /// nodes. Inside a tokio runtime, its controllers start too.
    pub fn new(config: SimConfig) -> Self {
        let cluster = Arc::new(Cluster::new());
        if let Err(e) = seed::seed(&cluster, config.nodes, config.gpu_nodes) {
            tracing::error!(error = %e, "seeding the simulated cluster failed");
        }
        controllers::start(&cluster);
        Simulator { cluster }
    }

    /// The fault rules of this cluster, for tests to add and clear.
    pub fn faults(&self) -> &faults::Faults {
        &self.cluster.faults
    }

    /// Every object and the resourceVersion counter, as JSON.
    pub fn snapshot(&self) -> serde_json::Value {
        self.cluster.lock().snapshot()
    }

    /// Replaces the whole state with a [`Simulator::snapshot`]; returns the object count.
    pub fn restore(&self, snapshot: &serde_json::Value) -> Result<usize, String> {
        self.cluster.lock().restore(snapshot)
    }

    /// A cluster like [`Simulator::new`]'s whose controllers never run: objects
    /// stay exactly as written (for benchmarks that load prepared state).
    pub fn without_controllers(config: SimConfig) -> Self {
        let cluster = Arc::new(Cluster::new());
        if let Err(e) = seed::seed(&cluster, config.nodes, config.gpu_nodes) {
            tracing::error!(error = %e, "seeding the simulated cluster failed");
        }
        Simulator { cluster }
    }

    /// Stores prepared objects as they are (core-group resources by plural,
    /// e.g. `pods`), skipping admission: `fill` calls `add` for each.
    /// Returns how many were stored.
    pub fn bulk_load(
        &self,
        fill: impl FnOnce(&mut dyn FnMut(&str, serde_json::Value)),
    ) -> Result<usize, String> {
        let mut store = self.cluster.lock();
        let mut count = 0;
        let mut failure = None;
        fill(&mut |plural, obj| {
            let Some(rt) = resources::core(plural) else {
                failure.get_or_insert_with(|| format!("{plural} is not a core resource"));
                return;
            };
            let meta = |f: &str| {
                obj.pointer(&format!("/metadata/{f}"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
            };
            let Some(name) = meta("name") else {
                failure.get_or_insert_with(|| format!("a {plural} object has no name"));
                return;
            };
            let ns = meta("namespace").filter(|_| rt.namespaced);
            store.put(rt, store::ObjectKey::new(ns.as_deref(), &name), obj);
            count += 1;
        });
        match failure {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    /// Moves the cluster's clock forward (CronJob schedules, run times).
    pub fn advance_clock(&self, by: std::time::Duration) {
        self.cluster.lock().advance_clock(by);
    }

    /// The whole API as an axum router, state included. Also a tower
    /// `Service`, so `kube::Client::new(sim.router(), "default")` works in-process.
    pub fn router(&self) -> axum::Router {
        api::router(Arc::clone(&self.cluster))
    }

    /// Serves the API on `listener` until the future is dropped.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(listener, self.router()).await
    }

    /// The shared state, for in-process inspection and future controllers.
    pub fn cluster(&self) -> &Arc<Cluster> {
        &self.cluster
    }
}

/// Binds `addr` (e.g. `127.0.0.1:0`), spawns [`Simulator::serve`] on tokio,
/// and returns the bound address with a handle on the simulator.
pub async fn spawn(
    addr: SocketAddr,
    config: SimConfig,
) -> std::io::Result<(SocketAddr, Simulator)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let sim = Simulator::new(config);
    let server = sim.clone();
    tokio::spawn(async move {
        if let Err(e) = server.serve(listener).await {
            tracing::error!(error = %e, "simulated API server stopped");
        }
    });
    Ok((bound, sim))
}

/// A kubeconfig (YAML) pointing at `server` (e.g. `http://127.0.0.1:6443`),
/// with a cluster, user and context named [`KUBECONFIG_NAME`] and the
/// `default` namespace.
pub fn kubeconfig_yaml(server: &str) -> String {
    kubeconfig_yaml_with(server, None, None)
}

/// [`kubeconfig_yaml`] for a TLS server with this CA (PEM) and a bearer token.
pub fn kubeconfig_yaml_with(server: &str, ca_pem: Option<&str>, token: Option<&str>) -> String {
    use base64::Engine;
    let n = KUBECONFIG_NAME;
    let ca = ca_pem
        .map(|pem| {
            format!(
                "\n    certificate-authority-data: {}",
                base64::engine::general_purpose::STANDARD.encode(pem)
            )
        })
        .unwrap_or_default();
    let user = match token {
        Some(t) => format!("\n    token: {t}"),
        None => " {}".to_string(),
    };
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {n}\n\
        \x20 cluster:\n\
        \x20   server: {server}{ca}\n\
         users:\n\
         - name: {n}\n\
        \x20 user:{user}\n\
         contexts:\n\
         - name: {n}\n\
        \x20 context:\n\
        \x20   cluster: {n}\n\
        \x20   user: {n}\n\
        \x20   namespace: default\n\
         current-context: {n}\n\
         preferences: {{}}\n"
    )
}
