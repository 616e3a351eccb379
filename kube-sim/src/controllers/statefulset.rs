//! The StatefulSet controller: pods `<name>-0` ... `<name>-(n-1)` with
//! stable names and hostnames, one PersistentVolumeClaim per volume claim
//! template and ordinal (kept when pods go), created in order (with
//! `OrderedReady`, each only once the one before it is Running and Ready),
//! removed from the highest ordinal down, and replaced one at a time from the
//! highest ordinal when the template changes. Each template revision is
//! recorded as a ControllerRevision.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{controller_uid, int, owner_ref, record_event, row, safe_hash, write_status, State};
use crate::ops::{meta, Cluster, DeleteOptions};
use crate::pods;
use crate::resources;

/// The label with a pod's template revision.
pub const REVISION_LABEL: &str = "controller-revision-hash";

struct Member {
    ready: bool,
    revision: String,
}

fn is_ready(pod: &Value) -> bool {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// One pass over every StatefulSet.
pub(crate) fn sync(cluster: &Arc<Cluster>, state: &mut State) {
    let (Some(sts_type), Some(pod_type), Some(pvc_type), Some(rev_type)) = (
        row("apps", "statefulsets"),
        resources::core("pods"),
        resources::core("persistentvolumeclaims"),
        row("apps", "controllerrevisions"),
    ) else {
        return;
    };
    let (sets, members, claims, revisions) = {
        let store = cluster.lock();
        let sets: Vec<Value> = store.list(sts_type, None).map(|(_, v)| v.clone()).collect();
        if sets.is_empty() {
            return;
        }
        let mut members: HashMap<String, HashMap<String, Member>> = HashMap::new();
        for (_, p) in store.list(pod_type, None) {
            if let Some(uid) = controller_uid(p) {
                if !meta(p, "deletionTimestamp").is_empty() {
                    continue;
                }
                let revision = p
                    .pointer(&format!("/metadata/labels/{REVISION_LABEL}"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                members.entry(uid.to_string()).or_default().insert(
                    meta(p, "name"),
                    Member {
                        ready: is_ready(p) && !pods::is_terminal(p),
                        revision,
                    },
                );
            }
        }
        let claims: Vec<(String, String)> = store
            .list(pvc_type, None)
            .map(|(k, _)| (k.namespace.clone(), k.name.clone()))
            .collect();
        let revisions: Vec<(String, String)> = store
            .list(rev_type, None)
            .map(|(k, _)| (k.namespace.clone(), k.name.clone()))
            .collect();
        (sets, members, claims, revisions)
    };
    for mut sts in sets {
        if !meta(&sts, "deletionTimestamp").is_empty() {
            continue;
        }
        let uid = meta(&sts, "uid");
        if state.backing_off(&uid) {
            continue;
        }
        let ns = meta(&sts, "namespace");
        let name = meta(&sts, "name");
        let want = int(&sts, "/spec/replicas");
        let template = sts
            .pointer("/spec/template")
            .cloned()
            .unwrap_or_else(|| json!({}));
        let hash = safe_hash(&template.to_string());
        let update_revision = format!("{name}-{hash}");
        if !revisions.contains(&(ns.clone(), update_revision.clone())) {
            let rev = json!({
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": update_revision, "labels": template.pointer("/metadata/labels").cloned().unwrap_or(json!({})),
                    "ownerReferences": [owner_ref(sts_type, &sts)]},
                "data": {"spec": {"template": template}},
                "revision": int(&sts, "/metadata/generation"),
            });
            let _ = cluster.create(
                rev_type,
                Some(&ns),
                &serde_json::to_vec(&rev).unwrap_or_default(),
                false,
            );
        }
        let empty = HashMap::new();
        let mine = members.get(&uid).unwrap_or(&empty);
        let ordered = sts
            .pointer("/spec/podManagementPolicy")
            .and_then(Value::as_str)
            != Some("Parallel");
        let mut failed = false;
        // Create missing ordinals (in order, waiting for readiness when ordered).
        for i in 0..want {
            let pod_name = format!("{name}-{i}");
            match mine.get(&pod_name) {
                Some(m) if m.ready || !ordered => continue,
                Some(_) => break,
                None => {}
            }
            for t in sts
                .pointer("/spec/volumeClaimTemplates")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let claim = format!("{}-{pod_name}", meta(&t, "name"));
                if claims.contains(&(ns.clone(), claim.clone())) {
                    continue;
                }
                let mut pvc = t.clone();
                pvc["apiVersion"] = json!("v1");
                pvc["kind"] = json!("PersistentVolumeClaim");
                pvc["metadata"]["name"] = json!(claim);
                pvc["metadata"]["labels"] = template
                    .pointer("/metadata/labels")
                    .cloned()
                    .unwrap_or(json!({}));
                if let Err(e) = cluster.create(
                    pvc_type,
                    Some(&ns),
                    &serde_json::to_vec(&pvc).unwrap_or_default(),
                    false,
                ) {
                    if e.code != 409 {
                        record_event(cluster, sts_type, &sts, "Warning", "FailedCreate", &format!("create Claim {claim} for Pod {pod_name} in StatefulSet {name} failed error: {}", e.message), "statefulset-controller");
                        failed = true;
                    }
                }
            }
            if failed {
                break;
            }
            let mut pod = super::replicaset::pod_from_template(sts_type, &sts, &template, &name);
            let meta_obj = &mut pod["metadata"];
            if let Some(m) = meta_obj.as_object_mut() {
                m.remove("generateName");
                m.insert("name".into(), json!(pod_name));
            }
            pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] = json!(pod_name);
            pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] = json!(i.to_string());
            pod["metadata"]["labels"][REVISION_LABEL] = json!(update_revision);
            pod["spec"]["hostname"] = json!(pod_name);
            if let Some(svc) = sts.pointer("/spec/serviceName").and_then(Value::as_str) {
                pod["spec"]["subdomain"] = json!(svc);
            }
            for t in sts
                .pointer("/spec/volumeClaimTemplates")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let vname = meta(&t, "name");
                let volumes = pod["spec"]
                    .as_object_mut()
                    .map(|s| s.entry("volumes").or_insert_with(|| json!([])));
                if let Some(list) = volumes.and_then(Value::as_array_mut) {
                    if !list.iter().any(|v| v["name"] == vname) {
                        list.push(json!({"name": vname, "persistentVolumeClaim": {"claimName": format!("{vname}-{pod_name}")}}));
                    }
                }
            }
            match cluster.create(
                pod_type,
                Some(&ns),
                &serde_json::to_vec(&pod).unwrap_or_default(),
                false,
            ) {
                Ok(_) => record_event(
                    cluster,
                    sts_type,
                    &sts,
                    "Normal",
                    "SuccessfulCreate",
                    &format!("create Pod {pod_name} in StatefulSet {name} successful"),
                    "statefulset-controller",
                ),
                Err(e) => {
                    record_event(
                        cluster,
                        sts_type,
                        &sts,
                        "Warning",
                        "FailedCreate",
                        &format!(
                            "create Pod {pod_name} in StatefulSet {name} failed error: {}",
                            e.message
                        ),
                        "statefulset-controller",
                    );
                    failed = true;
                }
            }
            if ordered || failed {
                break;
            }
        }
        state.note(&uid, failed);
        // Remove ordinals beyond the wanted count, highest first.
        let mut extra: Vec<i64> = mine
            .keys()
            .filter_map(|n| {
                n.strip_prefix(&format!("{name}-"))
                    .and_then(|i| i.parse::<i64>().ok())
            })
            .filter(|i| *i >= want)
            .collect();
        extra.sort_unstable_by(|a, b| b.cmp(a));
        let all_ready = mine.values().all(|m| m.ready);
        for i in extra.iter().take(if ordered { 1 } else { extra.len() }) {
            if ordered && !all_ready {
                break;
            }
            let _ = cluster.delete(
                pod_type,
                Some(&ns),
                &format!("{name}-{i}"),
                &DeleteOptions::default(),
            );
        }
        // Rolling update: replace the highest outdated ordinal once all are ready.
        let partition = int(&sts, "/spec/updateStrategy/rollingUpdate/partition");
        let rolling = sts
            .pointer("/spec/updateStrategy/type")
            .and_then(Value::as_str)
            != Some("OnDelete");
        if rolling && extra.is_empty() && all_ready && mine.len() as i64 == want {
            let outdated = (partition..want)
                .rev()
                .map(|i| format!("{name}-{i}"))
                .find(|n| mine.get(n).is_some_and(|m| m.revision != update_revision));
            if let Some(pod_name) = outdated {
                let _ = cluster.delete(pod_type, Some(&ns), &pod_name, &DeleteOptions::default());
            }
        }
        let ready = mine.values().filter(|m| m.ready).count() as i64;
        let updated = mine
            .values()
            .filter(|m| m.revision == update_revision)
            .count() as i64;
        let current_revision = if updated == mine.len() as i64 {
            update_revision.clone()
        } else {
            mine.values()
                .find(|m| m.revision != update_revision)
                .map(|m| m.revision.clone())
                .unwrap_or_default()
        };
        let current = mine
            .values()
            .filter(|m| m.revision == current_revision)
            .count();
        let before = sts.get("status").cloned();
        let generation = int(&sts, "/metadata/generation");
        if let Some(s) = crate::hooks::object_at(&mut sts, "status") {
            s.insert("observedGeneration".into(), json!(generation));
            s.insert("replicas".into(), json!(mine.len()));
            s.insert("readyReplicas".into(), json!(ready));
            s.insert("availableReplicas".into(), json!(ready));
            s.insert("currentReplicas".into(), json!(current));
            s.insert("updatedReplicas".into(), json!(updated));
            s.insert("currentRevision".into(), json!(current_revision));
            s.insert("updateRevision".into(), json!(update_revision));
            s.insert("collisionCount".into(), json!(0));
        }
        if sts.get("status") != before.as_ref() {
            write_status(cluster, sts_type, &sts);
        }
    }
}
