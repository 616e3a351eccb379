//! Users: operators manage everyone; domain admins manage the users of
//! their domain. Disabling a user ends their sessions; a reset password
//! must be changed at the next sign-in and ends the user's sessions too.
//!
//! Managing a user is judged by what the target holds as well as by what
//! the caller holds: the user's home domain must be within the caller's
//! reach for the permission, and so must every scope the user holds a role
//! at (a platform role: operators only). Otherwise a domain admin could
//! reset the password of an operator homed in their domain and sign in
//! with the operator's rights. Nobody manages their own account this way;
//! the account page is for that.

use berth_api::{validate, ErrorCode, ListQuery, Page, User, UserInput, UserUpdate};
use chrono::Utc;
use sea_query::{Expr, Func, IntoIden, Order, Query, SelectStatement};
use secrecy::SecretString;

use super::Identity;
use crate::db::query;
use crate::{
    auth::{Authorized, Permission, Principal, Scope},
    db::{
        schema::{PasswordHistory, RecoveryCodes, RoleBindings, Sessions, SsoIdentities, Users},
        DbError,
    },
    Error, Result,
};

fn select_users() -> SelectStatement {
    Query::select()
        .columns([
            Users::Id,
            Users::Username,
            Users::DisplayName,
            Users::Email,
            Users::Phone,
            Users::DomainId,
            Users::Disabled,
            Users::MustChangePassword,
            Users::CreatedAt,
        ])
        .from(Users::Table)
        .to_owned()
}

/// A user row to insert.
pub(crate) struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub domain_id: Option<i64>,
    pub password: &'a SecretString,
    pub must_change_password: bool,
}

impl Identity<'_> {
    /// Hashes the password and inserts the user; a taken name is a field
    /// error on `username`.
    pub(crate) async fn insert_user(&self, u: NewUser<'_>) -> Result<i64> {
        let hash = self.passwords.hash_async(u.password).await?;
        let now = Utc::now();
        let insert = crate::db::insert_row(
            Users::Table,
            [
                Users::Username,
                Users::DisplayName,
                Users::PasswordHash,
                Users::Disabled,
                Users::CreatedAt,
                Users::Email,
                Users::Phone,
                Users::DomainId,
                Users::MustChangePassword,
                Users::PasswordChangedAt,
            ],
            [
                u.username.into(),
                u.display_name.into(),
                hash.clone().into(),
                false.into(),
                now.into(),
                u.email.into(),
                u.phone.into(),
                u.domain_id.into(),
                u.must_change_password.into(),
                now.into(),
            ],
        );
        let mut tx = self.db.begin().await?;
        let id = match tx.insert(insert).await {
            Err(DbError::UniqueViolation) => {
                return Err(Error::field(
                    "username",
                    ErrorCode::Taken,
                    "this username is taken",
                ))
            }
            other => other?,
        };
        self.remember_password(&mut tx, id, hash).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn list_users(&self, who: &Principal, q: &ListQuery) -> Result<Page<User>> {
        let visible = self.visible(who, Permission::UserRead, "users").await?;
        let mut select = select_users();
        let mut count = Query::select()
            .expr(Func::count(Expr::col(Users::Id)))
            .from(Users::Table)
            .to_owned();
        let tenants = query::tenant_filter(&visible, Users::DomainId, None::<Users>);
        let search = query::search(
            "search",
            &[Users::Username, Users::DisplayName, Users::Email],
            &q.search,
        )?;
        for f in [tenants, search].into_iter().flatten() {
            select.cond_where(f.clone());
            count.cond_where(f);
        }
        select.order_by(Users::Username, Order::Asc);
        Ok(query::page(&self.db, select, count, q).await?)
    }

    async fn find_user(&self, id: i64) -> Result<Option<User>> {
        Ok(self
            .db
            .fetch_optional(select_users().and_where(Expr::col(Users::Id).eq(id)))
            .await?)
    }

    /// Looks a user up and authorizes `permission` on them; someone the
    /// caller may not see is reported as missing. The caller must reach
    /// the user's home domain and every scope the user holds a role at,
    /// and may not be the user.
    pub(crate) async fn user_for(
        &self,
        who: &Principal,
        id: i64,
        permission: Permission,
    ) -> Result<(User, Authorized, String)> {
        let user = self.find_user(id).await?.ok_or(Error::NotFound)?;
        let scope = Scope::home(user.domain_id);
        let target = format!("user/{}", user.username);
        if self
            .authorize(who, Permission::UserRead, scope, &target)
            .await
            .is_err()
        {
            return Err(Error::NotFound);
        }
        let proof = self.authorize(who, permission, scope, &target).await?;
        if id == who.user_id {
            return Err(Error::conflict(
                ErrorCode::Invalid,
                "you cannot manage your own account here; use your account page",
            ));
        }
        for held in self.user_bindings(id).await? {
            // Audited as a denial on the user: their roles outrank the caller's.
            self.authorize(who, permission, held.scope, &target).await?;
        }
        Ok((user, proof, target))
    }

    pub async fn create_user(&self, who: &Principal, input: UserInput) -> Result<User> {
        let target = format!("user/{}", input.username);
        let proof = self
            .authorize_under(
                who,
                Permission::UserCreate,
                Scope::home(input.domain_id),
                &target,
            )
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::UserCreate, Scope::home(input.domain_id));
            let mut fields = vec![];
            validate::username("username", &input.username, &mut fields);
            validate::display_name("display_name", input.display_name.trim(), &mut fields);
            validate::email("email", input.email.trim(), &mut fields);
            validate::phone("phone", input.phone.trim(), &mut fields);
            self.password_policy().await?.check(
                "password",
                &input.username,
                &input.password,
                &mut fields,
            );
            if let Some(d) = input.domain_id {
                if self.tenancy().find_domain(d).await?.is_none() {
                    fields.push(berth_api::FieldError {
                        field: "domain_id".into(),
                        code: ErrorCode::NotFound,
                        message: "choose an existing domain".into(),
                        detail: None,
                    });
                }
            }
            Error::check(fields)?;
            let id = self
                .insert_user(NewUser {
                    username: &input.username,
                    display_name: input.display_name.trim(),
                    email: input.email.trim(),
                    phone: input.phone.trim(),
                    domain_id: input.domain_id,
                    password: &SecretString::from(input.password.clone()),
                    must_change_password: true,
                })
                .await?;
            self.find_user(id).await?.ok_or(Error::NotFound)
        })
        .await
    }

    /// Disables or enables a user; disabling ends all their sessions.
    pub async fn set_user_disabled(
        &self,
        who: &Principal,
        id: i64,
        disabled: bool,
    ) -> Result<User> {
        let (user, proof, target) = self.user_for(who, id, Permission::UserUpdate).await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::UserUpdate, Scope::home(user.domain_id));
            self.db
                .execute(
                    Query::update()
                        .table(Users::Table)
                        .values([(Users::Disabled, disabled.into())])
                        .and_where(Expr::col(Users::Id).eq(id)),
                )
                .await?;
            if disabled {
                self.end_sessions_of(id).await?;
            }
            self.find_user(id).await?.ok_or(Error::NotFound)
        })
        .await
    }

    /// Sets a new password that the user must change at the next sign-in.
    pub async fn reset_password(
        &self,
        who: &Principal,
        id: i64,
        password: &SecretString,
    ) -> Result<()> {
        let (user, proof, target) = self
            .user_for(who, id, Permission::UserPasswordReset)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::UserPasswordReset, Scope::home(user.domain_id));
            self.check_new_password(Some(id), &user.username, password, "password")
                .await?;
            self.store_password(id, password, true).await?;
            // Whoever signed in with the old password is out.
            self.end_sessions_of(id).await
        })
        .await
    }

    /// Changes the name shown and the contact details of a user.
    pub async fn update_user(&self, who: &Principal, id: i64, input: UserUpdate) -> Result<User> {
        let (user, proof, target) = self.user_for(who, id, Permission::UserUpdate).await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::UserUpdate, Scope::home(user.domain_id));
            let mut fields = vec![];
            validate::display_name("display_name", input.display_name.trim(), &mut fields);
            validate::email("email", input.email.trim(), &mut fields);
            validate::phone("phone", input.phone.trim(), &mut fields);
            Error::check(fields)?;
            self.db
                .execute(
                    Query::update()
                        .table(Users::Table)
                        .values([
                            (Users::DisplayName, input.display_name.trim().into()),
                            (Users::Email, input.email.trim().into()),
                            (Users::Phone, input.phone.trim().into()),
                        ])
                        .and_where(Expr::col(Users::Id).eq(id)),
                )
                .await?;
            self.find_user(id).await?.ok_or(Error::NotFound)
        })
        .await
    }

    /// Deletes a user with their sessions, roles and second factor; the
    /// audit trail keeps their name.
    pub async fn delete_user(&self, who: &Principal, id: i64) -> Result<()> {
        let (user, proof, target) = self.user_for(who, id, Permission::UserDelete).await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::UserDelete, Scope::home(user.domain_id));
            let mut tx = self.db.begin().await?;
            tx.execute(
                Query::delete()
                    .from_table(Sessions::Table)
                    .and_where(Expr::col(Sessions::UserId).eq(id)),
            )
            .await?;
            for (table, column) in [
                (
                    RoleBindings::Table.into_iden(),
                    RoleBindings::UserId.into_iden(),
                ),
                (
                    PasswordHistory::Table.into_iden(),
                    PasswordHistory::UserId.into_iden(),
                ),
                (
                    RecoveryCodes::Table.into_iden(),
                    RecoveryCodes::UserId.into_iden(),
                ),
                (
                    SsoIdentities::Table.into_iden(),
                    SsoIdentities::UserId.into_iden(),
                ),
            ] {
                tx.execute(
                    Query::delete()
                        .from_table(table)
                        .and_where(Expr::col(column).eq(id)),
                )
                .await?;
            }
            let n = tx
                .execute(
                    Query::delete()
                        .from_table(Users::Table)
                        .and_where(Expr::col(Users::Id).eq(id)),
                )
                .await?;
            if n == 0 {
                return Err(Error::NotFound);
            }
            tx.commit().await?;
            Ok(())
        })
        .await
    }

    /// Ends every session of a user.
    pub(crate) async fn end_sessions_of(&self, user_id: i64) -> Result<()> {
        self.db
            .execute(
                Query::delete()
                    .from_table(Sessions::Table)
                    .and_where(Expr::col(Sessions::UserId).eq(user_id)),
            )
            .await?;
        Ok(())
    }
}
