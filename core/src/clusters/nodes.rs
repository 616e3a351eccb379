//! Nodes of a registered cluster: listed from the cluster's watch cache,
//! changed through the API (cordon, drain by eviction, labels, taints,
//! maintenance mode), each change authorized and audited.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_api::{
    validate, Detail, DrainReport, ErrorCode, FieldError, ListQuery, NodeChange, NodeCondition,
    NodeDetail, NodePod, NodeSummary, Page, Taint,
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

fn kube_error(e: kube::Error) -> Error {
    cluster::api_error(e, "labels")
}

/// A JSON patch of taints refused as unprocessable failed one of its tests:
/// the node's taints moved since they were read.
fn taint_patch_error(e: kube::Error) -> Error {
    match e {
        kube::Error::Api(s) if s.code == 422 => cluster::changed(),
        other => cluster::api_error(other, "taints"),
    }
}

fn summary(node: &Node, pods: usize) -> NodeSummary {
    let status = node.status.clone().unwrap_or_default();
    let spec = node.spec.clone().unwrap_or_default();
    let labels: BTreeMap<String, String> = node.labels().clone();
    let taints = taints_of(node);
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

/// A key (label or taint) and value as Kubernetes accepts them, as errors on `field`.
fn check_pair(field: &str, key: &str, value: &str, out: &mut Vec<FieldError>) {
    if let Err(reason) = validate::label_key(key) {
        let key = validate::quote(key);
        out.push(FieldError::detailed(
            field,
            ErrorCode::Invalid,
            Detail::Key { key, reason },
        ));
    }
    if let Err(reason) = validate::label_value(value) {
        let value = validate::quote(value);
        out.push(FieldError::detailed(
            field,
            ErrorCode::Invalid,
            Detail::Value { value, reason },
        ));
    }
}

fn check_labels(set: &[(String, String)], remove: &[String]) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (k, v) in set {
        check_pair("labels", k, v, &mut out);
        if !seen.insert(k.as_str()) {
            let what = validate::quote(k);
            out.push(FieldError::detailed(
                "labels",
                ErrorCode::Taken,
                Detail::Twice { what },
            ));
        }
    }
    for k in remove {
        check_pair("labels", k, "", &mut out);
    }
    out
}

fn check_taints(add: &[Taint], remove: &[Taint]) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (i, t) in add.iter().chain(remove).enumerate() {
        check_pair("taints", &t.key, &t.value, &mut out);
        if !EFFECTS.contains(&t.effect.as_str()) {
            let effect = validate::quote(&t.effect);
            out.push(FieldError::detailed(
                "taints",
                ErrorCode::Invalid,
                Detail::TaintEffect { effect },
            ));
        }
        if i < add.len() && add[..i].iter().any(|o| o.same_as(t)) {
            let what = format!("{}:{}", validate::quote(&t.key), t.effect);
            out.push(FieldError::detailed(
                "taints",
                ErrorCode::Taken,
                Detail::Twice { what },
            ));
        }
    }
    out
}

fn taint_json(t: &Taint) -> serde_json::Value {
    if t.value.is_empty() {
        json!({"key": t.key, "effect": t.effect})
    } else {
        json!({"key": t.key, "value": t.value, "effect": t.effect})
    }
}

/// The JSON patch (RFC 6902) that adds and removes taints on a node whose
/// taints were read as `current` at `read_at`. Only the entries it changes
/// are written, each tested first (its key and effect at that index), so a
/// list that moved meanwhile refuses the patch instead of losing the other
/// change; the rest of the node is not written at all.
fn taint_patch(
    current: &[Taint],
    read_at: &str,
    add: &[Taint],
    remove: &[Taint],
) -> Vec<serde_json::Value> {
    let mut tests = Vec::new();
    let mut edits = Vec::new();
    let mut removals = Vec::new();
    for (i, c) in current.iter().enumerate() {
        let at = format!("/spec/taints/{i}");
        if let Some(a) = add.iter().find(|a| a.same_as(c)) {
            if a.value == c.value {
                continue;
            }
            edits.push(if a.value.is_empty() {
                json!({"op": "remove", "path": format!("{at}/value")})
            } else {
                json!({"op": "add", "path": format!("{at}/value"), "value": a.value})
            });
        } else if remove.iter().any(|r| r.same_as(c)) {
            removals.push(json!({"op": "remove", "path": at}));
        } else {
            continue;
        }
        tests.push(json!({"op": "test", "path": format!("{at}/key"), "value": c.key}));
        tests.push(json!({"op": "test", "path": format!("{at}/effect"), "value": c.effect}));
    }
    let new: Vec<serde_json::Value> = add
        .iter()
        .filter(|a| !current.iter().any(|c| c.same_as(a)))
        .map(taint_json)
        .collect();
    // Removed from the end first, so each index still names what was read.
    removals.reverse();
    let mut ops = tests;
    ops.extend(edits);
    ops.extend(removals);
    if current.is_empty() && !new.is_empty() {
        // No list to append to: it is created, if the node is as it was read.
        ops.push(json!({"op": "test", "path": "/metadata/resourceVersion", "value": read_at}));
        ops.push(json!({"op": "add", "path": "/spec/taints", "value": new}));
    } else {
        ops.extend(
            new.into_iter()
                .map(|t| json!({"op": "add", "path": "/spec/taints/-", "value": t})),
        );
    }
    ops
}

fn taints_of(node: &Node) -> Vec<Taint> {
    node.spec
        .as_ref()
        .and_then(|s| s.taints.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|t| Taint {
            key: t.key,
            value: t.value.unwrap_or_default(),
            effect: t.effect,
        })
        .collect()
}

fn maintenance_taint() -> Taint {
    Taint {
        key: MAINTENANCE_TAINT.into(),
        value: "true".into(),
        effect: "NoSchedule".into(),
    }
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
            NodeChange::ChangeLabels { .. } | NodeChange::ChangeTaints { .. } => {
                Permission::NodeLabel
            }
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
            NodeChange::ChangeLabels { .. } => "node.labels.change",
            NodeChange::ChangeTaints { .. } => "node.taints.change",
        };
        self.audited_as(who, proof, action, &target, async |proof| {
            proof.expect(permission, Scope::Platform);
            self.apply_node_change(cluster_id, &name, change).await
        })
        .await
    }

    /// Only a checked name reaches the cluster's URLs. Each change writes
    /// only what it changes: a flag, the named labels, the named taints.
    async fn apply_node_change(
        &self,
        cluster_id: i64,
        name: &cluster::ObjectName,
        change: NodeChange,
    ) -> Result<DrainReport> {
        let name = name.as_str();
        match &change {
            NodeChange::ChangeLabels { set, remove } => Error::check(check_labels(set, remove))?,
            NodeChange::ChangeTaints { add, remove } => Error::check(check_taints(add, remove))?,
            _ => {}
        }
        let cluster = self.handle(cluster_id).await?;
        let client = cluster.client();
        let nodes: Api<Node> = Api::all(client.clone());
        let cache = cluster.running_cache();
        let patch = |body: Patch<serde_json::Value>, on_error: fn(kube::Error) -> Error| {
            let nodes = nodes.clone();
            let cache = cache.clone();
            async move {
                let updated = nodes
                    .patch(name, &PatchParams::default(), &body)
                    .await
                    .map_err(on_error)?;
                // Read your writes: the page reloads from the cache next.
                if let Some(cache) = cache {
                    cache
                        .wait_for_node(name, &updated.resource_version().unwrap_or_default())
                        .await;
                }
                Ok::<_, Error>(())
            }
        };
        let merge = |body: serde_json::Value| patch(Patch::Merge(body), kube_error);
        // Taints are a list Kubernetes replaces whole on a merge: they change
        // by a JSON patch of just the entries concerned, with the node's
        // schedulability alongside when it goes with them.
        let taints = |add: Vec<Taint>, remove: Vec<Taint>, unschedulable: Option<bool>| {
            let nodes = nodes.clone();
            let patch = &patch;
            async move {
                let current = nodes.get(name).await.map_err(kube_error)?;
                let now = taints_of(&current);
                let mut ops = taint_patch(
                    &now,
                    &current.resource_version().unwrap_or_default(),
                    &add,
                    &remove,
                );
                if let Some(u) = unschedulable {
                    ops.push(json!({"op": "add", "path": "/spec/unschedulable", "value": u}));
                }
                if ops.is_empty() {
                    return Ok(());
                }
                let ops: json_patch::Patch = serde_json::from_value(json!(ops))
                    .map_err(|e| Error::Internal(format!("taint patch: {e}")))?;
                patch(Patch::Json(ops), taint_patch_error).await
            }
        };
        let mut report = DrainReport::default();
        match change {
            NodeChange::Cordon => merge(json!({"spec": {"unschedulable": true}})).await?,
            NodeChange::Uncordon => merge(json!({"spec": {"unschedulable": null}})).await?,
            NodeChange::EnterMaintenance => {
                taints(vec![maintenance_taint()], vec![], Some(true)).await?
            }
            NodeChange::LeaveMaintenance => {
                // Whatever effect it was given, Berth's taint goes.
                let every = EFFECTS
                    .map(|effect| Taint {
                        effect: effect.into(),
                        ..maintenance_taint()
                    })
                    .to_vec();
                taints(vec![], every, Some(false)).await?
            }
            NodeChange::ChangeLabels { set, remove } => {
                if set.is_empty() && remove.is_empty() {
                    return Ok(report);
                }
                let mut body = serde_json::Map::new();
                for k in remove {
                    body.insert(k, serde_json::Value::Null);
                }
                for (k, v) in set {
                    body.insert(k, json!(v));
                }
                merge(json!({"metadata": {"labels": body}})).await?
            }
            NodeChange::ChangeTaints { add, remove } => taints(add, remove, None).await?,
            NodeChange::Drain => {
                merge(json!({"spec": {"unschedulable": true}})).await?;
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
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(taints: &[Taint]) -> serde_json::Value {
        let mut n = json!({"metadata": {"name": "n", "resourceVersion": "7"}, "spec": {}});
        if !taints.is_empty() {
            n["spec"]["taints"] = json!(taints.iter().map(taint_json).collect::<Vec<_>>());
        }
        n
    }

    fn apply(doc: &mut serde_json::Value, ops: Vec<serde_json::Value>) -> bool {
        let p: json_patch::Patch = serde_json::from_value(json!(ops)).unwrap();
        json_patch::patch(doc, &p).is_ok()
    }

    fn taints_in(doc: &serde_json::Value) -> Vec<Taint> {
        let node: Node = serde_json::from_value(doc.clone()).unwrap();
        taints_of(&node)
    }

    #[test]
    fn a_taint_patch_writes_only_the_entries_it_names() {
        let read = [
            Taint::new("a", "1", "NoSchedule"),
            Taint::new("b", "", "NoExecute"),
            Taint::new("c", "3", "NoSchedule"),
        ];
        let ops = taint_patch(
            &read,
            "7",
            &[
                Taint::new("c", "30", "NoSchedule"),
                Taint::new("d", "", "PreferNoSchedule"),
            ],
            &[Taint::new("a", "1", "NoSchedule")],
        );
        let mut doc = node(&read);
        assert!(apply(&mut doc, ops.clone()));
        assert_eq!(
            taints_in(&doc),
            [
                Taint::new("b", "", "NoExecute"),
                Taint::new("c", "30", "NoSchedule"),
                Taint::new("d", "", "PreferNoSchedule")
            ]
        );

        // Someone else put a taint first meanwhile: the indexes moved, so
        // the same patch is refused rather than removing their taint.
        let mut moved = node(&[
            Taint::new("x", "", "NoSchedule"),
            read[0].clone(),
            read[1].clone(),
            read[2].clone(),
        ]);
        let before = moved.clone();
        assert!(!apply(&mut moved, ops));
        assert_eq!(moved, before);
    }

    #[test]
    fn a_taint_patch_creates_the_list_only_on_the_node_as_read() {
        let ops = taint_patch(&[], "7", &[Taint::new("gpu", "", "NoSchedule")], &[]);
        let mut doc = node(&[]);
        assert!(apply(&mut doc, ops.clone()));
        assert_eq!(taints_in(&doc), [Taint::new("gpu", "", "NoSchedule")]);
        let mut changed = node(&[Taint::new("x", "", "NoSchedule")]);
        changed["metadata"]["resourceVersion"] = json!("8");
        assert!(!apply(&mut changed, ops));
        assert_eq!(taints_in(&changed), [Taint::new("x", "", "NoSchedule")]);
    }

    #[test]
    fn nothing_to_change_is_no_patch() {
        let read = [Taint::new("a", "1", "NoSchedule")];
        assert!(taint_patch(&read, "7", &read, &[]).is_empty());
        assert!(taint_patch(&read, "7", &[], &[Taint::new("z", "", "NoSchedule")]).is_empty());
    }

    #[test]
    fn taints_are_checked_as_kubernetes_does() {
        let twice = check_taints(
            &[
                Taint::new("a", "1", "NoSchedule"),
                Taint::new("a", "2", "NoSchedule"),
            ],
            &[],
        );
        assert_eq!(twice.len(), 1);
        assert_eq!(twice[0].code, ErrorCode::Taken);
        assert!(check_taints(
            &[
                Taint::new("a", "1", "NoSchedule"),
                Taint::new("a", "2", "NoExecute")
            ],
            &[]
        )
        .is_empty());
        assert_eq!(
            check_taints(&[], &[Taint::new("a", "", "Never")])[0].field,
            "taints"
        );
    }
}
