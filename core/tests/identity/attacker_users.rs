//! Managing or granting to users the caller does not fully reach (issue 11).

use super::attacker::*;
use super::common::{field_codes, secret};
use berth_api::{ErrorCode, GrantInput, UserUpdate};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    testing::TestDb,
    Error,
};

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
                    s.identity()
                        .reset_password(&admin, id, &secret("taken-over-9"))
                        .await,
                    Err(Error::Forbidden)
                ),
                "reset {}",
                target.username
            );
            assert!(matches!(
                s.identity().set_user_disabled(&admin, id, true).await,
                Err(Error::Forbidden)
            ));
            let edit = UserUpdate {
                display_name: "Renamed".into(),
                ..Default::default()
            };
            assert!(matches!(
                s.identity().update_user(&admin, id, edit).await,
                Err(Error::Forbidden)
            ));
            assert!(matches!(
                s.identity().delete_user(&admin, id).await,
                Err(Error::Forbidden)
            ));
            // Nothing changed: the old password still signs them in.
            let back = s
                .identity()
                .login(&target.username, &secret(FIRST_PASSWORD), &meta())
                .await
                .unwrap();
            assert_eq!(back.display_name, format!("User {}", target.username));
        }

        // Not themselves either, through the admin path.
        assert!(matches!(
            s.identity()
                .reset_password(&admin, admin.user_id, &secret("my-own-new-9"))
                .await,
            Err(Error::Conflict { .. })
        ));
        assert!(matches!(
            s.identity().delete_user(&admin, admin.user_id).await,
            Err(Error::Conflict { .. })
        ));

        // A user wholly inside alpha: reset ends every session they had.
        let open = session_for(&t, plain.user_id).await;
        assert!(live(&t, &open).await);
        s.identity()
            .reset_password(&admin, plain.user_id, &secret("second-password-2"))
            .await
            .unwrap();
        assert!(!live(&t, &open).await, "a reset ends the user's sessions");
        let edited = s
            .identity()
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
            .identity()
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
        s.identity()
            .reset_password(&ops, staff.user_id, &secret("ops-chosen-3"))
            .await
            .unwrap();
        s.identity()
            .delete_user(&admin, plain.user_id)
            .await
            .unwrap();
        assert!(s
            .identity()
            .principal(plain.user_id)
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            s.identity()
                .login("alpha-plain", &secret("second-password-2"), &meta())
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
            let nobody = seen(
                s.identity()
                    .grant_role(granter, to(999_999))
                    .await
                    .unwrap_err(),
            );
            assert!(matches!(nobody, berth_api::AppError::Validation { .. }));
            for hidden in [&alien, &staff] {
                let answer = seen(
                    s.identity()
                        .grant_role(granter, to(hidden.user_id))
                        .await
                        .unwrap_err(),
                );
                assert_eq!(
                    answer, nobody,
                    "{} granting to {} answers like a missing user",
                    granter.username, hidden.username
                );
                assert!(!format!("{answer:?}").contains(&hidden.username));
            }
            assert!(s
                .identity()
                .list_user_grants(granter, alien.user_id)
                .await
                .unwrap()
                .is_empty());
        }
        // Users of the granter's domain, and those already holding a role
        // where the granter grants, can be named.
        let g = s
            .identity()
            .grant_role(&admin, to(local.user_id))
            .await
            .unwrap();
        assert_eq!(g.username, "alpha-person");
        s.identity().revoke_role(&admin, g.id).await.unwrap();
        s.identity()
            .grant_role(&vdc_admin, to(local.user_id))
            .await
            .unwrap();
        let custom = s
            .identity()
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
        s.identity()
            .grant_role(
                &admin,
                GrantInput {
                    role_id: custom.id,
                    ..to(staff_in_a1.user_id)
                },
            )
            .await
            .unwrap();
        // Operators grant to anyone.
        s.identity()
            .grant_role(&ops, to(alien.user_id))
            .await
            .unwrap();
    }
);
