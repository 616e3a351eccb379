//! Accounts: signing in, loading the principal behind a session, and the
//! initial operations admin on an empty database.

use std::collections::HashMap;

use chrono::Utc;
use sea_query::{Expr, Func, Query};
use secrecy::SecretString;

use super::Identity;
use crate::{
    audit::{Event, Outcome},
    auth::{Binding, Permission, Principal, RequestMeta, RoleType, Scope},
    db::{
        schema::{RoleBindings, Roles, Users},
        DbError,
    },
    Error, Result,
};

/// The account created on first start, with its password when Berth made
/// one up (to be shown once).
#[derive(Debug)]
pub struct InitialAdmin {
    pub username: String,
    pub generated_password: Option<SecretString>,
}

pub const INITIAL_ADMIN: &str = "admin";

#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    password_hash: String,
    disabled: bool,
    password_changed_at: Option<chrono::DateTime<Utc>>,
    domain_id: Option<i64>,
    totp_enabled: bool,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    must_change_password: bool,
    domain_id: Option<i64>,
    totp_enabled: bool,
}

#[derive(sqlx::FromRow)]
struct BindingRow {
    role_id: i64,
    role_name: String,
    role_type: String,
    builtin: bool,
    scope_kind: String,
    scope_id: Option<i64>,
    vdc_domain_id: Option<i64>,
}

impl BindingRow {
    /// `custom` holds the stored permissions of custom roles; a built-in
    /// role holds all of its type's.
    fn into_binding(self, custom: &HashMap<i64, Vec<Permission>>) -> Option<Binding> {
        let role_type = RoleType::from_key(&self.role_type)?;
        let scope = Scope::from_columns(&self.scope_kind, self.scope_id, self.vdc_domain_id)?;
        Some(Binding {
            role_name: self.role_name,
            role_type,
            permissions: if self.builtin {
                role_type.permissions()
            } else {
                // Never more than the type allows, whatever is stored.
                custom
                    .get(&self.role_id)
                    .map(|ps| {
                        ps.iter()
                            .copied()
                            .filter(|p| role_type.allows(*p))
                            .collect()
                    })
                    .unwrap_or_default()
            },
            scope,
        })
    }
}

impl Identity<'_> {
    /// Checks a username and password. Unknown user, wrong password and
    /// disabled account all give the same error and cost the same time.
    /// Both outcomes are audited; an unknown name is recorded as such, since
    /// what people type there is sometimes a password.
    pub async fn login(
        &self,
        username: &str,
        password: &SecretString,
        request: &RequestMeta,
    ) -> Result<Principal> {
        // No username is longer than 64 characters or holds a control
        // character: such a name is nobody's, is not sent to the database
        // as it is (PostgreSQL refuses NUL), and counts towards the lockout
        // by its printable start.
        let typed = username.trim();
        let possible = typed.chars().count() <= 64 && !typed.chars().any(char::is_control);
        let name = berth_api::validate::prefix(&typed.to_lowercase(), 64);
        let source = request.source.as_deref();
        let lookup = async {
            if !possible {
                return Ok(None);
            }
            self.db
                .fetch_optional(
                    Query::select()
                        .columns([
                            Users::Id,
                            Users::PasswordHash,
                            Users::Disabled,
                            Users::PasswordChangedAt,
                            Users::DomainId,
                            Users::TotpEnabled,
                        ])
                        .from(Users::Table)
                        .and_where(Expr::col(Users::Username).eq(typed)),
                )
                .await
        };
        let row: Option<LoginRow> = lookup.await?;
        let user_id = row.as_ref().map(|r| r.id);
        // The platform's IP rules hold for everyone, whoever they claim to be.
        if !self.address_admitted(None, source).await? {
            self.audit_login_denied(user_id, username.trim(), request, "address")
                .await;
            return Err(Error::AddressRefused);
        }
        if let Some(retry_after_secs) = self.locked_for(&name, source).await? {
            self.audit_login_denied(user_id, username.trim(), request, "locked")
                .await;
            return Err(Error::Locked { retry_after_secs });
        }
        let verified = self
            .passwords
            .verify_async(password, row.as_ref().map(|r| r.password_hash.clone()))
            .await;
        let known = row.as_ref().map(|r| (r.id, username.trim()));
        let principal = match &row {
            Some(r) if verified && !r.disabled => {
                // A domain's rules, once we know whose domain it is.
                if !self.address_admitted(r.domain_id, source).await? {
                    self.audit_login_denied(user_id, username.trim(), request, "address")
                        .await;
                    return Err(Error::AddressRefused);
                }
                self.expire_old_password(r.id, r.password_changed_at)
                    .await?;
                self.principal(r.id).await?
            }
            _ => None,
        };
        // A right password is only half a sign-in while a second factor is
        // on: wrong codes keep counting until a code is right too.
        let second_factor_due = row.as_ref().is_some_and(|r| r.totp_enabled);
        match &principal {
            Some(_) if !second_factor_due => self.clear_failures(&name).await?,
            Some(_) => {}
            None => self.record_failure(&name, source).await?,
        }
        let outcome = if principal.is_some() {
            Outcome::Allowed
        } else {
            Outcome::Failed
        };
        self.audit(Event {
            user_id: known.map(|k| k.0),
            username: known.map_or("(unknown)", |k| k.1),
            action: "auth.login",
            target: "session",
            scope: None,
            outcome,
            details: String::new(),
            request,
        })
        .await;
        let mut principal = principal.ok_or(Error::Unauthenticated)?;
        principal.request = request.clone();
        Ok(principal)
    }

    /// Records a sign-out.
    pub async fn logout(&self, who: &Principal) {
        self.audit(Event::by(
            who,
            "auth.logout",
            "session",
            None,
            Outcome::Allowed,
        ))
        .await;
    }

    /// The principal for a signed-in user id, or `None` when the user no
    /// longer exists or is disabled.
    pub async fn principal(&self, user_id: i64) -> Result<Option<Principal>> {
        let user: Option<UserRow> = self
            .db
            .fetch_optional(
                Query::select()
                    .columns([
                        Users::Id,
                        Users::Username,
                        Users::DisplayName,
                        Users::MustChangePassword,
                        Users::DomainId,
                        Users::TotpEnabled,
                    ])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Id).eq(user_id))
                    .and_where(Expr::col(Users::Disabled).eq(false)),
            )
            .await?;
        let Some(user) = user else { return Ok(None) };
        let bindings = self.user_bindings(user.id).await?;
        let mut principal = Principal {
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
            domain_id: user.domain_id,
            bindings,
            request: RequestMeta::default(),
            must_change_password: user.must_change_password,
            must_enroll_2fa: false,
        };
        principal.must_enroll_2fa =
            !user.totp_enabled && self.two_factor_required(&principal).await?;
        Ok(Some(principal))
    }

    /// Every role a user holds, where: the one query for bindings, used
    /// for the principal and wherever a user's holdings are checked.
    pub(crate) async fn user_bindings(&self, user_id: i64) -> Result<Vec<Binding>> {
        let rows: Vec<BindingRow> = self
            .db
            .fetch_all(
                super::grants::select_bindings()
                    .and_where(Expr::col((RoleBindings::Table, RoleBindings::UserId)).eq(user_id)),
            )
            .await?;
        let custom: Vec<i64> = rows
            .iter()
            .filter(|r| !r.builtin)
            .map(|r| r.role_id)
            .collect();
        let custom = self.role_permissions(&custom).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| r.into_binding(&custom))
            .collect())
    }

    /// At sign-in: a password older than the policy's maximum age must be
    /// changed before anything else.
    async fn expire_old_password(
        &self,
        user_id: i64,
        changed_at: Option<chrono::DateTime<Utc>>,
    ) -> Result<()> {
        let max_age = self.password_policy().await?.max_age_days;
        let expired = max_age > 0
            && changed_at
                .is_none_or(|t| t + chrono::Duration::days(i64::from(max_age)) < Utc::now());
        if expired {
            self.db
                .execute(
                    Query::update()
                        .table(Users::Table)
                        .values([(Users::MustChangePassword, true.into())])
                        .and_where(Expr::col(Users::Id).eq(user_id)),
                )
                .await?;
        }
        Ok(())
    }

    /// Makes sure each role type's locked built-in role exists.
    pub async fn ensure_builtin_roles(&self) -> Result<()> {
        for t in [
            RoleType::OperationsAdmin,
            RoleType::DomainAdmin,
            RoleType::VdcAdmin,
            RoleType::VdcUser,
        ] {
            let insert = super::roles::insert_role(t.builtin_role_name(), t, true);
            match self.db.insert(insert).await {
                Ok(_) | Err(DbError::UniqueViolation) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// On an empty users table, creates the operations admin `admin` with
    /// `password`, or a generated one that is returned to be shown once.
    pub async fn ensure_initial_admin(
        &self,
        password: Option<SecretString>,
    ) -> Result<Option<InitialAdmin>> {
        self.ensure_builtin_roles().await?;
        let users: i64 = self
            .db
            .fetch_scalar(
                Query::select()
                    .expr(Func::count(Expr::col(Users::Id)))
                    .from(Users::Table),
            )
            .await?;
        if users > 0 {
            return Ok(None);
        }
        let (password, generated) = match password {
            Some(p) => (p, false),
            None => (generate_password(), true),
        };
        let created = self
            .create_user_with_role(
                INITIAL_ADMIN,
                "Operations admin",
                &password,
                Some((RoleType::OperationsAdmin, Scope::Platform)),
            )
            .await;
        match created {
            Ok(_) => {}
            // Another replica starting at the same moment created it first.
            Err(Error::Validation(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        Ok(Some(InitialAdmin {
            username: INITIAL_ADMIN.into(),
            generated_password: generated.then_some(password),
        }))
    }

    /// Creates a user, optionally bound to a type's built-in role at a
    /// scope. Startup and test fixtures use this; it does not authorize.
    pub async fn create_user_with_role(
        &self,
        username: &str,
        display_name: &str,
        password: &SecretString,
        role: Option<(RoleType, Scope)>,
    ) -> Result<i64> {
        let user_id = self
            .insert_user(super::users::NewUser {
                username,
                display_name,
                email: "",
                phone: "",
                domain_id: None,
                password,
                must_change_password: false,
            })
            .await?;
        if let Some((role_type, scope)) = role {
            let role_id: i64 = self
                .db
                .fetch_scalar(
                    Query::select()
                        .column(Roles::Id)
                        .from(Roles::Table)
                        .and_where(Expr::col(Roles::Name).eq(role_type.builtin_role_name())),
                )
                .await?;
            let insert = super::grants::insert_binding(user_id, role_id, scope, None);
            self.db.insert(insert).await?;
        }
        Ok(user_id)
    }
}

fn generate_password() -> SecretString {
    use rand::{distributions::Alphanumeric, Rng};
    let s: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect();
    SecretString::from(s)
}
