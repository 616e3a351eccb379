//! Conformance of pods, workloads, scheduling, quota admission and garbage
//! collection, through kube-rs. Every check runs against the in-process
//! simulator and, when `KUBECONFIG` is set, unchanged against that real
//! cluster (which needs room for a few small pods).

mod common;

use std::collections::HashMap;

use common::{api_error, eventually, targets, unique, Target};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, LimitRange, Namespace, Node, PersistentVolumeClaim, Pod, ResourceQuota,
    Service,
};
use kube::api::{
    Api, DeleteParams, ListParams, LogParams, Patch, PatchParams, PostParams, WatchEvent,
    WatchParams,
};
use kube::ResourceExt;
use serde_json::{json, Value};

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("test object: {e}"))
}

/// A fresh namespace on `t`, removed again by [`Scratch::drop`]-less cleanup at the end of each test.
async fn scratch(t: &Target, prefix: &str) -> String {
    let ns = unique(prefix);
    let api: Api<Namespace> = Api::all(t.client.clone());
    api.create(
        &PostParams::default(),
        &from(json!({"metadata": {"name": ns}})),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: create namespace: {e}", t.name));
    ns
}

async fn drop_namespace(t: &Target, ns: &str) {
    let api: Api<Namespace> = Api::all(t.client.clone());
    let _ = api.delete(ns, &DeleteParams::default()).await;
}

fn pod(name: &str, cpu: Option<&str>) -> Pod {
    let resources = match cpu {
        Some(c) => {
            json!({"requests": {"cpu": c, "memory": "16Mi"}, "limits": {"cpu": c, "memory": "16Mi"}})
        }
        None => json!({}),
    };
    from(json!({
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10", "resources": resources}],
        },
    }))
}

fn deployment(name: &str, replicas: i32, image: &str) -> Deployment {
    from(json!({
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [
                        {"name": "main", "image": image, "env": [{"name": "A", "value": "1"}],
                         "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}},
                        {"name": "side", "image": "registry.k8s.io/pause:3.10",
                         "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}}
                    ],
                },
            },
        },
    }))
}

fn phase(p: &Pod) -> String {
    p.status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn pods_are_scheduled_run_and_log() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-pod").await;
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let created = pods
            .create(&PostParams::default(), &pod("web", Some("50m")))
            .await
            .unwrap_or_else(|e| panic!("{}: create pod: {e}", t.name));
        assert_eq!(
            phase(&created),
            "Pending",
            "{}: a new pod is Pending",
            t.name
        );
        let spec = created.spec.clone().unwrap_or_default();
        assert_eq!(spec.restart_policy.as_deref(), Some("Always"), "{}", t.name);
        assert_eq!(
            spec.scheduler_name.as_deref(),
            Some("default-scheduler"),
            "{}",
            t.name
        );
        assert_eq!(
            created.status.as_ref().and_then(|s| s.qos_class.as_deref()),
            Some("Guaranteed"),
            "{}",
            t.name
        );
        let running = eventually(t.patience, || async {
            pods.get("web").await.is_ok_and(|p| phase(&p) == "Running")
        })
        .await;
        assert!(running, "{}: the pod never ran", t.name);
        let p = pods.get("web").await.unwrap_or_else(|e| panic!("{e}"));
        let node = p
            .spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default();
        assert!(!node.is_empty(), "{}: a running pod has a node", t.name);
        let status = p.status.clone().unwrap_or_default();
        assert!(
            status.pod_ip.is_some() && status.start_time.is_some(),
            "{}",
            t.name
        );
        let ready = status
            .conditions
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        assert!(ready, "{}: a running pod is Ready", t.name);
        // Field selectors on phase and node.
        let selected = pods
            .list(
                &ListParams::default()
                    .fields(&format!("status.phase=Running,spec.nodeName={node}")),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(selected.items.len(), 1, "{}", t.name);
        let none = pods
            .list(&ListParams::default().fields("status.phase=Succeeded"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(none.items.is_empty(), "{}", t.name);
        let bad = api_error(
            pods.list(&ListParams::default().fields("spec.image=x"))
                .await,
            "bad field",
        );
        assert_eq!(bad.code, 400, "{}", t.name);
        // Logs (the pause image writes nothing on a real cluster: only the call is checked there).
        let log = pods
            .logs(
                "web",
                &LogParams {
                    tail_lines: Some(2),
                    ..Default::default()
                },
            )
            .await;
        let log = log.unwrap_or_else(|e| panic!("{}: logs: {e}", t.name));
        if t.simulated {
            assert_eq!(log.lines().count(), 1, "{}: one line so far: {log}", t.name);
            assert!(log.contains("starting main"), "{log}");
        }
        let missing = api_error(
            pods.logs(
                "web",
                &LogParams {
                    container: Some("nope".into()),
                    ..Default::default()
                },
            )
            .await,
            "log of a missing container",
        );
        assert_eq!(missing.code, 400, "{}: {}", t.name, missing.message);
        // Eviction removes it.
        pods.evict("web", &Default::default())
            .await
            .unwrap_or_else(|e| panic!("{}: evict: {e}", t.name));
        let gone = eventually(t.patience, || async {
            pods.get_opt("web").await.is_ok_and(|p| p.is_none())
        })
        .await;
        assert!(gone, "{}: the evicted pod stayed", t.name);
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn a_pod_that_fits_nowhere_stays_pending_with_a_reason() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-sched").await;
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        pods.create(&PostParams::default(), &pod("huge", Some("5000")))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let explained = eventually(t.patience, || async {
            pods.get("huge").await.is_ok_and(|p| {
                p.status
                    .and_then(|s| s.conditions)
                    .unwrap_or_default()
                    .iter()
                    .any(|c| {
                        c.type_ == "PodScheduled"
                            && c.status == "False"
                            && c.reason.as_deref() == Some("Unschedulable")
                            && c.message
                                .as_deref()
                                .is_some_and(|m| m.contains("Insufficient cpu"))
                    })
            })
        })
        .await;
        assert!(explained, "{}: no Unschedulable condition", t.name);
        let events: Api<Event> = Api::namespaced(t.client.clone(), &ns);
        let found = eventually(t.patience, || async {
            events
                .list(
                    &ListParams::default()
                        .fields("involvedObject.name=huge,reason=FailedScheduling"),
                )
                .await
                .is_ok_and(|l| !l.items.is_empty())
        })
        .await;
        assert!(found, "{}: no FailedScheduling event", t.name);
        let p = pods.get("huge").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(phase(&p), "Pending", "{}", t.name);
        assert!(p.spec.and_then(|s| s.node_name).is_none(), "{}", t.name);
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn quota_admission_refuses_pods_over_the_quota() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-qa").await;
        let quotas: Api<ResourceQuota> = Api::namespaced(t.client.clone(), &ns);
        quotas
            .create(
                &PostParams::default(),
                &from(json!({
                    "metadata": {"name": "compute"},
                    "spec": {"hard": {"requests.cpu": "1", "pods": "5"}},
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        // Kubernetes' quota controller fills status in before admission counts against it.
        let ready = eventually(t.patience, || async {
            quotas
                .get("compute")
                .await
                .is_ok_and(|q| q.status.and_then(|s| s.hard).is_some())
        })
        .await;
        assert!(ready, "{}: quota status never appeared", t.name);
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        pods.create(&PostParams::default(), &pod("a", Some("600m")))
            .await
            .unwrap_or_else(|e| panic!("{}: first pod: {e}", t.name));
        let over = api_error(
            pods.create(&PostParams::default(), &pod("b", Some("600m")))
                .await,
            "over quota",
        );
        assert_eq!(over.code, 403, "{}: {}", t.name, over.message);
        assert_eq!(
            over.message,
            "pods \"b\" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1",
            "{}",
            t.name
        );
        let unset = api_error(
            pods.create(&PostParams::default(), &pod("c", None)).await,
            "no requests",
        );
        assert_eq!(unset.code, 403, "{}", t.name);
        assert!(
            unset.message.starts_with(
                "pods \"c\" is forbidden: failed quota: compute: must specify requests.cpu"
            ),
            "{}: {}",
            t.name,
            unset.message
        );
        assert!(
            pods.get_opt("b").await.is_ok_and(|p| p.is_none()),
            "{}: a refused pod was stored",
            t.name
        );
        let counted = eventually(t.patience, || async {
            quotas.get("compute").await.is_ok_and(|q| {
                let used = q.status.and_then(|s| s.used).unwrap_or_default();
                used.get("requests.cpu").map(|q| q.0.as_str()) == Some("600m")
                    && used.get("pods").map(|q| q.0.as_str()) == Some("1")
            })
        })
        .await;
        assert!(counted, "{}: status.used not current", t.name);
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn quota_counts_load_balancers_storage_per_class_and_gpus() {
    const GOLD: &str = "gold.storageclass.storage.k8s.io/requests.storage";
    const GOLD_CLAIMS: &str = "gold.storageclass.storage.k8s.io/persistentvolumeclaims";
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-qx").await;
        let quotas: Api<ResourceQuota> = Api::namespaced(t.client.clone(), &ns);
        quotas
            .create(
                &PostParams::default(),
                &from(json!({
                    "metadata": {"name": "extra"},
                    "spec": {"hard": {
                        "services.loadbalancers": "1",
                        GOLD: "10Gi",
                        GOLD_CLAIMS: "5",
                        "requests.nvidia.com/gpu": "2",
                        "limits.ephemeral-storage": "1Gi",
                    }},
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let ready = eventually(t.patience, || async {
            quotas
                .get("extra")
                .await
                .is_ok_and(|q| q.status.and_then(|s| s.hard).is_some())
        })
        .await;
        assert!(ready, "{}: quota status never appeared", t.name);
        let services: Api<Service> = Api::namespaced(t.client.clone(), &ns);
        let service = |name: &str, kind: &str| {
            from::<Service>(json!({
                "metadata": {"name": name},
                "spec": {"type": kind, "selector": {"app": name}, "ports": [{"port": 80}]},
            }))
        };
        services
            .create(&PostParams::default(), &service("inside", "ClusterIP"))
            .await
            .unwrap_or_else(|e| panic!("{}: cluster IP service: {e}", t.name));
        services
            .create(&PostParams::default(), &service("front", "LoadBalancer"))
            .await
            .unwrap_or_else(|e| panic!("{}: load balancer: {e}", t.name));
        let second = api_error(
            services
                .create(&PostParams::default(), &service("back", "LoadBalancer"))
                .await,
            "a second load balancer",
        );
        assert_eq!(second.code, 403, "{}: {}", t.name, second.message);
        assert!(
            second.message.contains("exceeded quota: extra")
                && second.message.contains("services.loadbalancers=1"),
            "{}: {}",
            t.name,
            second.message
        );
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(t.client.clone(), &ns);
        for (name, class, size) in [("a", "gold", "4Gi"), ("b", "silver", "50Gi")] {
            claims
                .create(
                    &PostParams::default(),
                    &from(json!({
                        "metadata": {"name": name},
                        "spec": {
                            "storageClassName": class,
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {"requests": {"storage": size}},
                        },
                    })),
                )
                .await
                .unwrap_or_else(|e| panic!("{}: claim {name}: {e}", t.name));
        }
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        // Only cpu and memory must be set under a quota: a pod without GPUs
        // or ephemeral storage is admitted.
        pods.create(
            &PostParams::default(),
            &from(json!({
                "metadata": {"name": "plain"},
                "spec": {"containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]},
            })),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: a pod without GPUs: {e}", t.name));
        pods.create(
            &PostParams::default(),
            &from(json!({
                "metadata": {"name": "trainer"},
                "spec": {"containers": [{
                    "name": "main",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"limits": {"nvidia.com/gpu": "1"}},
                }]},
            })),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: gpu pod: {e}", t.name));
        let counted = eventually(t.patience, || async {
            quotas.get("extra").await.is_ok_and(|q| {
                let used = q.status.and_then(|s| s.used).unwrap_or_default();
                let of = |k: &str| used.get(k).map(|q| q.0.clone()).unwrap_or_default();
                of("services.loadbalancers") == "1"
                    && of(GOLD) == "4Gi"
                    && of(GOLD_CLAIMS) == "1"
                    && of("requests.nvidia.com/gpu") == "1"
            })
        })
        .await;
        assert!(
            counted,
            "{}: status.used: {:?}",
            t.name,
            quotas.get("extra").await.ok().and_then(|q| q.status)
        );
        drop_namespace(&t, &ns).await;
    }
}

async fn sets_of(api: &Api<ReplicaSet>, deployment: &str) -> Vec<ReplicaSet> {
    api.list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .items
        .into_iter()
        .filter(|rs| rs.owner_references().iter().any(|o| o.name == deployment))
        .collect()
}

fn revision(rs: &ReplicaSet) -> String {
    rs.annotations()
        .get("deployment.kubernetes.io/revision")
        .cloned()
        .unwrap_or_default()
}

async fn rolled_out(api: &Api<Deployment>, name: &str, replicas: i32) -> bool {
    api.get(name).await.is_ok_and(|d| {
        let generation = d.metadata.generation;
        let s = d.status.unwrap_or_default();
        s.observed_generation == generation
            && s.updated_replicas == Some(replicas)
            && s.available_replicas == Some(replicas)
            && s.replicas == Some(replicas)
    })
}

#[tokio::test]
async fn deployments_roll_out_within_their_surge_and_roll_back() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-deploy").await;
        let deployments: Api<Deployment> = Api::namespaced(t.client.clone(), &ns);
        let sets: Api<ReplicaSet> = Api::namespaced(t.client.clone(), &ns);
        deployments
            .create(
                &PostParams::default(),
                &deployment("web", 3, "registry.k8s.io/pause:3.9"),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert!(
            eventually(t.patience, || rolled_out(&deployments, "web", 3)).await,
            "{}: first rollout",
            t.name
        );
        let first = sets_of(&sets, "web").await;
        assert_eq!(first.len(), 1, "{}", t.name);
        assert_eq!(revision(&first[0]), "1", "{}", t.name);
        let first_name = first[0].name_any();

        // Watch the ReplicaSets through the update: at no point may their
        // replicas add up to more than 3 + maxSurge (1).
        let rv = sets
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .metadata
            .resource_version
            .unwrap_or_default();
        let mut stream = sets
            .watch(&WatchParams::default().timeout(60), &rv)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .boxed();
        let patch = json!({"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]}}}});
        deployments
            .patch("web", &PatchParams::default(), &Patch::Strategic(&patch))
            .await
            .unwrap_or_else(|e| panic!("{}: strategic patch: {e}", t.name));
        let mut specs: HashMap<String, i32> = HashMap::new();
        specs.insert(first_name.clone(), 3);
        let mut most = 3;
        let watched = tokio::time::timeout(t.patience, async {
            while let Some(ev) = stream.try_next().await.unwrap_or_else(|e| panic!("{e}")) {
                if let WatchEvent::Added(rs) | WatchEvent::Modified(rs) = ev {
                    specs.insert(rs.name_any(), rs.spec.replicas.unwrap_or(0));
                    most = most.max(specs.values().sum());
                    let old = specs.get(&first_name).copied().unwrap_or(0);
                    if old == 0 && specs.len() == 2 && specs.values().sum::<i32>() == 3 {
                        return;
                    }
                }
            }
        })
        .await;
        assert!(
            watched.is_ok(),
            "{}: rollout never finished: {specs:?}",
            t.name
        );
        assert!(
            most <= 4,
            "{}: replicas reached {most}, more than 3 + maxSurge",
            t.name
        );
        assert!(
            eventually(t.patience, || rolled_out(&deployments, "web", 3)).await,
            "{}: second rollout",
            t.name
        );
        // The strategic patch merged the container by name: the side car and env stayed.
        let d = deployments
            .get("web")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let containers = d
            .spec
            .template
            .spec
            .map(|s| s.containers)
            .unwrap_or_default();
        assert_eq!(containers.len(), 2, "{}", t.name);
        assert_eq!(
            containers[0].image.as_deref(),
            Some("registry.k8s.io/pause:3.10"),
            "{}",
            t.name
        );
        assert_eq!(
            containers[0].env.as_ref().map(Vec::len),
            Some(1),
            "{}",
            t.name
        );
        let second = sets_of(&sets, "web").await;
        assert_eq!(second.len(), 2, "{}", t.name);
        assert!(
            second
                .iter()
                .any(|rs| revision(rs) == "2" && rs.name_any() != first_name),
            "{}",
            t.name
        );

        // Roll back as `kubectl rollout undo` does: put revision 1's template back.
        let mut template = first[0].spec.template.clone().unwrap_or_default();
        if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
            labels.remove("pod-template-hash");
        }
        let undo = json!({"spec": {"template": template}});
        deployments
            .patch("web", &PatchParams::default(), &Patch::Merge(&undo))
            .await
            .unwrap_or_else(|e| panic!("{}: rollback: {e}", t.name));
        let back = eventually(t.patience, || async {
            let sets = sets_of(&sets, "web").await;
            sets.len() == 2
                && sets.iter().any(|rs| {
                    rs.name_any() == first_name
                        && revision(rs) == "3"
                        && rs.status.as_ref().and_then(|s| s.available_replicas) == Some(3)
                })
        })
        .await;
        assert!(
            back,
            "{}: rollback did not reuse revision 1's ReplicaSet as revision 3",
            t.name
        );

        // Scale through the subresource.
        let scale = deployments
            .get_scale("web")
            .await
            .unwrap_or_else(|e| panic!("{}: get scale: {e}", t.name));
        assert_eq!(scale.spec.and_then(|s| s.replicas), Some(3), "{}", t.name);
        deployments
            .patch_scale(
                "web",
                &PatchParams::default(),
                &Patch::Merge(&json!({"spec": {"replicas": 1}})),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: patch scale: {e}", t.name));
        assert!(
            eventually(t.patience, || rolled_out(&deployments, "web", 1)).await,
            "{}: scaled to 1",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn deleting_an_owner_collects_or_orphans_its_dependents() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-gc").await;
        let deployments: Api<Deployment> = Api::namespaced(t.client.clone(), &ns);
        let sets: Api<ReplicaSet> = Api::namespaced(t.client.clone(), &ns);
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        for name in ["bg", "fg", "orphan"] {
            deployments
                .create(
                    &PostParams::default(),
                    &deployment(name, 2, "registry.k8s.io/pause:3.10"),
                )
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        }
        for name in ["bg", "fg", "orphan"] {
            assert!(
                eventually(t.patience, || rolled_out(&deployments, name, 2)).await,
                "{}: {name}",
                t.name
            );
        }
        let count = |app: &'static str| {
            let pods = pods.clone();
            async move {
                pods.list(&ListParams::default().labels(&format!("app={app}")))
                    .await
                    .map(|l| l.items.len())
                    .unwrap_or(99)
            }
        };
        // Background: the Deployment goes at once, then its ReplicaSet and pods.
        deployments
            .delete("bg", &DeleteParams::background())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            eventually(t.patience, || async { count("bg").await == 0 }).await,
            "{}: background",
            t.name
        );
        // Foreground: the Deployment stays, marked, until its dependents are gone.
        let marked = deployments
            .delete("fg", &DeleteParams::foreground())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let marked = marked
            .left()
            .unwrap_or_else(|| panic!("{}: foreground deletion answers the object", t.name));
        assert!(marked.metadata.deletion_timestamp.is_some(), "{}", t.name);
        assert!(
            marked
                .finalizers()
                .iter()
                .any(|f| f == "foregroundDeletion"),
            "{}",
            t.name
        );
        assert!(
            eventually(t.patience, || async {
                deployments.get_opt("fg").await.is_ok_and(|d| d.is_none())
            })
            .await,
            "{}: foreground owner never went",
            t.name
        );
        assert_eq!(count("fg").await, 0, "{}: foreground left pods", t.name);
        // Orphan: the ReplicaSet and its pods stay, without the owner reference.
        deployments
            .delete("orphan", &DeleteParams::orphan())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            eventually(t.patience, || async {
                deployments
                    .get_opt("orphan")
                    .await
                    .is_ok_and(|d| d.is_none())
            })
            .await,
            "{}: orphaning owner never went",
            t.name
        );
        let left = sets
            .list(&ListParams::default().labels("app=orphan"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(left.items.len(), 1, "{}", t.name);
        assert!(left.items[0].owner_references().is_empty(), "{}", t.name);
        assert_eq!(count("orphan").await, 2, "{}", t.name);
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn invalid_workloads_are_unprocessable_with_causes() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-invalid").await;
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let empty = api_error(
            pods.create(
                &PostParams::default(),
                &from(json!({"metadata": {"name": "x"}, "spec": {"containers": []}})),
            )
            .await,
            "pod without containers",
        );
        assert_eq!(empty.code, 422, "{}", t.name);
        let fields: Vec<String> = empty
            .details
            .map(|d| d.causes.into_iter().map(|c| c.field).collect())
            .unwrap_or_default();
        assert!(
            fields.iter().any(|f| f == "spec.containers"),
            "{}: {fields:?}",
            t.name
        );
        let deployments: Api<Deployment> = Api::namespaced(t.client.clone(), &ns);
        let mut d = deployment("mismatch", 1, "registry.k8s.io/pause:3.10");
        d.spec.selector.match_labels = Some([("app".to_string(), "other".to_string())].into());
        let mismatch = api_error(
            deployments.create(&PostParams::default(), &d).await,
            "selector mismatch",
        );
        assert_eq!(mismatch.code, 422, "{}", t.name);
        let fields: Vec<String> = mismatch
            .details
            .map(|d| d.causes.into_iter().map(|c| c.field).collect())
            .unwrap_or_default();
        assert!(
            fields.iter().any(|f| f == "spec.template.metadata.labels"),
            "{}: {fields:?}",
            t.name
        );
        assert!(
            deployments
                .get_opt("mismatch")
                .await
                .is_ok_and(|d| d.is_none()),
            "{}",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn services_keep_their_cluster_ip_and_configmaps_round_trip() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-svc").await;
        let services: Api<Service> = Api::namespaced(t.client.clone(), &ns);
        let svc = services
            .create(
                &PostParams::default(),
                &from(json!({
                    "metadata": {"name": "web"},
                    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let spec = svc.spec.clone().unwrap_or_default();
        let ip = spec.cluster_ip.clone().unwrap_or_default();
        assert!(
            ip.parse::<std::net::IpAddr>().is_ok(),
            "{}: cluster IP {ip:?}",
            t.name
        );
        assert_eq!(spec.type_.as_deref(), Some("ClusterIP"), "{}", t.name);
        let port = &spec.ports.unwrap_or_default()[0];
        assert_eq!(port.protocol.as_deref(), Some("TCP"), "{}", t.name);
        let patched = services
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Strategic(&json!({"spec": {"ports": [{"port": 443, "name": "https"}]}})),
            )
            .await;
        // Two unnamed-and-named ports are invalid on a real cluster; what matters is that the IP never changes.
        if let Ok(p) = patched {
            assert_eq!(
                p.spec.and_then(|s| s.cluster_ip),
                Some(ip.clone()),
                "{}",
                t.name
            );
        }
        let maps: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        maps.create(
            &PostParams::default(),
            &from(json!({"metadata": {"name": "cfg"}, "data": {"a": "1"}})),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let merged = maps
            .patch(
                "cfg",
                &PatchParams::default(),
                &Patch::Merge(&json!({"data": {"b": "2"}})),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(merged.data.unwrap_or_default().len(), 2, "{}", t.name);
        drop_namespace(&t, &ns).await;
    }
}

fn small_template(app: &str) -> Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10",
                "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}}],
        },
    })
}

#[tokio::test]
async fn statefulsets_create_ordered_pods_with_their_claims() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-sts").await;
        let sets: Api<StatefulSet> = Api::namespaced(t.client.clone(), &ns);
        sets.create(&PostParams::default(), &from(json!({
            "metadata": {"name": "db"},
            "spec": {
                "serviceName": "db", "replicas": 3,
                "selector": {"matchLabels": {"app": "db"}},
                "template": small_template("db"),
                "volumeClaimTemplates": [{"metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}],
            },
        }))).await.unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let ready = eventually(t.patience, || async {
            sets.get("db")
                .await
                .is_ok_and(|s| s.status.and_then(|s| s.ready_replicas) == Some(3))
        })
        .await;
        assert!(ready, "{}: the StatefulSet never had 3 ready pods", t.name);
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let mut listed: Vec<(String, String)> = pods
            .list(&ListParams::default().labels("app=db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .items
            .iter()
            .map(|p| {
                (
                    p.name_any(),
                    p.metadata
                        .creation_timestamp
                        .as_ref()
                        .map(|c| c.0.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect();
        listed.sort();
        let names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["db-0", "db-1", "db-2"], "{}", t.name);
        // Ordered: each pod was created no earlier than the one before it.
        assert!(
            listed.windows(2).all(|w| w[0].1 <= w[1].1),
            "{}: {listed:?}",
            t.name
        );
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(t.client.clone(), &ns);
        for i in 0..3 {
            let claim = claims.get(&format!("data-db-{i}")).await;
            assert!(claim.is_ok(), "{}: no claim for db-{i}", t.name);
        }
        // Scale down removes the highest ordinal; the claims stay.
        sets.patch_scale(
            "db",
            &PatchParams::default(),
            &Patch::Merge(&json!({"spec": {"replicas": 2}})),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let shrunk = eventually(t.patience, || async {
            pods.get_opt("db-2").await.is_ok_and(|p| p.is_none())
        })
        .await;
        assert!(shrunk, "{}: db-2 stayed", t.name);
        assert!(
            pods.get_opt("db-1").await.is_ok_and(|p| p.is_some()),
            "{}",
            t.name
        );
        assert!(
            claims.get_opt("data-db-2").await.is_ok_and(|c| c.is_some()),
            "{}: the claim went with the pod",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn daemonsets_run_one_pod_per_node() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-ds").await;
        let nodes: Api<Node> = Api::all(t.client.clone());
        let schedulable = nodes
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .items
            .iter()
            .filter(|n| {
                n.spec
                    .as_ref()
                    .and_then(|s| s.taints.as_ref())
                    .is_none_or(|t| t.is_empty())
            })
            .count();
        let sets: Api<DaemonSet> = Api::namespaced(t.client.clone(), &ns);
        sets.create(&PostParams::default(), &from(json!({
            "metadata": {"name": "agent"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": small_template("agent")},
        }))).await.unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let placed = eventually(t.patience, || async {
            sets.get("agent").await.is_ok_and(|d| {
                d.status.is_some_and(|s| {
                    s.number_ready as usize >= schedulable
                        && s.desired_number_scheduled as usize >= schedulable
                })
            })
        })
        .await;
        assert!(placed, "{}: not one ready pod per node", t.name);
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let list = pods
            .list(&ListParams::default().labels("app=agent"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut on: Vec<String> = list
            .items
            .iter()
            .filter_map(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()))
            .collect();
        let count = on.len();
        on.sort();
        on.dedup();
        assert_eq!(on.len(), count, "{}: two pods on one node", t.name);
        drop_namespace(&t, &ns).await;
    }
}

fn job(name: &str, exit: i32, backoff: i32) -> Job {
    from(json!({
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": backoff,
            "template": {
                // The simulator reads the exit code from the annotation; a real cluster runs the command.
                "metadata": {"annotations": {"sim.berth.io/exit-code": exit.to_string(), "sim.berth.io/run-seconds": "1"}},
                "spec": {
                    "restartPolicy": "Never",
                    "terminationGracePeriodSeconds": 0,
                    "containers": [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", format!("exit {exit}")],
                        "resources": {"requests": {"cpu": "10m", "memory": "8Mi"}}}],
                },
            },
        },
    }))
}

fn has_condition(j: &Job, kind: &str) -> bool {
    j.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == kind && c.status == "True"))
}

#[tokio::test]
async fn jobs_complete_or_fail_after_their_backoff_limit() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-job").await;
        let jobs: Api<Job> = Api::namespaced(t.client.clone(), &ns);
        jobs.create(&PostParams::default(), &job("ok", 0, 0))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        jobs.create(&PostParams::default(), &job("bad", 1, 1))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let done = eventually(t.patience, || async {
            jobs.get("ok")
                .await
                .is_ok_and(|j| has_condition(&j, "Complete"))
        })
        .await;
        assert!(done, "{}: the job never completed", t.name);
        let ok = jobs.get("ok").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ok.status.as_ref().and_then(|s| s.succeeded),
            Some(1),
            "{}",
            t.name
        );
        let failed = eventually(t.patience, || async {
            jobs.get("bad")
                .await
                .is_ok_and(|j| has_condition(&j, "Failed"))
        })
        .await;
        assert!(failed, "{}: the failing job never failed", t.name);
        let bad = jobs.get("bad").await.unwrap_or_else(|e| panic!("{e}"));
        // backoffLimit 1: the first pod and one retry.
        assert_eq!(
            bad.status.as_ref().and_then(|s| s.failed),
            Some(2),
            "{}",
            t.name
        );
        let reason = bad
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.type_ == "Failed")
            .and_then(|c| c.reason);
        assert_eq!(
            reason.as_deref(),
            Some("BackoffLimitExceeded"),
            "{}",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn limit_ranges_default_and_bound_containers() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-limits").await;
        let ranges: Api<LimitRange> = Api::namespaced(t.client.clone(), &ns);
        ranges
            .create(
                &PostParams::default(),
                &from(json!({
                    "metadata": {"name": "defaults"},
                    "spec": {"limits": [{"type": "Container",
                        "default": {"cpu": "200m", "memory": "64Mi"},
                        "defaultRequest": {"cpu": "100m", "memory": "32Mi"},
                        "max": {"cpu": "1"}}]},
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let created = pods
            .create(&PostParams::default(), &pod("plain", None))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let res = created
            .spec
            .and_then(|s| s.containers.into_iter().next())
            .and_then(|c| c.resources)
            .unwrap_or_default();
        let get =
            |m: &Option<
                std::collections::BTreeMap<
                    String,
                    k8s_openapi::apimachinery::pkg::api::resource::Quantity,
                >,
            >,
             k: &str| { m.as_ref().and_then(|m| m.get(k)).map(|q| q.0.clone()) };
        assert_eq!(
            get(&res.requests, "cpu").as_deref(),
            Some("100m"),
            "{}",
            t.name
        );
        assert_eq!(
            get(&res.limits, "memory").as_deref(),
            Some("64Mi"),
            "{}",
            t.name
        );
        let big = api_error(
            pods.create(&PostParams::default(), &pod("big", Some("2")))
                .await,
            "over the max",
        );
        assert_eq!(big.code, 403, "{}", t.name);
        assert!(
            big.message
                .contains("maximum cpu usage per Container is 1, but limit is 2"),
            "{}: {}",
            t.name,
            big.message
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn server_side_apply_tracks_managers_conflicts_and_force() {
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-ssa").await;
        let maps: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        let config = |data: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": data});
        let apply = |manager: &'static str, data: Value, force: bool| {
            let maps = maps.clone();
            let body = config(data);
            async move {
                let mut pp = PatchParams::apply(manager);
                if force {
                    pp = pp.force();
                }
                maps.patch("cfg", &pp, &Patch::Apply(&body)).await
            }
        };
        // Apply creates, and records the manager.
        let created = apply("alpha", json!({"a": "1", "b": "2"}), false)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let managers: Vec<(String, String)> = created
            .metadata
            .managed_fields
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                (
                    m.manager.unwrap_or_default(),
                    m.operation.unwrap_or_default(),
                )
            })
            .collect();
        assert!(
            managers.contains(&("alpha".into(), "Apply".into())),
            "{}: {managers:?}",
            t.name
        );
        // Another manager setting a field alpha owns to another value conflicts.
        let conflict = api_error(
            apply("beta", json!({"a": "9"}), false).await,
            "conflicting apply",
        );
        assert_eq!(conflict.code, 409, "{}: {}", t.name, conflict.message);
        assert!(
            conflict.message.contains("conflict with \"alpha\""),
            "{}: {}",
            t.name,
            conflict.message
        );
        assert!(
            conflict.message.contains(".data.a"),
            "{}: {}",
            t.name,
            conflict.message
        );
        // The same value is shared ownership, not a conflict.
        apply("beta", json!({"a": "1", "c": "3"}), false)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        // Force takes the field over.
        let forced = apply("beta", json!({"a": "9", "c": "3"}), true)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(
            forced.data.unwrap_or_default().get("a").map(String::as_str),
            Some("9"),
            "{}",
            t.name
        );
        // What alpha stops applying goes, unless someone else still owns it.
        let last = apply("alpha", json!({"d": "4"}), false)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let data: Vec<(String, String)> = last.data.unwrap_or_default().into_iter().collect();
        assert_eq!(
            data,
            [
                ("a".into(), "9".into()),
                ("c".into(), "3".into()),
                ("d".into(), "4".into())
            ],
            "{}",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn endpoints_follow_the_pods_a_service_selects() {
    use k8s_openapi::api::core::v1::Endpoints;
    for t in targets().await {
        let ns = scratch(&t, "berth-conf-ep").await;
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        for name in ["ep-a", "ep-b"] {
            pods.create(
                &PostParams::default(),
                &from(json!({
                    "metadata": {"name": name, "labels": {"app": "ep"}},
                    "spec": {
                        "terminationGracePeriodSeconds": 0,
                        "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10",
                            "ports": [{"name": "http", "containerPort": 8080}]}],
                    },
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        }
        let services: Api<Service> = Api::namespaced(t.client.clone(), &ns);
        services
            .create(
                &PostParams::default(),
                &from(json!({
                    "metadata": {"name": "ep"},
                    "spec": {"selector": {"app": "ep"}, "ports": [{"name": "web", "port": 80, "targetPort": "http"}]},
                })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let endpoints: Api<Endpoints> = Api::namespaced(t.client.clone(), &ns);
        // Ready pods' names, and the ports they are reached on.
        let ready = || async {
            let e = endpoints.get_opt("ep").await.ok().flatten()?;
            let subsets = e.subsets.unwrap_or_default();
            let mut names: Vec<String> = subsets
                .iter()
                .flat_map(|s| s.addresses.iter().flatten())
                .filter_map(|a| a.target_ref.as_ref()?.name.clone())
                .collect();
            names.sort();
            let ports: Vec<(Option<String>, i32)> = subsets
                .iter()
                .flat_map(|s| s.ports.iter().flatten())
                .map(|p| (p.name.clone(), p.port))
                .collect();
            Some((names, ports))
        };
        let both = eventually(std::time::Duration::from_secs(90), || async {
            ready().await
                == Some((
                    vec!["ep-a".to_string(), "ep-b".to_string()],
                    vec![(Some("web".to_string()), 8080)],
                ))
        })
        .await;
        assert!(
            both,
            "{}: {:?}",
            t.name,
            endpoints.get_opt("ep").await.ok().flatten()
        );
        let one_ip = endpoints
            .get("ep")
            .await
            .ok()
            .and_then(|e| e.subsets?.first()?.addresses.clone()?.first().cloned())
            .map(|a| a.ip)
            .unwrap_or_default();
        assert!(
            one_ip.parse::<std::net::IpAddr>().is_ok(),
            "{}: {one_ip:?}",
            t.name
        );

        pods.delete("ep-a", &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let one = eventually(std::time::Duration::from_secs(60), || async {
            ready().await.is_some_and(|(names, _)| names == ["ep-b"])
        })
        .await;
        assert!(
            one,
            "{}: {:?}",
            t.name,
            endpoints.get_opt("ep").await.ok().flatten()
        );

        services
            .delete("ep", &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let gone = eventually(std::time::Duration::from_secs(60), || async {
            endpoints.get_opt("ep").await.is_ok_and(|e| e.is_none())
        })
        .await;
        assert!(gone, "{}: the Endpoints go with their Service", t.name);
        drop_namespace(&t, &ns).await;
    }
}
