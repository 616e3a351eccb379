//! Server-side apply (`PATCH` with `application/apply-patch+yaml` and a
//! `fieldManager`): each manager owns the fields of the configuration it
//! last applied, recorded in `metadata.managedFields` as FieldsV1. Applying
//! a value another manager owns (and set differently) is a 409 conflict
//! naming the field and the manager, unless `force` takes the field over;
//! fields a manager stops applying are removed when nobody else owns them;
//! an object that does not exist yet is created.

use std::collections::BTreeSet;

use chrono::{SecondsFormat, Utc};
use serde_json::{json, Map, Value};

use super::{meta, strategic, Cluster};
use crate::resources::ResourceType;
use crate::status::{ApiError, Cause};

/// A field path as FieldsV1 writes its steps: `f:spec`, `k:{"name":"web"}`, `.`.
type Path = Vec<String>;

/// Metadata fields the server owns, never a manager.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

fn leaves(v: &Value, field: &str, prefix: &mut Path, out: &mut BTreeSet<Path>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                let top = prefix.is_empty();
                if top && matches!(k.as_str(), "apiVersion" | "kind" | "status") {
                    continue;
                }
                if prefix.len() == 1
                    && prefix[0] == "f:metadata"
                    && SERVER_METADATA.contains(&k.as_str())
                {
                    continue;
                }
                prefix.push(format!("f:{k}"));
                leaves(child, k, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(items) => match strategic::merge_key(field, items) {
            Some(key) => {
                for item in items {
                    let id = item.get(key).cloned().unwrap_or(Value::Null);
                    prefix.push(format!("k:{}", json!({ key: id })));
                    let mut dot = prefix.clone();
                    dot.push(".".into());
                    out.insert(dot);
                    leaves(item, "", prefix, out);
                    prefix.pop();
                }
            }
            None => {
                out.insert(prefix.clone());
            }
        },
        _ => {
            out.insert(prefix.clone());
        }
    }
}

/// The fields a configuration sets.
fn field_set(config: &Value) -> BTreeSet<Path> {
    let mut out = BTreeSet::new();
    leaves(config, "", &mut Vec::new(), &mut out);
    out
}

fn to_fields_v1(paths: &BTreeSet<Path>) -> Value {
    let mut root = Map::new();
    for p in paths {
        let mut node = &mut root;
        for step in p {
            let entry = node.entry(step.clone()).or_insert_with(|| json!({}));
            match entry.as_object_mut() {
                Some(m) => node = m,
                None => break,
            }
        }
    }
    Value::Object(root)
}

fn from_fields_v1(v: &Value, prefix: &mut Path, out: &mut BTreeSet<Path>) {
    if let Some(m) = v.as_object() {
        for (k, child) in m {
            prefix.push(k.clone());
            if child.as_object().is_none_or(Map::is_empty) {
                out.insert(prefix.clone());
            } else {
                from_fields_v1(child, prefix, out);
            }
            prefix.pop();
        }
    }
}

/// The value at a path (`None` when absent).
fn at<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut node = obj;
    for step in path {
        node = if let Some(f) = step.strip_prefix("f:") {
            node.get(f)?
        } else if let Some(k) = step.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).ok()?;
            node.as_array()?
                .iter()
                .find(|item| key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)))?
        } else {
            node
        };
    }
    Some(node)
}

/// Removes the value at a path (a `.` path removes the list item itself).
fn remove(obj: &mut Value, path: &[String]) {
    let Some((last, parent_path)) = path.split_last() else {
        return;
    };
    if last == "." {
        if let Some((item, list_path)) = parent_path.split_last() {
            remove_item(obj, list_path, item);
        }
        return;
    }
    let mut node = obj;
    for step in parent_path {
        let next = if let Some(f) = step.strip_prefix("f:") {
            node.get_mut(f)
        } else if let Some(k) = step.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            node.as_array_mut().and_then(|a| {
                a.iter_mut()
                    .find(|item| key.iter().all(|(kk, kv)| item.get(kk) == Some(kv)))
            })
        } else {
            Some(node)
        };
        match next {
            Some(n) => node = n,
            None => return,
        }
    }
    if let (Some(f), Some(m)) = (last.strip_prefix("f:"), node.as_object_mut()) {
        m.remove(f);
    }
}

fn remove_item(obj: &mut Value, list_path: &[String], item: &str) {
    let Some(k) = item.strip_prefix("k:") else {
        return;
    };
    let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
    let mut node = obj;
    for step in list_path {
        let Some(f) = step.strip_prefix("f:") else {
            return;
        };
        match node.get_mut(f) {
            Some(n) => node = n,
            None => return,
        }
    }
    if let Some(a) = node.as_array_mut() {
        a.retain(|i| !key.iter().all(|(kk, kv)| i.get(kk) == Some(kv)));
    }
}

/// `.spec.replicas`, `.spec.template.spec.containers[name="web"].image`.
fn describe(path: &[String]) -> String {
    let mut out = String::new();
    for step in path {
        if let Some(f) = step.strip_prefix("f:") {
            out.push('.');
            out.push_str(f);
        } else if let Some(k) = step.strip_prefix("k:") {
            let key: Map<String, Value> = serde_json::from_str(k).unwrap_or_default();
            let inner: Vec<String> = key.iter().map(|(kk, kv)| format!("{kk}={kv}")).collect();
            out.push_str(&format!("[{}]", inner.join(",")));
        }
    }
    out
}

struct Manager {
    name: String,
    operation: String,
    api_version: String,
    fields: BTreeSet<Path>,
}

fn managers(obj: &Value) -> Vec<Manager> {
    obj.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| {
            let s = |f: &str| {
                e.get(f)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let mut fields = BTreeSet::new();
            if let Some(f) = e.get("fieldsV1") {
                from_fields_v1(f, &mut Vec::new(), &mut fields);
            }
            Manager {
                name: s("manager"),
                operation: s("operation"),
                api_version: s("apiVersion"),
                fields,
            }
        })
        .collect()
}

fn managed_fields(list: &[Manager]) -> Value {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    Value::Array(
        list.iter()
            .filter(|m| !m.fields.is_empty())
            .map(|m| {
                json!({
                    "manager": m.name, "operation": m.operation, "apiVersion": m.api_version,
                    "time": now, "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(&m.fields),
                })
            })
            .collect(),
    )
}

/// The conflicts as structured-merge-diff words them: one inline, several
/// grouped by manager.
fn conflict_text(conflicts: &[(String, String, String)]) -> String {
    if let [(m, v, f)] = conflicts {
        return format!("conflict with {m:?} using {v}: {f}");
    }
    let mut by_manager: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for (m, v, f) in conflicts {
        by_manager
            .entry(format!("{m:?} using {v}"))
            .or_default()
            .push(f);
    }
    let mut lines = Vec::new();
    for (manager, fields) in by_manager {
        lines.push(format!("conflicts with {manager}:"));
        lines.extend(fields.iter().map(|f| format!("- {f}")));
    }
    lines.join("\n")
}

thread_local! {
    static MANAGER: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// While alive, writes on this thread record `manager` in `managedFields`
/// (operation `Update`), as kube-apiserver does for every create, update
/// and patch. The HTTP layer holds one around each request's (synchronous)
/// cluster call; the simulator's own controllers write without one.
pub struct ManagerScope(Option<String>);

impl ManagerScope {
    /// Records writes as made by `manager` (nothing when empty).
    pub fn enter(manager: &str) -> Self {
        let next = (!manager.is_empty()).then(|| manager.to_string());
        ManagerScope(MANAGER.with(|m| std::mem::replace(&mut *m.borrow_mut(), next)))
    }
}

impl Drop for ManagerScope {
    fn drop(&mut self) {
        let previous = self.0.take();
        MANAGER.with(|m| *m.borrow_mut() = previous);
    }
}

fn current_manager() -> Option<String> {
    MANAGER.with(|m| m.borrow().clone())
}

/// Records the current manager's `Update` of `new` (from `old`, `None` on
/// create): it takes the fields it set or changed, other managers lose
/// them, and fields it removed leave every manager.
pub(crate) fn record_update(old: Option<&Value>, new: &mut Value, api_version: &str) {
    let Some(manager) = current_manager() else {
        return;
    };
    let new_fields = field_set(new);
    let mut list = old.map(managers).unwrap_or_default();
    let (changed, removed): (BTreeSet<Path>, BTreeSet<Path>) = match old {
        None => (new_fields.clone(), BTreeSet::new()),
        Some(old) => {
            let old_fields = field_set(old);
            let changed = new_fields
                .iter()
                .filter(|p| at(old, p) != at(new, p))
                .cloned()
                .collect();
            (
                changed,
                old_fields.difference(&new_fields).cloned().collect(),
            )
        }
    };
    if changed.is_empty() && removed.is_empty() {
        if let (Some(old), Some(m)) = (old, new.get_mut("metadata").and_then(Value::as_object_mut))
        {
            if let Some(mf) = old.pointer("/metadata/managedFields") {
                m.insert("managedFields".into(), mf.clone());
            }
        }
        return;
    }
    for m in &mut list {
        m.fields
            .retain(|p| !changed.contains(p) && !removed.contains(p));
    }
    match list
        .iter_mut()
        .find(|m| m.name == manager && m.operation == "Update")
    {
        Some(mine) => mine.fields.extend(changed),
        None => list.push(Manager {
            name: manager,
            operation: "Update".into(),
            api_version: api_version.to_string(),
            fields: changed,
        }),
    }
    let managed = managed_fields(&list);
    if let Some(m) = new.get_mut("metadata").and_then(Value::as_object_mut) {
        m.insert("managedFields".into(), managed);
    }
}

impl Cluster {
    /// PATCH with `application/apply-patch+yaml`; also says whether the object was created.
    #[allow(clippy::too_many_arguments)]
    pub fn apply(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        body: &[u8],
        manager: &str,
        force: bool,
        dry_run: bool,
    ) -> Result<(Value, bool), ApiError> {
        if manager.is_empty() {
            return Err(ApiError::bad_request(
                "PATCH requests with apply content type require fieldManager to be set",
            ));
        }
        let config: Value = serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!(
                "error decoding YAML: the apply configuration is not JSON: {e}"
            ))
        })?;
        if !config.is_object() {
            return Err(ApiError::bad_request(
                "the apply configuration must be an object",
            ));
        }
        for f in ["apiVersion", "kind"] {
            if config
                .get(f)
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(ApiError::bad_request(format!(
                    "{f} must be set in an apply configuration"
                )));
            }
        }
        let config_name = meta(&config, "name");
        if !config_name.is_empty() && config_name != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({config_name}) does not match the name on the URL ({name})"
            )));
        }
        let applied = field_set(&config);
        let api_version = rt.api_version();
        let mine = |fields: BTreeSet<Path>| Manager {
            name: manager.to_string(),
            operation: "Apply".into(),
            api_version: api_version.clone(),
            fields,
        };
        for _ in 0..5 {
            let current = match self.get(rt, namespace, name) {
                Ok(c) => c,
                Err(e) if e.code == 404 => {
                    if !meta(&config, "resourceVersion").is_empty() {
                        // The precondition names a version of an object that does not exist.
                        return Err(ApiError::stale(rt, name));
                    }
                    let mut body = config.clone();
                    body["metadata"]["name"] = json!(name);
                    let bytes =
                        serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
                    let managed = managed_fields(&[mine(applied.clone())]);
                    match self.create_managed(rt, namespace, &bytes, dry_run, Some(managed)) {
                        Err(e) if e.code == 409 => continue,
                        other => return other.map(|o| (o, true)),
                    }
                }
                Err(e) => return Err(e),
            };
            let mut others: Vec<Manager> = Vec::new();
            let mut previous: BTreeSet<Path> = BTreeSet::new();
            for m in managers(&current) {
                if m.name == manager && m.operation == "Apply" {
                    previous = m.fields;
                } else {
                    others.push(m);
                }
            }
            // Conflicts: fields another manager owns, applied with another value.
            let mut conflicts: Vec<(String, String, String)> = Vec::new();
            for p in &applied {
                if p.last().is_some_and(|s| s == ".") {
                    continue;
                }
                if at(&config, p) == at(&current, p) {
                    continue;
                }
                for o in others.iter().filter(|o| o.fields.contains(p)) {
                    conflicts.push((o.name.clone(), o.api_version.clone(), describe(p)));
                }
            }
            if !conflicts.is_empty() && !force {
                let causes: Vec<Cause> = conflicts
                    .iter()
                    .map(|(m, v, f)| Cause {
                        reason: "FieldManagerConflict",
                        field: f.clone(),
                        message: format!("conflict with {m:?} using {v}"),
                    })
                    .collect();
                let n = conflicts.len();
                let text = conflict_text(&conflicts);
                let mut e = ApiError::conflict(rt, name, &text);
                e.message = format!(
                    "Apply failed with {n} conflict{}: {text}",
                    if n == 1 { "" } else { "s" }
                );
                if let Some(d) = e.details.as_mut().and_then(Value::as_object_mut) {
                    d.insert(
                        "causes".into(),
                        Value::Array(causes.iter().map(|c| json!({"reason": c.reason, "message": c.message, "field": c.field})).collect()),
                    );
                }
                return Err(e);
            }
            if force {
                for o in &mut others {
                    o.fields.retain(|p| !applied.contains(p));
                }
            }
            // Build the result: drop what this manager no longer applies
            // (unless someone else owns it), then merge the configuration in.
            let mut next = current.clone();
            for p in previous.difference(&applied) {
                if !others.iter().any(|o| o.fields.contains(p)) {
                    remove(&mut next, p);
                }
            }
            let mut merge = config.clone();
            if let Some(m) = merge.as_object_mut() {
                m.remove("apiVersion");
                m.remove("kind");
                m.remove("status");
            }
            strategic::apply(&mut next, &merge);
            let mut all = others;
            all.push(mine(applied.clone()));
            let managed = managed_fields(&all);
            if let Some(m) = next.get_mut("metadata").and_then(Value::as_object_mut) {
                m.insert(
                    "resourceVersion".into(),
                    json!(meta(&current, "resourceVersion")),
                );
            }
            let bytes = serde_json::to_vec(&next).map_err(|e| ApiError::internal(e.to_string()))?;
            match self.update_managed(rt, namespace, name, &bytes, false, dry_run, Some(managed)) {
                Err(e)
                    if e.code == 409
                        && e.reason == "Conflict"
                        && e.message.contains("the object has been modified") =>
                {
                    continue
                }
                other => return other.map(|o| (o, false)),
            }
        }
        Err(ApiError::conflict(
            rt,
            name,
            "the object kept changing; try again",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_sets_round_trip_through_fields_v1() {
        let config = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "main", "image": "a:1"}]}}}});
        let set = field_set(&config);
        let v1 = to_fields_v1(&set);
        assert_eq!(v1["f:spec"]["f:replicas"], json!({}));
        assert_eq!(v1["f:metadata"]["f:labels"]["f:app"], json!({}));
        assert!(
            v1["f:metadata"].get("f:name").is_none(),
            "the name is the server's"
        );
        let item = &v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"main\"}"];
        assert_eq!(item["."], json!({}));
        assert_eq!(item["f:image"], json!({}));
        let mut back = BTreeSet::new();
        from_fields_v1(&v1, &mut Vec::new(), &mut back);
        assert_eq!(back, set);
        let image: Path = vec![
            "f:spec",
            "f:template",
            "f:spec",
            "f:containers",
            "k:{\"name\":\"main\"}",
            "f:image",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(at(&config, &image), Some(&json!("a:1")));
        assert_eq!(
            describe(&image),
            ".spec.template.spec.containers[name=\"main\"].image"
        );
        let mut c = config.clone();
        remove(&mut c, &image);
        assert!(c
            .pointer("/spec/template/spec/containers/0/image")
            .is_none());
    }
}
