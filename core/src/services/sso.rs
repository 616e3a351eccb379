//! Signing in through an OpenID provider: the server checks the provider's
//! answer (state, PKCE, ID token signature, issuer, audience, expiry,
//! nonce); this takes the user it vouched for. A user is found by username
//! or created on first sign-in (with an unusable random password), and the
//! roles their provider groups map to are granted. Disabled users and
//! refused addresses are turned away as with a password.

use berth_api::validate;
use sea_query::{Expr, Func, Query};
use secrecy::SecretString;

use super::Services;
use crate::{
    audit::{Event, Outcome},
    auth::{Principal, RequestMeta},
    db::schema::{Domains, RoleBindings, Roles, Users, Vdcs},
    Error, Result,
};

/// Where a provider group's role is granted, by names (as configured).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SsoScope {
    Platform,
    Domain(String),
    Vdc { domain: String, vdc: String },
}

/// One role a provider group brings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoGrant {
    pub role: String,
    pub scope: SsoScope,
}

impl Services {
    async fn scope_ids(&self, scope: &SsoScope) -> Result<Option<(&'static str, Option<i64>)>> {
        let domain_id = |name: &str| {
            Query::select()
                .column(Domains::Id)
                .from(Domains::Table)
                .and_where(Expr::col(Domains::Name).eq(name))
                .to_owned()
        };
        Ok(match scope {
            SsoScope::Platform => Some(("platform", None)),
            SsoScope::Domain(name) => {
                let id: Option<(i64,)> = self.db.fetch_optional(&domain_id(name)).await?;
                id.map(|(id,)| ("domain", Some(id)))
            }
            SsoScope::Vdc { domain, vdc } => {
                let id: Option<(i64,)> = self
                    .db
                    .fetch_optional(
                        Query::select()
                            .column(Vdcs::Id)
                            .from(Vdcs::Table)
                            .and_where(Expr::col(Vdcs::Name).eq(vdc.as_str()))
                            .and_where(Expr::col(Vdcs::DomainId).in_subquery(domain_id(domain))),
                    )
                    .await?;
                id.map(|(id,)| ("vdc", Some(id)))
            }
        })
    }

    /// Grants one mapped role unless the user holds it there already.
    async fn ensure_sso_grant(&self, user_id: i64, grant: &SsoGrant) -> Result<()> {
        let role: Option<(i64,)> = self
            .db
            .fetch_optional(
                Query::select()
                    .column(Roles::Id)
                    .from(Roles::Table)
                    .and_where(Expr::col(Roles::Name).eq(grant.role.as_str())),
            )
            .await?;
        let (Some((role_id,)), Some((kind, scope_id))) =
            (role, self.scope_ids(&grant.scope).await?)
        else {
            tracing::warn!(role = grant.role, scope = ?grant.scope, "SSO group maps to a role or scope that does not exist");
            return Ok(());
        };
        let mut held = Query::select();
        held.expr(Func::count(Expr::col(RoleBindings::Id)))
            .from(RoleBindings::Table)
            .and_where(Expr::col(RoleBindings::UserId).eq(user_id))
            .and_where(Expr::col(RoleBindings::RoleId).eq(role_id))
            .and_where(Expr::col(RoleBindings::ScopeKind).eq(kind));
        match scope_id {
            Some(id) => held.and_where(Expr::col(RoleBindings::ScopeId).eq(id)),
            None => held.and_where(Expr::col(RoleBindings::ScopeId).is_null()),
        };
        let n: i64 = self.db.fetch_scalar(&held).await?;
        if n == 0 {
            self.db
                .insert(super::grants::insert_binding(
                    user_id, role_id, kind, scope_id,
                ))
                .await?;
        }
        Ok(())
    }

    /// Signs in the user an OpenID provider vouched for.
    pub async fn sso_sign_in(
        &self,
        username: &str,
        display_name: &str,
        grants: &[SsoGrant],
        request: &RequestMeta,
    ) -> Result<Principal> {
        let mut fields = vec![];
        validate::username("username", username, &mut fields);
        Error::check(fields)?;
        let found: Option<(i64, bool)> = self
            .db
            .fetch_optional(
                Query::select()
                    .columns([Users::Id, Users::Disabled])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Username).eq(username)),
            )
            .await?;
        let user_id = match found {
            Some((_, true)) => {
                self.audit_login_denied(None, username, request, "disabled")
                    .await;
                return Err(Error::Unauthenticated);
            }
            Some((id, false)) => id,
            None => {
                let unusable: String = {
                    use rand::{distributions::Alphanumeric, Rng};
                    rand::thread_rng()
                        .sample_iter(&Alphanumeric)
                        .take(40)
                        .map(char::from)
                        .collect()
                };
                let name = if display_name.trim().is_empty() {
                    username
                } else {
                    display_name.trim()
                };
                self.insert_user(super::users::NewUser {
                    username,
                    display_name: &name.chars().take(64).collect::<String>(),
                    email: "",
                    phone: "",
                    domain_id: None,
                    password: &SecretString::from(unusable),
                    must_change_password: false,
                })
                .await?
            }
        };
        for grant in grants {
            self.ensure_sso_grant(user_id, grant).await?;
        }
        let principal = self
            .principal(user_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if !self
            .address_admitted(principal.domain_id, request.source.as_deref())
            .await?
        {
            self.audit_login_denied(Some(user_id), username, request, "address")
                .await;
            return Err(Error::AddressRefused);
        }
        self.audit(Event {
            user_id: Some(user_id),
            username,
            action: "auth.sso",
            target: "session",
            scope: None,
            outcome: Outcome::Allowed,
            details: String::new(),
            request,
        })
        .await;
        Ok(Principal {
            request: request.clone(),
            ..principal
        })
    }

    /// Records a refused answer from the provider (why, without secrets).
    pub async fn audit_sso_refused(&self, why: &str, request: &RequestMeta) {
        self.audit(Event {
            user_id: None,
            username: "(sso)",
            action: "auth.sso",
            target: "session",
            scope: None,
            outcome: Outcome::Denied,
            details: why.into(),
            request,
        })
        .await;
    }
}
