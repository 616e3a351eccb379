//! Single sign-on that must not capture local accounts, and second-factor
//! and password guessing that counts towards the lockout (issue 11).

use super::attacker::*;
use super::common::{field_codes, operator, secret, step_now, totp_code};
use berth_api::ErrorCode;
use berth_core::{
    auth::{Principal, RoleType, Scope},
    db_test,
    identity::sso::{SsoGrant, SsoIdentity, SsoScope},
    testing::TestDb,
    Error,
};

db_test!(
    single_sign_on_links_by_issuer_and_subject_and_never_captures_a_local_account,
    |t: TestDb| async move {
        let s = services(&t).await;
        let ops = operator(&s).await;
        let acme = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let web = s
            .tenancy()
            .create_vdc(&ops, vdc(acme.id, "web"))
            .await
            .unwrap();
        const IDP: &str = "https://idp.example";
        let id = |subject: &'static str, username: &'static str| SsoIdentity {
            issuer: IDP,
            subject,
            username,
            display_name: "",
        };

        // A provider account calling itself `ops` is not Berth's ops.
        let e = s
            .identity()
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
            s.identity()
                .principal(ops.user_id)
                .await
                .unwrap()
                .unwrap()
                .username,
            "ops"
        );

        // First sign-in makes and links an account; the subject, not the
        // username claim, finds it again.
        let dave = s
            .identity()
            .sso_sign_in(&id("sub-dave", "dave"), &[], &meta())
            .await
            .unwrap();
        let renamed = s
            .identity()
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
            s.identity()
                .sso_sign_in(&id("sub-other", "dave"), &[], &meta())
                .await,
            Err(Error::Conflict { .. })
        ));
        let elsewhere = SsoIdentity {
            issuer: "https://other-idp.example",
            ..id("sub-dave", "dave")
        };
        assert!(matches!(
            s.identity().sso_sign_in(&elsewhere, &[], &meta()).await,
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
            s.identity()
                .link_sso_identity(&admin, erin.user_id, IDP, "sub-erin")
                .await,
            Err(Error::Forbidden)
        ));
        s.identity()
            .link_sso_identity(&ops, erin.user_id, IDP, "sub-erin")
            .await
            .unwrap();
        let p = s
            .identity()
            .sso_sign_in(&id("sub-erin", "whatever"), &[], &meta())
            .await
            .unwrap();
        assert_eq!(p.user_id, erin.user_id);
        assert!(matches!(
            s.identity()
                .link_sso_identity(&ops, dave.user_id, IDP, "sub-erin")
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
            .identity()
            .sso_sign_in(
                &id("sub-dave", "dave"),
                std::slice::from_ref(&devs),
                &meta(),
            )
            .await
            .unwrap();
        assert_eq!(p.bindings.len(), 1);
        let p = s
            .identity()
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
            .identity()
            .sso_sign_in(&id("sub-dave", "dave"), &[], &meta())
            .await
            .unwrap();
        assert_eq!(p.bindings.len(), 1);
        assert_eq!(p.bindings[0].role_type, RoleType::VdcAdmin);

        // Deleting the account removes its link: the subject starts afresh.
        s.identity().delete_user(&ops, dave.user_id).await.unwrap();
        let again = s
            .identity()
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
        s.identity()
            .put_setting("lockout.max_failures", "3")
            .await
            .unwrap();
        let d = s.tenancy().create_domain(&ops, domain("tf")).await.unwrap();
        let me = member(&s, &ops, "gus", Some(d.id), None).await;
        let me = Principal {
            request: meta(),
            ..me
        };
        let pw = secret(FIRST_PASSWORD);

        // Setting up needs the password.
        let e = s
            .identity()
            .begin_totp(&me, &secret("not-my-password"), "")
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("password".into(), ErrorCode::WrongPassword)]
        );
        let setup = s.identity().begin_totp(&me, &pw, "").await.unwrap();
        let first = step_now();
        s.identity()
            .confirm_totp(&me, &totp_code(&setup.secret, first))
            .await
            .unwrap();
        s.identity().lift_lock(&ops, "gus").await.unwrap();

        // Each sign-in passes the password and fails the code: the right
        // password no longer wipes the count, so the third wrong code locks.
        for _ in 0..3 {
            s.identity().login("gus", &pw, &meta()).await.unwrap();
            let e = s
                .identity()
                .verify_second_factor(me.user_id, "000000", &meta())
                .await
                .unwrap_err();
            assert!(matches!(e, Error::Validation(_)));
        }
        assert!(matches!(
            s.identity().login("gus", &pw, &meta()).await,
            Err(Error::Locked { .. })
        ));
        s.identity().lift_lock(&ops, "gus").await.unwrap();

        // Re-enrolling needs a current code as well; turning off needs both.
        let e = s.identity().begin_totp(&me, &pw, "").await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        let e = s
            .identity()
            .disable_totp(&me, &pw, "123456")
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        let e = s
            .identity()
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
            s.identity()
                .disable_totp(&me, &pw, &totp_code(&setup.secret, first + 1))
                .await,
            Err(Error::Locked { .. })
        ));
        assert!(s.identity().totp_enabled(me.user_id).await.unwrap());
        s.identity().lift_lock(&ops, "gus").await.unwrap();
        let moved = s
            .identity()
            .begin_totp(&me, &pw, &totp_code(&setup.secret, first + 1))
            .await
            .unwrap();
        assert!(
            s.identity().totp_enabled(me.user_id).await.unwrap(),
            "the old factor stays on until the new one is confirmed"
        );
        s.identity()
            .confirm_totp(&me, &totp_code(&moved.secret, step_now()))
            .await
            .unwrap();

        // Changing one's password is throttled like signing in.
        for _ in 0..3 {
            let e = s
                .identity()
                .change_own_password(&me, &secret("wrong-guess"), &secret("New-password-77"))
                .await
                .unwrap_err();
            assert_eq!(
                field_codes(&e),
                vec![("current_password".into(), ErrorCode::WrongPassword)]
            );
        }
        assert!(matches!(
            s.identity()
                .change_own_password(&me, &pw, &secret("New-password-77"))
                .await,
            Err(Error::Locked { .. })
        ));
    }
);
