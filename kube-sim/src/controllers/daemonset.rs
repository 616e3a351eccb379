//! The DaemonSet controller: one pod per eligible node (ready or not, whose
//! labels match the template's `nodeSelector` and whose NoSchedule taints
//! the pod tolerates), bound to its node directly; pods on nodes that no
//! longer qualify are removed; a changed template replaces pods one node at
//! a time.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{controller_uid, int, record_event, row, safe_hash, write_status, State};
use crate::ops::{meta, Cluster, DeleteOptions};
use crate::resources;

const HASH_LABEL: &str = "controller-revision-hash";

struct Member {
    name: String,
    node: String,
    ready: bool,
    revision: String,
}

fn tolerated(template: &Value, node: &Value) -> bool {
    let pod = json!({"spec": template.get("spec").cloned().unwrap_or(json!({}))});
    node.pointer("/spec/taints")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|t| {
            matches!(
                t.get("effect").and_then(Value::as_str),
                Some("NoSchedule") | Some("NoExecute")
            )
        })
        .all(|t| super::scheduler::tolerates(&pod, t))
}

fn eligible(template: &Value, node: &Value) -> bool {
    let selected = template
        .pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| {
            node.pointer(&format!(
                "/metadata/labels/{}",
                k.replace('~', "~0").replace('/', "~1")
            )) == Some(v)
        });
    selected && tolerated(template, node)
}

/// One pass over every DaemonSet.
pub(crate) fn sync(cluster: &Arc<Cluster>, state: &mut State) {
    let (Some(ds_type), Some(pod_type), Some(node_type)) = (
        row("apps", "daemonsets"),
        resources::core("pods"),
        resources::core("nodes"),
    ) else {
        return;
    };
    let (sets, nodes, members) = {
        let store = cluster.lock();
        let sets: Vec<Value> = store.list(ds_type, None).map(|(_, v)| v.clone()).collect();
        if sets.is_empty() {
            return;
        }
        let nodes: Vec<Value> = store
            .list(node_type, None)
            .map(|(_, v)| v.clone())
            .collect();
        let mut members: HashMap<String, Vec<Member>> = HashMap::new();
        for (_, p) in store.list(pod_type, None) {
            if !meta(p, "deletionTimestamp").is_empty() {
                continue;
            }
            if let Some(uid) = controller_uid(p) {
                members.entry(uid.to_string()).or_default().push(Member {
                    name: meta(p, "name"),
                    node: p
                        .pointer("/spec/nodeName")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    ready: p.pointer("/status/phase").and_then(Value::as_str) == Some("Running")
                        && p.pointer("/status/containerStatuses/0/ready") == Some(&json!(true)),
                    revision: p
                        .pointer(&format!("/metadata/labels/{HASH_LABEL}"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                });
            }
        }
        (sets, nodes, members)
    };
    for mut ds in sets {
        if !meta(&ds, "deletionTimestamp").is_empty() {
            continue;
        }
        let uid = meta(&ds, "uid");
        let ns = meta(&ds, "namespace");
        let name = meta(&ds, "name");
        let template = ds
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let hash = safe_hash(&template.to_string());
        let empty = Vec::new();
        let mine = members.get(&uid).unwrap_or(&empty);
        let wanted: Vec<&Value> = nodes.iter().filter(|n| eligible(&template, n)).collect();
        let mut failed = false;
        if !state.backing_off(&uid) {
            for node in &wanted {
                let node_name = meta(node, "name");
                if mine.iter().any(|m| m.node == node_name) {
                    continue;
                }
                let mut pod = super::replicaset::pod_from_template(ds_type, &ds, &template, &name);
                pod["metadata"]["labels"][HASH_LABEL] = json!(hash);
                pod["spec"]["nodeName"] = json!(node_name);
                let tolerations = pod["spec"]
                    .as_object_mut()
                    .map(|s| s.entry("tolerations").or_insert_with(|| json!([])));
                if let Some(list) = tolerations.and_then(Value::as_array_mut) {
                    for key in [
                        "node.kubernetes.io/unschedulable",
                        "node.kubernetes.io/not-ready",
                        "node.kubernetes.io/unreachable",
                    ] {
                        list.push(json!({"key": key, "operator": "Exists", "effect": if key.ends_with("unschedulable") { "NoSchedule" } else { "NoExecute" }}));
                    }
                }
                match cluster.create(
                    pod_type,
                    Some(&ns),
                    &serde_json::to_vec(&pod).unwrap_or_default(),
                    false,
                ) {
                    Ok(p) => record_event(
                        cluster,
                        ds_type,
                        &ds,
                        "Normal",
                        "SuccessfulCreate",
                        &format!("Created pod: {}", meta(&p, "name")),
                        "daemonset-controller",
                    ),
                    Err(e) => {
                        record_event(
                            cluster,
                            ds_type,
                            &ds,
                            "Warning",
                            "FailedCreate",
                            &format!("Error creating: {}", e.message),
                            "daemonset-controller",
                        );
                        failed = true;
                        break;
                    }
                }
            }
            state.note(&uid, failed);
        }
        // Pods on nodes that no longer qualify (or duplicates) go.
        let mut seen: Vec<&str> = Vec::new();
        for m in mine {
            let keep = wanted.iter().any(|n| meta(n, "name") == m.node)
                && !seen.contains(&m.node.as_str());
            seen.push(&m.node);
            if !keep {
                let _ = cluster.delete(pod_type, Some(&ns), &m.name, &DeleteOptions::default());
            }
        }
        // Rolling update: one outdated pod at a time, once every pod is ready.
        if mine.iter().all(|m| m.ready) {
            if let Some(old) = mine.iter().find(|m| m.revision != hash) {
                let _ = cluster.delete(pod_type, Some(&ns), &old.name, &DeleteOptions::default());
            }
        }
        let scheduled = mine
            .iter()
            .filter(|m| wanted.iter().any(|n| meta(n, "name") == m.node))
            .count();
        let ready = mine.iter().filter(|m| m.ready).count();
        let updated = mine.iter().filter(|m| m.revision == hash).count();
        let before = ds.get("status").cloned();
        let generation = int(&ds, "/metadata/generation");
        if let Some(s) = crate::hooks::object_at(&mut ds, "status") {
            s.insert("observedGeneration".into(), json!(generation));
            s.insert("desiredNumberScheduled".into(), json!(wanted.len()));
            s.insert("currentNumberScheduled".into(), json!(scheduled));
            s.insert("numberMisscheduled".into(), json!(mine.len() - scheduled));
            s.insert("numberReady".into(), json!(ready));
            s.insert("numberAvailable".into(), json!(ready));
            s.insert(
                "numberUnavailable".into(),
                json!(wanted.len().saturating_sub(ready)),
            );
            s.insert("updatedNumberScheduled".into(), json!(updated));
        }
        if ds.get("status") != before.as_ref() {
            write_status(cluster, ds_type, &ds);
        }
    }
}
