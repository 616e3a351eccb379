//! The verbs (get, list, create, update, update status, delete, delete
//! collection) on the shared cluster state, as the API server's generic
//! registry does them: metadata defaulting, validation, preconditions,
//! resourceVersion checks, namespace lifecycle and quota status. Independent
//! of HTTP; [`crate::api`] maps requests onto these functions.
//!
//! `write.rs` holds create and update, `delete.rs` deletion and the namespace
//! controller; this file the shared state, reads and small helpers.

mod apply;
pub use apply::ManagerScope;
mod delete;
mod patch;
pub(crate) mod strategic;
mod subresources;
mod watch;
pub(crate) mod write;

pub use patch::PatchKind;

/// The single watch event a watch answers when its resourceVersion is too old (410 Expired).
pub fn gone_event(resource_version: u64) -> bytes::Bytes {
    watch::gone(resource_version)
}
pub use watch::WatchOptions;

use std::sync::{Mutex, MutexGuard};

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};

pub use delete::{DeleteOptions, Deleted, IMMORTAL_NAMESPACES, NAMESPACE_FINALIZE_DELAY};

use crate::quota;
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiError;
use crate::store::{ObjectKey, Store};

/// Options of a list request.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// `labelSelector`.
    pub labels: LabelSelector,
    /// `fieldSelector`.
    pub fields: FieldSelector,
    /// `limit` (0 or absent: no limit).
    pub limit: Option<usize>,
    /// `continue` token from a previous page.
    pub continue_token: Option<String>,
}

/// Current time as Kubernetes writes it (`2024-05-01T10:00:00Z`).
pub fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `metadata.<field>` as a string (`""` when absent).
pub(crate) fn meta(obj: &Value, field: &str) -> String {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// `metadata` as a mutable map, created when absent.
pub(crate) fn meta_mut(obj: &mut Value) -> Option<&mut Map<String, Value>> {
    crate::hooks::object_at(obj, "metadata")
}

/// Fills `apiVersion` and `kind` into a stored object (always present, but
/// cheap to guarantee for list items).
pub(crate) fn with_type(rt: &ResourceType, mut obj: Value) -> Value {
    if let Some(map) = obj.as_object_mut() {
        map.insert("apiVersion".into(), json!(rt.api_version()));
        map.insert("kind".into(), json!(rt.kind));
    }
    obj
}

/// Assigns a pod to `node`: `spec.nodeName` and a true `PodScheduled` condition.
pub(crate) fn set_pod_bound(pod: &mut Value, node: &str, now: &str) {
    if let Some(spec) = crate::hooks::object_at(pod, "spec") {
        spec.insert("nodeName".into(), json!(node));
    }
    set_condition(pod, "PodScheduled", "True", "", "", now);
}

/// Sets (or adds) `status.conditions[type]`, keeping its transition time
/// when the status does not change.
pub(crate) fn set_condition(
    obj: &mut Value,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    now: &str,
) {
    let Some(st) = crate::hooks::object_at(obj, "status") else {
        return;
    };
    let list = st.entry("conditions").or_insert_with(|| json!([]));
    if !list.is_array() {
        *list = json!([]);
    }
    let Some(list) = list.as_array_mut() else {
        return;
    };
    let mut cond =
        json!({ "type": kind, "status": status, "lastProbeTime": null, "lastTransitionTime": now });
    if !reason.is_empty() {
        cond["reason"] = json!(reason);
    }
    if !message.is_empty() {
        cond["message"] = json!(message);
    }
    match list.iter_mut().find(|c| c["type"] == kind) {
        Some(existing) => {
            if existing["status"] == status {
                cond["lastTransitionTime"] = existing["lastTransitionTime"].clone();
            }
            *existing = cond;
        }
        None => list.push(cond),
    }
}

/// The shared state of one simulated cluster.
#[derive(Debug, Default)]
pub struct Cluster {
    store: Mutex<Store>,
    /// Faults tests have asked for.
    pub faults: crate::faults::Faults,
    /// Service-account tokens issued (`serviceaccounts/<name>/token`).
    pub tokens: crate::auth::Tokens,
    /// The rows of the resource types its CRDs add.
    pub crd_rows: crate::crd::Rows,
}

impl Cluster {
    /// A cluster with an empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store, locked. Never held across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores an object as-is apart from defaulted metadata; for seeding.
    pub fn seed(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        body: Value,
    ) -> Result<Value, ApiError> {
        let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
        self.create(rt, namespace, &bytes, false)
    }

    /// GET one object.
    pub fn get(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        let store = self.lock();
        let key = ObjectKey::new(namespace.filter(|_| rt.namespaced), name);
        let found = match rt.computed {
            Some(compute) => compute(&store, namespace)
                .into_iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v),
            None => store.get(rt, &key).cloned(),
        };
        found
            .map(|o| with_type(rt, o))
            .ok_or_else(|| ApiError::not_found(rt, name))
    }

    /// LIST objects (`namespace: None`: across namespaces / cluster scoped) as a `<Kind>List`.
    pub fn list(
        &self,
        rt: &ResourceType,
        namespace: Option<&str>,
        opts: &ListOptions,
    ) -> Result<Value, ApiError> {
        let after = match &opts.continue_token {
            Some(t) if !t.is_empty() => Some(decode_continue(t)?),
            _ => None,
        };
        let store = self.lock();
        let computed = rt.computed.map(|compute| compute(&store, namespace));
        let all: Box<dyn Iterator<Item = (&ObjectKey, &Value)>> = match &computed {
            Some(objects) => Box::new(objects.iter().map(|(k, v)| (k, v))),
            None => Box::new(store.list(rt, namespace)),
        };
        let matching: Vec<(&ObjectKey, &Value)> = all
            .filter(|(k, _)| after.as_ref().is_none_or(|a| *k > a))
            .filter(|(_, v)| opts.labels.matches(v) && opts.fields.matches(v))
            .collect();
        let cut = match opts.limit {
            Some(l) if l > 0 && matching.len() > l => l,
            _ => matching.len(),
        };
        let (page, rest) = matching.split_at(cut);
        let items: Vec<Value> = page
            .iter()
            .map(|(_, v)| with_type(rt, (*v).clone()))
            .collect();
        let mut list_meta = Map::new();
        list_meta.insert(
            "resourceVersion".into(),
            json!(store.resource_version().to_string()),
        );
        if let (Some((last, _)), false) = (page.last(), rest.is_empty()) {
            list_meta.insert("continue".into(), json!(encode_continue(last)));
            if opts.labels.0.is_empty() && opts.fields.0.is_empty() {
                list_meta.insert("remainingItemCount".into(), json!(rest.len()));
            }
        }
        Ok(json!({
            "apiVersion": rt.api_version(),
            "kind": rt.list_kind(),
            "metadata": list_meta,
            "items": items,
        }))
    }

    pub(crate) fn after_write(&self, store: &mut Store, rt: &ResourceType, key: &ObjectKey) {
        if rt.namespaced {
            quota::refresh(store, &key.namespace);
        }
    }
}

fn encode_continue(key: &ObjectKey) -> String {
    format!("{}\u{0}{}", key.namespace, key.name)
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_continue(token: &str) -> Result<ObjectKey, ApiError> {
    let bad = || ApiError::bad_request(format!("continue key is not valid: {token}"));
    if !token.len().is_multiple_of(2) {
        return Err(bad());
    }
    let bytes: Result<Vec<u8>, _> = (0..token.len())
        .step_by(2)
        .map(|i| token.get(i..i + 2).map(|h| u8::from_str_radix(h, 16)))
        .map(|r| r.ok_or(()).and_then(|x| x.map_err(|_| ())))
        .collect();
    let s = String::from_utf8(bytes.map_err(|_| bad())?).map_err(|_| bad())?;
    let (ns, name) = s.split_once('\u{0}').ok_or_else(bad)?;
    Ok(ObjectKey {
        namespace: ns.to_string(),
        name: name.to_string(),
    })
}
