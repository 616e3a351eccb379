//! The `berth` binary as an operator runs it: configuration errors, JSON
//! logs with request ids, and graceful shutdown on SIGTERM.

use std::{
    io::Read,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

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
