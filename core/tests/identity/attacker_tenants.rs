//! Creating into another tenant, and bindings that leave with their scope
//! (issue 11).

use super::attacker::*;
use super::common::operator;
use berth_api::TwoFactorPolicy;
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    testing::TestDb,
    Error,
};

db_test!(
    creating_into_another_tenant_is_answered_as_missing,
    |t: TestDb| async move {
        let Tenants {
            s,
            ops,
            a,
            b,
            admin,
            ..
        } = tenants(&t).await;
        let beta_admin = member(
            &s,
            &ops,
            "beta-admin",
            Some(b.id),
            Some((RoleType::DomainAdmin, Scope::Domain(b.id))),
        )
        .await;
        const MARK: &str = "attacker-was-here";
        for domain_id in [b.id, 999_999] {
            assert!(matches!(
                s.tenancy().create_vdc(&admin, vdc(domain_id, MARK)).await,
                Err(Error::NotFound)
            ));
            assert!(matches!(
                s.identity()
                    .create_user(&admin, user(MARK, Some(domain_id)))
                    .await,
                Err(Error::NotFound)
            ));
            let rule = berth_api::IpRuleInput {
                domain_id: Some(domain_id),
                action: "deny".into(),
                cidr: "203.0.113.0/24".into(),
                description: MARK.into(),
            };
            assert!(matches!(
                s.identity().create_ip_rule(&admin, rule).await,
                Err(Error::NotFound)
            ));
        }
        // Beta's audit log holds nothing the attacker typed.
        let log = s
            .audit_log()
            .list_audit(
                &beta_admin,
                &berth_api::AuditQuery {
                    per_page: 200,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(log.items.iter().all(|e| !format!("{e:?}").contains(MARK)));
        // Inside its own domain the admin creates as before.
        s.tenancy()
            .create_vdc(&admin, vdc(a.id, "a-new"))
            .await
            .unwrap();

        // The 2FA policy shows a domain admin only their own domains.
        s.identity()
            .set_two_factor_policy(
                &ops,
                TwoFactorPolicy {
                    required_role_types: vec![],
                    required_domains: vec![a.id, b.id],
                },
            )
            .await
            .unwrap();
        let seen_by_admin = s.identity().two_factor_policy_for(&admin).await.unwrap();
        assert_eq!(seen_by_admin.required_domains, vec![a.id]);
        assert_eq!(
            s.identity()
                .two_factor_policy_for(&ops)
                .await
                .unwrap()
                .required_domains,
            vec![a.id, b.id]
        );

        // Role counts on the roles page: only the caller's tenants.
        let counts = |roles: Vec<berth_api::Role>| {
            roles
                .into_iter()
                .find(|r| r.name == "domain-admin")
                .unwrap()
                .binding_count
        };
        assert_eq!(counts(s.identity().list_roles(&ops).await.unwrap()), 2);
        assert_eq!(counts(s.identity().list_roles(&admin).await.unwrap()), 1);
    }
);

db_test!(
    deleting_a_domain_or_vdc_takes_its_role_bindings_along,
    |t: TestDb| async move {
        use berth_core::db::schema::RoleBindings as B;
        use sea_query::{Expr, Func, Query};
        let s = services(&t).await;
        let ops = operator(&s).await;
        let a = s
            .tenancy()
            .create_domain(&ops, domain("gone"))
            .await
            .unwrap();
        let a1 = s
            .tenancy()
            .create_vdc(&ops, vdc(a.id, "gone-vdc"))
            .await
            .unwrap();
        let u = member(&s, &ops, "holder", None, None).await;
        grant(
            &s,
            &ops,
            u.user_id,
            RoleType::VdcUser,
            Scope::Vdc {
                domain_id: a.id,
                vdc_id: a1.id,
            },
        )
        .await;
        grant(
            &s,
            &ops,
            u.user_id,
            RoleType::DomainAdmin,
            Scope::Domain(a.id),
        )
        .await;
        let count = |kind: &'static str, id: i64| {
            let db = t.db.clone();
            async move {
                let n: i64 = db
                    .fetch_scalar(
                        Query::select()
                            .expr(Func::count(Expr::col(B::Id)))
                            .from(B::Table)
                            .and_where(Expr::col(B::ScopeKind).eq(kind))
                            .and_where(Expr::col(B::ScopeId).eq(id)),
                    )
                    .await
                    .unwrap();
                n
            }
        };
        assert_eq!(count("vdc", a1.id).await, 1);
        s.tenancy().delete_vdc(&ops, a1.id).await.unwrap();
        assert_eq!(count("vdc", a1.id).await, 0);
        assert_eq!(count("domain", a.id).await, 1);
        s.tenancy().delete_domain(&ops, a.id).await.unwrap();
        assert_eq!(count("domain", a.id).await, 0);
        assert!(s
            .identity()
            .principal(u.user_id)
            .await
            .unwrap()
            .unwrap()
            .bindings
            .is_empty());
    }
);
