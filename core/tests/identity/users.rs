//! Managing users within their domain, and the password policy on every
//! path that sets a password.

#[allow(unused_imports)]
use super::common::*;

use berth_api::{ErrorCode, ListQuery};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    testing::{keyring, TestDb},
    Error,
};

db_test!(
    users_are_managed_within_their_domain,
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
        let ann = s
            .identity()
            .create_user(&ops, user_input("ann", Some(a.id)))
            .await
            .unwrap();
        assert!(ann.must_change_password, "a first password must be changed");
        let bob = s
            .identity()
            .create_user(&ops, user_input("bob", Some(b.id)))
            .await
            .unwrap();

        let e = s
            .identity()
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
            .identity()
            .create_user(&ops, user_input("ann", Some(a.id)))
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("username".into(), ErrorCode::Taken)]);

        // A domain admin sees and manages only their domain's users.
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
        let listed = s
            .identity()
            .list_users(&admin, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(
            listed
                .items
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["ann"]
        );
        assert!(matches!(
            s.identity().set_user_disabled(&admin, bob.id, true).await,
            Err(Error::NotFound)
        ));
        // Another tenant's domain is answered as missing.
        assert!(matches!(
            s.identity()
                .create_user(&admin, user_input("carl", Some(b.id)))
                .await,
            Err(Error::NotFound)
        ));
        s.identity()
            .create_user(&admin, user_input("cat", Some(a.id)))
            .await
            .unwrap();

        // Disabling ends sign-in; enabling restores it.
        s.identity()
            .login("ann", &secret("first-password-1"), &meta())
            .await
            .unwrap();
        s.identity()
            .set_user_disabled(&admin, ann.id, true)
            .await
            .unwrap();
        assert!(matches!(
            s.identity()
                .login("ann", &secret("first-password-1"), &meta())
                .await,
            Err(Error::Unauthenticated)
        ));
        assert!(s.identity().principal(ann.id).await.unwrap().is_none());
        s.identity()
            .set_user_disabled(&admin, ann.id, false)
            .await
            .unwrap();

        // A reset password works and must be changed again.
        s.identity()
            .reset_password(&admin, ann.id, &secret("second-password-2"))
            .await
            .unwrap();
        s.identity()
            .login("ann", &secret("second-password-2"), &meta())
            .await
            .unwrap();
        assert!(matches!(
            s.identity()
                .login("ann", &secret("first-password-1"), &meta())
                .await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            s.identity()
                .reset_password(&admin, ann.id, &secret("short"))
                .await,
            Err(Error::Validation(_))
        ));
    }
);

db_test!(
    the_password_policy_holds_on_every_path_that_sets_a_password,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let d = s.tenancy().create_domain(&ops, domain("pw")).await.unwrap();
        let admin_id = s
            .identity()
            .create_user_with_role(
                "pw-admin",
                "A",
                &secret("pw-admin-password"),
                Some((RoleType::DomainAdmin, Scope::Domain(d.id))),
            )
            .await
            .unwrap();
        let admin = s.identity().principal(admin_id).await.unwrap().unwrap();

        // Only operators set it; bad numbers are named and change nothing.
        assert!(matches!(
            s.identity()
                .set_password_policy(&admin, strict_policy())
                .await,
            Err(Error::Forbidden)
        ));
        let e = s
            .identity()
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
            s.identity().password_policy().await.unwrap(),
            berth_api::PasswordPolicy::default()
        );
        s.identity()
            .set_password_policy(&ops, strict_policy())
            .await
            .unwrap();
        assert_eq!(
            s.identity().password_policy().await.unwrap(),
            strict_policy()
        );

        // Creating a user: every broken rule is named.
        let e = s
            .identity()
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
            .identity()
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
        s.identity()
            .reset_password(&admin, dana.id, &secret("Second-Secret-02"))
            .await
            .unwrap();
        let e = s
            .identity()
            .reset_password(&admin, dana.id, &secret("First-Secret-01"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("password".into(), ErrorCode::PasswordReused)]
        );
        assert!(matches!(
            s.identity()
                .reset_password(&admin, dana.id, &secret("weak"))
                .await,
            Err(Error::Validation(_))
        ));
        s.identity()
            .login("dana", &secret("Second-Secret-02"), &meta())
            .await
            .expect("a refused reset changed nothing");
        s.identity()
            .reset_password(&admin, dana.id, &secret("Third-Secret-03"))
            .await
            .unwrap();
        // Three passwords on, the first may come back.
        s.identity()
            .reset_password(&admin, dana.id, &secret("First-Secret-01"))
            .await
            .unwrap();
        assert!(must_change(&s, dana.id).await, "a reset must be changed");

        // Changing one's own: the current password is proven, the policy
        // and history hold, and the pending change is cleared.
        let me = s
            .identity()
            .login("dana", &secret("First-Secret-01"), &meta())
            .await
            .unwrap();
        assert!(me.must_change_password);
        let e = s
            .identity()
            .change_own_password(&me, &secret("wrong"), &secret("Fourth-Secret-04"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("current_password".into(), ErrorCode::WrongPassword)]
        );
        let e = s
            .identity()
            .change_own_password(&me, &secret("First-Secret-01"), &secret("Third-Secret-03"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("new_password".into(), ErrorCode::PasswordReused)]
        );
        let e = s
            .identity()
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
        s.identity()
            .change_own_password(&me, &secret("First-Secret-01"), &secret("Fourth-Secret-04"))
            .await
            .unwrap();
        assert!(!must_change(&s, dana.id).await);
        s.identity()
            .login("dana", &secret("Fourth-Secret-04"), &meta())
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
            .identity()
            .login("dana", &secret("Fourth-Secret-04"), &meta())
            .await
            .unwrap();
        assert!(
            me.must_change_password,
            "an expired password must be changed"
        );
    }
);

db_test!(
    a_forced_password_change_refuses_the_password_in_use,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("same"))
            .await
            .unwrap();
        let eve = s
            .identity()
            .create_user(&ops, user_input("eve", Some(d.id)))
            .await
            .unwrap();
        assert_eq!(
            s.identity().password_policy().await.unwrap().history,
            0,
            "the default policy keeps no history, so only this rule refuses"
        );
        let first = secret(&user_input("eve", None).password);
        let me = s.identity().login("eve", &first, &meta()).await.unwrap();
        assert!(me.must_change_password);
        let e = s
            .identity()
            .change_own_password(&me, &first, &first)
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("new_password".into(), ErrorCode::PasswordUnchanged)]
        );
        assert!(must_change(&s, eve.id).await, "the refusal changed nothing");
        s.identity()
            .change_own_password(&me, &first, &secret("A-New-Secret-42"))
            .await
            .unwrap();
        assert!(!must_change(&s, eve.id).await);
    }
);
