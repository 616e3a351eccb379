//! Pods as Berth lists them (one VDC's app spaces at a time), from a
//! cluster's watch cache or straight from its API server.

use std::sync::Arc;

use berth_api::PodSummary;
use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube::{Api, Client, ResourceExt};

use crate::kube::cache::ClusterCache;

/// What a pods list shows of one pod.
pub fn summary(p: &Pod) -> PodSummary {
    let status = p.status.as_ref();
    let containers = status.and_then(|s| s.container_statuses.as_ref());
    let total = p.spec.as_ref().map_or(0, |s| s.containers.len());
    let ready = containers.map_or(0, |cs| cs.iter().filter(|c| c.ready).count());
    PodSummary {
        namespace: p.namespace().unwrap_or_default(),
        name: p.name_any(),
        phase: status.and_then(|s| s.phase.clone()).unwrap_or_default(),
        ready: format!("{ready}/{total}"),
        restarts: containers.map_or(0, |cs| cs.iter().map(|c| i64::from(c.restart_count)).sum()),
        node: p
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default(),
        ip: status.and_then(|s| s.pod_ip.clone()).unwrap_or_default(),
        created_at: p
            .metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.to_string())
            .unwrap_or_default(),
    }
}

fn sorted(mut pods: Vec<PodSummary>) -> Vec<PodSummary> {
    pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    pods
}

/// The pods of `namespaces`, read from the cache.
pub fn list_cached(cache: &ClusterCache, namespaces: &[String]) -> Vec<PodSummary> {
    let pods: Vec<Arc<Pod>> = cache.pods.state();
    sorted(
        pods.iter()
            .filter(|p| {
                p.metadata
                    .namespace
                    .as_ref()
                    .is_some_and(|ns| namespaces.contains(ns))
            })
            .map(|p| summary(p))
            .collect(),
    )
}

/// The pods of `namespaces`, listed from the API server (one list per namespace).
pub async fn list_direct(
    client: &Client,
    namespaces: &[String],
) -> Result<Vec<PodSummary>, kube::Error> {
    let mut out = Vec::new();
    for ns in namespaces {
        let api: Api<Pod> = Api::namespaced(client.clone(), ns);
        out.extend(
            api.list(&ListParams::default())
                .await?
                .items
                .iter()
                .map(summary),
        );
    }
    Ok(sorted(out))
}
