//! The Deployment controller: one ReplicaSet per pod template (named after
//! the template's hash, with a `deployment.kubernetes.io/revision`), a
//! rolling update that honours `maxSurge` and `maxUnavailable` (or
//! Recreate), rollback by putting an old template back (its ReplicaSet is
//! reused and gets the next revision), old ReplicaSets pruned beyond
//! `revisionHistoryLimit`, and `status` with the Available and Progressing
//! conditions.

use std::sync::Arc;

use serde_json::{json, Value};

use super::{controller_uid, int, owner_ref, record_event, row, safe_hash, write_status};
use crate::ops::{meta, set_condition, Cluster, DeleteOptions};
use crate::resources::ResourceType;

/// The revision annotation on Deployments and their ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// The label that tells a Deployment's ReplicaSets and pods apart.
pub const HASH_LABEL: &str = "pod-template-hash";

struct Set {
    obj: Value,
    spec: i64,
    replicas: i64,
    available: i64,
    ready: i64,
    revision: i64,
}

impl Set {
    fn of(obj: Value) -> Set {
        Set {
            spec: int(&obj, "/spec/replicas"),
            replicas: int(&obj, "/status/replicas"),
            available: int(&obj, "/status/availableReplicas"),
            ready: int(&obj, "/status/readyReplicas"),
            revision: revision(&obj),
            obj,
        }
    }
}

fn revision(obj: &Value) -> i64 {
    obj.pointer(&format!(
        "/metadata/annotations/{}",
        REVISION.replace('/', "~1")
    ))
    .and_then(Value::as_str)
    .and_then(|r| r.parse().ok())
    .unwrap_or(0)
}

/// `maxSurge` / `maxUnavailable`: an integer or a percentage of `desired`
/// (surge rounds up, unavailability down).
fn resolve(v: Option<&Value>, desired: i64, round_up: bool, default: &str) -> i64 {
    let text = match v {
        Some(Value::Number(n)) => return n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.clone(),
        _ => default.to_string(),
    };
    match text.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
        Some(p) if round_up => (p * desired + 99) / 100,
        Some(p) => p * desired / 100,
        None => text.parse().unwrap_or(0),
    }
}

/// The hash of a pod template, as the `pod-template-hash` label.
pub fn template_hash(template: &Value) -> String {
    safe_hash(&template.to_string())
}

fn scale(
    cluster: &Cluster,
    rs_type: &'static ResourceType,
    d_type: &ResourceType,
    d: &Value,
    set: &mut Set,
    to: i64,
) {
    if set.spec == to {
        return;
    }
    let name = meta(&set.obj, "name");
    let mut obj = set.obj.clone();
    obj["spec"]["replicas"] = json!(to);
    if let Some(a) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
    {
        a.insert(
            "deployment.kubernetes.io/desired-replicas".into(),
            json!(int(d, "/spec/replicas").to_string()),
        );
    }
    let Ok(bytes) = serde_json::to_vec(&obj) else {
        return;
    };
    if let Ok(updated) = cluster.update(
        rs_type,
        Some(&meta(d, "namespace")),
        &name,
        &bytes,
        false,
        false,
    ) {
        let verb = if to > set.spec { "up" } else { "down" };
        record_event(
            cluster,
            d_type,
            d,
            "Normal",
            "ScalingReplicaSet",
            &format!("Scaled {verb} replica set {name} from {} to {to}", set.spec),
            "deployment-controller",
        );
        set.spec = to;
        set.obj = updated;
    }
}

fn new_set(
    cluster: &Cluster,
    rs_type: &'static ResourceType,
    d_type: &ResourceType,
    d: &Value,
    hash: &str,
    revision: i64,
) -> Option<Set> {
    let mut template = d
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    template["metadata"]["labels"][HASH_LABEL] = json!(hash);
    let mut selector = d
        .pointer("/spec/selector")
        .cloned()
        .unwrap_or_else(|| json!({}));
    selector["matchLabels"][HASH_LABEL] = json!(hash);
    let name = format!("{}-{hash}", meta(d, "name"));
    let rs = json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "labels": template["metadata"]["labels"].clone(),
            "annotations": {
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": int(d, "/spec/replicas").to_string(),
            },
            "ownerReferences": [owner_ref(d_type, d)],
        },
        "spec": { "replicas": 0, "selector": selector, "template": template },
    });
    let bytes = serde_json::to_vec(&rs).ok()?;
    match cluster.create(rs_type, Some(&meta(d, "namespace")), &bytes, false) {
        Ok(created) => Some(Set::of(created)),
        Err(e) => {
            record_event(
                cluster,
                d_type,
                d,
                "Warning",
                "FailedCreate",
                &format!("Failed to create new replica set {name:?}: {}", e.message),
                "deployment-controller",
            );
            None
        }
    }
}

fn set_revision(
    cluster: &Cluster,
    rt: &'static ResourceType,
    obj: &Value,
    rev: i64,
) -> Option<Value> {
    let mut o = obj.clone();
    o["metadata"]["annotations"][REVISION] = json!(rev.to_string());
    let bytes = serde_json::to_vec(&o).ok()?;
    let ns = meta(obj, "namespace");
    cluster
        .update(
            rt,
            Some(&ns).filter(|n| !n.is_empty()).map(String::as_str),
            &meta(obj, "name"),
            &bytes,
            false,
            false,
        )
        .ok()
}

/// One pass over every Deployment.
pub(crate) fn sync(cluster: &Arc<Cluster>) {
    let (Some(d_type), Some(rs_type)) = (row("apps", "deployments"), row("apps", "replicasets"))
    else {
        return;
    };
    let (deployments, sets) = {
        let store = cluster.lock();
        let ds: Vec<Value> = store.list(d_type, None).map(|(_, v)| v.clone()).collect();
        if ds.is_empty() {
            return;
        }
        let sets: Vec<Value> = store
            .list(rs_type, None)
            .filter(|(_, v)| controller_uid(v).is_some())
            .map(|(_, v)| v.clone())
            .collect();
        (ds, sets)
    };
    for d in deployments {
        if !meta(&d, "deletionTimestamp").is_empty() {
            continue;
        }
        let uid = meta(&d, "uid");
        let mut mine: Vec<Set> = sets
            .iter()
            .filter(|s| controller_uid(s) == Some(uid.as_str()))
            .cloned()
            .map(Set::of)
            .collect();
        sync_one(cluster, d_type, rs_type, d, &mut mine);
    }
}

fn sync_one(
    cluster: &Arc<Cluster>,
    d_type: &'static ResourceType,
    rs_type: &'static ResourceType,
    mut d: Value,
    mine: &mut Vec<Set>,
) {
    let desired = int(&d, "/spec/replicas");
    let hash = template_hash(d.pointer("/spec/template").unwrap_or(&Value::Null));
    let max_rev = mine.iter().map(|s| s.revision).max().unwrap_or(0);
    let paused = d.pointer("/spec/paused") == Some(&json!(true));
    let mut new_idx = mine.iter().position(|s| {
        s.obj
            .pointer(&format!("/metadata/labels/{HASH_LABEL}"))
            .and_then(Value::as_str)
            == Some(hash.as_str())
    });
    if !paused {
        match new_idx {
            None => {
                if let Some(s) = new_set(cluster, rs_type, d_type, &d, &hash, max_rev + 1) {
                    mine.push(s);
                    new_idx = Some(mine.len() - 1);
                }
            }
            Some(i) if mine[i].revision < max_rev => {
                // A rollback: the old template's ReplicaSet becomes the newest revision.
                if let Some(updated) = set_revision(cluster, rs_type, &mine[i].obj, max_rev + 1) {
                    mine[i] = Set::of(updated);
                }
            }
            Some(_) => {}
        }
    }
    let Some(ni) = new_idx else {
        return;
    };
    if !paused {
        let recreate = d.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate");
        if recreate {
            let old_running: i64 = mine
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != ni)
                .map(|(_, s)| s.replicas.max(s.spec))
                .sum();
            for (i, set) in mine.iter_mut().enumerate() {
                if i != ni {
                    scale(cluster, rs_type, d_type, &d, set, 0);
                }
            }
            if old_running == 0 {
                scale(cluster, rs_type, d_type, &d, &mut mine[ni], desired);
            }
        } else {
            let surge = resolve(
                d.pointer("/spec/strategy/rollingUpdate/maxSurge"),
                desired,
                true,
                "25%",
            );
            let mut unavailable = resolve(
                d.pointer("/spec/strategy/rollingUpdate/maxUnavailable"),
                desired,
                false,
                "25%",
            );
            if surge == 0 && unavailable == 0 {
                unavailable = 1;
            }
            // Scale the new ReplicaSet up as far as the surge allows.
            let total: i64 = mine.iter().map(|s| s.spec).sum();
            let new_spec = mine[ni].spec;
            let target = if new_spec > desired {
                desired
            } else {
                (new_spec + (desired + surge - total).max(0)).min(desired)
            };
            scale(cluster, rs_type, d_type, &d, &mut mine[ni], target);
            // Scale old ones down while enough pods stay available.
            let min_available = desired - unavailable;
            let all_spec: i64 = mine.iter().map(|s| s.spec).sum();
            let new_unavailable = mine[ni].spec - mine[ni].available;
            let mut budget = all_spec - min_available - new_unavailable;
            // Unhealthy old replicas go first.
            for (i, set) in mine.iter_mut().enumerate() {
                if i == ni || budget <= 0 {
                    continue;
                }
                let unhealthy = (set.spec - set.available).min(budget).max(0);
                if unhealthy > 0 {
                    let to = set.spec - unhealthy;
                    scale(cluster, rs_type, d_type, &d, set, to);
                    budget -= unhealthy;
                }
            }
            let available: i64 = mine.iter().map(|s| s.available.min(s.spec)).sum();
            let mut down = (available - min_available).min(budget.max(0));
            let mut order: Vec<usize> = (0..mine.len()).filter(|i| *i != ni).collect();
            order.sort_by_key(|i| mine[*i].revision);
            for i in order {
                if down <= 0 {
                    break;
                }
                let by = mine[i].spec.min(down);
                if by > 0 {
                    let to = mine[i].spec - by;
                    scale(cluster, rs_type, d_type, &d, &mut mine[i], to);
                    down -= by;
                }
            }
        }
        prune(cluster, rs_type, &d, mine, ni);
    }
    // Status.
    let new = &mine[ni];
    let replicas: i64 = mine.iter().map(|s| s.replicas).sum();
    let ready: i64 = mine.iter().map(|s| s.ready).sum();
    let available: i64 = mine.iter().map(|s| s.available).sum();
    let before = d.get("status").cloned();
    let now = cluster
        .lock()
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let generation = int(&d, "/metadata/generation");
    let new_name = meta(&new.obj, "name");
    let complete = new.replicas == desired && new.available == desired && replicas == desired;
    let new_rev = new.revision;
    if let Some(status) = crate::hooks::object_at(&mut d, "status") {
        status.insert("observedGeneration".into(), json!(generation));
        status.insert("replicas".into(), json!(replicas));
        status.insert("updatedReplicas".into(), json!(new.replicas));
        status.insert("readyReplicas".into(), json!(ready));
        status.insert("availableReplicas".into(), json!(available));
        status.insert(
            "unavailableReplicas".into(),
            json!((desired - available).max(0)),
        );
    }
    let min_available = desired
        - resolve(
            d.pointer("/spec/strategy/rollingUpdate/maxUnavailable"),
            desired,
            false,
            "25%",
        );
    let (a, ar, am) = if available >= min_available {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    set_condition(&mut d, "Available", a, ar, am, &now);
    let (pr, pm) = if complete {
        (
            "NewReplicaSetAvailable",
            format!("ReplicaSet {new_name:?} has successfully progressed."),
        )
    } else {
        (
            "ReplicaSetUpdated",
            format!("ReplicaSet {new_name:?} is progressing."),
        )
    };
    set_condition(&mut d, "Progressing", "True", pr, &pm, &now);
    if d.get("status") != before.as_ref() {
        write_status(cluster, d_type, &d);
    }
    if revision(&d) != new_rev {
        set_revision(cluster, d_type, &d, new_rev);
    }
}

/// Deletes old, empty ReplicaSets beyond `revisionHistoryLimit`, oldest first.
fn prune(
    cluster: &Arc<Cluster>,
    rs_type: &'static ResourceType,
    d: &Value,
    mine: &[Set],
    new_idx: usize,
) {
    let limit = d
        .pointer("/spec/revisionHistoryLimit")
        .and_then(Value::as_i64)
        .unwrap_or(10);
    let mut old: Vec<usize> = (0..mine.len())
        .filter(|i| *i != new_idx && mine[*i].spec == 0 && mine[*i].replicas == 0)
        .collect();
    if (old.len() as i64) <= limit {
        return;
    }
    old.sort_by_key(|i| mine[*i].revision);
    let extra = old.len() - limit.max(0) as usize;
    for i in old.into_iter().take(extra) {
        let name = meta(&mine[i].obj, "name");
        let _ = cluster.delete(
            rs_type,
            Some(&meta(d, "namespace")),
            &name,
            &DeleteOptions::default(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surge_and_unavailability_round_like_kubernetes() {
        assert_eq!(resolve(Some(&json!("25%")), 10, true, "25%"), 3);
        assert_eq!(resolve(Some(&json!("25%")), 10, false, "25%"), 2);
        assert_eq!(resolve(Some(&json!(2)), 10, true, "25%"), 2);
        assert_eq!(resolve(None, 4, false, "25%"), 1);
        assert_eq!(resolve(Some(&json!("0")), 4, false, "25%"), 0);
    }
}
