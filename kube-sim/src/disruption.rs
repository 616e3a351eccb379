//! PodDisruptionBudgets (policy/v1) and the eviction API honouring them, as
//! kube-apiserver and the disruption controller have them: a budget's
//! status counts the healthy (Ready) pods its selector picks against what
//! `minAvailable` or `maxUnavailable` asks; an eviction that would take a
//! healthy pod below the budget is a 429 with a `DisruptionBudget` cause,
//! which `kubectl drain` and Berth's node maintenance retry.

use serde_json::{json, Value};

use crate::ops::{meta, Cluster};
use crate::resources::{self, ResourceType};
use crate::selectors::LabelSelector;
use crate::status::{ApiError, Cause};
use crate::store::Store;

fn pdb_type() -> Option<&'static ResourceType> {
    resources::lookup("policy", "v1", "poddisruptionbudgets")
}

fn ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// An int-or-percent of `total`, rounded up as the disruption controller does.
fn scaled(v: &Value, total: i64) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let p: f64 = s.strip_suffix('%')?.parse().ok()?;
            Some(((p / 100.0) * total as f64).ceil() as i64)
        }
        _ => None,
    }
}

/// The status of `pdb` over the pods of its namespace.
pub fn status(store: &Store, pdb: &Value) -> Value {
    let ns = meta(pdb, "namespace");
    let selector = pdb
        .pointer("/spec/selector")
        .and_then(|s| LabelSelector::from_json(s).ok());
    let mut expected = 0;
    let mut healthy = 0;
    if let (Some(pods), Some(sel)) = (resources::core("pods"), &selector) {
        for (_, p) in store.list(pods, Some(&ns)) {
            if !sel.matches(p)
                || crate::pods::is_terminal(p)
                || !meta(p, "deletionTimestamp").is_empty()
            {
                continue;
            }
            expected += 1;
            if ready(p) {
                healthy += 1;
            }
        }
    }
    let desired = match (
        pdb.pointer("/spec/minAvailable"),
        pdb.pointer("/spec/maxUnavailable"),
    ) {
        (Some(min), _) => scaled(min, expected).unwrap_or(0),
        (None, Some(max)) => expected - scaled(max, expected).unwrap_or(0),
        (None, None) => 0,
    }
    .max(0);
    let allowed = (healthy - desired).max(0);
    let now = crate::ops::now();
    json!({
        "observedGeneration": pdb.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
        "disruptionsAllowed": allowed,
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "conditions": [{
            "type": "DisruptionAllowed",
            "status": if allowed > 0 { "True" } else { "False" },
            "reason": if allowed > 0 { "SufficientPods" } else { "InsufficientPods" },
            "message": "",
            "observedGeneration": pdb.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
            "lastTransitionTime": now,
        }],
    })
}

/// The disruption controller's pass: every budget's status, when it changed.
pub fn sync(cluster: &Cluster) {
    let Some(rt) = pdb_type() else { return };
    let updates: Vec<Value> = {
        let store = cluster.lock();
        store
            .list(rt, None)
            .filter_map(|(_, pdb)| {
                let mut next = status(&store, pdb);
                let old = pdb.get("status").cloned().unwrap_or_default();
                let same = [
                    "disruptionsAllowed",
                    "currentHealthy",
                    "desiredHealthy",
                    "expectedPods",
                    "observedGeneration",
                ]
                .iter()
                .all(|k| old.get(*k) == next.get(*k));
                if same {
                    return None;
                }
                if let Some(t) = old.pointer("/conditions/0/lastTransitionTime") {
                    if old.pointer("/conditions/0/status") == next.pointer("/conditions/0/status") {
                        next["conditions"][0]["lastTransitionTime"] = t.clone();
                    }
                }
                let mut updated = pdb.clone();
                updated["status"] = next;
                Some(updated)
            })
            .collect()
    };
    for pdb in updates {
        crate::controllers::write_status(cluster, rt, &pdb);
    }
}

/// Whether the budgets of a pod let it be evicted now; the 429 when not.
pub fn check_eviction(store: &Store, pod: &Value) -> Result<(), ApiError> {
    let Some(rt) = pdb_type() else { return Ok(()) };
    if crate::pods::is_terminal(pod) {
        return Ok(());
    }
    let ns = meta(pod, "namespace");
    let budgets: Vec<&Value> = store
        .list(rt, Some(&ns))
        .map(|(_, b)| b)
        .filter(|b| {
            b.pointer("/spec/selector")
                .and_then(|s| LabelSelector::from_json(s).ok())
                .is_some_and(|sel| sel.matches(pod))
        })
        .collect();
    match budgets.as_slice() {
        [] => Ok(()),
        [budget] => {
            let st = status(store, budget);
            let (healthy, desired) = (st["currentHealthy"].as_i64().unwrap_or(0), st["desiredHealthy"].as_i64().unwrap_or(0));
            // An unready pod does not count against the budget while it holds.
            let allowed = if ready(pod) { st["disruptionsAllowed"].as_i64().unwrap_or(0) > 0 } else { healthy >= desired };
            if allowed {
                return Ok(());
            }
            Err(ApiError {
                code: 429,
                reason: "TooManyRequests",
                message: "Cannot evict pod as it would violate the pod's disruption budget.".into(),
                details: Some(json!({
                    "causes": [Cause {
                        reason: "DisruptionBudget",
                        field: String::new(),
                        message: format!("The disruption budget {} needs {desired} healthy pods and has {healthy} currently", meta(budget, "name")),
                    }.to_json()],
                })),
            })
        }
        _ => Err(ApiError::internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")),
    }
}

/// Field errors of a budget.
pub fn validate(pdb: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    if pdb.pointer("/spec/minAvailable").is_some() && pdb.pointer("/spec/maxUnavailable").is_some()
    {
        out.push(Cause::invalid_raw(
            "spec",
            "policy.PodDisruptionBudgetSpec{...}",
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    for f in ["minAvailable", "maxUnavailable"] {
        if let Some(v) = pdb.pointer(&format!("/spec/{f}")) {
            let bad = match v {
                Value::Number(n) => n.as_i64().is_none_or(|n| n < 0),
                Value::String(s) => s
                    .strip_suffix('%')
                    .and_then(|p| p.parse::<u32>().ok())
                    .is_none_or(|p| p > 100),
                _ => true,
            };
            if bad {
                out.push(Cause::invalid(
                    &format!("spec.{f}"),
                    v.to_string().trim_matches('"'),
                    "must be a non-negative integer or a percentage between 0% and 100%",
                ));
            }
        }
    }
    out
}
