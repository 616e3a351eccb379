//! Domains and VDCs: creation, validation, edits, deletion rules and
//! what each tenant sees.

use crate::common::*;

use berth_api::{DomainInput, ErrorCode, ListQuery};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    tenancy::VdcFilter,
    testing::{keyring, TestDb},
    Error,
};

db_test!(
    migrations_leave_the_database_ready,
    |t: TestDb| async move {
        assert!(t.db.ready().await);
        // Applying again is a no-op.
        t.db.migrate().await.unwrap();
        assert!(t.db.ready().await);
    }
);

db_test!(
    domains_can_be_created_listed_searched_and_paged,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        for i in 0..25 {
            s.tenancy()
                .create_domain(&ops, domain(&format!("team-{i:02}")))
                .await
                .unwrap();
        }
        s.tenancy()
            .create_domain(&ops, domain("finance"))
            .await
            .unwrap();

        let first = s
            .tenancy()
            .list_domains(&ops, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(first.total, 26);
        assert_eq!(first.items.len(), 20);
        assert_eq!(first.items[0].name, "finance", "sorted by name");
        let second = s
            .tenancy()
            .list_domains(
                &ops,
                &ListQuery {
                    page: 2,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(second.items.len(), 6);
        assert_eq!(second.pages(), 2);

        let found = s
            .tenancy()
            .list_domains(
                &ops,
                &ListQuery {
                    search: "FIN".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(found.total, 1);
        assert_eq!(found.items[0].name, "finance");

        // LIKE wildcards in a search are taken literally.
        let none = s
            .tenancy()
            .list_domains(
                &ops,
                &ListQuery {
                    search: "%".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(none.total, 0);
    }
);

db_test!(
    domain_input_is_validated_and_rejections_change_nothing,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let bad = DomainInput {
            name: "Not_A_Label".into(),
            display_name: "x".repeat(65),
            description: String::new(),
        };
        let e = s.tenancy().create_domain(&ops, bad).await.unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![
                ("name".into(), ErrorCode::Dns1123Label),
                ("display_name".into(), ErrorCode::TooLong)
            ]
        );
        s.tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let e = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("name".into(), ErrorCode::Taken)]);
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
    domain_edit_changes_display_fields_only,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let edited = s
            .tenancy()
            .update_domain(
                &ops,
                d.id,
                DomainInput {
                    name: "renamed".into(),
                    display_name: "Acme 公司".into(),
                    description: "HQ".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.name, "acme");
        assert_eq!(edited.display_name, "Acme 公司");
        assert_eq!(edited.description, "HQ");
        assert!(matches!(
            s.tenancy().update_domain(&ops, 9999, domain("x")).await,
            Err(Error::NotFound)
        ));
    }
);

db_test!(
    a_domain_with_vdcs_cannot_be_deleted,
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
        assert_eq!(
            s.tenancy().get_domain(&ops, d.id).await.unwrap().vdc_count,
            1
        );

        match s.tenancy().delete_domain(&ops, d.id).await {
            Err(Error::Conflict { code, message }) => {
                assert_eq!(code, ErrorCode::HasChildren);
                assert!(message.contains("acme"), "{message}");
            }
            other => panic!("expected a conflict, got {other:?}"),
        }
        assert!(
            s.tenancy().get_domain(&ops, d.id).await.is_ok(),
            "refusal deleted nothing"
        );

        s.tenancy().delete_vdc(&ops, v.id).await.unwrap();
        s.tenancy().delete_domain(&ops, d.id).await.unwrap();
        assert!(matches!(
            s.tenancy().get_domain(&ops, d.id).await,
            Err(Error::NotFound)
        ));
    }
);

db_test!(
    vdc_names_are_unique_within_a_domain_only,
    |t: TestDb| async move {
        let s = services(&t, keyring()).await;
        let ops = operator(&s).await;
        let a = s.tenancy().create_domain(&ops, domain("a")).await.unwrap();
        let b = s.tenancy().create_domain(&ops, domain("b")).await.unwrap();
        s.tenancy()
            .create_vdc(&ops, vdc(a.id, "prod"))
            .await
            .unwrap();
        s.tenancy()
            .create_vdc(&ops, vdc(b.id, "prod"))
            .await
            .unwrap();
        let e = s
            .tenancy()
            .create_vdc(&ops, vdc(a.id, "prod"))
            .await
            .unwrap_err();
        assert_eq!(field_codes(&e), vec![("name".into(), ErrorCode::Taken)]);
        let e = s
            .tenancy()
            .create_vdc(&ops, vdc(424242, "prod"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            vec![("domain_id".into(), ErrorCode::NotFound)]
        );

        let in_a = s
            .tenancy()
            .list_vdcs(
                &ops,
                &VdcFilter {
                    domain_id: Some(a.id),
                },
                &ListQuery::default(),
            )
            .await
            .unwrap();
        assert_eq!(in_a.total, 1);
        assert_eq!(in_a.items[0].domain_name, "a");
        let all = s
            .tenancy()
            .list_vdcs(&ops, &VdcFilter::default(), &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(all.total, 2);
    }
);

db_test!(
    tenants_see_only_their_own_domains_and_vdcs,
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
        s.tenancy()
            .create_vdc(&ops, vdc(a.id, "a-two"))
            .await
            .unwrap();
        let b1 = s
            .tenancy()
            .create_vdc(&ops, vdc(b.id, "b-one"))
            .await
            .unwrap();

        let login_as = |name: &'static str, role| {
            let s = s.clone();
            async move {
                let id = s
                    .identity()
                    .create_user_with_role(name, name, &secret("pw-tenant-1"), Some(role))
                    .await
                    .unwrap();
                s.identity().principal(id).await.unwrap().unwrap()
            }
        };
        let admin_a = login_as("admin-a", (RoleType::DomainAdmin, Scope::Domain(a.id))).await;
        let user_b1 = login_as(
            "user-b1",
            (
                RoleType::VdcUser,
                Scope::Vdc {
                    domain_id: b.id,
                    vdc_id: b1.id,
                },
            ),
        )
        .await;

        let names = |p: berth_api::Page<berth_api::Vdc>| {
            p.items.into_iter().map(|v| v.name).collect::<Vec<_>>()
        };
        let all = ListQuery::default();
        let domains = s.tenancy().list_domains(&admin_a, &all).await.unwrap();
        assert_eq!(domains.total, 1);
        assert_eq!(domains.items[0].name, "alpha");
        assert_eq!(
            names(
                s.tenancy()
                    .list_vdcs(&admin_a, &VdcFilter::default(), &all)
                    .await
                    .unwrap()
            ),
            ["a-one", "a-two"]
        );
        // Filtering by another tenant's domain finds nothing rather than leaking.
        let other = s
            .tenancy()
            .list_vdcs(
                &admin_a,
                &VdcFilter {
                    domain_id: Some(b.id),
                },
                &all,
            )
            .await
            .unwrap();
        assert_eq!(other.total, 0);
        // Search stays inside the tenant too.
        let q = ListQuery {
            search: "one".into(),
            ..Default::default()
        };
        assert_eq!(
            names(
                s.tenancy()
                    .list_vdcs(&admin_a, &VdcFilter::default(), &q)
                    .await
                    .unwrap()
            ),
            ["a-one"]
        );

        assert_eq!(
            names(
                s.tenancy()
                    .list_vdcs(&user_b1, &VdcFilter::default(), &all)
                    .await
                    .unwrap()
            ),
            ["b-one"]
        );
        assert!(matches!(
            s.tenancy().list_domains(&user_b1, &all).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            s.tenancy().get_vdc(&user_b1, a1.id).await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            s.tenancy().get_domain(&admin_a, b.id).await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            s.tenancy().get_vdc(&admin_a, a1.id).await.unwrap().name,
            "a-one"
        );

        let o = s.tenancy().overview(&admin_a).await.unwrap();
        assert_eq!((o.domains, o.vdcs, o.clusters), (1, 2, 0));
        let o = s.tenancy().overview(&user_b1).await.unwrap();
        assert_eq!((o.domains, o.vdcs, o.clusters), (0, 1, 0));
        let o = s.tenancy().overview(&ops).await.unwrap();
        assert_eq!((o.domains, o.vdcs), (2, 3));
    }
);
