//! The Job and CronJob controllers. A Job runs pods from its template,
//! `parallelism` at a time, until `completions` have succeeded (condition
//! `Complete`) or more than `backoffLimit` have failed (condition `Failed`,
//! reason `BackoffLimitExceeded`, remaining pods removed). A CronJob creates
//! a Job at each scheduled time of the cluster's clock (only the latest
//! missed one), honouring `concurrencyPolicy`, `suspend` and the history limits.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{controller_uid, owner_ref, record_event, row, write_status, State};
use crate::cron::Schedule;
use crate::ops::{meta, set_condition, Cluster, DeleteOptions};
use crate::resources;

#[derive(Default)]
struct Counts {
    active: Vec<String>,
    ready: i64,
    succeeded: i64,
    failed: i64,
}

fn condition(obj: &Value, kind: &str) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == kind && c["status"] == "True")
}

/// Whether a Job has finished (Complete or Failed).
pub(crate) fn finished(job: &Value) -> bool {
    condition(job, "Complete") || condition(job, "Failed")
}

/// One pass over every Job.
pub(crate) fn sync_jobs(cluster: &Arc<Cluster>, state: &mut State) {
    let (Some(job_type), Some(pod_type)) = (row("batch", "jobs"), resources::core("pods")) else {
        return;
    };
    let (jobs, mut counts, now) = {
        let store = cluster.lock();
        let jobs: Vec<Value> = store
            .list(job_type, None)
            .filter(|(_, j)| !finished(j) && meta(j, "deletionTimestamp").is_empty())
            .map(|(_, v)| v.clone())
            .collect();
        if jobs.is_empty() {
            return;
        }
        let mut counts: HashMap<String, Counts> = HashMap::new();
        for (_, p) in store.list(pod_type, None) {
            let Some(uid) = controller_uid(p) else {
                continue;
            };
            let c = counts.entry(uid.to_string()).or_default();
            match p.pointer("/status/phase").and_then(Value::as_str) {
                Some("Succeeded") => c.succeeded += 1,
                Some("Failed") => c.failed += 1,
                _ if meta(p, "deletionTimestamp").is_empty() => {
                    c.active.push(meta(p, "name"));
                    if p.pointer("/status/phase").and_then(Value::as_str) == Some("Running") {
                        c.ready += 1;
                    }
                }
                _ => {}
            }
        }
        (jobs, counts, store.now())
    };
    let stamp = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    for mut job in jobs {
        let uid = meta(&job, "uid");
        let ns = meta(&job, "namespace");
        let name = meta(&job, "name");
        let c = counts.remove(&uid).unwrap_or_default();
        let completions = job
            .pointer("/spec/completions")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let parallelism = job
            .pointer("/spec/parallelism")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let backoff = job
            .pointer("/spec/backoffLimit")
            .and_then(Value::as_i64)
            .unwrap_or(6);
        let suspended = job.pointer("/spec/suspend") == Some(&json!(true));
        let mut active = c.active.len() as i64;
        let status_before = job.get("status").cloned();
        if let Some(s) = crate::hooks::object_at(&mut job, "status") {
            s.entry("startTime").or_insert_with(|| json!(stamp));
        }
        if c.failed > backoff {
            for p in &c.active {
                let _ = cluster.delete(pod_type, Some(&ns), p, &DeleteOptions::default());
            }
            active = 0;
            set_condition(
                &mut job,
                "FailureTarget",
                "True",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                &stamp,
            );
            set_condition(
                &mut job,
                "Failed",
                "True",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                &stamp,
            );
            record_event(
                cluster,
                job_type,
                &job,
                "Warning",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
                "job-controller",
            );
        } else if c.succeeded >= completions {
            set_condition(
                &mut job,
                "SuccessCriteriaMet",
                "True",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                &stamp,
            );
            set_condition(
                &mut job,
                "Complete",
                "True",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
                &stamp,
            );
            if let Some(s) = crate::hooks::object_at(&mut job, "status") {
                s.insert("completionTime".into(), json!(stamp));
            }
            record_event(
                cluster,
                job_type,
                &job,
                "Normal",
                "Completed",
                "Job completed",
                "job-controller",
            );
        } else if !suspended && !state.backing_off(&uid) {
            let want = parallelism.min(completions - c.succeeded) - active;
            let template = job
                .pointer("/spec/template")
                .cloned()
                .unwrap_or_else(|| json!({}));
            let mut failed = false;
            for _ in 0..want.max(0) {
                let pod = super::replicaset::pod_from_template(job_type, &job, &template, &name);
                match cluster.create(
                    pod_type,
                    Some(&ns),
                    &serde_json::to_vec(&pod).unwrap_or_default(),
                    false,
                ) {
                    Ok(p) => {
                        active += 1;
                        record_event(
                            cluster,
                            job_type,
                            &job,
                            "Normal",
                            "SuccessfulCreate",
                            &format!("Created pod: {}", meta(&p, "name")),
                            "job-controller",
                        );
                    }
                    Err(e) => {
                        record_event(
                            cluster,
                            job_type,
                            &job,
                            "Warning",
                            "FailedCreate",
                            &format!("Error creating: {}", e.message),
                            "job-controller",
                        );
                        failed = true;
                        break;
                    }
                }
            }
            state.note(&uid, failed);
        }
        if let Some(s) = crate::hooks::object_at(&mut job, "status") {
            s.insert("active".into(), json!(active));
            s.insert("ready".into(), json!(c.ready));
            s.insert("succeeded".into(), json!(c.succeeded));
            s.insert("failed".into(), json!(c.failed));
            s.insert("terminating".into(), json!(0));
        }
        if job.get("status") != status_before.as_ref() {
            write_status(cluster, job_type, &job);
        }
    }
}

fn parse_time(v: Option<&Value>) -> Option<DateTime<Utc>> {
    v.and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// One pass over every CronJob.
pub(crate) fn sync_cronjobs(cluster: &Arc<Cluster>) {
    let (Some(cj_type), Some(job_type)) = (row("batch", "cronjobs"), row("batch", "jobs")) else {
        return;
    };
    let (cronjobs, jobs, now) = {
        let store = cluster.lock();
        let cjs: Vec<Value> = store.list(cj_type, None).map(|(_, v)| v.clone()).collect();
        if cjs.is_empty() {
            return;
        }
        let jobs: Vec<Value> = store
            .list(job_type, None)
            .filter(|(_, j)| controller_uid(j).is_some())
            .map(|(_, v)| v.clone())
            .collect();
        (cjs, jobs, store.now())
    };
    for mut cj in cronjobs {
        if !meta(&cj, "deletionTimestamp").is_empty() {
            continue;
        }
        let uid = meta(&cj, "uid");
        let ns = meta(&cj, "namespace");
        let name = meta(&cj, "name");
        let mut mine: Vec<&Value> = jobs
            .iter()
            .filter(|j| controller_uid(j) == Some(uid.as_str()))
            .collect();
        mine.sort_by_key(|j| meta(j, "creationTimestamp"));
        let active: Vec<&Value> = mine.iter().copied().filter(|j| !finished(j)).collect();
        let before = cj.get("status").cloned();
        let Ok(schedule) = Schedule::parse(
            cj.pointer("/spec/schedule")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        ) else {
            continue;
        };
        let since = parse_time(cj.pointer("/status/lastScheduleTime"))
            .or_else(|| parse_time(cj.pointer("/metadata/creationTimestamp")))
            .unwrap_or(now);
        // The latest scheduled time that has passed, if any.
        let mut due = None;
        let mut t = since;
        while let Some(next) = schedule.next_after(t) {
            if next > now {
                break;
            }
            due = Some(next);
            t = next;
        }
        let suspended = cj.pointer("/spec/suspend") == Some(&json!(true));
        let mut active_refs: Vec<Value> = active.iter().map(|j| json!({"apiVersion": "batch/v1", "kind": "Job", "name": meta(j, "name"), "namespace": ns, "uid": meta(j, "uid")})).collect();
        if let (Some(at), false) = (due, suspended) {
            let policy = cj
                .pointer("/spec/concurrencyPolicy")
                .and_then(Value::as_str)
                .unwrap_or("Allow");
            let skip = policy == "Forbid" && !active.is_empty();
            if policy == "Replace" {
                for j in &active {
                    delete_job(cluster, job_type, j);
                }
                active_refs.clear();
            }
            if !skip {
                let stamp = at.to_rfc3339_opts(SecondsFormat::Secs, true);
                let template = cj
                    .pointer("/spec/jobTemplate")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                let job_name = format!("{name}-{}", at.timestamp() / 60);
                let mut metadata = template
                    .get("metadata")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                metadata["name"] = json!(job_name);
                metadata["ownerReferences"] = json!([owner_ref(cj_type, &cj)]);
                metadata["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] =
                    json!(stamp);
                let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template.get("spec").cloned().unwrap_or(json!({}))});
                match cluster.create(
                    job_type,
                    Some(&ns),
                    &serde_json::to_vec(&job).unwrap_or_default(),
                    false,
                ) {
                    Ok(created) => {
                        record_event(
                            cluster,
                            cj_type,
                            &cj,
                            "Normal",
                            "SuccessfulCreate",
                            &format!("Created job {job_name}"),
                            "cronjob-controller",
                        );
                        active_refs.push(json!({"apiVersion": "batch/v1", "kind": "Job", "name": job_name, "namespace": ns, "uid": meta(&created, "uid")}));
                    }
                    Err(e) if e.code == 409 => {}
                    Err(e) => record_event(
                        cluster,
                        cj_type,
                        &cj,
                        "Warning",
                        "FailedCreate",
                        &format!("Error creating job: {}", e.message),
                        "cronjob-controller",
                    ),
                }
            }
            if let Some(s) = crate::hooks::object_at(&mut cj, "status") {
                s.insert("lastScheduleTime".into(), json!(stamp_of(at)));
            }
        }
        // History limits.
        let keep_ok = cj
            .pointer("/spec/successfulJobsHistoryLimit")
            .and_then(Value::as_i64)
            .unwrap_or(3);
        let keep_failed = cj
            .pointer("/spec/failedJobsHistoryLimit")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        for (cond, keep) in [("Complete", keep_ok), ("Failed", keep_failed)] {
            let done: Vec<&&Value> = mine.iter().filter(|j| condition(j, cond)).collect();
            for j in done
                .iter()
                .take(done.len().saturating_sub(keep.max(0) as usize))
            {
                delete_job(cluster, job_type, j);
            }
        }
        if let Some(last_ok) = mine
            .iter()
            .rev()
            .filter(|j| condition(j, "Complete"))
            .find_map(|j| j.pointer("/status/completionTime"))
        {
            if let Some(s) = crate::hooks::object_at(&mut cj, "status") {
                s.insert("lastSuccessfulTime".into(), last_ok.clone());
            }
        }
        if let Some(s) = crate::hooks::object_at(&mut cj, "status") {
            if active_refs.is_empty() {
                s.remove("active");
            } else {
                s.insert("active".into(), json!(active_refs));
            }
        }
        if cj.get("status") != before.as_ref() {
            write_status(cluster, cj_type, &cj);
        }
    }
}

/// Deletes a Job; the garbage collector then removes its pods.
fn delete_job(
    cluster: &Arc<Cluster>,
    job_type: &'static crate::resources::ResourceType,
    job: &Value,
) {
    let background = DeleteOptions {
        propagation: Some("Background".into()),
        ..Default::default()
    };
    let ns = meta(job, "namespace");
    let _ = cluster.delete(job_type, Some(&ns), &meta(job, "name"), &background);
}

fn stamp_of(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}
