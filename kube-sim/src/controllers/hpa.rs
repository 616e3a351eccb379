//! The HorizontalPodAutoscaler controller (autoscaling/v2): for CPU or
//! memory `Resource` metrics with an `averageUtilization` target, it reads
//! the simulated usage of the target's running pods, computes
//! `ceil(current * utilization / target)` (no change within 10%), keeps it
//! within `minReplicas`/`maxReplicas`, waits out the scale-down
//! stabilization window, and writes the target's `scale` subresource.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{int, record_event, row, write_status};
use crate::metrics::container_usage;
use crate::ops::{meta, set_condition, Cluster};
use crate::pods;
use crate::resources::{self, ResourceType};
use crate::selectors::LabelSelector;

const TOLERANCE: f64 = 0.1;

fn target_type(kind: &str) -> Option<&'static ResourceType> {
    match kind {
        "Deployment" => row("apps", "deployments"),
        "StatefulSet" => row("apps", "statefulsets"),
        "ReplicaSet" => row("apps", "replicasets"),
        _ => None,
    }
}

/// Average utilization (percent of requests) of `resource` over the running pods.
fn utilization(pods_now: &[Value], resource: &str, seconds: f64) -> Option<f64> {
    let mut used = 0.0;
    let mut requested = 0.0;
    for p in pods_now {
        let usage = container_usage(p, seconds);
        used += usage
            .iter()
            .map(|(_, c, m)| if resource == "cpu" { *c } else { *m })
            .sum::<f64>();
        requested += pods::total(p, "requests", resource);
    }
    (requested > 0.0).then(|| 100.0 * used / requested)
}

/// One pass over every HorizontalPodAutoscaler.
pub(crate) fn sync(cluster: &Arc<Cluster>) {
    let (Some(hpa_type), Some(pod_type)) = (
        row("autoscaling", "horizontalpodautoscalers"),
        resources::core("pods"),
    ) else {
        return;
    };
    let (hpas, now) = {
        let store = cluster.lock();
        let hpas: Vec<Value> = store.list(hpa_type, None).map(|(_, v)| v.clone()).collect();
        (hpas, store.now())
    };
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    for mut hpa in hpas {
        let ns = meta(&hpa, "namespace");
        let before = hpa.get("status").cloned();
        let kind = hpa
            .pointer("/spec/scaleTargetRef/kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let target_name = hpa
            .pointer("/spec/scaleTargetRef/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some(rt) = target_type(&kind) else {
            set_condition(
                &mut hpa,
                "AbleToScale",
                "False",
                "FailedGetScale",
                &format!("the HPA controller cannot scale a {kind}"),
                &stamp,
            );
            if hpa.get("status") != before.as_ref() {
                write_status(cluster, hpa_type, &hpa);
            }
            continue;
        };
        let Ok(target) = cluster.get(rt, Some(&ns), &target_name) else {
            set_condition(
                &mut hpa,
                "AbleToScale",
                "False",
                "FailedGetScale",
                &format!("{kind}.apps {target_name:?} not found"),
                &stamp,
            );
            if hpa.get("status") != before.as_ref() {
                write_status(cluster, hpa_type, &hpa);
            }
            continue;
        };
        let current = int(&target, "/spec/replicas");
        let selector = target
            .pointer("/spec/selector")
            .map(LabelSelector::from_json)
            .and_then(Result::ok)
            .unwrap_or_default();
        let running: Vec<Value> = {
            let store = cluster.lock();
            store
                .list(pod_type, Some(&ns))
                .filter(|(_, p)| {
                    selector.matches(p)
                        && p.pointer("/status/phase").and_then(Value::as_str) == Some("Running")
                })
                .map(|(_, p)| p.clone())
                .collect()
        };
        let seconds = now.timestamp() as f64;
        let mut desired = current;
        let mut current_metrics = Vec::new();
        let mut active = false;
        for m in hpa
            .pointer("/spec/metrics")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            if m.get("type").and_then(Value::as_str) != Some("Resource") {
                continue;
            }
            let resource = m
                .pointer("/resource/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(goal) = m
                .pointer("/resource/target/averageUtilization")
                .and_then(Value::as_f64)
            else {
                continue;
            };
            let Some(actual) = utilization(&running, &resource, seconds) else {
                continue;
            };
            active = true;
            current_metrics.push(json!({"type": "Resource", "resource": {"name": resource, "current": {"averageUtilization": actual.round() as i64}}}));
            let ratio = actual / goal;
            let proposal = if (ratio - 1.0).abs() <= TOLERANCE {
                current
            } else {
                (running.len().max(1) as f64 * ratio).ceil() as i64
            };
            desired = if current_metrics.len() == 1 {
                proposal
            } else {
                desired.max(proposal)
            };
        }
        let min = hpa
            .pointer("/spec/minReplicas")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let max = int(&hpa, "/spec/maxReplicas");
        desired = desired.clamp(min, max.max(min));
        // Scale-down waits out the stabilization window since the last scaling.
        let window = hpa
            .pointer("/spec/behavior/scaleDown/stabilizationWindowSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(300);
        let last = hpa
            .pointer("/status/lastScaleTime")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc));
        if desired < current && last.is_some_and(|l| (now - l).num_seconds() < window) {
            desired = current;
        }
        if active && desired != current {
            let scale = json!({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": target_name, "namespace": ns}, "spec": {"replicas": desired}});
            match cluster.update_scale(
                rt,
                Some(&ns),
                &target_name,
                &serde_json::to_vec(&scale).unwrap_or_default(),
                false,
            ) {
                Ok(_) => {
                    record_event(cluster, hpa_type, &hpa, "Normal", "SuccessfulRescale", &format!("New size: {desired}; reason: resource utilization above or below target"), "horizontal-pod-autoscaler");
                    if let Some(s) = crate::hooks::object_at(&mut hpa, "status") {
                        s.insert("lastScaleTime".into(), json!(stamp));
                    }
                }
                Err(e) => record_event(
                    cluster,
                    hpa_type,
                    &hpa,
                    "Warning",
                    "FailedRescale",
                    &e.message,
                    "horizontal-pod-autoscaler",
                ),
            }
        }
        set_condition(
            &mut hpa,
            "AbleToScale",
            "True",
            "ReadyForNewScale",
            "recommended size matches current size",
            &stamp,
        );
        let (sa, sr) = if active {
            ("True", "ValidMetricFound")
        } else {
            ("False", "FailedGetResourceMetric")
        };
        set_condition(&mut hpa, "ScalingActive", sa, sr, "", &stamp);
        let generation = int(&hpa, "/metadata/generation");
        if let Some(s) = crate::hooks::object_at(&mut hpa, "status") {
            s.insert("currentReplicas".into(), json!(current));
            s.insert("desiredReplicas".into(), json!(desired));
            s.insert("currentMetrics".into(), json!(current_metrics));
            if generation > 0 {
                s.insert("observedGeneration".into(), json!(generation));
            }
        }
        if hpa.get("status") != before.as_ref() {
            write_status(cluster, hpa_type, &hpa);
        }
    }
}
