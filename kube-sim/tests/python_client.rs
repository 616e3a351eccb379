//! The official Kubernetes Python client (`pip install kubernetes`, put
//! there by scripts/install-tools) drives the standalone simulator through
//! a tenant's day: tests/python/tenant_day.py.

#[path = "common/standalone.rs"]
mod standalone;

use std::process::Command;

#[test]
fn the_official_python_client_has_a_tenants_day() {
    let sim = standalone::Standalone::start();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/tenant_day.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&sim.kubeconfig)
        .env("HOME", &sim.dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("No module named 'kubernetes'"),
        "the Python client is missing: run scripts/install-tools --browser"
    );
    assert!(out.status.success(), "the day failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("- deployment and namespace deleted"),
        "{stdout}"
    );
}
