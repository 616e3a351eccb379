//! The audit trail: what is recorded, and the log filtered, paged and
//! scoped to the caller's tenants.

//! Run against SQLite, PostgreSQL and MariaDB alike: each test gets its own
//! fresh database per dialect.

mod common;

#[allow(unused_imports)]
use common::*;

use berth_api::{ErrorCode, ListQuery};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    testing::{keyring, TestDb},
    Error,
};

db_test!(
    changes_denials_and_sign_ins_are_audited,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let mut ops = operator(&s).await;
        ops.request = meta();
        s.tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        s.tenancy()
            .create_domain(&ops, domain("Bad_Name"))
            .await
            .unwrap_err();
        let id = s
            .identity()
            .create_user_with_role("nobody", "Nobody", &secret("pw-nobody"), None)
            .await
            .unwrap();
        let mut nobody = s.identity().principal(id).await.unwrap().unwrap();
        nobody.request = meta();
        s.tenancy()
            .create_domain(&nobody, domain("sneaky"))
            .await
            .unwrap_err();
        s.identity()
            .login("ops", &secret("wrong"), &meta())
            .await
            .unwrap_err();
        s.identity()
            .login("ops", &secret("ops-password"), &meta())
            .await
            .unwrap();
        s.identity()
            .login("who-is-this", &secret("x"), &meta())
            .await
            .unwrap_err();
        s.identity().logout(&ops).await;
        // Reads that are allowed leave no record.
        s.tenancy()
            .list_domains(&ops, &ListQuery::default())
            .await
            .unwrap();

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
    the_audit_log_is_filtered_paged_and_scoped_to_the_callers_tenants,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let a = s
            .tenancy()
            .create_domain(&ops, domain("alpha"))
            .await
            .unwrap();
        let b = s
            .tenancy()
            .create_domain(&ops, domain("beta"))
            .await
            .unwrap();
        let a1 = s
            .tenancy()
            .create_vdc(&ops, vdc(a.id, "alpha-one"))
            .await
            .unwrap();
        let b1 = s
            .tenancy()
            .create_vdc(&ops, vdc(b.id, "beta-one"))
            .await
            .unwrap();
        s.tenancy()
            .update_vdc(&ops, a1.id, vdc(a.id, "alpha-one"))
            .await
            .unwrap();
        s.tenancy()
            .update_vdc(&ops, b1.id, vdc(b.id, "beta-one"))
            .await
            .unwrap();
        let admin_id = s
            .identity()
            .create_user_with_role(
                "alpha-admin",
                "A",
                &secret("pw-alpha-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
            )
            .await
            .unwrap();
        let admin = s.identity().principal(admin_id).await.unwrap().unwrap();
        let user_id = s
            .identity()
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
        let user = s.identity().principal(user_id).await.unwrap().unwrap();
        // A denial, and a failed sign-in.
        assert!(s
            .tenancy()
            .create_domain(&admin, domain("nope"))
            .await
            .is_err());
        assert!(s
            .identity()
            .login("alpha-admin", &secret("wrong"), &meta())
            .await
            .is_err());

        let all = |q: berth_api::AuditQuery| {
            let s = s.clone();
            let who = ops.clone();
            async move { s.audit_log().list_audit(&who, &q).await.unwrap() }
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
            .audit_log()
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
            .audit_log()
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
            .audit_log()
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
            .audit_log()
            .export_audit(&admin, &berth_api::AuditQuery::default())
            .await
            .unwrap();
        assert_eq!((rows.len() as i64, total), (theirs.total, theirs.total));
        let csv = berth_core::audit::log::to_csv(&rows);
        assert!(
            csv.starts_with("time,user,source,action,target,scope,outcome,request_id,details\r\n")
        );
        assert!(!csv.contains("beta"), "{csv}");
        assert!(matches!(
            s.audit_log()
                .export_audit(&user, &berth_api::AuditQuery::default())
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
