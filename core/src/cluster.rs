//! Cluster access through kube-rs.
//!
//! Berth talks to every cluster, real or the embedded simulator, through
//! the same code: a `kube::Client` built from the registered endpoint.

use std::time::Duration;

use k8s_openapi::api::core::v1::Node;
use kube::{api::ListParams, Api, Client, Config};

/// What a live probe of a cluster found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub version: String,
    pub node_count: u32,
}

/// A kube client for an endpoint registered without credentials (the
/// embedded simulator; credentials arrive with the cluster registry).
pub fn client_for(api_url: &str) -> Result<Client, String> {
    let url = api_url
        .parse()
        .map_err(|e| format!("invalid API URL: {e}"))?;
    let mut config = Config::new(url);
    config.connect_timeout = Some(Duration::from_secs(3));
    config.read_timeout = Some(Duration::from_secs(5));
    Client::try_from(config).map_err(|e| e.to_string())
}

/// Asks the API server for its version and node count.
#[tracing::instrument(skip_all, fields(api_url))]
pub async fn probe(api_url: &str) -> Result<Probe, String> {
    let client = client_for(api_url)?;
    let version = client.apiserver_version().await.map_err(describe)?;
    let nodes: Api<Node> = Api::all(client);
    let list = nodes
        .list_metadata(&ListParams::default())
        .await
        .map_err(describe)?;
    Ok(Probe {
        version: version.git_version,
        node_count: u32::try_from(list.items.len()).unwrap_or(u32::MAX),
    })
}

fn describe(e: kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("API error {}: {}", s.code, s.message),
        other => other.to_string(),
    }
}
