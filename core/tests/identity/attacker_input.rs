//! Sessions at rest, and hostile input refused by field (issue 11).

use super::attacker::*;
use super::common::{field_codes, operator};
use berth_api::{DomainInput, ErrorCode, ListQuery, UserInput};
use berth_core::{db::session_store::DbSessionStore, db_test, testing::TestDb};
use tower_sessions::{session::Id, SessionStore};

db_test!(
    session_ids_are_stored_only_as_hashes,
    |t: TestDb| async move {
        use berth_core::db::{schema::Sessions, session_store::stored_id};
        use sea_query::{Expr, Func, Query};
        let record = session_for(&t, 1).await;
        let rows_with_id = |id: String| {
            let db = t.db.clone();
            async move {
                let n: i64 = db
                    .fetch_scalar(
                        Query::select()
                            .expr(Func::count(Expr::col(Sessions::UserId)))
                            .from(Sessions::Table)
                            .and_where(Expr::col(Sessions::Id).eq(id)),
                    )
                    .await
                    .unwrap();
                n
            }
        };
        let cookie = record.id.to_string();
        assert_eq!(
            rows_with_id(cookie.clone()).await,
            0,
            "the cookie value is not stored"
        );
        let stored = stored_id(&record.id);
        assert_eq!(stored.len(), 64);
        assert_ne!(stored, cookie);
        assert_eq!(rows_with_id(stored).await, 1, "its SHA-256 is");
        // A cookie made of the stored value opens nothing.
        let replayed: Id = stored_id(&record.id).parse().unwrap_or_default();
        let store = DbSessionStore::new(t.db.clone());
        assert!(store.load(&replayed).await.unwrap().is_none());
        assert!(store.load(&record.id).await.unwrap().is_some());
    }
);

db_test!(
    hostile_input_is_refused_by_field_and_never_reaches_sql_or_a_cluster,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        // Search text beyond any search box: a field error, not a database error.
        let huge = "x".repeat(60_000);
        for e in [
            s.identity()
                .list_users(
                    &ops,
                    &ListQuery {
                        search: huge.clone(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err(),
            s.tenancy()
                .list_domains(
                    &ops,
                    &ListQuery {
                        search: "nul\u{0}byte".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err(),
        ] {
            assert_eq!(field_codes(&e)[0].0, "search");
        }
        let e = s
            .audit_log()
            .list_audit(
                &ops,
                &berth_api::AuditQuery {
                    user: huge.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("user".into(), ErrorCode::TooLong)]);
        // Dates far outside any audit record, and their arithmetic.
        for (from, to) in [
            ("+262142-12-31", ""),
            ("", "+262142-12-31"),
            ("0001-01-01", ""),
        ] {
            let e = s
                .audit_log()
                .list_audit(
                    &ops,
                    &berth_api::AuditQuery {
                        from: from.into(),
                        to: to.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err();
            let field = if from.is_empty() { "to" } else { "from" };
            assert_eq!(field_codes(&e)[0].0, field, "{from} {to}");
        }
        // Names and text fields with control characters or no end.
        let e = s
            .tenancy()
            .create_domain(
                &ops,
                DomainInput {
                    name: "ok-name".into(),
                    display_name: "Tab\u{7}bell".into(),
                    description: "fine\nmulti-line\u{0}".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("display_name".into(), ErrorCode::Invalid),
                ("description".into(), ErrorCode::Invalid)
            ]
        );
        let e = s
            .identity()
            .create_user(
                &ops,
                UserInput {
                    password: "pass\u{0}word-long-1".into(),
                    ..user("nul-pass", None)
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("password".into(), ErrorCode::Invalid)]
        );
        // A node name that would reach another URL is refused before any
        // cluster is asked.
        for bad in ["sim-node-1/status", "sim-node-1?watch=true", "..", &huge] {
            let e = s
                .clusters()
                .change_node(&ops, 999_999, bad, berth_api::NodeChange::Cordon)
                .await
                .unwrap_err();
            assert_eq!(field_codes(&e)[0].0, "name", "{}", bad.len());
            let e = s.clusters().get_node(&ops, 999_999, bad).await.unwrap_err();
            assert_eq!(field_codes(&e)[0].0, "name");
        }
        // A token with a control character is named, not a panic in the
        // HTTP client.
        let e = s
            .clusters()
            .create_cluster(
                &ops,
                berth_api::ClusterInput {
                    name: "ctl".into(),
                    method: berth_api::ClusterMethod::Token,
                    api_url: "https://127.0.0.1:1".into(),
                    token: "abc\u{1}def".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("token".into(), ErrorCode::Invalid)]);
        // Audit targets built from input stay short.
        let _ = s.tenancy().create_vdc(&ops, vdc(999_999, &huge)).await;
        let log = s
            .audit_log()
            .list_audit(
                &ops,
                &berth_api::AuditQuery {
                    per_page: 200,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(!log.items.is_empty());
        assert!(log.items.iter().all(|e| e.target.chars().count() <= 203));
    }
);
