//! Deletion: preconditions, finalizers, the namespace lifecycle (Terminating,
//! then the namespace controller's cleanup) and delete-collection.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use super::{meta, meta_mut, now, Cluster, ListOptions};
use crate::resources::{self, DeleteBehavior, ResourceType};
use crate::status::{self, ApiError};
use crate::store::ObjectKey;

/// Namespaces the API server refuses to delete.
pub const IMMORTAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public"];

/// How long a deleted namespace stays Terminating before its contents and
/// then itself are removed.
pub const NAMESPACE_FINALIZE_DELAY: Duration = Duration::from_millis(300);

/// Options of a delete request (the `DeleteOptions` body).
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `preconditions.uid`.
    pub uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub resource_version: Option<String>,
    /// `dryRun: ["All"]`.
    pub dry_run: bool,
    /// `propagationPolicy`: `Background` (default), `Foreground` or `Orphan`.
    pub propagation: Option<String>,
}

impl DeleteOptions {
    /// Reads a `DeleteOptions` JSON body (empty body: defaults).
    pub fn from_body(body: &[u8]) -> Result<Self, ApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?;
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let dry_run = v
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x == "All"));
        let propagation = s("/propagationPolicy").or_else(|| {
            match v.get("orphanDependents").and_then(Value::as_bool) {
                Some(true) => Some("Orphan".to_string()),
                _ => None,
            }
        });
        if let Some(p) = &propagation {
            if !["Background", "Foreground", "Orphan"].contains(&p.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "propagationPolicy: Unsupported value: {p:?}: supported values: \"Foreground\", \"Background\", \"Orphan\""
                )));
            }
        }
        Ok(DeleteOptions {
            uid: s("/preconditions/uid"),
            resource_version: s("/preconditions/resourceVersion"),
            dry_run,
            propagation,
        })
    }
}

/// Result of a delete, as the API server answers it.
#[derive(Debug, Clone, PartialEq)]
pub enum Deleted {
    /// The object: still there carrying `metadata.deletionTimestamp`, or its
    /// last state when the type returns deleted objects (`ReturnDeletedObject`).
    Object(Value),
    /// The object is gone; the `Success` status to answer with.
    Status(Value),
}

impl Cluster {
    /// DELETE one object.
    pub fn delete(
        self: &Arc<Self>,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        opts: &DeleteOptions,
    ) -> Result<Deleted, ApiError> {
        let mut store = self.lock();
        let key = ObjectKey::new(namespace.filter(|_| rt.namespaced), name);
        let Some(mut obj) = store.get(rt, &key).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        check_preconditions(rt, name, &obj, opts)?;
        match rt.delete {
            DeleteBehavior::NamespaceLifecycle => {
                if IMMORTAL_NAMESPACES.contains(&name) {
                    return Err(ApiError::forbidden(
                        rt,
                        name,
                        "this namespace may not be deleted",
                        vec![],
                    ));
                }
                if !meta(&obj, "deletionTimestamp").is_empty() {
                    return Err(ApiError::conflict(
                        rt,
                        name,
                        "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.",
                    ));
                }
                mark_deleted(&mut obj);
                if let Some(map) = obj.as_object_mut() {
                    let status = map.entry("status").or_insert_with(|| json!({}));
                    if let Some(s) = status.as_object_mut() {
                        s.insert("phase".into(), json!("Terminating"));
                    }
                }
                set_namespace_conditions(&mut obj, "", "");
                if opts.dry_run {
                    return Ok(Deleted::Object(obj));
                }
                let stored = store.put(rt, key, obj);
                drop(store);
                self.schedule_namespace_finalize(name.to_string(), meta(&stored, "uid"));
                Ok(Deleted::Object(stored))
            }
            DeleteBehavior::Immediate => {
                let finalizer = match opts.propagation.as_deref() {
                    Some("Foreground") => Some(crate::controllers::FOREGROUND),
                    Some("Orphan") => Some(crate::controllers::ORPHAN),
                    _ => None,
                };
                if let (Some(f), Some(m)) = (finalizer, meta_mut(&mut obj)) {
                    let list = m.entry("finalizers").or_insert_with(|| json!([]));
                    if let Some(list) = list.as_array_mut() {
                        if !list.iter().any(|x| x == f) {
                            list.push(json!(f));
                        }
                    }
                }
                let has_finalizers = obj
                    .pointer("/metadata/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty());
                if has_finalizers {
                    if meta(&obj, "deletionTimestamp").is_empty() {
                        mark_deleted(&mut obj);
                        if !opts.dry_run {
                            obj = store.put(rt, key, obj);
                        }
                    }
                    return Ok(Deleted::Object(obj));
                }
                let uid = meta(&obj, "uid");
                if !opts.dry_run {
                    if rt.group == "apiextensions.k8s.io" {
                        let catalog = self.catalog_in(&store);
                        crate::crd::forget(&mut store, &catalog, &obj);
                    }
                    store.remove(rt, &key);
                    self.after_write(&mut store, rt, &key);
                }
                if rt.returns_deleted_object {
                    Ok(Deleted::Object(obj))
                } else {
                    Ok(Deleted::Status(status::delete_success(rt, name, &uid)))
                }
            }
        }
    }

    /// DELETE a collection: every object matching `list` in `namespace`;
    /// answers the list of deleted objects.
    pub fn delete_collection(
        self: &Arc<Self>,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        list: &ListOptions,
        opts: &DeleteOptions,
    ) -> Result<Value, ApiError> {
        let all = ListOptions {
            limit: None,
            continue_token: None,
            ..list.clone()
        };
        let listed = self.list(rt, namespace, &all)?;
        let mut deleted = Vec::new();
        for item in listed
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let ns = item.pointer("/metadata/namespace").and_then(Value::as_str);
            let name = meta(item, "name");
            match self.delete(
                rt,
                ns,
                &name,
                &DeleteOptions {
                    dry_run: opts.dry_run,
                    ..Default::default()
                },
            ) {
                Ok(Deleted::Object(obj)) => deleted.push(obj),
                Ok(Deleted::Status(_)) => deleted.push(item.clone()),
                Err(e) if e.code == 404 => {}
                Err(e) => return Err(e),
            }
        }
        let rv = self.lock().resource_version();
        Ok(json!({
            "apiVersion": rt.api_version(),
            "kind": rt.list_kind(),
            "metadata": { "resourceVersion": rv.to_string() },
            "items": deleted,
        }))
    }

    fn schedule_namespace_finalize(self: &Arc<Self>, name: String, uid: String) {
        let cluster = Arc::clone(self);
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move {
                    // Content held by finalizers keeps the namespace
                    // Terminating; it is looked at again until it is gone.
                    loop {
                        tokio::time::sleep(NAMESPACE_FINALIZE_DELAY).await;
                        if !cluster.finalize_namespace(&name, &uid) {
                            return;
                        }
                    }
                });
            }
            Err(_) => {
                self.finalize_namespace(&name, &uid);
            }
        }
    }

    /// The namespace controller's work: delete every object in a
    /// Terminating namespace (objects with finalizers are marked and wait
    /// for them), then the namespace itself, if it is still the same one.
    /// Says whether content remains (the namespace stays Terminating, its
    /// conditions saying what is left).
    pub fn finalize_namespace(&self, name: &str, uid: &str) -> bool {
        let Some(ns_type) = resources::core("namespaces") else {
            return false;
        };
        let catalog = self.catalog();
        let mut store = self.lock();
        let ns_key = ObjectKey::new(None, name);
        let same = store
            .get(ns_type, &ns_key)
            .is_some_and(|ns| meta(ns, "uid") == uid && !meta(ns, "deletionTimestamp").is_empty());
        if !same {
            return false;
        }
        let mut remaining: Vec<(String, usize)> = Vec::new();
        let mut finalizers: std::collections::BTreeMap<String, usize> = Default::default();
        for rt in catalog
            .all()
            .filter(|r| r.namespaced && r.computed.is_none())
        {
            let objects: Vec<(ObjectKey, Value)> = store
                .list(rt, Some(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut left = 0;
            for (k, mut obj) in objects {
                let held: Vec<String> = obj
                    .pointer("/metadata/finalizers")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.as_str().map(str::to_string))
                    .collect();
                if held.is_empty() {
                    store.remove(rt, &k);
                    continue;
                }
                left += 1;
                for f in held {
                    *finalizers.entry(f).or_default() += 1;
                }
                if meta(&obj, "deletionTimestamp").is_empty() {
                    mark_deleted(&mut obj);
                    store.put(rt, k, obj);
                }
            }
            if left > 0 {
                remaining.push((format!("{}.{}", rt.plural, rt.group), left));
            }
        }
        if remaining.is_empty() {
            store.remove(ns_type, &ns_key);
            return false;
        }
        let content = format!(
            "Some resources are remaining: {}",
            remaining
                .iter()
                .map(|(r, n)| format!("{r} has {n} resource instances"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let held = format!(
            "Some content in the namespace has finalizers remaining: {}",
            finalizers
                .iter()
                .map(|(f, n)| format!("{f} in {n} resource instances"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(mut ns) = store.get(ns_type, &ns_key).cloned() {
            let before = ns.clone();
            set_namespace_conditions(&mut ns, &content, &held);
            if ns != before {
                store.put(ns_type, ns_key, ns);
            }
        }
        true
    }
}

/// The namespace controller's conditions on a Terminating namespace:
/// discovery and parsing fine, and what content (`content`) and which
/// finalizers (`held`) remain, if any.
fn set_namespace_conditions(ns: &mut Value, content: &str, held: &str) {
    let now = now();
    let cond = |kind: &str, status: bool, reason: &str, message: &str| {
        let mut c = json!({ "type": kind, "status": if status { "True" } else { "False" }, "lastTransitionTime": now, "reason": reason });
        if !message.is_empty() {
            c["message"] = json!(message);
        }
        c
    };
    let conditions = vec![
        cond(
            "NamespaceDeletionDiscoveryFailure",
            false,
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        cond(
            "NamespaceDeletionGroupVersionParsingFailure",
            false,
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        cond(
            "NamespaceDeletionContentFailure",
            false,
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        if content.is_empty() {
            cond(
                "NamespaceContentRemaining",
                false,
                "ContentRemoved",
                "All content successfully removed",
            )
        } else {
            cond(
                "NamespaceContentRemaining",
                true,
                "SomeResourcesRemain",
                content,
            )
        },
        if held.is_empty() {
            cond(
                "NamespaceFinalizersRemaining",
                false,
                "ContentHasNoFinalizers",
                "All content-preserving finalizers finished",
            )
        } else {
            cond(
                "NamespaceFinalizersRemaining",
                true,
                "SomeFinalizersRemain",
                held,
            )
        },
    ];
    // Keep transition times of conditions whose status did not change.
    let old: Vec<Value> = ns
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let merged: Vec<Value> = conditions
        .into_iter()
        .map(|mut c| {
            if let Some(o) = old.iter().find(|o| {
                o["type"] == c["type"] && o["status"] == c["status"] && o["message"] == c["message"]
            }) {
                c["lastTransitionTime"] = o["lastTransitionTime"].clone();
            }
            c
        })
        .collect();
    ns["status"]["conditions"] = Value::Array(merged);
}

fn mark_deleted(obj: &mut Value) {
    if let Some(m) = meta_mut(obj) {
        m.insert("deletionTimestamp".into(), json!(now()));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
    }
}

fn check_preconditions(
    rt: &ResourceType,
    name: &str,
    obj: &Value,
    opts: &DeleteOptions,
) -> Result<(), ApiError> {
    if let Some(uid) = opts.uid.as_deref().filter(|u| !u.is_empty()) {
        let actual = meta(obj, "uid");
        if uid != actual {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {uid}, UID in object meta: {actual}"
                ),
            ));
        }
    }
    if let Some(rv) = opts.resource_version.as_deref().filter(|r| !r.is_empty()) {
        let actual = meta(obj, "resourceVersion");
        if rv != actual {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!("Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {actual}"),
            ));
        }
    }
    Ok(())
}
