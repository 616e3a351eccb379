//! A cluster's overview through Berth, against the simulator: version,
//! ready and not-ready nodes, capacity, allocatable and requested cpu,
//! memory, GPUs and pods, namespaces with their pods, and the latest
//! warnings; on SQLite, PostgreSQL and MariaDB.

#[allow(unused_imports)]
use super::common;

use std::time::{Duration, Instant};

use berth_api::{ClusterOverview, ResourceUse};
use berth_core::{auth::Principal, db_test, testing::TestDb, Error, Services};
use berth_kube_sim::SimConfig;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(15);
const GIB: f64 = 1_073_741_824.0;

async fn setup(t: &TestDb) -> (Services, Principal, i64, kube::Client) {
    common::simulated_cluster(
        t,
        SimConfig {
            nodes: 3,
            gpu_nodes: 1,
        },
    )
    .await
}

fn of<'a>(o: &'a ClusterOverview, resource: &str) -> &'a ResourceUse {
    o.resources
        .iter()
        .find(|r| r.resource == resource)
        .unwrap_or_else(|| panic!("no {resource} in {:?}", o.resources))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6
}

db_test!(
    the_overview_sums_nodes_and_requests_and_lists_warnings,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = setup(&t).await;
        let missing = s
            .clusters()
            .cluster_overview(&ops, 999_999)
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::NotFound), "{missing:?}");

        let first = s.clusters().cluster_overview(&ops, cluster).await.unwrap();
        assert_eq!(first.version, "v1.37.0-berth-sim");
        assert_eq!(first.cluster.as_ref().map(|c| c.name.as_str()), Some("sim"));
        assert_eq!((first.nodes_ready, first.nodes_not_ready.len()), (3, 0));
        assert_eq!(
            first
                .resources
                .iter()
                .map(|r| r.resource.as_str())
                .collect::<Vec<_>>(),
            ["cpu", "memory", "nvidia.com/gpu", "pods"]
        );
        // 3 nodes of 8 cores (7.8 allocatable), 32Gi (31Gi), 110 pods; one with 4 GPUs.
        let cpu = of(&first, "cpu");
        assert!(
            close(cpu.capacity, 24.0) && close(cpu.allocatable, 23.4),
            "{cpu:?}"
        );
        let memory = of(&first, "memory");
        assert!(
            close(memory.capacity, 96.0 * GIB) && close(memory.allocatable, 93.0 * GIB),
            "{memory:?}"
        );
        let gpu = of(&first, "nvidia.com/gpu");
        assert!(
            gpu.requested.is_sign_positive(),
            "0 requested, not -0: {gpu:?}"
        );
        assert!(
            close(gpu.capacity, 4.0) && close(gpu.requested, 0.0),
            "{gpu:?}"
        );
        assert!(close(of(&first, "pods").allocatable, 330.0));
        assert!(first
            .namespaces
            .iter()
            .any(|n| n.name == "kube-system" && n.phase == "Active"));

        // sim-node-1 stops reporting Ready.
        let nodes: Api<Node> = Api::all(client.clone());
        nodes
            .patch_status(
                "sim-node-1",
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"conditions": [
                    {"type": "Ready", "status": "False", "reason": "KubeletNotReady", "message": "PLEG is not healthy"}
                ]}})),
            )
            .await
            .unwrap();
        // Two web pods of 500m and 256Mi, a trainer with 2 GPUs, and a pod too big for any node.
        let namespaces: Api<Namespace> = Api::all(client.clone());
        namespaces
            .create(
                &PostParams::default(),
                &serde_json::from_value(json!({"metadata": {"name": "team-a"}})).unwrap(),
            )
            .await
            .unwrap();
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), "team-a");
        deployments.create(&PostParams::default(), &serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "main", "image": "web:1",
                    "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}}}]}}}
        })).unwrap()).await.unwrap();
        let pods: Api<Pod> = Api::namespaced(client.clone(), "team-a");
        for (name, resources) in [
            ("trainer", json!({"limits": {"nvidia.com/gpu": "2"}})),
            ("hungry", json!({"requests": {"cpu": "100"}})),
        ] {
            pods.create(&PostParams::default(), &serde_json::from_value(json!({
                "metadata": {"name": name},
                "spec": {"containers": [{"name": "main", "image": "app:1", "resources": resources}]}
            })).unwrap()).await.unwrap();
        }

        let deadline = Instant::now() + PATIENCE;
        let settled = loop {
            let o = s.clusters().cluster_overview(&ops, cluster).await.unwrap();
            let done = o.nodes_not_ready == ["sim-node-1"]
                && close(of(&o, "pods").requested, 3.0)
                && o.warnings.iter().any(|w| w.reason == "FailedScheduling");
            if done || Instant::now() > deadline {
                break o;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let o = settled;
        assert_eq!(o.nodes_ready, 2, "{:?}", o.nodes_not_ready);
        assert_eq!(o.nodes_not_ready, ["sim-node-1"]);
        let cpu = of(&o, "cpu");
        assert!(
            close(cpu.requested, 1.0),
            "two web pods of 500m, the unscheduled pod not counted: {cpu:?}"
        );
        assert!(
            close(cpu.capacity, 24.0),
            "a not-ready node still counts in capacity: {cpu:?}"
        );
        assert!(
            close(of(&o, "memory").requested, 0.5 * GIB),
            "{:?}",
            of(&o, "memory")
        );
        let gpu = of(&o, "nvidia.com/gpu");
        assert!(
            close(gpu.requested, 2.0) && close(gpu.requested_percent(), 50.0),
            "{gpu:?}"
        );
        assert!(close(of(&o, "pods").requested, 3.0), "{:?}", of(&o, "pods"));
        let team = o
            .namespaces
            .iter()
            .find(|n| n.name == "team-a")
            .expect("team-a listed");
        assert_eq!(team.pods, 4, "pending pods count in their namespace");
        assert!(team.created_at.is_some());
        let hungry = o
            .warnings
            .iter()
            .find(|w| w.reason == "FailedScheduling")
            .expect("a FailedScheduling warning");
        assert_eq!(hungry.object, "Pod/hungry");
        assert_eq!(hungry.namespace, "team-a");
        assert!(
            hungry.message.contains("Insufficient cpu"),
            "{}",
            hungry.message
        );
        assert!(hungry.last_seen.is_some());
        assert!(o.warning_total >= 1);
        assert!(
            o.warnings.iter().all(|w| w.reason != "Scheduled"),
            "only warnings: {:?}",
            o.warnings
        );
    }
);
