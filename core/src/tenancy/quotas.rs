//! Quotas: what a domain, a VDC or an app space may use on each cluster.
//!
//! Three levels, each within the one above: the quotas of all domains on a
//! cluster within the cluster's allocatable times its overcommit ratio
//! (for what nodes count: cpu, memory, GPUs, ephemeral storage, pods); the
//! quotas of a domain's VDCs within the domain's; those of a VDC's app
//! spaces within the VDC's. A change is one transaction that first locks
//! the parent's row (and the owner's own, when it has children), so
//! concurrent changes under one parent are decided one after another on
//! every dialect: row locks on PostgreSQL and MariaDB, the write lock on
//! SQLite, whose first statement here is a write.

use std::collections::BTreeMap;

use berth_api::{
    quota::AmountError, ClusterQuota, Detail, ErrorCode, FieldError, QuotaInput, QuotaLine,
    QuotaOwner, QuotaResource,
};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::ListParams;
use sea_query::{Cond, Expr, Order, Query};

use super::Tenancy;
use crate::{
    auth::{Authorized, Permission, Principal, Scope},
    db::{
        schema::{Clusters, Domains, Quotas, Vdcs},
        tx::Tx,
        DbResult,
    },
    Error, Result,
};

/// How many times a change that lost a race for locks is run again.
pub(crate) const ATTEMPTS: usize = 8;
/// How long a quota page waits for a cluster's nodes and StorageClasses.
const CLUSTER_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Level {
    Domain,
    Vdc,
    AppSpace,
}

impl Level {
    fn key(self) -> &'static str {
        match self {
            Level::Domain => "domain",
            Level::Vdc => "vdc",
            Level::AppSpace => "app_space",
        }
    }

    fn child(self) -> Option<Level> {
        match self {
            Level::Domain => Some(Level::Vdc),
            Level::Vdc => Some(Level::AppSpace),
            Level::AppSpace => None,
        }
    }

    /// What the level above is called in messages.
    fn parent_name(self) -> &'static str {
        match self {
            Level::Domain => "cluster",
            Level::Vdc => "domain",
            Level::AppSpace => "vdc",
        }
    }
}

/// A quota owner looked up: where it sits and who may do what to it.
#[derive(Clone, Debug)]
pub(crate) struct Owner {
    owner: QuotaOwner,
    level: Level,
    id: i64,
    /// The domain of a VDC, the VDC of an app space; 0 for a domain.
    parent_id: i64,
    /// Where reading it is decided.
    scope: Scope,
    /// Where changing it is decided: a level above its own, so no tenant
    /// raises their own quota (an app space's share is its VDC's to give).
    change_scope: Scope,
    change_permission: Permission,
    /// The one cluster it lives on (an app space's).
    cluster: Option<i64>,
    pub(crate) target: String,
}

impl Owner {
    /// App space `id` of VDC `vdc_id` (in `scope`).
    pub(crate) fn app_space(
        id: i64,
        vdc_id: i64,
        cluster_id: i64,
        scope: Scope,
        target: String,
    ) -> Owner {
        Owner {
            owner: QuotaOwner::AppSpace(id),
            level: Level::AppSpace,
            id,
            parent_id: vdc_id,
            scope,
            change_scope: scope,
            change_permission: Permission::AppSpaceUpdate,
            cluster: Some(cluster_id),
            target,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct Row {
    pub owner_kind: String,
    pub owner_id: i64,
    pub parent_id: i64,
    pub cluster_id: i64,
    pub resource: String,
    pub amount: i64,
}

/// The figures around one owner on one cluster: its own amounts, what its
/// parent has, what the parent gave the owner's siblings and what the owner
/// gave its children, by resource.
#[derive(Default, Debug)]
pub(crate) struct Figures {
    own: BTreeMap<QuotaResource, i64>,
    parent: BTreeMap<QuotaResource, i64>,
    siblings: BTreeMap<QuotaResource, i64>,
    children: BTreeMap<QuotaResource, i64>,
}

impl Figures {
    fn from_rows(o: &Owner, rows: Vec<Row>) -> Figures {
        let mut f = Figures::default();
        for r in rows {
            let Some(resource) = QuotaResource::from_key(&r.resource) else {
                continue;
            };
            let bucket = if r.owner_kind == o.level.key() && r.owner_id == o.id {
                &mut f.own
            } else if r.owner_kind == o.level.key() && r.parent_id == o.parent_id {
                &mut f.siblings
            } else if o.level.child().is_some_and(|c| c.key() == r.owner_kind) {
                &mut f.children
            } else {
                &mut f.parent
            };
            *bucket.entry(resource).or_default() += r.amount;
        }
        f
    }

    /// The most the owner may have of `r`: the parent's amount (for a
    /// domain, the cluster's `capacity`) less what its siblings hold.
    fn ceiling(
        &self,
        level: Level,
        r: &QuotaResource,
        capacity: &BTreeMap<QuotaResource, i64>,
    ) -> Option<i64> {
        let parent = match level {
            Level::Domain => *capacity.get(r)?,
            _ => self.parent.get(r).copied().unwrap_or(0),
        };
        Some(parent.saturating_sub(self.siblings.get(r).copied().unwrap_or(0)))
    }
}

/// The columns of a quota row, in [`Row`]'s order.
const ROW_COLUMNS: [Quotas; 6] = [
    Quotas::OwnerKind,
    Quotas::OwnerId,
    Quotas::ParentId,
    Quotas::ClusterId,
    Quotas::Resource,
    Quotas::Amount,
];

/// Quota rows, as [`Row`] reads them.
pub(crate) fn select_rows() -> sea_query::SelectStatement {
    Query::select()
        .columns(ROW_COLUMNS)
        .from(Quotas::Table)
        .to_owned()
}

/// The rows one query reads for `o` on `cluster` (every cluster when
/// `None`): its own, its siblings', its parent's and its children's.
fn figures_query(o: &Owner, cluster: Option<i64>) -> sea_query::SelectStatement {
    let kind = |l: Level| Expr::col(Quotas::OwnerKind).eq(l.key());
    let mut any = Cond::any().add(
        Cond::all()
            .add(kind(o.level))
            .add(Expr::col(Quotas::ParentId).eq(o.parent_id)),
    );
    if let Some(child) = o.level.child() {
        any = any.add(
            Cond::all()
                .add(kind(child))
                .add(Expr::col(Quotas::ParentId).eq(o.id)),
        );
    }
    match o.level {
        Level::Vdc => {
            any = any.add(
                Cond::all()
                    .add(kind(Level::Domain))
                    .add(Expr::col(Quotas::OwnerId).eq(o.parent_id)),
            )
        }
        Level::AppSpace => {
            any = any.add(
                Cond::all()
                    .add(kind(Level::Vdc))
                    .add(Expr::col(Quotas::OwnerId).eq(o.parent_id)),
            )
        }
        Level::Domain => {}
    }
    let mut q = select_rows()
        .cond_where(any)
        .order_by(Quotas::Id, Order::Asc)
        .to_owned();
    if let Some(c) = cluster {
        q.and_where(Expr::col(Quotas::ClusterId).eq(c));
    }
    q
}

fn amount_error(field: &str, e: AmountError) -> FieldError {
    let code = match e {
        AmountError::NotQuantity(_) => ErrorCode::NotQuantity,
        AmountError::NotWhole => ErrorCode::NotWhole,
        AmountError::Negative | AmountError::TooLarge => ErrorCode::OutOfRange,
    };
    FieldError {
        field: field.to_owned(),
        code,
        message: format!("{field} {e}"),
        detail: None,
    }
}

/// The amounts asked for, by resource; every unreadable one named.
pub(crate) fn parse_amounts(
    amounts: &BTreeMap<String, String>,
) -> Result<BTreeMap<QuotaResource, i64>> {
    let mut out = BTreeMap::new();
    let mut fields = vec![];
    for (key, text) in amounts {
        let field = format!("amounts.{key}");
        let Some(resource) = QuotaResource::from_key(key) else {
            fields.push(FieldError {
                field,
                code: ErrorCode::Invalid,
                message: format!(
                    "{} is not a resource a quota limits",
                    berth_api::validate::quote(key)
                ),
                detail: None,
            });
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            out.insert(resource, 0);
            continue;
        }
        match resource.parse_amount(text) {
            Ok(amount) => {
                out.insert(resource, amount);
            }
            Err(e) => fields.push(amount_error(&field, e)),
        }
    }
    Error::check(fields)?;
    Ok(out)
}

/// What the nodes of a cluster offer, times the overcommit ratio, for the
/// resources nodes count.
fn capacity(
    nodes: &[std::sync::Arc<k8s_openapi::api::core::v1::Node>],
    percent: i64,
) -> BTreeMap<QuotaResource, i64> {
    let mut out = BTreeMap::new();
    for r in QuotaResource::FIXED {
        let Some(name) = r.node_resource() else {
            continue;
        };
        let total: i128 = nodes
            .iter()
            .filter_map(|n| n.status.as_ref()?.allocatable.as_ref()?.get(name))
            .filter_map(|q| quantity::Quantity::parse(&q.0).ok())
            .map(|q| q.to_scaled_ceil(r.scale()))
            .sum();
        let total = total.saturating_mul(i128::from(percent)) / 100;
        out.insert(r, i64::try_from(total).unwrap_or(i64::MAX));
    }
    out
}

use berth_api::quantity;

/// Locks row `id` of a parent table for the rest of `tx`; `false` when
/// there is no such row.
async fn lock(tx: &mut Tx, level: Option<Level>, cluster_or_id: i64) -> DbResult<bool> {
    let (table, col_v, col_id): (sea_query::DynIden, sea_query::DynIden, sea_query::DynIden) =
        match level {
            None => (
                sea_query::IntoIden::into_iden(Clusters::Table),
                sea_query::IntoIden::into_iden(Clusters::QuotaVersion),
                sea_query::IntoIden::into_iden(Clusters::Id),
            ),
            Some(Level::Domain) => (
                sea_query::IntoIden::into_iden(Domains::Table),
                sea_query::IntoIden::into_iden(Domains::QuotaVersion),
                sea_query::IntoIden::into_iden(Domains::Id),
            ),
            Some(_) => (
                sea_query::IntoIden::into_iden(Vdcs::Table),
                sea_query::IntoIden::into_iden(Vdcs::QuotaVersion),
                sea_query::IntoIden::into_iden(Vdcs::Id),
            ),
        };
    let n = tx
        .execute(
            Query::update()
                .table(table)
                .value(col_v.clone(), Expr::col(col_v).add(1))
                .and_where(Expr::col(col_id).eq(cluster_or_id)),
        )
        .await?;
    Ok(n > 0)
}

impl Tenancy<'_> {
    /// Looks an owner up; one the caller may not see is missing.
    pub(crate) async fn quota_owner(&self, who: &Principal, owner: QuotaOwner) -> Result<Owner> {
        match owner {
            QuotaOwner::Domain(id) => {
                let domain = self.find_domain(id).await?.ok_or(Error::NotFound)?;
                let target = format!("domain/{}", domain.name);
                self.authorize(who, Permission::DomainRead, Scope::Domain(id), &target)
                    .await
                    .map_err(|_| Error::NotFound)?;
                Ok(Owner {
                    owner,
                    level: Level::Domain,
                    id,
                    parent_id: 0,
                    scope: Scope::Domain(id),
                    change_scope: Scope::Platform,
                    change_permission: Permission::QuotaUpdate,
                    cluster: None,
                    target: format!("{target}/quota"),
                })
            }
            QuotaOwner::Vdc(id) => {
                let vdc = self.get_vdc(who, id).await?;
                Ok(Owner {
                    owner,
                    level: Level::Vdc,
                    id,
                    parent_id: vdc.domain_id,
                    scope: Scope::Vdc {
                        domain_id: vdc.domain_id,
                        vdc_id: id,
                    },
                    change_scope: Scope::Domain(vdc.domain_id),
                    change_permission: Permission::QuotaUpdate,
                    cluster: None,
                    target: format!("vdc/{}/{}/quota", vdc.domain_name, vdc.name),
                })
            }
            QuotaOwner::AppSpace(id) => self.app_space_owner(who, id).await,
        }
    }

    /// An owner's quota on every registered cluster, with what its app
    /// spaces use there.
    pub async fn quotas(&self, who: &Principal, owner: QuotaOwner) -> Result<Vec<ClusterQuota>> {
        let mut quotas = self.quotas_unused(who, owner).await?;
        let used = self.used_under(owner).await?;
        for q in &mut quotas {
            let known = used.get(&q.cluster_id);
            for l in &mut q.lines {
                l.used = match known {
                    // No app space there: nothing is used.
                    None => Some(0),
                    Some(None) => None,
                    Some(Some(u)) => Some(u.get(&l.resource).copied().unwrap_or(0)),
                };
            }
        }
        Ok(quotas)
    }

    /// [`Tenancy::quotas`] without what is used (left `None`).
    pub(crate) async fn quotas_unused(
        &self,
        who: &Principal,
        owner: QuotaOwner,
    ) -> Result<Vec<ClusterQuota>> {
        let o = self.quota_owner(who, owner).await?;
        self.authorize(who, Permission::QuotaRead, o.scope, &o.target)
            .await?;
        let rows: Vec<Row> = self.db.fetch_all(&figures_query(&o, None)).await?;
        let mut by_cluster: BTreeMap<i64, Vec<Row>> = BTreeMap::new();
        for r in rows {
            by_cluster.entry(r.cluster_id).or_default().push(r);
        }
        let clusters: Vec<(i64, String, i64)> = self
            .db
            .fetch_all(
                Query::select()
                    .columns([Clusters::Id, Clusters::Name, Clusters::OvercommitPercent])
                    .from(Clusters::Table)
                    .order_by(Clusters::Name, Order::Asc),
            )
            .await?;
        let mut out = vec![];
        for (cluster_id, cluster_name, percent) in clusters {
            if o.cluster.is_some_and(|only| only != cluster_id) {
                continue;
            }
            let figures =
                Figures::from_rows(&o, by_cluster.remove(&cluster_id).unwrap_or_default());
            out.push(
                self.cluster_quota(&o, cluster_id, cluster_name, percent, &figures)
                    .await,
            );
        }
        Ok(out)
    }

    /// The cluster's capacity for domains, read from its node cache
    /// (started, and waited for, when it is not running yet).
    async fn capacity(
        &self,
        cluster_id: i64,
        percent: i64,
    ) -> Result<BTreeMap<QuotaResource, i64>> {
        let cache = self.clusters().cluster_cache(cluster_id).await?;
        Ok(capacity(&cache.nodes.state(), percent))
    }

    /// [`Tenancy::capacity`] for display: empty when the cluster cannot
    /// be read within a few seconds.
    async fn known_capacity(&self, cluster_id: i64, percent: i64) -> BTreeMap<QuotaResource, i64> {
        match tokio::time::timeout(CLUSTER_WAIT, self.capacity(cluster_id, percent)).await {
            Ok(Ok(capacity)) => capacity,
            _ => BTreeMap::new(),
        }
    }

    /// The StorageClasses of a cluster, by name; none when it cannot be
    /// asked within a few seconds.
    async fn storage_classes(&self, cluster_id: i64) -> Vec<String> {
        let Ok(handle) = self.clusters().handle(cluster_id).await else {
            return vec![];
        };
        let api: kube::Api<StorageClass> = kube::Api::all(handle.client());
        let list = tokio::time::timeout(CLUSTER_WAIT, api.list(&ListParams::default())).await;
        match list {
            Ok(Ok(list)) => list
                .items
                .into_iter()
                .filter_map(|c| c.metadata.name)
                .collect(),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, cluster_id, "storage classes could not be listed");
                vec![]
            }
            Err(_) => vec![],
        }
    }

    async fn cluster_quota(
        &self,
        o: &Owner,
        cluster_id: i64,
        cluster_name: String,
        percent: i64,
        f: &Figures,
    ) -> ClusterQuota {
        let capacity = async {
            match o.level {
                Level::Domain => self.known_capacity(cluster_id, percent).await,
                _ => BTreeMap::new(),
            }
        };
        let (capacity, classes) = futures::join!(capacity, self.storage_classes(cluster_id));
        let mut resources: Vec<QuotaResource> = QuotaResource::FIXED.to_vec();
        let mut classes: Vec<QuotaResource> =
            classes.into_iter().map(QuotaResource::Storage).collect();
        for r in f.own.keys().chain(f.parent.keys()).chain(f.children.keys()) {
            if !resources.contains(r) && !classes.contains(r) {
                classes.push(r.clone());
            }
        }
        classes.sort();
        resources.extend(classes);
        let lines = resources
            .into_iter()
            .map(|r| QuotaLine {
                limit: f.own.get(&r).copied().unwrap_or(0),
                allocated: f.children.get(&r).copied().unwrap_or(0),
                ceiling: match o.level {
                    // An unreadable cluster: no ceiling is known.
                    Level::Domain if capacity.is_empty() => None,
                    level => f.ceiling(level, &r, &capacity),
                },
                used: None,
                in_use: None,
                resource: r,
            })
            .collect();
        ClusterQuota {
            owner: o.owner,
            cluster_id,
            cluster_name,
            lines,
        }
    }

    /// Sets some of an owner's quota on one cluster: each amount must fit
    /// in what is left above it and cover what it has given on.
    pub async fn set_quota(
        &self,
        who: &Principal,
        owner: QuotaOwner,
        input: QuotaInput,
    ) -> Result<ClusterQuota> {
        let o = self.quota_owner(who, owner).await?;
        let proof = self
            .authorize(who, o.change_permission, o.change_scope, &o.target)
            .await?;
        let target = o.target.clone();
        self.audited(who, proof, &target, async |proof| {
            self.change_quota(proof, &o, input).await
        })
        .await
    }

    async fn change_quota(
        &self,
        proof: &Authorized,
        o: &Owner,
        input: QuotaInput,
    ) -> Result<ClusterQuota> {
        proof.expect(o.change_permission, o.change_scope);
        let asked = parse_amounts(&input.amounts)?;
        let cluster: Option<(String, i64)> = self
            .db
            .fetch_optional(
                Query::select()
                    .columns([Clusters::Name, Clusters::OvercommitPercent])
                    .from(Clusters::Table)
                    .and_where(Expr::col(Clusters::Id).eq(input.cluster_id)),
            )
            .await?;
        let Some((cluster_name, percent)) =
            cluster.filter(|_| o.cluster.is_none_or(|only| only == input.cluster_id))
        else {
            return Err(Error::field(
                "cluster_id",
                ErrorCode::NotFound,
                "choose a registered cluster",
            ));
        };
        let capacity = match o.level {
            Level::Domain if asked.keys().any(|r| r.node_resource().is_some()) => {
                self.capacity(input.cluster_id, percent).await?
            }
            _ => BTreeMap::new(),
        };
        let mut attempt = 0;
        let figures = loop {
            attempt += 1;
            match self
                .write_quota(o, input.cluster_id, &asked, &capacity)
                .await
            {
                Err(Error::Retry) if attempt < ATTEMPTS => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt as u64)).await;
                }
                Err(Error::Retry) => {
                    return Err(Error::Unavailable("quota changes are contended".into()))
                }
                other => break other?,
            }
        };
        // An app space's ResourceQuota follows at once.
        if let QuotaOwner::AppSpace(id) = o.owner {
            self.converge_app_space(id).await?;
        }
        Ok(self
            .cluster_quota(o, input.cluster_id, cluster_name, percent, &figures)
            .await)
    }

    /// One attempt at the change, in one transaction.
    async fn write_quota(
        &self,
        o: &Owner,
        cluster_id: i64,
        asked: &BTreeMap<QuotaResource, i64>,
        capacity: &BTreeMap<QuotaResource, i64>,
    ) -> Result<Figures> {
        let mut tx = self.db.begin().await?;
        lock_for(&mut tx, o, cluster_id).await?;
        let figures = write_locked(&mut tx, o, cluster_id, asked, capacity).await?;
        tx.commit().await?;
        Ok(figures)
    }
}

/// Locks, top down and always in this order (cluster, domain, VDC), the
/// rows a change of `o`'s quota on `cluster_id` is decided under: its
/// parent's, and its own when it has children.
pub(crate) async fn lock_for(tx: &mut Tx, o: &Owner, cluster_id: i64) -> Result<()> {
    let (parent_level, parent_id) = match o.level {
        Level::Domain => (None, cluster_id),
        Level::Vdc => (Some(Level::Domain), o.parent_id),
        Level::AppSpace => (Some(Level::Vdc), o.parent_id),
    };
    if !lock(tx, parent_level, parent_id).await? {
        return Err(Error::NotFound);
    }
    if o.level.child().is_some() && !lock(tx, Some(o.level), o.id).await? {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// Checks `asked` for `o` against what is left above and given out
/// below, and writes it, in `tx`, whose locks ([`lock_for`]) are held.
pub(crate) async fn write_locked(
    tx: &mut Tx,
    o: &Owner,
    cluster_id: i64,
    asked: &BTreeMap<QuotaResource, i64>,
    capacity: &BTreeMap<QuotaResource, i64>,
) -> Result<Figures> {
    let rows: Vec<Row> = tx.fetch_all(&figures_query(o, Some(cluster_id))).await?;
    let mut figures = Figures::from_rows(o, rows);
    let mut fields = vec![];
    for (r, &amount) in asked {
        let field = format!("amounts.{}", r.key());
        let current = figures.own.get(r).copied().unwrap_or(0);
        let given = figures.children.get(r).copied().unwrap_or(0);
        if amount < given {
            fields.push(FieldError::detailed(
                &field,
                ErrorCode::BelowAllocated,
                Detail::BelowAllocated {
                    resource: r.key(),
                    asked: r.display(amount),
                    held: r.display(given),
                },
            ));
            continue;
        }
        // Keeping or lowering an amount is always allowed, even where
        // the parent has shrunk below it since.
        if amount <= current {
            continue;
        }
        if let Some(ceiling) = figures.ceiling(o.level, r, capacity) {
            if amount > ceiling {
                let limit = match o.level {
                    Level::Domain => capacity.get(r).copied().unwrap_or(0),
                    _ => figures.parent.get(r).copied().unwrap_or(0),
                };
                let others = figures.siblings.get(r).copied().unwrap_or(0);
                fields.push(FieldError::detailed(
                    &field,
                    ErrorCode::QuotaExceeded,
                    Detail::QuotaExceeded {
                        resource: r.key(),
                        parent: o.level.parent_name().into(),
                        asked: r.display(amount),
                        limit: r.display(limit),
                        given: r.display(others),
                        left: r.display(ceiling.max(0)),
                    },
                ));
            }
        }
    }
    Error::check(fields)?;
    let keys: Vec<String> = asked.keys().map(QuotaResource::key).collect();
    tx.execute(
        Query::delete()
            .from_table(Quotas::Table)
            .and_where(Expr::col(Quotas::OwnerKind).eq(o.level.key()))
            .and_where(Expr::col(Quotas::OwnerId).eq(o.id))
            .and_where(Expr::col(Quotas::ClusterId).eq(cluster_id))
            .and_where(Expr::col(Quotas::Resource).is_in(keys)),
    )
    .await?;
    let rows = asked.iter().filter(|(_, &a)| a > 0).map(|(r, &a)| {
        [
            o.level.key().into(),
            o.id.into(),
            o.parent_id.into(),
            cluster_id.into(),
            r.key().into(),
            a.into(),
        ]
    });
    if let Some(insert) = crate::db::insert_rows(Quotas::Table, ROW_COLUMNS, rows) {
        tx.execute(&insert).await?;
    }
    for (r, &a) in asked {
        if a > 0 {
            figures.own.insert(r.clone(), a);
        } else {
            figures.own.remove(r);
        }
    }
    Ok(figures)
}

/// The statement deleting every quota row of an owner (it goes with it).
pub(crate) fn delete_quotas_of(owner: QuotaOwner) -> sea_query::DeleteStatement {
    let (level, id) = match owner {
        QuotaOwner::Domain(id) => (Level::Domain, id),
        QuotaOwner::Vdc(id) => (Level::Vdc, id),
        QuotaOwner::AppSpace(id) => (Level::AppSpace, id),
    };
    Query::delete()
        .from_table(Quotas::Table)
        .and_where(Expr::col(Quotas::OwnerKind).eq(level.key()))
        .and_where(Expr::col(Quotas::OwnerId).eq(id))
        .to_owned()
}
