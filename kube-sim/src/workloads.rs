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

/// A label selector as Go prints a `v1.LabelSelector` in field errors.
fn go_selector(sel: Option<&Value>) -> String {
    let labels: Vec<String> = sel
        .and_then(|s| s.get("matchLabels"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            format!(
                "{}:{}",
                crate::status::quote(k),
                crate::status::quote(v.as_str().unwrap_or_default())
            )
        })
        .collect();
    let labels = if labels.is_empty() {
        "map[string]string(nil)".to_string()
    } else {
        format!("map[string]string{{{}}}", labels.join(", "))
    };
    let exprs = match sel
        .and_then(|s| s.get("matchExpressions"))
        .and_then(Value::as_array)
    {
        Some(e) if !e.is_empty() => format!("[]v1.LabelSelectorRequirement{{/* {} */}}", e.len()),
        _ => "[]v1.LabelSelectorRequirement(nil)".to_string(),
    };
    format!("v1.LabelSelector{{MatchLabels:{labels}, MatchExpressions:{exprs}}}")
}

/// Deployments, ReplicaSets and DaemonSets keep their selector (apps/v1).
pub fn validate_selector_update(old: &Value, new: &Value) -> Vec<Cause> {
    let (a, b) = (old.pointer("/spec/selector"), new.pointer("/spec/selector"));
    if a == b {
        return Vec::new();
    }
    vec![Cause::invalid_raw(
        "spec.selector",
        &go_selector(b),
        "field is immutable",
    )]
}

/// A StatefulSet's spec changes only in the fields kube-apiserver lets change.
pub fn validate_statefulset_update(old: &Value, new: &Value) -> Vec<Cause> {
    let strip = |v: &Value| {
        let mut spec = v.get("spec").cloned().unwrap_or_default();
        if let Some(m) = spec.as_object_mut() {
            for f in [
                "replicas",
                "ordinals",
                "template",
                "updateStrategy",
                "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds",
            ] {
                m.remove(f);
            }
        }
        spec
    };
    if strip(old) == strip(new) {
        return Vec::new();
    }
    vec![Cause::forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")]
}

/// A Job keeps its selector and (unless suspended) its pod template.
pub fn validate_job_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut out = validate_selector_update(old, new);
    let suspended = old.pointer("/spec/suspend") == Some(&Value::Bool(true));
    if !suspended && old.pointer("/spec/template") != new.pointer("/spec/template") {
        out.push(Cause::invalid_raw(
            "spec.template",
            "core.PodTemplateSpec{...}",
            "field is immutable",
        ));
    }
    if old.pointer("/spec/completions") != new.pointer("/spec/completions")
        && old.pointer("/spec/completionMode").and_then(Value::as_str) != Some("Indexed")
    {
        out.push(Cause::invalid_raw(
            "spec.completions",
            &new.pointer("/spec/completions")
                .map(Value::to_string)
                .unwrap_or_else(|| "null".into()),
            "field is immutable",
        ));
    }
    out
}

/// A claim's spec is fixed once created, but for a larger storage request
/// and its volume attributes class.
pub fn validate_pvc_update(old: &Value, new: &Value) -> Vec<Cause> {
    let strip = |v: &Value| {
        let mut spec = v.get("spec").cloned().unwrap_or_default();
        if let Some(m) = spec.as_object_mut() {
            m.remove("volumeAttributesClassName");
            if let Some(r) = m.get_mut("resources").and_then(Value::as_object_mut) {
                r.remove("requests");
            }
            // The binder sets the volume name once; a default class may be
            // given to a claim that has none (retroactive default class).
            for once in ["volumeName", "storageClassName"] {
                if old.pointer(&format!("/spec/{once}")).is_none() {
                    m.remove(once);
                }
            }
        }
        spec
    };
    if strip(old) == strip(new) {
        return Vec::new();
    }
    vec![Cause::forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")]
}
