//! A VDC's members: its admin adds users of the VDC's domain by name with
//! VDC roles and removes them; users of other domains are nobody; those
//! outside the VDC see nothing of it.

use berth_api::{ErrorCode, ListQuery, MemberInput};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    testing::TestDb,
    Error,
};

use crate::common::*;
use crate::support::*;

db_test!(
    a_vdc_admin_adds_and_removes_members_of_their_domain,
    |t: TestDb| async move {
        let s = services(&t, berth_core::testing::keyring()).await;
        let ops = operator(&s).await;
        let acme = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let other = s
            .tenancy()
            .create_domain(&ops, domain("other"))
            .await
            .unwrap();
        let web = s
            .tenancy()
            .create_vdc(&ops, vdc(acme.id, "web"))
            .await
            .unwrap();
        let theirs = s
            .tenancy()
            .create_vdc(&ops, vdc(other.id, "theirs"))
            .await
            .unwrap();
        let role = |name: &'static str| {
            let (s, ops) = (s.clone(), ops.clone());
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
        let (vdc_user, vdc_admin_role, domain_admin_role) = (
            role("vdc-user").await,
            role("vdc-admin").await,
            role("domain-admin").await,
        );
        for (name, domain_id) in [("alice", acme.id), ("bob", other.id)] {
            s.identity()
                .create_user(&ops, user_input(name, Some(domain_id)))
                .await
                .unwrap();
        }
        let web_scope = Scope::Vdc {
            domain_id: acme.id,
            vdc_id: web.id,
        };
        let admin = tenant_user(&s, "web-admin", RoleType::VdcAdmin, web_scope).await;
        let neighbour = tenant_user(
            &s,
            "theirs-admin",
            RoleType::VdcAdmin,
            Scope::Vdc {
                domain_id: other.id,
                vdc_id: theirs.id,
            },
        )
        .await;

        let alice = s
            .tenancy()
            .add_member(
                &admin,
                web.id,
                MemberInput {
                    username: "alice".into(),
                    role_id: vdc_user,
                },
            )
            .await
            .unwrap();
        assert_eq!(alice.roles[0].role_name, "vdc-user");
        // A user of another domain is answered like nobody at all.
        for nobody in ["bob", "nobody"] {
            let err = s
                .tenancy()
                .add_member(
                    &admin,
                    web.id,
                    MemberInput {
                        username: nobody.into(),
                        role_id: vdc_user,
                    },
                )
                .await
                .unwrap_err();
            assert_eq!(
                field_codes(&err),
                [("username".into(), ErrorCode::NotFound)],
                "{nobody}"
            );
        }
        // Only VDC roles.
        let err = s
            .tenancy()
            .add_member(
                &admin,
                web.id,
                MemberInput {
                    username: "alice".into(),
                    role_id: domain_admin_role,
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Forbidden | Error::Validation(_)),
            "{err:?}"
        );
        // A second role for alice.
        let alice = s
            .tenancy()
            .add_member(
                &admin,
                web.id,
                MemberInput {
                    username: "alice".into(),
                    role_id: vdc_admin_role,
                },
            )
            .await
            .unwrap();
        assert_eq!(alice.roles.len(), 2);
        let members = s
            .tenancy()
            .list_members(&admin, web.id, &ListQuery::default())
            .await
            .unwrap();
        let names: Vec<_> = members.items.iter().map(|m| m.username.as_str()).collect();
        assert_eq!(names, ["alice", "web-admin"]);
        let found = s
            .tenancy()
            .list_members(
                &admin,
                web.id,
                &ListQuery {
                    search: "ALI".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(found.total, 1);

        // The neighbour sees and changes nothing of web, as for an unknown VDC.
        for id in [web.id, 99_999] {
            let list = s
                .tenancy()
                .list_members(&neighbour, id, &ListQuery::default())
                .await
                .unwrap_err();
            assert!(matches!(list, Error::NotFound), "{list:?}");
            let add = s
                .tenancy()
                .add_member(
                    &neighbour,
                    id,
                    MemberInput {
                        username: "alice".into(),
                        role_id: vdc_user,
                    },
                )
                .await
                .unwrap_err();
            assert!(matches!(add, Error::NotFound), "{add:?}");
            let remove = s
                .tenancy()
                .remove_member(&neighbour, id, alice.user_id)
                .await
                .unwrap_err();
            assert!(matches!(remove, Error::NotFound), "{remove:?}");
        }
        // A plain member manages nobody.
        let alice_as_user = tenant_user(&s, "carol", RoleType::VdcUser, web_scope).await;
        let refused = s
            .tenancy()
            .remove_member(&alice_as_user, web.id, alice.user_id)
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::Forbidden), "{refused:?}");

        s.tenancy()
            .remove_member(&admin, web.id, alice.user_id)
            .await
            .unwrap();
        let again = s
            .tenancy()
            .remove_member(&admin, web.id, alice.user_id)
            .await
            .unwrap_err();
        assert!(matches!(again, Error::NotFound));
        let members = s
            .tenancy()
            .list_members(&admin, web.id, &ListQuery::default())
            .await
            .unwrap();
        assert!(members.items.iter().all(|m| m.username != "alice"));
    }
);
