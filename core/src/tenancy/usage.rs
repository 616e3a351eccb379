//! Usage: what a VDC's app spaces take of their quota (each namespace's
//! ResourceQuota status: requests of running pods, objects that exist) and
//! what their pods use now (the metrics API), on each cluster, with the
//! latest events of their namespaces.
//!
//! A VDC's few ResourceQuotas are read one by one, a domain's many in one
//! list call per cluster; the metrics and events are read per namespace of
//! the VDC. A cluster that does not answer within a few seconds is shown
//! as unreachable, its figures unknown, never as zero.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use berth_api::{
    AppSpace, AppSpaceUsage, ClusterEvent, ClusterUsage, QuotaLine, QuotaOwner, QuotaResource,
    VdcUsage,
};
use futures::{stream, StreamExt};
use k8s_openapi::api::core::v1::{Event, ResourceQuota};
use kube::{
    api::{ApiResource, DynamicObject, ListParams},
    Api, Client,
};
use sea_query::{Expr, Order};

use super::{
    namespace::{MANAGED_BY, QUOTA_NAME},
    quotas::{select_rows, Row},
    Tenancy,
};
use crate::{
    auth::{authorize, Permission, Principal},
    clusters::overview::{cluster_event, event_time},
    db::schema::Quotas,
    Result,
};

/// How long usage waits for a cluster.
const CLUSTER_WAIT: Duration = Duration::from_secs(3);
/// Events shown for a VDC, newest first.
pub const EVENTS_SHOWN: usize = 20;
/// Namespaces read at once.
const AT_ONCE: usize = 8;

/// What the ResourceQuotas of a cluster say is used, by namespace.
pub(crate) type Used = HashMap<String, BTreeMap<QuotaResource, i64>>;

/// The quota resource a key of `status.used` reports: `requests.cpu` is
/// cpu, `pods` pods; limits are not what Berth's quota is about.
fn used_resource(key: &str) -> Option<QuotaResource> {
    if key.starts_with("limits.") {
        return None;
    }
    QuotaResource::from_key(key.strip_prefix("requests.").unwrap_or(key))
}

/// At most this many namespaces are read one by one; more, and every
/// ResourceQuota of Berth's on the cluster is listed in one call.
const READ_ONE_BY_ONE: usize = 8;

/// What Berth's ResourceQuotas in `namespaces` say is used; `None` when
/// the cluster does not answer in time. A few namespaces are read each on
/// its own (a tenant's page does not list a whole cluster); many, in one
/// list call.
pub(crate) async fn quota_used(client: Client, namespaces: &[String]) -> Option<Used> {
    let quotas: Vec<ResourceQuota> = if namespaces.len() <= READ_ONE_BY_ONE {
        let asks = namespaces.iter().cloned().map(|ns| {
            let api: Api<ResourceQuota> = Api::namespaced(client.clone(), &ns);
            async move { tokio::time::timeout(CLUSTER_WAIT, api.get_opt(QUOTA_NAME)).await }
        });
        let mut out = vec![];
        for answer in futures::future::join_all(asks).await {
            match answer {
                Ok(Ok(q)) => out.extend(q),
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "a resource quota could not be read");
                    return None;
                }
                Err(_) => return None,
            }
        }
        out
    } else {
        let api: Api<ResourceQuota> = Api::all(client);
        let selector = format!("{}={}", MANAGED_BY.0, MANAGED_BY.1);
        let params = ListParams::default().labels(&selector);
        match tokio::time::timeout(CLUSTER_WAIT, api.list(&params)).await {
            Ok(Ok(list)) => list.items,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "resource quotas could not be listed");
                return None;
            }
            Err(_) => return None,
        }
    };
    let mut out = Used::new();
    for q in quotas {
        if q.metadata.name.as_deref() != Some(QUOTA_NAME) {
            continue;
        }
        let Some(ns) = q.metadata.namespace else {
            continue;
        };
        let used = q.status.and_then(|s| s.used).unwrap_or_default();
        let entry = out.entry(ns).or_default();
        for (key, amount) in used {
            let Some(r) = used_resource(&key) else {
                continue;
            };
            if let Ok(v) = r.parse_amount(&amount.0) {
                entry.insert(r, v);
            }
        }
    }
    Some(out)
}

/// The metrics API's pod figures.
fn pod_metrics() -> ApiResource {
    ApiResource {
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: "metrics.k8s.io/v1beta1".into(),
        kind: "PodMetrics".into(),
        plural: "pods".into(),
    }
}

/// What the pods of a namespace use now: (millicores, bytes); `None`
/// when the metrics API does not answer.
async fn in_use(client: Client, namespace: &str) -> Option<(i64, i64)> {
    let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &pod_metrics());
    let list = tokio::time::timeout(CLUSTER_WAIT, api.list(&ListParams::default()))
        .await
        .ok()?
        .ok()?;
    let (mut cpu, mut memory) = (0i64, 0i64);
    for pod in list.items {
        let containers = pod.data.get("containers").and_then(|c| c.as_array());
        for c in containers.into_iter().flatten() {
            let of = |r: &QuotaResource, key: &str| {
                c.pointer(&format!("/usage/{key}"))
                    .and_then(|v| v.as_str())
                    .and_then(|t| r.parse_amount(t).ok())
                    .unwrap_or(0)
            };
            cpu = cpu.saturating_add(of(&QuotaResource::Cpu, "cpu"));
            memory = memory.saturating_add(of(&QuotaResource::Memory, "memory"));
        }
    }
    Some((cpu, memory))
}

/// The latest events of a namespace (none when it cannot be read).
async fn events_of(client: Client, namespace: &str) -> Vec<Event> {
    let api: Api<Event> = Api::namespaced(client, namespace);
    let params = ListParams::default().limit(EVENTS_SHOWN as u32 * 5);
    match tokio::time::timeout(CLUSTER_WAIT, api.list(&params)).await {
        Ok(Ok(list)) => list.items,
        _ => vec![],
    }
}

/// What the pods of each namespace use now, by app space id.
async fn live_in(c: &Client, namespaces: &[(i64, String)]) -> HashMap<i64, Option<(i64, i64)>> {
    let asks = namespaces.iter().cloned().map(|(id, ns)| {
        let c = c.clone();
        async move { (id, in_use(c, &ns).await) }
    });
    stream::iter(asks).buffer_unordered(AT_ONCE).collect().await
}

/// The latest events of every namespace, together.
async fn events_in(c: &Client, namespaces: &[(i64, String)]) -> Vec<Event> {
    let asks = namespaces.iter().cloned().map(|(_, ns)| {
        let c = c.clone();
        async move { events_of(c, &ns).await }
    });
    let read: Vec<Vec<Event>> = stream::iter(asks).buffer_unordered(AT_ONCE).collect().await;
    read.into_iter().flatten().collect()
}

/// Sums `used` over `namespaces`, by resource.
pub(crate) fn used_by<'a>(
    used: &Used,
    namespaces: impl IntoIterator<Item = &'a str>,
) -> BTreeMap<QuotaResource, i64> {
    let mut out: BTreeMap<QuotaResource, i64> = BTreeMap::new();
    for ns in namespaces {
        for (r, v) in used.get(ns).into_iter().flatten() {
            *out.entry(r.clone()).or_default() += v;
        }
    }
    out
}

/// An app space's lines: its quota, what it has taken and uses, for every
/// resource of the VDC's lines (zero where it has none).
fn space_lines(
    resources: &[QuotaResource],
    limits: &BTreeMap<QuotaResource, i64>,
    used: Option<&BTreeMap<QuotaResource, i64>>,
    live: Option<(i64, i64)>,
) -> Vec<QuotaLine> {
    resources
        .iter()
        .map(|r| QuotaLine {
            resource: r.clone(),
            limit: limits.get(r).copied().unwrap_or(0),
            allocated: 0,
            ceiling: None,
            used: used.map(|u| u.get(r).copied().unwrap_or(0)),
            in_use: match r {
                QuotaResource::Cpu => live.map(|l| l.0),
                QuotaResource::Memory => live.map(|l| l.1),
                _ => None,
            },
        })
        .collect()
}

impl Tenancy<'_> {
    /// What the app spaces under a quota owner use on each cluster: the
    /// owner's namespaces there, summed; `None` for a cluster that did not
    /// answer. Clusters where it has no app space are not asked.
    pub(crate) async fn used_under(
        &self,
        owner: QuotaOwner,
    ) -> Result<BTreeMap<i64, Option<BTreeMap<QuotaResource, i64>>>> {
        let spaces = self.app_spaces_under(owner).await?;
        let mut by_cluster: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for a in spaces {
            by_cluster.entry(a.cluster_id).or_default().push(a.name);
        }
        let mut out = BTreeMap::new();
        for (cluster_id, names) in by_cluster {
            let used = match self.clusters().handle(cluster_id).await {
                Ok(h) => quota_used(h.client(), &names).await,
                Err(_) => None,
            };
            out.insert(
                cluster_id,
                used.map(|u| used_by(&u, names.iter().map(String::as_str))),
            );
        }
        Ok(out)
    }

    /// A VDC's usage on every cluster where it has app spaces, and the
    /// latest events of its namespaces (for those who may see app spaces).
    pub async fn vdc_usage(&self, who: &Principal, vdc_id: i64) -> Result<VdcUsage> {
        let owner = QuotaOwner::Vdc(vdc_id);
        let quotas = self.quotas_unused(who, owner).await?;
        let vdc = self.get_vdc(who, vdc_id).await?;
        let events_allowed =
            authorize(who, Permission::AppSpaceRead, super::vdcs::scope_of(&vdc)).is_ok();
        let spaces = self.app_spaces_of_vdc(vdc_id).await?;
        let limits = self.app_space_limits(vdc_id).await?;
        let mut usage = VdcUsage::default();
        let mut events: Vec<Event> = vec![];
        for q in quotas {
            let here: Vec<&AppSpace> = spaces
                .iter()
                .filter(|a| a.cluster_id == q.cluster_id)
                .collect();
            if here.is_empty() {
                continue;
            }
            let client = self
                .clusters()
                .handle(q.cluster_id)
                .await
                .ok()
                .map(|h| h.client());
            let namespaces: Vec<(i64, String)> =
                here.iter().map(|a| (a.id, a.name.clone())).collect();
            let names: Vec<String> = namespaces.iter().map(|(_, n)| n.clone()).collect();
            let used = match &client {
                Some(c) => quota_used(c.clone(), &names).await,
                None => None,
            };
            let reachable = used.is_some();
            let resources: Vec<QuotaResource> =
                q.lines.iter().map(|l| l.resource.clone()).collect();
            let (live, read) = match (&client, reachable) {
                (Some(c), true) => {
                    let read = if events_allowed {
                        events_in(c, &namespaces).await
                    } else {
                        vec![]
                    };
                    (live_in(c, &namespaces).await, read)
                }
                _ => (HashMap::new(), vec![]),
            };
            events.extend(read);
            let app_spaces = here
                .iter()
                .map(|a| {
                    let none = BTreeMap::new();
                    let used = used.as_ref().map(|u| u.get(&a.name).unwrap_or(&none));
                    let live = live.get(&a.id).copied().flatten();
                    AppSpaceUsage {
                        id: a.id,
                        name: a.name.clone(),
                        state: a.state.clone(),
                        lines: space_lines(
                            &resources,
                            limits.get(&a.id).unwrap_or(&BTreeMap::new()),
                            used,
                            live,
                        ),
                    }
                })
                .collect::<Vec<_>>();
            let mut lines = q.lines;
            for l in &mut lines {
                let of_spaces = |f: fn(&QuotaLine) -> Option<i64>| -> i64 {
                    app_spaces
                        .iter()
                        .filter_map(|a| {
                            a.lines
                                .iter()
                                .find(|x| x.resource == l.resource)
                                .and_then(f)
                        })
                        .sum()
                };
                l.used = reachable.then(|| of_spaces(|x| x.used));
                l.in_use = match l.resource {
                    QuotaResource::Cpu | QuotaResource::Memory if reachable => {
                        Some(of_spaces(|x| x.in_use))
                    }
                    _ => None,
                };
            }
            usage.clusters.push(ClusterUsage {
                cluster_id: q.cluster_id,
                cluster_name: q.cluster_name,
                reachable,
                lines,
                app_spaces,
            });
        }
        events.sort_by_key(|e| std::cmp::Reverse(event_time(e)));
        usage.events = events
            .into_iter()
            .take(EVENTS_SHOWN)
            .map(cluster_event)
            .collect::<Vec<ClusterEvent>>();
        Ok(usage)
    }

    /// The quota of each app space of a VDC, by app space and resource.
    async fn app_space_limits(
        &self,
        vdc_id: i64,
    ) -> Result<HashMap<i64, BTreeMap<QuotaResource, i64>>> {
        let rows: Vec<Row> = self
            .db
            .fetch_all(
                select_rows()
                    .and_where(Expr::col(Quotas::OwnerKind).eq("app_space"))
                    .and_where(Expr::col(Quotas::ParentId).eq(vdc_id))
                    .order_by(Quotas::Id, Order::Asc),
            )
            .await?;
        let mut out: HashMap<i64, BTreeMap<QuotaResource, i64>> = HashMap::new();
        for r in rows {
            if let Some(resource) = QuotaResource::from_key(&r.resource) {
                out.entry(r.owner_id)
                    .or_default()
                    .insert(resource, r.amount);
            }
        }
        Ok(out)
    }
}

/// A VDC's usage as CSV (RFC 4180): one line per cluster, app space (empty
/// for the VDC's own quota) and resource, amounts as Kubernetes writes them.
pub fn usage_csv(u: &VdcUsage) -> String {
    let unknown = String::new;
    let mut rows = vec![];
    for c in &u.clusters {
        let mut push = |space: &str, l: &QuotaLine| {
            rows.push(vec![
                c.cluster_name.clone(),
                space.to_owned(),
                l.resource.key(),
                l.resource.display(l.limit),
                l.used.map_or_else(unknown, |v| l.resource.display(v)),
                l.in_use.map_or_else(unknown, |v| l.resource.display(v)),
            ]);
        };
        for l in &c.lines {
            push("", l);
        }
        for a in &c.app_spaces {
            for l in &a.lines {
                push(&a.name, l);
            }
        }
    }
    crate::csv::write(
        &[
            "cluster",
            "app_space",
            "resource",
            "quota",
            "used",
            "in_use",
        ],
        rows,
    )
}
