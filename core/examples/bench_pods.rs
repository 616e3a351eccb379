//! Benchmark: Berth's pod list for one VDC, through the watch cache and
//! straight from the API server, against a plain kube-rs list of the same
//! objects; and the memory the cache takes. The simulator holds 15,000 pods
//! in 100 namespaces; the VDC has two app spaces (300 pods).
//!
//! Run with `scripts/bench-clusters` (a release build). Prints figures; the
//! goals are direct <= 1.2x raw and cached <= 0.2x raw.

use std::time::{Duration, Instant};

use berth_core::kube::{cache::ClusterCache, pods as cluster_pods};
use berth_kube_sim::{SimConfig, Simulator};
use k8s_openapi::api::core::v1::Pod;
use kube::api::ListParams;
use kube::{Api, Client, Config};
use serde_json::json;

const NAMESPACES: usize = 100;
const PODS_PER_NAMESPACE: usize = 150;
const NODES: usize = 20;
const RUNS: usize = 40;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn pod(ns: &str, i: usize) -> serde_json::Value {
    let name = format!(
        "web-{:04}-{}",
        i,
        &format!("{:08x}", i * 2_654_435_761 % 4_294_967_296)[..5]
    );
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": ns, "uid": format!("{ns}-{i}"),
            "creationTimestamp": "2026-11-23T10:00:00Z",
            "labels": {"app": "web", "pod-template-hash": "7c9d8f6b5d", "berth.io/app-space": ns},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c9d8f6b5d", "uid": format!("{ns}-rs"), "controller": true}],
        },
        "spec": {
            "nodeName": format!("sim-node-{}", i % NODES + 1),
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "serviceAccountName": "default",
            "containers": [{"name": "web", "image": "registry.example.com/web:1.4.2",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "env": [{"name": "MODE", "value": "production"}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}}],
        },
        "status": {
            "phase": "Running", "podIP": format!("10.244.{}.{}", i % NODES, i % 250 + 2), "startTime": "2026-11-23T10:00:05Z",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [{"name": "web", "ready": true, "started": true, "restartCount": 0, "image": "registry.example.com/web:1.4.2",
                "imageID": "", "state": {"running": {"startedAt": "2026-11-23T10:00:06Z"}}}],
            "qosClass": "Burstable",
        },
    })
}

fn median(mut d: Vec<Duration>) -> Duration {
    d.sort();
    d[d.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sim = Simulator::without_controllers(SimConfig::nodes(NODES));
    let seeded = Instant::now();
    sim.bulk_load(|add| {
        for n in 0..NAMESPACES {
            let ns = format!("team-{n:03}");
            add(
                "namespaces",
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            );
            for i in 0..PODS_PER_NAMESPACE {
                add("pods", pod(&ns, i));
            }
        }
    })
    .unwrap_or_else(|e| panic!("seeding: {e}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    tokio::spawn(sim.clone().serve(listener));
    let client = Client::try_from(Config::new(url.parse().unwrap_or_else(|e| panic!("{e}"))))
        .unwrap_or_else(|e| panic!("{e}"));
    let vdc: Vec<String> = vec!["team-042".into(), "team-043".into()];
    println!(
        "bench-clusters: {} pods in {NAMESPACES} namespaces on {NODES} nodes (seeded in {:.1} s); one VDC = {} app spaces, {} pods; median of {RUNS} runs",
        NAMESPACES * PODS_PER_NAMESPACE,
        seeded.elapsed().as_secs_f64(),
        vdc.len(),
        vdc.len() * PODS_PER_NAMESPACE
    );

    // Raw: kube-rs lists of the same namespaces, nothing done with them.
    let mut raw = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let mut n = 0;
        for ns in &vdc {
            n += Api::<Pod>::namespaced(client.clone(), ns)
                .list(&ListParams::default())
                .await
                .map(|l| l.items.len())
                .unwrap_or(0);
        }
        assert_eq!(n, vdc.len() * PODS_PER_NAMESPACE);
        raw.push(t.elapsed());
    }
    let mut direct = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let pods = cluster_pods::list_direct(&client, &vdc)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pods.len(), vdc.len() * PODS_PER_NAMESPACE);
        direct.push(t.elapsed());
    }
    let before = rss_kib();
    let filling = Instant::now();
    let cache = ClusterCache::start(client.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let fill = filling.elapsed();
    let after = rss_kib();
    let mut cached = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let pods = cluster_pods::list_cached(&cache, &vdc);
        assert_eq!(pods.len(), vdc.len() * PODS_PER_NAMESPACE);
        cached.push(t.elapsed());
    }
    let (raw, direct, cached) = (median(raw), median(direct), median(cached));
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let ratio = |d: Duration| d.as_secs_f64() / raw.as_secs_f64();
    println!("  raw kube-rs list            {:>8.2} ms", ms(raw));
    println!(
        "  Berth direct list           {:>8.2} ms   {:.2}x raw (goal <= 1.20x) {}",
        ms(direct),
        ratio(direct),
        if ratio(direct) <= 1.2 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  Berth cached list           {:>8.3} ms   {:.3}x raw (goal <= 0.20x) {}",
        ms(cached),
        ratio(cached),
        if ratio(cached) <= 0.2 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  watch cache                 {} pods + {} nodes, filled in {:.2} s, resident memory +{:.1} MiB ({:.1} KiB per pod)",
        cache.pods.state().len(),
        cache.nodes.state().len(),
        fill.as_secs_f64(),
        after.saturating_sub(before) as f64 / 1024.0,
        after.saturating_sub(before) as f64 / cache.pods.state().len().max(1) as f64
    );
}
