//! The garbage collector: deletes objects whose owners are all gone
//! (background propagation), finishes foreground deletion (an owner with the
//! `foregroundDeletion` finalizer goes once its dependents are gone) and
//! orphaning (the `orphan` finalizer: dependents lose their owner reference,
//! then the owner goes).

use std::sync::Arc;

use serde_json::Value;

use crate::ops::{meta, Cluster, DeleteOptions};
use crate::resources::{ResourceType, RESOURCES};
use crate::store::ObjectKey;

/// The finalizer of a foreground deletion.
pub const FOREGROUND: &str = "foregroundDeletion";
/// The finalizer of an orphaning deletion.
pub const ORPHAN: &str = "orphan";

fn owners(obj: &Value) -> Vec<&Value> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn has_finalizer(obj: &Value, f: &str) -> bool {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|x| x == f))
}

struct Dependent {
    rt: &'static ResourceType,
    obj: Value,
}

/// One pass of the collector.
pub(crate) fn collect(cluster: &Arc<Cluster>) {
    let mut orphans: Vec<Dependent> = Vec::new();
    let mut dependents: Vec<(String, Dependent)> = Vec::new();
    let mut draining: Vec<(&'static ResourceType, Value)> = Vec::new();
    {
        let store = cluster.lock();
        for rt in RESOURCES.iter().filter(|r| r.computed.is_none()) {
            for (_, obj) in store.list(rt, None) {
                if (has_finalizer(obj, FOREGROUND) || has_finalizer(obj, ORPHAN))
                    && !meta(obj, "deletionTimestamp").is_empty()
                {
                    draining.push((rt, obj.clone()));
                }
                if !owners(obj).is_empty() {
                    let refs = owners(obj);
                    let gone = refs.iter().all(|r| {
                        let uid = r.get("uid").and_then(Value::as_str).unwrap_or_default();
                        !owner_exists(&store, r, obj, uid)
                    });
                    if gone {
                        orphans.push(Dependent {
                            rt,
                            obj: obj.clone(),
                        });
                    } else {
                        for r in refs {
                            let uid = r.get("uid").and_then(Value::as_str).unwrap_or_default();
                            dependents.push((
                                uid.to_string(),
                                Dependent {
                                    rt,
                                    obj: obj.clone(),
                                },
                            ));
                        }
                    }
                }
            }
        }
    }
    for d in orphans {
        delete(cluster, d.rt, &d.obj);
    }
    for (rt, owner) in draining {
        let uid = meta(&owner, "uid");
        let mine: Vec<&Dependent> = dependents
            .iter()
            .filter(|(u, _)| *u == uid)
            .map(|(_, d)| d)
            .collect();
        if has_finalizer(&owner, ORPHAN) {
            for d in &mine {
                let mut obj = d.obj.clone();
                if let Some(refs) = obj
                    .pointer_mut("/metadata/ownerReferences")
                    .and_then(Value::as_array_mut)
                {
                    refs.retain(|r| r.get("uid").and_then(Value::as_str) != Some(uid.as_str()));
                }
                update(cluster, d.rt, &obj);
            }
            remove_finalizer(cluster, rt, &owner, ORPHAN);
        } else {
            // Every dependent is deleted; only those whose reference has
            // blockOwnerDeletion keep the owner waiting.
            let blocking = mine.iter().any(|d| {
                owners(&d.obj).iter().any(|r| {
                    r.get("uid").and_then(Value::as_str) == Some(uid.as_str())
                        && r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true)
                })
            });
            for d in &mine {
                if meta(&d.obj, "deletionTimestamp").is_empty() {
                    delete(cluster, d.rt, &d.obj);
                }
            }
            if !blocking {
                remove_finalizer(cluster, rt, &owner, FOREGROUND);
            }
        }
    }
}

fn owner_exists(store: &crate::store::Store, r: &Value, dependent: &Value, uid: &str) -> bool {
    let s = |f: &str| r.get(f).and_then(Value::as_str).unwrap_or_default();
    let group = s("apiVersion").rsplit_once('/').map_or("", |(g, _)| g);
    let Some(rt) = RESOURCES
        .iter()
        .find(|t| t.kind == s("kind") && t.group == group && t.computed.is_none())
    else {
        // An owner of a kind the simulator does not serve: leave the dependent alone.
        return true;
    };
    let ns = if rt.namespaced {
        Some(meta(dependent, "namespace"))
    } else {
        None
    };
    store
        .get(rt, &ObjectKey::new(ns.as_deref(), s("name")))
        .is_some_and(|o| meta(o, "uid") == uid)
}

fn ns_of(obj: &Value) -> Option<String> {
    Some(meta(obj, "namespace")).filter(|n| !n.is_empty())
}

fn delete(cluster: &Arc<Cluster>, rt: &'static ResourceType, obj: &Value) {
    let ns = ns_of(obj);
    let opts = DeleteOptions {
        uid: Some(meta(obj, "uid")),
        ..Default::default()
    };
    if let Err(e) = cluster.delete(rt, ns.as_deref(), &meta(obj, "name"), &opts) {
        tracing::debug!(error = %e.message, "garbage collection skipped an object");
    }
}

fn update(cluster: &Cluster, rt: &'static ResourceType, obj: &Value) {
    let ns = ns_of(obj);
    if let Ok(bytes) = serde_json::to_vec(obj) {
        let _ = cluster.update(rt, ns.as_deref(), &meta(obj, "name"), &bytes, false, false);
    }
}

fn remove_finalizer(cluster: &Cluster, rt: &'static ResourceType, owner: &Value, f: &str) {
    let mut obj = owner.clone();
    if let Some(list) = obj
        .pointer_mut("/metadata/finalizers")
        .and_then(Value::as_array_mut)
    {
        list.retain(|x| x != f);
    }
    update(cluster, rt, &obj);
}
