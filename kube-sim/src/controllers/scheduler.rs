//! The scheduler: places each unbound pod on the ready, schedulable node
//! with the most room whose labels match its `nodeSelector`, whose taints it
//! tolerates and whose allocatable CPU, memory, pod count and extended
//! resources (such as `nvidia.com/gpu`) fit its requests. A pod that fits nowhere stays Pending with a false
//! `PodScheduled` condition and a `FailedScheduling` event saying why.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{json, Value};

use super::{record_event, write_status};
use crate::ops::{meta, set_condition, Cluster};
use crate::pods;
use crate::quantity;
use crate::resources;

struct Node {
    name: String,
    labels: serde_json::Map<String, Value>,
    taints: Vec<Value>,
    ready: bool,
    unschedulable: bool,
    cpu: f64,
    memory: f64,
    pods: f64,
    used_cpu: f64,
    used_memory: f64,
    used_pods: f64,
    /// Extended resources: what the node offers and what its pods hold.
    extended: BTreeMap<String, f64>,
    used_extended: BTreeMap<String, f64>,
}

fn extended_allocatable(node: &Value) -> BTreeMap<String, f64> {
    node.pointer("/status/allocatable")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.contains('/'))
        .filter_map(|(k, v)| Some((k.clone(), quantity::parse(v.as_str()?)?)))
        .collect()
}

/// The pod's requests of each extended resource it names.
fn extended_requests(pod: &Value) -> Vec<(String, f64)> {
    pods::extended_resources(pod)
        .into_iter()
        .map(|r| {
            let v = pods::total(pod, "requests", &r);
            (r, v)
        })
        .collect()
}

fn allocatable(node: &Value, r: &str) -> f64 {
    node.pointer(&format!("/status/allocatable/{r}"))
        .and_then(Value::as_str)
        .and_then(quantity::parse)
        .unwrap_or(0.0)
}

pub(crate) fn tolerates(pod: &Value, taint: &Value) -> bool {
    let effect = taint
        .get("effect")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if effect == "PreferNoSchedule" {
        return true;
    }
    let key = taint.get("key").and_then(Value::as_str).unwrap_or_default();
    let value = taint
        .get("value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    pod.pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            let s = |f: &str| t.get(f).and_then(Value::as_str).unwrap_or_default();
            let key_ok = s("key").is_empty() && s("operator") == "Exists" || s("key") == key;
            let value_ok = s("operator") == "Exists" || s("value") == value;
            let effect_ok = s("effect").is_empty() || s("effect") == effect;
            key_ok && value_ok && effect_ok
        })
}

fn selector_matches(pod: &Value, node: &Node) -> bool {
    pod.pointer("/spec/nodeSelector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .all(|(k, v)| node.labels.get(k) == Some(v))
}

fn nodes(cluster: &Cluster) -> (Vec<Node>, Vec<Value>) {
    let store = cluster.lock();
    let (Some(node_type), Some(pod_type)) = (resources::core("nodes"), resources::core("pods"))
    else {
        return (vec![], vec![]);
    };
    let mut nodes: BTreeMap<String, Node> = store
        .list(node_type, None)
        .map(|(k, n)| {
            let ready = n
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            (
                k.name.clone(),
                Node {
                    name: k.name.clone(),
                    labels: n
                        .pointer("/metadata/labels")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                    taints: n
                        .pointer("/spec/taints")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default(),
                    ready,
                    unschedulable: n.pointer("/spec/unschedulable") == Some(&json!(true)),
                    cpu: allocatable(n, "cpu"),
                    memory: allocatable(n, "memory"),
                    pods: allocatable(n, "pods"),
                    used_cpu: 0.0,
                    used_memory: 0.0,
                    used_pods: 0.0,
                    extended: extended_allocatable(n),
                    used_extended: BTreeMap::new(),
                },
            )
        })
        .collect();
    let mut pending = Vec::new();
    for (_, pod) in store.list(pod_type, None) {
        if pods::is_terminal(pod) || !meta(pod, "deletionTimestamp").is_empty() {
            continue;
        }
        match pod.pointer("/spec/nodeName").and_then(Value::as_str) {
            Some(node) => {
                if let Some(n) = nodes.get_mut(node) {
                    n.used_cpu += pods::total(pod, "requests", "cpu");
                    n.used_memory += pods::total(pod, "requests", "memory");
                    n.used_pods += 1.0;
                    for (r, v) in extended_requests(pod) {
                        *n.used_extended.entry(r).or_default() += v;
                    }
                }
            }
            None => {
                let scheduler = pod
                    .pointer("/spec/schedulerName")
                    .and_then(Value::as_str)
                    .unwrap_or("default-scheduler");
                if scheduler == "default-scheduler" {
                    pending.push(pod.clone());
                }
            }
        }
    }
    pending.sort_by_key(|p| meta(p, "creationTimestamp"));
    (nodes.into_values().collect(), pending)
}

/// Places every pending pod it can; explains the rest.
pub(crate) fn schedule(cluster: &Arc<Cluster>) {
    let (mut nodes, pending) = nodes(cluster);
    let Some(pod_type) = resources::core("pods") else {
        return;
    };
    for mut pod in pending {
        let cpu = pods::total(&pod, "requests", "cpu");
        let memory = pods::total(&pod, "requests", "memory");
        let extended = extended_requests(&pod);
        let mut reasons: HashMap<String, usize> = HashMap::new();
        let mut best: Option<(usize, f64)> = None;
        for (i, n) in nodes.iter().enumerate() {
            let why = if !n.ready {
                Some("node(s) were not ready".to_string())
            } else if n.unschedulable {
                Some("node(s) were unschedulable".to_string())
            } else if let Some(t) = n.taints.iter().find(|t| !tolerates(&pod, t)) {
                Some(format!(
                    "node(s) had untolerated taint {{{}: {}}}",
                    t.get("key").and_then(Value::as_str).unwrap_or_default(),
                    t.get("value").and_then(Value::as_str).unwrap_or_default()
                ))
            } else if !selector_matches(&pod, n) {
                Some("node(s) didn't match Pod's node affinity/selector".to_string())
            } else if n.used_pods + 1.0 > n.pods {
                Some("Too many pods".to_string())
            } else if n.used_cpu + cpu > n.cpu + 1e-9 {
                Some("Insufficient cpu".to_string())
            } else if n.used_memory + memory > n.memory {
                Some("Insufficient memory".to_string())
            } else if let Some((r, _)) = extended.iter().find(|(r, v)| {
                n.used_extended.get(r).copied().unwrap_or(0.0) + v
                    > n.extended.get(r).copied().unwrap_or(0.0) + 1e-9
            }) {
                Some(format!("Insufficient {r}"))
            } else {
                None
            };
            match why {
                Some(w) => *reasons.entry(w).or_default() += 1,
                None => {
                    let free = (n.cpu - n.used_cpu - cpu) / n.cpu.max(1e-9)
                        + (n.memory - n.used_memory - memory) / n.memory.max(1.0);
                    if best.is_none_or(|(_, f)| free > f) {
                        best = Some((i, free));
                    }
                }
            }
        }
        let ns = meta(&pod, "namespace");
        let name = meta(&pod, "name");
        match best {
            Some((i, _)) => {
                let node = &mut nodes[i];
                let binding = json!({
                    "apiVersion": "v1", "kind": "Binding",
                    "metadata": { "name": name, "namespace": ns },
                    "target": { "apiVersion": "v1", "kind": "Node", "name": node.name },
                });
                let bytes = serde_json::to_vec(&binding).unwrap_or_default();
                if cluster.bind(&ns, &name, &bytes).is_ok() {
                    node.used_cpu += cpu;
                    node.used_memory += memory;
                    node.used_pods += 1.0;
                    for (r, v) in &extended {
                        *node.used_extended.entry(r.clone()).or_default() += v;
                    }
                    let msg = format!("Successfully assigned {ns}/{name} to {}", node.name);
                    record_event(
                        cluster,
                        pod_type,
                        &pod,
                        "Normal",
                        "Scheduled",
                        &msg,
                        "default-scheduler",
                    );
                }
            }
            None => {
                let mut parts: Vec<(String, usize)> = reasons.into_iter().collect();
                parts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let detail: Vec<String> = parts.iter().map(|(w, c)| format!("{c} {w}")).collect();
                let message = if nodes.is_empty() {
                    "no nodes available to schedule pods".to_string()
                } else {
                    format!(
                        "0/{} nodes are available: {}.",
                        nodes.len(),
                        detail.join(", ")
                    )
                };
                let current = pod
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .and_then(|cs| cs.iter().find(|c| c["type"] == "PodScheduled"))
                    .and_then(|c| c.get("message"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if current != message {
                    let now = cluster
                        .lock()
                        .now()
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
                    set_condition(
                        &mut pod,
                        "PodScheduled",
                        "False",
                        "Unschedulable",
                        &message,
                        &now,
                    );
                    write_status(cluster, pod_type, &pod);
                    record_event(
                        cluster,
                        pod_type,
                        &pod,
                        "Warning",
                        "FailedScheduling",
                        &message,
                        "default-scheduler",
                    );
                }
            }
        }
    }
}
