//! Account security over HTTP (issue 11): live streams end with their
//! session or right, and every server function refuses hostile arguments
//! with a 4xx, never a 5xx, a panic or an echo of the value.

mod support;

use std::time::Duration;

use berth_core::auth::{RoleType, Scope};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{client, spawn_app_with, Options, TestApp};

/// The embedded cluster's id, as the operator sees it.
async fn demo_cluster(app: &TestApp, ops: &reqwest::Client) -> i64 {
    let (status, body, _) = app.call(ops, "clusters/list", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body[0]["id"].as_i64().unwrap()
}

/// Opens the cluster's change stream as `c`.
async fn open_stream(app: &TestApp, c: &reqwest::Client, cluster: i64) -> reqwest::Response {
    let res = c
        .get(app.url(&format!("/live/cluster-changes?cluster_id={cluster}")))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res
}

/// Reads the stream until it ends; fails if it is still open at the deadline.
async fn ends_within(mut stream: reqwest::Response, deadline: Duration) {
    let ended = tokio::time::timeout(deadline, async {
        loop {
            match stream.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) | Err(_) => return,
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream was still open after {deadline:?}");
}

/// Whether the stream is still open after `wait` (it may carry events).
async fn still_open_after(stream: &mut reqwest::Response, wait: Duration) -> bool {
    let until = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(until, stream.chunk()).await {
            Err(_) => return true,
            Ok(Ok(Some(_))) => continue,
            Ok(_) => return false,
        }
    }
}

async fn embedded_app() -> TestApp {
    spawn_app_with(
        berth_core::db::Dialect::Sqlite,
        Options {
            embedded_cluster: true,
            ..Default::default()
        },
    )
    .await
}

#[tokio::test]
async fn a_live_stream_ends_when_its_session_is_revoked() {
    let app = embedded_app().await;
    let laptop = app.admin().await;
    let phone = app.admin().await;
    let cluster = demo_cluster(&app, &laptop).await;
    let mut stream = open_stream(&app, &phone, cluster).await;
    // Re-authorized every few seconds, it stays open while all is well.
    assert!(still_open_after(&mut stream, berth_server::live::RECHECK * 2).await);

    let (_, sessions, _) = app.call(&laptop, "sessions/list", json!({})).await;
    let phone_session = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .clone();
    let (status, _, _) = app
        .call(&laptop, "sessions/revoke", json!({"id": phone_session}))
        .await;
    assert_eq!(status, StatusCode::OK);
    ends_within(stream, berth_server::live::RECHECK * 3).await;
}

#[tokio::test]
async fn a_live_stream_ends_when_its_user_loses_the_permission() {
    let app = embedded_app().await;
    let ops = app.admin().await;
    let cluster = demo_cluster(&app, &ops).await;
    let watcher = app
        .user_with_role(
            "night-watch",
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await;
    let mut stream = open_stream(&app, &watcher, cluster).await;
    assert!(still_open_after(&mut stream, berth_server::live::RECHECK).await);
    let (_, me, _) = app.call(&watcher, "me", json!({})).await;
    let (_, grants, _) = app
        .call(&ops, "grants/list", json!({"user_id": me["id"]}))
        .await;
    let grant = grants[0]["id"].clone();
    let (status, body, _) = app.call(&ops, "grants/delete", json!({"id": grant})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ends_within(stream, berth_server::live::RECHECK * 3).await;

    // Signing out ends a stream too.
    let mut stream = open_stream(&app, &ops, cluster).await;
    assert!(still_open_after(&mut stream, Duration::from_millis(200)).await);
    let res = ops.post(app.url("/auth/logout")).send().await.unwrap();
    assert!(res.status().is_redirection());
    ends_within(stream, berth_server::live::RECHECK * 3).await;
}

#[tokio::test]
async fn a_huge_value_in_a_number_field_is_a_short_bad_request() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let huge = "9".repeat(1_500_000);
    let (status, body, _) = app
        .call(&c, "domains/delete", json!({"id": huge}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().len() < 400, "the value is not echoed back");
}

/// Argument names the server functions use: every hostile body fills
/// them all, so each function meets hostile values in its own fields.
const ARGS: &[&str] = &[
    "id", "input", "query", "name", "cluster_id", "user_id", "code", "password",
    "current_password", "new_password", "kubeconfig", "disabled", "policy", "change",
    "username", "issuer", "subject", "domain_id",
];

/// Text an attacker would try: control characters, NUL, odd Unicode,
/// path and query tricks, SQL and LIKE metacharacters, and length.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\u{0}", "\u{1}", "\r\n", "\t", "\u{7f}", "\u{202e}", "😀", "数",
        "%", "_", "\\", "'", "\"", ";--", "' OR 1=1 --", "/status", "?watch=true",
        "..", "/", "#", "a", "Z", "-", ".", "%2F", "sim-node-1", "+262142-12-31",
        "9999999999999999999999", "-1", "null",
    ]);
    (prop::collection::vec(pieces, 0..12), 0usize..3).prop_map(|(parts, grow)| {
        let s: String = parts.concat();
        // Now and then far longer than any field allows.
        match grow {
            2 => s.repeat(1000),
            _ => s,
        }
    })
}

fn hostile_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        hostile_text().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        Just(json!(u64::MAX)),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            // Objects with the names real arguments and inputs use.
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "name", "display_name", "description", "search", "domain_id", "api_url",
                        "token", "method", "action", "cidr", "from", "to", "user", "page",
                        "per_page", "role_id", "scope_kind", "scope_id", "username", "password",
                        "labels", "taints", "email", "phone",
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn hostile_body() -> impl Strategy<Value = Value> {
    prop::collection::vec(hostile_value(), ARGS.len()).prop_map(|values| {
        Value::Object(
            ARGS.iter()
                .zip(values)
                .map(|(k, v)| ((*k).to_owned(), v))
                .collect(),
        )
    })
}

/// Every server function, sent hostile arguments by an operator (who gets
/// furthest past authorization): no 5xx, no dropped connection, and no
/// answer echoing more than a short prefix of what was sent.
#[test]
fn every_server_function_refuses_hostile_arguments_without_a_5xx() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (app, ops) = rt.block_on(async {
        let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
        // No lock may end the run early: every call is an operator's.
        for (k, v) in [
            ("lockout.max_failures", "1000000"),
            ("lockout.max_failures_per_source", "1000000"),
        ] {
            app.services.put_setting(k, v).await.unwrap();
        }
        let ops = app.admin().await;
        (app, ops)
    });
    let paths: Vec<String> = berth_server::endpoints::server_fn_paths()
        .into_iter()
        // Signing out or ending one's own sessions would end the run's session.
        .filter(|p| !p.ends_with("/sessions/revoke") && !p.ends_with("/sessions/revoke-user"))
        .collect();
    let cases: u32 = std::env::var("BERTH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: cases * u32::try_from(paths.len()).unwrap(),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let sent = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(
        &(prop::sample::select(paths.clone()), hostile_body()),
        |(path, body)| {
            sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (status, text) = rt.block_on(async {
                let res = ops
                    .post(app.url(&path))
                    .header("accept", "application/json")
                    .json(&body)
                    .send()
                    .await
                    .map_err(|e| format!("connection failed: {e}"))?;
                let status = res.status();
                Ok::<_, String>((status, res.text().await.unwrap_or_default()))
            })
            .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
            prop_assert!(
                !status.is_server_error(),
                "{path} answered {status}: {}",
                text.chars().take(300).collect::<String>()
            );
            prop_assert!(text.len() < 64 * 1024, "{path} answered {} bytes", text.len());
            Ok(())
        },
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    // Still alive, still signed in.
    rt.block_on(async {
        let (status, _, _) = app.call(&ops, "me", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        let health = client().get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    });
    println!(
        "hostile input: {} requests over {} server functions, none answered 5xx",
        sent.load(std::sync::atomic::Ordering::Relaxed),
        paths.len()
    );
}
