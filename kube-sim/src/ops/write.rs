//! Create and update (PUT of an object or its `status`): body parsing,
//! metadata defaulting and carry-over, validation, resourceVersion and uid
//! preconditions, namespace admission.

use serde_json::{json, Value};

use super::{meta, meta_mut, now, Cluster};
use crate::quota;
use crate::resources::{self, DeleteBehavior, ResourceType};
use crate::status::{ApiError, Cause};
use crate::store::{ObjectKey, Store};
use crate::validation;

/// Five random characters as Kubernetes appends to `generateName`.
pub(crate) fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .take(5)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn parse_body(rt: &ResourceType, body: &[u8]) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: {e}",
            rt.kind
        ))
    })?;
    if !v.is_object() {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: expected an object",
            rt.kind
        )));
    }
    let api_version = v
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
    if !api_version.is_empty() && api_version != rt.api_version() {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            rt.api_version()
        )));
    }
    if !kind.is_empty() && kind != rt.kind {
        return Err(ApiError::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): {kind} in version {:?} cannot be handled as a {}",
            rt.kind,
            rt.version,
            rt.kind
        )));
    }
    if let Some(m) = v.get("metadata") {
        if !m.is_object() && !m.is_null() {
            return Err(ApiError::bad_request("metadata must be an object"));
        }
    }
    if rt.group.is_empty() && rt.plural == "secrets" {
        crate::configs::decode_errors(&v)?;
    }
    let mut v = v;
    if let Some(map) = v.as_object_mut() {
        map.insert("apiVersion".into(), json!(rt.api_version()));
        map.insert("kind".into(), json!(rt.kind));
    }
    Ok(v)
}

impl Cluster {
    /// POST: create an object in `namespace` (required for namespaced types).
    pub fn create(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        body: &[u8],
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        self.create_managed(rt, namespace, body, dry_run, None)
    }

    /// [`Cluster::create`] recording `managed` as the object's `managedFields` (server-side apply).
    pub(crate) fn create_managed(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        body: &[u8],
        dry_run: bool,
        managed: Option<Value>,
    ) -> Result<Value, ApiError> {
        let mut obj = parse_body(rt, body)?;
        let mut store = self.lock();
        // Namespace from the URL; a different one in the body is refused.
        if rt.namespaced {
            let url_ns = namespace.unwrap_or_default();
            let body_ns = meta(&obj, "namespace");
            if !body_ns.is_empty() && body_ns != url_ns {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
        let Some(m) = meta_mut(&mut obj) else {
            return Err(ApiError::bad_request("metadata must be an object"));
        };
        if rt.namespaced {
            m.insert("namespace".into(), json!(namespace.unwrap_or_default()));
        } else {
            m.remove("namespace");
        }
        let name = m
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let generate = m
            .get("generateName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.is_empty() && !generate.is_empty() {
            let prefix: String = generate.chars().take(58).collect();
            m.insert("name".into(), json!(format!("{prefix}{}", random_suffix())));
        }
        let rv = m
            .get("resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !rv.is_empty() {
            return Err(ApiError::internal(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        let causes = validation::metadata_causes(&obj, rt.name_rule);
        let name = meta(&obj, "name");
        if !causes.is_empty() {
            return Err(ApiError::invalid(rt, &name, causes));
        }
        if rt.namespaced {
            check_namespace_open(&store, rt, namespace.unwrap_or_default(), &name)?;
        }
        let key = ObjectKey::new(namespace.filter(|_| rt.namespaced), &name);
        if store.get(rt, &key).is_some() {
            return Err(ApiError::already_exists(rt, &name));
        }
        if let Some(m) = meta_mut(&mut obj) {
            m.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
            m.insert("creationTimestamp".into(), json!(now()));
            for field in [
                "deletionTimestamp",
                "deletionGracePeriodSeconds",
                "selfLink",
                "managedFields",
            ] {
                m.remove(field);
            }
            if let Some(mf) = &managed {
                m.insert("managedFields".into(), mf.clone());
            }
            if rt.sets_generation {
                m.insert("generation".into(), json!(1));
            } else {
                m.remove("generation");
            }
        }
        (rt.prepare_create)(&mut obj);
        if rt.group.is_empty() && rt.plural == "pods" {
            crate::accounts::admit_pod(&store, rt, &key.namespace, &name, &mut obj)?;
            crate::limits::admit_pod(&store, rt, &key.namespace, &name, &mut obj)?;
            let qos = crate::pods::qos_class(&obj);
            obj["status"]["qosClass"] = json!(qos);
        }
        let causes = (rt.validate)(&obj);
        if !causes.is_empty() {
            return Err(ApiError::invalid(rt, &name, causes));
        }
        if rt.namespaced {
            quota::admit(&store, rt, &key.namespace, &name, &obj, None)?;
        }
        if managed.is_none() {
            super::apply::record_update(None, &mut obj, &rt.api_version());
        }
        if dry_run {
            return Ok(obj);
        }
        store.put(rt, key.clone(), obj);
        if rt.group.is_empty() && rt.plural == "namespaces" {
            crate::accounts::fill_namespace(&mut store, &name);
            quota::refresh(&mut store, &name);
        }
        self.after_write(&mut store, rt, &key);
        store
            .get(rt, &key)
            .cloned()
            .ok_or_else(|| ApiError::internal("object vanished after create"))
    }

    /// PUT: replace an object. `status_only` is the `status` subresource.
    pub fn update(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        body: &[u8],
        status_only: bool,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        self.update_managed(rt, namespace, name, body, status_only, dry_run, None)
    }

    /// [`Cluster::update`] recording `managed` as the object's `managedFields` (server-side apply).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn update_managed(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        body: &[u8],
        status_only: bool,
        dry_run: bool,
        managed: Option<Value>,
    ) -> Result<Value, ApiError> {
        let mut new = parse_body(rt, body)?;
        let body_name = meta(&new, "name");
        if body_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({name})"
            )));
        }
        if rt.namespaced {
            let body_ns = meta(&new, "namespace");
            if !body_ns.is_empty() && Some(body_ns.as_str()) != namespace {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
        }
        let mut store = self.lock();
        let key = ObjectKey::new(namespace.filter(|_| rt.namespaced), name);
        let Some(old) = store.get(rt, &key).cloned() else {
            return Err(ApiError::not_found(rt, name));
        };
        let body_rv = meta(&new, "resourceVersion");
        if !body_rv.is_empty() && body_rv != meta(&old, "resourceVersion") {
            return Err(ApiError::stale(rt, name));
        }
        let body_uid = meta(&new, "uid");
        if !body_uid.is_empty() && body_uid != meta(&old, "uid") {
            return Err(ApiError::conflict(
                rt,
                name,
                &format!(
                    "Precondition failed: UID in precondition: {body_uid}, UID in object meta: {}",
                    meta(&old, "uid")
                ),
            ));
        }
        if status_only {
            // Only the status changes; everything else stays as stored.
            let status = new.get("status").cloned().unwrap_or_else(|| json!({}));
            new = old.clone();
            if let Some(map) = new.as_object_mut() {
                map.insert("status".into(), status);
            }
        } else {
            carry_over_metadata(rt, &old, &mut new, namespace);
            if let (Some(mf), Some(m)) = (&managed, meta_mut(&mut new)) {
                m.insert("managedFields".into(), mf.clone());
            }
            if rt.status_subresource {
                if let Some(map) = new.as_object_mut() {
                    match old.get("status") {
                        Some(s) => map.insert("status".into(), s.clone()),
                        None => map.remove("status"),
                    };
                }
            }
            (rt.prepare_update)(&old, &mut new);
            if managed.is_none() {
                super::apply::record_update(Some(&old), &mut new, &rt.api_version());
            }
            let mut causes = validation::metadata_causes(&new, rt.name_rule);
            causes.extend((rt.validate)(&new));
            causes.extend((rt.validate_update)(&old, &new));
            causes.extend(new_finalizers_while_deleting(&old, &new));
            if !causes.is_empty() {
                return Err(ApiError::invalid(rt, name, causes));
            }
            if rt.namespaced {
                quota::admit(&store, rt, &key.namespace, name, &new, Some(&old))?;
            }
        }
        if let Some(m) = meta_mut(&mut new) {
            m.insert(
                "resourceVersion".into(),
                json!(meta(&old, "resourceVersion")),
            );
        }
        if new == old || dry_run {
            return Ok(new);
        }
        let being_deleted = !meta(&old, "deletionTimestamp").is_empty();
        let no_finalizers = new
            .pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty);
        if being_deleted && no_finalizers && rt.delete == DeleteBehavior::Immediate {
            // The last finalizer is gone: the object goes away now.
            let gone = store.remove(rt, &key);
            self.after_write(&mut store, rt, &key);
            return gone.ok_or_else(|| ApiError::not_found(rt, name));
        }
        let stored = store.put(rt, key.clone(), new);
        self.after_write(&mut store, rt, &key);
        Ok(store.get(rt, &key).cloned().unwrap_or(stored))
    }
}

/// Keeps what an update may not change: uid, creation and deletion stamps,
/// name and namespace; bumps `generation` when the spec changed.
fn carry_over_metadata(rt: &ResourceType, old: &Value, new: &mut Value, namespace: Option<&str>) {
    let spec_changed = old.get("spec") != new.get("spec");
    let Some(m) = meta_mut(new) else {
        return;
    };
    for field in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
        match old.get("metadata").and_then(|om| om.get(field)) {
            Some(v) => m.insert(field.into(), v.clone()),
            None => m.remove(field),
        };
    }
    m.remove("selfLink");
    m.remove("managedFields");
    if let Some(mf) = old.pointer("/metadata/managedFields") {
        m.insert("managedFields".into(), mf.clone());
    }
    if rt.namespaced {
        m.insert("namespace".into(), json!(namespace.unwrap_or_default()));
    } else {
        m.remove("namespace");
    }
    if rt.sets_generation && spec_changed {
        let g = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        m.insert("generation".into(), json!(g + 1));
    }
}

/// Creating in a namespace needs the namespace to exist and not be Terminating.
/// kube-apiserver's refusal of finalizers added to an object being deleted.
fn new_finalizers_while_deleting(old: &Value, new: &Value) -> Vec<Cause> {
    if meta(old, "deletionTimestamp").is_empty() {
        return Vec::new();
    }
    let list = |v: &Value| -> Vec<String> {
        v.pointer("/metadata/finalizers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect()
    };
    let before = list(old);
    let added: Vec<String> = list(new)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    if added.is_empty() {
        return Vec::new();
    }
    let quoted: Vec<String> = added.iter().map(|f| crate::status::quote(f)).collect();
    vec![Cause::forbidden(
        "metadata.finalizers",
        &format!("no new finalizers can be added if the object is being deleted, found new finalizers []string{{{}}}", quoted.join(", ")),
    )]
}

fn check_namespace_open(
    store: &Store,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
) -> Result<(), ApiError> {
    let Some(ns_type) = resources::core("namespaces") else {
        return Ok(());
    };
    match store.get(ns_type, &ObjectKey::new(None, namespace)) {
        None => Err(ApiError::not_found(ns_type, namespace)),
        Some(ns) if !meta(ns, "deletionTimestamp").is_empty() => Err(ApiError::forbidden(
            rt,
            name,
            &format!("unable to create new content in namespace {namespace} because it is being terminated"),
            vec![Cause {
                reason: "NamespaceTerminating",
                field: "metadata.namespace".into(),
                message: format!("namespace {namespace} is being terminated"),
            }],
        )),
        Some(_) => Ok(()),
    }
}
