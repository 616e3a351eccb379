//! A Berth process killed (`kill -9`) between its two writes: the app
//! space's row is committed, the cluster has not been told. The next
//! process's reconciler finishes the creation, as if nothing had happened,
//! and audits it. The cluster is a simulator in this test process, so it
//! outlives the Berth it talks to.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use berth_kube_sim::{
    faults::{Effect, Fault},
    SimConfig,
};
use k8s_openapi::api::core::v1::{Namespace, ResourceQuota};
use kube::{Api, ResourceExt};
use reqwest::Client;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_berth");
const PASSWORD: &str = "crash-test-pw";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn berth(dir: &std::path::Path, port: u16) -> Child {
    Command::new(BIN)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BERTH_ADDR", format!("127.0.0.1:{port}"))
        .env("BERTH_DATA_DIR", dir)
        .env("BERTH_EMBEDDED_CLUSTER", "false")
        .env("BERTH_ADMIN_PASSWORD", PASSWORD)
        .env("BERTH_ARGON2_MEMORY_KIB", "1024")
        .env("BERTH_ARGON2_ITERATIONS", "1")
        .env("BERTH_RECONCILE_SECONDS", "1")
        .env("BERTH_LEADER_LEASE_SECONDS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits, with a deadline, until `check` holds.
async fn until<F, Fut>(what: &str, seconds: u64, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {seconds} s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn signed_in(port: u16) -> Client {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    until("berth ready", 30, || {
        let c = c.clone();
        async move {
            c.get(format!("http://127.0.0.1:{port}/readyz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    let res = c
        .post(format!("http://127.0.0.1:{port}/auth/login"))
        .form(&[("username", "admin"), ("password", PASSWORD), ("next", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "sign-in");
    c
}

async fn call(c: &Client, port: u16, endpoint: &str, body: Value) -> Value {
    let res = c
        .post(format!("http://127.0.0.1:{port}/api/{endpoint}"))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{endpoint}: {status} {answer}");
    answer
}

async fn app_space_state(c: &Client, port: u16, vdc: i64) -> Option<String> {
    let page = call(
        c,
        port,
        "appspaces/list",
        json!({"vdc_id": vdc, "query": {}}),
    )
    .await;
    page["items"][0]["state"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn a_creation_killed_between_database_and_cluster_is_finished_by_the_next_process() {
    let (addr, sim) = berth_kube_sim::spawn("127.0.0.1:0".parse().unwrap(), SimConfig::nodes(1))
        .await
        .unwrap();
    let kube = kube::Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap()))
        .unwrap();
    let dir = std::env::temp_dir().join(format!("berth-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    let mut first = berth(&dir, port);
    let c = signed_in(port).await;

    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: sim\nclusters:\n- name: sim\n  cluster:\n    server: http://{addr}\nusers:\n- name: nobody\n  user: {{}}\ncontexts:\n- name: sim\n  context:\n    cluster: sim\n    user: nobody\n"
    );
    let cluster = call(
        &c,
        port,
        "clusters/create",
        json!({"input": {"name": "sim", "kubeconfig": kubeconfig}}),
    )
    .await;
    let cluster = cluster["id"].as_i64().unwrap();
    let domain = call(
        &c,
        port,
        "domains/create",
        json!({"input": {"name": "acme", "display_name": "Acme"}}),
    )
    .await;
    let domain = domain["id"].as_i64().unwrap();
    let vdc = call(
        &c,
        port,
        "vdcs/create",
        json!({"input": {"domain_id": domain, "name": "web", "display_name": "Web"}}),
    )
    .await;
    let vdc = vdc["id"].as_i64().unwrap();
    for owner in [
        json!({"kind": "domain", "id": domain}),
        json!({"kind": "vdc", "id": vdc}),
    ] {
        call(
            &c,
            port,
            "quotas/set",
            json!({"owner": owner, "input": {"cluster_id": cluster, "amounts": {"cpu": "2"}}}),
        )
        .await;
    }

    // The cluster holds the namespace's apply: the row is written, the
    // cluster not yet; then the process dies.
    sim.faults().add(
        Fault::always(Effect::Latency { millis: 120_000 })
            .on_path("/namespaces/shop")
            .on_method("PATCH")
            .times(1),
    );
    let creating = {
        let c = c.clone();
        tokio::spawn(async move {
            let input = json!({"input": {"vdc_id": vdc, "cluster_id": cluster, "name": "shop", "display_name": "Shop", "amounts": {"cpu": "1"}}});
            c.post(format!("http://127.0.0.1:{port}/api/appspaces/create"))
                .header("accept", "application/json")
                .json(&input)
                .send()
                .await
        })
    };
    until("the row written", 20, || {
        let c = c.clone();
        async move { app_space_state(&c, port, vdc).await.as_deref() == Some("creating") }
    })
    .await;
    first.kill().unwrap();
    let _ = first.wait();
    assert!(
        creating.await.unwrap().is_err(),
        "the request died with its process"
    );
    sim.faults().clear();
    let namespaces: Api<Namespace> = Api::all(kube.clone());
    assert!(
        namespaces.get_opt("shop").await.unwrap().is_none(),
        "the cluster was never told"
    );

    // The next process (after the dead one's lease runs out) finishes it.
    let mut second = berth(&dir, port);
    let c = signed_in(port).await;
    until("the app space ready", 30, || {
        let c = c.clone();
        async move { app_space_state(&c, port, vdc).await.as_deref() == Some("ready") }
    })
    .await;
    let ns = namespaces.get("shop").await.unwrap();
    assert_eq!(ns.labels()["app.kubernetes.io/managed-by"], "berth");
    let quotas: Api<ResourceQuota> = Api::namespaced(kube.clone(), "shop");
    let hard = quotas
        .get("berth-quota")
        .await
        .unwrap()
        .spec
        .unwrap()
        .hard
        .unwrap();
    assert_eq!(hard["requests.cpu"].0, "1");
    let audit = call(
        &c,
        port,
        "audit/list",
        json!({"query": {"action": "appspace.reconcile.finish"}}),
    )
    .await;
    let entry = &audit["items"][0];
    assert_eq!(entry["username"], "berth-reconciler", "{audit}");
    assert!(
        entry["target"].as_str().unwrap().contains("shop"),
        "{audit}"
    );
    second.kill().unwrap();
    let _ = second.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
