//! Suspending a VDC scales its Deployments and StatefulSets to zero,
//! remembering their replicas, suspends its CronJobs and blocks creation;
//! resuming restores exactly what was there. Only those above the VDC may.

use berth_api::{AppSpaceInput, ErrorCode, QuotaInput, QuotaOwner};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    tenancy::lifecycle::SUSPENDED_REPLICAS,
    testing::TestDb,
    Error,
};
use berth_kube_sim::SimConfig;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use kube::{Api, ResourceExt};
use serde_json::json;

use crate::common::*;
use crate::support::*;

fn template(app: &str) -> serde_json::Value {
    json!({
        "metadata": { "labels": { "app": app } },
        "spec": { "containers": [{ "name": "c", "image": "nginx:1.27" }] },
    })
}

db_test!(
    suspending_stops_workloads_and_resuming_restores_them_exactly,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = simulated_cluster(&t, SimConfig::nodes(2)).await;
        let d = s
            .tenancy()
            .create_domain(&ops, domain("acme"))
            .await
            .unwrap();
        let v = s
            .tenancy()
            .create_vdc(&ops, vdc(d.id, "web"))
            .await
            .unwrap();
        let rich = amounts(&[("cpu", "8"), ("memory", "16Gi"), ("pods", "50")]);
        for owner in [QuotaOwner::Domain(d.id), QuotaOwner::Vdc(v.id)] {
            s.tenancy()
                .set_quota(
                    &ops,
                    owner,
                    QuotaInput {
                        cluster_id: cluster,
                        amounts: rich.clone(),
                    },
                )
                .await
                .unwrap();
        }
        s.tenancy()
            .create_app_space(
                &ops,
                AppSpaceInput {
                    vdc_id: v.id,
                    cluster_id: cluster,
                    name: "shop".into(),
                    display_name: "Shop".into(),
                    description: String::new(),
                    amounts: rich.clone(),
                },
            )
            .await
            .unwrap();
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), "shop");
        let sets: Api<StatefulSet> = Api::namespaced(client.clone(), "shop");
        let crons: Api<CronJob> = Api::namespaced(client.clone(), "shop");
        let pp = Default::default();
        for (name, replicas) in [("web", 3), ("idle", 0)] {
            let d: Deployment = serde_json::from_value(json!({
                "metadata": { "name": name },
                "spec": { "replicas": replicas, "selector": { "matchLabels": { "app": name } }, "template": template(name) },
            }))
            .unwrap();
            deployments.create(&pp, &d).await.unwrap();
        }
        let db: StatefulSet = serde_json::from_value(json!({
            "metadata": { "name": "db" },
            "spec": { "replicas": 2, "serviceName": "db", "selector": { "matchLabels": { "app": "db" } }, "template": template("db") },
        }))
        .unwrap();
        sets.create(&pp, &db).await.unwrap();
        for (name, suspended) in [("nightly", false), ("paused", true)] {
            let c: CronJob = serde_json::from_value(json!({
                "metadata": { "name": name },
                "spec": { "schedule": "0 3 * * *", "suspend": suspended, "jobTemplate": { "spec": { "template": {
                    "spec": { "restartPolicy": "OnFailure", "containers": [{ "name": "c", "image": "busybox:1.36" }] }
                } } } },
            }))
            .unwrap();
            crons.create(&pp, &c).await.unwrap();
        }

        let suspended = s.tenancy().suspend_vdc(&ops, v.id).await.unwrap();
        assert_eq!(suspended.status, "suspended");
        let replicas = |d: &Deployment| d.spec.replicas;
        let web = deployments.get("web").await.unwrap();
        assert_eq!(replicas(&web), Some(0));
        assert_eq!(web.annotations()[SUSPENDED_REPLICAS], "3");
        assert_eq!(sets.get("db").await.unwrap().spec.replicas, Some(0));
        assert_eq!(crons.get("nightly").await.unwrap().spec.suspend, Some(true));
        // Suspending again changes nothing (the remembered 3 stays 3).
        s.tenancy().suspend_vdc(&ops, v.id).await.unwrap();
        assert_eq!(
            deployments.get("web").await.unwrap().annotations()[SUSPENDED_REPLICAS],
            "3"
        );

        // Nothing new in a suspended VDC.
        let blocked = s
            .tenancy()
            .create_app_space(
                &ops,
                AppSpaceInput {
                    vdc_id: v.id,
                    cluster_id: cluster,
                    name: "more".into(),
                    display_name: "More".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                blocked,
                Error::Conflict {
                    code: ErrorCode::Invalid,
                    ..
                }
            ),
            "{blocked:?}"
        );

        let resumed = s.tenancy().resume_vdc(&ops, v.id).await.unwrap();
        assert_eq!(resumed.status, "active");
        let web = deployments.get("web").await.unwrap();
        assert_eq!(replicas(&web), Some(3));
        assert!(!web.annotations().contains_key(SUSPENDED_REPLICAS));
        assert_eq!(replicas(&deployments.get("idle").await.unwrap()), Some(0));
        assert_eq!(sets.get("db").await.unwrap().spec.replicas, Some(2));
        assert_eq!(
            crons.get("nightly").await.unwrap().spec.suspend,
            Some(false)
        );
        assert_eq!(
            crons.get("paused").await.unwrap().spec.suspend,
            Some(true),
            "was paused before"
        );

        // A VDC admin cannot suspend their own VDC; a neighbour cannot find it.
        let other = s
            .tenancy()
            .create_domain(&ops, domain("other"))
            .await
            .unwrap();
        let admin = tenant_user(
            &s,
            "web-admin",
            RoleType::VdcAdmin,
            Scope::Vdc {
                domain_id: d.id,
                vdc_id: v.id,
            },
        )
        .await;
        let neighbour = tenant_user(
            &s,
            "other-admin",
            RoleType::DomainAdmin,
            Scope::Domain(other.id),
        )
        .await;
        let own = tenant_user(&s, "acme-admin", RoleType::DomainAdmin, Scope::Domain(d.id)).await;
        assert!(matches!(
            s.tenancy().suspend_vdc(&admin, v.id).await,
            Err(Error::Forbidden)
        ));
        for id in [v.id, 99_999] {
            assert!(matches!(
                s.tenancy().suspend_vdc(&neighbour, id).await,
                Err(Error::NotFound)
            ));
        }
        assert_eq!(
            s.tenancy().suspend_vdc(&own, v.id).await.unwrap().status,
            "suspended"
        );
    }
);
