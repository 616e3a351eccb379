//! The `berth` binary as an operator runs it: configuration errors, JSON
//! logs with request ids, graceful shutdown on SIGTERM, leadership moving
//! on, and a process killed (`kill -9`) between its two writes: the app
//! space's row committed, the cluster not yet told. The next process's
//! reconciler finishes the creation and audits it; the cluster is a
//! simulator in the test process, so it outlives the Berth it talks to.

use std::{
    io::Read,
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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn berth(data_dir: &std::path::Path, port: u16, extra: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("BERTH_ADDR", format!("127.0.0.1:{port}"))
        .env("BERTH_DATA_DIR", data_dir)
        .env("BERTH_EMBEDDED_CLUSTER", "false")
        .env("BERTH_ADMIN_PASSWORD", "process-test-pw")
        .env("BERTH_ARGON2_MEMORY_KIB", "1024")
        .env("BERTH_ARGON2_ITERATIONS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

fn wait_exit(child: &mut Child, deadline: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < deadline,
            "berth did not exit within {deadline:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(format!("http://127.0.0.1:{port}/readyz")).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(Instant::now() < deadline, "berth never became ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("berth-proc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn an_invalid_setting_stops_startup_naming_the_key() {
    let dir = temp_dir("bad");
    let out = berth(&dir, free_port(), &[("BERTH_ADDR", "not-an-address")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("configuration error: BERTH_ADDR:"),
        "{stderr}"
    );
}

#[tokio::test]
async fn json_logs_carry_request_ids_and_sigterm_stops_gracefully() {
    let dir = temp_dir("json");
    let port = free_port();
    let mut child = berth(&dir, port, &[("BERTH_LOG_FORMAT", "json")])
        .spawn()
        .unwrap();
    wait_ready(port).await;
    let res = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .unwrap();
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_exit(&mut child, Duration::from_secs(20));
    assert!(exit.success(), "graceful stop exits 0, got {exit:?}");

    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    assert!(
        lines.iter().any(|l| l.to_string().contains(&request_id)),
        "a log line names request {request_id}: {stdout}"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "shutting down"),
        "{stdout}"
    );
    assert!(lines.iter().any(|l| l["message"] == "stopped"), "{stdout}");
    assert!(stdout.contains("Berth is running at"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_first_start_prints_a_generated_admin_password_once() {
    let dir = temp_dir("first");
    let port = free_port();
    let run = |port| {
        let mut cmd = berth(&dir, port, &[]);
        cmd.env_remove("BERTH_ADMIN_PASSWORD");
        cmd.spawn().unwrap()
    };
    let mut first = run(port);
    wait_ready(port).await;
    Command::new("kill")
        .args(["-TERM", &first.id().to_string()])
        .status()
        .unwrap();
    wait_exit(&mut first, Duration::from_secs(20));
    let mut out = String::new();
    first
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("Sign in as `admin` with password `"), "{out}");

    let port2 = free_port();
    let mut second = run(port2);
    wait_ready(port2).await;
    Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status()
        .unwrap();
    wait_exit(&mut second, Duration::from_secs(20));
    let mut out = String::new();
    second
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(!out.contains("with password `"), "printed only once: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn leaderz(port: u16) -> Option<String> {
    let r = reqwest::get(format!("http://127.0.0.1:{port}/leaderz"))
        .await
        .ok()?;
    r.text().await.ok()
}

#[tokio::test]
async fn background_work_moves_to_another_process_when_its_leader_dies() {
    let dir = temp_dir("leader");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("shared.db").display());
    let extra = [
        ("DATABASE_URL", url.as_str()),
        ("BERTH_LEADER_LEASE_SECONDS", "2"),
    ];
    let (p1, p2) = (free_port(), free_port());
    let mut first = berth(&dir.join("a"), p1, &extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(p1).await;
    let mut second = berth(&dir.join("b"), p2, &extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(p2).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (a, b) = (leaderz(p1).await, leaderz(p2).await);
        if a.as_deref() == Some("leader") && b.as_deref() == Some("follower") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "expected the first process to lead alone: {a:?} {b:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The second keeps following while the first lives.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(leaderz(p2).await.as_deref(), Some("follower"));
    first.kill().unwrap();
    let killed = Instant::now();
    let _ = first.wait();
    let deadline = killed + Duration::from_secs(20);
    while leaderz(p2).await.as_deref() != Some("leader") {
        assert!(
            Instant::now() < deadline,
            "the second process never took over"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "leader takeover: {:.1} s after the leader was killed (lease 2 s, renewed every 0.7 s)",
        killed.elapsed().as_secs_f64()
    );
    second.kill().unwrap();
    let _ = second.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_cleanly_stopped_leader_releases_its_lease() {
    let dir = temp_dir("release");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("shared.db").display());
    // A long lease: only a release lets another process in before it ends.
    let extra = [
        ("DATABASE_URL", url.as_str()),
        ("BERTH_LEADER_LEASE_SECONDS", "60"),
    ];
    let port = free_port();
    let mut leader = berth(&dir.join("a"), port, &extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_ready(port).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while leaderz(port).await.as_deref() != Some("leader") {
        assert!(Instant::now() < deadline, "the only process never led");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = leader.id();
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let status = wait_exit(&mut leader, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    let db = berth_core::db::Db::connect(&url).await.unwrap();
    let lease = berth_core::db::lease::Lease::new(
        db,
        "background-workers",
        "observer",
        Duration::from_secs(60),
    );
    let holder = lease.current_holder().await.unwrap();
    assert!(
        holder.is_none(),
        "the stopped process (pid {pid}) still holds the lease: {holder:?}"
    );
    assert!(
        lease.try_hold().await.unwrap(),
        "the released lease is free at once"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A Berth on `url` that reconciles every second and whose lease outlives
/// it by 2 s.
fn crashable(dir: &std::path::Path, port: u16, url: &str) -> Child {
    let fast = [
        ("DATABASE_URL", url),
        ("BERTH_RECONCILE_SECONDS", "1"),
        ("BERTH_LEADER_LEASE_SECONDS", "2"),
    ];
    berth(dir, port, &fast)
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
    wait_ready(port).await;
    let c = Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = c
        .post(format!("http://127.0.0.1:{port}/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", "process-test-pw"),
            ("next", ""),
        ])
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

/// One `kill -9` between the two writes, on `dialect`'s database.
async fn killed_between_database_and_cluster(dialect: berth_core::db::Dialect) {
    let db = berth_core::testing::TestDb::new(dialect).await;
    let (addr, sim) = berth_kube_sim::spawn("127.0.0.1:0".parse().unwrap(), SimConfig::nodes(1))
        .await
        .unwrap();
    let kube = kube::Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap()))
        .unwrap();
    let dir = temp_dir(&format!("crash-{dialect:?}"));
    let port = free_port();
    let mut first = crashable(&dir, port, &db.url);
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

    // The cluster holds every apply to the namespace (the request's, and
    // the reconciler's, which may try to finish the creation meanwhile):
    // the row is written, the cluster not yet; then the process dies.
    sim.faults().add(
        Fault::always(Effect::Latency { millis: 120_000 })
            .on_path("/namespaces/shop")
            .on_method("PATCH"),
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
    let mut second = crashable(&dir, port, &db.url);
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

#[tokio::test]
async fn a_creation_killed_between_database_and_cluster_is_finished_on_sqlite() {
    killed_between_database_and_cluster(berth_core::db::Dialect::Sqlite).await;
}

#[tokio::test]
async fn a_creation_killed_between_database_and_cluster_is_finished_on_postgres() {
    killed_between_database_and_cluster(berth_core::db::Dialect::Postgres).await;
}

#[tokio::test]
async fn a_creation_killed_between_database_and_cluster_is_finished_on_mariadb() {
    killed_between_database_and_cluster(berth_core::db::Dialect::MySql).await;
}
