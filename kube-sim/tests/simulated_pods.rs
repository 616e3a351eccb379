//! Simulator-only pod behaviour: the images that fail to pull or keep
//! crashing, pods that run to completion, generated logs that grow with the
//! cluster's clock, and the metrics API computed from running pods.

mod common;

use std::time::Duration;

use berth_kube_sim::SimConfig;
use common::{eventually, sim_client, unique};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, LogParams, PostParams,
};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(10);

fn pod(name: &str, image: &str, annotations: serde_json::Value, restart: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"restartPolicy": restart, "containers": [{"name": "main", "image": image,
            "resources": {"requests": {"cpu": "500m", "memory": "100Mi"}}}]},
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn setup() -> (berth_kube_sim::Simulator, kube::Client, Api<Pod>, String) {
    let (sim, client) = sim_client(SimConfig::nodes(2));
    let ns = unique("sim-pods");
    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": ns}}))
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let pods = Api::namespaced(client.clone(), &ns);
    (sim, client, pods, ns)
}

fn waiting_reason(p: &Pod) -> Option<String> {
    p.status
        .as_ref()?
        .container_statuses
        .as_ref()?
        .first()?
        .state
        .as_ref()?
        .waiting
        .as_ref()?
        .reason
        .clone()
}

#[tokio::test]
async fn troubled_images_show_kubernetes_reasons() {
    let (_sim, _client, pods, _ns) = setup().await;
    pods.create(
        &PostParams::default(),
        &pod("pull", "example/app:notfound", json!({}), "Always"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    pods.create(
        &PostParams::default(),
        &pod("crash", "example/crashloop:1", json!({}), "Always"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let pulled = eventually(PATIENCE, || async {
        pods.get("pull")
            .await
            .is_ok_and(|p| waiting_reason(&p).as_deref() == Some("ImagePullBackOff"))
    })
    .await;
    assert!(pulled, "no ImagePullBackOff");
    let p = pods.get("pull").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.status.and_then(|s| s.phase).as_deref(), Some("Pending"));
    let crashing = eventually(PATIENCE, || async {
        pods.get("crash")
            .await
            .is_ok_and(|p| waiting_reason(&p).as_deref() == Some("CrashLoopBackOff"))
    })
    .await;
    assert!(crashing, "no CrashLoopBackOff");
    let p = pods.get("crash").await.unwrap_or_else(|e| panic!("{e}"));
    let cs = p
        .status
        .and_then(|s| s.container_statuses)
        .unwrap_or_default();
    assert!(!cs[0].ready && cs[0].restart_count >= 1);
}

#[tokio::test]
async fn pods_that_do_not_restart_run_to_completion() {
    let (sim, _client, pods, _ns) = setup().await;
    let ok = json!({"sim.berth.io/run-seconds": "30"});
    let bad = json!({"sim.berth.io/run-seconds": "30", "sim.berth.io/exit-code": "3"});
    pods.create(&PostParams::default(), &pod("ok", "busybox:1", ok, "Never"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    pods.create(
        &PostParams::default(),
        &pod("bad", "busybox:1", bad, "Never"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let phase = |name: &'static str| {
        let pods = pods.clone();
        async move {
            pods.get(name)
                .await
                .ok()
                .and_then(|p| p.status)
                .and_then(|s| s.phase)
                .unwrap_or_default()
        }
    };
    assert!(eventually(PATIENCE, || async { phase("ok").await == "Running" }).await);
    // Thirty simulated seconds pass at once.
    sim.advance_clock(Duration::from_secs(31));
    assert!(
        eventually(PATIENCE, || async { phase("ok").await == "Succeeded" }).await,
        "never succeeded"
    );
    assert!(
        eventually(PATIENCE, || async { phase("bad").await == "Failed" }).await,
        "never failed"
    );
    let done = pods.get("bad").await.unwrap_or_else(|e| panic!("{e}"));
    let code = done
        .status
        .and_then(|s| s.container_statuses)
        .unwrap_or_default()[0]
        .state
        .clone()
        .and_then(|s| s.terminated)
        .map(|t| t.exit_code);
    assert_eq!(code, Some(3));
    // Logs grew with the clock: one line every five seconds.
    let log = pods
        .logs("ok", &LogParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(log.lines().count() >= 6, "{log}");
    let tail = pods
        .logs(
            "ok",
            &LogParams {
                tail_lines: Some(2),
                timestamps: true,
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(tail.lines().count(), 2, "{tail}");
}

#[tokio::test]
async fn metrics_follow_running_pods() {
    let (_sim, client, pods, ns) = setup().await;
    let fixed = json!({"sim.berth.io/cpu-usage": "250m"});
    pods.create(
        &PostParams::default(),
        &pod("busy", "app:1", fixed, "Always"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let pod_metrics = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("metrics.k8s.io", "v1beta1", "PodMetrics"),
        "pods",
    );
    let node_metrics = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("metrics.k8s.io", "v1beta1", "NodeMetrics"),
        "nodes",
    );
    let pm: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &pod_metrics);
    let listed = eventually(PATIENCE, || async {
        pm.list(&ListParams::default())
            .await
            .is_ok_and(|l| l.items.len() == 1)
    })
    .await;
    assert!(listed, "no pod metrics for the running pod");
    let m = pm.get("busy").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.data["containers"][0]["usage"]["cpu"], "250000000n");
    let mem = m.data["containers"][0]["usage"]["memory"]
        .as_str()
        .unwrap_or_default()
        .trim_end_matches("Ki")
        .parse::<f64>()
        .unwrap_or(0.0);
    // About 60% of the 100Mi request, give or take the simulated wobble.
    assert!((50_000.0..70_000.0).contains(&mem), "memory {mem}Ki");
    let nm: Api<DynamicObject> = Api::all_with(client.clone(), &node_metrics);
    let nodes = nm
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(nodes.items.len(), 2);
    let cpu: Vec<i64> = nodes
        .items
        .iter()
        .map(|n| {
            n.data["usage"]["cpu"]
                .as_str()
                .unwrap_or("0n")
                .trim_end_matches('n')
                .parse()
                .unwrap_or(0)
        })
        .collect();
    // The busy node uses the pod's 250m on top of its 100m overhead.
    assert!(
        cpu.contains(&350_000_000) && cpu.contains(&100_000_000),
        "{cpu:?}"
    );
    let refused = pm.create(&PostParams::default(), &m).await;
    assert!(matches!(refused, Err(kube::Error::Api(s)) if s.code == 405));
}

#[tokio::test]
async fn gpu_nodes_advertise_gpus_and_the_scheduler_counts_them() {
    let (_sim, client) = sim_client(SimConfig {
        nodes: 3,
        gpu_nodes: 1,
    });
    let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(client.clone());
    let gpu_node = nodes
        .get("sim-node-3")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = gpu_node.status.unwrap_or_default();
    let allocatable = status.allocatable.unwrap_or_default();
    let capacity = status.capacity.unwrap_or_default();
    assert_eq!(
        allocatable.get("nvidia.com/gpu").map(|q| q.0.as_str()),
        Some("4")
    );
    assert_eq!(capacity.get("cpu").map(|q| q.0.as_str()), Some("8"));
    assert_eq!(
        allocatable.get("cpu").map(|q| q.0.as_str()),
        Some("7800m"),
        "reservations leave less than capacity"
    );
    let plain = nodes
        .get("sim-node-1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let plain_alloc = plain.status.and_then(|s| s.allocatable).unwrap_or_default();
    assert!(!plain_alloc.contains_key("nvidia.com/gpu"));

    let pods: Api<Pod> = Api::namespaced(client.clone(), "default");
    let gpu_pod = |name: &str, gpus: &str| -> Pod {
        serde_json::from_value(json!({
            "metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": "trainer:1",
                "resources": {"limits": {"nvidia.com/gpu": gpus}}}]},
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    };
    for (name, gpus) in [("train-a", "3"), ("train-b", "2")] {
        pods.create(&PostParams::default(), &gpu_pod(name, gpus))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let node_of = |name: &'static str| {
        let pods = pods.clone();
        async move { pods.get(name).await.ok().and_then(|p| p.spec?.node_name) }
    };
    assert!(
        eventually(PATIENCE, || async {
            node_of("train-a").await.as_deref() == Some("sim-node-3")
        })
        .await,
        "the GPU pod went to the GPU node: {:?}",
        pods.get("train-a").await.ok().and_then(|p| p.status)
    );
    // 3 of the 4 GPUs are taken: 2 more fit nowhere.
    let explained = eventually(PATIENCE, || async {
        pods.get("train-b").await.is_ok_and(|p| {
            p.status
                .and_then(|s| s.conditions)
                .unwrap_or_default()
                .iter()
                .any(|c| {
                    c.type_ == "PodScheduled"
                        && c.message.as_deref()
                            == Some("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
                })
        })
    })
    .await;
    assert!(
        explained,
        "{:?}",
        pods.get("train-b").await.ok().and_then(|p| p.status)
    );
    assert_eq!(node_of("train-b").await, None);
}
