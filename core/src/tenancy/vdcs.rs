//! VDCs (virtual data centers): the tenant units inside a domain.

use berth_api::{validate, ErrorCode, FieldError, ListQuery, Page, Vdc, VdcInput};
use chrono::Utc;
use sea_query::{Alias, Expr, Func, Order, Query, SelectStatement};

use super::Tenancy;
use crate::db::query;
use crate::{
    auth::{Authorized, Permission, Principal, Scope},
    db::{
        schema::{Domains, Vdcs},
        DbError,
    },
    Error, Result,
};

/// Filters for the VDC list.
#[derive(Clone, Debug, Default)]
pub struct VdcFilter {
    pub domain_id: Option<i64>,
}

fn select_vdcs() -> SelectStatement {
    Query::select()
        .columns([
            (Vdcs::Table, Vdcs::Id),
            (Vdcs::Table, Vdcs::DomainId),
            (Vdcs::Table, Vdcs::Name),
            (Vdcs::Table, Vdcs::DisplayName),
            (Vdcs::Table, Vdcs::Description),
            (Vdcs::Table, Vdcs::Status),
            (Vdcs::Table, Vdcs::CreatedAt),
        ])
        .expr_as(
            Expr::col((Domains::Table, Domains::Name)),
            Alias::new("domain_name"),
        )
        .from(Vdcs::Table)
        .inner_join(
            Domains::Table,
            Expr::col((Domains::Table, Domains::Id)).equals((Vdcs::Table, Vdcs::DomainId)),
        )
        .to_owned()
}

/// Where a VDC's permissions are decided.
pub(crate) fn scope_of(vdc: &Vdc) -> Scope {
    Scope::Vdc {
        domain_id: vdc.domain_id,
        vdc_id: vdc.id,
    }
}

fn vdc_target(domain: &str, name: &str) -> String {
    format!("vdc/{domain}/{name}")
}

fn validate_input(input: &VdcInput, creating: bool) -> Vec<FieldError> {
    validate::named_object(
        &input.name,
        &input.display_name,
        &input.description,
        creating,
    )
}

impl Tenancy<'_> {
    pub async fn list_vdcs(
        &self,
        who: &Principal,
        filter: &VdcFilter,
        q: &ListQuery,
    ) -> Result<Page<Vdc>> {
        let visible = self.visible(who, Permission::VdcRead, "vdcs").await?;
        let mut select = select_vdcs();
        let mut count = Query::select()
            .expr(Func::count(Expr::col((Vdcs::Table, Vdcs::Id))))
            .from(Vdcs::Table)
            .to_owned();
        if let Some(domain_id) = filter.domain_id {
            let cond = Expr::col((Vdcs::Table, Vdcs::DomainId)).eq(domain_id);
            select.and_where(cond.clone());
            count.and_where(cond);
        }
        let tenants = query::tenant_filter(
            &visible,
            (Vdcs::Table, Vdcs::DomainId),
            Some((Vdcs::Table, Vdcs::Id)),
        );
        let search = query::search(
            "search",
            &[(Vdcs::Table, Vdcs::Name), (Vdcs::Table, Vdcs::DisplayName)],
            &q.search,
        )?;
        for f in [tenants, search].into_iter().flatten() {
            select.cond_where(f.clone());
            count.cond_where(f);
        }
        select
            .order_by((Domains::Table, Domains::Name), Order::Asc)
            .order_by((Vdcs::Table, Vdcs::Name), Order::Asc);
        Ok(query::page(&self.db, select, count, q).await?)
    }

    pub(crate) async fn find_vdc(&self, id: i64) -> Result<Option<Vdc>> {
        Ok(self
            .db
            .fetch_optional(select_vdcs().and_where(Expr::col((Vdcs::Table, Vdcs::Id)).eq(id)))
            .await?)
    }

    /// Looks a VDC up and authorizes `permission` on it. A VDC the caller
    /// may not see is reported as missing, so ids reveal nothing.
    /// Denials are audited against `vdc/<domain>/<name>`.
    async fn vdc_for(
        &self,
        who: &Principal,
        id: i64,
        permission: Permission,
    ) -> Result<(Vdc, Authorized, String)> {
        let vdc = self.find_vdc(id).await?.ok_or(Error::NotFound)?;
        let scope = scope_of(&vdc);
        let target = vdc_target(&vdc.domain_name, &vdc.name);
        if self
            .authorize(who, Permission::VdcRead, scope, &target)
            .await
            .is_err()
        {
            return Err(Error::NotFound);
        }
        let proof = self.authorize(who, permission, scope, &target).await?;
        Ok((vdc, proof, target))
    }

    pub async fn get_vdc(&self, who: &Principal, id: i64) -> Result<Vdc> {
        self.vdc_for(who, id, Permission::VdcRead)
            .await
            .map(|(vdc, ..)| vdc)
    }

    pub async fn create_vdc(&self, who: &Principal, input: VdcInput) -> Result<Vdc> {
        let domain_name = self.find_domain(input.domain_id).await?.map(|d| d.name);
        let target = vdc_target(domain_name.as_deref().unwrap_or("?"), &input.name);
        let proof = self
            .authorize_under(
                who,
                Permission::VdcCreate,
                Scope::Domain(input.domain_id),
                &target,
            )
            .await?;
        self.audited(who, proof, &target, async |proof| {
            self.insert_vdc(proof, input).await
        })
        .await
    }

    async fn insert_vdc(&self, proof: &Authorized, input: VdcInput) -> Result<Vdc> {
        proof.expect(Permission::VdcCreate, Scope::Domain(input.domain_id));
        let mut fields = validate_input(&input, true);
        let domain = self.find_domain(input.domain_id).await?;
        if domain.is_none() {
            fields.push(FieldError {
                field: "domain_id".into(),
                code: ErrorCode::NotFound,
                message: "choose an existing domain".into(),
                detail: None,
            });
        }
        Error::check(fields)?;
        let insert = crate::db::insert_row(
            Vdcs::Table,
            [
                Vdcs::DomainId,
                Vdcs::Name,
                Vdcs::DisplayName,
                Vdcs::Description,
                Vdcs::Status,
                Vdcs::CreatedAt,
            ],
            [
                input.domain_id.into(),
                input.name.clone().into(),
                input.display_name.trim().into(),
                input.description.trim().into(),
                "active".into(),
                Utc::now().into(),
            ],
        );
        let id = match self.db.insert(insert).await {
            Err(DbError::UniqueViolation) => {
                return Err(Error::Validation(vec![FieldError {
                    field: "name".into(),
                    code: ErrorCode::Taken,
                    message: format!("this domain already has a VDC named {}", input.name),
                    detail: None,
                }]))
            }
            Err(DbError::ForeignKeyViolation) => {
                return Err(Error::Validation(vec![FieldError {
                    field: "domain_id".into(),
                    code: ErrorCode::NotFound,
                    message: "choose an existing domain".into(),
                    detail: None,
                }]))
            }
            other => other?,
        };
        self.find_vdc(id).await?.ok_or(Error::NotFound)
    }

    /// Changes display name and description; name and domain are fixed.
    pub async fn update_vdc(&self, who: &Principal, id: i64, input: VdcInput) -> Result<Vdc> {
        let (vdc, proof, target) = self.vdc_for(who, id, Permission::VdcUpdate).await?;
        self.audited(who, proof, &target, async |proof| {
            self.change_vdc(proof, &vdc, input).await
        })
        .await
    }

    async fn change_vdc(&self, proof: &Authorized, vdc: &Vdc, input: VdcInput) -> Result<Vdc> {
        proof.expect(Permission::VdcUpdate, scope_of(vdc));
        let id = vdc.id;
        Error::check(validate_input(&input, false))?;
        self.db
            .execute(
                Query::update()
                    .table(Vdcs::Table)
                    .values([
                        (Vdcs::DisplayName, input.display_name.trim().into()),
                        (Vdcs::Description, input.description.trim().into()),
                    ])
                    .and_where(Expr::col(Vdcs::Id).eq(id)),
            )
            .await?;
        self.find_vdc(id).await?.ok_or(Error::NotFound)
    }

    pub async fn delete_vdc(&self, who: &Principal, id: i64) -> Result<()> {
        let (vdc, proof, target) = self.vdc_for(who, id, Permission::VdcDelete).await?;
        self.audited(who, proof, &target, async |proof| {
            self.remove_vdc(proof, &vdc).await
        })
        .await
    }

    /// Deletes the VDC and, in the same transaction, every role held
    /// there and its quotas, so no later VDC inherits them.
    async fn remove_vdc(&self, proof: &Authorized, vdc: &Vdc) -> Result<()> {
        proof.expect(Permission::VdcDelete, scope_of(vdc));
        let id = vdc.id;
        let mut tx = self.db.begin().await?;
        tx.execute(&crate::identity::grants::delete_bindings_at(scope_of(vdc)))
            .await?;
        tx.execute(&super::quotas::delete_quotas_of(
            berth_api::QuotaOwner::Vdc(id),
        ))
        .await?;
        let deleted = tx
            .execute(
                Query::delete()
                    .from_table(Vdcs::Table)
                    .and_where(Expr::col(Vdcs::Id).eq(id)),
            )
            .await;
        // Its app spaces hold it (their foreign key), even one created
        // concurrently.
        let n = match deleted {
            Err(DbError::ForeignKeyViolation) => {
                return Err(Error::conflict(
                    ErrorCode::HasChildren,
                    format!("VDC {} still has app spaces; delete them first", vdc.name),
                ))
            }
            other => other?,
        };
        if n == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}
