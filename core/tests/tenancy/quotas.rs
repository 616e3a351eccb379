//! Quotas per cluster: domains within the cluster's allocatable times its
//! overcommit ratio, VDCs within their domain, exact amounts, errors that
//! name the numbers, concurrency that never over-allocates, and tenants
//! who can neither see nor raise what is not theirs.

use berth_api::{
    ClusterQuota, ClusterTenancyInput, Detail, ErrorCode, QuotaInput, QuotaOwner, QuotaResource,
};
use berth_core::{
    auth::{Principal, RoleType, Scope},
    db_test,
    testing::TestDb,
    Error, Services,
};
use berth_kube_sim::SimConfig;

use crate::common::*;
use crate::support::*;

fn ask(cluster_id: i64, amounts: &[(&str, &str)]) -> QuotaInput {
    QuotaInput {
        cluster_id,
        amounts: amounts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn line(q: &ClusterQuota, r: &QuotaResource) -> (i64, i64, Option<i64>) {
    let l = q
        .lines
        .iter()
        .find(|l| &l.resource == r)
        .unwrap_or_else(|| panic!("no line for {r:?}"));
    (l.limit, l.allocated, l.ceiling)
}

async fn quota_on(s: &Services, who: &Principal, owner: QuotaOwner, cluster: i64) -> ClusterQuota {
    s.tenancy()
        .quotas(who, owner)
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.cluster_id == cluster)
        .unwrap()
}

/// The one field error of a rejected change, with its detail.
fn rejection(e: Error) -> (String, ErrorCode, Option<Detail>) {
    match e {
        Error::Validation(mut f) if f.len() == 1 => {
            let f = f.remove(0);
            (f.field, f.code, f.detail)
        }
        other => panic!("expected one field error, got {other:?}"),
    }
}

db_test!(
    quotas_nest_cluster_domain_vdc_and_say_what_is_left,
    |t: TestDb| async move {
        let (s, ops, cluster, _) = simulated_cluster(&t, SimConfig::nodes(3)).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let other = s
            .tenancy()
            .create_domain(&ops, domain("other"))
            .await
            .unwrap();
        let v = s
            .tenancy()
            .create_vdc(&ops, vdc(d.id, "web"))
            .await
            .unwrap();
        let cpu = QuotaResource::Cpu;

        // Three nodes of 7800m allocatable: 23400m, nothing given yet.
        let before = quota_on(&s, &ops, QuotaOwner::Domain(d.id), cluster).await;
        assert_eq!(line(&before, &cpu), (0, 0, Some(23_400)));
        assert_eq!(
            line(&before, &QuotaResource::Storage("standard".into())).2,
            None,
            "the simulator's StorageClass is offered, unbounded by the cluster"
        );

        let set = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(other.id),
                ask(
                    cluster,
                    &[("cpu", "20"), ("memory", "64Gi"), ("pods", "100")],
                ),
            )
            .await
            .unwrap();
        assert_eq!(line(&set, &cpu), (20_000, 0, Some(23_400)));
        assert_eq!(line(&set, &QuotaResource::Memory).0, 64 << 30);

        // What the other domain holds is gone from acme's ceiling.
        let err = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(cluster, &[("cpu", "4")]),
            )
            .await
            .unwrap_err();
        assert_eq!(
            rejection(err),
            (
                "amounts.cpu".into(),
                ErrorCode::QuotaExceeded,
                Some(Detail::QuotaExceeded {
                    resource: "cpu".into(),
                    parent: "cluster".into(),
                    asked: "4".into(),
                    limit: "23400m".into(),
                    given: "20".into(),
                    left: "3400m".into(),
                })
            )
        );
        s.tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(cluster, &[("cpu", "3400m")]),
            )
            .await
            .unwrap();

        // An operator who overcommits the cluster doubles what is left.
        s.clusters()
            .update_cluster_tenancy(
                &ops,
                cluster,
                ClusterTenancyInput {
                    overcommit_percent: 200,
                    ingress_namespace: "ingress-nginx".into(),
                },
            )
            .await
            .unwrap();
        let acme = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(
                    cluster,
                    &[("cpu", "26.8"), ("memory", "16Gi"), ("pods", "20")],
                ),
            )
            .await
            .unwrap();
        assert_eq!(line(&acme, &cpu), (26_800, 0, Some(46_800 - 20_000)));

        // VDCs within the domain.
        let err = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Vdc(v.id),
                ask(cluster, &[("memory", "17Gi")]),
            )
            .await
            .unwrap_err();
        assert_eq!(
            rejection(err).2,
            Some(Detail::QuotaExceeded {
                resource: "memory".into(),
                parent: "domain".into(),
                asked: "17Gi".into(),
                limit: "16Gi".into(),
                given: "0".into(),
                left: "16Gi".into(),
            })
        );
        let web = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Vdc(v.id),
                ask(cluster, &[("memory", "12Gi"), ("cpu", "1500m")]),
            )
            .await
            .unwrap();
        assert_eq!(
            line(&web, &QuotaResource::Memory),
            (12 << 30, 0, Some(16 << 30))
        );
        let acme = quota_on(&s, &ops, QuotaOwner::Domain(d.id), cluster).await;
        assert_eq!(
            line(&acme, &QuotaResource::Memory).1,
            12 << 30,
            "given to VDCs"
        );

        // A domain cannot drop below what its VDCs hold.
        let err = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(cluster, &[("memory", "8Gi")]),
            )
            .await
            .unwrap_err();
        assert_eq!(
            rejection(err),
            (
                "amounts.memory".into(),
                ErrorCode::BelowAllocated,
                Some(Detail::BelowAllocated {
                    resource: "memory".into(),
                    asked: "8Gi".into(),
                    held: "12Gi".into(),
                })
            )
        );
        // Lowering the VDC first lets the domain follow.
        s.tenancy()
            .set_quota(&ops, QuotaOwner::Vdc(v.id), ask(cluster, &[("memory", "")]))
            .await
            .unwrap();
        s.tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(cluster, &[("memory", "8Gi")]),
            )
            .await
            .unwrap();

        // Deleting the VDC takes its quota with it.
        s.tenancy().delete_vdc(&ops, v.id).await.unwrap();
        let acme = quota_on(&s, &ops, QuotaOwner::Domain(d.id), cluster).await;
        assert_eq!(line(&acme, &cpu).1, 0);
    }
);

db_test!(
    bad_amounts_are_named_and_change_nothing,
    |t: TestDb| async move {
        let (s, ops, cluster, _) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        s.tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(cluster, &[("cpu", "2")]),
            )
            .await
            .unwrap();
        let err = s
            .tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(
                    cluster,
                    &[
                        ("cpu", "1"),
                        ("memory", "lots"),
                        ("pods", "1.5"),
                        ("services", "-1"),
                        ("limits.cpu", "1"),
                    ],
                ),
            )
            .await
            .unwrap_err();
        let mut fields = field_codes(&err);
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            fields,
            [
                ("amounts.limits.cpu".into(), ErrorCode::Invalid),
                ("amounts.memory".into(), ErrorCode::NotQuantity),
                ("amounts.pods".into(), ErrorCode::NotWhole),
                ("amounts.services".into(), ErrorCode::OutOfRange),
            ]
        );
        let q = quota_on(&s, &ops, QuotaOwner::Domain(d.id), cluster).await;
        assert_eq!(
            line(&q, &QuotaResource::Cpu).0,
            2000,
            "the valid cpu was not applied"
        );

        let err = s
            .tenancy()
            .set_quota(&ops, QuotaOwner::Domain(d.id), ask(9999, &[("cpu", "1")]))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&err),
            [("cluster_id".into(), ErrorCode::NotFound)]
        );

        let err = s
            .clusters()
            .update_cluster_tenancy(
                &ops,
                cluster,
                ClusterTenancyInput {
                    overcommit_percent: 0,
                    ingress_namespace: "Not A Namespace".into(),
                },
            )
            .await
            .unwrap_err();
        let mut fields = field_codes(&err);
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            fields,
            [
                ("ingress_namespace".into(), ErrorCode::Dns1123Label),
                ("overcommit_percent".into(), ErrorCode::OutOfRange),
            ]
        );
    }
);

db_test!(
    fifty_concurrent_allocations_never_exceed_the_parent,
    |t: TestDb| async move {
        let (s, ops, cluster, _) = simulated_cluster(&t, SimConfig::nodes(3)).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        s.tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(d.id),
                ask(cluster, &[("cpu", "10"), ("pods", "25")]),
            )
            .await
            .unwrap();
        let mut vdcs = vec![];
        for i in 0..50 {
            vdcs.push(
                s.tenancy()
                    .create_vdc(&ops, vdc(d.id, &format!("v{i:02}")))
                    .await
                    .unwrap()
                    .id,
            );
        }
        // Each asks for 1 cpu and 1 pod; then half of them again for 2 pods.
        let run = |amounts: &'static [(&'static str, &'static str)], ids: Vec<i64>| {
            let tasks: Vec<_> = ids
                .into_iter()
                .map(|id| {
                    let (s, ops) = (s.clone(), ops.clone());
                    tokio::spawn(async move {
                        s.tenancy()
                            .set_quota(&ops, QuotaOwner::Vdc(id), ask(cluster, amounts))
                            .await
                    })
                })
                .collect();
            async move {
                let mut granted = 0;
                for t in tasks {
                    match t.await.unwrap() {
                        Ok(_) => granted += 1,
                        Err(e) => assert_eq!(rejection(e).1, ErrorCode::QuotaExceeded),
                    }
                }
                granted
            }
        };
        let granted = run(&[("cpu", "1"), ("pods", "1")], vdcs.clone()).await;
        assert_eq!(granted, 10, "exactly the domain's 10 cpu were handed out");
        let granted = run(&[("pods", "2")], vdcs[..25].to_vec()).await;

        let acme = quota_on(&s, &ops, QuotaOwner::Domain(d.id), cluster).await;
        let (cpu_limit, cpu_given, _) = line(&acme, &QuotaResource::Cpu);
        let (pods_limit, pods_given, _) = line(&acme, &QuotaResource::Pods);
        assert_eq!((cpu_limit, cpu_given), (10_000, 10_000));
        assert!(
            pods_given <= pods_limit,
            "{pods_given} pods given of {pods_limit}"
        );
        // The sums as the rows have them, VDC by VDC.
        let mut pods_sum = 0;
        let mut cpu_sum = 0;
        for id in &vdcs {
            let q = quota_on(&s, &ops, QuotaOwner::Vdc(*id), cluster).await;
            cpu_sum += line(&q, &QuotaResource::Cpu).0;
            pods_sum += line(&q, &QuotaResource::Pods).0;
        }
        assert_eq!(cpu_sum, 10_000);
        assert_eq!(pods_sum, pods_given);
        // 10 VDCs held 1 pod each; raising to 2 is granted while pods are
        // left: never past 25.
        assert!(
            granted >= 1 && pods_sum <= 25,
            "{granted} raised, {pods_sum} pods"
        );
    }
);

db_test!(
    tenants_neither_see_nor_raise_what_is_not_theirs,
    |t: TestDb| async move {
        let (s, ops, cluster, _) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let a = s.tenancy().create_domain(&ops, domain("a")).await.unwrap();
        let b = s.tenancy().create_domain(&ops, domain("b")).await.unwrap();
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
        for owner in [QuotaOwner::Domain(a.id), QuotaOwner::Domain(b.id)] {
            s.tenancy()
                .set_quota(&ops, owner, ask(cluster, &[("cpu", "2")]))
                .await
                .unwrap();
        }
        let admin_a = tenant_user(&s, "admin-a", RoleType::DomainAdmin, Scope::Domain(a.id)).await;
        let vdc_admin = tenant_user(
            &s,
            "a-one-admin",
            RoleType::VdcAdmin,
            Scope::Vdc {
                domain_id: a.id,
                vdc_id: a1.id,
            },
        )
        .await;

        // A domain admin carves their domain into VDCs...
        s.tenancy()
            .set_quota(
                &admin_a,
                QuotaOwner::Vdc(a1.id),
                ask(cluster, &[("cpu", "1")]),
            )
            .await
            .unwrap();
        // ...but does not raise the domain's own quota.
        let own = s
            .tenancy()
            .set_quota(
                &admin_a,
                QuotaOwner::Domain(a.id),
                ask(cluster, &[("cpu", "9")]),
            )
            .await
            .unwrap_err();
        assert!(matches!(own, Error::Forbidden), "{own:?}");
        // The neighbour's domain and VDC answer as ids that do not exist.
        for owner in [
            QuotaOwner::Domain(b.id),
            QuotaOwner::Vdc(b1.id),
            QuotaOwner::Domain(99_999),
            QuotaOwner::Vdc(99_999),
        ] {
            let read = s.tenancy().quotas(&admin_a, owner).await.unwrap_err();
            assert!(matches!(read, Error::NotFound), "{owner:?}: {read:?}");
            let write = s
                .tenancy()
                .set_quota(&admin_a, owner, ask(cluster, &[("cpu", "1")]))
                .await
                .unwrap_err();
            assert!(matches!(write, Error::NotFound), "{owner:?}: {write:?}");
        }
        // A VDC admin reads their VDC's quota and changes none.
        let q = quota_on(&s, &vdc_admin, QuotaOwner::Vdc(a1.id), cluster).await;
        assert_eq!(line(&q, &QuotaResource::Cpu).0, 1000);
        let raise = s
            .tenancy()
            .set_quota(
                &vdc_admin,
                QuotaOwner::Vdc(a1.id),
                ask(cluster, &[("cpu", "2")]),
            )
            .await
            .unwrap_err();
        assert!(matches!(raise, Error::Forbidden), "{raise:?}");
        let domain_read = s
            .tenancy()
            .quotas(&vdc_admin, QuotaOwner::Domain(a.id))
            .await
            .unwrap_err();
        assert!(matches!(domain_read, Error::NotFound), "{domain_read:?}");
        // Nothing of b changed.
        let b_quota = quota_on(&s, &ops, QuotaOwner::Domain(b.id), cluster).await;
        assert_eq!(
            line(&b_quota, &QuotaResource::Cpu),
            (2000, 0, Some(7800 - 2000)),
            "a's 2 cpu are what b cannot have"
        );
    }
);
