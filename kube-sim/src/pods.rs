//! Pods: the defaults the API server fills in, validation of the spec, and
//! the arithmetic on container requests and limits that the scheduler, quota
//! admission and metrics share.

use serde_json::{json, Map, Value};

use crate::hooks::object_at;
use crate::quantity;
use crate::status::Cause;
use crate::validation::is_dns1123_label;

/// Annotation: seconds a simulated pod's containers run before exiting
/// (absent: they run until deleted).
pub const RUN_SECONDS: &str = "sim.berth.io/run-seconds";
/// Annotation: the exit code of a pod that stops after [`RUN_SECONDS`] (default 0).
pub const EXIT_CODE: &str = "sim.berth.io/exit-code";
/// Annotation: simulated CPU use in cores (default: half the request).
pub const CPU_USAGE: &str = "sim.berth.io/cpu-usage";

fn containers(pod: &Value) -> impl Iterator<Item = &Value> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// Sum over the containers of `resources.<kind>.<resource>` (`kind` is
/// `requests` or `limits`) in base units; a container with a limit but no
/// request requests its limit, as Kubernetes defaults it.
pub fn total(pod: &Value, kind: &str, resource: &str) -> f64 {
    containers(pod)
        .map(|c| {
            // Not a JSON pointer: resource names such as `nvidia.com/gpu` hold a `/`.
            let get = |k: &str| {
                c.get("resources")
                    .and_then(|r| r.get(k))
                    .and_then(|r| r.get(resource))
                    .and_then(Value::as_str)
                    .and_then(quantity::parse)
            };
            match kind {
                "requests" => get("requests").or_else(|| get("limits")).unwrap_or(0.0),
                _ => get(kind).unwrap_or(0.0),
            }
        })
        .sum()
}

/// The extended resources (domain-prefixed names such as `nvidia.com/gpu`)
/// the pod's containers ask for, as requests or limits.
pub fn extended_resources(pod: &Value) -> std::collections::BTreeSet<String> {
    containers(pod)
        .flat_map(|c| ["requests", "limits"].map(|k| c.pointer(&format!("/resources/{k}"))))
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys())
        .filter(|k| k.contains('/'))
        .cloned()
        .collect()
}

/// Whether every container sets `resources.<kind>.<resource>` (or, for
/// requests, a limit that defaults it).
pub fn all_containers_set(pod: &Value, kind: &str, resource: &str) -> bool {
    containers(pod).all(|c| {
        let has = |k: &str| {
            c.get("resources")
                .and_then(|r| r.get(k))
                .and_then(|r| r.get(resource))
                .is_some()
        };
        has(kind) || (kind == "requests" && has("limits"))
    })
}

/// Whether the pod has finished (Succeeded or Failed); finished pods hold no quota.
pub fn is_terminal(pod: &Value) -> bool {
    matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded") | Some("Failed")
    )
}

/// `Guaranteed`, `Burstable` or `BestEffort`, as the API server computes it.
pub fn qos_class(pod: &Value) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    for c in containers(pod) {
        for r in ["cpu", "memory"] {
            let req = c.pointer(&format!("/resources/requests/{r}"));
            let lim = c.pointer(&format!("/resources/limits/{r}"));
            any |= req.is_some() || lim.is_some();
            let req = req
                .or(lim)
                .and_then(Value::as_str)
                .and_then(quantity::parse);
            let lim = lim.and_then(Value::as_str).and_then(quantity::parse);
            if lim.is_none() || req != lim {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

fn default_container(c: &mut Map<String, Value>) {
    let image = c.get("image").and_then(Value::as_str).unwrap_or_default();
    let tag = image.rsplit('/').next().unwrap_or_default();
    let policy = if !tag.contains(':') || tag.ends_with(":latest") {
        "Always"
    } else {
        "IfNotPresent"
    };
    c.entry("imagePullPolicy").or_insert_with(|| json!(policy));
    c.entry("terminationMessagePath")
        .or_insert_with(|| json!("/dev/termination-log"));
    c.entry("terminationMessagePolicy")
        .or_insert_with(|| json!("File"));
    c.entry("resources").or_insert_with(|| json!({}));
    // Requests default to limits.
    let limits = c
        .get("resources")
        .and_then(|r| r.get("limits"))
        .and_then(Value::as_object)
        .cloned();
    if let (Some(limits), Some(res)) = (
        limits,
        c.get_mut("resources").and_then(Value::as_object_mut),
    ) {
        let requests = res.entry("requests").or_insert_with(|| json!({}));
        if let Some(req) = requests.as_object_mut() {
            for (k, v) in limits {
                req.entry(k).or_insert(v);
            }
        }
    }
    if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports.iter_mut().filter_map(Value::as_object_mut) {
            p.entry("protocol").or_insert_with(|| json!("TCP"));
        }
    }
}

/// Defaults of a pod template's spec (pods, and templates in workloads).
pub fn default_pod_spec(spec: &mut Map<String, Value>) {
    spec.entry("restartPolicy")
        .or_insert_with(|| json!("Always"));
    spec.entry("dnsPolicy")
        .or_insert_with(|| json!("ClusterFirst"));
    spec.entry("schedulerName")
        .or_insert_with(|| json!("default-scheduler"));
    spec.entry("terminationGracePeriodSeconds")
        .or_insert_with(|| json!(30));
    spec.entry("securityContext").or_insert_with(|| json!({}));
    let sa = spec
        .get("serviceAccountName")
        .or_else(|| spec.get("serviceAccount"))
        .and_then(Value::as_str)
        .unwrap_or("default")
        .to_string();
    spec.insert("serviceAccountName".into(), json!(sa));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs.iter_mut().filter_map(Value::as_object_mut) {
                default_container(c);
            }
        }
    }
}

/// A new pod: spec defaults, the not-ready/unreachable tolerations, and a
/// `Pending` status (bound already when `spec.nodeName` is set).
pub fn prepare_create(pod: &mut Value) {
    if let Some(spec) = object_at(pod, "spec") {
        default_pod_spec(spec);
        spec.entry("priority").or_insert_with(|| json!(0));
        spec.entry("preemptionPolicy")
            .or_insert_with(|| json!("PreemptLowerPriority"));
        spec.entry("enableServiceLinks")
            .or_insert_with(|| json!(true));
        let tolerations = spec.entry("tolerations").or_insert_with(|| json!([]));
        if let Some(list) = tolerations.as_array_mut() {
            for key in [
                "node.kubernetes.io/not-ready",
                "node.kubernetes.io/unreachable",
            ] {
                if !list.iter().any(|t| t["key"] == key) {
                    list.push(json!({
                        "key": key, "operator": "Exists",
                        "effect": "NoExecute", "tolerationSeconds": 300,
                    }));
                }
            }
        }
    }
    let qos = qos_class(pod);
    if let Some(map) = pod.as_object_mut() {
        map.insert(
            "status".into(),
            json!({ "phase": "Pending", "qosClass": qos }),
        );
    }
    if pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty())
    {
        // Created bound (DaemonSets, static placement): already scheduled.
        let now = crate::ops::now();
        crate::ops::set_condition(pod, "PodScheduled", "True", "", "", &now);
    }
}

/// An updated pod keeps its binding: `spec.nodeName` changes only through `binding`.
pub fn prepare_update(old: &Value, new: &mut Value) {
    let node = old.pointer("/spec/nodeName").cloned();
    if let Some(spec) = object_at(new, "spec") {
        match node {
            Some(n) => spec.insert("nodeName".into(), n),
            None => spec.remove("nodeName"),
        };
    }
}

/// Field errors of a pod template spec at `path` (`spec` for a pod,
/// `spec.template.spec` for workloads).
pub fn spec_causes(spec: Option<&Value>, path: &str) -> Vec<Cause> {
    let mut causes = Vec::new();
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    let Some(containers) = containers.filter(|c| !c.is_empty()) else {
        causes.push(Cause::required(&format!("{path}.containers"), ""));
        return causes;
    };
    let mut names = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let at = format!("{path}.containers[{i}]");
        let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
        if name.is_empty() {
            causes.push(Cause::required(&format!("{at}.name"), ""));
        } else if !is_dns1123_label(name) {
            causes.push(Cause::invalid(
                &format!("{at}.name"),
                name,
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            ));
        } else if names.contains(&name) {
            causes.push(Cause {
                reason: "FieldValueDuplicate",
                field: format!("{at}.name"),
                message: format!("Duplicate value: {}", crate::status::quote(name)),
            });
        }
        names.push(name);
        if c.get("image")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .is_empty()
        {
            causes.push(Cause::required(&format!("{at}.image"), ""));
        }
        for kind in ["requests", "limits"] {
            if let Some(map) = c
                .pointer(&format!("/resources/{kind}"))
                .and_then(Value::as_object)
            {
                for (r, q) in map {
                    let text = q
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| q.to_string());
                    if quantity::parse(&text).is_none() {
                        causes.push(Cause::invalid(
                            &format!("{at}.resources.{kind}[{r}]"),
                            &text,
                            "must be a valid quantity",
                        ));
                    }
                }
            }
        }
        for r in ["cpu", "memory"] {
            let q = |k: &str| {
                c.pointer(&format!("/resources/{k}/{r}"))
                    .and_then(Value::as_str)
                    .and_then(quantity::parse)
            };
            if let (Some(req), Some(lim)) = (q("requests"), q("limits")) {
                if req > lim {
                    let shown = c
                        .pointer(&format!("/resources/requests/{r}"))
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    causes.push(Cause::invalid(
                        &format!("{at}.resources.requests"),
                        shown,
                        &format!("must be less than or equal to {r} limit"),
                    ));
                }
            }
        }
    }
    let policy = spec
        .and_then(|s| s.get("restartPolicy"))
        .and_then(Value::as_str)
        .unwrap_or("Always");
    if !["Always", "OnFailure", "Never"].contains(&policy) {
        causes.push(Cause {
            reason: "FieldValueNotSupported",
            field: format!("{path}.restartPolicy"),
            message: format!(
                "Unsupported value: {}: supported values: \"Always\", \"OnFailure\", \"Never\"",
                crate::status::quote(policy)
            ),
        });
    }
    causes
}

/// Field errors of a pod.
pub fn validate(pod: &Value) -> Vec<Cause> {
    spec_causes(pod.get("spec"), "spec")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(resources: Value) -> Value {
        json!({"spec": {"containers": [{"name": "a", "image": "nginx", "resources": resources}]}})
    }

    #[test]
    fn qos_and_totals() {
        let g = pod(json!({"limits": {"cpu": "1", "memory": "1Gi"}}));
        assert_eq!(qos_class(&g), "Guaranteed");
        assert_eq!(total(&g, "requests", "cpu"), 1.0);
        let b = pod(json!({"requests": {"cpu": "250m"}}));
        assert_eq!(qos_class(&b), "Burstable");
        assert_eq!(total(&b, "requests", "cpu"), 0.25);
        assert_eq!(total(&b, "limits", "cpu"), 0.0);
        assert!(!all_containers_set(&b, "requests", "memory"));
        assert_eq!(qos_class(&pod(json!({}))), "BestEffort");
    }

    #[test]
    fn validation_names_fields() {
        let causes = validate(&json!({"spec": {"containers": [
            {"name": "a", "image": ""},
            {"name": "a", "image": "x", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1", "memory": "lots"}}}
        ], "restartPolicy": "Sometimes"}}));
        let fields: Vec<&str> = causes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "spec.containers[0].image",
                "spec.containers[1].name",
                "spec.containers[1].resources.limits[memory]",
                "spec.containers[1].resources.requests",
                "spec.restartPolicy"
            ]
        );
        assert_eq!(validate(&json!({"spec": {}}))[0].field, "spec.containers");
    }
}
