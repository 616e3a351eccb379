//! `berth`: runs the portal. Configuration comes from defaults, an optional
//! TOML file and `BERTH_*` environment variables (see the README).

use std::process::ExitCode;

use berth_server::{config::Config, start, telemetry};
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> ExitCode {
    match std::env::args().nth(1).as_deref() {
        Some("--version" | "-V") => {
            println!("berth {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--help" | "-h") => {
            println!(
                "berth {}: multi-tenant Kubernetes portal\n",
                env!("CARGO_PKG_VERSION")
            );
            println!("Configuration (environment variable, default: meaning):");
            for k in berth_server::config::KEYS {
                println!(
                    "  {:<30} {:<16} {}",
                    k.env,
                    if k.default.is_empty() { "-" } else { k.default },
                    k.doc
                );
            }
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("berth: unknown argument `{other}` (try --help); configuration comes from BERTH_* variables");
            return ExitCode::from(2);
        }
        None => {}
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let portal = match start(&config).await {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "startup failed");
            eprintln!("berth: startup failed: {e}");
            return ExitCode::from(1);
        }
    };
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("berth: cannot listen on {} (BERTH_ADDR): {e}", config.addr);
            return ExitCode::from(1);
        }
    };
    println!("Berth is running at {}", config.public_url);
    match &portal.initial_admin {
        Some(admin) => match &admin.generated_password {
            Some(pw) => println!(
                "Sign in as `{}` with password `{}` (shown only this once; set BERTH_ADMIN_PASSWORD to choose it).",
                admin.username,
                pw.expose_secret()
            ),
            None => println!("Sign in as `{}` with the password from BERTH_ADMIN_PASSWORD.", admin.username),
        },
        None => println!("Sign in with an existing account (the initial admin is `admin`)."),
    }
    let served = axum::serve(
        listener,
        portal
            .router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    // Another process may take the background work over at once.
    if let Err(e) = portal.lease.release().await {
        tracing::warn!(error = %e, "could not release the leader lease");
    }
    portal.services.db().close().await;
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("berth: server error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C; in-flight requests then finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
