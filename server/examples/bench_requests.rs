//! The request-path benchmark (`scripts/bench-requests`): throughput and
//! latency of an authenticated server function (`/api/me`: session,
//! principal, address rules, the function) beside a bare `/healthz`, in the
//! same run, on each database.
//!
//! `bench_requests [--db sqlite|postgres|mariadb|all] [--connections N] [--seconds S]`
//!
//! Prints requests per second and p50/p99 latency for both, and the ratio.
//! Targets (issue 12): the server function at least 30% of `/healthz`, p99 at
//! most 25 ms at 64 connections. Figures only: machines are noisy, so
//! nothing here fails a build.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use berth_core::{db::Dialect, testing::TestDb};
use berth_server::{start, Config};
use reqwest::Client;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};

const ADMIN_PASSWORD: &str = "bench-admin-password";

struct Args {
    dialects: Vec<Dialect>,
    connections: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        dialects: vec![Dialect::Sqlite, Dialect::Postgres, Dialect::MySql],
        connections: 64,
        seconds: 10,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--db" => {
                a.dialects = match value.as_str() {
                    "sqlite" => vec![Dialect::Sqlite],
                    "postgres" => vec![Dialect::Postgres],
                    "mariadb" | "mysql" => vec![Dialect::MySql],
                    "all" => a.dialects,
                    other => panic!("unknown database {other}"),
                }
            }
            "--connections" => a.connections = value.parse().expect("--connections N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds S"),
            other => panic!("unknown flag {other}"),
        }
    }
    a
}

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

/// One request, written out once: keep-alive HTTP/1.1 as a browser sends it.
fn request_bytes(addr: &str, path: &str, post: bool, cookie: &str) -> Vec<u8> {
    let (method, body) = if post { ("POST", "{}") } else { ("GET", "") };
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
         Accept: application/json\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Reads one response; whether it was a 2xx.
async fn read_response(stream: &mut BufReader<TcpStream>) -> std::io::Result<bool> {
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let ok = line.split(' ').nth(1).is_some_and(|s| s.starts_with('2'));
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            stream.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await?;
    }
    Ok(ok)
}

/// `connections` workers, each on its own connection, sending one request
/// after another for `seconds`. A plain HTTP/1.1 client, so that the load
/// generator takes as little of the machine as it can.
async fn load(addr: &str, request: &[u8], connections: usize, seconds: u64) -> Figures {
    let until = Instant::now() + Duration::from_secs(seconds);
    let request: Arc<[u8]> = request.into();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (addr, request) = (addr.to_owned(), request.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut errors = 0;
                let mut stream = BufReader::new(TcpStream::connect(&addr).await.unwrap());
                while Instant::now() < until {
                    let started = Instant::now();
                    let sent = stream.get_mut().write_all(&request).await;
                    match (sent, read_response(&mut stream).await) {
                        (Ok(()), Ok(true)) => times.push(started.elapsed()),
                        (Ok(()), Ok(false)) => errors += 1,
                        _ => {
                            errors += 1;
                            stream = BufReader::new(TcpStream::connect(&addr).await.unwrap());
                        }
                    }
                }
                (times, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (times, e) = w.await.unwrap();
        all.extend(times);
        errors += e;
    }
    all.sort();
    let at = |q: f64| all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)));
    Figures {
        per_second: all.len() as f64 / seconds as f64,
        p50: at(0.50).copied().unwrap_or_default(),
        p99: at(0.99).copied().unwrap_or_default(),
        errors,
    }
}

async fn bench(dialect: Dialect, a: &Args) {
    let db = TestDb::new(dialect).await;
    let data_dir = std::env::temp_dir().join(format!("berth-bench-{}", std::process::id()));
    let env: HashMap<&str, String> = HashMap::from([
        ("DATABASE_URL", db.url.clone()),
        ("BERTH_DATA_DIR", data_dir.display().to_string()),
        ("BERTH_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("BERTH_EMBEDDED_CLUSTER", "false".into()),
        ("BERTH_LOG", "warn".into()),
    ]);
    let config = Config::load(|k| env.get(k).cloned()).unwrap();
    let portal = start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        axum::serve(
            listener,
            portal
                .router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("http://{addr}/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "sign-in");
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let health_req = request_bytes(&addr, "/healthz", false, "");
    let me_req = request_bytes(&addr, "/api/me", true, &cookie);
    // Warm both paths (connections, caches) before measuring.
    load(&addr, &health_req, a.connections, 1).await;
    let warm = load(&addr, &me_req, a.connections, 1).await;
    assert_eq!(warm.errors, 0, "/api/me answers while signed in");
    let health = load(&addr, &health_req, a.connections, a.seconds).await;
    let me = load(&addr, &me_req, a.connections, a.seconds).await;
    let ratio = me.per_second / health.per_second.max(1.0);
    let name = format!("{dialect:?}").to_lowercase();
    for (what, f) in [("/healthz", &health), ("/api/me", &me)] {
        println!(
            "{name:<9} {what:<9} {:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
            f.per_second,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.errors
        );
    }
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!(
        "{name:<9} ratio     {:>8.1}%   (target 30%: {}; p99 target 25 ms: {})",
        ratio * 100.0,
        verdict(ratio >= 0.30),
        verdict(me.p99 <= Duration::from_millis(25)),
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::main]
async fn main() {
    let a = args();
    println!(
        "request path: {} connections, {} s per figure, release build: {}",
        a.connections,
        a.seconds,
        !cfg!(debug_assertions)
    );
    for d in a.dialects.clone() {
        bench(d, &a).await;
    }
}
