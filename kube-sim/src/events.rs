//! `events.k8s.io/v1`: the same Events as `v1`, in the newer shape, as
//! kube-apiserver serves both views of one store: `regarding` for
//! `involvedObject`, `note` for `message`, `reportingController` for
//! `reportingComponent`, and the old counters as `deprecated*` fields.
//! Reading converts the stored core Events; creating and deleting act on them.

use serde_json::{json, Map, Value};

use crate::resources;
use crate::store::{ObjectKey, Store};

/// (core field, events.k8s.io field) pairs that only change their name.
const RENAMED: &[(&str, &str)] = &[
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("reportingComponent", "reportingController"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
];

const SAME: &[&str] = &[
    "metadata",
    "eventTime",
    "series",
    "reportingInstance",
    "action",
    "reason",
    "related",
    "type",
];

fn convert(v: &Value, to_new: bool, api_version: &str) -> Value {
    let mut out = Map::new();
    out.insert("apiVersion".into(), json!(api_version));
    out.insert("kind".into(), json!("Event"));
    for k in SAME {
        if let Some(x) = v.get(*k).filter(|x| !x.is_null()) {
            out.insert((*k).to_string(), x.clone());
        }
    }
    for (core, new) in RENAMED {
        let (from, to) = if to_new { (core, new) } else { (new, core) };
        if let Some(x) = v.get(*from).filter(|x| !x.is_null()) {
            out.insert((*to).to_string(), x.clone());
        }
    }
    if let Some(series) = out.get_mut("series").and_then(Value::as_object_mut) {
        // core's series has a deprecated `state`; the new one does not.
        if to_new {
            series.remove("state");
        }
    }
    Value::Object(out)
}

/// A stored core Event in the `events.k8s.io/v1` shape.
pub fn from_core(v: &Value) -> Value {
    convert(v, true, "events.k8s.io/v1")
}

/// An `events.k8s.io/v1` Event as the core Event it is stored as.
pub fn to_core(v: &Value) -> Value {
    convert(v, false, "v1")
}

/// Every Event of `namespace` (`None`: all) in the new shape.
pub fn view(store: &Store, namespace: Option<&str>) -> Vec<(ObjectKey, Value)> {
    let Some(core) = resources::core("events") else {
        return Vec::new();
    };
    store
        .list(core, namespace)
        .map(|(k, v)| (k.clone(), from_core(v)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_shapes_name_the_same_fields() {
        let core = json!({
            "apiVersion": "v1", "kind": "Event",
            "metadata": { "name": "e", "namespace": "shop" },
            "involvedObject": { "kind": "Pod", "name": "web" },
            "reason": "Started", "message": "Started container web", "type": "Normal",
            "source": { "component": "kubelet" }, "count": 2,
            "reportingComponent": "kubelet",
        });
        let new = from_core(&core);
        assert_eq!(new["regarding"]["name"], "web");
        assert_eq!(new["note"], "Started container web");
        assert_eq!(new["deprecatedCount"], 2);
        assert_eq!(new["reportingController"], "kubelet");
        assert_eq!(to_core(&new), core);
    }
}
