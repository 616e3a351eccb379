//! LimitRange admission of pods: containers without requests or limits get
//! the `defaultRequest` / `default` of every `Container` limit range in the
//! namespace, then each container is checked against `min`, `max` and
//! `maxLimitRequestRatio`; a violation is a 403 with Kubernetes' message.

use serde_json::{json, Value};

use crate::quantity;
use crate::resources::{self, ResourceType};
use crate::status::ApiError;
use crate::store::Store;

fn q(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_str).and_then(quantity::parse)
}

/// Applies the namespace's defaults to a new pod and checks its bounds.
pub fn admit_pod(
    store: &Store,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    pod: &mut Value,
) -> Result<(), ApiError> {
    let Some(lr_type) = resources::core("limitranges") else {
        return Ok(());
    };
    let items: Vec<Value> = store
        .list(lr_type, Some(namespace))
        .flat_map(|(_, lr)| {
            lr.pointer("/spec/limits")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|l| l.get("type").and_then(Value::as_str) == Some("Container"))
        .collect();
    if items.is_empty() {
        return Ok(());
    }
    let Some(containers) = pod
        .pointer_mut("/spec/containers")
        .and_then(Value::as_array_mut)
    else {
        return Ok(());
    };
    let mut annotations: Vec<String> = Vec::new();
    let mut violations: Vec<String> = Vec::new();
    for c in containers.iter_mut() {
        let mut set = [Vec::new(), Vec::new()];
        for item in &items {
            for (i, (field, kind)) in [("defaultRequest", "requests"), ("default", "limits")]
                .into_iter()
                .enumerate()
            {
                if let Some(defaults) = item.get(field).and_then(Value::as_object) {
                    for (r, v) in defaults {
                        let res = &mut c["resources"];
                        if res.is_null() {
                            *res = json!({});
                        }
                        if res[kind].is_null() {
                            res[kind] = json!({});
                        }
                        if res[kind].get(r).is_none() {
                            res[kind][r] = v.clone();
                            set[i].push(r.clone());
                        }
                    }
                }
            }
        }
        let container = c
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for (mut names, what) in set.into_iter().zip(["request", "limit"]) {
            if !names.is_empty() {
                names.sort();
                annotations.push(format!(
                    "{} {what} for container {container}",
                    names.join(", ")
                ));
            }
        }
        // Requests default to limits (as the API server defaults them).
        if let Some(limits) = c
            .pointer("/resources/limits")
            .and_then(Value::as_object)
            .cloned()
        {
            for (r, v) in limits {
                if c.pointer("/resources/requests")
                    .and_then(|q| q.get(&r))
                    .is_none()
                {
                    c["resources"]["requests"][r.as_str()] = v;
                }
            }
        }
        for item in &items {
            let bound = |field: &str, r: &str| q(item.get(field).and_then(|m| m.get(r)));
            for r in ["cpu", "memory", "ephemeral-storage"] {
                let request = q(c.pointer(&format!("/resources/requests/{r}")));
                let limit = q(c.pointer(&format!("/resources/limits/{r}")));
                let shown = |f: &str| {
                    item.get(f)
                        .and_then(|m| m.get(r))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let text = |kind: &str| {
                    c.pointer(&format!("/resources/{kind}/{r}"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                let mut refuse = |why: String| violations.push(why);
                if let Some(min) = bound("min", r) {
                    match request {
                        None => refuse(format!(
                            "minimum {r} usage per Container is {}.  No request is specified",
                            shown("min")
                        )),
                        Some(v) if v < min => refuse(format!(
                            "minimum {r} usage per Container is {}, but request is {}",
                            shown("min"),
                            text("requests")
                        )),
                        _ => {}
                    }
                }
                if let Some(max) = bound("max", r) {
                    match limit {
                        None => refuse(format!(
                            "maximum {r} usage per Container is {}.  No limit is specified",
                            shown("max")
                        )),
                        Some(v) if v > max => refuse(format!(
                            "maximum {r} usage per Container is {}, but limit is {}",
                            shown("max"),
                            text("limits")
                        )),
                        _ => {}
                    }
                }
                if let (Some(ratio), Some(req), Some(lim)) =
                    (bound("maxLimitRequestRatio", r), request, limit)
                {
                    if req > 0.0 && lim / req > ratio {
                        refuse(format!("{r} max limit to request ratio per Container is {}, but provided ratio is {:.6}", shown("maxLimitRequestRatio"), lim / req));
                    }
                }
            }
        }
    }
    // Every violation is reported, as kube's aggregate error lists them.
    match violations.len() {
        0 => {}
        1 => return Err(ApiError::forbidden(rt, name, &violations[0], vec![])),
        _ => {
            return Err(ApiError::forbidden(
                rt,
                name,
                &format!("[{}]", violations.join(", ")),
                vec![],
            ))
        }
    }
    if !annotations.is_empty() {
        let meta = &mut pod["metadata"];
        if !meta["annotations"].is_object() {
            meta["annotations"] = json!({});
        }
        meta["annotations"]["kubernetes.io/limit-ranger"] = json!(format!(
            "LimitRanger plugin set: {}",
            annotations.join("; ")
        ));
    }
    Ok(())
}
