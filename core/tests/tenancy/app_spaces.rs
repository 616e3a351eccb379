//! App spaces against the simulator: a namespace with its ResourceQuota,
//! LimitRange and NetworkPolicies applied by Berth's field manager, its
//! share of the VDC's quota, typed-name deletion, creation that converges
//! after a failure, and neighbours who get what an unknown id gets.

use berth_api::{Detail, ErrorCode, ListQuery, QuotaInput, QuotaOwner, QuotaResource};
use berth_core::{
    auth::{Principal, RoleType, Scope},
    db_test,
    tenancy::{namespace, AppSpaceFilter},
    testing::TestDb,
    Error, Services,
};
use berth_kube_sim::{
    faults::{Effect, Fault},
    SimConfig,
};
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::Api;

use crate::common::*;
use crate::support::*;

async fn vdc_given(s: &Services, ops: &Principal, vdc_id: i64, r: QuotaResource) -> i64 {
    let q = s
        .tenancy()
        .quotas(ops, QuotaOwner::Vdc(vdc_id))
        .await
        .unwrap();
    q[0].lines
        .iter()
        .find(|l| l.resource == r)
        .unwrap()
        .allocated
}

db_test!(
    an_app_space_is_a_namespace_with_quota_limits_and_policies,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (_, web) = tenant(&s, &ops, cluster).await;
        let shop = s
            .tenancy()
            .create_app_space(
                &ops,
                space(
                    web,
                    cluster,
                    "shop",
                    &[("cpu", "1"), ("memory", "2Gi"), ("pods", "5")],
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            (shop.state.as_str(), shop.vdc_name.as_str()),
            ("ready", "web")
        );

        let ns = Api::<Namespace>::all(client.clone())
            .get("shop")
            .await
            .unwrap();
        let labels = ns.metadata.labels.unwrap();
        assert_eq!(labels["berth.io/vdc"], "web");
        assert_eq!(labels["berth.io/domain"], "acme");
        assert_eq!(labels["app.kubernetes.io/managed-by"], "berth");
        let managers: Vec<_> = ns
            .metadata
            .managed_fields
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.manager)
            .collect();
        assert!(
            managers.contains(&namespace::FIELD_MANAGER.to_owned()),
            "{managers:?}"
        );

        let rq = Api::<ResourceQuota>::namespaced(client.clone(), "shop")
            .get(namespace::QUOTA_NAME)
            .await
            .unwrap();
        let hard = rq.spec.unwrap().hard.unwrap();
        assert_eq!(hard["requests.cpu"].0, "1");
        assert_eq!(hard["limits.memory"].0, "2Gi");
        assert_eq!(hard["pods"].0, "5");
        assert_eq!(
            hard["services.loadbalancers"].0, "0",
            "nothing given is zero, not unlimited"
        );
        Api::<LimitRange>::namespaced(client.clone(), "shop")
            .get(namespace::LIMITS_NAME)
            .await
            .unwrap();
        let policies = Api::<NetworkPolicy>::namespaced(client.clone(), "shop")
            .list(&Default::default())
            .await
            .unwrap();
        let mut names: Vec<_> = policies
            .items
            .into_iter()
            .filter_map(|p| p.metadata.name)
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                namespace::INGRESS_POLICY,
                namespace::SAME_VDC_POLICY,
                namespace::DENY_POLICY
            ]
        );
        assert_eq!(vdc_given(&s, &ops, web, QuotaResource::Cpu).await, 1000);

        // More than the VDC has left is refused with its numbers, and
        // nothing is made.
        let err = s
            .tenancy()
            .create_app_space(&ops, space(web, cluster, "shop-two", &[("cpu", "1500m")]))
            .await
            .unwrap_err();
        match err {
            Error::Validation(f) => assert_eq!(
                f[0].detail,
                Some(Detail::QuotaExceeded {
                    resource: "cpu".into(),
                    parent: "vdc".into(),
                    asked: "1500m".into(),
                    limit: "2".into(),
                    given: "1".into(),
                    left: "1".into(),
                })
            ),
            other => panic!("{other:?}"),
        }
        assert!(Api::<Namespace>::all(client.clone())
            .get_opt("shop-two")
            .await
            .unwrap()
            .is_none());
        let listed = s
            .tenancy()
            .list_app_spaces(&ops, &AppSpaceFilter::default(), &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(listed.total, 1);

        // Its share changes, and the ResourceQuota follows.
        s.tenancy()
            .set_quota(
                &ops,
                QuotaOwner::AppSpace(shop.id),
                QuotaInput {
                    cluster_id: cluster,
                    amounts: amounts(&[("cpu", "2")]),
                },
            )
            .await
            .unwrap();
        let rq = Api::<ResourceQuota>::namespaced(client.clone(), "shop")
            .get(namespace::QUOTA_NAME)
            .await
            .unwrap();
        assert_eq!(rq.spec.unwrap().hard.unwrap()["limits.cpu"].0, "2");

        // A VDC with an app space cannot be deleted.
        let held = s.tenancy().delete_vdc(&ops, web).await.unwrap_err();
        assert!(
            matches!(
                held,
                Error::Conflict {
                    code: ErrorCode::HasChildren,
                    ..
                }
            ),
            "{held:?}"
        );

        // Deleting asks for the name.
        let wrong = s
            .tenancy()
            .delete_app_space(&ops, shop.id, "shop2")
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&wrong),
            [("confirm".into(), ErrorCode::Invalid)]
        );
        assert!(Api::<Namespace>::all(client.clone())
            .get_opt("shop")
            .await
            .unwrap()
            .is_some());
        let gone = s
            .tenancy()
            .delete_app_space(&ops, shop.id, "shop")
            .await
            .unwrap();
        assert!(
            gone.is_none(),
            "removed once the namespace is gone: {gone:?}"
        );
        assert!(Api::<Namespace>::all(client.clone())
            .get_opt("shop")
            .await
            .unwrap()
            .is_none());
        assert_eq!(vdc_given(&s, &ops, web, QuotaResource::Cpu).await, 0);
        assert!(matches!(
            s.tenancy().get_app_space(&ops, shop.id).await,
            Err(Error::NotFound)
        ));
    }
);

db_test!(
    names_follow_kubernetes_and_the_cluster,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (_, web) = tenant(&s, &ops, cluster).await;
        Api::<Namespace>::all(client.clone())
            .create(
                &Default::default(),
                &serde_json::from_value(serde_json::json!({"metadata": {"name": "theirs"}}))
                    .unwrap(),
            )
            .await
            .unwrap();
        for (name, field, code) in [
            ("Shop_1", "name", ErrorCode::Dns1123Label),
            ("kube-tools", "name", ErrorCode::Invalid),
            ("default", "name", ErrorCode::Invalid),
            ("theirs", "name", ErrorCode::Taken),
        ] {
            let err = s
                .tenancy()
                .create_app_space(&ops, space(web, cluster, name, &[]))
                .await
                .unwrap_err();
            assert_eq!(field_codes(&err), [(field.into(), code)], "{name}");
        }
        let err = s
            .tenancy()
            .create_app_space(&ops, space(web, 9_999, "fine", &[("pods", "lots")]))
            .await
            .unwrap_err();
        let mut fields = field_codes(&err);
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            fields,
            [
                ("amounts.pods".into(), ErrorCode::NotQuantity),
                ("cluster_id".into(), ErrorCode::NotFound),
            ]
        );
    }
);

db_test!(
    a_creation_the_cluster_refused_converges_when_asked_again,
    |t: TestDb| async move {
        let (s, ops, cluster, client, sim) =
            simulated_cluster_and_sim(&t, SimConfig::nodes(1)).await;
        let (_, web) = tenant(&s, &ops, cluster).await;
        // The cluster fails the ResourceQuota once: the namespace exists,
        // the rest does not.
        sim.faults().add(
            Fault::always(Effect::Error { code: 500 })
                .on_path("/resourcequotas/")
                .on_method("PATCH")
                .times(1),
        );
        let input = space(web, cluster, "retry-me", &[("cpu", "500m")]);
        let first = s.tenancy().create_app_space(&ops, input.clone()).await;
        assert!(
            matches!(first, Err(Error::ClusterUnavailable(_))),
            "{first:?}"
        );
        let listed = s
            .tenancy()
            .list_app_spaces(
                &ops,
                &AppSpaceFilter {
                    vdc_id: Some(web),
                    cluster_id: None,
                },
                &ListQuery::default(),
            )
            .await
            .unwrap();
        assert_eq!(listed.items[0].state, "failed");
        assert!(!listed.items[0].message.is_empty());

        let again = s.tenancy().create_app_space(&ops, input).await.unwrap();
        assert_eq!(
            (again.id, again.state.as_str()),
            (listed.items[0].id, "ready")
        );
        Api::<ResourceQuota>::namespaced(client, "retry-me")
            .get(namespace::QUOTA_NAME)
            .await
            .unwrap();
        assert_eq!(
            vdc_given(&s, &ops, web, QuotaResource::Cpu).await,
            500,
            "counted once"
        );
    }
);

db_test!(
    neighbours_get_what_an_unknown_id_gets,
    |t: TestDb| async move {
        let (s, ops, cluster, _) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (acme, web) = tenant(&s, &ops, cluster).await;
        let other = s
            .tenancy()
            .create_domain(&ops, domain("other"))
            .await
            .unwrap();
        let theirs = s
            .tenancy()
            .create_vdc(&ops, vdc(other.id, "theirs"))
            .await
            .unwrap();
        let shop = s
            .tenancy()
            .create_app_space(&ops, space(web, cluster, "shop", &[("cpu", "1")]))
            .await
            .unwrap();
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
        let member = tenant_user(
            &s,
            "web-user",
            RoleType::VdcUser,
            Scope::Vdc {
                domain_id: acme,
                vdc_id: web,
            },
        )
        .await;
        let admin = tenant_user(
            &s,
            "web-admin",
            RoleType::VdcAdmin,
            Scope::Vdc {
                domain_id: acme,
                vdc_id: web,
            },
        )
        .await;

        for id in [shop.id, 99_999] {
            let read = s.tenancy().get_app_space(&neighbour, id).await.unwrap_err();
            assert!(matches!(read, Error::NotFound), "{read:?}");
            let del = s
                .tenancy()
                .delete_app_space(&neighbour, id, "shop")
                .await
                .unwrap_err();
            assert!(matches!(del, Error::NotFound), "{del:?}");
            let quota = s
                .tenancy()
                .quotas(&neighbour, QuotaOwner::AppSpace(id))
                .await
                .unwrap_err();
            assert!(matches!(quota, Error::NotFound), "{quota:?}");
        }
        for vdc_id in [web, 99_999] {
            let made = s
                .tenancy()
                .create_app_space(&neighbour, space(vdc_id, cluster, "sneaky", &[]))
                .await
                .unwrap_err();
            assert!(matches!(made, Error::NotFound), "{made:?}");
        }
        let listed = s
            .tenancy()
            .list_app_spaces(
                &neighbour,
                &AppSpaceFilter {
                    vdc_id: Some(web),
                    cluster_id: None,
                },
                &ListQuery::default(),
            )
            .await
            .unwrap();
        assert_eq!(listed.total, 0, "the neighbour's list holds nothing of web");

        // A VDC user sees the app space and makes none; the VDC admin does.
        assert_eq!(
            s.tenancy()
                .get_app_space(&member, shop.id)
                .await
                .unwrap()
                .name,
            "shop"
        );
        let made = s
            .tenancy()
            .create_app_space(&member, space(web, cluster, "mine", &[]))
            .await
            .unwrap_err();
        assert!(matches!(made, Error::Forbidden), "{made:?}");
        let mine = s
            .tenancy()
            .create_app_space(&admin, space(web, cluster, "mine", &[("cpu", "1")]))
            .await
            .unwrap();
        assert_eq!(mine.state, "ready");
        // The VDC admin moves quota between their app spaces, within the VDC.
        let over = s
            .tenancy()
            .set_quota(
                &admin,
                QuotaOwner::AppSpace(mine.id),
                QuotaInput {
                    cluster_id: cluster,
                    amounts: amounts(&[("cpu", "1500m")]),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&over),
            [("amounts.cpu".into(), ErrorCode::QuotaExceeded)]
        );
    }
);

db_test!(
    an_operator_adopts_a_namespace_and_the_overview_names_its_vdc,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (acme, web) = tenant(&s, &ops, cluster).await;
        Api::<Namespace>::all(client.clone())
            .create(
                &Default::default(),
                &serde_json::from_value(serde_json::json!({
                    "metadata": {"name": "legacy", "labels": {"team": "old"}}
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let adopt = |name: &str| berth_api::AdoptInput {
            vdc_id: web,
            cluster_id: cluster,
            name: name.into(),
            amounts: amounts(&[("cpu", "500m")]),
        };
        let domain_admin =
            tenant_user(&s, "acme-admin", RoleType::DomainAdmin, Scope::Domain(acme)).await;
        let refused = s
            .tenancy()
            .adopt_namespace(&domain_admin, adopt("legacy"))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, Error::Forbidden),
            "operators only: {refused:?}"
        );
        let missing = s
            .tenancy()
            .adopt_namespace(&ops, adopt("nowhere"))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&missing),
            [("name".into(), ErrorCode::NotFound)]
        );
        let system = s
            .tenancy()
            .adopt_namespace(&ops, adopt("kube-system"))
            .await
            .unwrap_err();
        assert_eq!(field_codes(&system), [("name".into(), ErrorCode::Invalid)]);

        let legacy = s
            .tenancy()
            .adopt_namespace(&ops, adopt("legacy"))
            .await
            .unwrap();
        assert!(legacy.adopted && legacy.state == "ready", "{legacy:?}");
        let ns = Api::<Namespace>::all(client.clone())
            .get("legacy")
            .await
            .unwrap();
        let labels = ns.metadata.labels.unwrap();
        assert_eq!(
            (labels["team"].as_str(), labels["berth.io/vdc"].as_str()),
            ("old", "web")
        );
        Api::<ResourceQuota>::namespaced(client.clone(), "legacy")
            .get(namespace::QUOTA_NAME)
            .await
            .unwrap();
        assert_eq!(vdc_given(&s, &ops, web, QuotaResource::Cpu).await, 500);
        let again = s
            .tenancy()
            .adopt_namespace(&ops, adopt("legacy"))
            .await
            .unwrap_err();
        assert_eq!(field_codes(&again), [("name".into(), ErrorCode::Taken)]);

        // The overview reads a watch cache: wait (with a deadline) until it
        // has seen the namespace.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let overview = loop {
            let o = s.clusters().cluster_overview(&ops, cluster).await.unwrap();
            if o.namespaces.iter().any(|n| n.name == "legacy") {
                break o;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the overview never lists legacy"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        let vdc_of = |name: &str| {
            overview
                .namespaces
                .iter()
                .find(|n| n.name == name)
                .unwrap()
                .vdc
                .clone()
        };
        assert_eq!(
            vdc_of("legacy"),
            Some(berth_api::NamespaceVdc {
                vdc_id: web,
                name: "acme/web".into()
            })
        );
        assert_eq!(vdc_of("kube-system"), None);
    }
);
