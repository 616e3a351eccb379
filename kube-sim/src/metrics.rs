//! The metrics API (`metrics.k8s.io/v1beta1` NodeMetrics and PodMetrics),
//! computed on each request from the running pods: a pod uses about half of
//! its CPU request and 60% of its memory request (a little less or more as
//! time passes), or exactly what its `sim.berth.io/cpu-usage` annotation says.

use serde_json::{json, Value};

use crate::pods;
use crate::quantity;
use crate::resources;
use crate::store::{ObjectKey, Store};

/// CPU (cores) and memory (bytes) the system daemons of a node use.
const NODE_OVERHEAD: (f64, f64) = (0.1, 512.0 * 1_048_576.0);

fn wobble(uid: &str, seconds: f64) -> f64 {
    let phase = uid.bytes().map(f64::from).sum::<f64>();
    1.0 + 0.1 * ((seconds / 30.0) + phase).sin()
}

/// (cpu cores, memory bytes) a running pod uses now; per container.
pub fn container_usage(pod: &Value, seconds: f64) -> Vec<(String, f64, f64)> {
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let fixed = pod
        .pointer(&format!(
            "/metadata/annotations/{}",
            pods::CPU_USAGE.replace('/', "~1")
        ))
        .and_then(Value::as_str)
        .and_then(quantity::parse);
    let containers: Vec<&Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    let n = containers.len().max(1) as f64;
    containers
        .iter()
        .map(|c| {
            let req = |r: &str| {
                c.pointer(&format!("/resources/requests/{r}"))
                    .or_else(|| c.pointer(&format!("/resources/limits/{r}")))
                    .and_then(Value::as_str)
                    .and_then(quantity::parse)
            };
            let w = wobble(uid, seconds);
            let cpu = match fixed {
                Some(total) => total / n,
                None => req("cpu").map_or(0.002, |r| r * 0.5) * w,
            };
            let mem = req("memory").map_or(16.0 * 1_048_576.0, |r| r * 0.6) * w;
            let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
            (name.to_string(), cpu, mem.round())
        })
        .collect()
}

fn running(pod: &Value) -> bool {
    pod.pointer("/status/phase").and_then(Value::as_str) == Some("Running")
}

fn usage_json(cpu: f64, mem: f64) -> Value {
    json!({
        "cpu": format!("{}n", (cpu * 1e9).round() as i64),
        "memory": format!("{}Ki", (mem / 1024.0).round() as i64),
    })
}

/// PodMetrics of the running pods in `namespace` (all with `None`).
pub fn pod_metrics(store: &Store, namespace: Option<&str>) -> Vec<(ObjectKey, Value)> {
    let Some(rt) = resources::core("pods") else {
        return vec![];
    };
    let now = store.now();
    let seconds = now.timestamp() as f64;
    let stamp = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    store
        .list(rt, namespace)
        .filter(|(_, p)| running(p))
        .map(|(k, p)| {
            let containers: Vec<Value> = container_usage(p, seconds)
                .into_iter()
                .map(|(name, cpu, mem)| json!({ "name": name, "usage": usage_json(cpu, mem) }))
                .collect();
            let labels = p.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
            (
                k.clone(),
                json!({
                    "apiVersion": "metrics.k8s.io/v1beta1",
                    "kind": "PodMetrics",
                    "metadata": {
                        "name": k.name, "namespace": k.namespace,
                        "labels": labels, "creationTimestamp": stamp,
                    },
                    "timestamp": stamp,
                    "window": "30s",
                    "containers": containers,
                }),
            )
        })
        .collect()
}

/// Total (cpu, memory) the running pods on each node use, plus the node's own overhead.
pub fn node_usage(store: &Store, node: &str) -> (f64, f64) {
    let seconds = store.now().timestamp() as f64;
    let Some(rt) = resources::core("pods") else {
        return NODE_OVERHEAD;
    };
    store
        .list(rt, None)
        .filter(|(_, p)| {
            running(p) && p.pointer("/spec/nodeName").and_then(Value::as_str) == Some(node)
        })
        .flat_map(|(_, p)| container_usage(p, seconds))
        .fold(NODE_OVERHEAD, |(c, m), (_, cpu, mem)| (c + cpu, m + mem))
}

/// NodeMetrics of every node.
pub fn node_metrics(store: &Store, _namespace: Option<&str>) -> Vec<(ObjectKey, Value)> {
    let Some(rt) = resources::core("nodes") else {
        return vec![];
    };
    let stamp = store
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    store
        .list(rt, None)
        .map(|(k, n)| {
            let (cpu, mem) = node_usage(store, &k.name);
            let labels = n.pointer("/metadata/labels").cloned().unwrap_or(json!({}));
            (
                k.clone(),
                json!({
                    "apiVersion": "metrics.k8s.io/v1beta1",
                    "kind": "NodeMetrics",
                    "metadata": { "name": k.name, "labels": labels, "creationTimestamp": stamp },
                    "timestamp": stamp,
                    "window": "20s",
                    "usage": usage_json(cpu, mem),
                }),
            )
        })
        .collect()
}
