//! The volume controller: binds each Pending claim to a new volume
//! provisioned from its StorageClass (or the default class), as long as the
//! class has capacity left (`sim.berth.io/capacity` in its parameters;
//! unlimited without), else to a matching Available volume; a claim that
//! cannot be satisfied stays Pending with a `ProvisioningFailed` event.
//! Volumes whose claim is gone are deleted (`Delete`) or Released (`Retain`).

use std::sync::Arc;

use chrono::SecondsFormat;
use serde_json::{json, Value};

use super::{record_event, row, write_status, State};
use crate::ops::{meta, Cluster, DeleteOptions};
use crate::quantity;
use crate::resources;
use crate::store::ObjectKey;

/// The StorageClass parameter limiting what the class may provision in all.
pub const CAPACITY: &str = "sim.berth.io/capacity";
/// The annotation marking the default StorageClass.
pub const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";

fn storage(obj: &Value, pointer: &str) -> f64 {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(quantity::parse)
        .unwrap_or(0.0)
}

fn modes(obj: &Value, pointer: &str) -> Vec<String> {
    obj.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// A claim that cannot be satisfied now: a warning event, and a pause before the next try.
fn provisioning_failed(cluster: &Cluster, claim: &Value, message: &str, state: &mut State) {
    if let Some(pvc_type) = resources::core("persistentvolumeclaims") {
        record_event(
            cluster,
            pvc_type,
            claim,
            "Warning",
            "ProvisioningFailed",
            message,
            "persistentvolume-controller",
        );
    }
    state.note(&meta(claim, "uid"), true);
}

/// One pass of the volume controller.
pub(crate) fn sync(cluster: &Arc<Cluster>, state: &mut State) {
    let (Some(pvc_type), Some(pv_type), Some(sc_type)) = (
        resources::core("persistentvolumeclaims"),
        resources::core("persistentvolumes"),
        row("storage.k8s.io", "storageclasses"),
    ) else {
        return;
    };
    let (pending, volumes, classes, claims_alive, now) = {
        let store = cluster.lock();
        let pending: Vec<Value> = store
            .list(pvc_type, None)
            .filter(|(_, c)| {
                c.pointer("/status/phase").and_then(Value::as_str) == Some("Pending")
                    && meta(c, "deletionTimestamp").is_empty()
            })
            .map(|(_, c)| c.clone())
            .collect();
        let volumes: Vec<Value> = store.list(pv_type, None).map(|(_, v)| v.clone()).collect();
        let classes: Vec<Value> = store.list(sc_type, None).map(|(_, v)| v.clone()).collect();
        let alive: Vec<(String, String, String)> = volumes
            .iter()
            .filter_map(|v| {
                let ns = v.pointer("/spec/claimRef/namespace")?.as_str()?;
                let name = v.pointer("/spec/claimRef/name")?.as_str()?;
                let uid = v
                    .pointer("/spec/claimRef/uid")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let exists = store
                    .get(pvc_type, &ObjectKey::new(Some(ns), name))
                    .is_some_and(|c| uid.is_empty() || meta(c, "uid") == uid);
                exists.then(|| (meta(v, "name"), ns.to_string(), name.to_string()))
            })
            .collect();
        (pending, volumes, classes, alive, store.now())
    };
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    // Volumes whose claim is gone.
    for v in &volumes {
        if v.pointer("/spec/claimRef").is_none()
            || claims_alive.iter().any(|(n, _, _)| *n == meta(v, "name"))
        {
            continue;
        }
        let policy = v
            .pointer("/spec/persistentVolumeReclaimPolicy")
            .and_then(Value::as_str)
            .unwrap_or("Retain");
        if policy == "Delete" {
            let _ = cluster.delete(pv_type, None, &meta(v, "name"), &DeleteOptions::default());
        } else if v.pointer("/status/phase").and_then(Value::as_str) != Some("Released") {
            let mut released = v.clone();
            released["status"]["phase"] = json!("Released");
            write_status(cluster, pv_type, &released);
        }
    }
    let default_class = classes
        .iter()
        .find(|c| {
            c.pointer(&format!(
                "/metadata/annotations/{}",
                DEFAULT_CLASS.replace('/', "~1")
            ))
            .and_then(Value::as_str)
                == Some("true")
        })
        .map(|c| meta(c, "name"));
    for claim in pending {
        let uid = meta(&claim, "uid");
        if state.backing_off(&uid) {
            continue;
        }
        let ns = meta(&claim, "namespace");
        let name = meta(&claim, "name");
        let want = storage(&claim, "/spec/resources/requests/storage");
        let class_name = claim
            .pointer("/spec/storageClassName")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| default_class.clone())
            .unwrap_or_default();
        let access = modes(&claim, "/spec/accessModes");
        // A matching Available volume first (static provisioning).
        let existing = volumes.iter().find(|v| {
            v.pointer("/status/phase").and_then(Value::as_str) == Some("Available")
                && v.pointer("/spec/claimRef").is_none()
                && v.pointer("/spec/storageClassName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    == class_name
                && storage(v, "/spec/capacity/storage") >= want
                && access
                    .iter()
                    .all(|m| modes(v, "/spec/accessModes").contains(m))
        });
        let class = classes.iter().find(|c| meta(c, "name") == class_name);
        let mut volume = match (existing, class) {
            (Some(v), _) => v.clone(),
            (None, Some(class)) => {
                let used: f64 = volumes
                    .iter()
                    .filter(|v| {
                        v.pointer("/spec/storageClassName").and_then(Value::as_str)
                            == Some(class_name.as_str())
                    })
                    .map(|v| storage(v, "/spec/capacity/storage"))
                    .sum();
                let limit = class
                    .pointer(&format!("/parameters/{}", CAPACITY.replace('/', "~1")))
                    .and_then(Value::as_str)
                    .and_then(quantity::parse);
                if limit.is_some_and(|l| used + want > l) {
                    let msg = format!(
                        "failed to provision volume with StorageClass {class_name:?}: insufficient capacity: {} requested, {} of {} left",
                        quantity::format("storage", want),
                        quantity::format("storage", (limit.unwrap_or(0.0) - used).max(0.0)),
                        quantity::format("storage", limit.unwrap_or(0.0))
                    );
                    provisioning_failed(cluster, &claim, &msg, state);
                    continue;
                }
                let pv = json!({
                    "apiVersion": "v1", "kind": "PersistentVolume",
                    "metadata": {"name": format!("pvc-{uid}"), "annotations": {"pv.kubernetes.io/provisioned-by": class.get("provisioner").cloned().unwrap_or(json!(""))}},
                    "spec": {
                        "capacity": {"storage": claim.pointer("/spec/resources/requests/storage").cloned().unwrap_or(json!("0"))},
                        "accessModes": access,
                        "storageClassName": class_name,
                        "persistentVolumeReclaimPolicy": class.get("reclaimPolicy").cloned().unwrap_or(json!("Delete")),
                        "volumeMode": claim.pointer("/spec/volumeMode").cloned().unwrap_or(json!("Filesystem")),
                        "hostPath": {"path": format!("/var/lib/berth-sim/{uid}")},
                    },
                });
                match cluster.create(
                    pv_type,
                    None,
                    &serde_json::to_vec(&pv).unwrap_or_default(),
                    false,
                ) {
                    Ok(created) => {
                        record_event(
                            cluster,
                            pvc_type,
                            &claim,
                            "Normal",
                            "ProvisioningSucceeded",
                            &format!("Successfully provisioned volume pvc-{uid}"),
                            "persistentvolume-controller",
                        );
                        created
                    }
                    Err(_) => continue,
                }
            }
            (None, None) => {
                let msg = if class_name.is_empty() {
                    "no persistent volumes available for this claim and no storage class is set"
                        .to_string()
                } else {
                    format!("storageclass.storage.k8s.io {class_name:?} not found")
                };
                provisioning_failed(cluster, &claim, &msg, state);
                continue;
            }
        };
        state.note(&uid, false);
        volume["spec"]["claimRef"] = json!({"kind": "PersistentVolumeClaim", "namespace": ns, "name": name, "uid": uid, "apiVersion": "v1"});
        let pv_name = meta(&volume, "name");
        if let Ok(bytes) = serde_json::to_vec(&volume) {
            if let Ok(updated) = cluster.update(pv_type, None, &pv_name, &bytes, false, false) {
                let mut bound = updated;
                bound["status"]["phase"] = json!("Bound");
                write_status(cluster, pv_type, &bound);
            }
        }
        let mut c = claim.clone();
        c["spec"]["volumeName"] = json!(pv_name);
        c["spec"]["storageClassName"] = json!(class_name);
        if let Ok(bytes) = serde_json::to_vec(&c) {
            if let Ok(updated) = cluster.update(pvc_type, Some(&ns), &name, &bytes, false, false) {
                let mut bound = updated;
                bound["status"] = json!({
                    "phase": "Bound",
                    "accessModes": volume.pointer("/spec/accessModes").cloned().unwrap_or(json!([])),
                    "capacity": volume.pointer("/spec/capacity").cloned().unwrap_or(json!({})),
                });
                let _ = &stamp;
                write_status(cluster, pvc_type, &bound);
            }
        }
    }
}
