//! Simulator-only controller behaviour that needs its clock or its metrics:
//! CronJobs firing as the clock moves, the HorizontalPodAutoscaler scaling
//! on simulated CPU use, claims provisioned until a StorageClass is full,
//! and the binary keeping its state in a snapshot across restarts.

mod common;

use std::time::{Duration, Instant};

use berth_kube_sim::SimConfig;
use common::{eventually, sim_client, unique};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Event, Namespace, PersistentVolume, PersistentVolumeClaim,
};
use kube::api::{Api, ListParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, ResourceExt};
use serde_json::{json, Value};

const PATIENCE: Duration = Duration::from_secs(15);

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("test object: {e}"))
}

async fn namespace(client: &Client) -> String {
    let ns = unique("sim-ctl");
    Api::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &from(json!({"metadata": {"name": ns}})),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    ns
}

#[tokio::test]
async fn cronjobs_fire_when_the_clock_reaches_their_schedule() {
    let (sim, client) = sim_client(SimConfig::default());
    let ns = namespace(&client).await;
    let cronjobs: Api<CronJob> = Api::namespaced(client.clone(), &ns);
    cronjobs
        .create(&PostParams::default(), &from(json!({
            "metadata": {"name": "report"},
            "spec": {"schedule": "*/10 * * * *", "concurrencyPolicy": "Forbid", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "main", "image": "busybox:1.36"}]}}}}},
        })))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bad = cronjobs
        .create(&PostParams::default(), &from(json!({
            "metadata": {"name": "bad"},
            "spec": {"schedule": "every day", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox:1.36"}]}}}}},
        })))
        .await;
    assert!(
        matches!(bad, Err(kube::Error::Api(s)) if s.code == 422 && s.message.contains("spec.schedule"))
    );
    let jobs: Api<Job> = Api::namespaced(client.clone(), &ns);
    let count = || async {
        jobs.list(&ListParams::default())
            .await
            .map(|l| l.items.len())
            .unwrap_or(99)
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(count().await, 0, "nothing is due yet");
    sim.advance_clock(Duration::from_secs(10 * 60));
    assert!(
        eventually(PATIENCE, || async { count().await == 1 }).await,
        "no job after ten minutes"
    );
    let job = &jobs
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .items[0];
    assert!(job
        .owner_references()
        .iter()
        .any(|o| o.name == "report" && o.controller == Some(true)));
    let cj = cronjobs
        .get("report")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(cj.status.and_then(|s| s.last_schedule_time).is_some());
    // The job finishes (its pod runs two seconds); only then does the next
    // slot start another, as the policy forbids running two at once.
    let finished = eventually(PATIENCE, || async {
        jobs.list(&ListParams::default()).await.is_ok_and(|l| {
            l.items
                .iter()
                .all(|j| j.status.as_ref().and_then(|s| s.succeeded) == Some(1))
        })
    })
    .await;
    assert!(finished, "the first job never finished");
    sim.advance_clock(Duration::from_secs(10 * 60));
    let second = eventually(PATIENCE, || async { count().await == 2 }).await;
    let seen = jobs
        .list(&ListParams::default())
        .await
        .map(|l| l.items)
        .unwrap_or_default();
    let cj = cronjobs.get("report").await.map(|c| c.status);
    assert!(second, "no second job: {seen:#?} {cj:#?}");
}

#[tokio::test]
async fn the_autoscaler_follows_simulated_cpu_use() {
    let (_sim, client) = sim_client(SimConfig::default());
    let ns = namespace(&client).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    deployments
        .create(&PostParams::default(), &from(json!({
            "metadata": {"name": "api"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "api"}}, "template": {
                // Each pod uses 400m of its 500m request: 80% against a 50% target.
                "metadata": {"labels": {"app": "api"}, "annotations": {"sim.berth.io/cpu-usage": "400m"}},
                "spec": {"containers": [{"name": "main", "image": "api:1", "resources": {"requests": {"cpu": "500m"}}}]}}},
        })))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hpas: Api<HorizontalPodAutoscaler> = Api::namespaced(client.clone(), &ns);
    hpas.create(&PostParams::default(), &from(json!({
        "metadata": {"name": "api"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"},
            "minReplicas": 1, "maxReplicas": 3,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
    })))
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // ceil(2 * 80 / 50) = 4, held to maxReplicas 3.
    let scaled = eventually(PATIENCE, || async {
        deployments
            .get("api")
            .await
            .is_ok_and(|d| d.spec.replicas == Some(3))
    })
    .await;
    assert!(scaled, "the deployment was not scaled to 3");
    let hpa = hpas.get("api").await.unwrap_or_else(|e| panic!("{e}"));
    let status = hpa.status.unwrap_or_default();
    assert_eq!(status.desired_replicas, 3);
    let used = status.current_metrics.unwrap_or_default()[0]
        .resource
        .as_ref()
        .and_then(|r| r.current.average_utilization);
    assert_eq!(used, Some(80));
    let events: Api<Event> = Api::namespaced(client, &ns);
    let rescaled = events
        .list(&ListParams::default().fields("reason=SuccessfulRescale"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!rescaled.items.is_empty());
}

#[tokio::test]
async fn claims_are_provisioned_until_their_class_is_full() {
    let (_sim, client) = sim_client(SimConfig::default());
    let ns = namespace(&client).await;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), &ns);
    let claim = |name: &str, size: &str| -> PersistentVolumeClaim {
        from(
            json!({"metadata": {"name": name}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}}),
        )
    };
    claims
        .create(&PostParams::default(), &claim("big", "400Gi"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let bound = eventually(PATIENCE, || async {
        claims
            .get("big")
            .await
            .is_ok_and(|c| c.status.and_then(|s| s.phase).as_deref() == Some("Bound"))
    })
    .await;
    assert!(bound, "the first claim was not bound");
    let c = claims.get("big").await.unwrap_or_else(|e| panic!("{e}"));
    let volume = c.spec.and_then(|s| s.volume_name).unwrap_or_default();
    let pv = Api::<PersistentVolume>::all(client.clone())
        .get(&volume)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        pv.spec
            .as_ref()
            .and_then(|s| s.storage_class_name.as_deref()),
        Some("standard")
    );
    assert_eq!(pv.status.and_then(|s| s.phase).as_deref(), Some("Bound"));
    // 400Gi of the default class' 500Gi are taken: 200Gi more does not fit.
    claims
        .create(&PostParams::default(), &claim("more", "200Gi"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let events: Api<Event> = Api::namespaced(client.clone(), &ns);
    let refused = eventually(PATIENCE, || async {
        events
            .list(
                &ListParams::default().fields("involvedObject.name=more,reason=ProvisioningFailed"),
            )
            .await
            .is_ok_and(|l| {
                l.items.iter().any(|e| {
                    e.message
                        .as_deref()
                        .is_some_and(|m| m.contains("insufficient capacity"))
                })
            })
    })
    .await;
    assert!(refused, "no ProvisioningFailed event");
    let more = claims.get("more").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        more.status.and_then(|s| s.phase).as_deref(),
        Some("Pending")
    );
    // Deleting the first claim deletes its volume (reclaim policy Delete), making room.
    claims
        .delete("big", &Default::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let gone = eventually(PATIENCE, || async {
        Api::<PersistentVolume>::all(client.clone())
            .get_opt(&volume)
            .await
            .is_ok_and(|v| v.is_none())
    })
    .await;
    assert!(gone, "the volume outlived its claim");
}

async fn start_binary(
    dir: &std::path::Path,
    snapshot: &std::path::Path,
) -> (tokio::process::Child, Client) {
    let kubeconfig = dir.join(format!("{}.yaml", unique("kc")));
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth-kube-sim"))
        .args(["--listen", "127.0.0.1:0", "--kubeconfig"])
        .arg(&kubeconfig)
        .arg("--snapshot")
        .arg(snapshot)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn binary: {e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let yaml = loop {
        if let Ok(s) = std::fs::read_to_string(&kubeconfig) {
            if s.contains("current-context") {
                break s;
            }
        }
        assert!(Instant::now() < deadline, "binary wrote no kubeconfig");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let config = Config::from_custom_kubeconfig(
        Kubeconfig::from_yaml(&yaml).unwrap_or_else(|e| panic!("{e}")),
        &KubeConfigOptions::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    (
        child,
        Client::try_from(config).unwrap_or_else(|e| panic!("{e}")),
    )
}

#[tokio::test]
async fn the_binary_keeps_its_state_in_a_snapshot() {
    let dir = std::env::temp_dir().join(unique("berth-kube-sim-snap"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let snapshot = dir.join("state.json");
    let (mut first, client) = start_binary(&dir, &snapshot).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    let created = eventually(PATIENCE, || async {
        maps.create(
            &PostParams::default(),
            &from(json!({"metadata": {"name": "kept"}, "data": {"a": "1"}})),
        )
        .await
        .is_ok()
    })
    .await;
    assert!(created);
    // SIGTERM: the binary saves before it exits.
    let pid = first.id().unwrap_or_default();
    let _ = std::process::Command::new("kill")
        .arg(pid.to_string())
        .status();
    let _ = tokio::time::timeout(Duration::from_secs(10), first.wait()).await;
    assert!(snapshot.exists(), "no snapshot written");
    let (mut second, client) = start_binary(&dir, &snapshot).await;
    let maps: Api<ConfigMap> = Api::namespaced(client, "default");
    let kept = maps
        .get("kept")
        .await
        .unwrap_or_else(|e| panic!("after restart: {e}"));
    assert_eq!(
        kept.data.unwrap_or_default().get("a").map(String::as_str),
        Some("1")
    );
    let _ = second.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
}
