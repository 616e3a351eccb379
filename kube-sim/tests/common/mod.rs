//! Shared helpers of the integration tests: the clients to run conformance
//! checks against (the in-process simulator, plus a real cluster when
//! `KUBECONFIG` is set), unique names, deadline polling, error unpacking.
#![allow(dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use berth_kube_sim::{SimConfig, Simulator};
use kube::core::Status;
use kube::Client;

/// One API server to check.
pub struct Target {
    /// `simulator` or `real cluster`, for assertion messages.
    pub name: &'static str,
    /// Client talking to it.
    pub client: Client,
    /// Whether it is the simulator (simulator-only assertions).
    pub simulated: bool,
    /// How long asynchronous effects (namespace deletion, quota status) may take.
    pub patience: Duration,
}

/// A client on a fresh in-process simulator (the axum router is the tower service).
pub fn sim_client(config: SimConfig) -> (Simulator, Client) {
    let sim = Simulator::new(config);
    let client = Client::new(sim.router(), "default");
    (sim, client)
}

/// The simulator, then a real cluster when `KUBECONFIG` is set.
pub async fn targets() -> Vec<Target> {
    let (_sim, client) = sim_client(SimConfig::default());
    let mut out = vec![Target {
        name: "simulator",
        client,
        simulated: true,
        patience: Duration::from_secs(10),
    }];
    if std::env::var_os("KUBECONFIG").is_some() {
        match Client::try_default().await {
            Ok(client) => out.push(Target {
                name: "real cluster",
                client,
                simulated: false,
                patience: Duration::from_secs(180),
            }),
            Err(e) => panic!("KUBECONFIG is set but no client could be built from it: {e}"),
        }
    } else {
        println!("KUBECONFIG is unset: skipped the real-cluster run of this conformance test");
    }
    out
}

/// `prefix-xxxxxxxx`, unique per call.
pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &id[..8])
}

/// Polls `check` every 50 ms until it returns true or `patience` runs out.
pub async fn eventually<F, Fut>(patience: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + patience;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `Status` of an API error; panics (failing the test) on success or another error.
pub fn api_error<T: std::fmt::Debug>(result: Result<T, kube::Error>, what: &str) -> Status {
    match result {
        Err(kube::Error::Api(status)) => *status,
        other => panic!("{what}: expected an API error, got {other:?}"),
    }
}
