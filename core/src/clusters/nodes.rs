//! Nodes of a registered cluster: listed from the cluster's watch cache,
//! changed through the API (cordon, drain by eviction, labels, taints,
//! maintenance mode), each change authorized and audited.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_api::{
    validate, DrainReport, ErrorCode, FieldError, ListQuery, NodeChange, NodeCondition, NodeDetail,
    NodePod, NodeSummary, Page, Taint,
};
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::api::{EvictParams, Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use super::Clusters;
use crate::{
    auth::{Permission, Principal, Scope},
    kube::cache::ClusterCache,
    kube::{self as cluster},
    Error, Result,
};

/// The taint Berth's maintenance mode puts on a node.
pub const MAINTENANCE_TAINT: &str = "berth.io/maintenance";
const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Lists written back carry the version they were read at: a node changed
/// meanwhile answers 409, which [`cluster::api_error`] says.
fn kube_error(e: kube::Error) -> Error {
    cluster::api_error(e, "labels")
}

fn summary(node: &Node, pods: usize) -> NodeSummary {
    let status = node.status.clone().unwrap_or_default();
    let spec = node.spec.clone().unwrap_or_default();
    let labels: BTreeMap<String, String> = node.labels().clone();
    let taints: Vec<Taint> = spec
        .taints
        .unwrap_or_default()
        .into_iter()
        .map(|t| Taint {
            key: t.key,
            value: t.value.unwrap_or_default(),
            effect: t.effect,
        })
        .collect();
    let alloc = status.allocatable.clone().unwrap_or_default();
    let q = |k: &str| alloc.get(k).map(|q| q.0.clone()).unwrap_or_default();
    NodeSummary {
        name: node.name_any(),
        ready: status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True"),
        schedulable: !spec.unschedulable.unwrap_or(false),
        maintenance: taints.iter().any(|t| t.key == MAINTENANCE_TAINT),
        roles: labels
            .keys()
            .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
            .map(str::to_owned)
            .collect(),
        labels: labels.into_iter().collect(),
        taints,
        cpu: q("cpu"),
        memory: q("memory"),
        pods_capacity: q("pods").parse().unwrap_or(0),
        pods: i64::try_from(pods).unwrap_or(i64::MAX),
        kubelet_version: status
            .node_info
            .map(|i| i.kubelet_version)
            .unwrap_or_default(),
        internal_ip: status
            .addresses
            .unwrap_or_default()
            .into_iter()
            .find(|a| a.type_ == "InternalIP")
            .map(|a| a.address)
            .unwrap_or_default(),
    }
}

fn on_node<'a>(pods: &'a [Arc<Pod>], node: &'a str) -> impl Iterator<Item = &'a Arc<Pod>> + 'a {
    pods.iter().filter(move |p| {
        p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(node)
            && !matches!(
                p.status.as_ref().and_then(|s| s.phase.as_deref()),
                Some("Succeeded") | Some("Failed")
            )
    })
}

fn is_daemon(pod: &Pod) -> bool {
    pod.owner_references()
        .iter()
        .any(|o| o.kind == "DaemonSet" && o.controller == Some(true))
}

/// A node's name, checked before anything else is done with it.
fn node_name(name: &str) -> Result<cluster::ObjectName> {
    cluster::ObjectName::parse("name", name).map_err(Error::Validation)
}

fn matches_search(n: &NodeSummary, search: &str) -> bool {
    let s = search.trim();
    if s.is_empty() {
        return true;
    }
    match s.split_once('=') {
        Some((k, v)) => n
            .labels
            .iter()
            .any(|(lk, lv)| lk == k.trim() && lv == v.trim()),
        None => n.name.contains(s) || n.labels.iter().any(|(k, v)| k.contains(s) || v.contains(s)),
    }
}

fn rejected(field: &str, code: ErrorCode, message: String) -> FieldError {
    FieldError {
        field: field.into(),
        code,
        message,
    }
}

/// A key (label or taint) and value as Kubernetes accepts them, as errors on `field`.
fn check_pair(field: &str, what: &str, key: &str, value: &str, out: &mut Vec<FieldError>) {
    if let Err(m) = validate::label_key(key) {
        out.push(rejected(
            field,
            ErrorCode::Invalid,
            format!("{what} key {:?}: {m}", validate::quote(key)),
        ));
    }
    if let Err(m) = validate::label_value(value) {
        out.push(rejected(
            field,
            ErrorCode::Invalid,
            format!("{what} value {:?}: {m}", validate::quote(value)),
        ));
    }
}

fn check_labels(labels: &[(String, String)]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (k, v) in labels {
        check_pair("labels", "label", k, v, &mut out);
        if !seen.insert(k.clone()) {
            out.push(rejected(
                "labels",
                ErrorCode::Taken,
                format!("label key {:?} appears twice", validate::quote(k)),
            ));
        }
    }
    out
}

fn check_taints(taints: &[Taint]) -> Vec<FieldError> {
    let mut out = Vec::new();
    for t in taints {
        check_pair("taints", "taint", &t.key, &t.value, &mut out);
        if !EFFECTS.contains(&t.effect.as_str()) {
            out.push(rejected(
                "taints",
                ErrorCode::Invalid,
                format!(
                    "taint effect {:?} is not one of NoSchedule, PreferNoSchedule, NoExecute",
                    validate::quote(&t.effect)
                ),
            ));
        }
    }
    out
}

impl Clusters<'_> {
    /// The watch cache of a cluster, started on first use.
    pub async fn cluster_cache(&self, cluster_id: i64) -> Result<Arc<ClusterCache>> {
        self.handle(cluster_id).await?.cache().await
    }

    /// Whether `who` may still follow a cluster's changes: a live stream
    /// asks again every few seconds and ends when the answer is no.
    pub fn may_watch_cluster(&self, who: &Principal) -> bool {
        crate::auth::authorize(who, Permission::NodeRead, Scope::Platform).is_ok()
    }

    /// The changes a cluster's watch cache sees from now on, for live pages.
    pub async fn watch_cluster_changes(
        &self,
        who: &Principal,
        cluster_id: i64,
    ) -> Result<tokio::sync::broadcast::Receiver<crate::kube::cache::Change>> {
        self.authorize(
            who,
            Permission::NodeRead,
            Scope::Platform,
            &format!("cluster/{cluster_id}/nodes"),
        )
        .await?;
        Ok(self.cluster_cache(cluster_id).await?.subscribe())
    }

    /// A page of a cluster's nodes, searched by name or `label=value`.
    pub async fn list_nodes(
        &self,
        who: &Principal,
        cluster_id: i64,
        q: &ListQuery,
    ) -> Result<Page<NodeSummary>> {
        self.authorize(
            who,
            Permission::NodeRead,
            Scope::Platform,
            &format!("cluster/{cluster_id}/nodes"),
        )
        .await?;
        crate::db::query::check_search("search", &q.search)?;
        let cache = self.cluster_cache(cluster_id).await?;
        let pods = cache.pods.state();
        let mut nodes: Vec<NodeSummary> = cache
            .nodes
            .state()
            .iter()
            .map(|n| summary(n, on_node(&pods, &n.name_any()).count()))
            .filter(|n| matches_search(n, &q.search))
            .collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        let total = i64::try_from(nodes.len()).unwrap_or(i64::MAX);
        let start = usize::try_from(q.offset())
            .unwrap_or(usize::MAX)
            .min(nodes.len());
        let items: Vec<NodeSummary> = nodes
            .into_iter()
            .skip(start)
            .take(q.per_page() as usize)
            .collect();
        Ok(Page {
            items,
            total,
            page: q.page(),
            per_page: q.per_page(),
        })
    }

    /// One node with its conditions and pods.
    pub async fn get_node(
        &self,
        who: &Principal,
        cluster_id: i64,
        name: &str,
    ) -> Result<NodeDetail> {
        self.authorize(
            who,
            Permission::NodeRead,
            Scope::Platform,
            &format!("cluster/{cluster_id}/node/{name}"),
        )
        .await?;
        let name = node_name(name)?;
        let name = name.as_str();
        let cache = self.cluster_cache(cluster_id).await?;
        let node = cache
            .nodes
            .state()
            .into_iter()
            .find(|n| n.name_any() == name)
            .ok_or(Error::NotFound)?;
        let all = cache.pods.state();
        let mut pods: Vec<NodePod> = on_node(&all, name)
            .map(|p| NodePod {
                namespace: p.namespace().unwrap_or_default(),
                name: p.name_any(),
                phase: p
                    .status
                    .as_ref()
                    .and_then(|s| s.phase.clone())
                    .unwrap_or_default(),
                daemon: is_daemon(p),
            })
            .collect();
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let conditions = node
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|c| NodeCondition {
                kind: c.type_,
                status: c.status,
                reason: c.reason.unwrap_or_default(),
                message: c.message.unwrap_or_default(),
            })
            .collect();
        Ok(NodeDetail {
            node: summary(&node, pods.len()),
            conditions,
            pods,
        })
    }

    /// Cordons, drains, relabels, retaints or (un)maintains a node.
    pub async fn change_node(
        &self,
        who: &Principal,
        cluster_id: i64,
        name: &str,
        change: NodeChange,
    ) -> Result<DrainReport> {
        let permission = match &change {
            NodeChange::Cordon | NodeChange::Uncordon => Permission::NodeCordon,
            NodeChange::Drain | NodeChange::EnterMaintenance | NodeChange::LeaveMaintenance => {
                Permission::NodeDrain
            }
            NodeChange::SetLabels { .. } | NodeChange::SetTaints { .. } => Permission::NodeLabel,
        };
        let target = format!("cluster/{cluster_id}/node/{name}");
        let proof = self
            .authorize(who, permission, Scope::Platform, &target)
            .await?;
        let name = node_name(name)?;
        let action = match &change {
            NodeChange::Cordon => "node.cordon",
            NodeChange::Uncordon => "node.uncordon",
            NodeChange::Drain => "node.drain",
            NodeChange::EnterMaintenance => "node.maintenance.enter",
            NodeChange::LeaveMaintenance => "node.maintenance.leave",
            NodeChange::SetLabels { .. } => "node.labels.set",
            NodeChange::SetTaints { .. } => "node.taints.set",
        };
        self.audited_as(who, proof, action, &target, async |proof| {
            proof.expect(permission, Scope::Platform);
            self.apply_node_change(cluster_id, &name, change).await
        })
        .await
    }

    /// Only a checked name reaches the cluster's URLs.
    async fn apply_node_change(
        &self,
        cluster_id: i64,
        name: &cluster::ObjectName,
        change: NodeChange,
    ) -> Result<DrainReport> {
        let name = name.as_str();
        match &change {
            NodeChange::SetLabels { labels } => Error::check(check_labels(labels))?,
            NodeChange::SetTaints { taints } => Error::check(check_taints(taints))?,
            _ => {}
        }
        let cluster = self.handle(cluster_id).await?;
        let client = cluster.client();
        let nodes: Api<Node> = Api::all(client.clone());
        let current = nodes.get(name).await.map_err(kube_error)?;
        let mut report = DrainReport::default();
        let cache = cluster.running_cache();
        // Lists written back from what was read (taints, labels) carry the
        // version they were read at: a node changed meanwhile refuses the
        // patch (409) instead of losing the other change.
        let read_at = current.resource_version().unwrap_or_default();
        let patch = |body: serde_json::Value| {
            let nodes = nodes.clone();
            let cache = cache.clone();
            async move {
                let updated = nodes
                    .patch(name, &PatchParams::default(), &Patch::Merge(&body))
                    .await
                    .map_err(kube_error)?;
                // Read your writes: the page reloads from the cache next.
                if let Some(cache) = cache {
                    cache
                        .wait_for_node(name, &updated.resource_version().unwrap_or_default())
                        .await;
                }
                Ok::<_, Error>(updated)
            }
        };
        let mut taints: Vec<serde_json::Value> = current
            .spec
            .as_ref()
            .and_then(|s| s.taints.clone())
            .unwrap_or_default()
            .into_iter()
            .map(|t| json!({"key": t.key, "value": t.value, "effect": t.effect}))
            .collect();
        match change {
            NodeChange::Cordon => {
                patch(json!({"spec": {"unschedulable": true}})).await?;
            }
            NodeChange::Uncordon => {
                patch(json!({"spec": {"unschedulable": null}})).await?;
            }
            NodeChange::EnterMaintenance => {
                taints.retain(|t| t["key"] != MAINTENANCE_TAINT);
                taints.push(
                    json!({"key": MAINTENANCE_TAINT, "value": "true", "effect": "NoSchedule"}),
                );
                patch(json!({"metadata": {"resourceVersion": read_at},
                    "spec": {"unschedulable": true, "taints": taints}}))
                .await?;
            }
            NodeChange::LeaveMaintenance => {
                taints.retain(|t| t["key"] != MAINTENANCE_TAINT);
                patch(json!({"metadata": {"resourceVersion": read_at},
                    "spec": {"unschedulable": null, "taints": taints}}))
                .await?;
            }
            NodeChange::Drain => {
                patch(json!({"spec": {"unschedulable": true}})).await?;
                let pods: Api<Pod> = Api::all(client.clone());
                let on: Vec<Pod> = pods
                    .list(
                        &kube::api::ListParams::default().fields(&format!("spec.nodeName={name}")),
                    )
                    .await
                    .map_err(kube_error)?
                    .items;
                for p in on {
                    let ns = p.namespace().unwrap_or_default();
                    let id = format!("{ns}/{}", p.name_any());
                    if is_daemon(&p) {
                        report.skipped.push(id);
                        continue;
                    }
                    let namespaced: Api<Pod> = Api::namespaced(client.clone(), &ns);
                    match namespaced
                        .evict(&p.name_any(), &EvictParams::default())
                        .await
                    {
                        Ok(_) => report.evicted.push(id),
                        Err(e) => report.failed.push((id, cluster::classify(&e).to_string())),
                    }
                }
            }
            NodeChange::SetLabels { labels } => {
                // Only what differs: labels removed, added or changed.
                let mut body = serde_json::Map::new();
                for k in current
                    .labels()
                    .keys()
                    .filter(|k| !labels.iter().any(|(l, _)| l == *k))
                {
                    body.insert(k.clone(), serde_json::Value::Null);
                }
                for (k, v) in labels {
                    if current.labels().get(&k) != Some(&v) {
                        body.insert(k, json!(v));
                    }
                }
                patch(json!({"metadata": {"resourceVersion": read_at, "labels": body}})).await?;
            }
            NodeChange::SetTaints { taints } => {
                let list: Vec<serde_json::Value> = taints
                    .into_iter()
                    .map(|t| json!({"key": t.key, "value": t.value, "effect": t.effect}))
                    .collect();
                patch(json!({"metadata": {"resourceVersion": read_at},
                    "spec": {"taints": list}}))
                .await?;
            }
        }
        Ok(report)
    }
}
