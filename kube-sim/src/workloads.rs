//! Workload types (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
//! CronJob) and Services: the API server's defaults and validation. What
//! the controllers do with them lives in [`crate::controllers`].

use serde_json::{json, Map, Value};

use crate::hooks::object_at;
use crate::pods;
use crate::selectors::LabelSelector;
use crate::status::Cause;

fn default_template(spec: &mut Map<String, Value>) {
    if let Some(template) = spec.get_mut("template") {
        if let Some(pod_spec) = object_at(template, "spec") {
            pods::default_pod_spec(pod_spec);
        }
    }
}

fn prepare(obj: &mut Value, defaults: Value, status: Value) {
    if let Some(spec) = object_at(obj, "spec") {
        if let Some(d) = defaults.as_object() {
            for (k, v) in d {
                spec.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        default_template(spec);
    }
    if let Some(map) = obj.as_object_mut() {
        map.insert("status".into(), status);
    }
}

/// Deployment defaults: 1 replica, rolling updates of 25% / 25%, 10 old
/// ReplicaSets kept, a 600 s progress deadline.
pub fn deployment_create(obj: &mut Value) {
    prepare(
        obj,
        json!({
            "replicas": 1,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
        }),
        json!({}),
    );
}

/// ReplicaSet defaults: 1 replica.
pub fn replicaset_create(obj: &mut Value) {
    prepare(obj, json!({ "replicas": 1 }), json!({ "replicas": 0 }));
}

/// StatefulSet defaults: 1 replica, ordered pods, rolling updates.
pub fn statefulset_create(obj: &mut Value) {
    prepare(
        obj,
        json!({
            "replicas": 1,
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
        }),
        json!({ "replicas": 0, "availableReplicas": 0 }),
    );
}

/// DaemonSet defaults: rolling updates of one pod at a time.
pub fn daemonset_create(obj: &mut Value) {
    prepare(
        obj,
        json!({
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
            "revisionHistoryLimit": 10,
        }),
        json!({ "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0 }),
    );
}

/// Job defaults: one completion, one pod at a time, 6 retries; the selector
/// and labels the API server generates from the uid.
pub fn job_create(obj: &mut Value) {
    let uid = obj
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    prepare(
        obj,
        json!({ "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed", "suspend": false }),
        json!({}),
    );
    let labels = json!({
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    });
    if let Some(spec) = object_at(obj, "spec") {
        if !spec.contains_key("selector") {
            spec.insert(
                "selector".into(),
                json!({ "matchLabels": { "batch.kubernetes.io/controller-uid": uid } }),
            );
        }
        if let Some(template) = spec.get_mut("template") {
            if let Some(meta) = object_at(template, "metadata") {
                let l = meta.entry("labels").or_insert_with(|| json!({}));
                if let (Some(l), Some(add)) = (l.as_object_mut(), labels.as_object()) {
                    for (k, v) in add {
                        l.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
    }
}

/// Field errors of a workload with a pod template: the selector is
/// required, valid and matches the template's labels; the template's pod
/// spec is valid; replicas are not negative.
pub fn validate_pod_template_owner(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or_default();
    if let Some(r) = obj.pointer("/spec/replicas").and_then(Value::as_i64) {
        if r < 0 {
            causes.push(Cause::invalid(
                "spec.replicas",
                &r.to_string(),
                "must be greater than or equal to 0",
            ));
        }
    }
    let labels = obj
        .pointer("/spec/template/metadata/labels")
        .cloned()
        .unwrap_or_else(|| json!({}));
    match obj.pointer("/spec/selector") {
        None | Some(Value::Null) if kind != "Job" => {
            causes.push(Cause::required("spec.selector", ""));
        }
        None | Some(Value::Null) => {}
        Some(sel) => match LabelSelector::from_json(sel) {
            Err(e) => causes.push(Cause::invalid("spec.selector", &sel.to_string(), &e)),
            Ok(s) if s.0.is_empty() => causes.push(Cause::invalid(
                "spec.selector",
                &sel.to_string(),
                "empty selector is invalid for deployment",
            )),
            Ok(s) => {
                if !s.matches(&json!({ "metadata": { "labels": labels } })) {
                    causes.push(Cause::invalid(
                        "spec.template.metadata.labels",
                        &labels.to_string(),
                        "`selector` does not match template `labels`",
                    ));
                }
            }
        },
    }
    if obj.pointer("/spec/template").is_none() {
        causes.push(Cause::required("spec.template", ""));
    } else {
        causes.extend(pods::spec_causes(
            obj.pointer("/spec/template/spec"),
            "spec.template.spec",
        ));
    }
    causes
}

/// Field errors of a CronJob: a valid schedule and a job template.
pub fn validate_cronjob(obj: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    let schedule = obj
        .pointer("/spec/schedule")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if schedule.is_empty() {
        causes.push(Cause::required("spec.schedule", ""));
    } else if let Err(e) = crate::cron::Schedule::parse(schedule) {
        causes.push(Cause::invalid("spec.schedule", schedule, &e));
    }
    if obj.pointer("/spec/jobTemplate/spec/template").is_none() {
        causes.push(Cause::required("spec.jobTemplate.spec.template", ""));
    } else {
        causes.extend(pods::spec_causes(
            obj.pointer("/spec/jobTemplate/spec/template/spec"),
            "spec.jobTemplate.spec.template.spec",
        ));
    }
    causes
}
