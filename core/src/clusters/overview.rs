//! A cluster's overview: its version, how many nodes are ready, what the
//! nodes have, offer and have promised to pods (cpu, memory, GPUs, pods),
//! its namespaces and its latest warnings. Nodes, pods and namespaces come
//! from the cluster's watch cache; the version and events are read live.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_api::{
    quantity, ClusterEvent, ClusterOverview, NamespaceSummary, ResourceUse, Timestamp,
};
use k8s_openapi::api::core::v1::{Container, Event, Node, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::jiff;
use kube::api::ListParams;
use kube::{Api, ResourceExt};

use super::Clusters;
use crate::{
    auth::{Permission, Principal, Scope},
    kube::{self as cluster},
    Result,
};

/// The resources the overview charts, in the order it shows them.
pub const CHARTED: [&str; 4] = ["cpu", "memory", GPU, "pods"];
/// The GPU resource NVIDIA's device plugin advertises.
pub const GPU: &str = "nvidia.com/gpu";
/// How many warnings the overview lists.
pub const WARNINGS_SHOWN: usize = 20;
/// How many warning events are read to find the latest.
const WARNINGS_READ: u32 = 1000;

use crate::kube::unavailable;

fn is_ready(node: &Node) -> bool {
    node.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// A pod holding node resources: bound to a node and not finished.
fn holds_resources(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_ref())
        .is_some()
        && !matches!(
            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded") | Some("Failed")
        )
}

/// What one container requests of `resource` (its limit when it sets no
/// request, as the API server defaults it).
fn container_request(c: &Container, resource: &str) -> f64 {
    let r = c.resources.as_ref();
    let of = |m: Option<&BTreeMap<String, Quantity>>| quantity::parse(&m?.get(resource)?.0);
    of(r.and_then(|r| r.requests.as_ref()))
        .or_else(|| of(r.and_then(|r| r.limits.as_ref())))
        .unwrap_or(0.0)
}

/// What a pod requests of `resource` as the scheduler counts it: the app
/// containers plus sidecars (init containers that keep running), or the
/// largest ordinary init container with the sidecars started before it,
/// whichever is more; plus the pod's overhead. A pod requests one `pods`.
pub fn pod_request(pod: &Pod, resource: &str) -> f64 {
    if resource == "pods" {
        return 1.0;
    }
    let Some(spec) = pod.spec.as_ref() else {
        return 0.0;
    };
    let mut sidecars = 0.0;
    let mut init_peak: f64 = 0.0;
    for c in spec.init_containers.iter().flatten() {
        let request = container_request(c, resource);
        if c.restart_policy.as_deref() == Some("Always") {
            sidecars += request;
            init_peak = init_peak.max(sidecars);
        } else {
            init_peak = init_peak.max(sidecars + request);
        }
    }
    let app: f64 = spec
        .containers
        .iter()
        .map(|c| container_request(c, resource))
        .sum();
    let overhead = spec
        .overhead
        .as_ref()
        .and_then(|o| o.get(resource))
        .and_then(|q| quantity::parse(&q.0))
        .unwrap_or(0.0);
    (app + sidecars).max(init_peak) + overhead
}

fn node_total(nodes: &[Arc<Node>], resource: &str, allocatable: bool) -> f64 {
    nodes
        .iter()
        .filter_map(|n| {
            let s = n.status.as_ref()?;
            let m = if allocatable {
                s.allocatable.as_ref()
            } else {
                s.capacity.as_ref()
            };
            quantity::parse(&m?.get(resource)?.0)
        })
        .sum::<f64>()
        + 0.0
}

/// The charted resources of the given nodes and the pods bound to them.
pub fn resource_use(nodes: &[Arc<Node>], pods: &[Arc<Pod>]) -> Vec<ResourceUse> {
    let names: std::collections::BTreeSet<String> = nodes.iter().map(|n| n.name_any()).collect();
    let bound: Vec<&Arc<Pod>> = pods
        .iter()
        .filter(|p| holds_resources(p))
        .filter(|p| {
            p.spec
                .as_ref()
                .and_then(|s| s.node_name.as_ref())
                .is_some_and(|n| names.contains(n))
        })
        .collect();
    CHARTED
        .iter()
        .map(|r| ResourceUse {
            resource: (*r).to_owned(),
            capacity: node_total(nodes, r, false),
            allocatable: node_total(nodes, r, true),
            // + 0.0: an empty f64 sum is -0.
            requested: bound.iter().map(|p| pod_request(p, r)).sum::<f64>() + 0.0,
        })
        .collect()
}

/// When an event was last seen: its last timestamp, its (new-style) event
/// time, or when it was created.
pub(crate) fn event_time(e: &Event) -> Option<jiff::Timestamp> {
    e.last_timestamp
        .as_ref()
        .map(|t| t.0)
        .or_else(|| e.event_time.as_ref().map(|t| t.0))
        .or_else(|| e.metadata.creation_timestamp.as_ref().map(|t| t.0))
}

/// An event as pages show it.
pub(crate) fn cluster_event(e: Event) -> ClusterEvent {
    let last_seen = event_time(&e).map(|t| Timestamp(t.to_string()));
    let o = &e.involved_object;
    ClusterEvent {
        namespace: e.metadata.namespace.clone().unwrap_or_default(),
        kind: e.type_.clone().unwrap_or_default(),
        object: format!(
            "{}/{}",
            o.kind.clone().unwrap_or_default(),
            o.name.clone().unwrap_or_default()
        ),
        reason: e.reason.unwrap_or_default(),
        message: e.message.unwrap_or_default(),
        count: i64::from(e.count.unwrap_or(1).max(1)),
        last_seen,
    }
}

impl Clusters<'_> {
    /// The overview of one registered cluster.
    pub async fn cluster_overview(&self, who: &Principal, id: i64) -> Result<ClusterOverview> {
        self.authorize(
            who,
            Permission::ClusterRead,
            Scope::Platform,
            &format!("cluster/{id}"),
        )
        .await?;
        let handle = self.handle(id).await?;
        let summary = handle.summary.clone();
        let client = handle.client();
        let cache = handle.cache().await?;
        let version = client
            .apiserver_version()
            .await
            .map_err(|e| unavailable(cluster::classify(&e)))?;
        let events: Api<Event> = Api::all(client);
        let listed = events
            .list(
                &ListParams::default()
                    .fields("type=Warning")
                    .limit(WARNINGS_READ),
            )
            .await
            .map_err(|e| unavailable(cluster::classify(&e)))?;
        let warning_total = i64::try_from(listed.items.len()).unwrap_or(i64::MAX)
            + listed.metadata.remaining_item_count.unwrap_or(0);
        let mut latest = listed.items;
        latest.sort_by_key(|e| std::cmp::Reverse(event_time(e)));
        let warnings: Vec<ClusterEvent> = latest
            .into_iter()
            .take(WARNINGS_SHOWN)
            .map(cluster_event)
            .collect();

        let nodes = cache.nodes.state();
        let pods = cache.pods.state();
        let (ready, not_ready): (Vec<&Arc<Node>>, Vec<&Arc<Node>>) =
            nodes.iter().partition(|n| is_ready(n));
        let mut nodes_not_ready: Vec<String> = not_ready.iter().map(|n| n.name_any()).collect();
        nodes_not_ready.sort();
        let mut per_namespace: BTreeMap<String, i64> = BTreeMap::new();
        for p in pods.iter().filter(|p| {
            !matches!(
                p.status.as_ref().and_then(|s| s.phase.as_deref()),
                Some("Succeeded") | Some("Failed")
            )
        }) {
            *per_namespace
                .entry(p.namespace().unwrap_or_default())
                .or_default() += 1;
        }
        let mut namespaces: Vec<NamespaceSummary> = cache
            .namespaces
            .state()
            .iter()
            .map(|ns| NamespaceSummary {
                name: ns.name_any(),
                phase: ns
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_else(|| "Active".into()),
                pods: per_namespace.get(&ns.name_any()).copied().unwrap_or(0),
                created_at: ns
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| Timestamp(t.0.to_string())),
                vdc: None,
            })
            .collect();
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        // Which VDC each belongs to (the overview is the platform's: the
        // caller holds cluster.read at platform scope).
        let spaces: std::collections::HashMap<String, berth_api::NamespaceVdc> = self
            .tenancy()
            .app_spaces_on(id)
            .await?
            .into_iter()
            .map(|a| {
                let vdc = berth_api::NamespaceVdc {
                    vdc_id: a.vdc_id,
                    name: format!("{}/{}", a.domain_name, a.vdc_name),
                };
                (a.name, vdc)
            })
            .collect();
        for n in &mut namespaces {
            n.vdc = spaces.get(&n.name).cloned();
        }
        Ok(ClusterOverview {
            cluster: Some(summary),
            version: version.git_version,
            platform: version.platform,
            nodes_ready: i64::try_from(ready.len()).unwrap_or(i64::MAX),
            nodes_not_ready,
            resources: resource_use(&nodes, &pods),
            namespaces,
            warnings,
            warning_total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(spec: serde_json::Value) -> Pod {
        serde_json::from_value(json!({"metadata": {"name": "p"}, "spec": spec}))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_pod_requests_what_the_scheduler_counts() {
        let plain = pod(json!({"containers": [
            {"name": "a", "resources": {"requests": {"cpu": "250m"}}},
            {"name": "b", "resources": {"limits": {"cpu": "1", "nvidia.com/gpu": "2"}}},
        ]}));
        assert_eq!(
            pod_request(&plain, "cpu"),
            1.25,
            "a limit stands in for a missing request"
        );
        assert_eq!(pod_request(&plain, GPU), 2.0);
        assert_eq!(pod_request(&plain, "memory"), 0.0);
        assert_eq!(pod_request(&plain, "pods"), 1.0);
        // A big init container sets the peak; a sidecar adds to the app containers.
        let init = pod(json!({
            "initContainers": [
                {"name": "migrate", "resources": {"requests": {"cpu": "3"}}},
                {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}},
            ],
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}],
            "overhead": {"cpu": "100m"},
        }));
        assert!(
            (pod_request(&init, "cpu") - 3.1).abs() < 1e-9,
            "{}",
            pod_request(&init, "cpu")
        );
        let sidecar = pod(json!({
            "initContainers": [
                {"name": "proxy", "restartPolicy": "Always", "resources": {"requests": {"cpu": "500m"}}},
                {"name": "setup", "resources": {"requests": {"cpu": "1"}}},
            ],
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "2"}}}],
        }));
        assert_eq!(pod_request(&sidecar, "cpu"), 2.5);
    }
}
