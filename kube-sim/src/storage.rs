//! PersistentVolumes and PersistentVolumeClaims: defaults and validation.
//! Binding claims to volumes is the volume controller's work in
//! [`crate::controllers`].

use serde_json::{json, Value};

use crate::hooks::object_at;
use crate::quantity;
use crate::status::Cause;

/// A new volume is `Available` and retained by default.
pub fn pv_create(obj: &mut Value) {
    if let Some(spec) = object_at(obj, "spec") {
        spec.entry("persistentVolumeReclaimPolicy")
            .or_insert_with(|| json!("Retain"));
        spec.entry("volumeMode")
            .or_insert_with(|| json!("Filesystem"));
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("status".into(), json!({ "phase": "Available" }));
    }
}

/// A new claim is `Pending` until the volume controller binds it.
pub fn pvc_create(obj: &mut Value) {
    if let Some(spec) = object_at(obj, "spec") {
        spec.entry("volumeMode")
            .or_insert_with(|| json!("Filesystem"));
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("status".into(), json!({ "phase": "Pending" }));
    }
}

/// Field errors of a claim: access modes and a storage request are required.
pub fn validate_pvc(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let modes = obj
        .pointer("/spec/accessModes")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty());
    match modes {
        None => causes.push(Cause::required(
            "spec.accessModes",
            "at least 1 access mode is required",
        )),
        Some(modes) => {
            for m in modes {
                let m = m.as_str().unwrap_or_default();
                if ![
                    "ReadWriteOnce",
                    "ReadOnlyMany",
                    "ReadWriteMany",
                    "ReadWriteOncePod",
                ]
                .contains(&m)
                {
                    causes.push(Cause {
                        reason: "FieldValueNotSupported",
                        field: "spec.accessModes".into(),
                        message: format!(
                            "Unsupported value: {}: supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\"",
                            crate::status::quote(m)
                        ),
                    });
                }
            }
        }
    }
    match obj
        .pointer("/spec/resources/requests/storage")
        .and_then(Value::as_str)
    {
        None => causes.push(Cause::required("spec.resources[storage]", "")),
        Some(q) if quantity::parse(q).is_none_or(|v| v <= 0.0) => causes.push(Cause::invalid(
            "spec.resources[storage]",
            q,
            "must be greater than zero",
        )),
        Some(_) => {}
    }
    causes
}
