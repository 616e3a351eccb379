//! The endpoints controller: for each Service with a selector, an Endpoints
//! object of the same name listing the pods the selector matches that have
//! an IP (ready ones under `addresses`, the others under
//! `notReadyAddresses`) with the Service's ports resolved against the pods'
//! container ports. Endpoints it made are deleted with their Service;
//! Services without a selector keep whatever Endpoints their users write.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use crate::ops::{meta, Cluster, DeleteOptions};
use crate::pods;
use crate::resources;
use crate::store::ObjectKey;

/// The annotation the controller puts on the Endpoints it manages, as
/// Kubernetes' endpoints controller does.
pub const TRIGGER_TIME: &str = "endpoints.kubernetes.io/last-change-trigger-time";

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

fn selects(selector: &Map<String, Value>, pod: &Value) -> bool {
    let labels = pod.pointer("/metadata/labels").and_then(Value::as_object);
    selector
        .iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// The port a Service port reaches on `pod`: a number, or a named
/// container port; `None` when the pod has no port of that name.
fn target_port(service_port: &Value, pod: &Value) -> Option<i64> {
    match service_port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .flat_map(|c| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|p| p.get("containerPort"))
            .and_then(Value::as_i64),
        _ => service_port.get("port").and_then(Value::as_i64),
    }
}

fn address(pod: &Value, ip: &str) -> Value {
    json!({
        "ip": ip,
        "nodeName": pod.pointer("/spec/nodeName").cloned().unwrap_or(Value::Null),
        "targetRef": {
            "kind": "Pod",
            "namespace": meta(pod, "namespace"),
            "name": meta(pod, "name"),
            "uid": meta(pod, "uid"),
        },
    })
}

/// The subsets of a Service's Endpoints: pods grouped by the ports they
/// resolve to, as Kubernetes groups them.
pub(crate) fn subsets(service: &Value, pods: &[&Value]) -> Vec<Value> {
    let ports: Vec<Value> = service
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Resolved ports -> (ready, not ready) addresses.
    let mut groups: BTreeMap<String, (Vec<Value>, Vec<Value>, Vec<Value>)> = BTreeMap::new();
    for pod in pods {
        let Some(ip) = pod.pointer("/status/podIP").and_then(Value::as_str) else {
            continue;
        };
        let resolved: Vec<Value> = ports
            .iter()
            .filter_map(|p| {
                let mut port = json!({
                    "port": target_port(p, pod)?,
                    "protocol": p.get("protocol").and_then(Value::as_str).unwrap_or("TCP"),
                });
                if let Some(name) = p.get("name").and_then(Value::as_str) {
                    port["name"] = json!(name);
                }
                Some(port)
            })
            .collect();
        let key = serde_json::to_string(&resolved).unwrap_or_default();
        let group = groups
            .entry(key)
            .or_insert_with(|| (resolved, vec![], vec![]));
        if is_ready(pod) {
            group.1.push(address(pod, ip));
        } else {
            group.2.push(address(pod, ip));
        }
    }
    groups
        .into_values()
        .map(|(ports, ready, not_ready)| {
            let mut subset = json!({});
            if !ready.is_empty() {
                subset["addresses"] = json!(ready);
            }
            if !not_ready.is_empty() {
                subset["notReadyAddresses"] = json!(not_ready);
            }
            if !ports.is_empty() {
                subset["ports"] = json!(ports);
            }
            subset
        })
        .collect()
}

/// One pass of the endpoints controller.
pub(crate) fn sync(cluster: &Arc<Cluster>) {
    let (Some(svc_type), Some(ep_type), Some(pod_type)) = (
        resources::core("services"),
        resources::core("endpoints"),
        resources::core("pods"),
    ) else {
        return;
    };
    let (wanted, existing, orphans) = {
        let store = cluster.lock();
        let services: Vec<Value> = store
            .list(svc_type, None)
            .map(|(_, s)| s.clone())
            .filter(|s| meta(s, "deletionTimestamp").is_empty())
            .collect();
        let live_pods: Vec<&Value> = store
            .list(pod_type, None)
            .map(|(_, p)| p)
            .filter(|p| !pods::is_terminal(p) && meta(p, "deletionTimestamp").is_empty())
            .collect();
        let mut wanted = Vec::new();
        for s in &services {
            let Some(selector) = s.pointer("/spec/selector").and_then(Value::as_object) else {
                continue;
            };
            if selector.is_empty() {
                continue;
            }
            let ns = meta(s, "namespace");
            let chosen: Vec<&Value> = live_pods
                .iter()
                .copied()
                .filter(|p| meta(p, "namespace") == ns && selects(selector, p))
                .collect();
            wanted.push((s.clone(), subsets(s, &chosen)));
        }
        let existing: BTreeMap<(String, String), Value> = store
            .list(ep_type, None)
            .map(|(k, e): (&ObjectKey, &Value)| ((meta(e, "namespace"), k.name.clone()), e.clone()))
            .collect();
        let orphans: Vec<(String, String)> = existing
            .iter()
            .filter(|(_, e)| {
                e.pointer("/metadata/annotations")
                    .and_then(|a| a.get(TRIGGER_TIME))
                    .is_some()
            })
            .filter(|((ns, name), _)| {
                !services
                    .iter()
                    .any(|s| &meta(s, "namespace") == ns && &meta(s, "name") == name)
            })
            .map(|(k, _)| k.clone())
            .collect();
        (wanted, existing, orphans)
    };
    let now = cluster
        .lock()
        .now()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for (service, subsets) in wanted {
        let (ns, name) = (meta(&service, "namespace"), meta(&service, "name"));
        let labels = service
            .pointer("/metadata/labels")
            .cloned()
            .unwrap_or_else(|| json!({}));
        match existing.get(&(ns.clone(), name.clone())) {
            Some(current)
                if current.get("subsets").cloned().unwrap_or(json!([])) == json!(subsets) => {}
            Some(current) => {
                let mut updated = current.clone();
                updated["subsets"] = json!(subsets);
                updated["metadata"]["annotations"][TRIGGER_TIME] = json!(now);
                let bytes = serde_json::to_vec(&updated).unwrap_or_default();
                if let Err(e) = cluster.update(ep_type, Some(&ns), &name, &bytes, false, false) {
                    tracing::debug!(error = %e.message, name, "endpoints update skipped");
                }
            }
            None => {
                let endpoints = json!({
                    "apiVersion": "v1",
                    "kind": "Endpoints",
                    "metadata": {
                        "name": name,
                        "namespace": ns,
                        "labels": labels,
                        "annotations": { TRIGGER_TIME: now },
                    },
                    "subsets": subsets,
                });
                let bytes = serde_json::to_vec(&endpoints).unwrap_or_default();
                if let Err(e) = cluster.create(ep_type, Some(&ns), &bytes, false) {
                    tracing::debug!(error = %e.message, name, "endpoints create skipped");
                }
            }
        }
    }
    for (ns, name) in orphans {
        let _ = cluster.delete(ep_type, Some(&ns), &name, &DeleteOptions::default());
    }
}
