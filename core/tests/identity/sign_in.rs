//! Signing in: one answer for every failure, the initial admin, sessions
//! in the database, lockout and address rules.

#[allow(unused_imports)]
use super::common::*;

use berth_api::{ErrorCode, ListQuery};
use berth_core::{
    auth::{RoleType, Scope},
    db::session_store::{DbSessionStore, USER_ID_KEY},
    db_test,
    testing::{keyring, TestDb},
    Error,
};
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};

db_test!(
    login_gives_one_answer_for_every_failure,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let ok = s
            .identity()
            .login("ops", &secret("ops-password"), &meta())
            .await
            .unwrap();
        assert_eq!(ok.user_id, ops.user_id);
        assert_eq!(ok.request, meta());
        assert!(matches!(
            s.identity().login("ops", &secret("wrong"), &meta()).await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            s.identity()
                .login("nobody", &secret("ops-password"), &meta())
                .await,
            Err(Error::Unauthenticated)
        ));
    }
);

db_test!(the_initial_admin_is_created_once, |t: TestDb| async move {
    let s = services(&t, keyring()).await;
    let first = s
        .identity()
        .ensure_initial_admin(None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.username, "admin");
    let password = first.generated_password.expect("a generated password");
    let admin = s
        .identity()
        .login("admin", &password, &meta())
        .await
        .unwrap();
    assert_eq!(admin.bindings.len(), 1);
    assert_eq!(admin.bindings[0].scope, Scope::Platform);
    assert!(s
        .identity()
        .ensure_initial_admin(Some(secret("other")))
        .await
        .unwrap()
        .is_none());
});

db_test!(
    a_user_without_bindings_is_refused_everything,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let v = s
            .tenancy()
            .create_vdc(&ops, vdc(d.id, "prod"))
            .await
            .unwrap();
        let id = s
            .identity()
            .create_user_with_role("nobody", "Nobody", &secret("pw-nobody"), None)
            .await
            .unwrap();
        let nobody = s.identity().principal(id).await.unwrap().unwrap();
        assert!(matches!(
            s.tenancy()
                .list_domains(&nobody, &ListQuery::default())
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.tenancy().create_domain(&nobody, domain("x")).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.tenancy().delete_domain(&nobody, d.id).await,
            Err(Error::NotFound)
        ));
        // Another tenant's object by id answers "not found", not "forbidden".
        assert!(matches!(
            s.tenancy().get_vdc(&nobody, v.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.tenancy().delete_vdc(&nobody, v.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            s.tenancy()
                .list_domains(&ops, &ListQuery::default())
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

db_test!(
    repeated_failures_lock_a_name_until_lifted,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        s.identity()
            .put_setting("lockout.max_failures", "3")
            .await
            .unwrap();
        let ip = from("198.51.100.1");
        // A success in between starts the count again.
        for _ in 0..2 {
            assert!(matches!(
                s.identity().login("ops", &secret("wrong"), &ip).await,
                Err(Error::Unauthenticated)
            ));
        }
        s.identity()
            .login("ops", &secret("ops-password"), &ip)
            .await
            .unwrap();
        for _ in 0..3 {
            assert!(matches!(
                s.identity().login("OPS", &secret("wrong"), &ip).await,
                Err(Error::Unauthenticated)
            ));
        }
        // Now even the right password is refused, with the time left.
        match s
            .identity()
            .login("ops", &secret("ops-password"), &ip)
            .await
        {
            Err(Error::Locked { retry_after_secs }) => assert!(
                (800..=900).contains(&retry_after_secs),
                "{retry_after_secs}"
            ),
            other => panic!("expected a lock, got {other:?}"),
        }
        // Unknown names lock the same way, so a lock reveals nothing.
        for _ in 0..3 {
            s.identity()
                .login("ghost", &secret("x"), &ip)
                .await
                .unwrap_err();
        }
        assert!(matches!(
            s.identity().login("ghost", &secret("x"), &ip).await,
            Err(Error::Locked { .. })
        ));

        let locks = s.identity().list_locks(&ops).await.unwrap();
        let names: Vec<&str> = locks.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ghost", "ops"]);
        let uid = s
            .identity()
            .create_user_with_role("plain", "P", &secret("pw-plain-1"), None)
            .await
            .unwrap();
        let plain = s.identity().principal(uid).await.unwrap().unwrap();
        assert!(matches!(
            s.identity().lift_lock(&plain, "ops").await,
            Err(Error::Forbidden)
        ));
        s.identity().lift_lock(&ops, "OPS").await.unwrap();
        s.identity()
            .login("ops", &secret("ops-password"), &ip)
            .await
            .unwrap();

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
        let s = services(&t, keyring()).await;
        operator(&s).await;
        s.identity()
            .put_setting("lockout.max_failures_per_source", "4")
            .await
            .unwrap();
        let noisy = from("203.0.113.9");
        for i in 0..4 {
            s.identity()
                .login(&format!("guess-{i}"), &secret("x"), &noisy)
                .await
                .unwrap_err();
        }
        assert!(matches!(
            s.identity()
                .login("ops", &secret("ops-password"), &noisy)
                .await,
            Err(Error::Locked { .. })
        ));
        // Another address signs in as usual.
        s.identity()
            .login("ops", &secret("ops-password"), &from("203.0.113.10"))
            .await
            .unwrap();
    }
);

db_test!(
    login_ip_rules_deny_wins_and_allow_lists_admit_only_their_networks,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let mut ops = operator(&s).await;
        ops.request.source = Some("192.0.2.5".into());
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
        s.identity()
            .create_user(&ops, user_input("amy", Some(a.id)))
            .await
            .unwrap();
        s.identity()
            .create_user(&ops, user_input("ben", Some(b.id)))
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
        let pw = secret("first-password-1");

        // Bad input is named and changes nothing.
        let e = s
            .identity()
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
            .identity()
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
        assert!(s.identity().list_ip_rules(&ops).await.unwrap().is_empty());

        // A platform deny rule refuses everyone from that network.
        let deny = s
            .identity()
            .create_ip_rule(&ops, ip_rule(None, "deny", "10.66.1.9/16"))
            .await
            .unwrap();
        assert_eq!(deny.cidr, "10.66.0.0/16", "stored normalised");
        assert!(matches!(
            s.identity().login("amy", &pw, &from("10.66.3.3")).await,
            Err(Error::AddressRefused)
        ));
        assert!(matches!(
            s.identity().login("nobody", &pw, &from("10.66.3.3")).await,
            Err(Error::AddressRefused)
        ));
        s.identity()
            .login("amy", &pw, &from("10.1.1.1"))
            .await
            .unwrap();

        // A domain admin keeps alpha's users to one network; beta's users
        // and platform staff are not bound by it.
        let allow = s
            .identity()
            .create_ip_rule(&admin, ip_rule(Some(a.id), "allow", "10.7.0.0/16"))
            .await
            .unwrap();
        assert!(matches!(
            s.identity().login("amy", &pw, &from("10.1.1.1")).await,
            Err(Error::AddressRefused)
        ));
        s.identity()
            .login("amy", &pw, &from("10.7.1.1"))
            .await
            .unwrap();
        s.identity()
            .login("ben", &pw, &from("10.1.1.1"))
            .await
            .unwrap();
        s.identity()
            .login("ops", &secret("ops-password"), &from("10.1.1.1"))
            .await
            .unwrap();
        // Deny wins inside the allowed network too.
        s.identity()
            .create_ip_rule(&admin, ip_rule(Some(a.id), "deny", "10.7.7.7"))
            .await
            .unwrap();
        assert!(matches!(
            s.identity().login("amy", &pw, &from("10.7.7.7")).await,
            Err(Error::AddressRefused)
        ));
        // IPv6 networks work the same way.
        s.identity()
            .create_ip_rule(&ops, ip_rule(Some(b.id), "allow", "2001:db8::/32"))
            .await
            .unwrap();
        s.identity()
            .login("ben", &pw, &from("2001:db8::42"))
            .await
            .unwrap();
        assert!(matches!(
            s.identity().login("ben", &pw, &from("2001:db9::42")).await,
            Err(Error::AddressRefused)
        ));
        // Every request is judged too, not only the sign-in.
        assert!(!s
            .identity()
            .address_admitted(Some(a.id), Some("10.1.1.1"))
            .await
            .unwrap());
        assert!(s
            .identity()
            .address_admitted(Some(a.id), Some("10.7.1.1"))
            .await
            .unwrap());

        // Domain admins see and change only their domain's rules.
        let seen: Vec<Option<i64>> = s
            .identity()
            .list_ip_rules(&admin)
            .await
            .unwrap()
            .iter()
            .map(|r| r.domain_id)
            .collect();
        assert_eq!(seen, [Some(a.id), Some(a.id)]);
        assert!(matches!(
            s.identity()
                .create_ip_rule(&admin, ip_rule(Some(b.id), "deny", "10.9.0.0/16"))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.identity().delete_ip_rule(&admin, deny.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(s.identity().list_ip_rules(&ops).await.unwrap().len(), 4);
        s.identity().delete_ip_rule(&admin, allow.id).await.unwrap();
        s.identity()
            .login("amy", &pw, &from("10.1.1.1"))
            .await
            .unwrap();

        // Refused sign-ins are audited as such.
        let rows = audit_rows(&t).await;
        assert!(rows
            .iter()
            .any(|r| r.action == "auth.login" && r.outcome == "denied" && r.details == "address"));
    }
);
