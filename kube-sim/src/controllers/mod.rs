//! The simulated control plane: a scheduler, a kubelet per node, the
//! Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
//! HorizontalPodAutoscaler, volume and endpoints controllers, and the garbage collector. Like
//! Kubernetes' controllers they are clients of the API: each pass reads
//! the store briefly under its lock, then writes through the same
//! [`Cluster`] operations that HTTP requests use, so validation, quota
//! admission and resourceVersion checks apply to them too.
//!
//! One task runs every controller after each batch of changes and on a
//! short tick (for time-driven work: containers starting and finishing).
//! It stops when the simulator is dropped.

mod daemonset;
mod deployment;
mod endpoints;
mod gc;
mod hpa;
mod job;
mod kubelet;
mod replicaset;
mod scheduler;
mod statefulset;
mod volumes;

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::SecondsFormat;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::ops::{meta, Cluster};
use crate::resources::{self, ResourceType};
use crate::store::EventType;

pub use endpoints::TRIGGER_TIME;
pub use gc::{FOREGROUND, ORPHAN};

/// How often time-driven work is looked at when nothing changes.
pub const TICK: Duration = Duration::from_millis(200);

/// How long a controller waits before retrying a write the API refused.
pub const RETRY_AFTER: Duration = Duration::from_secs(5);

/// What the controllers remember between passes.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Objects (by uid) whose last attempt failed, and when.
    failed: std::collections::HashMap<String, std::time::Instant>,
}

impl State {
    /// Whether `uid`'s last failure is recent enough to wait.
    pub fn backing_off(&self, uid: &str) -> bool {
        self.failed
            .get(uid)
            .is_some_and(|t| t.elapsed() < RETRY_AFTER)
    }

    /// Remembers a failure (`true`) or forgets it.
    pub fn note(&mut self, uid: &str, failed: bool) {
        if failed {
            self.failed
                .insert(uid.to_string(), std::time::Instant::now());
        } else {
            self.failed.remove(uid);
        }
    }
}

/// What woke the controllers.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Wake {
    /// Something was deleted or marked for deletion (the garbage collector has work).
    pub deletions: bool,
}

/// Starts the controllers on the current tokio runtime (none: they do not run).
pub fn start(cluster: &Arc<Cluster>) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        tracing::warn!("no tokio runtime: the simulated controllers do not run");
        return;
    };
    let weak = Arc::downgrade(cluster);
    let rx = cluster.lock().subscribe();
    handle.spawn(run(weak, rx));
}

async fn run(weak: Weak<Cluster>, mut rx: tokio::sync::broadcast::Receiver<crate::store::Change>) {
    let mut wake = Wake { deletions: true };
    let mut state = State::default();
    loop {
        match weak.upgrade() {
            Some(cluster) => reconcile(&cluster, wake, &mut state),
            None => return,
        }
        wake = Wake::default();
        tokio::select! {
            first = rx.recv() => match first {
                Err(RecvError::Closed) => return,
                Err(RecvError::Lagged(_)) => wake.deletions = true,
                Ok(change) => wake.note(&change),
            },
            _ = tokio::time::sleep(TICK) => {}
        }
        loop {
            match rx.try_recv() {
                Ok(change) => wake.note(&change),
                Err(TryRecvError::Lagged(_)) => wake.deletions = true,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => return,
            }
        }
    }
}

impl Wake {
    fn note(&mut self, change: &crate::store::Change) {
        if change.event == EventType::Deleted
            || !meta(&change.object, "deletionTimestamp").is_empty()
        {
            self.deletions = true;
        }
    }
}

/// One pass of every controller.
pub(crate) fn reconcile(cluster: &Arc<Cluster>, wake: Wake, state: &mut State) {
    if wake.deletions {
        gc::collect(cluster);
    }
    job::sync_cronjobs(cluster);
    job::sync_jobs(cluster, state);
    hpa::sync(cluster);
    deployment::sync(cluster);
    replicaset::sync(cluster, state);
    statefulset::sync(cluster, state);
    daemonset::sync(cluster, state);
    volumes::sync(cluster, state);
    scheduler::schedule(cluster);
    kubelet::sync(cluster);
    endpoints::sync(cluster);
    crate::disruption::sync(cluster);
}

/// The uid of an object's controlling owner.
pub(crate) fn controller_uid(obj: &Value) -> Option<&str> {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
}

/// An owner reference to `owner` with `controller: true`.
pub(crate) fn owner_ref(rt: &ResourceType, owner: &Value) -> Value {
    json!({
        "apiVersion": rt.api_version(),
        "kind": rt.kind,
        "name": meta(owner, "name"),
        "uid": meta(owner, "uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

pub(crate) fn row(group: &str, plural: &str) -> Option<&'static ResourceType> {
    resources::RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural && r.computed.is_none())
}

pub(crate) fn int(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

/// Writes an object's new status (ignoring conflicts: the next pass retries).
pub(crate) fn write_status(cluster: &Cluster, rt: &'static ResourceType, obj: &Value) {
    let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str);
    let name = meta(obj, "name");
    match serde_json::to_vec(obj) {
        Ok(bytes) => {
            if let Err(e) = cluster.update(rt, ns, &name, &bytes, true, false) {
                tracing::debug!(error = %e.message, name, "status write skipped");
            }
        }
        Err(e) => tracing::warn!(error = %e, "status not serializable"),
    }
}

/// Records an Event about `obj` (`Normal` or `Warning`), folding a repeat
/// of the same reason and message into the existing event's count.
pub(crate) fn record_event(
    cluster: &Cluster,
    rt: &ResourceType,
    obj: &Value,
    kind: &str,
    reason: &str,
    message: &str,
    source: &str,
) {
    let Some(events) = resources::core("events") else {
        return;
    };
    let namespace = match obj.pointer("/metadata/namespace").and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() => ns.to_string(),
        _ => "default".to_string(),
    };
    let uid = meta(obj, "uid");
    let name = format!(
        "{}.{:x}",
        meta(obj, "name"),
        fnv(&format!("{uid}/{reason}/{message}"))
    );
    let now = cluster
        .lock()
        .now()
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    if let Ok(mut existing) = cluster.get(events, Some(&namespace), &name) {
        existing["count"] = json!(int(&existing, "/count") + 1);
        existing["lastTimestamp"] = json!(now);
        if let Ok(bytes) = serde_json::to_vec(&existing) {
            let _ = cluster.update(events, Some(&namespace), &name, &bytes, false, false);
        }
        return;
    }
    let event = json!({
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": { "name": name, "namespace": namespace },
        "involvedObject": {
            "apiVersion": rt.api_version(), "kind": rt.kind,
            "name": meta(obj, "name"), "namespace": obj.pointer("/metadata/namespace"),
            "uid": uid, "resourceVersion": meta(obj, "resourceVersion"),
        },
        "reason": reason,
        "message": message,
        "type": kind,
        "source": { "component": source },
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
        "reportingComponent": source,
    });
    if let Ok(bytes) = serde_json::to_vec(&event) {
        if let Err(e) = cluster.create(events, Some(&namespace), &bytes, false) {
            tracing::debug!(error = %e.message, "event not recorded");
        }
    }
}

/// FNV-1a, 64 bits.
pub(crate) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Kubernetes' "safe" encoding of a hash: at most 10 characters that
/// cannot spell words (`pod-template-hash`, generated names).
pub(crate) fn safe_hash(s: &str) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut h = fnv(s);
    let mut out = String::new();
    for _ in 0..10 {
        out.push(char::from(ALPHABET[(h % 27) as usize]));
        h /= 27;
    }
    out
}
