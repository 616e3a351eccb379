//! Account security, tried as an attacker inside one tenant would (issue
//! 11): managing or granting to users the caller does not fully reach,
//! single sign-on that must not capture local accounts, second-factor and
//! password guessing, creating into another tenant, sessions at rest, and
//! hostile input. Every test runs on SQLite, PostgreSQL and MariaDB.

mod common;

use common::{field_codes, operator, secret, step_now, totp_code};

use berth_api::{
    DomainInput, ErrorCode, GrantInput, ListQuery, TwoFactorPolicy, UserInput, UserUpdate, VdcInput,
};
use berth_core::{
    auth::{Principal, RequestMeta, RoleType, Scope},
    db::session_store::{DbSessionStore, PUBLIC_ID_KEY, SIGNED_IN_KEY, USER_ID_KEY},
    db_test,
    services::sso::{SsoGrant, SsoIdentity, SsoScope},
    testing::TestDb,
    Error, Services,
};
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};

const FIRST_PASSWORD: &str = "first-password-1";

async fn services(t: &TestDb) -> Services {
    common::services(t, berth_core::testing::keyring()).await
}

fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "req-sec".into(),
        source: Some("192.0.2.9".into()),
        session: None,
    }
}

fn domain(name: &str) -> DomainInput {
    DomainInput {
        name: name.into(),
        display_name: name.into(),
        description: String::new(),
    }
}

fn vdc(domain_id: i64, name: &str) -> VdcInput {
    VdcInput {
        domain_id,
        name: name.into(),
        display_name: name.into(),
        description: String::new(),
    }
}

fn user(username: &str, domain_id: Option<i64>) -> UserInput {
    UserInput {
        username: username.into(),
        display_name: format!("User {username}"),
        email: String::new(),
        phone: String::new(),
        domain_id,
        password: FIRST_PASSWORD.into(),
    }
}

/// The built-in role of `t`'s id.
async fn builtin(s: &Services, ops: &Principal, t: RoleType) -> i64 {
    s.list_roles(ops)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == t.builtin_role_name())
        .unwrap()
        .id
}

/// Grants `t`'s built-in role to `user_id` at `scope` (as the operator).
async fn grant(s: &Services, ops: &Principal, user_id: i64, t: RoleType, scope: Scope) {
    let (kind, id) = scope.columns();
    s.grant_role(
        ops,
        GrantInput {
            user_id,
            role_id: builtin(s, ops, t).await,
            scope_kind: kind.into(),
            scope_id: id,
        },
    )
    .await
    .unwrap();
}

/// A user homed in `domain_id`, holding `t` at `scope`, signed in.
async fn member(
    s: &Services,
    ops: &Principal,
    name: &str,
    domain_id: Option<i64>,
    role: Option<(RoleType, Scope)>,
) -> Principal {
    let u = s.create_user(ops, user(name, domain_id)).await.unwrap();
    if let Some((t, scope)) = role {
        grant(s, ops, u.id, t, scope).await;
    }
    s.principal(u.id).await.unwrap().unwrap()
}

/// A live session for `user_id` in the database, as a sign-in leaves one.
async fn session_for(t: &TestDb, user_id: i64) -> Record {
    let store = DbSessionStore::new(t.db.clone());
    let now = time::OffsetDateTime::now_utc();
    let mut record = Record {
        id: Id::default(),
        data: [
            (USER_ID_KEY.to_owned(), serde_json::json!(user_id)),
            (
                PUBLIC_ID_KEY.to_owned(),
                serde_json::json!(uuid::Uuid::new_v4().simple().to_string()),
            ),
            (
                SIGNED_IN_KEY.to_owned(),
                serde_json::json!(now.unix_timestamp()),
            ),
        ]
        .into_iter()
        .collect(),
        expiry_date: now + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    record
}

async fn live(t: &TestDb, record: &Record) -> bool {
    DbSessionStore::new(t.db.clone())
        .load(&record.id)
        .await
        .unwrap()
        .is_some()
}

/// The whole answer, for comparing two refusals as a client sees them.
fn seen(e: Error) -> berth_api::AppError {
    e.into_app_error("-")
}

/// Two tenants: domains `alpha` (with VDC `a-one`) and `beta` (with VDC
/// `b-one`), and `alpha-admin`, homed in alpha and its domain admin.
struct Tenants {
    s: Services,
    ops: Principal,
    a: berth_api::Domain,
    b: berth_api::Domain,
    /// The id of VDC `a-one`.
    a1: i64,
    in_a1: Scope,
    in_b1: Scope,
    admin: Principal,
}

async fn tenants(t: &TestDb) -> Tenants {
    let s = services(t).await;
    let ops = operator(&s).await;
    let a = s.create_domain(&ops, domain("alpha")).await.unwrap();
    let b = s.create_domain(&ops, domain("beta")).await.unwrap();
    let a1 = s.create_vdc(&ops, vdc(a.id, "a-one")).await.unwrap();
    let b1 = s.create_vdc(&ops, vdc(b.id, "b-one")).await.unwrap();
    let admin = member(
        &s,
        &ops,
        "alpha-admin",
        Some(a.id),
        Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
    )
    .await;
    Tenants {
        a1: a1.id,
        in_a1: Scope::Vdc {
            domain_id: a.id,
            vdc_id: a1.id,
        },
        in_b1: Scope::Vdc {
            domain_id: b.id,
            vdc_id: b1.id,
        },
        s,
        ops,
        a,
        b,
        admin,
    }
}

db_test!(
    a_domain_admin_manages_only_users_whose_every_role_they_reach,
    |t: TestDb| async move {
        let Tenants {
            s,
            ops,
            a,
            in_a1,
            in_b1,
            admin,
            ..
        } = tenants(&t).await;
        // Homed in alpha, but an operator: resetting their password would
        // hand the domain admin the whole platform.
        let staff = member(
            &s,
            &ops,
            "alpha-ops",
            Some(a.id),
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await;
        // Homed in alpha, holding a role in beta.
        let split = member(
            &s,
            &ops,
            "alpha-split",
            Some(a.id),
            Some((RoleType::VdcUser, in_b1)),
        )
        .await;
        // Homed in alpha, a role in alpha only: the domain admin's to manage.
        let plain = member(
            &s,
            &ops,
            "alpha-plain",
            Some(a.id),
            Some((RoleType::VdcAdmin, in_a1)),
        )
        .await;

        for target in [&staff, &split] {
            let id = target.user_id;
            assert!(
                matches!(
                    s.reset_password(&admin, id, &secret("taken-over-9")).await,
                    Err(Error::Forbidden)
                ),
                "reset {}",
                target.username
            );
            assert!(matches!(
                s.set_user_disabled(&admin, id, true).await,
                Err(Error::Forbidden)
            ));
            let edit = UserUpdate {
                display_name: "Renamed".into(),
                ..Default::default()
            };
            assert!(matches!(
                s.update_user(&admin, id, edit).await,
                Err(Error::Forbidden)
            ));
            assert!(matches!(
                s.delete_user(&admin, id).await,
                Err(Error::Forbidden)
            ));
            // Nothing changed: the old password still signs them in.
            let back = s
                .login(&target.username, &secret(FIRST_PASSWORD), &meta())
                .await
                .unwrap();
            assert_eq!(back.display_name, format!("User {}", target.username));
        }

        // Not themselves either, through the admin path.
        assert!(matches!(
            s.reset_password(&admin, admin.user_id, &secret("my-own-new-9"))
                .await,
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            s.delete_user(&admin, admin.user_id).await,
            Err(Error::Conflict { .. })
        ));

        // A user wholly inside alpha: reset ends every session they had.
        let open = session_for(&t, plain.user_id).await;
        assert!(live(&t, &open).await);
        s.reset_password(&admin, plain.user_id, &secret("second-password-2"))
            .await
            .unwrap();
        assert!(!live(&t, &open).await, "a reset ends the user's sessions");
        let edited = s
            .update_user(
                &admin,
                plain.user_id,
                UserUpdate {
                    display_name: "Plain Person".into(),
                    email: "plain@example.com".into(),
                    phone: String::new(),
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.display_name, "Plain Person");
        let e = s
            .update_user(
                &admin,
                plain.user_id,
                UserUpdate {
                    display_name: "Bad\u{0}Name".into(),
                    email: "nope".into(),
                    phone: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("display_name".into(), ErrorCode::Invalid),
                ("email".into(), ErrorCode::Invalid)
            ]
        );

        // The operator reaches everyone.
        s.reset_password(&ops, staff.user_id, &secret("ops-chosen-3"))
            .await
            .unwrap();
        s.delete_user(&admin, plain.user_id).await.unwrap();
        assert!(s.principal(plain.user_id).await.unwrap().is_none());
        assert!(matches!(
            s.login("alpha-plain", &secret("second-password-2"), &meta())
                .await,
            Err(Error::Unauthenticated)
        ));
    }
);

db_test!(
    grants_name_only_users_the_granter_may_see,
    |t: TestDb| async move {
        let Tenants {
            s,
            ops,
            a,
            b,
            a1,
            in_a1,
            admin,
            ..
        } = tenants(&t).await;
        let vdc_admin = member(
            &s,
            &ops,
            "a1-admin",
            Some(a.id),
            Some((RoleType::VdcAdmin, in_a1)),
        )
        .await;
        let alien = member(&s, &ops, "beta-person", Some(b.id), None).await;
        let staff = member(&s, &ops, "platform-staff", None, None).await;
        let staff_in_a1 = member(
            &s,
            &ops,
            "staff-in-a1",
            None,
            Some((RoleType::VdcUser, in_a1)),
        )
        .await;
        let local = member(&s, &ops, "alpha-person", Some(a.id), None).await;
        let vdc_user = builtin(&s, &ops, RoleType::VdcUser).await;
        let to = |user_id: i64| GrantInput {
            user_id,
            role_id: vdc_user,
            scope_kind: "vdc".into(),
            scope_id: Some(a1),
        };

        for granter in [&admin, &vdc_admin] {
            let nobody = seen(s.grant_role(granter, to(999_999)).await.unwrap_err());
            assert!(matches!(nobody, berth_api::AppError::Validation { .. }));
            for hidden in [&alien, &staff] {
                let answer = seen(s.grant_role(granter, to(hidden.user_id)).await.unwrap_err());
                assert_eq!(
                    answer, nobody,
                    "{} granting to {} answers like a missing user",
                    granter.username, hidden.username
                );
                assert!(!format!("{answer:?}").contains(&hidden.username));
            }
            assert!(s
                .list_user_grants(granter, alien.user_id)
                .await
                .unwrap()
                .is_empty());
        }
        // Users of the granter's domain, and those already holding a role
        // where the granter grants, can be named.
        let g = s.grant_role(&admin, to(local.user_id)).await.unwrap();
        assert_eq!(g.username, "alpha-person");
        s.revoke_role(&admin, g.id).await.unwrap();
        s.grant_role(&vdc_admin, to(local.user_id)).await.unwrap();
        let custom = s
            .create_role(
                &ops,
                berth_api::RoleInput {
                    name: "viewer".into(),
                    role_type: "vdc_user".into(),
                    permissions: vec!["vdc.read".into()],
                },
            )
            .await
            .unwrap();
        s.grant_role(
            &admin,
            GrantInput {
                role_id: custom.id,
                ..to(staff_in_a1.user_id)
            },
        )
        .await
        .unwrap();
        // Operators grant to anyone.
        s.grant_role(&ops, to(alien.user_id)).await.unwrap();
    }
);

db_test!(
    single_sign_on_links_by_issuer_and_subject_and_never_captures_a_local_account,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let acme = s.create_domain(&ops, domain("acme")).await.unwrap();
        let web = s.create_vdc(&ops, vdc(acme.id, "web")).await.unwrap();
        const IDP: &str = "https://idp.example";
        let id = |subject: &'static str, username: &'static str| SsoIdentity {
            issuer: IDP,
            subject,
            username,
            display_name: "",
        };

        // A provider account calling itself `ops` is not Berth's ops.
        let e = s
            .sso_sign_in(&id("sub-evil", "ops"), &[], &meta())
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                Error::Conflict {
                    code: ErrorCode::Taken,
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            s.principal(ops.user_id).await.unwrap().unwrap().username,
            "ops"
        );

        // First sign-in makes and links an account; the subject, not the
        // username claim, finds it again.
        let dave = s
            .sso_sign_in(&id("sub-dave", "dave"), &[], &meta())
            .await
            .unwrap();
        let renamed = s
            .sso_sign_in(&id("sub-dave", "dave-renamed"), &[], &meta())
            .await
            .unwrap();
        assert_eq!(
            (renamed.user_id, renamed.username.as_str()),
            (dave.user_id, "dave")
        );
        // Another subject, or the same subject at another issuer, claiming
        // `dave` is refused.
        assert!(matches!(
            s.sso_sign_in(&id("sub-other", "dave"), &[], &meta()).await,
            Err(Error::Conflict { .. })
        ));
        let elsewhere = SsoIdentity {
            issuer: "https://other-idp.example",
            ..id("sub-dave", "dave")
        };
        assert!(matches!(
            s.sso_sign_in(&elsewhere, &[], &meta()).await,
            Err(Error::Conflict { .. })
        ));

        // Operators may link an account explicitly; a domain admin may not.
        let admin = member(
            &s,
            &ops,
            "acme-admin",
            Some(acme.id),
            Some((RoleType::DomainAdmin, Scope::Domain(acme.id))),
        )
        .await;
        let erin = member(&s, &ops, "erin", Some(acme.id), None).await;
        assert!(matches!(
            s.link_sso_identity(&admin, erin.user_id, IDP, "sub-erin")
                .await,
            Err(Error::Forbidden)
        ));
        s.link_sso_identity(&ops, erin.user_id, IDP, "sub-erin")
            .await
            .unwrap();
        let p = s
            .sso_sign_in(&id("sub-erin", "whatever"), &[], &meta())
            .await
            .unwrap();
        assert_eq!(p.user_id, erin.user_id);
        assert!(matches!(
            s.link_sso_identity(&ops, dave.user_id, IDP, "sub-erin")
                .await,
            Err(Error::Conflict { .. })
        ));

        // Group-brought roles carry their group and leave with it; roles
        // granted in Berth stay.
        let devs = SsoGrant {
            group: "web-devs".into(),
            role: "vdc-user".into(),
            scope: SsoScope::Vdc {
                domain: "acme".into(),
                vdc: "web".into(),
            },
        };
        let p = s
            .sso_sign_in(
                &id("sub-dave", "dave"),
                std::slice::from_ref(&devs),
                &meta(),
            )
            .await
            .unwrap();
        assert_eq!(p.bindings.len(), 1);
        let p = s
            .sso_sign_in(&id("sub-dave", "dave"), &[], &meta())
            .await
            .unwrap();
        assert!(p.bindings.is_empty(), "the group left the token");
        grant(
            &s,
            &ops,
            dave.user_id,
            RoleType::VdcAdmin,
            Scope::Vdc {
                domain_id: acme.id,
                vdc_id: web.id,
            },
        )
        .await;
        let p = s
            .sso_sign_in(&id("sub-dave", "dave"), &[], &meta())
            .await
            .unwrap();
        assert_eq!(p.bindings.len(), 1);
        assert_eq!(p.bindings[0].role_type, RoleType::VdcAdmin);

        // Deleting the account removes its link: the subject starts afresh.
        s.delete_user(&ops, dave.user_id).await.unwrap();
        let again = s
            .sso_sign_in(&id("sub-dave", "dave"), &[], &meta())
            .await
            .unwrap();
        assert_ne!(again.user_id, dave.user_id);
        assert!(again.bindings.is_empty());
    }
);

db_test!(
    wrong_codes_and_current_passwords_count_towards_the_lockout,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        s.put_setting("lockout.max_failures", "3").await.unwrap();
        let d = s.create_domain(&ops, domain("tf")).await.unwrap();
        let me = member(&s, &ops, "gus", Some(d.id), None).await;
        let me = Principal {
            request: meta(),
            ..me
        };
        let pw = secret(FIRST_PASSWORD);

        // Setting up needs the password.
        let e = s
            .begin_totp(&me, &secret("not-my-password"), "")
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("password".into(), ErrorCode::WrongPassword)]
        );
        let setup = s.begin_totp(&me, &pw, "").await.unwrap();
        let first = step_now();
        s.confirm_totp(&me, &totp_code(&setup.secret, first))
            .await
            .unwrap();
        s.lift_lock(&ops, "gus").await.unwrap();

        // Each sign-in passes the password and fails the code: the right
        // password no longer wipes the count, so the third wrong code locks.
        for _ in 0..3 {
            s.login("gus", &pw, &meta()).await.unwrap();
            let e = s
                .verify_second_factor(me.user_id, "000000", &meta())
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Validation(_)));
        }
        assert!(matches!(
            s.login("gus", &pw, &meta()).await,
            Err(Error::Locked { .. })
        ));
        s.lift_lock(&ops, "gus").await.unwrap();

        // Re-enrolling needs a current code as well; turning off needs both.
        let e = s.begin_totp(&me, &pw, "").await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        let e = s.disable_totp(&me, &pw, "123456").await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        let e = s
            .disable_totp(
                &me,
                &secret("guess-1"),
                &totp_code(&setup.secret, first + 1),
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("password".into(), ErrorCode::WrongPassword)]
        );
        // That was the third failure: locked, even with both right.
        assert!(matches!(
            s.disable_totp(&me, &pw, &totp_code(&setup.secret, first + 1))
                .await,
            Err(Error::Locked { .. })
        ));
        assert!(s.totp_enabled(me.user_id).await.unwrap());
        s.lift_lock(&ops, "gus").await.unwrap();
        let moved = s
            .begin_totp(&me, &pw, &totp_code(&setup.secret, first + 1))
            .await
            .unwrap();
        assert!(
            s.totp_enabled(me.user_id).await.unwrap(),
            "the old factor stays on until the new one is confirmed"
        );
        s.confirm_totp(&me, &totp_code(&moved.secret, step_now()))
            .await
            .unwrap();

        // Changing one's password is throttled like signing in.
        for _ in 0..3 {
            let e = s
                .change_own_password(&me, &secret("wrong-guess"), &secret("New-password-77"))
                .await
                .unwrap_err();
            assert_eq!(
                field_codes(&e),
                vec![("current_password".into(), ErrorCode::WrongPassword)]
            );
        }
        assert!(matches!(
            s.change_own_password(&me, &pw, &secret("New-password-77"))
                .await,
            Err(Error::Locked { .. })
        ));
    }
);

db_test!(
    creating_into_another_tenant_is_answered_as_missing,
    |t: TestDb| async move {
        let Tenants {
            s,
            ops,
            a,
            b,
            admin,
            ..
        } = tenants(&t).await;
        let beta_admin = member(
            &s,
            &ops,
            "beta-admin",
            Some(b.id),
            Some((RoleType::DomainAdmin, Scope::Domain(b.id))),
        )
        .await;
        const MARK: &str = "attacker-was-here";
        for domain_id in [b.id, 999_999] {
            assert!(matches!(
                s.create_vdc(&admin, vdc(domain_id, MARK)).await,
                Err(Error::NotFound)
            ));
            assert!(matches!(
                s.create_user(&admin, user(MARK, Some(domain_id))).await,
                Err(Error::NotFound)
            ));
            let rule = berth_api::IpRuleInput {
                domain_id: Some(domain_id),
                action: "deny".into(),
                cidr: "203.0.113.0/24".into(),
                description: MARK.into(),
            };
            assert!(matches!(
                s.create_ip_rule(&admin, rule).await,
                Err(Error::NotFound)
            ));
        }
        // Beta's audit log holds nothing the attacker typed.
        let log = s
            .list_audit(
                &beta_admin,
                &berth_api::AuditQuery {
                    per_page: 200,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(log.items.iter().all(|e| !format!("{e:?}").contains(MARK)));
        // Inside its own domain the admin creates as before.
        s.create_vdc(&admin, vdc(a.id, "a-new")).await.unwrap();

        // The 2FA policy shows a domain admin only their own domains.
        s.set_two_factor_policy(
            &ops,
            TwoFactorPolicy {
                required_role_types: vec![],
                required_domains: vec![a.id, b.id],
            },
        )
        .await
        .unwrap();
        let seen_by_admin = s.two_factor_policy_for(&admin).await.unwrap();
        assert_eq!(seen_by_admin.required_domains, vec![a.id]);
        assert_eq!(
            s.two_factor_policy_for(&ops)
                .await
                .unwrap()
                .required_domains,
            vec![a.id, b.id]
        );

        // Role counts on the roles page: only the caller's tenants.
        let counts = |roles: Vec<berth_api::Role>| {
            roles
                .into_iter()
                .find(|r| r.name == "domain-admin")
                .unwrap()
                .binding_count
        };
        assert_eq!(counts(s.list_roles(&ops).await.unwrap()), 2);
        assert_eq!(counts(s.list_roles(&admin).await.unwrap()), 1);
    }
);

db_test!(
    deleting_a_domain_or_vdc_takes_its_role_bindings_along,
    |t: TestDb| async move {
        use berth_core::db::schema::RoleBindings as B;
        use sea_query::{Expr, Func, Query};
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s.create_domain(&ops, domain("gone")).await.unwrap();
        let a1 = s.create_vdc(&ops, vdc(a.id, "gone-vdc")).await.unwrap();
        let u = member(&s, &ops, "holder", None, None).await;
        grant(
            &s,
            &ops,
            u.user_id,
            RoleType::VdcUser,
            Scope::Vdc {
                domain_id: a.id,
                vdc_id: a1.id,
            },
        )
        .await;
        grant(
            &s,
            &ops,
            u.user_id,
            RoleType::DomainAdmin,
            Scope::Domain(a.id),
        )
        .await;
        let count = |kind: &'static str, id: i64| {
            let db = t.db.clone();
            async move {
                let n: i64 = db
                    .fetch_scalar(
                        Query::select()
                            .expr(Func::count(Expr::col(B::Id)))
                            .from(B::Table)
                            .and_where(Expr::col(B::ScopeKind).eq(kind))
                            .and_where(Expr::col(B::ScopeId).eq(id)),
                    )
                    .await
                    .unwrap();
                n
            }
        };
        assert_eq!(count("vdc", a1.id).await, 1);
        s.delete_vdc(&ops, a1.id).await.unwrap();
        assert_eq!(count("vdc", a1.id).await, 0);
        assert_eq!(count("domain", a.id).await, 1);
        s.delete_domain(&ops, a.id).await.unwrap();
        assert_eq!(count("domain", a.id).await, 0);
        assert!(s
            .principal(u.user_id)
            .await
            .unwrap()
            .unwrap()
            .bindings
            .is_empty());
    }
);

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
            s.list_users(
                &ops,
                &ListQuery {
                    search: huge.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err(),
            s.list_domains(
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
                .change_node(&ops, 999_999, bad, berth_api::NodeChange::Cordon)
                .await
                .unwrap_err();
            assert_eq!(field_codes(&e)[0].0, "name", "{}", bad.len());
            let e = s.get_node(&ops, 999_999, bad).await.unwrap_err();
            assert_eq!(field_codes(&e)[0].0, "name");
        }
        // A token with a control character is named, not a panic in the
        // HTTP client.
        let e = s
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
        let _ = s.create_vdc(&ops, vdc(999_999, &huge)).await;
        let log = s
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
