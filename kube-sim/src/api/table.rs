//! Server-side printing (`as=Table`): the columns kube-apiserver's printers
//! give each kind, so `kubectl get` (and `-o wide`, whose extra columns
//! have priority 1) shows what it shows against a real cluster. Kinds
//! without printers get kube-apiserver's default: Name and Created At.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::negotiate::IncludeObject;
use crate::resources::ResourceType;

type Cell = fn(&Value) -> Value;

/// One column: header, type, priority (1: only with `-o wide`) and its cell.
struct Column {
    name: &'static str,
    kind: &'static str,
    priority: u8,
    cell: Cell,
}

const fn col(name: &'static str, priority: u8, cell: Cell) -> Column {
    Column {
        name,
        kind: "string",
        priority,
        cell,
    }
}

const fn int(name: &'static str, priority: u8, cell: Cell) -> Column {
    Column {
        name,
        kind: "integer",
        priority,
        cell,
    }
}

fn s(v: &Value, path: &str) -> String {
    match v.pointer(path) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn n(v: &Value, path: &str) -> i64 {
    v.pointer(path).and_then(Value::as_i64).unwrap_or(0)
}

fn arr<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    v.pointer(path)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn or_none(s: String) -> Value {
    Value::String(if s.is_empty() { "<none>".into() } else { s })
}

/// kube's `duration.HumanDuration`.
pub fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    let (m, h, d) = (secs / 60, secs / 3600, secs / 86_400);
    if secs < 120 {
        format!("{secs}s")
    } else if m < 10 {
        if secs % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", secs % 60)
        }
    } else if m < 180 {
        format!("{m}m")
    } else if h < 8 {
        if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        }
    } else if h < 48 {
        format!("{h}h")
    } else if h < 24 * 8 {
        if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        }
    } else if h < 24 * 365 * 2 {
        format!("{d}d")
    } else if h < 24 * 365 * 8 {
        let y = d / 365;
        if d % 365 == 0 {
            format!("{y}y")
        } else {
            format!("{y}y{}d", d % 365)
        }
    } else {
        format!("{}y", d / 365)
    }
}

fn since(v: &Value, path: &str) -> Value {
    let Some(t) = v
        .pointer(path)
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    else {
        return Value::String("<unknown>".into());
    };
    Value::String(human_duration(
        (Utc::now() - t.with_timezone(&Utc)).num_seconds(),
    ))
}

fn age(v: &Value) -> Value {
    since(v, "/metadata/creationTimestamp")
}

fn name(v: &Value) -> Value {
    Value::String(s(v, "/metadata/name"))
}

fn containers(v: &Value, spec: &str) -> (String, String) {
    let cs = arr(v, &format!("{spec}/containers"));
    let names: Vec<String> = cs.iter().map(|c| s(c, "/name")).collect();
    let images: Vec<String> = cs.iter().map(|c| s(c, "/image")).collect();
    (names.join(","), images.join(","))
}

fn selector_string(sel: Option<&Value>) -> String {
    let Some(sel) = sel else {
        return String::new();
    };
    let mut parts: Vec<String> = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = s(e, "/key");
        let values: Vec<String> = arr(e, "/values")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        parts.push(match s(e, "/operator").as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key,
            _ => format!("!{key}"),
        });
    }
    parts.join(",")
}

fn map_selector(v: &Value, path: &str) -> String {
    v.pointer(path)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn pod_status(p: &Value) -> String {
    let mut reason = s(p, "/status/phase");
    let r = s(p, "/status/reason");
    if !r.is_empty() {
        reason = r;
    }
    for c in arr(p, "/status/containerStatuses").iter().rev() {
        let waiting = s(c, "/state/waiting/reason");
        let terminated = s(c, "/state/terminated/reason");
        if !waiting.is_empty() {
            reason = waiting;
        } else if !terminated.is_empty() {
            reason = terminated;
        }
    }
    if p.pointer("/metadata/deletionTimestamp")
        .is_some_and(|t| !t.is_null())
    {
        reason = "Terminating".into();
    }
    reason
}

fn pod_columns() -> Vec<Column> {
    vec![
        col("Name", 0, name),
        col("Ready", 0, |p| {
            let st = arr(p, "/status/containerStatuses");
            let ready = st.iter().filter(|c| c["ready"] == true).count();
            let total = arr(p, "/spec/containers").len();
            Value::String(format!("{ready}/{total}"))
        }),
        col("Status", 0, |p| Value::String(pod_status(p))),
        int("Restarts", 0, |p| {
            Value::from(
                arr(p, "/status/containerStatuses")
                    .iter()
                    .map(|c| n(c, "/restartCount"))
                    .sum::<i64>(),
            )
        }),
        col("Age", 0, age),
        col("IP", 1, |p| or_none(s(p, "/status/podIP"))),
        col("Node", 1, |p| or_none(s(p, "/spec/nodeName"))),
        col("Nominated Node", 1, |p| {
            or_none(s(p, "/status/nominatedNodeName"))
        }),
        col("Readiness Gates", 1, |p| {
            let gates = arr(p, "/spec/readinessGates");
            if gates.is_empty() {
                return or_none(String::new());
            }
            let conds = arr(p, "/status/conditions");
            let ready = gates
                .iter()
                .filter(|g| {
                    conds
                        .iter()
                        .any(|c| c["type"] == g["conditionType"] && c["status"] == "True")
                })
                .count();
            Value::String(format!("{ready}/{}", gates.len()))
        }),
    ]
}

fn workload_wide(spec: &'static str) -> [Column; 2] {
    match spec {
        "/spec/jobTemplate/spec/template/spec" => [
            col("Containers", 1, |v| {
                Value::String(containers(v, "/spec/jobTemplate/spec/template/spec").0)
            }),
            col("Images", 1, |v| {
                Value::String(containers(v, "/spec/jobTemplate/spec/template/spec").1)
            }),
        ],
        _ => [
            col("Containers", 1, |v| {
                Value::String(containers(v, "/spec/template/spec").0)
            }),
            col("Images", 1, |v| {
                Value::String(containers(v, "/spec/template/spec").1)
            }),
        ],
    }
}

fn selector_col() -> Column {
    col("Selector", 1, |v| {
        or_none(selector_string(v.pointer("/spec/selector")))
    })
}

fn ports(v: &Value) -> String {
    let ps: Vec<String> = arr(v, "/spec/ports")
        .iter()
        .map(|p| {
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(np) if np > 0 => format!("{}:{np}/{proto}", n(p, "/port")),
                _ => format!("{}/{proto}", n(p, "/port")),
            }
        })
        .collect();
    ps.join(",")
}

/// A column as a Table is built from it: header, type, priority, cell.
type Printed = (String, &'static str, u8, Box<dyn Fn(&Value) -> Value>);

/// A custom resource's columns: Name, then its printer columns.
fn custom_columns(rt: &ResourceType) -> Vec<Printed> {
    let mut out: Vec<Printed> = vec![("Name".into(), "string", 0, Box::new(name))];
    for c in rt.printer_columns {
        let path = c.json_path;
        let date = c.kind == "date";
        out.push((
            c.name.to_string(),
            if date { "date" } else { c.kind },
            c.priority,
            Box::new(move |v: &Value| match crate::crd::json_path(v, path) {
                None | Some(Value::Null) => Value::String("<none>".into()),
                Some(Value::String(t)) if date => match DateTime::parse_from_rfc3339(&t) {
                    Ok(t) => Value::String(human_duration(
                        (Utc::now() - t.with_timezone(&Utc)).num_seconds(),
                    )),
                    Err(_) => Value::String(t),
                },
                Some(other) => other,
            }),
        ));
    }
    out
}

fn columns(rt: &ResourceType) -> Vec<Column> {
    let created_at = Column {
        name: "Created At",
        kind: "date",
        priority: 0,
        cell: |v| Value::String(s(v, "/metadata/creationTimestamp")),
    };
    match (rt.group, rt.kind) {
        ("", "Pod") => pod_columns(),
        ("", "Namespace") => vec![
            col("Name", 0, name),
            col("Status", 0, |v| Value::String(s(v, "/status/phase"))),
            col("Age", 0, age),
        ],
        ("", "Node") => vec![
            col("Name", 0, name),
            col("Status", 0, |v| {
                let ready = arr(v, "/status/conditions")
                    .iter()
                    .find(|c| c["type"] == "Ready")
                    .map(|c| c["status"] == "True");
                let mut st = match ready {
                    Some(true) => "Ready".to_string(),
                    Some(false) => "NotReady".into(),
                    None => "Unknown".into(),
                };
                if v.pointer("/spec/unschedulable") == Some(&Value::Bool(true)) {
                    st.push_str(",SchedulingDisabled");
                }
                Value::String(st)
            }),
            col("Roles", 0, |v| {
                let roles: Vec<String> = v
                    .pointer("/metadata/labels")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, _)| {
                        k.strip_prefix("node-role.kubernetes.io/")
                            .map(str::to_string)
                    })
                    .collect();
                or_none(roles.join(","))
            }),
            col("Age", 0, age),
            col("Version", 0, |v| {
                Value::String(s(v, "/status/nodeInfo/kubeletVersion"))
            }),
            col("Internal-IP", 1, |v| {
                or_none(
                    arr(v, "/status/addresses")
                        .iter()
                        .find(|a| a["type"] == "InternalIP")
                        .map(|a| s(a, "/address"))
                        .unwrap_or_default(),
                )
            }),
            col("External-IP", 1, |v| {
                or_none(
                    arr(v, "/status/addresses")
                        .iter()
                        .find(|a| a["type"] == "ExternalIP")
                        .map(|a| s(a, "/address"))
                        .unwrap_or_default(),
                )
            }),
            col("OS-Image", 1, |v| {
                Value::String(s(v, "/status/nodeInfo/osImage"))
            }),
            col("Kernel-Version", 1, |v| {
                Value::String(s(v, "/status/nodeInfo/kernelVersion"))
            }),
            col("Container-Runtime", 1, |v| {
                Value::String(s(v, "/status/nodeInfo/containerRuntimeVersion"))
            }),
        ],
        ("", "Service") => vec![
            col("Name", 0, name),
            col("Type", 0, |v| Value::String(s(v, "/spec/type"))),
            col("Cluster-IP", 0, |v| or_none(s(v, "/spec/clusterIP"))),
            col("External-IP", 0, |v| {
                let mut ips: Vec<String> = arr(v, "/status/loadBalancer/ingress")
                    .iter()
                    .map(|i| s(i, "/ip"))
                    .filter(|i| !i.is_empty())
                    .collect();
                ips.extend(
                    arr(v, "/spec/externalIPs")
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string)),
                );
                if ips.is_empty() && s(v, "/spec/type") == "LoadBalancer" {
                    return Value::String("<pending>".into());
                }
                or_none(ips.join(","))
            }),
            col("Port(s)", 0, |v| or_none(ports(v))),
            col("Age", 0, age),
            col("Selector", 1, |v| {
                or_none(map_selector(v, "/spec/selector"))
            }),
        ],
        ("", "Endpoints") => vec![
            col("Name", 0, name),
            col("Endpoints", 0, |v| {
                let mut eps = Vec::new();
                for subset in arr(v, "/subsets") {
                    for a in arr(subset, "/addresses") {
                        for p in arr(subset, "/ports") {
                            eps.push(format!("{}:{}", s(a, "/ip"), n(p, "/port")));
                        }
                    }
                }
                or_none(eps.join(","))
            }),
            col("Age", 0, age),
        ],
        ("", "ConfigMap") => vec![
            col("Name", 0, name),
            int("Data", 0, |v| {
                let d = v.get("data").and_then(Value::as_object).map_or(0, Map::len);
                let b = v
                    .get("binaryData")
                    .and_then(Value::as_object)
                    .map_or(0, Map::len);
                Value::from(d + b)
            }),
            col("Age", 0, age),
        ],
        ("", "Secret") => vec![
            col("Name", 0, name),
            col("Type", 0, |v| Value::String(s(v, "/type"))),
            int("Data", 0, |v| {
                Value::from(v.get("data").and_then(Value::as_object).map_or(0, Map::len))
            }),
            col("Age", 0, age),
        ],
        ("", "PersistentVolume") => vec![
            col("Name", 0, name),
            col("Capacity", 0, |v| {
                Value::String(s(v, "/spec/capacity/storage"))
            }),
            col("Access Modes", 0, |v| {
                Value::String(access_modes(arr(v, "/spec/accessModes")))
            }),
            col("Reclaim Policy", 0, |v| {
                Value::String(s(v, "/spec/persistentVolumeReclaimPolicy"))
            }),
            col("Status", 0, |v| Value::String(s(v, "/status/phase"))),
            col("Claim", 0, |v| {
                let ns = s(v, "/spec/claimRef/namespace");
                let n = s(v, "/spec/claimRef/name");
                Value::String(if n.is_empty() {
                    String::new()
                } else {
                    format!("{ns}/{n}")
                })
            }),
            col("StorageClass", 0, |v| {
                Value::String(s(v, "/spec/storageClassName"))
            }),
            col("VolumeAttributesClass", 0, |v| {
                or_unset(s(v, "/spec/volumeAttributesClassName"))
            }),
            col("Reason", 0, |v| Value::String(s(v, "/status/reason"))),
            col("Age", 0, age),
            col("VolumeMode", 1, |v| Value::String(s(v, "/spec/volumeMode"))),
        ],
        ("", "PersistentVolumeClaim") => vec![
            col("Name", 0, name),
            col("Status", 0, |v| {
                Value::String(if v.pointer("/metadata/deletionTimestamp").is_some() {
                    "Terminating".into()
                } else {
                    s(v, "/status/phase")
                })
            }),
            col("Volume", 0, |v| Value::String(s(v, "/spec/volumeName"))),
            col("Capacity", 0, |v| {
                Value::String(s(v, "/status/capacity/storage"))
            }),
            col("Access Modes", 0, |v| {
                Value::String(access_modes(arr(v, "/status/accessModes")))
            }),
            col("StorageClass", 0, |v| {
                Value::String(s(v, "/spec/storageClassName"))
            }),
            col("VolumeAttributesClass", 0, |v| {
                or_unset(s(v, "/spec/volumeAttributesClassName"))
            }),
            col("Age", 0, age),
            col("VolumeMode", 1, |v| Value::String(s(v, "/spec/volumeMode"))),
        ],
        ("", "ResourceQuota") => vec![
            col("Name", 0, name),
            col("Age", 0, age),
            col("Request", 0, |v| Value::String(quota_pairs(v, false))),
            col("Limit", 0, |v| Value::String(quota_pairs(v, true))),
        ],
        ("", "Event") => vec![
            col("Last Seen", 0, |v| {
                for path in [
                    "/lastTimestamp",
                    "/eventTime",
                    "/metadata/creationTimestamp",
                ] {
                    if v.pointer(path).and_then(Value::as_str).is_some() {
                        return since(v, path);
                    }
                }
                Value::String("<unknown>".into())
            }),
            col("Type", 0, |v| Value::String(s(v, "/type"))),
            col("Reason", 0, |v| Value::String(s(v, "/reason"))),
            col("Object", 0, |v| {
                Value::String(format!(
                    "{}/{}",
                    s(v, "/involvedObject/kind").to_lowercase(),
                    s(v, "/involvedObject/name")
                ))
            }),
            col("Subobject", 1, |v| {
                Value::String(s(v, "/involvedObject/fieldPath"))
            }),
            col("Source", 1, |v| Value::String(s(v, "/source/component"))),
            col("Message", 0, |v| {
                Value::String(s(v, "/message").trim().to_string())
            }),
            col("First Seen", 1, |v| since(v, "/firstTimestamp")),
            int("Count", 1, |v| Value::from(n(v, "/count"))),
            col("Name", 1, name),
        ],
        ("", "ServiceAccount") => vec![
            col("Name", 0, name),
            int("Secrets", 0, |v| Value::from(arr(v, "/secrets").len())),
            col("Age", 0, age),
        ],
        ("apps", "Deployment") => {
            let [c, i] = workload_wide("/spec/template/spec");
            vec![
                col("Name", 0, name),
                col("Ready", 0, |v| {
                    Value::String(format!(
                        "{}/{}",
                        n(v, "/status/readyReplicas"),
                        v.pointer("/spec/replicas")
                            .and_then(Value::as_i64)
                            .unwrap_or(1)
                    ))
                }),
                int("Up-to-date", 0, |v| {
                    Value::from(n(v, "/status/updatedReplicas"))
                }),
                int("Available", 0, |v| {
                    Value::from(n(v, "/status/availableReplicas"))
                }),
                col("Age", 0, age),
                c,
                i,
                selector_col(),
            ]
        }
        ("apps", "ReplicaSet") => {
            let [c, i] = workload_wide("/spec/template/spec");
            vec![
                col("Name", 0, name),
                int("Desired", 0, |v| {
                    Value::from(
                        v.pointer("/spec/replicas")
                            .and_then(Value::as_i64)
                            .unwrap_or(1),
                    )
                }),
                int("Current", 0, |v| Value::from(n(v, "/status/replicas"))),
                int("Ready", 0, |v| Value::from(n(v, "/status/readyReplicas"))),
                col("Age", 0, age),
                c,
                i,
                selector_col(),
            ]
        }
        ("apps", "StatefulSet") => {
            let [c, i] = workload_wide("/spec/template/spec");
            vec![
                col("Name", 0, name),
                col("Ready", 0, |v| {
                    Value::String(format!(
                        "{}/{}",
                        n(v, "/status/readyReplicas"),
                        v.pointer("/spec/replicas")
                            .and_then(Value::as_i64)
                            .unwrap_or(1)
                    ))
                }),
                col("Age", 0, age),
                c,
                i,
            ]
        }
        ("apps", "DaemonSet") => {
            let [c, i] = workload_wide("/spec/template/spec");
            vec![
                col("Name", 0, name),
                int("Desired", 0, |v| {
                    Value::from(n(v, "/status/desiredNumberScheduled"))
                }),
                int("Current", 0, |v| {
                    Value::from(n(v, "/status/currentNumberScheduled"))
                }),
                int("Ready", 0, |v| Value::from(n(v, "/status/numberReady"))),
                int("Up-to-date", 0, |v| {
                    Value::from(n(v, "/status/updatedNumberScheduled"))
                }),
                int("Available", 0, |v| {
                    Value::from(n(v, "/status/numberAvailable"))
                }),
                col("Node Selector", 0, |v| {
                    or_none(map_selector(v, "/spec/template/spec/nodeSelector"))
                }),
                col("Age", 0, age),
                c,
                i,
                selector_col(),
            ]
        }
        ("apps", "ControllerRevision") => vec![
            col("Name", 0, name),
            col("Controller", 0, |v| {
                arr(v, "/metadata/ownerReferences")
                    .iter()
                    .find(|o| o["controller"] == true)
                    .map(|o| {
                        Value::String(format!(
                            "{}.{}/{}",
                            s(o, "/kind").to_lowercase(),
                            s(o, "/apiVersion").split('/').next().unwrap_or_default(),
                            s(o, "/name")
                        ))
                    })
                    .unwrap_or_else(|| Value::String("<none>".into()))
            }),
            int("Revision", 0, |v| Value::from(n(v, "/revision"))),
            col("Age", 0, age),
        ],
        ("batch", "Job") => {
            let [c, i] = workload_wide("/spec/template/spec");
            vec![
                col("Name", 0, name),
                col("Status", 0, |v| Value::String(job_status(v))),
                col("Completions", 0, |v| {
                    Value::String(format!(
                        "{}/{}",
                        n(v, "/status/succeeded"),
                        v.pointer("/spec/completions")
                            .and_then(Value::as_i64)
                            .unwrap_or(1)
                    ))
                }),
                col("Duration", 0, |v| {
                    let start = v
                        .pointer("/status/startTime")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
                    let end = v
                        .pointer("/status/completionTime")
                        .and_then(Value::as_str)
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
                    match start {
                        None => Value::String(String::new()),
                        Some(st) => {
                            let end = end.map(|e| e.with_timezone(&Utc)).unwrap_or_else(Utc::now);
                            Value::String(human_duration(
                                (end - st.with_timezone(&Utc)).num_seconds(),
                            ))
                        }
                    }
                }),
                col("Age", 0, age),
                c,
                i,
                selector_col(),
            ]
        }
        ("batch", "CronJob") => {
            let [c, i] = workload_wide("/spec/jobTemplate/spec/template/spec");
            vec![
                col("Name", 0, name),
                col("Schedule", 0, |v| Value::String(s(v, "/spec/schedule"))),
                col("Timezone", 0, |v| or_none(s(v, "/spec/timeZone"))),
                col("Suspend", 0, |v| {
                    Value::String(
                        v.pointer("/spec/suspend")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                            .to_string()
                            .replace("true", "True")
                            .replace("false", "False"),
                    )
                }),
                int("Active", 0, |v| Value::from(arr(v, "/status/active").len())),
                col("Last Schedule", 0, |v| {
                    if v.pointer("/status/lastScheduleTime").is_some() {
                        since(v, "/status/lastScheduleTime")
                    } else {
                        Value::String("<none>".into())
                    }
                }),
                col("Age", 0, age),
                c,
                i,
                col("Selector", 1, |v| {
                    or_none(selector_string(
                        v.pointer("/spec/jobTemplate/spec/selector"),
                    ))
                }),
            ]
        }
        ("autoscaling", "HorizontalPodAutoscaler") => vec![
            col("Name", 0, name),
            col("Reference", 0, |v| {
                Value::String(format!(
                    "{}/{}",
                    s(v, "/spec/scaleTargetRef/kind"),
                    s(v, "/spec/scaleTargetRef/name")
                ))
            }),
            col("Targets", 0, |v| Value::String(hpa_targets(v))),
            int("MinPods", 0, |v| {
                Value::from(
                    v.pointer("/spec/minReplicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(1),
                )
            }),
            int("MaxPods", 0, |v| Value::from(n(v, "/spec/maxReplicas"))),
            int("Replicas", 0, |v| {
                Value::from(n(v, "/status/currentReplicas"))
            }),
            col("Age", 0, age),
        ],
        ("networking.k8s.io", "Ingress") => vec![
            col("Name", 0, name),
            col("Class", 0, |v| or_none(s(v, "/spec/ingressClassName"))),
            col("Hosts", 0, |v| {
                let hosts: Vec<String> = arr(v, "/spec/rules")
                    .iter()
                    .map(|r| s(r, "/host"))
                    .filter(|h| !h.is_empty())
                    .collect();
                Value::String(if hosts.is_empty() {
                    "*".into()
                } else {
                    hosts.join(",")
                })
            }),
            col("Address", 0, |v| {
                Value::String(
                    arr(v, "/status/loadBalancer/ingress")
                        .iter()
                        .map(|i| {
                            let ip = s(i, "/ip");
                            if ip.is_empty() {
                                s(i, "/hostname")
                            } else {
                                ip
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                )
            }),
            col("Ports", 0, |v| {
                Value::String(if arr(v, "/spec/tls").is_empty() {
                    "80".into()
                } else {
                    "80, 443".into()
                })
            }),
            col("Age", 0, age),
        ],
        ("networking.k8s.io", "IngressClass") => vec![
            col("Name", 0, name),
            col("Controller", 0, |v| Value::String(s(v, "/spec/controller"))),
            col("Parameters", 0, |v| {
                if v.pointer("/spec/parameters").is_some() {
                    Value::String(format!(
                        "{}/{}",
                        s(v, "/spec/parameters/kind"),
                        s(v, "/spec/parameters/name")
                    ))
                } else {
                    Value::String("<none>".into())
                }
            }),
            col("Age", 0, age),
        ],
        ("networking.k8s.io", "NetworkPolicy") => vec![
            col("Name", 0, name),
            col("Pod-Selector", 0, |v| {
                let sel = selector_string(v.pointer("/spec/podSelector"));
                Value::String(if sel.is_empty() { "<none>".into() } else { sel })
            }),
            col("Age", 0, age),
        ],
        ("storage.k8s.io", "StorageClass") => vec![
            col("Name", 0, |v| {
                let default = v
                    .pointer("/metadata/annotations/storageclass.kubernetes.io~1is-default-class")
                    .and_then(Value::as_str)
                    == Some("true");
                Value::String(if default {
                    format!("{} (default)", s(v, "/metadata/name"))
                } else {
                    s(v, "/metadata/name")
                })
            }),
            col("Provisioner", 0, |v| Value::String(s(v, "/provisioner"))),
            col("ReclaimPolicy", 0, |v| {
                Value::String(
                    v.get("reclaimPolicy")
                        .and_then(Value::as_str)
                        .unwrap_or("Delete")
                        .to_string(),
                )
            }),
            col("VolumeBindingMode", 0, |v| {
                Value::String(
                    v.get("volumeBindingMode")
                        .and_then(Value::as_str)
                        .unwrap_or("Immediate")
                        .to_string(),
                )
            }),
            col("AllowVolumeExpansion", 0, |v| {
                Value::String(
                    v.get("allowVolumeExpansion")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                        .to_string(),
                )
            }),
            col("Age", 0, age),
        ],
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => vec![
            col("Name", 0, name),
            col("Role", 0, |v| {
                Value::String(format!(
                    "{}/{}",
                    s(v, "/roleRef/kind"),
                    s(v, "/roleRef/name")
                ))
            }),
            col("Age", 0, age),
            col("Users", 1, |v| Value::String(subjects(v, "User"))),
            col("Groups", 1, |v| Value::String(subjects(v, "Group"))),
            col("ServiceAccounts", 1, |v| {
                Value::String(subjects(v, "ServiceAccount"))
            }),
        ],
        ("policy", "PodDisruptionBudget") => vec![
            col("Name", 0, name),
            col("Min Available", 0, |v| {
                or_na(v.pointer("/spec/minAvailable"))
            }),
            col("Max Unavailable", 0, |v| {
                or_na(v.pointer("/spec/maxUnavailable"))
            }),
            int("Allowed Disruptions", 0, |v| {
                Value::from(n(v, "/status/disruptionsAllowed"))
            }),
            col("Age", 0, age),
        ],
        ("coordination.k8s.io", "Lease") => vec![
            col("Name", 0, name),
            col("Holder", 0, |v| Value::String(s(v, "/spec/holderIdentity"))),
            col("Age", 0, age),
        ],
        _ => vec![col("Name", 0, name), created_at],
    }
}

fn or_na(v: Option<&Value>) -> Value {
    Value::String(match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "N/A".into(),
    })
}

fn or_unset(s: String) -> Value {
    Value::String(if s.is_empty() { "<unset>".into() } else { s })
}

fn access_modes(modes: &[Value]) -> String {
    let short: Vec<&str> = [
        "ReadWriteOnce",
        "ReadOnlyMany",
        "ReadWriteMany",
        "ReadWriteOncePod",
    ]
    .iter()
    .zip(["RWO", "ROX", "RWX", "RWOP"])
    .filter(|(long, _)| modes.iter().any(|m| m == *long))
    .map(|(_, s)| s)
    .collect();
    short.join(",")
}

fn quota_pairs(v: &Value, limits: bool) -> String {
    let hard = v.pointer("/status/hard").and_then(Value::as_object);
    let used = v.pointer("/status/used").and_then(Value::as_object);
    let mut out = Vec::new();
    for (k, h) in hard.into_iter().flatten() {
        if k.starts_with("limits.") != limits {
            continue;
        }
        let u = used
            .and_then(|u| u.get(k))
            .and_then(Value::as_str)
            .unwrap_or("0");
        out.push(format!("{k}: {u}/{}", h.as_str().unwrap_or_default()));
    }
    out.join(", ")
}

fn job_status(v: &Value) -> String {
    let conds = arr(v, "/status/conditions");
    let has = |t: &str| {
        conds
            .iter()
            .any(|c| c["type"] == t && c["status"] == "True")
    };
    if has("Complete") {
        "Complete".into()
    } else if has("Failed") {
        "Failed".into()
    } else if v.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating".into()
    } else if has("Suspended") {
        "Suspended".into()
    } else if has("FailureTarget") {
        "FailureTarget".into()
    } else {
        "Running".into()
    }
}

fn hpa_targets(v: &Value) -> String {
    let metrics = arr(v, "/spec/metrics");
    if metrics.is_empty() {
        return "<none>".into();
    }
    let current = arr(v, "/status/currentMetrics");
    let parts: Vec<String> = metrics
        .iter()
        .map(|m| {
            let name = s(m, "/resource/name");
            let target = m
                .pointer("/resource/target/averageUtilization")
                .and_then(Value::as_i64);
            let cur = current
                .iter()
                .find(|c| s(c, "/resource/name") == name)
                .and_then(|c| c.pointer("/resource/current/averageUtilization"))
                .and_then(Value::as_i64);
            let cur = cur.map_or("<unknown>".to_string(), |c| format!("{c}%"));
            match target {
                Some(t) => format!("{name}: {cur}/{t}%"),
                None => format!("{name}: {cur}/{}", s(m, "/resource/target/averageValue")),
            }
        })
        .collect();
    parts.join(", ")
}

fn subjects(v: &Value, kind: &str) -> String {
    arr(v, "/subjects")
        .iter()
        .filter(|s| s["kind"] == kind)
        .map(|x| {
            let ns = s(x, "/namespace");
            if kind == "ServiceAccount" {
                format!("{ns}/{}", s(x, "/name"))
            } else {
                s(x, "/name")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn row_object(obj: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => obj.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
        }),
    }
}

/// The `Table` of `objects` (a list's items or one object).
pub fn table(
    rt: &ResourceType,
    objects: &[Value],
    list_meta: Option<&Value>,
    include: IncludeObject,
    beta: bool,
    with_columns: bool,
) -> Value {
    let cols: Vec<Printed> = if rt.printer_columns.is_empty() {
        columns(rt)
            .into_iter()
            .map(|c| {
                let cell = c.cell;
                (
                    c.name.to_string(),
                    c.kind,
                    c.priority,
                    Box::new(cell) as Box<dyn Fn(&Value) -> Value>,
                )
            })
            .collect()
    } else {
        custom_columns(rt)
    };
    let defs: Vec<Value> = cols
        .iter()
        .map(|(name, kind, priority, _)| {
            json!({
                "name": name,
                "type": kind,
                "format": if name == "Name" { "name" } else { "" },
                "description": name,
                "priority": priority,
            })
        })
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| {
            let cells: Vec<Value> = cols.iter().map(|(_, _, _, cell)| cell(o)).collect();
            let mut row = json!({ "cells": cells });
            let object = row_object(o, include);
            if !object.is_null() {
                row["object"] = object;
            }
            row
        })
        .collect();
    let mut t = json!({
        "kind": "Table",
        "apiVersion": if beta { "meta.k8s.io/v1beta1" } else { "meta.k8s.io/v1" },
        "metadata": list_meta.cloned().unwrap_or_else(|| json!({})),
        "rows": rows,
    });
    if with_columns {
        t["columnDefinitions"] = Value::Array(defs);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_kubectl_prints_them() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 120), "3h2m");
        assert_eq!(human_duration(30 * 3600), "30h");
        assert_eq!(human_duration(3 * 86_400 + 3600), "3d1h");
        assert_eq!(human_duration(40 * 86_400), "40d");
    }
}
