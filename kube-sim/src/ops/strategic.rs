//! Strategic merge patch for the list fields Berth uses: lists of objects
//! with a merge key (containers, env, volumes, ports, ...) merge item by
//! item and honour `$patch: delete`; `finalizers` merges as a set; every
//! other list is replaced, and objects merge as in a merge patch.
//! `$patch: replace` on an object replaces it whole.

use serde_json::{Map, Value};

/// The merge key of a list field, by field name (and, for `ports`, by what
/// the items carry: container ports merge on `containerPort`, service ports
/// on `port`).
pub(crate) fn merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "volumeClaimTemplates" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "ports" => {
            if items.iter().any(|i| i.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Fields whose primitive items merge as a set.
const SET_LISTS: &[&str] = &["finalizers"];

/// Whether the primitive items of the list field merge as a set.
pub(crate) fn merges_as_set(field: &str) -> bool {
    SET_LISTS.contains(&field)
}

fn strip_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

/// Applies a strategic merge patch to `target`.
pub fn apply(target: &mut Value, patch: &Value) {
    let Some(p) = patch.as_object() else {
        *target = patch.clone();
        return;
    };
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_directives(patch);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(t) = target.as_object_mut() else {
        return;
    };
    for (k, v) in p {
        if k.starts_with('$') {
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match (v, t.get_mut(k)) {
            (Value::Array(items), Some(Value::Array(current))) => {
                if let Some(key) = merge_key(k, items).or_else(|| merge_key(k, current)) {
                    merge_list(current, items, key);
                } else if SET_LISTS.contains(&k.as_str()) {
                    for i in items {
                        if !current.contains(i) {
                            current.push(i.clone());
                        }
                    }
                } else {
                    *current = items.iter().map(strip_directives).collect();
                }
            }
            (Value::Object(_), Some(existing)) if existing.is_object() => apply(existing, v),
            _ => {
                t.insert(k.clone(), strip_directives(v));
            }
        }
    }
}

fn merge_list(current: &mut Vec<Value>, items: &[Value], key: &str) {
    for item in items {
        let id = item.get(key);
        let pos = id.and_then(|id| current.iter().position(|c| c.get(key) == Some(id)));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, delete) {
            (Some(i), true) => {
                current.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => apply(&mut current[i], item),
            (None, false) => current.push(strip_directives(item)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_lists_by_key() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "app", "image": "a:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
             "ports": [{"containerPort": 80}]},
            {"name": "side", "image": "s:1"}
        ], "volumes": [{"name": "v1"}]}, "metadata": {"finalizers": ["x"]}});
        apply(
            &mut pod,
            &json!({"spec": {"containers": [
            {"name": "app", "image": "a:2", "env": [{"name": "B", "$patch": "delete"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 443}]},
            {"name": "side", "$patch": "delete"}
        ], "volumes": [{"name": "v2"}]}, "metadata": {"finalizers": ["y", "x"]}}),
        );
        assert_eq!(
            pod,
            json!({"spec": {"containers": [
            {"name": "app", "image": "a:2", "env": [{"name": "A", "value": "1"}, {"name": "C", "value": "3"}],
             "ports": [{"containerPort": 80}, {"containerPort": 443}]}
        ], "volumes": [{"name": "v1"}, {"name": "v2"}]}, "metadata": {"finalizers": ["x", "y"]}})
        );
    }

    #[test]
    fn replaces_plain_lists_and_honours_replace() {
        let mut obj = json!({"spec": {"args": ["a", "b"], "selector": {"a": "1", "b": "2"}}});
        apply(
            &mut obj,
            &json!({"spec": {"args": ["c"], "selector": {"$patch": "replace", "c": "3"}}}),
        );
        assert_eq!(
            obj,
            json!({"spec": {"args": ["c"], "selector": {"c": "3"}}})
        );
    }
}
