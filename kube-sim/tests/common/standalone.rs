//! The standalone simulator binary, started for a test over TLS with a
//! token, in a directory of its own (its kubeconfig, the clients' caches),
//! stopped and removed when dropped.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `berth-kube-sim`.
pub struct Standalone {
    child: Child,
    /// The test's own directory.
    pub dir: PathBuf,
    /// The kubeconfig the simulator wrote (server, CA, admin token).
    pub kubeconfig: PathBuf,
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `done` until it holds, failing the test after `patience`.
pub fn wait_for(what: &str, patience: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + patience;
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Standalone {
    /// Starts the binary and waits until it answers `/readyz` over TLS.
    pub fn start() -> Standalone {
        let dir = std::env::temp_dir().join(format!(
            "berth-standalone-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("test dir");
        let kubeconfig = dir.join("kubeconfig");
        let child = Command::new(env!("CARGO_BIN_EXE_berth-kube-sim"))
            .args([
                "--listen",
                "127.0.0.1:0",
                "--nodes",
                "2",
                "--tls",
                "--token",
            ])
            .arg(format!("admin-{}", uuid::Uuid::new_v4().simple()))
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        let sim = Standalone {
            child,
            dir,
            kubeconfig,
        };
        wait_for(
            "the simulator writes its kubeconfig",
            Duration::from_secs(30),
            || sim.kubeconfig.exists(),
        );
        sim
    }
}
