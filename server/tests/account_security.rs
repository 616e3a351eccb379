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
    assert!(
        ended.is_ok(),
        "the stream was still open after {deadline:?}"
    );
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
    let (status, body, _) = app.call(&c, "domains/delete", json!({"id": huge})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().len() < 400, "the value is not echoed back");
}

/// The shape of every server function's arguments, with `$s` for a
/// string, `$i` for an integer, `$oi` for an optional integer and `$b`
/// for a flag. Hostile values fill them with the right types, so each
/// call gets past decoding into the function itself. A server function
/// missing here fails the test: add its shape.
const SHAPES: &[(&str, &str)] = &[
    ("me", "{}"),
    ("overview", "{}"),
    (
        "domains/list",
        r#"{"query": {"search": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    (
        "domains/create",
        r#"{"input": {"name": "$s", "display_name": "$s", "description": "$s"}}"#,
    ),
    (
        "domains/update",
        r#"{"id": "$i", "input": {"name": "$s", "display_name": "$s", "description": "$s"}}"#,
    ),
    ("domains/delete", r#"{"id": "$i"}"#),
    (
        "vdcs/list",
        r#"{"domain_id": "$oi", "query": {"search": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    (
        "vdcs/create",
        r#"{"input": {"domain_id": "$i", "name": "$s", "display_name": "$s", "description": "$s"}}"#,
    ),
    (
        "vdcs/update",
        r#"{"id": "$i", "input": {"domain_id": "$i", "name": "$s", "display_name": "$s", "description": "$s"}}"#,
    ),
    ("vdcs/delete", r#"{"id": "$i"}"#),
    ("vdcs/get", r#"{"id": "$i"}"#),
    ("vdcs/suspend", r#"{"id": "$i"}"#),
    ("vdcs/resume", r#"{"id": "$i"}"#),
    ("domains/get", r#"{"id": "$i"}"#),
    ("quotas/get", r#"{"owner": {"kind": "$s", "id": "$i"}}"#),
    ("usage/vdc", r#"{"id": "$i"}"#),
    (
        "quotas/set",
        r#"{"owner": {"kind": "$s", "id": "$i"}, "input": {"cluster_id": "$i", "amounts": {"cpu": "$s", "$s": "$s"}}}"#,
    ),
    (
        "appspaces/list",
        r#"{"vdc_id": "$oi", "query": {"search": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    (
        "appspaces/create",
        r#"{"input": {"vdc_id": "$i", "cluster_id": "$i", "name": "$s", "display_name": "$s", "description": "$s", "amounts": {"memory": "$s", "$s": "$s"}}}"#,
    ),
    ("appspaces/delete", r#"{"id": "$i", "confirm": "$s"}"#),
    (
        "appspaces/adopt",
        r#"{"input": {"vdc_id": "$i", "cluster_id": "$i", "name": "$s", "amounts": {"pods": "$s"}}}"#,
    ),
    (
        "members/list",
        r#"{"vdc_id": "$i", "query": {"search": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    (
        "members/add",
        r#"{"vdc_id": "$i", "input": {"username": "$s", "role_id": "$i"}}"#,
    ),
    ("members/remove", r#"{"vdc_id": "$i", "user_id": "$i"}"#),
    (
        "clusters/tenancy",
        r#"{"id": "$i", "input": {"overcommit_percent": "$i", "ingress_namespace": "$s"}}"#,
    ),
    ("clusters/list", "{}"),
    ("clusters/contexts", r#"{"kubeconfig": "$s"}"#),
    (
        "clusters/create",
        r#"{"input": {"name": "$s", "description": "$s", "method": "token", "api_url": "$s", "token": "$s", "ca_cert": "$s", "insecure": "$b"}}"#,
    ),
    (
        "clusters/update",
        r#"{"id": "$i", "input": {"name": "$s", "method": "certificate", "api_url": "$s", "client_cert": "$s", "client_key": "$s", "context": "$s"}}"#,
    ),
    ("clusters/delete", r#"{"id": "$i"}"#),
    ("clusters/check", r#"{"id": "$i"}"#),
    ("clusters/overview", r#"{"id": "$i"}"#),
    (
        "nodes/list",
        r#"{"cluster_id": "$i", "query": {"search": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    ("nodes/get", r#"{"cluster_id": "$i", "name": "$s"}"#),
    (
        "nodes/change",
        r#"{"cluster_id": "$i", "name": "$s", "change": {"action": "set_labels", "labels": [["$s", "$s"]]}}"#,
    ),
    ("roles/list", "{}"),
    (
        "roles/create",
        r#"{"input": {"name": "$s", "role_type": "$s", "permissions": ["$s"]}}"#,
    ),
    (
        "roles/update",
        r#"{"id": "$i", "input": {"name": "$s", "role_type": "$s", "permissions": ["$s", "$s"]}}"#,
    ),
    ("roles/delete", r#"{"id": "$i"}"#),
    (
        "grants/create",
        r#"{"input": {"user_id": "$i", "role_id": "$i", "scope_kind": "$s", "scope_id": "$oi"}}"#,
    ),
    ("grants/delete", r#"{"id": "$i"}"#),
    ("grants/list", r#"{"user_id": "$i"}"#),
    ("sessions/list", "{}"),
    // Ends one of the caller's own sessions: no hostile id names the run's.
    ("sessions/revoke", r#"{"id": "$s"}"#),
    (
        "users/list",
        r#"{"query": {"search": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    (
        "users/create",
        r#"{"input": {"username": "$s", "display_name": "$s", "email": "$s", "phone": "$s", "domain_id": "$oi", "password": "$s"}}"#,
    ),
    ("users/set-disabled", r#"{"id": "$i", "disabled": "$b"}"#),
    (
        "users/update",
        r#"{"id": "$i", "input": {"display_name": "$s", "email": "$s", "phone": "$s"}}"#,
    ),
    ("users/delete", r#"{"id": "$i"}"#),
    (
        "users/link-sso",
        r#"{"id": "$i", "issuer": "$s", "subject": "$s"}"#,
    ),
    ("users/reset-password", r#"{"id": "$i", "password": "$s"}"#),
    ("security/password-policy", "{}"),
    (
        "security/password-policy/update",
        r#"{"policy": {"min_length": "$i", "require_upper": "$b", "require_lower": "$b", "require_digit": "$b", "require_symbol": "$b", "forbid_username": "$b", "history": "$i", "max_age_days": "$i"}}"#,
    ),
    (
        "account/password",
        r#"{"current_password": "$s", "new_password": "$s"}"#,
    ),
    ("ip-rules/list", "{}"),
    (
        "ip-rules/create",
        r#"{"input": {"domain_id": "$oi", "action": "$s", "cidr": "$s", "description": "$s"}}"#,
    ),
    ("ip-rules/delete", r#"{"id": "$i"}"#),
    (
        "audit/list",
        r#"{"query": {"user": "$s", "action": "$s", "outcome": "$s", "from": "$s", "to": "$s", "page": "$i", "per_page": "$i"}}"#,
    ),
    ("account/2fa", "{}"),
    ("account/2fa/begin", r#"{"password": "$s", "code": "$s"}"#),
    ("account/2fa/confirm", r#"{"code": "$s"}"#),
    ("account/2fa/disable", r#"{"password": "$s", "code": "$s"}"#),
    ("security/two-factor-policy", "{}"),
    // Role types are left empty: requiring a second factor of operators
    // would hold the fuzzing operator for the rest of the run.
    (
        "security/two-factor-policy/update",
        r#"{"policy": {"required_role_types": [], "required_domains": ["$i", "$i"]}}"#,
    ),
    ("locks/list", "{}"),
    ("locks/lift", r#"{"username": "$s"}"#),
];

/// Server functions the fuzzing operator leaves alone: ending every
/// session of user 1 (the operator) would end the run.
const NOT_FUZZED: &[&str] = &["sessions/revoke-user"];

/// Text an attacker would try: control characters, NUL, odd Unicode,
/// path and query tricks, SQL and LIKE metacharacters, names that are
/// nearly valid, and length. Nothing URL-like: the fuzz reaches no host.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\u{0}",
        "\u{1}",
        "\r\n",
        "\t",
        "\u{7f}",
        "\u{202e}",
        "😀",
        "数",
        "%",
        "_",
        "\\",
        "'",
        "\"",
        ";--",
        "' OR 1=1 --",
        "/status",
        "?watch=true",
        "..",
        "/",
        "#",
        "a",
        "Z",
        "-",
        ".",
        "%2F",
        "sim-node-1",
        "+262142-12-31",
        "9999999999999999999999",
        "-1",
        "null",
        "2026-11-23",
        "vdc_user",
    ]);
    (prop::collection::vec(pieces, 0..10), 0usize..3).prop_map(|(parts, grow)| {
        let s: String = parts.concat();
        // Now and then far longer than any field allows (and than
        // SQLite's longest LIKE pattern, 50,000 bytes).
        match grow {
            2 => {
                let base = if s.is_empty() { "x".to_owned() } else { s };
                base.repeat(60_000 / base.len() + 1)
            }
            _ => s,
        }
    })
}

/// Integers around the ids that exist, and at the edges.
fn hostile_int() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..6,
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
        1 => Just(-1),
        1 => any::<i64>(),
    ]
}

/// Fills a shape's placeholders from the hostile values, in order.
fn fill(
    shape: &Value,
    texts: &mut std::vec::IntoIter<String>,
    ints: &mut std::vec::IntoIter<i64>,
    flags: &mut std::vec::IntoIter<bool>,
) -> Value {
    match shape {
        Value::String(p) if p == "$s" => Value::String(texts.next().unwrap_or_default()),
        Value::String(p) if p == "$i" => json!(ints.next().unwrap_or_default()),
        Value::String(p) if p == "$oi" => match ints.next() {
            Some(n) if n % 3 == 0 => Value::Null,
            n => json!(n.unwrap_or_default()),
        },
        Value::String(p) if p == "$b" => Value::Bool(flags.next().unwrap_or_default()),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| fill(v, texts, ints, flags)).collect())
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill(v, texts, ints, flags)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn hostile_body(shape: Value) -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(hostile_text(), 12),
        prop::collection::vec(hostile_int(), 12),
        prop::collection::vec(any::<bool>(), 12),
    )
        .prop_map(move |(t, i, b)| {
            fill(
                &shape,
                &mut t.into_iter(),
                &mut i.into_iter(),
                &mut b.into_iter(),
            )
        })
}

/// Every server function, sent hostile arguments by an operator (who gets
/// furthest past authorization) on a portal with its embedded cluster:
/// no 5xx, no dropped connection, and no answer echoing more than a short
/// prefix of what was sent.
mod every_server_function_refuses_hostile_arguments_without_a_5xx {
    use berth_core::db::Dialect;
    // Each database refuses different things (PostgreSQL a NUL byte,
    // MariaDB an over-long value, SQLite a long LIKE pattern).
    #[test]
    fn sqlite() {
        super::fuzz(Dialect::Sqlite)
    }
    #[test]
    fn postgres() {
        super::fuzz(Dialect::Postgres)
    }
    #[test]
    fn mariadb() {
        super::fuzz(Dialect::MySql)
    }
}

fn fuzz(dialect: berth_core::db::Dialect) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (app, ops) = rt.block_on(async {
        let app = spawn_app_with(
            dialect,
            Options {
                embedded_cluster: true,
                ..Default::default()
            },
        )
        .await;
        // No lock may end the run early: every call is an operator's.
        for (k, v) in [
            ("lockout.max_failures", "1000000"),
            ("lockout.max_failures_per_source", "1000000"),
        ] {
            app.services.identity().put_setting(k, v).await.unwrap();
        }
        // Hostile ids are mostly small: they hit the admin and a few other
        // operators, whose accounts and roles they may change. The fuzzing
        // operator comes after them, so its own role and account stay put
        // and every call is judged with an operator's rights.
        for i in 0..8 {
            app.services
                .identity()
                .create_user_with_role(
                    &format!("bystander-{i}"),
                    "Bystander",
                    &secrecy::SecretString::from("bystander-password-1".to_owned()),
                    Some((RoleType::OperationsAdmin, Scope::Platform)),
                )
                .await
                .unwrap();
        }
        let ops = app
            .user_with_role(
                "fuzzing-ops",
                Some((RoleType::OperationsAdmin, Scope::Platform)),
            )
            .await;
        (app, ops)
    });
    let paths: Vec<String> = berth_server::endpoints::server_fn_paths()
        .into_iter()
        .map(|p| p.trim_start_matches("/api/").to_owned())
        .filter(|p| !NOT_FUZZED.contains(&p.as_str()))
        .collect();
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| !SHAPES.iter().any(|(s, _)| s == p))
        .collect();
    assert!(
        missing.is_empty(),
        "add the argument shapes of {missing:?} to SHAPES"
    );
    let cases: u32 = std::env::var("BERTH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut decoded = 0usize;
    let mut sent = 0usize;
    for (path, shape) in SHAPES {
        let shape: Value = serde_json::from_str(shape).unwrap();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        });
        let counts = std::cell::Cell::new((0usize, 0usize));
        let result = runner.run(&hostile_body(shape), |body| {
            let (status, text) = rt
                .block_on(async {
                    let res = ops
                        .post(app.url(&format!("/api/{path}")))
                        .header("accept", "application/json")
                        .json(&body)
                        .send()
                        .await
                        .map_err(|e| format!("connection failed: {e}"))?;
                    let status = res.status();
                    Ok::<_, String>((status, res.text().await.unwrap_or_default()))
                })
                .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
            let (n, d) = counts.get();
            counts.set((n + 1, d + usize::from(status != StatusCode::BAD_REQUEST)));
            prop_assert!(
                !status.is_server_error(),
                "{path} answered {status}: {}",
                text.chars().take(300).collect::<String>()
            );
            prop_assert!(
                text.len() < 64 * 1024,
                "{path} answered {} bytes",
                text.len()
            );
            Ok(())
        });
        if let Err(e) = result {
            panic!("{path}: {e}");
        }
        let (n, d) = counts.get();
        sent += n;
        decoded += d;
    }
    // Still alive, still signed in, still an operator.
    rt.block_on(async {
        let (status, me, _) = app.call(&ops, "me", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            me["permissions"].to_string().contains("domain.create"),
            "{me}"
        );
        let health = client().get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), StatusCode::OK);
    });
    println!(
        "hostile input on {dialect:?}: {sent} requests over {} server functions ({decoded} got past decoding), none answered 5xx",
        SHAPES.len()
    );
    assert!(
        decoded * 2 > sent,
        "most calls must reach the functions themselves"
    );
}

http_test!(
    hostile_sign_in_forms_are_refused_like_any_wrong_password,
    |app: TestApp| async move {
        let huge = "n".repeat(100_000);
        for (username, password) in [
            (huge.as_str(), "x"),
            ("ad\u{0}min", "x"),
            ("admin", huge.as_str()),
            ("\u{202e}nimda", "\u{0}"),
        ] {
            let res = client()
                .post(app.url("/auth/login"))
                .form(&[
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", username.len());
            assert_eq!(res.headers()["location"], "/login?error=1&next=/");
        }
        // A second-factor step nobody started, with a huge code.
        let res = client()
            .post(app.url("/auth/2fa"))
            .form(&[("code", huge.as_str()), ("next", huge.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        // The over-long `next` is dropped, not carried along.
        assert_eq!(res.headers()["location"], "/login?error=expired&next=/");
        // Still answering, and the admin still signs in.
        app.admin().await;
    }
);

/// `c`'s answer to a server function on the Berth at `base`.
async fn status_at(c: &reqwest::Client, base: &str, endpoint: &str) -> StatusCode {
    c.post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .json(&json!({"query": {}}))
        .send()
        .await
        .unwrap()
        .status()
}

http_test!(
    a_revoked_grant_or_session_takes_effect_on_the_very_next_request_on_every_replica,
    |app: TestApp| async move {
        let replica = app.replica().await;
        let bases = &[app.base.clone(), replica];
        let ops = app.admin().await;
        let (_, roles, _) = app.call(&ops, "roles/list", json!({})).await;
        let domain_admin = roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "domain-admin")
            .unwrap()["id"]
            .clone();
        let (_, domain, _) = app
            .call(
                &ops,
                "domains/create",
                json!({"input": {"name": "cached", "display_name": "Cached", "description": ""}}),
            )
            .await;
        let c = &app.user_without_roles("cached-user").await;
        let (_, me, _) = app.call(c, "me", json!({})).await;
        let user = me["id"].as_i64().unwrap();
        let input = json!({"input": {"user_id": user, "role_id": domain_admin,
            "scope_kind": "domain", "scope_id": domain["id"]}});
        let grant = || async {
            let (status, g, _) = app.call(&ops, "grants/create", input.clone()).await;
            assert_eq!(status, StatusCode::OK, "{g}");
            g["id"].as_i64().unwrap()
        };
        // Every replica answers twice, so each has the principal kept.
        let all_answer = |want: StatusCode| async move {
            for base in bases {
                for _ in 0..2 {
                    assert_eq!(status_at(c, base, "domains/list").await, want, "{base}");
                }
            }
        };
        all_answer(StatusCode::FORBIDDEN).await;
        let id = grant().await;
        all_answer(StatusCode::OK).await;

        // Revoked through Berth: refused at once, everywhere.
        let (status, _, _) = app.call(&ops, "grants/delete", json!({"id": id})).await;
        assert_eq!(status, StatusCode::OK);
        all_answer(StatusCode::FORBIDDEN).await;

        // Changed behind Berth's back (another tool, a restore): the same.
        grant().await;
        all_answer(StatusCode::OK).await;
        {
            use berth_core::db::schema::RoleBindings;
            use sea_query::{Expr, Query};
            app.services
                .db()
                .execute(
                    Query::delete()
                        .from_table(RoleBindings::Table)
                        .and_where(Expr::col(RoleBindings::UserId).eq(user)),
                )
                .await
                .unwrap();
        }
        all_answer(StatusCode::FORBIDDEN).await;

        // A session ended: signed out on every replica with the next request.
        grant().await;
        all_answer(StatusCode::OK).await;
        let (status, _, _) = app
            .call(&ops, "sessions/revoke-user", json!({"user_id": user}))
            .await;
        assert_eq!(status, StatusCode::OK);
        all_answer(StatusCode::UNAUTHORIZED).await;
    }
);
