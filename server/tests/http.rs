//! The HTTP surface end to end (no browser): sign-in, sessions, server
//! functions with their statuses and error bodies, page guards, health.

mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{client, spawn_app_with, Options, TestApp, ADMIN_PASSWORD};

/// The error kind of an `AppError` body: `"forbidden"` or `{"validation": {...}}`.
fn kind(body: &Value) -> &str {
    match body {
        Value::String(s) => s,
        Value::Object(m) if m.len() == 1 => m.keys().next().unwrap(),
        other => panic!("not an error body: {other}"),
    }
}

fn cookie<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
}

http_test!(health_and_readiness, |app: TestApp| async move {
    let c = client();
    let res = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ready");
});

http_test!(server_functions_need_a_session, |app: TestApp| async move {
    let (status, body, _) = app
        .call(&client(), "domains/list", json!({"query": {}}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(kind(&body), "unauthenticated");
});

http_test!(
    wrong_password_and_unknown_user_look_the_same,
    |app: TestApp| async move {
        let c = client();
        let wrong = app.login(&c, "admin", "not-the-password").await;
        let unknown = app.login(&c, "nobody-here", "not-the-password").await;
        assert_eq!(wrong, "/login?error=1");
        assert_eq!(wrong, unknown);
        let (status, _, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
);

http_test!(
    login_sets_a_hardened_cookie_and_rotates_the_session,
    |app: TestApp| async move {
        let c = client();
        let form = [
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/domains"),
        ];
        let first = c
            .post(app.url("/auth/login"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(first.headers()["location"], "/domains");
        let a = cookie(first.headers(), "berth_session").unwrap().to_owned();
        assert!(a.contains("HttpOnly"), "{a}");
        assert!(a.contains("SameSite=Lax"), "{a}");
        assert!(!a.contains("Secure"), "plain http gets no Secure flag: {a}");
        // Signing in again while holding a session yields a new id.
        let second = c
            .post(app.url("/auth/login"))
            .form(&form)
            .send()
            .await
            .unwrap();
        let b = cookie(second.headers(), "berth_session")
            .unwrap()
            .to_owned();
        let id = |c: &str| c.split(';').next().unwrap().to_owned();
        assert_ne!(id(&a), id(&b));
        // The old id no longer signs anyone in.
        let stale = reqwest::Client::new()
            .post(app.url("/api/domains/list"))
            .header("cookie", id(&a))
            .json(&json!({"query": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::UNAUTHORIZED);
    }
);

http_test!(logout_ends_the_session, |app: TestApp| async move {
    let c = app.admin().await;
    let (status, _, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
    assert_eq!(status, StatusCode::OK);
    let res = c.post(app.url("/auth/logout")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login");
    let (status, _, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
});

http_test!(
    domains_and_vdcs_through_server_functions,
    |app: TestApp| async move {
        let c = app.admin().await;
        let (status, domain, _) = app
            .call(
                &c,
                "domains/create",
                json!({"input": {"name": "acme", "display_name": "Acme"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{domain}");
        let domain_id = domain["id"].as_i64().unwrap();
        let (status, vdc, _) = app
        .call(
            &c,
            "vdcs/create",
            json!({"input": {"domain_id": domain_id, "name": "prod", "display_name": "Production"}}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{vdc}");

        let (_, page, _) = app
            .call(&c, "domains/list", json!({"query": {"search": "acm"}}))
            .await;
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"][0]["vdc_count"], 1);

        let (status, body, _) = app
            .call(&c, "domains/delete", json!({"id": domain_id}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(kind(&body), "conflict");
        assert_eq!(body["conflict"]["code"], "has_children");

        let (status, _, _) = app.call(&c, "vdcs/delete", json!({"id": vdc["id"]})).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = app
            .call(&c, "domains/delete", json!({"id": domain_id}))
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, page, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
        assert_eq!(page["total"], 0);
    }
);

http_test!(
    validation_errors_name_each_field,
    |app: TestApp| async move {
        let c = app.admin().await;
        let (status, body, _) = app
            .call(
                &c,
                "domains/create",
                json!({"input": {"name": "Bad_Name", "display_name": ""}}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(kind(&body), "validation");
        let fields: Vec<(&str, &str)> = body["validation"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["field"].as_str().unwrap(), f["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            fields,
            vec![("name", "dns1123_label"), ("display_name", "required")]
        );
        let (_, page, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
        assert_eq!(page["total"], 0, "a rejected request changes nothing");
    }
);

http_test!(
    a_user_without_the_permission_gets_403,
    |app: TestApp| async move {
        let c = app.user_without_roles("plain-user").await;
        for (endpoint, body) in [
            ("domains/list", json!({"query": {}})),
            (
                "domains/create",
                json!({"input": {"name": "x", "display_name": "X"}}),
            ),
            ("vdcs/list", json!({"domain_id": null, "query": {}})),
            ("clusters/list", json!({})),
            ("overview", json!({})),
        ] {
            let (status, body, _) = app.call(&c, endpoint, body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {body}");
            assert_eq!(kind(&body), "forbidden", "{endpoint}");
        }
    }
);

http_test!(
    internal_errors_show_a_request_id_and_nothing_else,
    |app: TestApp| async move {
        let c = app.admin().await;
        // Break the schema under the running server.
        drop_table(&app, "vdcs").await;
        let (status, body, headers) = app.call(&c, "domains/list", json!({"query": {}})).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(kind(&body), "internal");
        let request_id = headers["x-request-id"].to_str().unwrap();
        assert_eq!(body["internal"]["request_id"], request_id);
        let text = body.to_string().to_lowercase();
        for leak in [
            "select",
            "vdcs",
            "sqlx",
            "sqlite",
            "postgres",
            "mysql",
            "panicked",
            "backtrace",
            "error returned",
        ] {
            assert!(!text.contains(leak), "response leaks `{leak}`: {text}");
        }
    }
);

async fn drop_table(app: &TestApp, table: &str) {
    use berth_core::db::Db;
    let sql = format!("DROP TABLE {table}");
    match app.services.db() {
        Db::Sqlite(p) => {
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(p)
                .await
                .unwrap();
            sqlx::query(&sql).execute(p).await.unwrap();
        }
        Db::Postgres(p) => {
            sqlx::query(&format!("{sql} CASCADE"))
                .execute(p)
                .await
                .unwrap();
        }
        Db::MySql(p) => {
            // App spaces refer to VDCs: drop past the foreign key, on one
            // connection so the setting holds for the statement.
            let mut c = p.acquire().await.unwrap();
            sqlx::query("SET FOREIGN_KEY_CHECKS = 0")
                .execute(&mut *c)
                .await
                .unwrap();
            sqlx::query(&sql).execute(&mut *c).await.unwrap();
        }
    };
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_the_form_works_without_javascript() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = client();
    let res = c
        .get(app.url("/domains?page=2"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=/domains%3Fpage%3D2");
    // The icon the sign-in page shows is no page: it needs no sign-in.
    let res = c
        .get(app.url("/favicon.svg"))
        .header("accept", "text/html,image/*")
        .send()
        .await
        .unwrap();
    assert_ne!(res.status(), StatusCode::SEE_OTHER, "the icon is public");

    let res = c
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"action="/auth/login""#),
        "the form posts without JS"
    );
    assert!(html.contains(r#"method="post""#));
    assert!(html.contains(r#"name="username""#) && html.contains(r#"name="password""#));
    assert!(html.contains(r#"<html lang="en""#));
    let res = c
        .get(app.url("/login?next=/domains"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"name="next" value="/domains""#),
        "next survives a sign-in without WASM: {html}"
    );

    // The form post itself (what a browser without WASM does).
    let res = c
        .post(app.url("/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/domains?page=2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/domains?page=2");
    let res = c
        .get(app.url("/domains"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A signed-in user is sent on from the sign-in page.
    let res = c
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn open_redirects_are_refused_at_sign_in() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let res = client()
        .post(app.url("/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn language_follows_cookie_then_accept_language() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = client();
    let html = |res: reqwest::Response| async move { res.text().await.unwrap() };
    let zh = html(
        c.get(app.url("/login"))
            .header("accept", "text/html")
            .header("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(zh.contains(r#"<html lang="zh-CN""#));
    assert!(zh.contains("登录 Berth"));

    let res = c.get(app.url("/lang/en?next=/login")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/login");
    let set = cookie(res.headers(), "berth_lang").unwrap();
    assert!(set.starts_with("berth_lang=en;"), "{set}");
    let en = html(
        c.get(app.url("/login"))
            .header("accept", "text/html")
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        en.contains("Sign in to Berth"),
        "the cookie beats Accept-Language"
    );
}

#[tokio::test]
async fn the_embedded_cluster_is_registered_and_healthy() {
    let app = spawn_app_with(
        berth_core::db::Dialect::Sqlite,
        Options {
            embedded_cluster: true,
            ..Default::default()
        },
    )
    .await;
    let c = app.admin().await;
    let (status, body, _) = app.call(&c, "clusters/list", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let clusters = body.as_array().unwrap();
    assert_eq!(clusters.len(), 1);
    let demo: &Value = &clusters[0];
    assert_eq!(demo["name"], "demo");
    assert_eq!(demo["health"], "healthy", "{demo}");
    assert_eq!(demo["embedded"], true, "{demo}");
    assert_eq!(demo["auth_kind"], "none", "{demo}");
    assert_eq!(demo["node_count"], 3);
    assert!(demo["version"].as_str().unwrap().starts_with("v1."));
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let res = c
        .get(app.url("/no-such-page"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn behind_https_the_session_cookie_is_secure() {
    let opts = Options {
        public_url: Some("https://berth.example.com"),
        ..Default::default()
    };
    let app = spawn_app_with(berth_core::db::Dialect::Sqlite, opts).await;
    let res = client()
        .post(app.url("/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    let set = cookie(res.headers(), "berth_session").unwrap();
    assert!(set.contains("Secure") && set.contains("HttpOnly"), "{set}");
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn pages_carry_a_content_security_policy_with_a_fresh_script_nonce() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let page = || async {
        let res = client()
            .get(app.url("/login"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        (csp, res.text().await.unwrap())
    };
    let (csp, html) = page().await;
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains(" 'unsafe-eval'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");
    assert!(nonce.len() >= 16, "{nonce}");
    // Every inline script carries it.
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );
    let (again, _) = page().await;
    assert_ne!(again, csp, "a new nonce for every response");
    // Plain http: no HSTS.
    let res = client().get(app.url("/healthz")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let post = |origin: Option<&'static str>, fetch_site: Option<&'static str>| {
        let mut req = c
            .post(app.url("/api/domains/create"))
            .json(&json!({"input": {"name": "csrf", "display_name": "CSRF"}}));
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(f) = fetch_site {
            req = req.header("sec-fetch-site", f);
        }
        req.send()
    };
    assert_eq!(
        post(Some("https://evil.example"), None)
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(None, Some("cross-site")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let res = client()
        .post(app.url("/auth/login"))
        .header("origin", "https://evil.example")
        .form(&[("username", "admin"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "login CSRF");
    let (_, page, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
    assert_eq!(page["total"], 0, "nothing was created");
    let own = app.base.clone();
    let res = c
        .post(app.url("/api/domains/create"))
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .json(&json!({"input": {"name": "same", "display_name": "Same"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn unreadable_arguments_are_a_bad_request() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let (status, body, _) = app
        .call(&c, "domains/create", json!({"input": {"name": 5}}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(kind(&body), "transport");
}

#[tokio::test]
async fn request_ids_are_the_servers_and_security_headers_are_set() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let res = client()
        .get(app.url("/healthz"))
        .header("x-request-id", "forged\" injected")
        .send()
        .await
        .unwrap();
    let id = res.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(id, "forged\" injected");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["referrer-policy"], "same-origin");
}

#[tokio::test]
async fn the_language_switch_is_no_open_redirect() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    for next in [
        "/%09/evil.example",
        "//evil.example",
        "https://evil.example",
        "/%5Cevil",
    ] {
        let res = client()
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/", "{next}");
    }
    let res = client()
        .get(app.url("/lang/zh-CN?next=/login%3Fnext%3D/vdcs"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?next=/vdcs");
}

#[tokio::test]
async fn an_active_session_slides_its_expiry_forward() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let berth_core::db::Db::Sqlite(pool) = app.services.db() else {
        unreachable!()
    };
    // As if the session were last used long ago and close to expiring.
    sqlx::query("UPDATE sessions SET expires_at = expires_at - 20000, data = json_set(data, '$.last_seen', 0)")
        .execute(pool)
        .await
        .unwrap();
    let before: i64 = sqlx::query_scalar("SELECT MAX(expires_at) FROM sessions")
        .fetch_one(pool)
        .await
        .unwrap();
    let (status, _, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
    assert_eq!(status, StatusCode::OK);
    let after: i64 = sqlx::query_scalar("SELECT MAX(expires_at) FROM sessions")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(
        after >= before + 19000,
        "expiry moved from {before} to {after}"
    );
}

#[tokio::test]
async fn audit_records_carry_the_request_id_and_client_address() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let (status, _, headers) = app
        .call(
            &c,
            "domains/create",
            json!({"input": {"name": "audited", "display_name": "Audited"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let request_id = headers["x-request-id"].to_str().unwrap().to_owned();
    use berth_core::db::schema::AuditEvents as A;
    use sea_query::Query;
    let rows: Vec<(String, Option<String>, String, String)> = app
        .services
        .db()
        .fetch_all(
            Query::select()
                .columns([A::Action, A::Source, A::RequestId, A::Outcome])
                .from(A::Table)
                .and_where(sea_query::Expr::col(A::Action).eq("domain.create")),
        )
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![(
            "domain.create".to_owned(),
            Some("127.0.0.1".to_owned()),
            request_id,
            "allowed".to_owned()
        )]
    );
}

#[tokio::test]
async fn the_sign_in_page_says_when_an_account_is_locked() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    app.services
        .identity()
        .put_setting("lockout.max_failures", "2")
        .await
        .unwrap();
    let c = client();
    for _ in 0..2 {
        assert_eq!(
            app.login(&c, "admin", "wrong-password").await,
            "/login?error=1"
        );
    }
    let location = app.login(&c, "admin", ADMIN_PASSWORD).await;
    assert!(
        location.starts_with("/login?error=locked&retry="),
        "{location}"
    );
    let html = c
        .get(app.url(&location))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Too many failed sign-ins. Try again in 15 minutes."),
        "{html}"
    );
}

#[tokio::test]
async fn users_see_and_end_their_own_sessions() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let laptop = app.admin().await;
    let phone = app.admin().await;
    let (status, sessions, _) = app.call(&laptop, "sessions/list", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{sessions}");
    let sessions = sessions.as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s["source"] == "127.0.0.1"));
    let other = sessions.iter().find(|s| s["current"] == false).unwrap()["id"].clone();

    // Another user cannot end it; its owner can.
    let stranger = app.user_without_roles("stranger").await;
    let (status, _, _) = app
        .call(&stranger, "sessions/revoke", json!({"id": other}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .call(&laptop, "sessions/revoke", json!({"id": other}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.call(&phone, "me", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app.call(&laptop, "me", json!({})).await;
    assert_eq!(status, StatusCode::OK);

    // Operators end all of a user's sessions.
    let (_, me, _) = app.call(&stranger, "me", json!({})).await;
    let (status, n, _) = app
        .call(
            &laptop,
            "sessions/revoke-user",
            json!({"user_id": me["id"]}),
        )
        .await;
    assert_eq!((status, n), (StatusCode::OK, json!(1)));
    let (status, _, _) = app.call(&stranger, "me", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_limit_however_active() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let c = app.admin().await;
    let berth_core::db::Db::Sqlite(pool) = app.services.db() else {
        unreachable!()
    };
    // As if signed in 25 hours ago (the default limit is 24).
    sqlx::query("UPDATE sessions SET data = json_set(data, '$.signed_in', json_extract(data, '$.signed_in') - 90000)")
        .execute(pool)
        .await
        .unwrap();
    let (status, _, _) = app.call(&c, "me", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

http_test!(
    a_password_that_must_be_changed_comes_first,
    |app: TestApp| async move {
        let ops = app.admin().await;
        let (status, user, _) = app
            .call(
                &ops,
                "users/create",
                json!({"input": {"username": "newcomer", "display_name": "N", "password": "first-Secret-1"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{user}");
        let c = client();
        app.login(&c, "newcomer", "first-Secret-1").await;
        let page = |path: &'static str| c.get(app.url(path)).header("accept", "text/html").send();
        let res = page("/domains").await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(res.headers()["location"], "/account/password");
        let (status, _, _) = app.call(&c, "sessions/list", json!({})).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "nothing else before the change"
        );
        let (status, policy, _) = app.call(&c, "security/password-policy", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(policy["min_length"], 8);
        let (status, me, _) = app.call(&c, "me", json!({})).await;
        assert_eq!(
            (status, me["username"].as_str()),
            (StatusCode::OK, Some("newcomer"))
        );

        // The rules are enforced over HTTP too, naming the rule.
        let (status, body, _) = app
            .call(
                &c,
                "account/password",
                json!({"current_password": "first-Secret-1", "new_password": "x-newcomer-x"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["validation"]["fields"][0]["code"], "password_contains_username",
            "{body}"
        );
        let (status, body, _) = app
            .call(
                &c,
                "account/password",
                json!({"current_password": "first-Secret-1", "new_password": "Second-Secret-2"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let res = page("/domains").await.unwrap();
        assert_ne!(res.status(), StatusCode::SEE_OTHER, "free to go on");
        let (status, _, _) = app.call(&c, "sessions/list", json!({})).await;
        assert_eq!(status, StatusCode::OK);
    }
);

/// The address the server recorded for this client's session.
async fn recorded_source(app: &TestApp, forwarded_for: &str) -> String {
    let c = client();
    let res = c
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, sessions, _) = app.call(&c, "sessions/list", json!({})).await;
    let current = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()
        .clone();
    current["source"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    // No proxies configured: a spoofed header is ignored.
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    assert_eq!(recorded_source(&app, "203.0.113.9").await, "127.0.0.1");

    // Behind a trusted proxy (the test client connects from loopback): the
    // right-most address that is no proxy, never a spoofed one to its left.
    let opts = Options {
        trusted_proxies: Some("127.0.0.0/8, ::1/128"),
        ..Default::default()
    };
    let app = spawn_app_with(berth_core::db::Dialect::Sqlite, opts).await;
    assert_eq!(recorded_source(&app, "203.0.113.9").await, "203.0.113.9");
    assert_eq!(
        recorded_source(&app, "198.51.100.66, 203.0.113.9").await,
        "203.0.113.9"
    );
    assert_eq!(
        recorded_source(&app, "2001:db8::7, 127.0.0.5").await,
        "2001:db8::7"
    );
}

/// Signs in through the form as if from `address` (via the trusted proxy);
/// returns where the server sent the browser.
async fn sign_in_from(app: &TestApp, c: &reqwest::Client, address: &str) -> String {
    let res = c
        .post(app.url("/auth/login"))
        .header("x-forwarded-for", address)
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn login_ip_rules_hold_at_sign_in_and_on_every_request() {
    let opts = Options {
        trusted_proxies: Some("127.0.0.0/8"),
        ..Default::default()
    };
    let app = spawn_app_with(berth_core::db::Dialect::Sqlite, opts).await;
    let ops = app.admin().await; // from 127.0.0.1, the proxy itself
    let laptop = client();
    assert_eq!(sign_in_from(&app, &laptop, "203.0.113.20").await, "/");

    let (status, rule, _) = app
        .call(
            &ops,
            "ip-rules/create",
            json!({"input": {"action": "deny", "cidr": "198.51.100.0/24"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rule}");
    // Refused at sign-in; a spoofed entry to the left changes nothing.
    for forwarded in ["198.51.100.7", "10.9.9.9, 198.51.100.7"] {
        let refused = client();
        assert_eq!(
            sign_in_from(&app, &refused, forwarded).await,
            "/login?error=address&next=/"
        );
    }
    let html = client()
        .get(app.url("/login?error=address"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Signing in from your network address is not allowed."));

    // A session in use from a refused address ends on its next request.
    let (status, _, _) = app
        .call(
            &ops,
            "ip-rules/create",
            json!({"input": {"action": "deny", "cidr": "203.0.113.0/24"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let res = laptop
        .post(app.url("/api/sessions/list"))
        .header("x-forwarded-for", "203.0.113.20")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (status, _, _) = app.call(&laptop, "sessions/list", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session has ended");
    let (status, _, _) = app.call(&ops, "sessions/list", json!({})).await;
    assert_eq!(status, StatusCode::OK, "others carry on");
}

fn totp_now(secret: &str, ahead: i64) -> String {
    let secret = berth_core::identity::totp::from_base32(secret).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let step = berth_core::identity::totp::step_at(now) + ahead;
    format!("{:06}", berth_core::identity::totp::code(&secret, step))
}

/// Posts a form; returns the redirect target.
async fn post_form(
    app: &TestApp,
    c: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> String {
    let res = c.post(app.url(path)).form(form).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}");
    res.headers()["location"].to_str().unwrap().to_owned()
}

http_test!(
    two_factor_sign_in_asks_for_a_code_after_the_password,
    |app: TestApp| async move {
        let ops = app.admin().await;
        let (status, setup, _) = app
            .call(
                &ops,
                "account/2fa/begin",
                json!({"password": ADMIN_PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{setup}");
        let secret = setup["secret"].as_str().unwrap().to_owned();
        let (status, codes, _) = app
            .call(
                &ops,
                "account/2fa/confirm",
                json!({"code": totp_now(&secret, 0)}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{codes}");
        let recovery = codes[0].as_str().unwrap().to_owned();

        let login = [
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/domains"),
        ];
        let c = client();
        assert_eq!(
            post_form(&app, &c, "/auth/login", &login).await,
            "/login/2fa?next=/domains"
        );
        let (status, _, _) = app.call(&c, "me", json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "halfway in is not in");
        let res = c
            .get(app.url("/login/2fa"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "the code page needs no session"
        );
        assert_eq!(
            post_form(
                &app,
                &c,
                "/auth/2fa",
                &[("code", "abcdef"), ("next", "/domains")]
            )
            .await,
            "/login/2fa?error=1&next=/domains"
        );
        let fresh = totp_now(&secret, 1);
        assert_eq!(
            post_form(
                &app,
                &c,
                "/auth/2fa",
                &[("code", &fresh), ("next", "/domains")]
            )
            .await,
            "/domains"
        );
        let (status, _, _) = app.call(&c, "me", json!({})).await;
        assert_eq!(status, StatusCode::OK);

        // The same code again is refused; a recovery code works, once.
        let again = client();
        post_form(&app, &again, "/auth/login", &login).await;
        assert!(post_form(&app, &again, "/auth/2fa", &[("code", &fresh)])
            .await
            .contains("error=1"));
        assert_eq!(
            post_form(&app, &again, "/auth/2fa", &[("code", &recovery)]).await,
            "/"
        );
        let third = client();
        post_form(&app, &third, "/auth/login", &login).await;
        assert!(post_form(&app, &third, "/auth/2fa", &[("code", &recovery)])
            .await
            .contains("error=1"));
        // No pending sign-in: back to the start.
        assert_eq!(
            post_form(&app, &client(), "/auth/2fa", &[("code", "123456")]).await,
            "/login?error=expired"
        );
    }
);

#[tokio::test]
async fn a_required_second_factor_must_be_set_up_before_anything_else() {
    let app = support::spawn_app(berth_core::db::Dialect::Sqlite).await;
    let ops = app.admin().await;
    let (status, _, _) = app
        .call(
            &ops,
            "security/two-factor-policy/update",
            json!({"policy": {"required_role_types": ["DomainAdmin"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, domain, _) = app
        .call(
            &ops,
            "domains/create",
            json!({"input": {"name": "tf", "display_name": "TF"}}),
        )
        .await;
    let d = domain["id"].as_i64().unwrap();
    let c = app
        .user_with_role(
            "tf-admin",
            Some((
                berth_core::auth::RoleType::DomainAdmin,
                berth_core::auth::Scope::Domain(d),
            )),
        )
        .await;
    let res = c
        .get(app.url("/domains"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/account/2fa");
    let (status, _, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, s, _) = app.call(&c, "account/2fa", json!({})).await;
    assert_eq!(
        (status, s["required"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (_, setup, _) = app
        .call(
            &c,
            "account/2fa/begin",
            json!({"password": "tf-admin-password"}),
        )
        .await;
    let code = totp_now(setup["secret"].as_str().unwrap(), 0);
    let (status, _, _) = app
        .call(&c, "account/2fa/confirm", json!({"code": code}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.call(&c, "domains/list", json!({"query": {}})).await;
    assert_eq!(status, StatusCode::OK, "free once it is set up");
}

#[tokio::test]
async fn an_sso_answer_nobody_asked_for_is_refused_and_passwords_can_be_turned_off() {
    let opts = Options {
        // Never contacted: the answer is refused before.
        env: &[
            ("BERTH_OIDC_ISSUER", "http://127.0.0.1:9"),
            ("BERTH_OIDC_CLIENT_SECRET", "s"),
            ("BERTH_LOCAL_LOGIN", "false"),
        ],
        ..Default::default()
    };
    let app = spawn_app_with(berth_core::db::Dialect::Sqlite, opts).await;
    let c = client();
    let res = c
        .get(app.url("/auth/oidc/callback?code=stolen&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?error=sso");
    let (status, _, _) = app.call(&c, "me", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Passwords are off: even the right one does not sign in.
    let res = c
        .post(app.url("/auth/login"))
        .form(&[
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?error=local&next=/");
    let html = c
        .get(app.url("/login"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"data-sso="on""#) && html.contains(r#"data-local-login="off""#));
    assert!(html.contains("Sign in with single sign-on"));
    assert!(!html.contains(r#"name="password""#), "no password form");
}
