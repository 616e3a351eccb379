//! `berth-kube-sim`: runs the simulated Kubernetes API server on plain HTTP.
//!
//! ```text
//! berth-kube-sim [--listen 127.0.0.1:6443] [--nodes 3] [--gpu-nodes 0]
//!                [--kubeconfig out.yaml] [--snapshot state.json] [--tls [--token TOKEN]]
//! ```
//! With `--kubeconfig`, writes a kubeconfig (cluster/user/context `berth-sim`)
//! pointing at the listen address, for kubectl or kube-rs. With
//! `--snapshot`, the state is loaded from the file when it exists and saved
//! to it every few seconds and at exit. With `--tls`, it serves HTTPS with a
//! fresh self-signed certificate (its CA goes into the kubeconfig), and with
//! `--token`, only requests bearing that token are let in.

use std::net::SocketAddr;
use std::process::ExitCode;

use berth_kube_sim::{kubeconfig_yaml_with, SimConfig, Simulator};

const USAGE: &str = "usage: berth-kube-sim [--listen ADDR:PORT] [--nodes N] [--gpu-nodes N] [--kubeconfig FILE] [--snapshot FILE] [--tls [--token TOKEN]]";

/// How often a changed state is written to the snapshot file.
const SNAPSHOT_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

struct Args {
    listen: SocketAddr,
    nodes: usize,
    gpu_nodes: usize,
    kubeconfig: Option<String>,
    snapshot: Option<String>,
    tls: bool,
    token: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 6443)),
        nodes: SimConfig::default().nodes,
        gpu_nodes: 0,
        kubeconfig: None,
        snapshot: None,
        tls: false,
        token: None,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value\n{USAGE}"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                out.listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--nodes" => {
                let v = value("--nodes")?;
                out.nodes = v.parse().map_err(|e| format!("--nodes {v}: {e}"))?;
            }
            "--gpu-nodes" => {
                let v = value("--gpu-nodes")?;
                out.gpu_nodes = v.parse().map_err(|e| format!("--gpu-nodes {v}: {e}"))?;
            }
            "--kubeconfig" => out.kubeconfig = Some(value("--kubeconfig")?),
            "--snapshot" => out.snapshot = Some(value("--snapshot")?),
            "--tls" => out.tls = true,
            "--token" => out.token = Some(value("--token")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if out.gpu_nodes > out.nodes {
        return Err(format!(
            "--gpu-nodes {} is more than --nodes {}",
            out.gpu_nodes, out.nodes
        ));
    }
    if out.token.is_some() && !out.tls {
        return Err(format!(
            "--token needs --tls (a token must not travel in clear text)\n{USAGE}"
        ));
    }
    Ok(out)
}

fn load_snapshot(sim: &Simulator, path: &str) -> Result<(), String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read snapshot {path}: {e}")),
    };
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("snapshot {path}: {e}"))?;
    let n = sim
        .restore(&value)
        .map_err(|e| format!("snapshot {path}: {e}"))?;
    eprintln!("restored {n} object(s) from {path}");
    Ok(())
}

fn save_snapshot(sim: &Simulator, path: &str) {
    let tmp = format!("{path}.tmp");
    let text = sim.snapshot().to_string();
    if let Err(e) = std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)) {
        eprintln!("cannot write snapshot {path}: {e}");
    }
}

/// Saves the state to `path` whenever it changed, every [`SNAPSHOT_EVERY`].
async fn keep_saving(sim: Simulator, path: String) {
    let mut saved = 0;
    loop {
        tokio::time::sleep(SNAPSHOT_EVERY).await;
        let rv = sim.cluster().lock().resource_version();
        if rv != saved {
            save_snapshot(&sim, &path);
            saved = rv;
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.listen);
    let scheme = if args.tls { "https" } else { "http" };
    let server = format!("{scheme}://{addr}");
    let identity = if args.tls {
        match berth_kube_sim::tls::self_signed() {
            Ok(pair) => Some(pair),
            Err(e) => {
                eprintln!("cannot make a certificate: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let ca = identity.as_ref().map(|(cert, _)| cert.as_str());
    if let Some(path) = &args.kubeconfig {
        let yaml = kubeconfig_yaml_with(&server, ca, args.token.as_deref());
        if let Err(e) = std::fs::write(path, yaml) {
            eprintln!("cannot write kubeconfig {path}: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote kubeconfig {path}");
    }
    eprintln!(
        "berth-kube-sim: simulated Kubernetes API (for demos and tests) on {server} with {} node(s)",
        args.nodes
    );
    let sim = Simulator::new(SimConfig {
        nodes: args.nodes,
        gpu_nodes: args.gpu_nodes,
    });
    if let Some(path) = &args.snapshot {
        if let Err(e) = load_snapshot(&sim, path) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
        tokio::spawn(keep_saving(sim.clone(), path.clone()));
    }
    let serving = {
        let sim = sim.clone();
        async move {
            match identity {
                Some((cert_pem, key_pem)) => {
                    let security = berth_kube_sim::tls::Security {
                        cert_pem,
                        key_pem,
                        client_ca_pem: None,
                        token: args.token,
                    };
                    berth_kube_sim::tls::serve(sim, listener, security).await
                }
                None => sim.serve(listener).await,
            }
        }
    };
    let code = tokio::select! {
        result = serving => match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server error: {e}");
                ExitCode::FAILURE
            }
        },
        _ = shutdown() => ExitCode::SUCCESS,
    };
    if let Some(path) = &args.snapshot {
        save_snapshot(&sim, path);
    }
    code
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Args, String> {
        parse_args(s.split_whitespace().map(str::to_string))
    }

    #[test]
    fn parses_flags() {
        let a =
            args("--listen 0.0.0.0:7000 --nodes 5 --kubeconfig k.yaml").map_err(|e| e.to_string());
        let a = a.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.listen, SocketAddr::from(([0, 0, 0, 0], 7000)));
        assert_eq!(a.nodes, 5);
        assert_eq!(a.kubeconfig.as_deref(), Some("k.yaml"));
        let b = args("--nodes=2").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.nodes, 2);
        assert_eq!(b.listen.port(), 6443);
        assert!(args("--nodes").is_err());
        assert!(args("--bogus 1").is_err());
        assert!(args("--listen nowhere").is_err());
        assert!(args("--token abc").is_err(), "a token needs TLS");
        let c = args("--tls --token abc --snapshot s.json").unwrap_or_else(|e| panic!("{e}"));
        assert!(c.tls);
        assert_eq!(c.token.as_deref(), Some("abc"));
        assert_eq!(c.snapshot.as_deref(), Some("s.json"));
        let d = args("--nodes 4 --gpu-nodes 1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((d.nodes, d.gpu_nodes), (4, 1));
        let too_many = args("--nodes 2 --gpu-nodes 3").err().unwrap_or_default();
        assert!(
            too_many.contains("--gpu-nodes 3 is more than --nodes 2"),
            "{too_many}"
        );
    }
}
