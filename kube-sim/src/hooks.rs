//! Type-specific preparation of objects on create and update, referenced from
//! the rows of [`crate::resources::RESOURCES`] (Kubernetes' per-type
//! `PrepareForCreate` / `PrepareForUpdate` strategies).

use serde_json::{json, Map, Value};

/// The label Kubernetes puts on every namespace, equal to its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// No type-specific create preparation.
pub fn no_create(_obj: &mut Value) {}

/// No type-specific validation.
pub fn no_validation(_obj: &Value) -> Vec<crate::status::Cause> {
    Vec::new()
}

/// No type-specific update validation.
pub fn no_update_validation(_old: &Value, _new: &Value) -> Vec<crate::status::Cause> {
    Vec::new()
}

/// No type-specific update preparation.
pub fn no_update(_old: &Value, _new: &mut Value) {}

/// A mutable JSON object at `key` inside `obj`, created (or replaced when not an object) as needed.
pub fn object_at<'a>(obj: &'a mut Value, key: &str) -> Option<&'a mut Map<String, Value>> {
    let map = obj.as_object_mut()?;
    let entry = map.entry(key.to_string()).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    entry.as_object_mut()
}

fn set_name_label(obj: &mut Value) {
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(meta) = object_at(obj, "metadata") {
        let labels = meta.entry("labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(NAMESPACE_NAME_LABEL.to_string(), Value::String(name));
        }
    }
}

/// A new namespace: `spec.finalizers: ["kubernetes"]`, `status.phase: Active`,
/// label `kubernetes.io/metadata.name`.
pub fn namespace_create(obj: &mut Value) {
    set_name_label(obj);
    if let Some(spec) = object_at(obj, "spec") {
        spec.insert("finalizers".into(), json!(["kubernetes"]));
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("status".into(), json!({ "phase": "Active" }));
    }
}

/// An updated namespace keeps its finalizers (changed only through `finalize`)
/// and its name label.
pub fn namespace_update(old: &Value, new: &mut Value) {
    let finalizers = old
        .pointer("/spec/finalizers")
        .cloned()
        .unwrap_or_else(|| json!([]));
    if let Some(spec) = object_at(new, "spec") {
        spec.insert("finalizers".into(), finalizers);
    }
    set_name_label(new);
}

/// A new quota starts with an empty status; [`crate::quota`] fills it in.
pub fn resourcequota_create(obj: &mut Value) {
    if let Some(map) = obj.as_object_mut() {
        map.insert("status".into(), json!({}));
    }
}
