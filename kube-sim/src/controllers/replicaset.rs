//! The ReplicaSet controller: keeps as many live pods as `spec.replicas`
//! asks, creating them from the template (through quota admission: a
//! refused pod becomes a `FailedCreate` event and a `ReplicaFailure`
//! condition) or deleting the least useful ones, and reports counts in
//! `status`.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{controller_uid, int, owner_ref, record_event, row, write_status, State};
use crate::ops::{meta, set_condition, Cluster, DeleteOptions};
use crate::pods;
use crate::resources;

/// At most this many pods are created per ReplicaSet and pass (Kubernetes' burst).
const BURST: i64 = 500;

#[derive(Default, Clone)]
struct Owned {
    /// (name, ready, bound, creationTimestamp)
    pods: Vec<(String, bool, bool, String)>,
}

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// A pod from an owner's template (ReplicaSets, Jobs, ...).
pub(crate) fn pod_from_template(
    owner_type: &resources::ResourceType,
    owner: &Value,
    template: &Value,
    name_prefix: &str,
) -> Value {
    let mut metadata = template
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    if let Some(m) = metadata.as_object_mut() {
        m.remove("name");
        m.insert("generateName".into(), json!(format!("{name_prefix}-")));
        m.insert(
            "ownerReferences".into(),
            json!([owner_ref(owner_type, owner)]),
        );
    }
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

/// One pass over every ReplicaSet.
pub(crate) fn sync(cluster: &Arc<Cluster>, state: &mut State) {
    let (Some(rs_type), Some(pod_type)) = (row("apps", "replicasets"), resources::core("pods"))
    else {
        return;
    };
    let (sets, owned) = {
        let store = cluster.lock();
        let sets: Vec<Value> = store.list(rs_type, None).map(|(_, v)| v.clone()).collect();
        if sets.is_empty() {
            return;
        }
        let mut owned: HashMap<String, Owned> = HashMap::new();
        for (_, p) in store.list(pod_type, None) {
            if pods::is_terminal(p) || !meta(p, "deletionTimestamp").is_empty() {
                continue;
            }
            if let Some(uid) = controller_uid(p) {
                owned.entry(uid.to_string()).or_default().pods.push((
                    meta(p, "name"),
                    is_ready(p),
                    p.pointer("/spec/nodeName").is_some(),
                    meta(p, "creationTimestamp"),
                ));
            }
        }
        (sets, owned)
    };
    for mut rs in sets {
        if !meta(&rs, "deletionTimestamp").is_empty() {
            continue;
        }
        let ns = meta(&rs, "namespace");
        let name = meta(&rs, "name");
        let mut mine = owned.get(&meta(&rs, "uid")).cloned().unwrap_or_default();
        let want = int(&rs, "/spec/replicas");
        let have = mine.pods.len() as i64;
        let mut failure: Option<String> = None;
        let uid = meta(&rs, "uid");
        if want > have && state.backing_off(&uid) {
            continue;
        }
        if want > have {
            let template = rs
                .pointer("/spec/template")
                .cloned()
                .unwrap_or_else(|| json!({}));
            for _ in 0..(want - have).min(BURST) {
                let pod = pod_from_template(rs_type, &rs, &template, &name);
                let bytes = serde_json::to_vec(&pod).unwrap_or_default();
                match cluster.create(pod_type, Some(&ns), &bytes, false) {
                    Ok(created) => {
                        record_event(
                            cluster,
                            rs_type,
                            &rs,
                            "Normal",
                            "SuccessfulCreate",
                            &format!("Created pod: {}", meta(&created, "name")),
                            "replicaset-controller",
                        );
                        mine.pods.push((
                            meta(&created, "name"),
                            false,
                            false,
                            meta(&created, "creationTimestamp"),
                        ));
                    }
                    Err(e) => {
                        let message = format!("Error creating: {}", e.message);
                        record_event(
                            cluster,
                            rs_type,
                            &rs,
                            "Warning",
                            "FailedCreate",
                            &message,
                            "replicaset-controller",
                        );
                        failure = Some(message);
                        break;
                    }
                }
            }
        } else if want < have {
            // Unscheduled first, then not ready, then the newest.
            mine.pods
                .sort_by(|a, b| a.2.cmp(&b.2).then(a.1.cmp(&b.1)).then(b.3.cmp(&a.3)));
            let doomed: Vec<String> = mine
                .pods
                .iter()
                .take((have - want) as usize)
                .map(|p| p.0.clone())
                .collect();
            for pod in &doomed {
                if cluster
                    .delete(pod_type, Some(&ns), pod, &DeleteOptions::default())
                    .is_ok()
                {
                    record_event(
                        cluster,
                        rs_type,
                        &rs,
                        "Normal",
                        "SuccessfulDelete",
                        &format!("Deleted pod: {pod}"),
                        "replicaset-controller",
                    );
                }
            }
            mine.pods.retain(|p| !doomed.contains(&p.0));
        }
        if want > have {
            state.note(&uid, failure.is_some());
        }
        let ready = mine.pods.iter().filter(|p| p.1).count();
        let before = rs.get("status").cloned();
        let now = cluster
            .lock()
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let generation = int(&rs, "/metadata/generation");
        if let Some(status) = crate::hooks::object_at(&mut rs, "status") {
            status.insert("replicas".into(), json!(mine.pods.len()));
            status.insert("fullyLabeledReplicas".into(), json!(mine.pods.len()));
            status.insert("readyReplicas".into(), json!(ready));
            status.insert("availableReplicas".into(), json!(ready));
            status.insert("observedGeneration".into(), json!(generation));
        }
        match &failure {
            Some(message) => set_condition(
                &mut rs,
                "ReplicaFailure",
                "True",
                "FailedCreate",
                message,
                &now,
            ),
            None => {
                if let Some(cs) = rs
                    .pointer_mut("/status/conditions")
                    .and_then(Value::as_array_mut)
                {
                    cs.retain(|c| c["type"] != "ReplicaFailure");
                }
            }
        }
        if rs.get("status") != before.as_ref() {
            write_status(cluster, rs_type, &rs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_reads_the_condition() {
        assert!(is_ready(
            &json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        ));
        assert!(!is_ready(
            &json!({"status": {"conditions": [{"type": "Ready", "status": "False"}]}})
        ));
        assert!(!is_ready(&json!({})));
    }
}
