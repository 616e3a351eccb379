//! Usage against the simulator: what the app spaces of a VDC take of their
//! quota (ResourceQuota status) and use now (metrics API), summed for the
//! VDC and its domain, the latest events of its namespaces, the CSV, an
//! unreachable cluster shown as unknown, and a neighbour who learns what an
//! unknown id tells.

use std::time::{Duration, Instant};

use berth_api::{QuotaLine, QuotaOwner, QuotaResource};
use berth_core::{
    auth::{RoleType, Scope},
    db_test,
    tenancy::usage::usage_csv,
    testing::TestDb,
    Error,
};
use berth_kube_sim::{
    faults::{Effect, Fault},
    SimConfig,
};
use k8s_openapi::api::core::v1::Pod;
use kube::{api::PostParams, Api};
use serde_json::json;

use crate::common::*;
use crate::support::*;

fn line<'a>(lines: &'a [QuotaLine], r: &QuotaResource) -> &'a QuotaLine {
    lines
        .iter()
        .find(|l| &l.resource == r)
        .unwrap_or_else(|| panic!("no line for {r:?}"))
}

/// A pod asking for 250m and 256Mi.
fn pod(name: &str) -> Pod {
    serde_json::from_value(json!({
        "metadata": { "name": name },
        "spec": { "containers": [{
            "name": "main",
            "image": "nginx:1.27",
            "resources": {
                "requests": { "cpu": "250m", "memory": "256Mi" },
                "limits": { "cpu": "500m", "memory": "512Mi" },
            },
        }]},
    }))
    .unwrap()
}

db_test!(
    usage_sums_quota_status_and_metrics_per_app_space_vdc_and_domain,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (domain_id, web) = tenant(&s, &ops, cluster).await;
        let t_ = s.tenancy();
        for name in ["shop", "blog"] {
            t_.create_app_space(
                &ops,
                space(
                    web,
                    cluster,
                    name,
                    &[("cpu", "1"), ("memory", "2Gi"), ("pods", "5")],
                ),
            )
            .await
            .unwrap();
        }
        let pods: Api<Pod> = Api::namespaced(client.clone(), "shop");
        for name in ["a", "b"] {
            pods.create(&PostParams::default(), &pod(name))
                .await
                .unwrap();
        }
        // Metrics come from running pods: wait, with a deadline, until both run.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let list = pods.list(&Default::default()).await.unwrap();
            let running = list
                .items
                .iter()
                .filter(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
                .count();
            if running == 2 {
                break;
            }
            assert!(Instant::now() < deadline, "the pods never ran");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let usage = t_.vdc_usage(&ops, web).await.unwrap();
        let c = &usage.clusters[0];
        assert!(c.reachable);
        assert_eq!(c.cluster_id, cluster);
        let names: Vec<&str> = c.app_spaces.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["shop", "blog"]);
        let shop = &c.app_spaces[0];
        let cpu = line(&shop.lines, &QuotaResource::Cpu);
        assert_eq!((cpu.limit, cpu.used), (1000, Some(500)), "two pods of 250m");
        // The simulator's pods use about half their request (±10%), each
        // rounded up to a millicore.
        let live = cpu.in_use.unwrap();
        assert!((225..=277).contains(&live), "cpu in use {live}");
        let memory = line(&shop.lines, &QuotaResource::Memory);
        assert_eq!(memory.used, Some(512 << 20));
        assert!(memory.in_use.is_some_and(|v| v > 0));
        assert_eq!(line(&shop.lines, &QuotaResource::Pods).used, Some(2));
        let blog = &c.app_spaces[1];
        assert_eq!(line(&blog.lines, &QuotaResource::Cpu).used, Some(0));
        assert_eq!(line(&blog.lines, &QuotaResource::Cpu).in_use, Some(0));
        // The VDC's lines sum its app spaces.
        let vdc_cpu = line(&c.lines, &QuotaResource::Cpu);
        assert_eq!(
            (vdc_cpu.limit, vdc_cpu.allocated, vdc_cpu.used),
            (2000, 2000, Some(500))
        );
        assert_eq!(vdc_cpu.in_use, Some(live));
        assert_eq!(line(&c.lines, &QuotaResource::Pods).used, Some(2));
        // The quota pages show the same figures, for the VDC and its domain.
        for owner in [QuotaOwner::Vdc(web), QuotaOwner::Domain(domain_id)] {
            let q = t_.quotas(&ops, owner).await.unwrap();
            assert_eq!(
                line(&q[0].lines, &QuotaResource::Cpu).used,
                Some(500),
                "{owner:?}"
            );
        }
        let quiet = t_.create_vdc(&ops, vdc(domain_id, "quiet")).await.unwrap();
        let q = t_.quotas(&ops, QuotaOwner::Vdc(quiet.id)).await.unwrap();
        assert_eq!(
            line(&q[0].lines, &QuotaResource::Cpu).used,
            Some(0),
            "no app spaces"
        );
        // The latest events are of the VDC's namespaces, newest first.
        assert!(!usage.events.is_empty(), "the pods' events");
        assert!(usage
            .events
            .iter()
            .all(|e| e.namespace == "shop" || e.namespace == "blog"));
        let seen: Vec<_> = usage.events.iter().map(|e| e.last_seen.clone()).collect();
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(seen, sorted);
        // The CSV has the VDC's line and each app space's.
        let csv = usage_csv(&usage);
        assert!(
            csv.starts_with("cluster,app_space,resource,quota,used,in_use\r\n"),
            "{csv}"
        );
        assert!(
            csv.contains("\"sim\",\"\",\"cpu\",\"2\",\"500m\","),
            "{csv}"
        );
        assert!(
            csv.contains("\"sim\",\"shop\",\"cpu\",\"1\",\"500m\","),
            "{csv}"
        );
        assert!(
            csv.contains("\"sim\",\"blog\",\"memory\",\"2Gi\",\"0\",\"0\""),
            "{csv}"
        );
    }
);

db_test!(
    an_unreachable_cluster_is_unknown_not_zero,
    |t: TestDb| async move {
        let (s, ops, cluster, _client, sim) =
            simulated_cluster_and_sim(&t, SimConfig::nodes(1)).await;
        let (_, web) = tenant(&s, &ops, cluster).await;
        s.tenancy()
            .create_app_space(&ops, space(web, cluster, "shop", &[("cpu", "1")]))
            .await
            .unwrap();
        sim.faults()
            .add(Fault::always(Effect::Error { code: 503 }).on_path("/resourcequotas"));
        let u = s.tenancy().vdc_usage(&ops, web).await.unwrap();
        let c = &u.clusters[0];
        assert!(!c.reachable);
        let cpu = line(&c.lines, &QuotaResource::Cpu);
        assert_eq!((cpu.limit, cpu.used, cpu.in_use), (2000, None, None));
        assert_eq!(line(&c.app_spaces[0].lines, &QuotaResource::Cpu).used, None);
        let q = s
            .tenancy()
            .quotas(&ops, QuotaOwner::Vdc(web))
            .await
            .unwrap();
        assert_eq!(line(&q[0].lines, &QuotaResource::Cpu).used, None);
        assert!(usage_csv(&u).contains("\"sim\",\"shop\",\"cpu\",\"1\",\"\",\"\""));
    }
);

db_test!(
    a_neighbour_learns_of_usage_what_an_unknown_id_tells,
    |t: TestDb| async move {
        let (s, ops, cluster, _client) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (domain_id, web) = tenant(&s, &ops, cluster).await;
        s.tenancy()
            .create_app_space(&ops, space(web, cluster, "shop", &[("cpu", "1")]))
            .await
            .unwrap();
        let mine = s
            .tenancy()
            .create_vdc(&ops, vdc(domain_id, "mine"))
            .await
            .unwrap();
        let scope = Scope::Vdc {
            domain_id,
            vdc_id: mine.id,
        };
        let neighbour = tenant_user(&s, "neighbour", RoleType::VdcAdmin, scope).await;
        let theirs = s.tenancy().vdc_usage(&neighbour, web).await;
        let nothing = s.tenancy().vdc_usage(&neighbour, 999_999).await;
        assert!(matches!(theirs, Err(Error::NotFound)), "{theirs:?}");
        assert!(matches!(nothing, Err(Error::NotFound)), "{nothing:?}");
        // Their own VDC has no app spaces: no cluster, no events of others.
        let own = s.tenancy().vdc_usage(&neighbour, mine.id).await.unwrap();
        assert!(own.clusters.is_empty() && own.events.is_empty(), "{own:?}");
        // A VDC user of the VDC sees its usage.
        let viewer = tenant_user(
            &s,
            "viewer",
            RoleType::VdcUser,
            Scope::Vdc {
                domain_id,
                vdc_id: web,
            },
        )
        .await;
        let u = s.tenancy().vdc_usage(&viewer, web).await.unwrap();
        assert_eq!(u.clusters.len(), 1);
        assert_eq!(u.clusters[0].app_spaces[0].name, "shop");
    }
);
