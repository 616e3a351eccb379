//! Domains: the organisation units that hold VDCs.

use berth_api::{validate, Domain, DomainInput, ErrorCode, FieldError, ListQuery, Overview, Page};
use chrono::Utc;
use sea_query::{Alias, Expr, Func, Order, Query, SelectStatement, SimpleExpr};

use super::Tenancy;
use crate::db::query;
use crate::{
    auth::{Authorized, Permission, Principal, Scope, Visibility},
    db::{
        schema::{Clusters, Domains, Vdcs},
        DbError,
    },
    Error, Result,
};

fn vdc_count() -> SimpleExpr {
    SimpleExpr::SubQuery(
        None,
        Box::new(
            Query::select()
                .expr(Func::count(Expr::col((Vdcs::Table, Vdcs::Id))))
                .from(Vdcs::Table)
                .and_where(
                    Expr::col((Vdcs::Table, Vdcs::DomainId)).equals((Domains::Table, Domains::Id)),
                )
                .to_owned()
                .into_sub_query_statement(),
        ),
    )
}

fn select_domains() -> SelectStatement {
    Query::select()
        .columns([
            (Domains::Table, Domains::Id),
            (Domains::Table, Domains::Name),
            (Domains::Table, Domains::DisplayName),
            (Domains::Table, Domains::Description),
            (Domains::Table, Domains::CreatedAt),
        ])
        .expr_as(vdc_count(), Alias::new("vdc_count"))
        .from(Domains::Table)
        .to_owned()
}

fn validate_input(input: &DomainInput, creating: bool) -> Vec<FieldError> {
    validate::named_object(
        &input.name,
        &input.display_name,
        &input.description,
        creating,
    )
}

fn name_taken(name: &str) -> Error {
    Error::field(
        "name",
        ErrorCode::Taken,
        format!("a domain named {name} already exists"),
    )
}

impl Tenancy<'_> {
    pub async fn list_domains(&self, who: &Principal, q: &ListQuery) -> Result<Page<Domain>> {
        let visible = self.visible(who, Permission::DomainRead, "domains").await?;
        let mut select = select_domains();
        let mut count = Query::select()
            .expr(Func::count(Expr::col((Domains::Table, Domains::Id))))
            .from(Domains::Table)
            .to_owned();
        let tenants = query::tenant_filter(
            &visible,
            (Domains::Table, Domains::Id),
            None::<(Domains, Domains)>,
        );
        let search = query::search(
            "search",
            &[
                (Domains::Table, Domains::Name),
                (Domains::Table, Domains::DisplayName),
            ],
            &q.search,
        )?;
        for f in [tenants, search].into_iter().flatten() {
            select.cond_where(f.clone());
            count.cond_where(f);
        }
        select.order_by((Domains::Table, Domains::Name), Order::Asc);
        Ok(query::page(&self.db, select, count, q).await?)
    }

    pub async fn get_domain(&self, who: &Principal, id: i64) -> Result<Domain> {
        self.domain_for(who, id, Permission::DomainRead).await?;
        self.find_domain(id).await?.ok_or(Error::NotFound)
    }

    pub(crate) async fn find_domain(&self, id: i64) -> Result<Option<Domain>> {
        Ok(self
            .db
            .fetch_optional(
                select_domains().and_where(Expr::col((Domains::Table, Domains::Id)).eq(id)),
            )
            .await?)
    }

    pub async fn create_domain(&self, who: &Principal, input: DomainInput) -> Result<Domain> {
        let target = format!("domain/{}", input.name);
        let proof = self
            .authorize(who, Permission::DomainCreate, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            self.insert_domain(proof, input).await
        })
        .await
    }

    async fn insert_domain(&self, proof: &Authorized, input: DomainInput) -> Result<Domain> {
        proof.expect(Permission::DomainCreate, Scope::Platform);
        Error::check(validate_input(&input, true))?;
        let insert = crate::db::insert_row(
            Domains::Table,
            [
                Domains::Name,
                Domains::DisplayName,
                Domains::Description,
                Domains::CreatedAt,
            ],
            [
                input.name.clone().into(),
                input.display_name.trim().into(),
                input.description.trim().into(),
                Utc::now().into(),
            ],
        );
        let id = match self.db.insert(insert).await {
            Err(DbError::UniqueViolation) => return Err(name_taken(&input.name)),
            other => other?,
        };
        self.find_domain(id).await?.ok_or(Error::NotFound)
    }

    /// Changes the display name and description; the name is fixed once
    /// created because clusters carry it in labels.
    pub async fn update_domain(
        &self,
        who: &Principal,
        id: i64,
        input: DomainInput,
    ) -> Result<Domain> {
        let (proof, target) = self.domain_for(who, id, Permission::DomainUpdate).await?;
        self.audited(who, proof, &target, async |proof| {
            self.change_domain(proof, id, input).await
        })
        .await
    }

    /// Authorizes `permission` on domain `id`. A domain the caller may not
    /// see is reported as missing, so ids reveal nothing.
    async fn domain_for(
        &self,
        who: &Principal,
        id: i64,
        permission: Permission,
    ) -> Result<(Authorized, String)> {
        let Some(domain) = self.find_domain(id).await? else {
            return Err(Error::NotFound);
        };
        let target = format!("domain/{}", domain.name);
        if self
            .authorize(who, Permission::DomainRead, Scope::Domain(id), &target)
            .await
            .is_err()
        {
            return Err(Error::NotFound);
        }
        let proof = self
            .authorize(who, permission, Scope::Domain(id), &target)
            .await?;
        Ok((proof, target))
    }

    async fn change_domain(
        &self,
        proof: &Authorized,
        id: i64,
        input: DomainInput,
    ) -> Result<Domain> {
        proof.expect(Permission::DomainUpdate, Scope::Domain(id));
        Error::check(validate_input(&input, false))?;
        let changed = self
            .db
            .execute(
                Query::update()
                    .table(Domains::Table)
                    .values([
                        (Domains::DisplayName, input.display_name.trim().into()),
                        (Domains::Description, input.description.trim().into()),
                    ])
                    .and_where(Expr::col(Domains::Id).eq(id)),
            )
            .await?;
        if changed == 0 {
            return Err(Error::NotFound);
        }
        self.find_domain(id).await?.ok_or(Error::NotFound)
    }

    /// Deletes a domain that holds no VDC. The foreign key from VDCs makes
    /// the refusal hold even against a VDC created concurrently.
    pub async fn delete_domain(&self, who: &Principal, id: i64) -> Result<()> {
        let (proof, target) = self.domain_for(who, id, Permission::DomainDelete).await?;
        self.audited(who, proof, &target, async |proof| {
            self.remove_domain(proof, id).await
        })
        .await
    }

    async fn remove_domain(&self, proof: &Authorized, id: i64) -> Result<()> {
        proof.expect(Permission::DomainDelete, Scope::Domain(id));
        let domain = self.find_domain(id).await?.ok_or(Error::NotFound)?;
        let has_vdcs = || {
            Error::conflict(
                ErrorCode::HasChildren,
                format!("domain {} still has VDCs; delete them first", domain.name),
            )
        };
        if domain.vdc_count > 0 {
            return Err(has_vdcs());
        }
        // The domain's role bindings and quotas go with it, in the same
        // transaction.
        let mut tx = self.db.begin().await?;
        tx.execute(&crate::identity::grants::delete_bindings_at(Scope::Domain(
            id,
        )))
        .await?;
        tx.execute(&super::quotas::delete_quotas_of(
            berth_api::QuotaOwner::Domain(id),
        ))
        .await?;
        let delete = Query::delete()
            .from_table(Domains::Table)
            .and_where(Expr::col(Domains::Id).eq(id))
            .to_owned();
        match tx.execute(&delete).await {
            Err(DbError::ForeignKeyViolation) => Err(has_vdcs()),
            Ok(0) => Err(Error::NotFound),
            Ok(_) => Ok(tx.commit().await?),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn overview(&self, who: &Principal) -> Result<Overview> {
        self.visible(who, Permission::OverviewRead, "overview")
            .await?;
        /// Counts `table` under the tenant filter for `permission`; zero
        /// where the caller holds it nowhere.
        async fn count(
            s: &crate::Services,
            who: &Principal,
            permission: Permission,
            table: impl sea_query::IntoTableRef,
            filter: impl Fn(&Visibility) -> Option<sea_query::Condition>,
        ) -> Result<i64> {
            let visible = who.visibility(permission);
            if visible.is_empty() {
                return Ok(0);
            }
            let mut q = Query::select()
                .expr(Func::count(Expr::cust("*")))
                .from(table)
                .to_owned();
            if let Some(f) = filter(&visible) {
                q.cond_where(f);
            }
            Ok(s.db.fetch_scalar(&q).await?)
        }
        Ok(Overview {
            domains: count(self, who, Permission::DomainRead, Domains::Table, |v| {
                query::tenant_filter(v, Domains::Id, None::<Domains>)
            })
            .await?,
            vdcs: count(self, who, Permission::VdcRead, Vdcs::Table, |v| {
                query::tenant_filter(v, Vdcs::DomainId, Some(Vdcs::Id))
            })
            .await?,
            // Clusters belong to the platform: only a platform binding sees them.
            clusters: match who.visibility(Permission::ClusterRead) {
                Visibility::All => {
                    count(self, who, Permission::ClusterRead, Clusters::Table, |_| {
                        None
                    })
                    .await?
                }
                Visibility::Tenants { .. } => 0,
            },
        })
    }
}
