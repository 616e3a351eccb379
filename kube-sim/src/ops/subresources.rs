//! Subresources other than `status`: `scale` of Deployments, ReplicaSets and
//! StatefulSets; `log`, `eviction` and `binding` of pods.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{meta, Cluster, DeleteOptions, PatchKind};
use crate::resources::{self, ResourceType};
use crate::status::{ApiError, Cause};
use crate::store::ObjectKey;

fn selector_string(obj: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(m) = obj
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object)
    {
        for (k, v) in m {
            parts.push(format!("{k}={}", v.as_str().unwrap_or_default()));
        }
    }
    parts.join(",")
}

fn scale_of(obj: &Value) -> Value {
    let m = |f: &str| obj.pointer(&format!("/metadata/{f}")).cloned();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": m("name"), "namespace": m("namespace"), "uid": m("uid"),
            "resourceVersion": m("resourceVersion"), "creationTimestamp": m("creationTimestamp"),
        },
        "spec": { "replicas": obj.pointer("/spec/replicas").cloned().unwrap_or(json!(1)) },
        "status": {
            "replicas": obj.pointer("/status/replicas").cloned().unwrap_or(json!(0)),
            "selector": selector_string(obj),
        },
    })
}

fn success(code: u16) -> Value {
    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": code })
}

impl Cluster {
    /// GET `<object>/scale`.
    pub fn get_scale(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
    ) -> Result<Value, ApiError> {
        Ok(scale_of(&self.get(rt, namespace, name)?))
    }

    /// PUT `<object>/scale`: sets `spec.replicas`.
    pub fn update_scale(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        body: &[u8],
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let scale: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("the Scale is not valid JSON: {e}")))?;
        let replicas = scale.pointer("/spec/replicas").and_then(Value::as_i64);
        let replicas = match replicas {
            Some(r) if r >= 0 => r,
            Some(r) => {
                return Err(ApiError::invalid(
                    rt,
                    name,
                    vec![Cause::invalid(
                        "spec.replicas",
                        &r.to_string(),
                        "must be greater than or equal to 0",
                    )],
                ))
            }
            None => {
                return Err(ApiError::invalid(
                    rt,
                    name,
                    vec![Cause::required("spec.replicas", "")],
                ))
            }
        };
        let mut obj = self.get(rt, namespace, name)?;
        let rv = meta(&scale, "resourceVersion");
        if !rv.is_empty() && rv != meta(&obj, "resourceVersion") {
            return Err(ApiError::stale(rt, name));
        }
        if let Some(spec) = crate::hooks::object_at(&mut obj, "spec") {
            spec.insert("replicas".into(), json!(replicas));
        }
        let bytes = serde_json::to_vec(&obj).map_err(|e| ApiError::internal(e.to_string()))?;
        let updated = self.update(rt, namespace, name, &bytes, false, dry_run)?;
        Ok(scale_of(&updated))
    }

    /// PATCH `<object>/scale`.
    pub fn patch_scale(
        &self,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        name: &str,
        kind: PatchKind,
        body: &[u8],
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let patch: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("the patch is not valid JSON: {e}")))?;
        let mut scale = self.get_scale(rt, namespace, name)?;
        super::patch::apply_patch(kind, &mut scale, &patch)?;
        if patch.pointer("/metadata/resourceVersion").is_none() {
            if let Some(m) = scale.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("resourceVersion");
            }
        }
        let bytes = serde_json::to_vec(&scale).map_err(|e| ApiError::internal(e.to_string()))?;
        self.update_scale(rt, namespace, name, &bytes, dry_run)
    }

    /// POST `pods/<name>/binding`: assigns the pod to a node (the scheduler's write).
    pub fn bind(&self, namespace: &str, name: &str, body: &[u8]) -> Result<Value, ApiError> {
        let pods = pod_type()?;
        let binding: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("the Binding is not valid JSON: {e}")))?;
        let node = binding
            .pointer("/target/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if node.is_empty() {
            return Err(ApiError::invalid(
                pods,
                name,
                vec![Cause::required("target.name", "")],
            ));
        }
        let mut store = self.lock();
        let key = ObjectKey::new(Some(namespace), name);
        let Some(mut pod) = store.get(pods, &key).cloned() else {
            return Err(ApiError::not_found(pods, name));
        };
        if let Some(current) = pod.pointer("/spec/nodeName").and_then(Value::as_str) {
            return Err(ApiError::conflict(
                pods,
                name,
                &format!("pod {name} is already assigned to node {current:?}"),
            ));
        }
        let now = store.now().to_rfc3339_opts(SecondsFormat::Secs, true);
        super::set_pod_bound(&mut pod, &node, &now);
        store.put(pods, key, pod);
        Ok(success(201))
    }

    /// POST `pods/<name>/eviction`: deletes the pod, as the eviction API does
    /// when no disruption budget stands in the way.
    pub fn evict(
        self: &std::sync::Arc<Self>,
        namespace: &str,
        name: &str,
        body: &[u8],
    ) -> Result<Value, ApiError> {
        let pods = pod_type()?;
        let eviction: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(body).map_err(|e| {
                ApiError::bad_request(format!("the Eviction is not valid JSON: {e}"))
            })?
        };
        let opts = eviction
            .get("deleteOptions")
            .map(|d| DeleteOptions::from_body(d.to_string().as_bytes()))
            .transpose()?
            .unwrap_or_default();
        {
            let store = self.lock();
            let pod = store
                .get(pods, &ObjectKey::new(Some(namespace), name))
                .ok_or_else(|| ApiError::not_found(pods, name))?;
            crate::disruption::check_eviction(&store, pod)?;
        }
        self.delete(pods, Some(namespace), name, &opts)?;
        Ok(success(201))
    }

    /// GET `pods/<name>/log`: the simulated output of a container.
    pub fn pod_log(
        &self,
        namespace: &str,
        name: &str,
        container: Option<&str>,
        tail_lines: Option<usize>,
        timestamps: bool,
    ) -> Result<String, ApiError> {
        let pods = pod_type()?;
        let (pod, now) = {
            let store = self.lock();
            let pod = store
                .get(pods, &ObjectKey::new(Some(namespace), name))
                .cloned()
                .ok_or_else(|| ApiError::not_found(pods, name))?;
            (pod, store.now())
        };
        let names: Vec<String> = pod
            .pointer("/spec/containers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
            .collect();
        let container = match container {
            Some(c) if names.iter().any(|n| n == c) => c.to_string(),
            Some(c) => {
                return Err(ApiError::bad_request(format!(
                    "container {c} is not valid for pod {name}"
                )))
            }
            None if names.len() == 1 => names[0].clone(),
            None => {
                return Err(ApiError::bad_request(format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    names.join(" ")
                )))
            }
        };
        let started = pod
            .pointer("/status/startTime")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc));
        let Some(started) = started else {
            return Err(ApiError::bad_request(format!(
                "container {container:?} in pod {name:?} is waiting to start: ContainerCreating"
            )));
        };
        Ok(generate_log(
            &pod, &container, started, now, tail_lines, timestamps,
        ))
    }
}

fn pod_type() -> Result<&'static ResourceType, ApiError> {
    resources::core("pods").ok_or_else(|| ApiError::internal("pods are not served"))
}

const LOG_LINES: &[&str] = &[
    "GET /healthz 200 1ms",
    "GET /api/items 200 12ms",
    "POST /api/items 201 23ms",
    "GET /api/items/42 404 2ms",
    "cache refreshed: 128 entries",
    "GET /metrics 200 4ms",
];

/// One line every 5 seconds since the container started, at most the last 1,000.
fn generate_log(
    pod: &Value,
    container: &str,
    started: DateTime<Utc>,
    now: DateTime<Utc>,
    tail: Option<usize>,
    timestamps: bool,
) -> String {
    let image = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
        .and_then(|c| c.get("image").and_then(Value::as_str))
        .unwrap_or_default()
        .to_string();
    let total = usize::try_from((now - started).num_seconds().max(0) / 5).unwrap_or(0) + 1;
    let keep = tail.unwrap_or(1_000).min(1_000).min(total);
    let mut out = String::new();
    for i in (total - keep)..total {
        let at = started + Duration::seconds(5 * i as i64);
        let stamp = at.to_rfc3339_opts(SecondsFormat::Nanos, true);
        if timestamps {
            out.push_str(&stamp);
            out.push(' ');
        }
        let line = if i == 0 {
            format!("starting {container} ({image})")
        } else {
            LOG_LINES[i % LOG_LINES.len()].to_string()
        };
        out.push_str(&format!(
            "{} INFO {container}: {line}\n",
            at.to_rfc3339_opts(SecondsFormat::Secs, true)
        ));
    }
    out
}
