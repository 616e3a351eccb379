//! App spaces: one namespace each, in one VDC on one cluster, with its
//! share of the VDC's quota there.
//!
//! Creation writes Berth's row and the quota in one transaction (state
//! `creating`), then applies the namespace and its objects, then marks the
//! row `ready`. A failure or crash between the two leaves a row that a
//! repeated request, or the reconciler, converges: applying is idempotent.
//! Deletion asks for the name typed, deletes the namespace, and removes the
//! row once the namespace is gone.

use std::time::Duration;

use berth_api::{
    validate, AdoptInput, AppSpace, AppSpaceInput, ErrorCode, FieldError, ListQuery, Page,
    QuotaOwner, QuotaResource, Vdc,
};
use chrono::Utc;
use k8s_openapi::api::core::v1::Namespace;
use sea_query::{Alias, Expr, Func, Order, Query, SelectStatement};

use super::{
    namespace::{self, Desired},
    quotas::{self, Owner},
    Tenancy,
};
use crate::{
    auth::{Authorized, Permission, Principal, Scope},
    db::{
        query,
        schema::{AppSpaces, Clusters, Domains, Quotas, Vdcs},
        DbError,
    },
    kube::api_error,
    Error, Result,
};

/// How long a deletion waits for the namespace to be gone before leaving
/// the rest to the reconciler.
const DELETE_WAIT: Duration = Duration::from_secs(5);
/// Names an app space may not take: the cluster's own namespaces.
const RESERVED: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// Filters for the app space list.
#[derive(Clone, Debug, Default)]
pub struct AppSpaceFilter {
    pub vdc_id: Option<i64>,
    pub cluster_id: Option<i64>,
}

fn select_app_spaces() -> SelectStatement {
    Query::select()
        .columns([
            (AppSpaces::Table, AppSpaces::Id),
            (AppSpaces::Table, AppSpaces::VdcId),
            (AppSpaces::Table, AppSpaces::ClusterId),
            (AppSpaces::Table, AppSpaces::Name),
            (AppSpaces::Table, AppSpaces::DisplayName),
            (AppSpaces::Table, AppSpaces::Description),
            (AppSpaces::Table, AppSpaces::State),
            (AppSpaces::Table, AppSpaces::Message),
            (AppSpaces::Table, AppSpaces::Adopted),
            (AppSpaces::Table, AppSpaces::CreatedAt),
        ])
        .expr_as(Expr::col((Vdcs::Table, Vdcs::Name)), Alias::new("vdc_name"))
        .expr_as(
            Expr::col((Vdcs::Table, Vdcs::DomainId)),
            Alias::new("domain_id"),
        )
        .expr_as(
            Expr::col((Domains::Table, Domains::Name)),
            Alias::new("domain_name"),
        )
        .expr_as(
            Expr::col((Clusters::Table, Clusters::Name)),
            Alias::new("cluster_name"),
        )
        .from(AppSpaces::Table)
        .inner_join(
            Vdcs::Table,
            Expr::col((Vdcs::Table, Vdcs::Id)).equals((AppSpaces::Table, AppSpaces::VdcId)),
        )
        .inner_join(
            Domains::Table,
            Expr::col((Domains::Table, Domains::Id)).equals((Vdcs::Table, Vdcs::DomainId)),
        )
        .inner_join(
            Clusters::Table,
            Expr::col((Clusters::Table, Clusters::Id))
                .equals((AppSpaces::Table, AppSpaces::ClusterId)),
        )
        .to_owned()
}

fn scope_of(a: &AppSpace) -> Scope {
    Scope::Vdc {
        domain_id: a.domain_id,
        vdc_id: a.vdc_id,
    }
}

fn target(domain: &str, vdc: &str, name: &str) -> String {
    format!("appspace/{domain}/{vdc}/{name}")
}

fn validate_input(input: &AppSpaceInput) -> Vec<FieldError> {
    let mut fields =
        validate::named_object(&input.name, &input.display_name, &input.description, true);
    if RESERVED.contains(&input.name.as_str()) || input.name.starts_with("kube-") {
        fields.push(FieldError {
            field: "name".into(),
            code: ErrorCode::Invalid,
            message: "this name belongs to the cluster itself; choose another".into(),
            detail: None,
        });
    }
    fields
}

fn taken(name: &str) -> Error {
    Error::field(
        "name",
        ErrorCode::Taken,
        format!("the cluster already has a namespace named {name}"),
    )
}

impl Tenancy<'_> {
    pub async fn list_app_spaces(
        &self,
        who: &Principal,
        filter: &AppSpaceFilter,
        q: &ListQuery,
    ) -> Result<Page<AppSpace>> {
        let visible = self
            .visible(who, Permission::AppSpaceRead, "appspaces")
            .await?;
        let mut select = select_app_spaces();
        let mut count = Query::select()
            .expr(Func::count(Expr::col((AppSpaces::Table, AppSpaces::Id))))
            .from(AppSpaces::Table)
            .inner_join(
                Vdcs::Table,
                Expr::col((Vdcs::Table, Vdcs::Id)).equals((AppSpaces::Table, AppSpaces::VdcId)),
            )
            .to_owned();
        let mut conds = vec![];
        if let Some(vdc) = filter.vdc_id {
            conds.push(
                sea_query::Cond::all().add(Expr::col((AppSpaces::Table, AppSpaces::VdcId)).eq(vdc)),
            );
        }
        if let Some(cluster) = filter.cluster_id {
            conds.push(
                sea_query::Cond::all()
                    .add(Expr::col((AppSpaces::Table, AppSpaces::ClusterId)).eq(cluster)),
            );
        }
        conds.extend(query::tenant_filter(
            &visible,
            (Vdcs::Table, Vdcs::DomainId),
            Some((AppSpaces::Table, AppSpaces::VdcId)),
        ));
        conds.extend(query::search(
            "search",
            &[
                (AppSpaces::Table, AppSpaces::Name),
                (AppSpaces::Table, AppSpaces::DisplayName),
            ],
            &q.search,
        )?);
        for c in conds {
            select.cond_where(c.clone());
            count.cond_where(c);
        }
        select
            .order_by((AppSpaces::Table, AppSpaces::Name), Order::Asc)
            .order_by((AppSpaces::Table, AppSpaces::Id), Order::Asc);
        Ok(query::page(&self.db, select, count, q).await?)
    }

    /// Every app space of a VDC (for its suspension).
    pub(crate) async fn app_spaces_of_vdc(&self, vdc_id: i64) -> Result<Vec<AppSpace>> {
        Ok(self
            .db
            .fetch_all(
                select_app_spaces()
                    .and_where(Expr::col((AppSpaces::Table, AppSpaces::VdcId)).eq(vdc_id))
                    .order_by((AppSpaces::Table, AppSpaces::Id), Order::Asc),
            )
            .await?)
    }

    /// The app spaces under a quota owner: a domain's, a VDC's, or the
    /// app space itself.
    pub(crate) async fn app_spaces_under(&self, owner: QuotaOwner) -> Result<Vec<AppSpace>> {
        let only = match owner {
            QuotaOwner::Domain(id) => Expr::col((Vdcs::Table, Vdcs::DomainId)).eq(id),
            QuotaOwner::Vdc(id) => Expr::col((AppSpaces::Table, AppSpaces::VdcId)).eq(id),
            QuotaOwner::AppSpace(id) => Expr::col((AppSpaces::Table, AppSpaces::Id)).eq(id),
        };
        Ok(self
            .db
            .fetch_all(
                select_app_spaces()
                    .and_where(only)
                    .order_by((AppSpaces::Table, AppSpaces::Id), Order::Asc),
            )
            .await?)
    }

    /// Every app space on a cluster, whoever's (for the reconciler).
    pub(crate) async fn app_spaces_on(&self, cluster_id: i64) -> Result<Vec<AppSpace>> {
        Ok(self
            .db
            .fetch_all(
                select_app_spaces()
                    .and_where(Expr::col((AppSpaces::Table, AppSpaces::ClusterId)).eq(cluster_id))
                    .order_by((AppSpaces::Table, AppSpaces::Id), Order::Asc),
            )
            .await?)
    }

    pub(crate) async fn find_app_space(&self, id: i64) -> Result<Option<AppSpace>> {
        Ok(self
            .db
            .fetch_optional(
                select_app_spaces().and_where(Expr::col((AppSpaces::Table, AppSpaces::Id)).eq(id)),
            )
            .await?)
    }

    /// Looks an app space up and authorizes `permission` on it; one the
    /// caller may not see is missing.
    async fn app_space_for(
        &self,
        who: &Principal,
        id: i64,
        permission: Permission,
    ) -> Result<(AppSpace, Authorized, String)> {
        let a = self.find_app_space(id).await?.ok_or(Error::NotFound)?;
        let target = target(&a.domain_name, &a.vdc_name, &a.name);
        self.authorize(who, Permission::AppSpaceRead, scope_of(&a), &target)
            .await
            .map_err(|_| Error::NotFound)?;
        let proof = self
            .authorize(who, permission, scope_of(&a), &target)
            .await?;
        Ok((a, proof, target))
    }

    pub async fn get_app_space(&self, who: &Principal, id: i64) -> Result<AppSpace> {
        self.app_space_for(who, id, Permission::AppSpaceRead)
            .await
            .map(|(a, ..)| a)
    }

    /// The quota owner of an app space, for [`Tenancy::quotas`]: read and
    /// changed inside its VDC.
    pub(crate) async fn app_space_owner(&self, who: &Principal, id: i64) -> Result<Owner> {
        let a = self.get_app_space(who, id).await?;
        Ok(Owner::app_space(
            a.id,
            a.vdc_id,
            a.cluster_id,
            scope_of(&a),
            format!("{}/quota", target(&a.domain_name, &a.vdc_name, &a.name)),
        ))
    }

    /// Creates an app space in a VDC on a cluster, with its share of the
    /// VDC's quota there. Asking again for one that did not finish (the
    /// same VDC, cluster and name) finishes it.
    pub async fn create_app_space(
        &self,
        who: &Principal,
        input: AppSpaceInput,
    ) -> Result<AppSpace> {
        let vdc = self.get_vdc(who, input.vdc_id).await.map_err(|e| match e {
            Error::NotFound | Error::Forbidden => Error::NotFound,
            other => other,
        })?;
        let target = target(&vdc.domain_name, &vdc.name, &input.name);
        let proof = self
            .authorize(
                who,
                Permission::AppSpaceCreate,
                super::vdcs::scope_of(&vdc),
                &target,
            )
            .await?;
        self.audited(who, proof, &target, async |proof| {
            self.insert_app_space(proof, &vdc, input, false).await
        })
        .await
    }

    /// Takes an existing namespace of a registered cluster into a VDC as
    /// an app space (operators only): Berth's labels, quota, limits and
    /// policies are applied to it; nothing else in it changes.
    pub async fn adopt_namespace(&self, who: &Principal, input: AdoptInput) -> Result<AppSpace> {
        let vdc = self.get_vdc(who, input.vdc_id).await?;
        let target = target(&vdc.domain_name, &vdc.name, &input.name);
        let proof = self
            .authorize(who, Permission::AppSpaceCreate, Scope::Platform, &target)
            .await?;
        let input = AppSpaceInput {
            vdc_id: input.vdc_id,
            cluster_id: input.cluster_id,
            display_name: input.name.clone(),
            name: input.name,
            description: String::new(),
            amounts: input.amounts,
        };
        self.audited_as(who, proof, "appspace.adopt", &target, async |proof| {
            self.insert_app_space(proof, &vdc, input, true).await
        })
        .await
    }

    async fn insert_app_space(
        &self,
        proof: &Authorized,
        vdc: &Vdc,
        input: AppSpaceInput,
        adopt: bool,
    ) -> Result<AppSpace> {
        proof.expect(Permission::AppSpaceCreate, super::vdcs::scope_of(vdc));
        if vdc.status == "suspended" {
            return Err(Error::conflict(
                ErrorCode::Invalid,
                format!(
                    "VDC {} is suspended: nothing new can be created in it",
                    vdc.name
                ),
            ));
        }
        let mut fields = validate_input(&input);
        let asked = match quotas::parse_amounts(&input.amounts) {
            Ok(a) => a,
            Err(Error::Validation(f)) => {
                fields.extend(f);
                Default::default()
            }
            Err(e) => return Err(e),
        };
        let cluster_known = self.cluster_name(input.cluster_id).await?.is_some();
        if !cluster_known {
            fields.push(FieldError {
                field: "cluster_id".into(),
                code: ErrorCode::NotFound,
                message: "choose a registered cluster".into(),
                detail: None,
            });
        }
        Error::check(fields)?;

        // A retry of an unfinished creation converges; anything else by
        // that name is taken.
        let existing: Option<AppSpace> = self
            .db
            .fetch_optional(
                select_app_spaces()
                    .and_where(
                        Expr::col((AppSpaces::Table, AppSpaces::ClusterId)).eq(input.cluster_id),
                    )
                    .and_where(
                        Expr::col((AppSpaces::Table, AppSpaces::Name)).eq(input.name.clone()),
                    ),
            )
            .await?;
        if let Some(a) = existing {
            if a.vdc_id == vdc.id && matches!(a.state.as_str(), "creating" | "failed") {
                return self.converge_app_space(a.id).await;
            }
            return Err(taken(&input.name));
        }
        let client = self.clusters().handle(input.cluster_id).await?.client();
        match kube::Api::<Namespace>::all(client)
            .get_opt(&input.name)
            .await
        {
            Ok(None) if adopt => {
                return Err(Error::field(
                    "name",
                    ErrorCode::NotFound,
                    format!("the cluster has no namespace named {}", input.name),
                ))
            }
            Ok(Some(_)) if !adopt => return Err(taken(&input.name)),
            Ok(_) => {}
            Err(e) => return Err(api_error(e, "name")),
        }

        let mut attempt = 0;
        let id = loop {
            attempt += 1;
            match self.write_app_space(vdc, &input, &asked, adopt).await {
                Err(Error::Retry) if attempt < quotas::ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(5 * attempt as u64)).await;
                }
                other => break other?,
            }
        };
        self.converge_app_space(id).await
    }

    /// Berth's row and the app space's quota, in one transaction under the
    /// VDC's lock.
    async fn write_app_space(
        &self,
        vdc: &Vdc,
        input: &AppSpaceInput,
        asked: &std::collections::BTreeMap<QuotaResource, i64>,
        adopt: bool,
    ) -> Result<i64> {
        let mut tx = self.db.begin().await?;
        // The VDC's lock first: everything that changes its quota or its
        // app spaces' takes it in the same order.
        let lock_owner = Owner::app_space(
            0,
            vdc.id,
            input.cluster_id,
            super::vdcs::scope_of(vdc),
            String::new(),
        );
        quotas::lock_for(&mut tx, &lock_owner, input.cluster_id).await?;
        let now = Utc::now();
        let insert = crate::db::insert_row(
            AppSpaces::Table,
            [
                AppSpaces::VdcId,
                AppSpaces::ClusterId,
                AppSpaces::Name,
                AppSpaces::DisplayName,
                AppSpaces::Description,
                AppSpaces::State,
                AppSpaces::Message,
                AppSpaces::Adopted,
                AppSpaces::CreatedAt,
                AppSpaces::UpdatedAt,
            ],
            [
                vdc.id.into(),
                input.cluster_id.into(),
                input.name.clone().into(),
                input.display_name.trim().into(),
                input.description.trim().into(),
                "creating".into(),
                "".into(),
                adopt.into(),
                now.into(),
                now.into(),
            ],
        );
        let id = match tx.insert(insert).await {
            Err(DbError::UniqueViolation) => return Err(taken(&input.name)),
            other => other?,
        };
        let owner = Owner::app_space(
            id,
            vdc.id,
            input.cluster_id,
            super::vdcs::scope_of(vdc),
            String::new(),
        );
        quotas::write_locked(
            &mut tx,
            &owner,
            input.cluster_id,
            asked,
            &Default::default(),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn cluster_name(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .db
            .fetch_optional::<(String,)>(
                Query::select()
                    .column(Clusters::Name)
                    .from(Clusters::Table)
                    .and_where(Expr::col(Clusters::Id).eq(id)),
            )
            .await?
            .map(|(n,)| n))
    }

    /// What an app space should be in its cluster, from Berth's rows.
    pub(crate) async fn desired(&self, a: &AppSpace) -> Result<Desired> {
        let rows: Vec<(String, i64)> = self
            .db
            .fetch_all(
                Query::select()
                    .columns([Quotas::Resource, Quotas::Amount])
                    .from(Quotas::Table)
                    .and_where(Expr::col(Quotas::OwnerKind).eq("app_space"))
                    .and_where(Expr::col(Quotas::OwnerId).eq(a.id)),
            )
            .await?;
        let (ingress_namespace,): (String,) = self
            .db
            .fetch_optional(
                Query::select()
                    .column(Clusters::IngressNamespace)
                    .from(Clusters::Table)
                    .and_where(Expr::col(Clusters::Id).eq(a.cluster_id)),
            )
            .await?
            .ok_or(Error::NotFound)?;
        Ok(Desired {
            app_space_id: a.id,
            namespace: a.name.clone(),
            domain: a.domain_name.clone(),
            vdc: a.vdc_name.clone(),
            quota: rows
                .into_iter()
                .filter_map(|(k, v)| Some((QuotaResource::from_key(&k)?, v)))
                .collect(),
            ingress_namespace,
        })
    }

    async fn set_state(&self, id: i64, state: &str, message: &str) -> Result<()> {
        self.db
            .execute(
                Query::update()
                    .table(AppSpaces::Table)
                    .values([
                        (AppSpaces::State, state.into()),
                        (AppSpaces::Message, validate::prefix(message, 500).into()),
                        (AppSpaces::UpdatedAt, Utc::now().into()),
                    ])
                    .and_where(Expr::col(AppSpaces::Id).eq(id)),
            )
            .await?;
        Ok(())
    }

    /// Applies what an app space should be and records how it went: `ready`,
    /// or `failed` with the reason (the error is returned too).
    pub(crate) async fn converge_app_space(&self, id: i64) -> Result<AppSpace> {
        let a = self.find_app_space(id).await?.ok_or(Error::NotFound)?;
        let desired = self.desired(&a).await?;
        let client = self.clusters().handle(a.cluster_id).await?.client();
        match namespace::apply(&client, &desired).await {
            Ok(()) => self.set_state(id, "ready", "").await?,
            Err(e) => {
                let message = match &e {
                    kube::Error::Api(s) => format!("the cluster refused it: {}", s.message),
                    _ => "the cluster could not be reached; Berth will try again".into(),
                };
                self.set_state(id, "failed", &message).await?;
                return Err(api_error(e, "name"));
            }
        }
        self.find_app_space(id).await?.ok_or(Error::NotFound)
    }

    /// Deletes an app space: `confirm` must be its name. The namespace is
    /// deleted; Berth's row goes once the namespace is gone (at once when
    /// the cluster is quick, else by the reconciler).
    pub async fn delete_app_space(
        &self,
        who: &Principal,
        id: i64,
        confirm: &str,
    ) -> Result<Option<AppSpace>> {
        let (a, proof, target) = self
            .app_space_for(who, id, Permission::AppSpaceDelete)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::AppSpaceDelete, scope_of(&a));
            if confirm.trim() != a.name {
                return Err(Error::field(
                    "confirm",
                    ErrorCode::Invalid,
                    format!("type {} to delete it", a.name),
                ));
            }
            self.set_state(a.id, "deleting", "").await?;
            self.finish_deletion(&a, DELETE_WAIT).await
        })
        .await
    }

    /// Deletes the namespace and, once it is gone (within `wait`), the row;
    /// the app space as it still is when the namespace outlasts `wait`.
    pub(crate) async fn finish_deletion(
        &self,
        a: &AppSpace,
        wait: Duration,
    ) -> Result<Option<AppSpace>> {
        let client = self.clusters().handle(a.cluster_id).await?.client();
        let namespaces = kube::Api::<Namespace>::all(client);
        match namespaces.delete(&a.name, &Default::default()).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => return Err(api_error(e, "name")),
        }
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match namespaces.get_opt(&a.name).await {
                Ok(None) => break,
                Ok(Some(_)) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(Some(_)) => return Ok(self.find_app_space(a.id).await?),
                Err(e) => return Err(api_error(e, "name")),
            }
        }
        let mut tx = self.db.begin().await?;
        tx.execute(&quotas::delete_quotas_of(QuotaOwner::AppSpace(a.id)))
            .await?;
        tx.execute(
            Query::delete()
                .from_table(AppSpaces::Table)
                .and_where(Expr::col(AppSpaces::Id).eq(a.id)),
        )
        .await?;
        tx.commit().await?;
        Ok(None)
    }
}
