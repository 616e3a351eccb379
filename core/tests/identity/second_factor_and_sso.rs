//! The second factor at sign-in, and accounts made by single sign-on.

#[allow(unused_imports)]
use super::common::*;

use berth_api::ErrorCode;
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    testing::{keyring, TestDb},
    Error,
};

db_test!(
    two_factor_sign_in_takes_each_code_once_and_can_be_required,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let d = s.tenancy().create_domain(&ops, domain("tf")).await.unwrap();
        let amy = s
            .identity()
            .create_user(&ops, user_input("amy", Some(d.id)))
            .await
            .unwrap();
        s.identity()
            .login("amy", &secret("first-password-1"), &meta())
            .await
            .unwrap();
        // Past the first password change, which comes before anything else.
        let me = settled(&s, amy.id).await;
        let status = s.identity().two_factor_status(&me).await.unwrap();
        assert!(!status.enabled && !status.required);

        // Enrolment: a wrong code is refused, the right one turns it on.
        let setup = s
            .identity()
            .begin_totp(&me, &secret("first-password-1"), "")
            .await
            .unwrap();
        assert!(setup.uri.contains(&setup.secret));
        assert!(setup.qr_image.starts_with("data:image/svg+xml;base64,"));
        let e = s.identity().confirm_totp(&me, "12345x").await.unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        assert!(!s.identity().totp_enabled(amy.id).await.unwrap());
        let first = step_now();
        let recovery = s
            .identity()
            .confirm_totp(&me, &totp_code(&setup.secret, first))
            .await
            .unwrap();
        assert_eq!(recovery.len(), 10);
        assert!(s.identity().totp_enabled(amy.id).await.unwrap());

        // Signing in: the code used to enrol is spent; a newer one works once.
        let e = s
            .identity()
            .verify_second_factor(amy.id, &totp_code(&setup.secret, first), &meta())
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("code".into(), ErrorCode::WrongCode)]);
        let next = totp_code(&setup.secret, first + 1);
        let p = s
            .identity()
            .verify_second_factor(amy.id, &next, &meta())
            .await
            .unwrap();
        assert_eq!(p.username, "amy");
        assert!(s
            .identity()
            .verify_second_factor(amy.id, &next, &meta())
            .await
            .is_err());
        // Recovery codes work once each, typed loosely.
        s.identity()
            .verify_second_factor(amy.id, &recovery[0].to_uppercase(), &meta())
            .await
            .unwrap();
        assert!(s
            .identity()
            .verify_second_factor(amy.id, &recovery[0], &meta())
            .await
            .is_err());

        // Required for the domain: a member without it is held to enrolment;
        // amy may not turn hers off.
        let dom_admin_id = s
            .identity()
            .create_user_with_role(
                "tf-admin",
                "A",
                &secret("pw-tf-admin"),
                Some((RoleType::DomainAdmin, Scope::Domain(d.id))),
            )
            .await
            .unwrap();
        let dom_admin = s.identity().principal(dom_admin_id).await.unwrap().unwrap();
        let required = berth_api::TwoFactorPolicy {
            required_role_types: vec![],
            required_domains: vec![d.id],
        };
        assert!(matches!(
            s.identity()
                .set_two_factor_policy(&dom_admin, required.clone())
                .await,
            Err(Error::Forbidden)
        ));
        let e = s
            .identity()
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
        s.identity()
            .set_two_factor_policy(&ops, required)
            .await
            .unwrap();
        let ben = s
            .identity()
            .create_user(&ops, user_input("ben", Some(d.id)))
            .await
            .unwrap();
        assert!(
            s.identity()
                .principal(ben.id)
                .await
                .unwrap()
                .unwrap()
                .must_enroll_2fa
        );
        assert!(
            !s.identity()
                .principal(amy.id)
                .await
                .unwrap()
                .unwrap()
                .must_enroll_2fa
        );
        assert!(!ops.must_enroll_2fa, "operators are not in the domain");
        assert!(matches!(
            s.identity()
                .disable_totp(&me, &secret("first-password-1"), &recovery[1])
                .await,
            Err(Error::Conflict { .. })
        ));
        // By role type too.
        s.identity()
            .set_two_factor_policy(
                &ops,
                berth_api::TwoFactorPolicy {
                    required_role_types: vec![berth_api::permission::RoleType::DomainAdmin],
                    required_domains: vec![],
                },
            )
            .await
            .unwrap();
        assert!(
            s.identity()
                .principal(dom_admin_id)
                .await
                .unwrap()
                .unwrap()
                .must_enroll_2fa
        );
        assert!(
            !s.identity()
                .principal(ben.id)
                .await
                .unwrap()
                .unwrap()
                .must_enroll_2fa
        );

        // Not required any more: off with a code, and sign-in asks no more.
        s.identity()
            .disable_totp(&me, &secret("first-password-1"), &recovery[1])
            .await
            .unwrap();
        assert!(!s.identity().totp_enabled(amy.id).await.unwrap());

        // Wrong codes count towards the lockout, like wrong passwords.
        let me = s
            .identity()
            .login("ben", &secret("first-password-1"), &meta())
            .await
            .unwrap();
        let me = settled(&s, me.user_id).await;
        let setup = s
            .identity()
            .begin_totp(&me, &secret("first-password-1"), "")
            .await
            .unwrap();
        s.identity()
            .confirm_totp(&me, &totp_code(&setup.secret, step_now()))
            .await
            .unwrap();
        for _ in 0..5 {
            assert!(s
                .identity()
                .verify_second_factor(ben.id, "abcdef", &meta())
                .await
                .is_err());
        }
        assert!(matches!(
            s.identity()
                .verify_second_factor(ben.id, &totp_code(&setup.secret, step_now() + 1), &meta())
                .await,
            Err(Error::Locked { .. })
        ));
    }
);

db_test!(
    sso_sign_in_creates_the_user_once_and_grants_their_groups_roles,
    |t: TestDb| async move {
        use berth_core::identity::sso::{SsoGrant, SsoIdentity, SsoScope};
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let a = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let web = s
            .tenancy()
            .create_vdc(&ops, vdc(a.id, "web"))
            .await
            .unwrap();
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
            .identity()
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
            .identity()
            .sso_sign_in(&carol("carol", "Carol C"), &grants, &meta())
            .await
            .unwrap();
        assert_eq!((again.user_id, again.bindings.len()), (p.user_id, 1));
        // The unusable password signs nobody in.
        assert!(s
            .identity()
            .login("carol", &secret(""), &meta())
            .await
            .is_err());
        // A name that is no Berth username is refused.
        let odd = SsoIdentity {
            subject: "sub-odd",
            ..carol("Carol Smith", "")
        };
        assert!(matches!(
            s.identity().sso_sign_in(&odd, &[], &meta()).await,
            Err(Error::Validation(_))
        ));
        // Disabled users stay out.
        s.identity()
            .set_user_disabled(&ops, p.user_id, true)
            .await
            .unwrap();
        assert!(matches!(
            s.identity()
                .sso_sign_in(&carol("carol", ""), &[], &meta())
                .await,
            Err(Error::Unauthenticated)
        ));
    }
);
