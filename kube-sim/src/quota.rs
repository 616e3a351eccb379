//! ResourceQuota: admission of new objects against every quota in their
//! namespace (403 `exceeded quota` / `failed quota` with Kubernetes'
//! messages), and `status` kept current (`status.hard` mirrors `spec.hard`,
//! `status.used` is computed after every write in the namespace, like the
//! quota controller but at once).
//!
//! Usage is known for object counts (`count/<resource>[.<group>]` and the
//! legacy names `pods`, `configmaps`, ...), for pod compute resources
//! (`requests.cpu`/`cpu`, `requests.memory`/`memory`, `limits.cpu`,
//! `limits.memory`, `requests.ephemeral-storage`) of pods that have not
//! finished (and extended resources such as `requests.nvidia.com/gpu`),
//! for claim storage (`requests.storage`, and per StorageClass
//! `<class>.storageclass.storage.k8s.io/requests.storage` and
//! `.../persistentvolumeclaims`), and for `services.loadbalancers` and
//! `services.nodeports`.

use serde_json::{json, Map, Value};

use crate::pods;
use crate::quantity;
use crate::resources::{self, ResourceType};
use crate::status::ApiError;
use crate::store::{ObjectKey, Store};

/// Quota names that count core objects without the `count/` prefix.
const LEGACY_COUNTS: &[&str] = &[
    "pods",
    "services",
    "configmaps",
    "secrets",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
];

fn counted_type(resource: &str) -> Option<&'static ResourceType> {
    if let Some(rest) = resource.strip_prefix("count/") {
        let (plural, group) = rest.split_once('.').unwrap_or((rest, ""));
        return resources::RESOURCES.iter().find(|r| {
            r.plural == plural && r.group == group && r.namespaced && r.computed.is_none()
        });
    }
    if LEGACY_COUNTS.contains(&resource) {
        return resources::core(resource);
    }
    None
}

/// A pod compute resource named by a quota key: (`requests`|`limits`, resource).
fn pod_compute(key: &str) -> Option<(&'static str, &str)> {
    match key {
        "cpu" | "memory" | "ephemeral-storage" => Some(("requests", key)),
        _ => {
            let (kind, r) = key.split_once('.')?;
            let kind = match kind {
                "requests" => "requests",
                "limits" => "limits",
                _ => return None,
            };
            // Extended resources (`requests.nvidia.com/gpu`) are quota'd by
            // their requests only, as Kubernetes has it.
            let extended = kind == "requests" && r.contains('/');
            (["cpu", "memory", "ephemeral-storage"].contains(&r) || extended).then_some((kind, r))
        }
    }
}

/// A per-StorageClass key (`<class>.storageclass.storage.k8s.io/requests.storage`
/// or `.../persistentvolumeclaims`): (class, what it counts).
fn class_claims(key: &str) -> Option<(&str, &str)> {
    let (class, what) = key.split_once(".storageclass.storage.k8s.io/")?;
    ["requests.storage", "persistentvolumeclaims"]
        .contains(&what)
        .then_some((class, what))
}

fn claim_storage(claim: &Value) -> f64 {
    claim
        .pointer("/spec/resources/requests/storage")
        .and_then(Value::as_str)
        .and_then(quantity::parse)
        .unwrap_or(0.0)
}

/// What a Service adds to `services.loadbalancers` and `services.nodeports`.
fn service_charge(service: &Value, key: &str) -> f64 {
    let kind = service
        .pointer("/spec/type")
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    match key {
        "services.loadbalancers" => f64::from(u8::from(kind == "LoadBalancer")),
        "services.nodeports" if matches!(kind, "NodePort" | "LoadBalancer") => service
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map_or(0, |ports| {
                ports.iter().filter(|p| p.get("nodePort").is_some()).count()
            })
            as f64,
        _ => 0.0,
    }
}

/// What one object adds to `key`'s usage (0 when the key does not count it).
fn charge(rt: &ResourceType, obj: &Value, key: &str) -> f64 {
    if rt.group.is_empty() && rt.plural == "services" && key.starts_with("services.") {
        return service_charge(obj, key);
    }
    if rt.group.is_empty() && rt.plural == "persistentvolumeclaims" {
        if let Some((class, what)) = class_claims(key) {
            if obj
                .pointer("/spec/storageClassName")
                .and_then(Value::as_str)
                != Some(class)
            {
                return 0.0;
            }
            return if what == "persistentvolumeclaims" {
                1.0
            } else {
                claim_storage(obj)
            };
        }
    }
    if counted_type(key).is_some_and(|t| t == rt) {
        if rt.plural == "pods" && rt.group.is_empty() && pods::is_terminal(obj) {
            return 0.0;
        }
        return 1.0;
    }
    if rt.group.is_empty() && rt.plural == "pods" {
        if pods::is_terminal(obj) {
            return 0.0;
        }
        if let Some((kind, r)) = pod_compute(key) {
            return pods::total(obj, kind, r);
        }
    }
    if rt.group.is_empty() && rt.plural == "persistentvolumeclaims" && key == "requests.storage" {
        return claim_storage(obj);
    }
    0.0
}

fn types_for(key: &str) -> Vec<&'static ResourceType> {
    if let Some(t) = counted_type(key) {
        return vec![t];
    }
    if pod_compute(key).is_some() {
        return resources::core("pods").into_iter().collect();
    }
    if matches!(key, "services.loadbalancers" | "services.nodeports") {
        return resources::core("services").into_iter().collect();
    }
    if key == "requests.storage" || class_claims(key).is_some() {
        return resources::core("persistentvolumeclaims")
            .into_iter()
            .collect();
    }
    vec![]
}

/// Current usage of `key` in `namespace`, in base units.
pub fn used(store: &Store, namespace: &str, key: &str) -> f64 {
    types_for(key)
        .into_iter()
        .map(|rt| {
            store
                .list(rt, Some(namespace))
                .map(|(_, o)| charge(rt, o, key))
                .sum::<f64>()
        })
        .sum()
}

/// Current usage of `key` in `namespace`, as a quantity string.
pub fn usage(store: &Store, namespace: &str, key: &str) -> String {
    quantity::format(key, used(store, namespace, key))
}

/// The status a quota should have now.
pub fn status_for(store: &Store, namespace: &str, quota: &Value) -> Value {
    let hard = quota
        .pointer("/spec/hard")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let used: Map<String, Value> = hard
        .keys()
        .map(|k| (k.clone(), json!(usage(store, namespace, k))))
        .collect();
    if hard.is_empty() {
        json!({})
    } else {
        json!({ "hard": hard, "used": used })
    }
}

/// Admission of `obj` (new, or replacing `old`) in `namespace`: refused
/// with 403 when a quota there would be exceeded, or tracks a compute
/// resource the pod's containers do not all set.
pub fn admit(
    store: &Store,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    obj: &Value,
    old: Option<&Value>,
) -> Result<(), ApiError> {
    let Some(quota_type) = resources::core("resourcequotas") else {
        return Ok(());
    };
    for (key, quota) in store.list(quota_type, Some(namespace)) {
        let Some(hard) = quota.pointer("/spec/hard").and_then(Value::as_object) else {
            continue;
        };
        let is_pod = rt.group.is_empty() && rt.plural == "pods" && old.is_none();
        if is_pod {
            let missing: Vec<String> = hard
                .keys()
                .filter(|k| {
                    // Only cpu and memory must be set on every container
                    // (kube-apiserver's validationSet); ephemeral storage
                    // and extended resources are counted, never required.
                    pod_compute(k).is_some_and(|(kind, r)| {
                        matches!(r, "cpu" | "memory") && !pods::all_containers_set(obj, kind, r)
                    })
                })
                .map(|k| format!("{k} for: {}", container_names(obj)))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::forbidden(
                    rt,
                    name,
                    &format!(
                        "failed quota: {}: must specify {}",
                        key.name,
                        missing.join("; ")
                    ),
                    vec![],
                ));
            }
        }
        let mut exceeded: Vec<Exceeded> = Vec::new();
        for (k, limit) in hard {
            let delta = charge(rt, obj, k) - old.map_or(0.0, |o| charge(rt, o, k));
            if delta <= 0.0 {
                continue;
            }
            let limit_q = limit.as_str().and_then(quantity::parse).unwrap_or(0.0);
            let now = used(store, namespace, k);
            if now + delta > limit_q + 1e-9 {
                exceeded.push((
                    k.clone(),
                    delta,
                    now,
                    limit.as_str().unwrap_or("0").to_string(),
                ));
            }
        }
        if !exceeded.is_empty() {
            exceeded.sort_by(|a, b| a.0.cmp(&b.0));
            let list = |f: &dyn Fn(&Exceeded) -> String| {
                exceeded.iter().map(f).collect::<Vec<_>>().join(",")
            };
            let requested = list(&|(k, d, _, _)| format!("{k}={}", quantity::format(k, *d)));
            let used_now = list(&|(k, _, u, _)| format!("{k}={}", quantity::format(k, *u)));
            let limited = list(&|(k, _, _, l)| format!("{k}={l}"));
            return Err(ApiError::forbidden(
                rt,
                name,
                &format!(
                    "exceeded quota: {}, requested: {requested}, used: {used_now}, limited: {limited}",
                    key.name
                ),
                vec![],
            ));
        }
    }
    Ok(())
}

/// A quota key that a new object would exceed: (key, requested, used, limit).
type Exceeded = (String, f64, f64, String);

fn container_names(pod: &Value) -> String {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(",")
}

/// Recomputes the status of every quota in `namespace`, storing (with a new
/// resourceVersion) those whose status changed.
pub fn refresh(store: &mut Store, namespace: &str) {
    let Some(rt) = resources::core("resourcequotas") else {
        return;
    };
    let quotas: Vec<(ObjectKey, Value)> = store
        .list(rt, Some(namespace))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (key, mut quota) in quotas {
        let status = status_for(store, namespace, &quota);
        if quota.get("status") != Some(&status) {
            if let Some(map) = quota.as_object_mut() {
                map.insert("status".into(), status);
            }
            store.put(rt, key, quota);
        }
    }
}
