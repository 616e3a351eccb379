//! Service and repository behaviour, run against SQLite, PostgreSQL and
//! MariaDB alike: each test gets its own fresh database per dialect.

mod common;

use common::{step_now, totp_code};

use berth_api::{DomainInput, ErrorCode, ListQuery, VdcInput};
use berth_core::{
    auth::{Principal, RequestMeta, RoleType, Scope},
    db::session_store::{DbSessionStore, USER_ID_KEY},
    db_test,
    password::PasswordParams,
    services::VdcFilter,
    testing::TestDb,
    Error, Services,
};
use secrecy::SecretString;
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};

const FAST: PasswordParams = PasswordParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

async fn services(t: &TestDb) -> Services {
    let s = Services::new(t.db.clone(), FAST, berth_core::testing::keyring()).unwrap();
    s.ensure_builtin_roles().await.unwrap();
    s
}

async fn operator(s: &Services) -> Principal {
    let id = s
        .create_user_with_role(
            "ops",
            "Ops",
            &secret("ops-password"),
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await
        .unwrap();
    s.principal(id).await.unwrap().unwrap()
}

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "req-1".into(),
        source: Some("192.0.2.7".into()),
        session: None,
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

fn domain(name: &str) -> DomainInput {
    DomainInput {
        name: name.into(),
        display_name: format!("Domain {name}"),
        description: String::new(),
    }
}

fn vdc(domain_id: i64, name: &str) -> VdcInput {
    VdcInput {
        domain_id,
        name: name.into(),
        display_name: format!("VDC {name}"),
        description: String::new(),
    }
}

fn field_codes(e: &Error) -> Vec<(String, ErrorCode)> {
    match e {
        Error::Validation(f) => f.iter().map(|f| (f.field.clone(), f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

db_test!(
    migrations_leave_the_database_ready,
    |t: TestDb| async move {
        assert!(t.db.ready().await);
        // Applying again is a no-op.
        t.db.migrate().await.unwrap();
        assert!(t.db.ready().await);
    }
);

db_test!(
    domains_can_be_created_listed_searched_and_paged,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        for i in 0..25 {
            s.create_domain(&ops, domain(&format!("team-{i:02}")))
                .await
                .unwrap();
        }
        s.create_domain(&ops, domain("finance")).await.unwrap();

        let first = s.list_domains(&ops, &ListQuery::default()).await.unwrap();
        assert_eq!(first.total, 26);
        assert_eq!(first.items.len(), 20);
        assert_eq!(first.items[0].name, "finance", "sorted by name");
        let second = s
            .list_domains(
                &ops,
                &ListQuery {
                    page: 2,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(second.items.len(), 6);
        assert_eq!(second.pages(), 2);

        let found = s
            .list_domains(
                &ops,
                &ListQuery {
                    search: "FIN".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(found.total, 1);
        assert_eq!(found.items[0].name, "finance");

        // LIKE wildcards in a search are taken literally.
        let none = s
            .list_domains(
                &ops,
                &ListQuery {
                    search: "%".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(none.total, 0);
    }
);

db_test!(
    domain_input_is_validated_and_rejections_change_nothing,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let bad = DomainInput {
            name: "Not_A_Label".into(),
            display_name: "x".repeat(65),
            description: String::new(),
        };
        let e = s.create_domain(&ops, bad).await.unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("name".into(), ErrorCode::Dns1123Label),
                ("display_name".into(), ErrorCode::TooLong)
            ]
        );
        s.create_domain(&ops, domain("acme")).await.unwrap();
        let e = s.create_domain(&ops, domain("acme")).await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("name".into(), ErrorCode::Taken)]);
        assert_eq!(
            s.list_domains(&ops, &ListQuery::default())
                .await
                .unwrap()
                .total,
            1
        );
    }
);

db_test!(
    domain_edit_changes_display_fields_only,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let d = s.create_domain(&ops, domain("acme")).await.unwrap();
        let edited = s
            .update_domain(
                &ops,
                d.id,
                DomainInput {
                    name: "renamed".into(),
                    display_name: "Acme 公司".into(),
                    description: "HQ".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.name, "acme");
        assert_eq!(edited.display_name, "Acme 公司");
        assert_eq!(edited.description, "HQ");
        assert!(matches!(
            s.update_domain(&ops, 9999, domain("x")).await,
            Err(Error::NotFound)
        ));
    }
);

db_test!(
    a_domain_with_vdcs_cannot_be_deleted,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let d = s.create_domain(&ops, domain("acme")).await.unwrap();
        let v = s.create_vdc(&ops, vdc(d.id, "prod")).await.unwrap();
        assert_eq!(s.get_domain(&ops, d.id).await.unwrap().vdc_count, 1);

        match s.delete_domain(&ops, d.id).await {
            Err(Error::Conflict { code, message }) => {
                assert_eq!(code, ErrorCode::HasChildren);
                assert!(message.contains("acme"), "{message}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(
            s.get_domain(&ops, d.id).await.is_ok(),
            "refusal deleted nothing"
        );

        s.delete_vdc(&ops, v.id).await.unwrap();
        s.delete_domain(&ops, d.id).await.unwrap();
        assert!(matches!(
            s.get_domain(&ops, d.id).await,
            Err(Error::NotFound)
        ));
    }
);

db_test!(
    vdc_names_are_unique_within_a_domain_only,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("a")).await.unwrap();
        let b = s.create_domain(&ops, domain("b")).await.unwrap();
        s.create_vdc(&ops, vdc(a.id, "prod")).await.unwrap();
        s.create_vdc(&ops, vdc(b.id, "prod")).await.unwrap();
        let e = s.create_vdc(&ops, vdc(a.id, "prod")).await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("name".into(), ErrorCode::Taken)]);
        let e = s.create_vdc(&ops, vdc(424242, "prod")).await.unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("domain_id".into(), ErrorCode::NotFound)]
        );

        let in_a = s
            .list_vdcs(
                &ops,
                &VdcFilter {
                    domain_id: Some(a.id),
                },
                &ListQuery::default(),
            )
            .await
            .unwrap();
        assert_eq!(in_a.total, 1);
        assert_eq!(in_a.items[0].domain_name, "a");
        let all = s
            .list_vdcs(&ops, &VdcFilter::default(), &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(all.total, 2);
    }
);

db_test!(
    login_gives_one_answer_for_every_failure,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let ok = s
            .login("ops", &secret("ops-password"), &meta())
            .await
            .unwrap();
        assert_eq!(ok.user_id, ops.user_id);
        assert_eq!(ok.request, meta());
        assert!(matches!(
            s.login("ops", &secret("wrong"), &meta()).await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            s.login("nobody", &secret("ops-password"), &meta()).await,
            Err(Error::Unauthenticated)
        ));
    }
);

db_test!(the_initial_admin_is_created_once, |t: TestDb| async move {
    let s = services(&t).await;
    let first = s.ensure_initial_admin(None).await.unwrap().unwrap();
    assert_eq!(first.username, "admin");
    let password = first.generated_password.expect("a generated password");
    let admin = s.login("admin", &password, &meta()).await.unwrap();
    assert_eq!(admin.bindings.len(), 1);
    assert_eq!(admin.bindings[0].scope, Scope::Platform);
    assert!(s
        .ensure_initial_admin(Some(secret("other")))
        .await
        .unwrap()
        .is_none());
});

db_test!(
    a_user_without_bindings_is_refused_everything,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let d = s.create_domain(&ops, domain("acme")).await.unwrap();
        let v = s.create_vdc(&ops, vdc(d.id, "prod")).await.unwrap();
        let id = s
            .create_user_with_role("nobody", "Nobody", &secret("pw-nobody"), None)
            .await
            .unwrap();
        let nobody = s.principal(id).await.unwrap().unwrap();
        assert!(matches!(
            s.list_domains(&nobody, &ListQuery::default()).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.create_domain(&nobody, domain("x")).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.delete_domain(&nobody, d.id).await,
            Err(Error::NotFound)
        ));
        // Another tenant's object by id answers "not found", not "forbidden".
        assert!(matches!(
            s.get_vdc(&nobody, v.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.delete_vdc(&nobody, v.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            s.list_domains(&ops, &ListQuery::default())
                .await
                .unwrap()
                .total,
            1
        );
    }
);

db_test!(
    sessions_round_trip_through_the_database,
    |t: TestDb| async move {
        let store = DbSessionStore::new(t.db.clone());
        let mut data = std::collections::HashMap::new();
        data.insert(USER_ID_KEY.to_owned(), serde_json::json!(42));
        let mut record = Record {
            id: Id::default(),
            data,
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        };
        store.create(&mut record).await.unwrap();
        let loaded = store.load(&record.id).await.unwrap().unwrap();
        assert_eq!(loaded.data.get(USER_ID_KEY), Some(&serde_json::json!(42)));
        record.data.insert("k".into(), serde_json::json!("v"));
        store.save(&record).await.unwrap();
        assert_eq!(store.load(&record.id).await.unwrap().unwrap().data.len(), 2);
        store.delete(&record.id).await.unwrap();
        assert!(store.load(&record.id).await.unwrap().is_none());
        // A late save after sign-out does not resurrect the session.
        store.save(&record).await.unwrap();
        assert!(store.load(&record.id).await.unwrap().is_none());

        let mut expired = Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc() - time::Duration::seconds(5),
        };
        store.create(&mut expired).await.unwrap();
        assert!(store.load(&expired.id).await.unwrap().is_none());
        assert_eq!(store.delete_expired().await.unwrap(), 1);
    }
);

#[derive(sqlx::FromRow, Debug)]
struct AuditRow {
    username: String,
    source: Option<String>,
    action: String,
    target: String,
    outcome: String,
    request_id: String,
    details: String,
}

async fn audit_rows(t: &TestDb) -> Vec<AuditRow> {
    use berth_core::db::schema::AuditEvents as A;
    use sea_query::{Order, Query};
    t.db.fetch_all(
        Query::select()
            .columns([
                A::Username,
                A::Source,
                A::Action,
                A::Target,
                A::Outcome,
                A::RequestId,
                A::Details,
            ])
            .from(A::Table)
            .order_by(A::Id, Order::Asc),
    )
    .await
    .unwrap()
}

db_test!(
    changes_denials_and_sign_ins_are_audited,
    |t: TestDb| async move {
        let s = services(&t).await;
        let mut ops = operator(&s).await;
        ops.request = meta();
        s.create_domain(&ops, domain("acme")).await.unwrap();
        s.create_domain(&ops, domain("Bad_Name")).await.unwrap_err();
        let id = s
            .create_user_with_role("nobody", "Nobody", &secret("pw-nobody"), None)
            .await
            .unwrap();
        let mut nobody = s.principal(id).await.unwrap().unwrap();
        nobody.request = meta();
        s.create_domain(&nobody, domain("sneaky"))
            .await
            .unwrap_err();
        s.login("ops", &secret("wrong"), &meta()).await.unwrap_err();
        s.login("ops", &secret("ops-password"), &meta())
            .await
            .unwrap();
        s.login("who-is-this", &secret("x"), &meta())
            .await
            .unwrap_err();
        s.logout(&ops).await;
        // Reads that are allowed leave no record.
        s.list_domains(&ops, &ListQuery::default()).await.unwrap();

        let rows = audit_rows(&t).await;
        let seen: Vec<(&str, &str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.username.as_str(),
                    r.action.as_str(),
                    r.target.as_str(),
                    r.outcome.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("ops", "domain.create", "domain/acme", "allowed"),
                ("ops", "domain.create", "domain/Bad_Name", "failed"),
                ("nobody", "domain.create", "domain/sneaky", "denied"),
                ("ops", "auth.login", "session", "failed"),
                ("ops", "auth.login", "session", "allowed"),
                ("(unknown)", "auth.login", "session", "failed"),
                ("ops", "auth.logout", "session", "allowed"),
            ]
        );
        assert_eq!(rows[1].details, "invalid: name");
        assert!(rows
            .iter()
            .all(|r| r.request_id == "req-1" && r.source.as_deref() == Some("192.0.2.7")));
        assert!(rows
            .iter()
            .all(|r| !r.details.contains("password") && !r.target.contains("wrong")));
    }
);

db_test!(
    tenants_see_only_their_own_domains_and_vdcs,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
        let b = s.create_domain(&ops, domain("beta")).await.unwrap();
        let a1 = s.create_vdc(&ops, vdc(a.id, "a-one")).await.unwrap();
        s.create_vdc(&ops, vdc(a.id, "a-two")).await.unwrap();
        let b1 = s.create_vdc(&ops, vdc(b.id, "b-one")).await.unwrap();

        let login_as = |name: &'static str, role| {
            let s = s.clone();
            async move {
                let id = s
                    .create_user_with_role(name, name, &secret("pw-tenant-1"), Some(role))
                    .await
                    .unwrap();
                s.principal(id).await.unwrap().unwrap()
            }
        };
        let admin_a = login_as("admin-a", (RoleType::DomainAdmin, Scope::Domain(a.id))).await;
        let user_b1 = login_as(
            "user-b1",
            (
                RoleType::VdcUser,
                Scope::Vdc {
                    domain_id: b.id,
                    vdc_id: b1.id,
                },
            ),
        )
        .await;

        let names = |p: berth_api::Page<berth_api::Vdc>| {
            p.items.into_iter().map(|v| v.name).collect::<Vec<_>>()
        };
        let all = ListQuery::default();
        let domains = s.list_domains(&admin_a, &all).await.unwrap();
        assert_eq!(domains.total, 1);
        assert_eq!(domains.items[0].name, "alpha");
        assert_eq!(
            names(
                s.list_vdcs(&admin_a, &VdcFilter::default(), &all)
                    .await
                    .unwrap()
            ),
            ["a-one", "a-two"]
        );
        // Filtering by another tenant's domain finds nothing rather than leaking.
        let other = s
            .list_vdcs(
                &admin_a,
                &VdcFilter {
                    domain_id: Some(b.id),
                },
                &all,
            )
            .await
            .unwrap();
        assert_eq!(other.total, 0);
        // Search stays inside the tenant too.
        let q = ListQuery {
            search: "one".into(),
            ..Default::default()
        };
        assert_eq!(
            names(
                s.list_vdcs(&admin_a, &VdcFilter::default(), &q)
                    .await
                    .unwrap()
            ),
            ["a-one"]
        );

        assert_eq!(
            names(
                s.list_vdcs(&user_b1, &VdcFilter::default(), &all)
                    .await
                    .unwrap()
            ),
            ["b-one"]
        );
        assert!(matches!(
            s.list_domains(&user_b1, &all).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.get_vdc(&user_b1, a1.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.get_domain(&admin_a, b.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(s.get_vdc(&admin_a, a1.id).await.unwrap().name, "a-one");

        let o = s.overview(&admin_a).await.unwrap();
        assert_eq!((o.domains, o.vdcs, o.clusters), (1, 2, 0));
        let o = s.overview(&user_b1).await.unwrap();
        assert_eq!((o.domains, o.vdcs, o.clusters), (0, 1, 0));
        let o = s.overview(&ops).await.unwrap();
        assert_eq!((o.domains, o.vdcs), (2, 3));
    }
);

fn role_input(name: &str, role_type: &str, permissions: &[&str]) -> berth_api::RoleInput {
    berth_api::RoleInput {
        name: name.into(),
        role_type: role_type.into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    }
}

/// Grants role `role_id` to `user_id` at `scope` (the binding service
/// comes with the users page; its rules have their own tests).
async fn bind(t: &TestDb, user_id: i64, role_id: i64, kind: &str, scope_id: Option<i64>) -> i64 {
    use berth_core::db::schema::RoleBindings as B;
    let q = sea_query::Query::insert()
        .into_table(B::Table)
        .columns([B::UserId, B::RoleId, B::ScopeKind, B::ScopeId, B::CreatedAt])
        .values_panic([
            user_id.into(),
            role_id.into(),
            kind.into(),
            scope_id.into(),
            chrono::Utc::now().into(),
        ])
        .to_owned();
    t.db.insert(q).await.unwrap()
}

db_test!(
    custom_roles_hold_exactly_what_was_picked,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let d = s.create_domain(&ops, domain("acme")).await.unwrap();
        let v = s.create_vdc(&ops, vdc(d.id, "prod")).await.unwrap();
        let role = s
            .create_role(
                &ops,
                role_input(
                    "Log reader",
                    "vdc_user",
                    &["pod.log.read", "workload.read", "vdc.read"],
                ),
            )
            .await
            .unwrap();
        assert!(!role.builtin);
        // Stored in catalogue order.
        assert_eq!(
            role.permissions,
            ["vdc.read", "workload.read", "pod.log.read"]
        );
        let roles = s.list_roles(&ops).await.unwrap();
        assert_eq!(roles.len(), 5, "four built-in roles and the custom one");
        assert!(roles.iter().take(4).all(|r| r.builtin));

        let uid = s
            .create_user_with_role("reader", "Reader", &secret("pw-reader-1"), None)
            .await
            .unwrap();
        bind(&t, uid, role.id, "vdc", Some(v.id)).await;
        let reader = s.principal(uid).await.unwrap().unwrap();
        use berth_core::auth::Permission as P;
        assert_eq!(
            reader.bindings[0].permissions,
            vec![P::VdcRead, P::WorkloadRead, P::PodLogRead]
        );
        assert_eq!(s.get_vdc(&reader, v.id).await.unwrap().name, "prod");
        assert!(matches!(
            s.update_vdc(&reader, v.id, vdc(d.id, "prod")).await,
            Err(Error::Forbidden)
        ));

        let edited = s
            .update_role(
                &ops,
                role.id,
                role_input("Log reader", "domain_admin", &["vdc.read"]),
            )
            .await
            .unwrap();
        assert_eq!(edited.permissions, ["vdc.read"]);
        assert_eq!(edited.role_type, "vdc_user", "the type stays");
        let reader = s.principal(uid).await.unwrap().unwrap();
        assert_eq!(reader.bindings[0].permissions, vec![P::VdcRead]);
    }
);

db_test!(
    custom_role_input_is_checked_against_the_type,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let codes = |e: Error| field_codes(&e);
        let e = s
            .create_role(&ops, role_input("X", "vdc_user", &["cluster.read"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("permissions".into(), ErrorCode::Invalid)]);
        let e = s
            .create_role(&ops, role_input("X", "vdc_admin", &["no.such"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("permissions".into(), ErrorCode::Invalid)]);
        let e = s
            .create_role(&ops, role_input("", "vdc_admin", &[]))
            .await
            .unwrap_err();
        assert_eq!(
            codes(e),
            vec![
                ("name".into(), ErrorCode::Required),
                ("permissions".into(), ErrorCode::Required)
            ]
        );
        let e = s
            .create_role(&ops, role_input("X", "wizard", &["vdc.read"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("role_type".into(), ErrorCode::Invalid)]);
        s.create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap();
        let e = s
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("name".into(), ErrorCode::Taken)]);
        assert_eq!(
            s.list_roles(&ops).await.unwrap().len(),
            5,
            "rejections created nothing"
        );

        let domain_admin_id = s
            .create_user_with_role(
                "dadmin",
                "D",
                &secret("pw-dadmin-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(1))),
            )
            .await
            .unwrap();
        let domain_admin = s.principal(domain_admin_id).await.unwrap().unwrap();
        assert!(matches!(
            s.create_role(&domain_admin, role_input("Mine", "vdc_user", &["vdc.read"]))
                .await,
            Err(Error::Forbidden)
        ));
    }
);

db_test!(
    built_in_roles_are_locked_and_bound_roles_stay,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let roles = s.list_roles(&ops).await.unwrap();
        let builtin = roles.iter().find(|r| r.name == "vdc-user").unwrap();
        assert!(matches!(
            s.delete_role(&ops, builtin.id).await,
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            s.update_role(&ops, builtin.id, role_input("x", "vdc_user", &["vdc.read"]))
                .await,
            Err(Error::Conflict { .. })
        ));

        let role = s
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap();
        let uid = s
            .create_user_with_role("holder", "Holder", &secret("pw-holder-1"), None)
            .await
            .unwrap();
        let binding = bind(&t, uid, role.id, "vdc", Some(42)).await;
        match s.delete_role(&ops, role.id).await {
            Err(Error::Conflict { code, message }) => {
                assert_eq!(code, ErrorCode::RoleInUse);
                assert!(message.contains("holder (vdc 42)"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        use berth_core::db::schema::RoleBindings as B;
        t.db.execute(
            &sea_query::Query::delete()
                .from_table(B::Table)
                .and_where(sea_query::Expr::col(B::Id).eq(binding))
                .to_owned(),
        )
        .await
        .unwrap();
        s.delete_role(&ops, role.id).await.unwrap();
        assert_eq!(s.list_roles(&ops).await.unwrap().len(), 4);
    }
);

fn grant(user_id: i64, role_id: i64, kind: &str, scope_id: Option<i64>) -> berth_api::GrantInput {
    berth_api::GrantInput {
        user_id,
        role_id,
        scope_kind: kind.into(),
        scope_id,
    }
}

db_test!(
    grants_follow_scope_and_never_escalate,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
        let b = s.create_domain(&ops, domain("beta")).await.unwrap();
        let a1 = s.create_vdc(&ops, vdc(a.id, "a-one")).await.unwrap();
        let b1 = s.create_vdc(&ops, vdc(b.id, "b-one")).await.unwrap();
        let role = |name: &str| {
            let s = s.clone();
            let ops = ops.clone();
            let name = name.to_owned();
            async move {
                s.list_roles(&ops)
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|r| r.name == name)
                    .unwrap()
                    .id
            }
        };
        let (ops_role, domain_admin, vdc_admin, vdc_user) = (
            role("operations-admin").await,
            role("domain-admin").await,
            role("vdc-admin").await,
            role("vdc-user").await,
        );
        // Members of domain alpha: a granter names only users they may see.
        let user = |name: &'static str| {
            let (s, ops) = (s.clone(), ops.clone());
            async move {
                s.create_user(&ops, user_input(name, Some(a.id)))
                    .await
                    .unwrap()
                    .id
            }
        };
        let (dan, vic, val, eve) = (
            user("dan").await,
            user("vic").await,
            user("val").await,
            user("eve").await,
        );

        // Operators grant anything; the grantee's rights follow.
        let g = s
            .grant_role(&ops, grant(dan, domain_admin, "domain", Some(a.id)))
            .await
            .unwrap();
        assert_eq!(
            (g.username.as_str(), g.role_name.as_str()),
            ("dan", "domain-admin")
        );
        let dan_p = s.principal(dan).await.unwrap().unwrap();
        assert_eq!(
            s.list_vdcs(&dan_p, &VdcFilter::default(), &ListQuery::default())
                .await
                .unwrap()
                .total,
            1
        );

        // Domain admins grant within their domain only.
        s.grant_role(&dan_p, grant(vic, vdc_admin, "vdc", Some(a1.id)))
            .await
            .unwrap();
        assert!(matches!(
            s.grant_role(&dan_p, grant(vic, vdc_admin, "vdc", Some(b1.id)))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.grant_role(&dan_p, grant(vic, ops_role, "platform", None))
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.grant_role(&dan_p, grant(vic, domain_admin, "domain", Some(b.id)))
                .await,
            Err(Error::NotFound)
        ));

        // VDC admins grant VDC roles in their VDC only (domains are not
        // theirs to see, so a domain grant finds nothing).
        let vic_p = s.principal(vic).await.unwrap().unwrap();
        s.grant_role(&vic_p, grant(val, vdc_user, "vdc", Some(a1.id)))
            .await
            .unwrap();
        assert!(matches!(
            s.grant_role(&vic_p, grant(val, domain_admin, "domain", Some(a.id)))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.grant_role(&vic_p, grant(val, vdc_user, "vdc", Some(b1.id)))
                .await,
            Err(Error::NotFound)
        ));

        // A role binds only at its type's scope kind.
        let e = s
            .grant_role(&ops, grant(eve, vdc_user, "domain", Some(a.id)))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("scope_kind".into(), ErrorCode::Invalid)]
        );

        // Nobody grants what they do not hold: a custom domain role that may
        // bind and read, but not change VDCs, cannot hand out vdc-admin.
        let binder = s
            .create_role(
                &ops,
                role_input(
                    "Binder",
                    "domain_admin",
                    &["role.bind", "vdc.read", "domain.read"],
                ),
            )
            .await
            .unwrap();
        s.grant_role(&ops, grant(eve, binder.id, "domain", Some(a.id)))
            .await
            .unwrap();
        let eve_p = s.principal(eve).await.unwrap().unwrap();
        assert!(matches!(
            s.grant_role(&eve_p, grant(val, vdc_admin, "vdc", Some(a1.id)))
                .await,
            Err(Error::Forbidden)
        ));
        let viewer = s
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap();
        s.grant_role(&eve_p, grant(val, viewer.id, "vdc", Some(a1.id)))
            .await
            .unwrap();

        // Twice is refused; revoking follows the same scope rules.
        assert!(matches!(
            s.grant_role(&eve_p, grant(val, viewer.id, "vdc", Some(a1.id)))
                .await,
            Err(Error::Conflict { .. })
        ));
        let platform_grant = s
            .grant_role(&ops, grant(val, ops_role, "platform", None))
            .await
            .unwrap();
        assert!(matches!(
            s.revoke_role(&dan_p, platform_grant.id).await,
            Err(Error::Forbidden)
        ));
        s.revoke_role(&ops, platform_grant.id).await.unwrap();
        let val_p = s.principal(val).await.unwrap().unwrap();
        assert_eq!(
            val_p.bindings.len(),
            2,
            "vdc-user and Viewer at a-one remain"
        );
    }
);

fn from(source: &str) -> RequestMeta {
    RequestMeta {
        request_id: "req-lock".into(),
        source: Some(source.into()),
        session: None,
    }
}

db_test!(
    repeated_failures_lock_a_name_until_lifted,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        s.put_setting("lockout.max_failures", "3").await.unwrap();
        let ip = from("198.51.100.1");
        // A success in between starts the count again.
        for _ in 0..2 {
            assert!(matches!(
                s.login("ops", &secret("wrong"), &ip).await,
                Err(Error::Unauthenticated)
            ));
        }
        s.login("ops", &secret("ops-password"), &ip).await.unwrap();
        for _ in 0..3 {
            assert!(matches!(
                s.login("OPS", &secret("wrong"), &ip).await,
                Err(Error::Unauthenticated)
            ));
        }
        // Now even the right password is refused, with the time left.
        match s.login("ops", &secret("ops-password"), &ip).await {
            Err(Error::Locked { retry_after_secs }) => assert!(
                (800..=900).contains(&retry_after_secs),
                "{retry_after_secs}"
            ),
            other => panic!("expected a lock, got {other:?}"),
        }
        // Unknown names lock the same way, so a lock reveals nothing.
        for _ in 0..3 {
            s.login("ghost", &secret("x"), &ip).await.unwrap_err();
        }
        assert!(matches!(
            s.login("ghost", &secret("x"), &ip).await,
            Err(Error::Locked { .. })
        ));

        let locks = s.list_locks(&ops).await.unwrap();
        let names: Vec<&str> = locks.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ghost", "ops"]);
        let uid = s
            .create_user_with_role("plain", "P", &secret("pw-plain-1"), None)
            .await
            .unwrap();
        let plain = s.principal(uid).await.unwrap().unwrap();
        assert!(matches!(
            s.lift_lock(&plain, "ops").await,
            Err(Error::Forbidden)
        ));
        s.lift_lock(&ops, "OPS").await.unwrap();
        s.login("ops", &secret("ops-password"), &ip).await.unwrap();

        let denied: Vec<AuditRow> = audit_rows(&t)
            .await
            .into_iter()
            .filter(|r| r.outcome == "denied")
            .collect();
        assert_eq!(
            denied.len(),
            2 + 1,
            "two locked sign-ins and the plain user's refused lift"
        );
        assert_eq!(denied[0].details, "locked");
    }
);

db_test!(
    one_address_failing_often_is_held_back,
    |t: TestDb| async move {
        let s = services(&t).await;
        operator(&s).await;
        s.put_setting("lockout.max_failures_per_source", "4")
            .await
            .unwrap();
        let noisy = from("203.0.113.9");
        for i in 0..4 {
            s.login(&format!("guess-{i}"), &secret("x"), &noisy)
                .await
                .unwrap_err();
        }
        assert!(matches!(
            s.login("ops", &secret("ops-password"), &noisy).await,
            Err(Error::Locked { .. })
        ));
        // Another address signs in as usual.
        s.login("ops", &secret("ops-password"), &from("203.0.113.10"))
            .await
            .unwrap();
    }
);

fn user_input(username: &str, domain_id: Option<i64>) -> berth_api::UserInput {
    berth_api::UserInput {
        username: username.into(),
        display_name: format!("User {username}"),
        email: format!("{username}@example.com"),
        phone: String::new(),
        domain_id,
        password: "first-password-1".into(),
    }
}

db_test!(
    users_are_managed_within_their_domain,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
        let b = s.create_domain(&ops, domain("beta")).await.unwrap();
        let ann = s
            .create_user(&ops, user_input("ann", Some(a.id)))
            .await
            .unwrap();
        assert!(ann.must_change_password, "a first password must be changed");
        let bob = s
            .create_user(&ops, user_input("bob", Some(b.id)))
            .await
            .unwrap();

        let e = s
            .create_user(
                &ops,
                berth_api::UserInput {
                    email: "nope".into(),
                    password: "short".into(),
                    ..user_input("Bad Name", Some(a.id))
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("username".into(), ErrorCode::Invalid),
                ("email".into(), ErrorCode::Invalid),
                ("password".into(), ErrorCode::PasswordTooShort)
            ]
        );
        let e = s
            .create_user(&ops, user_input("ann", Some(a.id)))
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("username".into(), ErrorCode::Taken)]);

        // A domain admin sees and manages only their domain's users.
        let admin_id = s
            .create_user_with_role(
                "alpha-admin",
                "A",
                &secret("pw-alpha-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
            )
            .await
            .unwrap();
        let admin = s.principal(admin_id).await.unwrap().unwrap();
        let listed = s.list_users(&admin, &ListQuery::default()).await.unwrap();
        assert_eq!(
            listed
                .items
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["ann"]
        );
        assert!(matches!(
            s.set_user_disabled(&admin, bob.id, true).await,
            Err(Error::NotFound)
        ));
        // Another tenant's domain is answered as missing.
        assert!(matches!(
            s.create_user(&admin, user_input("carl", Some(b.id))).await,
            Err(Error::NotFound)
        ));
        s.create_user(&admin, user_input("cat", Some(a.id)))
            .await
            .unwrap();

        // Disabling ends sign-in; enabling restores it.
        s.login("ann", &secret("first-password-1"), &meta())
            .await
            .unwrap();
        s.set_user_disabled(&admin, ann.id, true).await.unwrap();
        assert!(matches!(
            s.login("ann", &secret("first-password-1"), &meta()).await,
            Err(Error::Unauthenticated)
        ));
        assert!(s.principal(ann.id).await.unwrap().is_none());
        s.set_user_disabled(&admin, ann.id, false).await.unwrap();

        // A reset password works and must be changed again.
        s.reset_password(&admin, ann.id, &secret("second-password-2"))
            .await
            .unwrap();
        s.login("ann", &secret("second-password-2"), &meta())
            .await
            .unwrap();
        assert!(matches!(
            s.login("ann", &secret("first-password-1"), &meta()).await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            s.reset_password(&admin, ann.id, &secret("short")).await,
            Err(Error::Validation(_))
        ));
    }
);

fn strict_policy() -> berth_api::PasswordPolicy {
    berth_api::PasswordPolicy {
        min_length: 12,
        require_upper: true,
        require_lower: true,
        require_digit: true,
        require_symbol: true,
        forbid_username: true,
        history: 2,
        max_age_days: 30,
    }
}

async fn must_change(s: &Services, id: i64) -> bool {
    s.principal(id).await.unwrap().unwrap().must_change_password
}

db_test!(
    the_password_policy_holds_on_every_path_that_sets_a_password,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let d = s.create_domain(&ops, domain("pw")).await.unwrap();
        let admin_id = s
            .create_user_with_role(
                "pw-admin",
                "A",
                &secret("pw-admin-password"),
                Some((RoleType::DomainAdmin, Scope::Domain(d.id))),
            )
            .await
            .unwrap();
        let admin = s.principal(admin_id).await.unwrap().unwrap();

        // Only operators set it; bad numbers are named and change nothing.
        assert!(matches!(
            s.set_password_policy(&admin, strict_policy()).await,
            Err(Error::Forbidden)
        ));
        let e = s
            .set_password_policy(
                &ops,
                berth_api::PasswordPolicy {
                    min_length: 3,
                    history: 99,
                    ..strict_policy()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("min_length".into(), ErrorCode::OutOfRange),
                ("history".into(), ErrorCode::OutOfRange)
            ]
        );
        assert_eq!(
            s.password_policy().await.unwrap(),
            berth_api::PasswordPolicy::default()
        );
        s.set_password_policy(&ops, strict_policy()).await.unwrap();
        assert_eq!(s.password_policy().await.unwrap(), strict_policy());

        // Creating a user: every broken rule is named.
        let e = s
            .create_user(
                &ops,
                berth_api::UserInput {
                    password: "danapass".into(),
                    ..user_input("dana", Some(d.id))
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("password".into(), ErrorCode::PasswordTooShort),
                ("password".into(), ErrorCode::PasswordNoUpper),
                ("password".into(), ErrorCode::PasswordNoDigit),
                ("password".into(), ErrorCode::PasswordNoSymbol),
                ("password".into(), ErrorCode::PasswordContainsUsername),
            ]
        );
        let dana = s
            .create_user(
                &ops,
                berth_api::UserInput {
                    password: "First-Secret-01".into(),
                    ..user_input("dana", Some(d.id))
                },
            )
            .await
            .unwrap();

        // Resets: no reuse of the last two passwords.
        s.reset_password(&admin, dana.id, &secret("Second-Secret-02"))
            .await
            .unwrap();
        let e = s
            .reset_password(&admin, dana.id, &secret("First-Secret-01"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("password".into(), ErrorCode::PasswordReused)]
        );
        assert!(matches!(
            s.reset_password(&admin, dana.id, &secret("weak")).await,
            Err(Error::Validation(_))
        ));
        s.login("dana", &secret("Second-Secret-02"), &meta())
            .await
            .expect("a refused reset changed nothing");
        s.reset_password(&admin, dana.id, &secret("Third-Secret-03"))
            .await
            .unwrap();
        // Three passwords on, the first may come back.
        s.reset_password(&admin, dana.id, &secret("First-Secret-01"))
            .await
            .unwrap();
        assert!(must_change(&s, dana.id).await, "a reset must be changed");

        // Changing one's own: the current password is proven, the policy
        // and history hold, and the pending change is cleared.
        let me = s
            .login("dana", &secret("First-Secret-01"), &meta())
            .await
            .unwrap();
        assert!(me.must_change_password);
        let e = s
            .change_own_password(&me, &secret("wrong"), &secret("Fourth-Secret-04"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("current_password".into(), ErrorCode::WrongPassword)]
        );
        let e = s
            .change_own_password(&me, &secret("First-Secret-01"), &secret("Third-Secret-03"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("new_password".into(), ErrorCode::PasswordReused)]
        );
        let e = s
            .change_own_password(
                &me,
                &secret("First-Secret-01"),
                &secret("Has-Dana-Inside-5"),
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("new_password".into(), ErrorCode::PasswordContainsUsername)]
        );
        assert!(must_change(&s, dana.id).await, "refusals changed nothing");
        s.change_own_password(&me, &secret("First-Secret-01"), &secret("Fourth-Secret-04"))
            .await
            .unwrap();
        assert!(!must_change(&s, dana.id).await);
        s.login("dana", &secret("Fourth-Secret-04"), &meta())
            .await
            .unwrap();

        // A password older than the maximum age must be changed at sign-in.
        let old = chrono::Utc::now() - chrono::Duration::days(31);
        s.db()
            .execute(
                sea_query::Query::update()
                    .table(sea_query::Alias::new("users"))
                    .value(sea_query::Alias::new("password_changed_at"), old)
                    .and_where(sea_query::Expr::col(sea_query::Alias::new("id")).eq(dana.id)),
            )
            .await
            .unwrap();
        assert!(!must_change(&s, dana.id).await, "not before signing in");
        let me = s
            .login("dana", &secret("Fourth-Secret-04"), &meta())
            .await
            .unwrap();
        assert!(
            me.must_change_password,
            "an expired password must be changed"
        );
    }
);

fn ip_rule(domain_id: Option<i64>, action: &str, cidr: &str) -> berth_api::IpRuleInput {
    berth_api::IpRuleInput {
        domain_id,
        action: action.into(),
        cidr: cidr.into(),
        description: String::new(),
    }
}

db_test!(
    login_ip_rules_deny_wins_and_allow_lists_admit_only_their_networks,
    |t: TestDb| async move {
        let s = services(&t).await;
        let mut ops = operator(&s).await;
        ops.request.source = Some("192.0.2.5".into());
        let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
        let b = s.create_domain(&ops, domain("beta")).await.unwrap();
        s.create_user(&ops, user_input("amy", Some(a.id)))
            .await
            .unwrap();
        s.create_user(&ops, user_input("ben", Some(b.id)))
            .await
            .unwrap();
        let admin_id = s
            .create_user_with_role(
                "alpha-admin",
                "A",
                &secret("pw-alpha-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
            )
            .await
            .unwrap();
        let admin = s.principal(admin_id).await.unwrap().unwrap();
        let pw = secret("first-password-1");

        // Bad input is named and changes nothing.
        let e = s
            .create_ip_rule(&ops, ip_rule(None, "block", "10.0.0.0/33"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("cidr".into(), ErrorCode::Invalid),
                ("action".into(), ErrorCode::Invalid)
            ]
        );
        // Nobody refuses their own address by accident.
        let e = s
            .create_ip_rule(&ops, ip_rule(None, "allow", "10.0.0.0/8"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Conflict {
                    code: ErrorCode::WouldLockOut,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(s.list_ip_rules(&ops).await.unwrap().is_empty());

        // A platform deny rule refuses everyone from that network.
        let deny = s
            .create_ip_rule(&ops, ip_rule(None, "deny", "10.66.1.9/16"))
            .await
            .unwrap();
        assert_eq!(deny.cidr, "10.66.0.0/16", "stored normalised");
        assert!(matches!(
            s.login("amy", &pw, &from("10.66.3.3")).await,
            Err(Error::AddressRefused)
        ));
        assert!(matches!(
            s.login("nobody", &pw, &from("10.66.3.3")).await,
            Err(Error::AddressRefused)
        ));
        s.login("amy", &pw, &from("10.1.1.1")).await.unwrap();

        // A domain admin keeps alpha's users to one network; beta's users
        // and platform staff are not bound by it.
        let allow = s
            .create_ip_rule(&admin, ip_rule(Some(a.id), "allow", "10.7.0.0/16"))
            .await
            .unwrap();
        assert!(matches!(
            s.login("amy", &pw, &from("10.1.1.1")).await,
            Err(Error::AddressRefused)
        ));
        s.login("amy", &pw, &from("10.7.1.1")).await.unwrap();
        s.login("ben", &pw, &from("10.1.1.1")).await.unwrap();
        s.login("ops", &secret("ops-password"), &from("10.1.1.1"))
            .await
            .unwrap();
        // Deny wins inside the allowed network too.
        s.create_ip_rule(&admin, ip_rule(Some(a.id), "deny", "10.7.7.7"))
            .await
            .unwrap();
        assert!(matches!(
            s.login("amy", &pw, &from("10.7.7.7")).await,
            Err(Error::AddressRefused)
        ));
        // IPv6 networks work the same way.
        s.create_ip_rule(&ops, ip_rule(Some(b.id), "allow", "2001:db8::/32"))
            .await
            .unwrap();
        s.login("ben", &pw, &from("2001:db8::42")).await.unwrap();
        assert!(matches!(
            s.login("ben", &pw, &from("2001:db9::42")).await,
            Err(Error::AddressRefused)
        ));
        // Every request is judged too, not only the sign-in.
        assert!(!s
            .address_admitted(Some(a.id), Some("10.1.1.1"))
            .await
            .unwrap());
        assert!(s
            .address_admitted(Some(a.id), Some("10.7.1.1"))
            .await
            .unwrap());

        // Domain admins see and change only their domain's rules.
        let seen: Vec<Option<i64>> = s
            .list_ip_rules(&admin)
            .await
            .unwrap()
            .iter()
            .map(|r| r.domain_id)
            .collect();
        assert_eq!(seen, [Some(a.id), Some(a.id)]);
        assert!(matches!(
            s.create_ip_rule(&admin, ip_rule(Some(b.id), "deny", "10.9.0.0/16"))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.delete_ip_rule(&admin, deny.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(s.list_ip_rules(&ops).await.unwrap().len(), 4);
        s.delete_ip_rule(&admin, allow.id).await.unwrap();
        s.login("amy", &pw, &from("10.1.1.1")).await.unwrap();

        // Refused sign-ins are audited as such.
        let rows = audit_rows(&t).await;
        assert!(rows
            .iter()
            .any(|r| r.action == "auth.login" && r.outcome == "denied" && r.details == "address"));
    }
);

db_test!(
    the_audit_log_is_filtered_paged_and_scoped_to_the_callers_tenants,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
        let b = s.create_domain(&ops, domain("beta")).await.unwrap();
        let a1 = s.create_vdc(&ops, vdc(a.id, "alpha-one")).await.unwrap();
        let b1 = s.create_vdc(&ops, vdc(b.id, "beta-one")).await.unwrap();
        s.update_vdc(&ops, a1.id, vdc(a.id, "alpha-one"))
            .await
            .unwrap();
        s.update_vdc(&ops, b1.id, vdc(b.id, "beta-one"))
            .await
            .unwrap();
        let admin_id = s
            .create_user_with_role(
                "alpha-admin",
                "A",
                &secret("pw-alpha-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
            )
            .await
            .unwrap();
        let admin = s.principal(admin_id).await.unwrap().unwrap();
        let user_id = s
            .create_user_with_role(
                "one-user",
                "U",
                &secret("pw-one-1"),
                Some((
                    RoleType::VdcUser,
                    Scope::Vdc {
                        domain_id: a.id,
                        vdc_id: a1.id,
                    },
                )),
            )
            .await
            .unwrap();
        let user = s.principal(user_id).await.unwrap().unwrap();
        // A denial, and a failed sign-in.
        assert!(s.create_domain(&admin, domain("nope")).await.is_err());
        assert!(s
            .login("alpha-admin", &secret("wrong"), &meta())
            .await
            .is_err());

        let all = |q: berth_api::AuditQuery| {
            let s = s.clone();
            let who = ops.clone();
            async move { s.list_audit(&who, &q).await.unwrap() }
        };
        let everything = all(berth_api::AuditQuery::default()).await;
        assert!(everything.total >= 8, "{}", everything.total);
        assert!(
            everything.items.windows(2).all(|w| w[0].id > w[1].id),
            "newest first"
        );
        let denied = all(berth_api::AuditQuery {
            outcome: "denied".into(),
            ..Default::default()
        })
        .await;
        assert!(denied.items.iter().all(|e| e.outcome == "denied"));
        assert!(denied
            .items
            .iter()
            .any(|e| e.action == "domain.create" && e.username == "alpha-admin"));
        let logins = all(berth_api::AuditQuery {
            user: "ALPHA".into(),
            action: "auth.login".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(logins.total, 1);
        assert_eq!(logins.items[0].outcome, "failed");
        let paged = all(berth_api::AuditQuery {
            per_page: 2,
            page: 2,
            ..Default::default()
        })
        .await;
        assert_eq!((paged.items.len(), paged.total), (2, everything.total));
        let today = chrono::Utc::now().date_naive();
        let tomorrow = (today + chrono::Duration::days(1)).to_string();
        assert_eq!(
            all(berth_api::AuditQuery {
                from: tomorrow,
                ..Default::default()
            })
            .await
            .total,
            0
        );
        assert_eq!(
            all(berth_api::AuditQuery {
                from: today.to_string(),
                to: today.to_string(),
                ..Default::default()
            })
            .await
            .total,
            everything.total
        );
        let e = s
            .list_audit(
                &ops,
                &berth_api::AuditQuery {
                    outcome: "maybe".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("outcome".into(), ErrorCode::Invalid)]
        );

        // A domain admin: alpha and its VDCs, nothing of beta or the platform.
        let theirs = s
            .list_audit(&admin, &berth_api::AuditQuery::default())
            .await
            .unwrap();
        assert!(theirs.total >= 2, "{theirs:?}");
        for e in &theirs.items {
            let ok = (e.scope_kind.as_deref() == Some("domain") && e.scope_id == Some(a.id))
                || (e.scope_kind.as_deref() == Some("vdc") && e.scope_id == Some(a1.id));
            assert!(ok, "a domain admin sees {e:?}");
        }
        assert!(theirs
            .items
            .iter()
            .any(|e| e.scope_kind.as_deref() == Some("vdc")));
        // A VDC user: that VDC only.
        let mine = s
            .list_audit(&user, &berth_api::AuditQuery::default())
            .await
            .unwrap();
        assert!(mine.total >= 1);
        assert!(mine
            .items
            .iter()
            .all(|e| e.scope_kind.as_deref() == Some("vdc") && e.scope_id == Some(a1.id)));

        // Export: the same scoping; VDC roles may not export; it is audited.
        let (rows, total) = s
            .export_audit(&admin, &berth_api::AuditQuery::default())
            .await
            .unwrap();
        assert_eq!((rows.len() as i64, total), (theirs.total, theirs.total));
        let csv = berth_core::services::audit_log::to_csv(&rows);
        assert!(
            csv.starts_with("time,user,source,action,target,scope,outcome,request_id,details\r\n")
        );
        assert!(!csv.contains("beta"), "{csv}");
        assert!(matches!(
            s.export_audit(&user, &berth_api::AuditQuery::default())
                .await,
            Err(Error::Forbidden)
        ));
        let exports = all(berth_api::AuditQuery {
            action: "audit.export".into(),
            ..Default::default()
        })
        .await;
        assert_eq!(exports.total, 2, "the export and the refused one");
    }
);

db_test!(
    two_factor_sign_in_takes_each_code_once_and_can_be_required,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let d = s.create_domain(&ops, domain("tf")).await.unwrap();
        let amy = s
            .create_user(&ops, user_input("amy", Some(d.id)))
            .await
            .unwrap();
        let me = s
            .login("amy", &secret("first-password-1"), &meta())
            .await
            .unwrap();
        let status = s.two_factor_status(&me).await.unwrap();
        assert!(!status.enabled && !status.required);

        // Enrolment: a wrong code is refused, the right one turns it on.
        let setup = s
            .begin_totp(&me, &secret("first-password-1"), "")
            .await
            .unwrap();
        assert!(setup.uri.contains(&setup.secret));
        assert!(setup.qr_image.starts_with("data:image/svg+xml;base64,"));
        let e = s.confirm_totp(&me, "12345x").await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        assert!(!s.totp_enabled(amy.id).await.unwrap());
        let first = step_now();
        let recovery = s
            .confirm_totp(&me, &totp_code(&setup.secret, first))
            .await
            .unwrap();
        assert_eq!(recovery.len(), 10);
        assert!(s.totp_enabled(amy.id).await.unwrap());

        // Signing in: the code used to enrol is spent; a newer one works once.
        let e = s
            .verify_second_factor(amy.id, &totp_code(&setup.secret, first), &meta())
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        let next = totp_code(&setup.secret, first + 1);
        let p = s
            .verify_second_factor(amy.id, &next, &meta())
            .await
            .unwrap();
        assert_eq!(p.username, "amy");
        assert!(s
            .verify_second_factor(amy.id, &next, &meta())
            .await
            .is_err());
        // Recovery codes work once each, typed loosely.
        s.verify_second_factor(amy.id, &recovery[0].to_uppercase(), &meta())
            .await
            .unwrap();
        assert!(s
            .verify_second_factor(amy.id, &recovery[0], &meta())
            .await
            .is_err());

        // Required for the domain: a member without it is held to enrolment;
        // amy may not turn hers off.
        let dom_admin_id = s
            .create_user_with_role(
                "tf-admin",
                "A",
                &secret("pw-tf-admin"),
                Some((RoleType::DomainAdmin, Scope::Domain(d.id))),
            )
            .await
            .unwrap();
        let dom_admin = s.principal(dom_admin_id).await.unwrap().unwrap();
        let required = berth_api::TwoFactorPolicy {
            required_role_types: vec![],
            required_domains: vec![d.id],
        };
        assert!(matches!(
            s.set_two_factor_policy(&dom_admin, required.clone()).await,
            Err(Error::Forbidden)
        ));
        let e = s
            .set_two_factor_policy(
                &ops,
                berth_api::TwoFactorPolicy {
                    required_domains: vec![999_999],
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("required_domains".into(), ErrorCode::NotFound)]
        );
        s.set_two_factor_policy(&ops, required).await.unwrap();
        let ben = s
            .create_user(&ops, user_input("ben", Some(d.id)))
            .await
            .unwrap();
        assert!(s.principal(ben.id).await.unwrap().unwrap().must_enroll_2fa);
        assert!(!s.principal(amy.id).await.unwrap().unwrap().must_enroll_2fa);
        assert!(!ops.must_enroll_2fa, "operators are not in the domain");
        assert!(matches!(
            s.disable_totp(&me, &secret("first-password-1"), &recovery[1])
                .await,
            Err(Error::Conflict { .. })
        ));
        // By role type too.
        s.set_two_factor_policy(
            &ops,
            berth_api::TwoFactorPolicy {
                required_role_types: vec![berth_api::permission::RoleType::DomainAdmin],
                required_domains: vec![],
            },
        )
        .await
        .unwrap();
        assert!(
            s.principal(dom_admin_id)
                .await
                .unwrap()
                .unwrap()
                .must_enroll_2fa
        );
        assert!(!s.principal(ben.id).await.unwrap().unwrap().must_enroll_2fa);

        // Not required any more: off with a code, and sign-in asks no more.
        s.disable_totp(&me, &secret("first-password-1"), &recovery[1])
            .await
            .unwrap();
        assert!(!s.totp_enabled(amy.id).await.unwrap());

        // Wrong codes count towards the lockout, like wrong passwords.
        let me = s
            .login("ben", &secret("first-password-1"), &meta())
            .await
            .unwrap();
        let setup = s
            .begin_totp(&me, &secret("first-password-1"), "")
            .await
            .unwrap();
        s.confirm_totp(&me, &totp_code(&setup.secret, step_now()))
            .await
            .unwrap();
        for _ in 0..5 {
            assert!(s
                .verify_second_factor(ben.id, "abcdef", &meta())
                .await
                .is_err());
        }
        assert!(matches!(
            s.verify_second_factor(ben.id, &totp_code(&setup.secret, step_now() + 1), &meta())
                .await,
            Err(Error::Locked { .. })
        ));
    }
);

db_test!(
    a_users_grants_are_listed_where_the_caller_may_see_them,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
        let b = s.create_domain(&ops, domain("beta")).await.unwrap();
        let a1 = s.create_vdc(&ops, vdc(a.id, "alpha-one")).await.unwrap();
        let b1 = s.create_vdc(&ops, vdc(b.id, "beta-one")).await.unwrap();
        let roles = s.list_roles(&ops).await.unwrap();
        let vdc_user = roles.iter().find(|r| r.name == "vdc-user").unwrap().id;
        let holder = s
            .create_user_with_role("holder", "H", &secret("pw-holder-1"), None)
            .await
            .unwrap();
        s.grant_role(&ops, grant(holder, vdc_user, "vdc", Some(a1.id)))
            .await
            .unwrap();
        s.grant_role(&ops, grant(holder, vdc_user, "vdc", Some(b1.id)))
            .await
            .unwrap();
        let admin_id = s
            .create_user_with_role(
                "alpha-admin",
                "A",
                &secret("pw-alpha-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
            )
            .await
            .unwrap();
        let admin = s.principal(admin_id).await.unwrap().unwrap();
        let scopes =
            |g: Vec<berth_api::Grant>| g.into_iter().map(|g| g.scope_id).collect::<Vec<_>>();
        assert_eq!(
            scopes(s.list_user_grants(&ops, holder).await.unwrap()),
            [Some(a1.id), Some(b1.id)]
        );
        assert_eq!(
            scopes(s.list_user_grants(&admin, holder).await.unwrap()),
            [Some(a1.id)],
            "only grants inside the admin's domain"
        );
        let viewer = s.principal(holder).await.unwrap().unwrap();
        assert!(matches!(
            s.list_user_grants(&viewer, holder).await,
            Err(Error::Forbidden)
        ));
    }
);

db_test!(
    sso_sign_in_creates_the_user_once_and_grants_their_groups_roles,
    |t: TestDb| async move {
        use berth_core::services::sso::{SsoGrant, SsoIdentity, SsoScope};
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("acme")).await.unwrap();
        let web = s.create_vdc(&ops, vdc(a.id, "web")).await.unwrap();
        let grants = [
            SsoGrant {
                group: "web-devs".into(),
                role: "vdc-user".into(),
                scope: SsoScope::Vdc {
                    domain: "acme".into(),
                    vdc: "web".into(),
                },
            },
            // Names nothing: skipped, not an error.
            SsoGrant {
                group: "ghosts".into(),
                role: "no-such-role".into(),
                scope: SsoScope::Platform,
            },
        ];
        let carol = |username: &'static str, name: &'static str| SsoIdentity {
            issuer: "https://idp.example",
            subject: "sub-carol",
            username,
            display_name: name,
        };
        let p = s
            .sso_sign_in(&carol("carol", "Carol C"), &grants, &meta())
            .await
            .unwrap();
        assert_eq!(
            (p.username.as_str(), p.display_name.as_str()),
            ("carol", "Carol C")
        );
        assert_eq!(p.bindings.len(), 1);
        assert_eq!(
            p.bindings[0].scope,
            Scope::Vdc {
                domain_id: a.id,
                vdc_id: web.id
            }
        );
        // Again: the same user, the grant not doubled.
        let again = s
            .sso_sign_in(&carol("carol", "Carol C"), &grants, &meta())
            .await
            .unwrap();
        assert_eq!((again.user_id, again.bindings.len()), (p.user_id, 1));
        // The unusable password signs nobody in.
        assert!(s.login("carol", &secret(""), &meta()).await.is_err());
        // A name that is no Berth username is refused.
        let odd = SsoIdentity {
            subject: "sub-odd",
            ..carol("Carol Smith", "")
        };
        assert!(matches!(
            s.sso_sign_in(&odd, &[], &meta()).await,
            Err(Error::Validation(_))
        ));
        // Disabled users stay out.
        s.set_user_disabled(&ops, p.user_id, true).await.unwrap();
        assert!(matches!(
            s.sso_sign_in(&carol("carol", ""), &[], &meta()).await,
            Err(Error::Unauthenticated)
        ));
    }
);
