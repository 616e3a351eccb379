//! Roles: the locked built-in role of each type, and custom roles holding
//! a subset of one type's permissions, picked from the catalogue.

use std::collections::HashMap;

use berth_api::{validate, ErrorCode, FieldError, Role, RoleInput};
use chrono::Utc;
use sea_query::{Alias, Expr, Func, Order, Query, SelectStatement};

use super::Identity;
use crate::{
    auth::{Authorized, Permission, Principal, RoleType, Scope},
    db::{
        schema::{RoleBindings, RolePermissions, Roles, Users},
        DbError,
    },
    Error, Result,
};

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: i64,
    name: String,
    role_type: String,
    builtin: bool,
    binding_count: i64,
}

/// Roles with how many bindings each has, counting only the bindings
/// `counted` lets through (the caller's tenants; `None`: all).
fn select_roles(counted: Option<sea_query::Condition>) -> SelectStatement {
    let mut bindings = Query::select()
        .expr(Func::count(Expr::col((
            RoleBindings::Table,
            RoleBindings::Id,
        ))))
        .from(RoleBindings::Table)
        .and_where(
            Expr::col((RoleBindings::Table, RoleBindings::RoleId))
                .equals((Roles::Table, Roles::Id)),
        )
        .to_owned();
    if let Some(c) = counted {
        bindings.cond_where(c);
    }
    Query::select()
        .columns([
            (Roles::Table, Roles::Id),
            (Roles::Table, Roles::Name),
            (Roles::Table, Roles::RoleType),
            (Roles::Table, Roles::Builtin),
        ])
        .expr_as(
            sea_query::SimpleExpr::SubQuery(None, Box::new(bindings.into_sub_query_statement())),
            Alias::new("binding_count"),
        )
        .from(Roles::Table)
        .to_owned()
}

/// Checks a role's input; returns the permissions it names.
fn validate_role(
    input: &RoleInput,
    role_type: Option<RoleType>,
) -> std::result::Result<Vec<Permission>, Vec<FieldError>> {
    let mut errors = vec![];
    validate::display_name("name", input.name.trim(), &mut errors);
    let field = |code, message: String| FieldError {
        field: "permissions".into(),
        code,
        message,
        detail: None,
    };
    let Some(role_type) = role_type else {
        errors.push(FieldError {
            field: "role_type".into(),
            code: ErrorCode::Invalid,
            message: "choose a role type".into(),
            detail: None,
        });
        return Err(errors);
    };
    let mut permissions = vec![];
    for key in &input.permissions {
        match Permission::from_key(key) {
            Some(p) if role_type.allows(p) => permissions.push(p),
            Some(_) => errors.push(field(
                ErrorCode::Invalid,
                format!(
                    "{key} is not a permission a {} role can hold",
                    role_type.key()
                ),
            )),
            None => errors.push(field(
                ErrorCode::Invalid,
                format!("{key} is not a permission"),
            )),
        }
    }
    if input.permissions.is_empty() {
        errors.push(field(
            ErrorCode::Required,
            "pick at least one permission".into(),
        ));
    }
    if errors.is_empty() {
        permissions.sort();
        permissions.dedup();
        Ok(permissions)
    } else {
        Err(errors)
    }
}

/// The INSERT for a role row (its permissions go in separately).
pub(crate) fn insert_role(
    name: &str,
    role_type: RoleType,
    builtin: bool,
) -> sea_query::InsertStatement {
    crate::db::insert_row(
        Roles::Table,
        [
            Roles::Name,
            Roles::RoleType,
            Roles::Builtin,
            Roles::CreatedAt,
        ],
        [
            name.into(),
            role_type.key().into(),
            builtin.into(),
            Utc::now().into(),
        ],
    )
}

/// Built-in roles hold exactly their type's permissions and never change.
fn ensure_custom(role: &Role) -> Result<()> {
    if role.builtin {
        return Err(Error::conflict(
            ErrorCode::Invalid,
            "built-in roles are locked",
        ));
    }
    Ok(())
}

fn role_target(name: &str) -> String {
    format!("role/{name}")
}

impl Identity<'_> {
    /// The stored permissions of the given custom roles.
    pub(crate) async fn role_permissions(
        &self,
        role_ids: &[i64],
    ) -> Result<HashMap<i64, Vec<Permission>>> {
        let mut out: HashMap<i64, Vec<Permission>> = HashMap::new();
        if role_ids.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(i64, String)> = self
            .db
            .fetch_all(
                Query::select()
                    .columns([RolePermissions::RoleId, RolePermissions::Permission])
                    .from(RolePermissions::Table)
                    .and_where(Expr::col(RolePermissions::RoleId).is_in(role_ids.iter().copied())),
            )
            .await?;
        for (role_id, key) in rows {
            if let Some(p) = Permission::from_key(&key) {
                out.entry(role_id).or_default().push(p);
            }
        }
        // Catalogue order (the enum's order), whatever order rows came in.
        for permissions in out.values_mut() {
            permissions.sort();
        }
        Ok(out)
    }

    fn to_role(row: RoleRow, custom: &HashMap<i64, Vec<Permission>>) -> Role {
        let role_type = RoleType::from_key(&row.role_type);
        let permissions: Vec<Permission> = match (row.builtin, role_type) {
            (true, Some(t)) => t.permissions(),
            _ => custom.get(&row.id).cloned().unwrap_or_default(),
        };
        Role {
            id: row.id,
            name: row.name,
            role_type: row.role_type,
            builtin: row.builtin,
            permissions: permissions
                .into_iter()
                .map(|p| p.key().to_owned())
                .collect(),
            binding_count: row.binding_count,
        }
    }

    pub async fn list_roles(&self, who: &Principal) -> Result<Vec<Role>> {
        let visible = self.visible(who, Permission::RoleRead, "roles").await?;
        let rows: Vec<RoleRow> = self
            .db
            .fetch_all(
                select_roles(crate::db::query::binding_filter(&visible))
                    .order_by((Roles::Table, Roles::Builtin), Order::Desc)
                    .order_by((Roles::Table, Roles::Name), Order::Asc),
            )
            .await?;
        let custom: Vec<i64> = rows.iter().filter(|r| !r.builtin).map(|r| r.id).collect();
        let custom = self.role_permissions(&custom).await?;
        Ok(rows
            .into_iter()
            .map(|r| Self::to_role(r, &custom))
            .collect())
    }

    pub(crate) async fn find_role(&self, id: i64) -> Result<Option<Role>> {
        let row: Option<RoleRow> = self
            .db
            .fetch_optional(
                select_roles(None).and_where(Expr::col((Roles::Table, Roles::Id)).eq(id)),
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        let custom = self.role_permissions(&[row.id]).await?;
        Ok(Some(Self::to_role(row, &custom)))
    }

    pub async fn create_role(&self, who: &Principal, input: RoleInput) -> Result<Role> {
        let target = role_target(input.name.trim());
        let proof = self
            .authorize(who, Permission::RoleManage, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::RoleManage, Scope::Platform);
            let role_type = RoleType::from_key(&input.role_type);
            let permissions = validate_role(&input, role_type).map_err(Error::Validation)?;
            let role_type = role_type.ok_or(Error::NotFound)?;
            let mut tx = self.db.begin().await?;
            let insert = insert_role(input.name.trim(), role_type, false);
            let id = match tx.insert(insert).await {
                Err(DbError::UniqueViolation) => return Err(name_taken(&input.name)),
                other => other?,
            };
            write_permissions(&mut tx, id, &permissions).await?;
            tx.commit().await?;
            self.find_role(id).await?.ok_or(Error::NotFound)
        })
        .await
    }

    /// Finds a role and authorizes managing it.
    async fn managed_role(&self, who: &Principal, id: i64) -> Result<(Role, Authorized, String)> {
        let role = self.find_role(id).await?.ok_or(Error::NotFound)?;
        let target = role_target(&role.name);
        let proof = self
            .authorize(who, Permission::RoleManage, Scope::Platform, &target)
            .await?;
        Ok((role, proof, target))
    }

    /// Renames a custom role and replaces its permissions; its type stays.
    pub async fn update_role(&self, who: &Principal, id: i64, input: RoleInput) -> Result<Role> {
        let (existing, proof, target) = self.managed_role(who, id).await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::RoleManage, Scope::Platform);
            ensure_custom(&existing)?;
            let permissions = validate_role(&input, RoleType::from_key(&existing.role_type))
                .map_err(Error::Validation)?;
            let mut tx = self.db.begin().await?;
            let renamed = tx
                .execute(
                    Query::update()
                        .table(Roles::Table)
                        .values([(Roles::Name, input.name.trim().into())])
                        .and_where(Expr::col(Roles::Id).eq(id)),
                )
                .await;
            match renamed {
                Err(DbError::UniqueViolation) => return Err(name_taken(&input.name)),
                other => other?,
            };
            tx.execute(
                Query::delete()
                    .from_table(RolePermissions::Table)
                    .and_where(Expr::col(RolePermissions::RoleId).eq(id)),
            )
            .await?;
            write_permissions(&mut tx, id, &permissions).await?;
            tx.commit().await?;
            self.find_role(id).await?.ok_or(Error::NotFound)
        })
        .await
    }

    /// Deletes a custom role that nobody holds; while bound, the refusal
    /// names who holds it.
    pub async fn delete_role(&self, who: &Principal, id: i64) -> Result<()> {
        let (existing, proof, target) = self.managed_role(who, id).await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::RoleManage, Scope::Platform);
            ensure_custom(&existing)?;
            let holders: Vec<(String, String, Option<i64>)> = self
                .db
                .fetch_all(
                    Query::select()
                        .column((Users::Table, Users::Username))
                        .columns([
                            (RoleBindings::Table, RoleBindings::ScopeKind),
                            (RoleBindings::Table, RoleBindings::ScopeId),
                        ])
                        .from(RoleBindings::Table)
                        .inner_join(
                            Users::Table,
                            Expr::col((Users::Table, Users::Id))
                                .equals((RoleBindings::Table, RoleBindings::UserId)),
                        )
                        .and_where(Expr::col((RoleBindings::Table, RoleBindings::RoleId)).eq(id))
                        .order_by((Users::Table, Users::Username), Order::Asc),
                )
                .await?;
            if !holders.is_empty() {
                let list: Vec<String> = holders
                    .iter()
                    .map(|(user, kind, scope_id)| match scope_id {
                        Some(s) => format!("{user} ({kind} {s})"),
                        None => format!("{user} ({kind})"),
                    })
                    .collect();
                return Err(Error::conflict(
                    ErrorCode::RoleInUse,
                    format!(
                        "role {} is still granted to: {}",
                        existing.name,
                        list.join(", ")
                    ),
                ));
            }
            let n = self
                .db
                .execute(
                    Query::delete()
                        .from_table(Roles::Table)
                        .and_where(Expr::col(Roles::Id).eq(id)),
                )
                .await;
            match n {
                // A binding made since the check above.
                Err(DbError::ForeignKeyViolation) => Err(Error::conflict(
                    ErrorCode::RoleInUse,
                    format!("role {} is still granted", existing.name),
                )),
                Ok(0) => Err(Error::NotFound),
                other => other.map(|_| ()).map_err(Error::from),
            }
        })
        .await
    }
}

fn name_taken(name: &str) -> Error {
    Error::field(
        "name",
        ErrorCode::Taken,
        format!("a role named {} already exists", name.trim()),
    )
}

async fn write_permissions(
    tx: &mut crate::db::tx::Tx,
    role_id: i64,
    permissions: &[Permission],
) -> Result<()> {
    if let Some(q) = crate::db::insert_rows(
        RolePermissions::Table,
        [RolePermissions::RoleId, RolePermissions::Permission],
        permissions.iter().map(|p| [role_id.into(), p.key().into()]),
    ) {
        tx.execute(&q).await?;
    }
    Ok(())
}
