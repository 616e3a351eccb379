//! Benchmark: 500 VDCs (50 domains of 10) with 2,000 app spaces (4 each)
//! on the simulator, over SQLite. Prints the time to read the operator's
//! VDC list (first page and a search), a tenant's console (their VDC, its
//! quota, app spaces and members), and one reconciler pass over all app
//! spaces with the Kubernetes API calls it made.
//!
//! Run with `scripts/bench-tenancy` (a release build). Goals: the
//! reconciler's pass under 2 s, with no more API calls than app spaces
//! when nothing drifted.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use berth_api::{AppSpaceInput, ClusterTenancyInput, ListQuery, QuotaInput, QuotaOwner};
use berth_core::{
    auth::{RoleType, Scope},
    db::Dialect,
    identity::hashing::PasswordParams,
    tenancy::{AppSpaceFilter, VdcFilter},
    testing::{keyring, TestDb},
    Services,
};
use berth_kube_sim::SimConfig;
use secrecy::SecretString;

const DOMAINS: usize = 50;
const VDCS_PER_DOMAIN: usize = 10;
const SPACES_PER_VDC: usize = 4;
const RUNS: usize = 20;

fn amounts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The median of `RUNS` timings of `f`.
async fn median<F, Fut, T>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = vec![];
    for _ in 0..RUNS {
        let t = Instant::now();
        let _ = f().await;
        times.push(t.elapsed());
    }
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let t = TestDb::new(Dialect::Sqlite).await;
    let fast = PasswordParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };
    let s = Services::new(t.db.clone(), fast, keyring()).unwrap();
    s.identity().ensure_builtin_roles().await.unwrap();
    let ops_id = s
        .identity()
        .create_user_with_role(
            "ops",
            "Ops",
            &SecretString::from("ops-password".to_string()),
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await
        .unwrap();
    let ops = s.identity().principal(ops_id).await.unwrap().unwrap();
    let (addr, _sim) = berth_kube_sim::spawn("127.0.0.1:0".parse().unwrap(), SimConfig::nodes(20))
        .await
        .unwrap();
    s.clusters()
        .register_embedded_cluster("sim", &format!("http://{addr}"))
        .await
        .unwrap();
    let cluster = s.clusters().list_clusters(&ops).await.unwrap()[0].id;
    s.clusters()
        .update_cluster_tenancy(
            &ops,
            cluster,
            ClusterTenancyInput {
                overcommit_percent: 1000,
                ingress_namespace: "ingress-nginx".into(),
            },
        )
        .await
        .unwrap();

    let setup = Instant::now();
    let mut vdcs = vec![];
    for d in 0..DOMAINS {
        let domain = s
            .tenancy()
            .create_domain(
                &ops,
                berth_api::DomainInput {
                    name: format!("dom-{d:02}"),
                    display_name: format!("Domain {d}"),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
        s.tenancy()
            .set_quota(
                &ops,
                QuotaOwner::Domain(domain.id),
                QuotaInput {
                    cluster_id: cluster,
                    amounts: amounts(&[("cpu", "20"), ("memory", "40Gi"), ("pods", "200")]),
                },
            )
            .await
            .unwrap();
        for v in 0..VDCS_PER_DOMAIN {
            let vdc = s
                .tenancy()
                .create_vdc(
                    &ops,
                    berth_api::VdcInput {
                        domain_id: domain.id,
                        name: format!("vdc-{d:02}-{v}"),
                        display_name: format!("VDC {d}.{v}"),
                        description: String::new(),
                    },
                )
                .await
                .unwrap();
            s.tenancy()
                .set_quota(
                    &ops,
                    QuotaOwner::Vdc(vdc.id),
                    QuotaInput {
                        cluster_id: cluster,
                        amounts: amounts(&[("cpu", "2"), ("memory", "4Gi"), ("pods", "20")]),
                    },
                )
                .await
                .unwrap();
            vdcs.push((domain.id, vdc.id, vdc.name));
        }
    }
    // App spaces, eight at a time.
    let mut pending = vec![];
    for (_, vdc_id, vdc_name) in &vdcs {
        for i in 0..SPACES_PER_VDC {
            let (s, ops) = (s.clone(), ops.clone());
            let input = AppSpaceInput {
                vdc_id: *vdc_id,
                cluster_id: cluster,
                name: format!("{vdc_name}-s{i}"),
                display_name: format!("Space {i}"),
                description: String::new(),
                amounts: amounts(&[("cpu", "500m"), ("memory", "1Gi"), ("pods", "5")]),
            };
            pending.push(tokio::spawn(async move {
                s.tenancy().create_app_space(&ops, input).await.unwrap()
            }));
            if pending.len() == 8 {
                for p in pending.drain(..) {
                    p.await.unwrap();
                }
            }
        }
    }
    for p in pending {
        p.await.unwrap();
    }
    println!(
        "# {} VDCs in {DOMAINS} domains, {} app spaces on one simulated cluster; set up in {:.1} s",
        vdcs.len(),
        vdcs.len() * SPACES_PER_VDC,
        setup.elapsed().as_secs_f64()
    );

    let first_page = median(|| async {
        s.tenancy()
            .list_vdcs(&ops, &VdcFilter::default(), &ListQuery::default())
            .await
            .unwrap()
    })
    .await;
    let searched = median(|| async {
        let q = ListQuery {
            search: "vdc-42".into(),
            ..Default::default()
        };
        s.tenancy()
            .list_vdcs(&ops, &VdcFilter::default(), &q)
            .await
            .unwrap()
    })
    .await;
    println!(
        "operator's VDC list, first page of 20 of 500: {}",
        ms(first_page)
    );
    println!(
        "operator's VDC list, searched:              {}",
        ms(searched)
    );

    let (domain_id, vdc_id, _) = vdcs[vdcs.len() / 2].clone();
    let tenant_id = s
        .identity()
        .create_user_with_role(
            "tenant",
            "Tenant",
            &SecretString::from("tenant-password".to_string()),
            Some((RoleType::VdcAdmin, Scope::Vdc { domain_id, vdc_id })),
        )
        .await
        .unwrap();
    let tenant = s.identity().principal(tenant_id).await.unwrap().unwrap();
    let console = median(|| async {
        let t = s.tenancy();
        let (all, q) = (VdcFilter::default(), ListQuery::default());
        let mine = AppSpaceFilter {
            vdc_id: Some(vdc_id),
            cluster_id: None,
        };
        let (a, b, c, d, e) = futures::join!(
            t.list_vdcs(&tenant, &all, &q),
            t.get_vdc(&tenant, vdc_id),
            t.quotas(&tenant, QuotaOwner::Vdc(vdc_id)),
            t.list_app_spaces(&tenant, &mine, &q),
            t.list_members(&tenant, vdc_id, &q),
        );
        assert_eq!(a.unwrap().total, 1);
        assert_eq!(d.unwrap().total, SPACES_PER_VDC as i64);
        (b.unwrap(), c.unwrap(), e.unwrap())
    })
    .await;
    println!(
        "tenant's console (VDC, quota, app spaces, members): {}",
        ms(console)
    );
    let usage = median(|| async { s.tenancy().vdc_usage(&tenant, vdc_id).await.unwrap() }).await;
    println!(
        "tenant's usage tab ({SPACES_PER_VDC} app spaces: quota status, metrics, events): {}",
        ms(usage)
    );
    let domain_quota = median(|| async {
        s.tenancy()
            .quotas(&ops, QuotaOwner::Domain(domain_id))
            .await
            .unwrap()
    })
    .await;
    println!(
        "operator's domain quota with what its app spaces use (one list of every quota): {}",
        ms(domain_quota)
    );

    let mut passes = vec![];
    let mut report = None;
    for _ in 0..5 {
        let t = Instant::now();
        let r = s.tenancy().reconcile_app_spaces().await.unwrap();
        passes.push(t.elapsed());
        report = Some(r);
    }
    passes.sort();
    let r = report.unwrap();
    println!(
        "reconciler pass over {} app spaces, nothing drifted: {} (median of 5), {} API calls, {} repaired (goal: < 2 s, calls <= app spaces)",
        r.app_spaces,
        ms(passes[2]),
        r.api_calls,
        r.repaired
    );
}
