//! The kubelets: start the containers of pods bound to their node (after
//! [`START_DELAY`]), report them Running and Ready with addresses and
//! container statuses, and finish the pods that are meant to finish (those
//! annotated with a run time, and Job-style pods that do not restart).
//!
//! Images can ask for trouble: a tag `:notfound` never pulls
//! (`ImagePullBackOff`), an image named `...crashloop...` keeps crashing
//! (`CrashLoopBackOff`).

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{fnv, record_event, write_status};
use crate::ops::{meta, set_condition, Cluster};
use crate::pods::{self, EXIT_CODE, RUN_SECONDS};
use crate::resources;

/// How long a bound pod stays ContainerCreating before it runs.
pub const START_DELAY: chrono::Duration = chrono::Duration::milliseconds(300);
/// How long a pod that does not restart (`Never`, `OnFailure`) runs by default.
pub const DEFAULT_RUN_SECONDS: i64 = 2;

fn time(pod: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    pod.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn scheduled_at(pod: &Value) -> Option<DateTime<Utc>> {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c["type"] == "PodScheduled" && c["status"] == "True")
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn annotation<'a>(pod: &'a Value, key: &str) -> Option<&'a str> {
    pod.pointer(&format!("/metadata/annotations/{}", key.replace('/', "~1")))
        .and_then(Value::as_str)
}

fn images(pod: &Value) -> Vec<(String, String)> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let s = |f: &str| {
                c.get(f)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (s("name"), s("image"))
        })
        .collect()
}

fn run_seconds(pod: &Value) -> Option<i64> {
    if let Some(s) = annotation(pod, RUN_SECONDS).and_then(|s| s.parse().ok()) {
        return Some(s);
    }
    let policy = pod
        .pointer("/spec/restartPolicy")
        .and_then(Value::as_str)
        .unwrap_or("Always");
    (policy != "Always").then_some(DEFAULT_RUN_SECONDS)
}

/// What the kubelet should do with a pod now.
enum Step {
    Start,
    PullFails,
    Finish(i64),
    CrashAgain(i64),
}

fn next_step(pod: &Value, now: DateTime<Utc>) -> Option<Step> {
    if !meta(pod, "deletionTimestamp").is_empty() || pods::is_terminal(pod) {
        return None;
    }
    pod.pointer("/spec/nodeName")?;
    let phase = pod
        .pointer("/status/phase")
        .and_then(Value::as_str)
        .unwrap_or("Pending");
    let imgs = images(pod);
    match phase {
        "Pending" => {
            if now - scheduled_at(pod)? < START_DELAY {
                return None;
            }
            if imgs.iter().any(|(_, i)| i.ends_with(":notfound")) {
                let reported = pod
                    .pointer("/status/containerStatuses/0/state/waiting/reason")
                    .and_then(Value::as_str)
                    == Some("ImagePullBackOff");
                return (!reported).then_some(Step::PullFails);
            }
            Some(Step::Start)
        }
        "Running" => {
            let started = time(pod, "/status/startTime")?;
            if imgs.iter().any(|(_, i)| i.contains("crashloop")) {
                let restarts = (now - started).num_seconds() / 10 + 1;
                let current = pod
                    .pointer("/status/containerStatuses/0/restartCount")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                return (restarts != current).then_some(Step::CrashAgain(restarts));
            }
            let run = run_seconds(pod)?;
            (now - started >= chrono::Duration::seconds(run)).then(|| {
                Step::Finish(
                    annotation(pod, EXIT_CODE)
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(0),
                )
            })
        }
        _ => None,
    }
}

fn node_ip(node: &str) -> String {
    let n = node
        .rsplit('-')
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(1);
    format!("10.0.0.{}", 10 + n)
}

fn pod_ip(pod: &Value, node: &str) -> String {
    let n = node
        .rsplit('-')
        .next()
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(1);
    let h = fnv(&meta(pod, "uid"));
    format!("10.244.{}.{}", n.saturating_sub(1), 2 + h % 250)
}

fn container_status(
    name: &str,
    image: &str,
    state: Value,
    ready: bool,
    restarts: i64,
    uid: &str,
) -> Value {
    json!({
        "name": name,
        "image": image,
        "imageID": format!("{image}@sha256:{:064x}", u128::from(fnv(image as &str)) << 64 | u128::from(fnv(name))),
        "containerID": format!("containerd://{:016x}{:016x}", fnv(uid), fnv(name)),
        "ready": ready,
        "started": ready || state.get("running").is_some(),
        "restartCount": restarts,
        "state": state,
    })
}

fn apply(pod: &mut Value, step: &Step, now: &str) {
    let node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let uid = meta(pod, "uid");
    let imgs = images(pod);
    let ip = pod_ip(pod, &node);
    let (phase, ready, statuses): (&str, bool, Vec<Value>) = match step {
        Step::PullFails => (
            "Pending",
            false,
            imgs.iter()
                .map(|(n, i)| {
                    let state = json!({"waiting": {"reason": "ImagePullBackOff", "message": format!("Back-off pulling image {i:?}")}});
                    container_status(n, i, state, false, 0, &uid)
                })
                .collect(),
        ),
        Step::Start => (
            "Running",
            true,
            imgs.iter()
                .map(|(n, i)| container_status(n, i, json!({"running": {"startedAt": now}}), true, 0, &uid))
                .collect(),
        ),
        Step::CrashAgain(restarts) => (
            "Running",
            false,
            imgs.iter()
                .map(|(n, i)| {
                    let state = json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off restarting failed container {n}")}});
                    let mut s = container_status(n, i, state, false, *restarts, &uid);
                    s["lastState"] = json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": now}});
                    s
                })
                .collect(),
        ),
        Step::Finish(code) => (
            if *code == 0 { "Succeeded" } else { "Failed" },
            false,
            imgs.iter()
                .map(|(n, i)| {
                    let reason = if *code == 0 { "Completed" } else { "Error" };
                    let state = json!({"terminated": {"exitCode": code, "reason": reason, "finishedAt": now}});
                    container_status(n, i, state, false, 0, &uid)
                })
                .collect(),
        ),
    };
    let Some(status) = crate::hooks::object_at(pod, "status") else {
        return;
    };
    status.insert("phase".into(), json!(phase));
    status.insert("hostIP".into(), json!(node_ip(&node)));
    status.insert("hostIPs".into(), json!([{ "ip": node_ip(&node) }]));
    if !matches!(step, Step::PullFails) {
        status.insert("podIP".into(), json!(ip));
        status.insert("podIPs".into(), json!([{ "ip": ip }]));
    }
    status.entry("startTime").or_insert_with(|| json!(now));
    status.insert("containerStatuses".into(), json!(statuses));
    let t = |b: bool| if b { "True" } else { "False" };
    let started = !matches!(step, Step::PullFails);
    set_condition(pod, "PodReadyToStartContainers", t(started), "", "", now);
    set_condition(pod, "Initialized", "True", "", "", now);
    let why = if ready {
        ""
    } else if matches!(step, Step::Finish(_)) {
        "PodCompleted"
    } else {
        "ContainersNotReady"
    };
    set_condition(pod, "Ready", t(ready), why, "", now);
    set_condition(pod, "ContainersReady", t(ready), why, "", now);
}

/// One pass of every node's kubelet.
pub(crate) fn sync(cluster: &Arc<Cluster>) {
    let Some(pod_type) = resources::core("pods") else {
        return;
    };
    let (work, now) = {
        let store = cluster.lock();
        let now = store.now();
        let work: Vec<(Value, Step)> = store
            .list(pod_type, None)
            .filter_map(|(_, p)| next_step(p, now).map(|s| (p.clone(), s)))
            .collect();
        (work, now)
    };
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    for (mut pod, step) in work {
        apply(&mut pod, &step, &stamp);
        write_status(cluster, pod_type, &pod);
        let (kind, reason, message) = match &step {
            Step::Start => ("Normal", "Started", "Started container(s)".to_string()),
            Step::PullFails => (
                "Warning",
                "Failed",
                "Failed to pull image: not found".to_string(),
            ),
            Step::CrashAgain(_) => (
                "Warning",
                "BackOff",
                "Back-off restarting failed container".to_string(),
            ),
            Step::Finish(code) => (
                "Normal",
                "Completed",
                format!("Containers exited with code {code}"),
            ),
        };
        record_event(cluster, pod_type, &pod, kind, reason, &message, "kubelet");
    }
}
