//! ResourceQuota status: `status.hard` mirrors `spec.hard`, `status.used` is
//! computed from the objects in the quota's namespace. Runs after every write
//! in a namespace (like Kubernetes' quota controller, but at once).
//!
//! Usage is known for object counts (`count/<resource>[.<group>]` and the
//! legacy names `pods`, `configmaps`, `resourcequotas`, ...) of the resource
//! types the simulator serves; everything else (e.g. `requests.cpu`, until
//! pods exist) is `0`. [`usage`] is the hook to extend.

use serde_json::{json, Map, Value};

use crate::resources::{self, ResourceType};
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
        return resources::RESOURCES
            .iter()
            .find(|r| r.plural == plural && r.group == group && r.namespaced);
    }
    if LEGACY_COUNTS.contains(&resource) {
        return resources::core(resource);
    }
    None
}

/// Current usage of `resource` (a quota key such as `count/resourcequotas`)
/// in `namespace`, as a quantity string. Unknown resources are `"0"`.
pub fn usage(store: &Store, namespace: &str, resource: &str) -> String {
    match counted_type(resource) {
        Some(rt) => store.count(rt, Some(namespace)).to_string(),
        None => "0".to_string(),
    }
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
