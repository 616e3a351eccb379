//! A user held to one task (a password to change, a second factor to set
//! up) may do that task and nothing else, whatever roles they hold: the
//! core decides it, so every entry point inherits it (issue 12 item 3).

use berth_api::{ListQuery, TwoFactorPolicy};
use berth_core::{
    auth::{Hold, Principal, RoleType, Scope},
    db_test,
    testing::{keyring, TestDb},
    Error, Services,
};

use super::common::{domain, operator, secret, services};

/// A second operations admin, signed in with `password`.
async fn second_operator(s: &Services, password: &str) -> i64 {
    s.identity()
        .create_user_with_role(
            "ops2",
            "Ops 2",
            &secret(password),
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await
        .unwrap()
}

async fn principal(s: &Services, id: i64) -> Principal {
    s.identity().principal(id).await.unwrap().unwrap()
}

/// Every kind of operation a held operator might try, each refused.
async fn assert_refused_everything(s: &Services, who: &Principal) {
    let id = s.identity();
    let t = s.tenancy();
    let forbidden = |r: Result<(), Error>, what: &str| {
        assert!(matches!(r, Err(Error::Forbidden)), "{what}: {r:?}");
    };
    forbidden(t.overview(who).await.map(drop), "overview");
    forbidden(
        t.list_domains(who, &ListQuery::default()).await.map(drop),
        "list domains",
    );
    forbidden(
        t.create_domain(who, domain("held")).await.map(drop),
        "create a domain",
    );
    forbidden(
        id.list_users(who, &ListQuery::default()).await.map(drop),
        "list users",
    );
    forbidden(id.list_roles(who).await.map(drop), "list roles");
    forbidden(
        s.clusters().list_clusters(who).await.map(drop),
        "list clusters",
    );
    assert!(!s.clusters().may_watch_cluster(who), "watch a cluster");
}

db_test!(
    a_held_user_may_do_their_task_and_nothing_else,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let held_id = second_operator(&s, "ops2-password").await;
        // An operator's reset means a change comes first.
        s.identity()
            .reset_password(&ops, held_id, &secret("reset-password-1"))
            .await
            .unwrap();
        let held = principal(&s, held_id).await;
        assert_eq!(held.hold(), Some(Hold::ChangePassword));
        assert_refused_everything(&s, &held).await;
        assert!(matches!(
            s.identity().list_sessions(&held).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.identity().two_factor_status(&held).await,
            Err(Error::Forbidden)
        ));
        s.identity()
            .change_own_password(
                &held,
                &secret("reset-password-1"),
                &secret("changed-password-2"),
            )
            .await
            .unwrap();
        let free = principal(&s, held_id).await;
        assert_eq!(free.hold(), None);
        s.identity()
            .list_users(&free, &ListQuery::default())
            .await
            .unwrap();

        // A second factor the policy requires: only setting it up.
        s.identity()
            .set_two_factor_policy(
                &ops,
                TwoFactorPolicy {
                    required_role_types: vec![RoleType::OperationsAdmin],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let held = principal(&s, held_id).await;
        assert_eq!(held.hold(), Some(Hold::EnrollSecondFactor));
        assert_refused_everything(&s, &held).await;
        assert!(matches!(
            s.identity()
                .change_own_password(
                    &held,
                    &secret("changed-password-2"),
                    &secret("changed-password-3"),
                )
                .await,
            Err(Error::Forbidden)
        ));
        assert!(
            s.identity()
                .two_factor_status(&held)
                .await
                .unwrap()
                .required
        );
        s.identity()
            .begin_totp(&held, &secret("changed-password-2"), "")
            .await
            .unwrap();
    }
);
