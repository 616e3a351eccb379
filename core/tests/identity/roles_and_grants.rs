//! Custom roles from the permission tree, built-in roles, and grants that
//! follow scope and never escalate.

#[allow(unused_imports)]
use super::common::*;

use berth_api::{ErrorCode, ListQuery};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    tenancy::VdcFilter,
    testing::{keyring, TestDb},
    Error,
};

db_test!(
    custom_roles_hold_exactly_what_was_picked,
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
        let role = s
            .identity()
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
        let roles = s.identity().list_roles(&ops).await.unwrap();
        assert_eq!(roles.len(), 5, "four built-in roles and the custom one");
        assert!(roles.iter().take(4).all(|r| r.builtin));

        let uid = s
            .identity()
            .create_user_with_role("reader", "Reader", &secret("pw-reader-1"), None)
            .await
            .unwrap();
        bind(&t, uid, role.id, "vdc", Some(v.id)).await;
        let reader = settled(&s, uid).await;
        use berth_core::auth::Permission as P;
        assert_eq!(
            reader.bindings[0].permissions,
            vec![P::VdcRead, P::WorkloadRead, P::PodLogRead]
        );
        assert_eq!(
            s.tenancy().get_vdc(&reader, v.id).await.unwrap().name,
            "prod"
        );
        assert!(matches!(
            s.tenancy()
                .update_vdc(&reader, v.id, vdc(d.id, "prod"))
                .await,
            Err(Error::Forbidden)
        ));

        let edited = s
            .identity()
            .update_role(
                &ops,
                role.id,
                role_input("Log reader", "domain_admin", &["vdc.read"]),
            )
            .await
            .unwrap();
        assert_eq!(edited.permissions, ["vdc.read"]);
        assert_eq!(edited.role_type, "vdc_user", "the type stays");
        let reader = settled(&s, uid).await;
        assert_eq!(reader.bindings[0].permissions, vec![P::VdcRead]);
    }
);

db_test!(
    custom_role_input_is_checked_against_the_type,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let codes = |e: Error| field_codes(&e);
        let e = s
            .identity()
            .create_role(&ops, role_input("X", "vdc_user", &["cluster.read"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("permissions".into(), ErrorCode::Invalid)]);
        let e = s
            .identity()
            .create_role(&ops, role_input("X", "vdc_admin", &["no.such"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("permissions".into(), ErrorCode::Invalid)]);
        let e = s
            .identity()
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
            .identity()
            .create_role(&ops, role_input("X", "wizard", &["vdc.read"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("role_type".into(), ErrorCode::Invalid)]);
        s.identity()
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap();
        let e = s
            .identity()
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap_err();
        assert_eq!(codes(e), vec![("name".into(), ErrorCode::Taken)]);
        assert_eq!(
            s.identity().list_roles(&ops).await.unwrap().len(),
            5,
            "rejections created nothing"
        );

        let domain_admin_id = s
            .identity()
            .create_user_with_role(
                "dadmin",
                "D",
                &secret("pw-dadmin-1"),
                Some((RoleType::DomainAdmin, Scope::Domain(1))),
            )
            .await
            .unwrap();
        let domain_admin = settled(&s, domain_admin_id).await;
        assert!(matches!(
            s.identity()
                .create_role(&domain_admin, role_input("Mine", "vdc_user", &["vdc.read"]))
                .await,
            Err(Error::Forbidden)
        ));
    }
);

db_test!(
    built_in_roles_are_locked_and_bound_roles_stay,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let roles = s.identity().list_roles(&ops).await.unwrap();
        let builtin = roles.iter().find(|r| r.name == "vdc-user").unwrap();
        assert!(matches!(
            s.identity().delete_role(&ops, builtin.id).await,
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            s.identity()
                .update_role(&ops, builtin.id, role_input("x", "vdc_user", &["vdc.read"]))
                .await,
            Err(Error::Conflict { .. })
        ));

        let role = s
            .identity()
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap();
        let uid = s
            .identity()
            .create_user_with_role("holder", "Holder", &secret("pw-holder-1"), None)
            .await
            .unwrap();
        let binding = bind(&t, uid, role.id, "vdc", Some(42)).await;
        match s.identity().delete_role(&ops, role.id).await {
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
        s.identity().delete_role(&ops, role.id).await.unwrap();
        assert_eq!(s.identity().list_roles(&ops).await.unwrap().len(), 4);
    }
);

db_test!(
    grants_follow_scope_and_never_escalate,
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
            .create_vdc(&ops, vdc(a.id, "a-one"))
            .await
            .unwrap();
        let b1 = s
            .tenancy()
            .create_vdc(&ops, vdc(b.id, "b-one"))
            .await
            .unwrap();
        let role = |name: &str| {
            let s = s.clone();
            let ops = ops.clone();
            let name = name.to_owned();
            async move {
                s.identity()
                    .list_roles(&ops)
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
                s.identity()
                    .create_user(&ops, user_input(name, Some(a.id)))
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
            .identity()
            .grant_role(&ops, grant(dan, domain_admin, "domain", Some(a.id)))
            .await
            .unwrap();
        assert_eq!(
            (g.username.as_str(), g.role_name.as_str()),
            ("dan", "domain-admin")
        );
        let dan_p = settled(&s, dan).await;
        assert_eq!(
            s.tenancy()
                .list_vdcs(&dan_p, &VdcFilter::default(), &ListQuery::default())
                .await
                .unwrap()
                .total,
            1
        );

        // Domain admins grant within their domain only.
        s.identity()
            .grant_role(&dan_p, grant(vic, vdc_admin, "vdc", Some(a1.id)))
            .await
            .unwrap();
        assert!(matches!(
            s.identity()
                .grant_role(&dan_p, grant(vic, vdc_admin, "vdc", Some(b1.id)))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.identity()
                .grant_role(&dan_p, grant(vic, ops_role, "platform", None))
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.identity()
                .grant_role(&dan_p, grant(vic, domain_admin, "domain", Some(b.id)))
                .await,
            Err(Error::NotFound)
        ));

        // VDC admins grant VDC roles in their VDC only (domains are not
        // theirs to see, so a domain grant finds nothing).
        let vic_p = settled(&s, vic).await;
        s.identity()
            .grant_role(&vic_p, grant(val, vdc_user, "vdc", Some(a1.id)))
            .await
            .unwrap();
        assert!(matches!(
            s.identity()
                .grant_role(&vic_p, grant(val, domain_admin, "domain", Some(a.id)))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.identity()
                .grant_role(&vic_p, grant(val, vdc_user, "vdc", Some(b1.id)))
                .await,
            Err(Error::NotFound)
        ));

        // A role binds only at its type's scope kind.
        let e = s
            .identity()
            .grant_role(&ops, grant(eve, vdc_user, "domain", Some(a.id)))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("scope_kind".into(), ErrorCode::Invalid)]
        );
        // A VDC role with no VDC named: the missing choice, by its field.
        let e = s
            .identity()
            .grant_role(&ops, grant(eve, vdc_user, "vdc", None))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("scope_id".into(), ErrorCode::Required)]
        );

        // Nobody grants what they do not hold: a custom domain role that may
        // bind and read, but not change VDCs, cannot hand out vdc-admin.
        let binder = s
            .identity()
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
        s.identity()
            .grant_role(&ops, grant(eve, binder.id, "domain", Some(a.id)))
            .await
            .unwrap();
        let eve_p = settled(&s, eve).await;
        assert!(matches!(
            s.identity()
                .grant_role(&eve_p, grant(val, vdc_admin, "vdc", Some(a1.id)))
                .await,
            Err(Error::Forbidden)
        ));
        let viewer = s
            .identity()
            .create_role(&ops, role_input("Viewer", "vdc_user", &["vdc.read"]))
            .await
            .unwrap();
        s.identity()
            .grant_role(&eve_p, grant(val, viewer.id, "vdc", Some(a1.id)))
            .await
            .unwrap();

        // Twice is refused; revoking follows the same scope rules.
        assert!(matches!(
            s.identity()
                .grant_role(&eve_p, grant(val, viewer.id, "vdc", Some(a1.id)))
                .await,
            Err(Error::Conflict { .. })
        ));
        let platform_grant = s
            .identity()
            .grant_role(&ops, grant(val, ops_role, "platform", None))
            .await
            .unwrap();
        assert!(matches!(
            s.identity().revoke_role(&dan_p, platform_grant.id).await,
            Err(Error::Forbidden)
        ));
        s.identity()
            .revoke_role(&ops, platform_grant.id)
            .await
            .unwrap();
        let val_p = settled(&s, val).await;
        assert_eq!(
            val_p.bindings.len(),
            2,
            "vdc-user and Viewer at a-one remain"
        );
    }
);

db_test!(
    a_users_grants_are_listed_where_the_caller_may_see_them,
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
        let roles = s.identity().list_roles(&ops).await.unwrap();
        let vdc_user = roles.iter().find(|r| r.name == "vdc-user").unwrap().id;
        let holder = s
            .identity()
            .create_user_with_role("holder", "H", &secret("pw-holder-1"), None)
            .await
            .unwrap();
        s.identity()
            .grant_role(&ops, grant(holder, vdc_user, "vdc", Some(a1.id)))
            .await
            .unwrap();
        s.identity()
            .grant_role(&ops, grant(holder, vdc_user, "vdc", Some(b1.id)))
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
        let admin = settled(&s, admin_id).await;
        let scopes =
            |g: Vec<berth_api::Grant>| g.into_iter().map(|g| g.scope_id).collect::<Vec<_>>();
        assert_eq!(
            scopes(s.identity().list_user_grants(&ops, holder).await.unwrap()),
            [Some(a1.id), Some(b1.id)]
        );
        assert_eq!(
            scopes(s.identity().list_user_grants(&admin, holder).await.unwrap()),
            [Some(a1.id)],
            "only grants inside the admin's domain"
        );
        let viewer = settled(&s, holder).await;
        assert!(matches!(
            s.identity().list_user_grants(&viewer, holder).await,
            Err(Error::Forbidden)
        ));
    }
);
