//! Role bindings ("grants"): who holds which role where.
//!
//! The rules: a grant needs `role.bind` at its scope; a role binds only at
//! its type's scope kind (operations roles at the platform, domain roles at
//! a domain, VDC roles at a VDC); and nobody can grant a permission they do
//! not hold there themselves. Together these give: operators grant
//! anything, domain admins grant within their domain, VDC admins grant
//! VDC roles within their VDC.

use berth_api::{ErrorCode, Grant, GrantInput};
use chrono::Utc;
use sea_query::{Alias, Expr, Query};

use super::Identity;
use crate::{
    auth::{authorize, Permission, Principal, RoleType, Scope},
    db::schema::{RoleBindings, Roles, Users, Vdcs},
    Error, Result,
};

/// Whether `who` may see the scope at all: another tenant's domain or VDC
/// is reported as missing.
fn can_see(who: &Principal, scope: Scope) -> bool {
    let read = match scope {
        Scope::Platform => return true,
        Scope::Domain(_) => Permission::DomainRead,
        Scope::Vdc { .. } => Permission::VdcRead,
    };
    authorize(who, read, scope).is_ok()
}

/// The one statement that records a binding; `source` names where it
/// came from when not from a grant in Berth (a provider group).
pub(crate) fn insert_binding(
    user_id: i64,
    role_id: i64,
    scope: Scope,
    source: Option<&str>,
) -> sea_query::InsertStatement {
    let (scope_kind, scope_id) = scope.columns();
    crate::db::insert_row(
        RoleBindings::Table,
        [
            RoleBindings::UserId,
            RoleBindings::RoleId,
            RoleBindings::ScopeKind,
            RoleBindings::ScopeId,
            RoleBindings::CreatedAt,
            RoleBindings::Source,
        ],
        [
            user_id.into(),
            role_id.into(),
            scope_kind.into(),
            scope_id.into(),
            Utc::now().into(),
            source.map(str::to_owned).into(),
        ],
    )
}

/// Deletes every binding at exactly `scope` (a domain's own, or a VDC's).
pub(crate) fn delete_bindings_at(scope: Scope) -> sea_query::DeleteStatement {
    let (kind, id) = scope.columns();
    let mut q = Query::delete();
    q.from_table(RoleBindings::Table)
        .and_where(Expr::col(RoleBindings::ScopeKind).eq(kind));
    match id {
        Some(id) => q.and_where(Expr::col(RoleBindings::ScopeId).eq(id)),
        None => q.and_where(Expr::col(RoleBindings::ScopeId).is_null()),
    };
    q
}

/// The one query for role bindings: each with its role's name, type and
/// kind (built-in or custom) and, for a VDC binding, the VDC's domain, so
/// its scope reads back whole ([`Scope::from_columns`]). The principal's
/// bindings and the grants pages both start from it.
pub(crate) fn select_bindings() -> sea_query::SelectStatement {
    Query::select()
        .columns([
            (RoleBindings::Table, RoleBindings::Id),
            (RoleBindings::Table, RoleBindings::UserId),
            (RoleBindings::Table, RoleBindings::RoleId),
            (RoleBindings::Table, RoleBindings::ScopeKind),
            (RoleBindings::Table, RoleBindings::ScopeId),
        ])
        .expr_as(
            Expr::col((Roles::Table, Roles::Name)),
            Alias::new("role_name"),
        )
        .columns([
            (Roles::Table, Roles::RoleType),
            (Roles::Table, Roles::Builtin),
        ])
        .expr_as(
            Expr::col((Vdcs::Table, Vdcs::DomainId)),
            Alias::new("vdc_domain_id"),
        )
        .from(RoleBindings::Table)
        .inner_join(
            Roles::Table,
            Expr::col((Roles::Table, Roles::Id))
                .equals((RoleBindings::Table, RoleBindings::RoleId)),
        )
        .join(
            sea_query::JoinType::LeftJoin,
            Vdcs::Table,
            Expr::col((RoleBindings::Table, RoleBindings::ScopeKind))
                .eq("vdc")
                .and(
                    Expr::col((Vdcs::Table, Vdcs::Id))
                        .equals((RoleBindings::Table, RoleBindings::ScopeId)),
                ),
        )
        .to_owned()
}

/// Grants: bindings with their user's name.
fn select_grants() -> sea_query::SelectStatement {
    select_bindings()
        .column((Users::Table, Users::Username))
        .inner_join(
            Users::Table,
            Expr::col((Users::Table, Users::Id))
                .equals((RoleBindings::Table, RoleBindings::UserId)),
        )
        .to_owned()
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: i64,
    user_id: i64,
    username: String,
    role_id: i64,
    role_name: String,
    scope_kind: String,
    scope_id: Option<i64>,
    vdc_domain_id: Option<i64>,
}

impl From<GrantRow> for Grant {
    fn from(r: GrantRow) -> Self {
        Grant {
            id: r.id,
            user_id: r.user_id,
            username: r.username,
            role_id: r.role_id,
            role_name: r.role_name,
            scope_kind: r.scope_kind,
            scope_id: r.scope_id,
        }
    }
}

impl Identity<'_> {
    /// Resolves a scope reference, with the VDC's domain filled in.
    async fn resolve_scope(&self, kind: &str, id: Option<i64>) -> Result<Scope> {
        match (kind, id) {
            ("platform", None) => Ok(Scope::Platform),
            ("domain", Some(id)) => match self.tenancy().find_domain(id).await? {
                Some(_) => Ok(Scope::Domain(id)),
                None => Err(Error::NotFound),
            },
            ("vdc", Some(id)) => {
                let domain: Option<(i64,)> = self
                    .db
                    .fetch_optional(
                        Query::select()
                            .column(Vdcs::DomainId)
                            .from(Vdcs::Table)
                            .and_where(Expr::col(Vdcs::Id).eq(id)),
                    )
                    .await?;
                domain
                    .map(|(domain_id,)| Scope::Vdc {
                        domain_id,
                        vdc_id: id,
                    })
                    .ok_or(Error::NotFound)
            }
            ("domain" | "vdc", None) => Err(Error::field(
                "scope_id",
                ErrorCode::Required,
                "choose the domain or VDC to grant the role at",
            )),
            _ => Err(Error::field(
                "scope_kind",
                ErrorCode::Invalid,
                "scope is platform (no id), domain or vdc (with an id)",
            )),
        }
    }

    /// Whether `who` may name `user_id` in a grant: the user's home domain
    /// is one where (or above which) `who` grants roles, or the user already
    /// holds a role at a scope `who` grants at. Platform staff with no
    /// role in the granter's tenant, and users of other domains, are not.
    async fn user_visible_to_granter(&self, who: &Principal, user_id: i64) -> Result<bool> {
        let home: Option<(Option<i64>,)> = self
            .db
            .fetch_optional(
                Query::select()
                    .column(Users::DomainId)
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Id).eq(user_id)),
            )
            .await?;
        let Some((home,)) = home else {
            return Ok(false);
        };
        let granting: Vec<Scope> = who
            .bindings
            .iter()
            .filter(|b| b.permissions.contains(&Permission::RoleBind))
            .map(|b| b.scope)
            .collect();
        let at_home = granting
            .iter()
            .any(|g| *g == Scope::Platform || (home.is_some() && g.domain() == home));
        if at_home {
            return Ok(true);
        }
        let held = self.user_bindings(user_id).await?;
        Ok(held
            .iter()
            .any(|h| granting.iter().any(|g| g.covers(h.scope))))
    }

    async fn find_grant(&self, id: i64) -> Result<Option<Grant>> {
        let row: Option<GrantRow> = self
            .db
            .fetch_optional(
                select_grants()
                    .and_where(Expr::col((RoleBindings::Table, RoleBindings::Id)).eq(id)),
            )
            .await?;
        Ok(row.map(Grant::from))
    }

    /// The roles a user holds, where the caller may see them: grants at
    /// scopes the caller holds `role.read` at.
    pub async fn list_user_grants(&self, who: &Principal, user_id: i64) -> Result<Vec<Grant>> {
        self.visible(who, Permission::RoleRead, "grants").await?;
        let rows: Vec<GrantRow> = self
            .db
            .fetch_all(
                select_grants()
                    .and_where(Expr::col((RoleBindings::Table, RoleBindings::UserId)).eq(user_id))
                    .order_by(
                        (RoleBindings::Table, RoleBindings::Id),
                        sea_query::Order::Asc,
                    ),
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter(|r| {
                Scope::from_columns(&r.scope_kind, r.scope_id, r.vdc_domain_id)
                    .is_some_and(|scope| authorize(who, Permission::RoleRead, scope).is_ok())
            })
            .map(Grant::from)
            .collect())
    }

    pub async fn grant_role(&self, who: &Principal, input: GrantInput) -> Result<Grant> {
        let scope = self
            .resolve_scope(&input.scope_kind, input.scope_id)
            .await?;
        if !can_see(who, scope) {
            return Err(Error::NotFound);
        }
        let role = self.find_role(input.role_id).await?.ok_or_else(|| {
            Error::field("role_id", ErrorCode::NotFound, "choose an existing role")
        })?;
        let target = format!("grant/{}@{}", role.name, input.scope_kind);
        let proof = self
            .authorize(who, Permission::RoleBind, scope, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::RoleBind, scope);
            // Someone the granter may not see is answered like nobody at all.
            if !self.user_visible_to_granter(who, input.user_id).await? {
                return Err(Error::field(
                    "user_id",
                    ErrorCode::NotFound,
                    "choose an existing user",
                ));
            }
            self.bind(who, &role, scope, input.user_id).await
        })
        .await
    }

    /// Binds `role` to `user_id` at `scope` for `who`, whose right to do so
    /// there is proven: the role must be of the scope's type, hold nothing
    /// `who` lacks there (no escalation), and not be held there already.
    pub(crate) async fn bind(
        &self,
        who: &Principal,
        role: &berth_api::Role,
        scope: Scope,
        user_id: i64,
    ) -> Result<Grant> {
        let role_type = RoleType::from_key(&role.role_type).ok_or(Error::NotFound)?;
        if role_type.scope_kind() != scope.kind() {
            return Err(Error::field(
                "scope_kind",
                ErrorCode::Invalid,
                format!(
                    "a {} role is granted at {:?} scope",
                    role_type.key(),
                    role_type.scope_kind()
                )
                .to_lowercase(),
            ));
        }
        // No escalation: every permission of the role must be the granter's here.
        let missing: Vec<&str> = role
            .permissions
            .iter()
            .filter(|key| {
                Permission::from_key(key).is_none_or(|p| authorize(who, p, scope).is_err())
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            tracing::info!(user = %who.username, ?missing, "grant refused: would escalate");
            return Err(Error::Forbidden);
        }
        let (scope_kind, scope_id) = scope.columns();
        let same = Query::select()
            .expr(sea_query::Func::count(Expr::col(RoleBindings::Id)))
            .from(RoleBindings::Table)
            .and_where(Expr::col(RoleBindings::UserId).eq(user_id))
            .and_where(Expr::col(RoleBindings::RoleId).eq(role.id))
            .and_where(Expr::col(RoleBindings::ScopeKind).eq(scope_kind))
            .and_where(match scope_id {
                Some(id) => Expr::col(RoleBindings::ScopeId).eq(id),
                None => Expr::col(RoleBindings::ScopeId).is_null(),
            })
            .to_owned();
        let existing: i64 = self.db.fetch_scalar(&same).await?;
        if existing > 0 {
            return Err(Error::conflict(
                ErrorCode::Taken,
                "the user already holds this role there",
            ));
        }
        let insert = insert_binding(user_id, role.id, scope, None);
        let id = self.db.insert(insert).await?;
        self.find_grant(id).await?.ok_or(Error::NotFound)
    }

    /// Takes a grant back; needs `role.bind` where the grant sits.
    pub async fn revoke_role(&self, who: &Principal, grant_id: i64) -> Result<()> {
        let grant = self.find_grant(grant_id).await?.ok_or(Error::NotFound)?;
        let scope = self
            .resolve_scope(&grant.scope_kind, grant.scope_id)
            .await?;
        if !can_see(who, scope) {
            return Err(Error::NotFound);
        }
        let target = format!(
            "grant/{}/{}@{}",
            grant.username, grant.role_name, grant.scope_kind
        );
        let proof = self
            .authorize(who, Permission::RoleBind, scope, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::RoleBind, scope);
            let n = self
                .db
                .execute(
                    Query::delete()
                        .from_table(RoleBindings::Table)
                        .and_where(Expr::col(RoleBindings::Id).eq(grant_id)),
                )
                .await?;
            if n == 0 {
                return Err(Error::NotFound);
            }
            Ok(())
        })
        .await
    }
}
