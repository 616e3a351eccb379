//! `berth-kube-sim`: runs the simulated Kubernetes API server on plain HTTP.
//!
//! ```text
//! berth-kube-sim [--listen 127.0.0.1:6443] [--nodes 3] [--kubeconfig out.yaml]
//! ```
//! With `--kubeconfig`, writes a kubeconfig (cluster/user/context `berth-sim`)
//! pointing at the listen address, for kubectl or kube-rs.

use std::net::SocketAddr;
use std::process::ExitCode;

use berth_kube_sim::{kubeconfig_yaml, SimConfig, Simulator};

const USAGE: &str = "usage: berth-kube-sim [--listen ADDR:PORT] [--nodes N] [--kubeconfig FILE]";

struct Args {
    listen: SocketAddr,
    nodes: usize,
    kubeconfig: Option<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 6443)),
        nodes: SimConfig::default().nodes,
        kubeconfig: None,
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
            "--kubeconfig" => out.kubeconfig = Some(value("--kubeconfig")?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    Ok(out)
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
    let server = format!("http://{addr}");
    if let Some(path) = &args.kubeconfig {
        if let Err(e) = std::fs::write(path, kubeconfig_yaml(&server)) {
            eprintln!("cannot write kubeconfig {path}: {e}");
            return ExitCode::FAILURE;
        }
        eprintln!("wrote kubeconfig {path}");
    }
    eprintln!(
        "berth-kube-sim: simulated Kubernetes API (for demos and tests) on {server} with {} node(s)",
        args.nodes
    );
    let sim = Simulator::new(SimConfig { nodes: args.nodes });
    tokio::select! {
        result = sim.serve(listener) => match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("server error: {e}");
                ExitCode::FAILURE
            }
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
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
    }
}
