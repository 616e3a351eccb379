//! A VDC's members: users of its domain holding a role in it. VDC admins
//! (and those above them) add a user of the domain, found by name, with a
//! VDC role they could grant themselves, and remove members.

use berth_api::{ErrorCode, ListQuery, Member, MemberInput, MemberRole, Page};
use sea_query::{Alias, Expr, Order, Query};

use super::Tenancy;
use crate::{
    auth::{Permission, Principal},
    db::schema::{RoleBindings, Roles, Users},
    Error, Result,
};

#[derive(sqlx::FromRow)]
struct Row {
    grant_id: i64,
    user_id: i64,
    username: String,
    display_name: String,
    role_id: i64,
    role_name: String,
}

impl Tenancy<'_> {
    /// The members of a VDC, by username, searched by name.
    pub async fn list_members(
        &self,
        who: &Principal,
        vdc_id: i64,
        q: &ListQuery,
    ) -> Result<Page<Member>> {
        let vdc = self.get_vdc(who, vdc_id).await?;
        let target = format!("vdc/{}/{}/members", vdc.domain_name, vdc.name);
        self.authorize(
            who,
            Permission::MemberRead,
            super::vdcs::scope_of(&vdc),
            &target,
        )
        .await?;
        crate::db::query::check_search("search", &q.search)?;
        let rows: Vec<Row> = self
            .db
            .fetch_all(
                Query::select()
                    .expr_as(
                        Expr::col((RoleBindings::Table, RoleBindings::Id)),
                        Alias::new("grant_id"),
                    )
                    .columns([
                        (RoleBindings::Table, RoleBindings::UserId),
                        (RoleBindings::Table, RoleBindings::RoleId),
                    ])
                    .columns([
                        (Users::Table, Users::Username),
                        (Users::Table, Users::DisplayName),
                    ])
                    .expr_as(
                        Expr::col((Roles::Table, Roles::Name)),
                        Alias::new("role_name"),
                    )
                    .from(RoleBindings::Table)
                    .inner_join(
                        Users::Table,
                        Expr::col((Users::Table, Users::Id))
                            .equals((RoleBindings::Table, RoleBindings::UserId)),
                    )
                    .inner_join(
                        Roles::Table,
                        Expr::col((Roles::Table, Roles::Id))
                            .equals((RoleBindings::Table, RoleBindings::RoleId)),
                    )
                    .and_where(Expr::col((RoleBindings::Table, RoleBindings::ScopeKind)).eq("vdc"))
                    .and_where(Expr::col((RoleBindings::Table, RoleBindings::ScopeId)).eq(vdc.id))
                    .order_by((Users::Table, Users::Username), Order::Asc)
                    .order_by((RoleBindings::Table, RoleBindings::Id), Order::Asc),
            )
            .await?;
        let needle = q.search.trim().to_lowercase();
        let mut members: Vec<Member> = vec![];
        for r in rows {
            let role = MemberRole {
                grant_id: r.grant_id,
                role_id: r.role_id,
                role_name: r.role_name,
            };
            match members.last_mut() {
                Some(m) if m.user_id == r.user_id => m.roles.push(role),
                _ => members.push(Member {
                    user_id: r.user_id,
                    username: r.username,
                    display_name: r.display_name,
                    roles: vec![role],
                }),
            }
        }
        members.retain(|m| {
            needle.is_empty()
                || m.username.to_lowercase().contains(&needle)
                || m.display_name.to_lowercase().contains(&needle)
        });
        let total = members.len() as i64;
        let items = members
            .into_iter()
            .skip(q.offset() as usize)
            .take(q.per_page() as usize)
            .collect();
        Ok(Page {
            items,
            total,
            page: q.page(),
            per_page: q.per_page(),
        })
    }

    /// Gives a user of the VDC's domain a VDC role there.
    pub async fn add_member(
        &self,
        who: &Principal,
        vdc_id: i64,
        input: MemberInput,
    ) -> Result<Member> {
        let vdc = self.get_vdc(who, vdc_id).await?;
        let target = format!(
            "vdc/{}/{}/members/{}",
            vdc.domain_name,
            vdc.name,
            berth_api::validate::prefix(&input.username, 64)
        );
        let scope = super::vdcs::scope_of(&vdc);
        let proof = self
            .authorize(who, Permission::MemberManage, scope, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::MemberManage, scope);
            let username = input.username.trim();
            // Only users of the VDC's own domain; anyone else is nobody.
            let user: Option<(i64,)> = self
                .db
                .fetch_optional(
                    Query::select()
                        .column(Users::Id)
                        .from(Users::Table)
                        .and_where(Expr::col(Users::Username).eq(username))
                        .and_where(Expr::col(Users::DomainId).eq(vdc.domain_id)),
                )
                .await?;
            let Some((user_id,)) = user else {
                return Err(Error::field(
                    "username",
                    ErrorCode::NotFound,
                    format!(
                        "the domain has no user named {}",
                        berth_api::validate::quote(username)
                    ),
                ));
            };
            let role = self
                .identity()
                .find_role(input.role_id)
                .await?
                .ok_or_else(|| Error::field("role_id", ErrorCode::NotFound, "choose a VDC role"))?;
            self.identity()
                .bind(who, &role, scope, user_id)
                .await
                .map_err(|e| match e {
                    Error::Validation(_) => {
                        Error::field("role_id", ErrorCode::Invalid, "choose a VDC role")
                    }
                    other => other,
                })?;
            let page = self
                .list_members(
                    who,
                    vdc.id,
                    &ListQuery {
                        search: username.to_owned(),
                        page: 1,
                        per_page: ListQuery::MAX_PER_PAGE,
                    },
                )
                .await?;
            page.items
                .into_iter()
                .find(|m| m.user_id == user_id)
                .ok_or(Error::NotFound)
        })
        .await
    }

    /// Takes every role `user_id` holds in the VDC away.
    pub async fn remove_member(&self, who: &Principal, vdc_id: i64, user_id: i64) -> Result<()> {
        let vdc = self.get_vdc(who, vdc_id).await?;
        let target = format!("vdc/{}/{}/members/{user_id}", vdc.domain_name, vdc.name);
        let scope = super::vdcs::scope_of(&vdc);
        let proof = self
            .authorize(who, Permission::MemberManage, scope, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::MemberManage, scope);
            let n = self
                .db
                .execute(
                    Query::delete()
                        .from_table(RoleBindings::Table)
                        .and_where(Expr::col(RoleBindings::UserId).eq(user_id))
                        .and_where(Expr::col(RoleBindings::ScopeKind).eq("vdc"))
                        .and_where(Expr::col(RoleBindings::ScopeId).eq(vdc.id)),
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
