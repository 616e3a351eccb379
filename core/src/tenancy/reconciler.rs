//! The reconciler: one pass over every app space, putting each cluster
//! back to what Berth's rows say. Run by the leader only (a background
//! worker under the database lease).
//!
//! Per cluster it lists, once each, the namespaces, ResourceQuotas,
//! LimitRanges and NetworkPolicies Berth manages (label
//! `app.kubernetes.io/managed-by=berth`), so a pass over a cluster where
//! nothing drifted costs four API calls however many app spaces it holds.
//! An app space whose objects differ from Berth's is applied again (a
//! ResourceQuota edited with kubectl is put back); one whose namespace was
//! deleted outside Berth is marked `missing`; unfinished creations are
//! finished and finished deletions removed. What it changes is audited,
//! as the reconciler.

use std::collections::{BTreeMap, HashMap};

use berth_api::AppSpace;
use k8s_openapi::api::core::v1::{LimitRange, Namespace, ResourceQuota};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use kube::api::ListParams;
use kube::{Api, Client, ResourceExt};
use sea_query::{Expr, Order, Query};
use serde_json::Value;

use super::{
    namespace::{self, Desired, MANAGED_BY},
    Tenancy,
};
use crate::{
    audit::{Event, Outcome},
    auth::{RequestMeta, Scope},
    db::schema::{AppSpaces, Clusters},
    Result,
};

/// Who the reconciler's audit records name.
pub const RECONCILER: &str = "berth-reconciler";

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    /// App spaces looked at.
    pub app_spaces: usize,
    /// Applied again because their objects had drifted.
    pub repaired: usize,
    /// Newly found without their namespace.
    pub missing: usize,
    /// Unfinished creations finished.
    pub finished: usize,
    /// Deletions completed.
    pub removed: usize,
    /// Clusters that could not be read (tried again next pass).
    pub unreachable_clusters: usize,
    /// Requests made to Kubernetes API servers.
    pub api_calls: usize,
}

/// What a cluster has of Berth's, by namespace.
#[derive(Default)]
struct Seen {
    namespaces: HashMap<String, Namespace>,
    quotas: HashMap<String, ResourceQuota>,
    limits: HashMap<String, LimitRange>,
    policies: HashMap<String, BTreeMap<String, Value>>,
}

async fn list<K>(api: Api<K>) -> std::result::Result<Vec<K>, kube::Error>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let selector = format!("{}={}", MANAGED_BY.0, MANAGED_BY.1);
    Ok(api
        .list(&ListParams::default().labels(&selector))
        .await?
        .items)
}

async fn seen(client: &Client) -> std::result::Result<Seen, kube::Error> {
    let mut s = Seen::default();
    for n in list(Api::<Namespace>::all(client.clone())).await? {
        s.namespaces.insert(n.name_any(), n);
    }
    for q in list(Api::<ResourceQuota>::all(client.clone())).await? {
        if q.name_any() == namespace::QUOTA_NAME {
            s.quotas.insert(q.namespace().unwrap_or_default(), q);
        }
    }
    for l in list(Api::<LimitRange>::all(client.clone())).await? {
        if l.name_any() == namespace::LIMITS_NAME {
            s.limits.insert(l.namespace().unwrap_or_default(), l);
        }
    }
    for p in list(Api::<NetworkPolicy>::all(client.clone())).await? {
        let spec = serde_json::to_value(&p.spec).unwrap_or_default();
        s.policies
            .entry(p.namespace().unwrap_or_default())
            .or_default()
            .insert(p.name_any(), spec);
    }
    Ok(s)
}

/// Two `spec.hard`s say the same (`1` and `1000m` are one amount).
fn same_hard(
    want: &BTreeMap<String, String>,
    have: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> bool {
    let Some(have) = have else {
        return false;
    };
    have.len() == want.len()
        && want.iter().all(|(k, v)| {
            have.get(k).is_some_and(|h| {
                quantity::Quantity::parse(&h.0).ok() == quantity::Quantity::parse(v).ok()
            })
        })
}

use berth_api::quantity;

/// What of `d` differs in the cluster; empty when nothing does.
fn drift(d: &Desired, s: &Seen) -> Vec<&'static str> {
    let o = namespace::objects(d);
    let mut out = vec![];
    let Some(ns) = s.namespaces.get(&d.namespace) else {
        return vec!["namespace"];
    };
    let labels = ns.labels();
    let want_labels = o.namespace["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if want_labels
        .iter()
        .any(|(k, v)| labels.get(k).map(String::as_str) != v.as_str())
    {
        out.push("namespace labels");
    }
    let hard = namespace::hard(&d.quota);
    if !same_hard(
        &hard,
        s.quotas
            .get(&d.namespace)
            .and_then(|q| q.spec.as_ref()?.hard.as_ref()),
    ) {
        out.push("resource quota");
    }
    let want_limits = &o.limits["spec"];
    let have_limits = s
        .limits
        .get(&d.namespace)
        .and_then(|l| serde_json::to_value(&l.spec).ok());
    if !have_limits.is_some_and(|h| limits_match(want_limits, &h)) {
        out.push("limit range");
    }
    let have = s.policies.get(&d.namespace);
    for p in &o.policies {
        let name = p["metadata"]["name"].as_str().unwrap_or_default();
        if have.and_then(|h| h.get(name)) != Some(&p["spec"]) {
            out.push("network policies");
            break;
        }
    }
    out
}

/// The LimitRange's defaults as Berth set them (quantities compared by value).
fn limits_match(want: &Value, have: &Value) -> bool {
    let item = |v: &Value| v["limits"][0].clone();
    let (w, h) = (item(want), item(have));
    if w["type"] != h["type"] {
        return false;
    }
    ["default", "defaultRequest"].iter().all(|k| {
        let (Some(w), Some(h)) = (w[k].as_object(), h[k].as_object()) else {
            return false;
        };
        w.len() == h.len()
            && w.iter().all(|(r, q)| {
                let parse = |v: &Value| v.as_str().and_then(|t| quantity::Quantity::parse(t).ok());
                h.get(r).and_then(parse) == parse(q)
            })
    })
}

impl Tenancy<'_> {
    /// One pass over every app space of every cluster.
    pub async fn reconcile_app_spaces(&self) -> Result<PassReport> {
        let mut report = PassReport::default();
        let clusters: Vec<(i64,)> = self
            .db
            .fetch_all(
                Query::select()
                    .column(Clusters::Id)
                    .from(Clusters::Table)
                    .order_by(Clusters::Id, Order::Asc),
            )
            .await?;
        for (cluster_id,) in clusters {
            let spaces: Vec<AppSpace> = self.app_spaces_on(cluster_id).await?;
            if spaces.is_empty() {
                continue;
            }
            let client = match self.clusters().handle(cluster_id).await {
                Ok(h) => h.client(),
                Err(_) => {
                    report.unreachable_clusters += 1;
                    continue;
                }
            };
            report.api_calls += 4;
            let seen = match seen(&client).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(cluster_id, error = %e, "reconciler could not read the cluster");
                    report.unreachable_clusters += 1;
                    continue;
                }
            };
            for a in spaces {
                report.app_spaces += 1;
                if let Err(e) = self.reconcile_one(&a, &seen, &mut report).await {
                    tracing::warn!(app_space = a.id, error = %e, "reconciler could not repair an app space");
                }
            }
        }
        Ok(report)
    }

    async fn reconcile_one(
        &self,
        a: &AppSpace,
        seen: &Seen,
        report: &mut PassReport,
    ) -> Result<()> {
        // A namespace on its way out counts as gone.
        let present = seen
            .namespaces
            .get(&a.name)
            .is_some_and(|n| n.metadata.deletion_timestamp.is_none());
        match a.state.as_str() {
            "deleting" => {
                report.api_calls += 2;
                if self
                    .finish_deletion(a, std::time::Duration::ZERO)
                    .await?
                    .is_none()
                {
                    report.removed += 1;
                    self.record(a, "appspace.reconcile.remove", "the namespace is gone")
                        .await;
                }
            }
            "creating" | "failed" => {
                report.api_calls += 6;
                self.converge_app_space(a.id).await?;
                report.finished += 1;
                self.record(a, "appspace.reconcile.finish", "created in the cluster")
                    .await;
            }
            "missing" if !present => {}
            _ if !present => {
                self.mark_missing(a).await?;
                report.missing += 1;
                self.record(
                    a,
                    "appspace.reconcile.missing",
                    "the namespace was deleted outside Berth",
                )
                .await;
            }
            _ => {
                let desired = self.desired(a).await?;
                let drifted = drift(&desired, seen);
                if !drifted.is_empty() || a.state == "missing" {
                    report.api_calls += 6;
                    self.converge_app_space(a.id).await?;
                    report.repaired += 1;
                    let what = format!("put back: {}", drifted.join(", "));
                    self.record(a, "appspace.reconcile.repair", &what).await;
                }
            }
        }
        Ok(())
    }

    async fn mark_missing(&self, a: &AppSpace) -> Result<()> {
        self.db
            .execute(
                Query::update()
                    .table(AppSpaces::Table)
                    .values([
                        (AppSpaces::State, "missing".into()),
                        (
                            AppSpaces::Message,
                            "the namespace was deleted outside Berth".into(),
                        ),
                        (AppSpaces::UpdatedAt, chrono::Utc::now().into()),
                    ])
                    .and_where(Expr::col(AppSpaces::Id).eq(a.id)),
            )
            .await?;
        Ok(())
    }

    /// An audit record of the reconciler's, in the app space's VDC.
    async fn record(&self, a: &AppSpace, action: &str, details: &str) {
        let request = RequestMeta {
            request_id: format!("reconcile-{:016x}", rand::random::<u64>()),
            source: None,
            session: None,
        };
        let target = format!("appspace/{}/{}/{}", a.domain_name, a.vdc_name, a.name);
        self.audit(Event {
            user_id: None,
            username: RECONCILER,
            action,
            target: &target,
            scope: Some(Scope::Vdc {
                domain_id: a.domain_id,
                vdc_id: a.vdc_id,
            }),
            outcome: Outcome::Allowed,
            details: details.to_owned(),
            request: &request,
        })
        .await;
    }
}
