//! Signing in through an OpenID provider: the server checks the provider's
//! answer (state, PKCE, ID token signature, issuer, audience, expiry,
//! nonce); this takes the user it vouched for.
//!
//! A provider's user is the pair (issuer, subject), linked to one Berth
//! account on first sign-in. A username claim is only a proposal for the
//! name of a new account: when an account of that name exists and is not
//! linked to this (issuer, subject), the sign-in is refused (an operator
//! may link the two explicitly), so a provider account named `admin` can
//! never become Berth's `admin`. Roles that provider groups bring are
//! recorded with the group as their source and taken back when the group
//! leaves the token. Disabled users and refused addresses are turned away
//! as with a password.

use berth_api::{validate, ErrorCode};
use chrono::Utc;
use sea_query::{Expr, Query};
use secrecy::SecretString;

use super::Identity;
use crate::{
    audit::{Event, Outcome},
    auth::{Permission, Principal, RequestMeta, Scope},
    db::{
        schema::{Domains, RoleBindings, Roles, SsoIdentities, Users, Vdcs},
        DbError,
    },
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
    pub group: String,
    pub role: String,
    pub scope: SsoScope,
}

/// Who the provider vouched for, from a verified ID token.
#[derive(Clone, Debug)]
pub struct SsoIdentity<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    /// The username claim: the name of the account made on first sign-in.
    pub username: &'a str,
    pub display_name: &'a str,
}

/// The `source` of bindings a provider group brings.
const GROUP_SOURCE: &str = "sso-group:";

fn source_of(group: &str) -> String {
    format!(
        "{GROUP_SOURCE}{}",
        group.chars().take(180).collect::<String>()
    )
}

#[derive(sqlx::FromRow)]
struct GroupBinding {
    id: i64,
    role_id: i64,
    scope_kind: String,
    scope_id: Option<i64>,
    source: Option<String>,
}

impl Identity<'_> {
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

    /// Makes the user's group-brought bindings exactly those `grants`
    /// name: new ones are added (unless the user holds that role there
    /// already), those of groups no longer in the token are removed.
    /// Bindings made in Berth are never touched.
    async fn sync_sso_grants(&self, user_id: i64, grants: &[SsoGrant]) -> Result<()> {
        let mut wanted = vec![];
        for grant in grants {
            let role: Option<(i64,)> = self
                .db
                .fetch_optional(
                    Query::select()
                        .column(Roles::Id)
                        .from(Roles::Table)
                        .and_where(Expr::col(Roles::Name).eq(grant.role.as_str())),
                )
                .await?;
            match (role, self.scope_ids(&grant.scope).await?) {
                (Some((role_id,)), Some((kind, scope_id))) => {
                    wanted.push((role_id, kind, scope_id, source_of(&grant.group)));
                }
                _ => {
                    tracing::warn!(role = grant.role, scope = ?grant.scope, "SSO group maps to a role or scope that does not exist");
                }
            }
        }
        let held: Vec<GroupBinding> = self
            .db
            .fetch_all(
                Query::select()
                    .columns([
                        RoleBindings::Id,
                        RoleBindings::RoleId,
                        RoleBindings::ScopeKind,
                        RoleBindings::ScopeId,
                        RoleBindings::Source,
                    ])
                    .from(RoleBindings::Table)
                    .and_where(Expr::col(RoleBindings::UserId).eq(user_id)),
            )
            .await?;
        let same = |b: &GroupBinding, w: &(i64, &str, Option<i64>, String)| {
            b.role_id == w.0 && b.scope_kind == w.1 && b.scope_id == w.2
        };
        let mut tx = self.db.begin().await?;
        for b in &held {
            let from_group = b
                .source
                .as_deref()
                .is_some_and(|s| s.starts_with(GROUP_SOURCE));
            let still_wanted = wanted
                .iter()
                .any(|w| same(b, w) && b.source.as_deref() == Some(w.3.as_str()));
            if from_group && !still_wanted {
                tx.execute(
                    Query::delete()
                        .from_table(RoleBindings::Table)
                        .and_where(Expr::col(RoleBindings::Id).eq(b.id)),
                )
                .await?;
            }
        }
        for w in &wanted {
            if held.iter().any(|b| same(b, w)) {
                continue;
            }
            tx.execute(&super::grants::insert_binding(
                user_id,
                w.0,
                Scope::from_columns(w.1, w.2, Some(0)).unwrap_or(Scope::Platform),
                Some(&w.3),
            ))
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The account linked to a provider's user, with whether it is disabled.
    async fn linked_account(&self, issuer: &str, subject: &str) -> Result<Option<(i64, bool)>> {
        Ok(self
            .db
            .fetch_optional(
                Query::select()
                    .columns([(Users::Table, Users::Id), (Users::Table, Users::Disabled)])
                    .from(SsoIdentities::Table)
                    .inner_join(
                        Users::Table,
                        Expr::col((Users::Table, Users::Id))
                            .equals((SsoIdentities::Table, SsoIdentities::UserId)),
                    )
                    .and_where(Expr::col((SsoIdentities::Table, SsoIdentities::Issuer)).eq(issuer))
                    .and_where(
                        Expr::col((SsoIdentities::Table, SsoIdentities::Subject)).eq(subject),
                    ),
            )
            .await?)
    }

    async fn insert_link(&self, user_id: i64, issuer: &str, subject: &str) -> Result<()> {
        let insert = crate::db::insert_row(
            SsoIdentities::Table,
            [
                SsoIdentities::Issuer,
                SsoIdentities::Subject,
                SsoIdentities::UserId,
                SsoIdentities::CreatedAt,
            ],
            [
                issuer.into(),
                subject.into(),
                user_id.into(),
                Utc::now().into(),
            ],
        );
        match self.db.insert(insert).await {
            Err(DbError::UniqueViolation) => Err(Error::conflict(
                ErrorCode::Taken,
                "this single sign-on account is already linked to a Berth account",
            )),
            other => other.map(|_| ()).map_err(Error::from),
        }
    }

    /// Signs in the user an OpenID provider vouched for.
    pub async fn sso_sign_in(
        &self,
        id: &SsoIdentity<'_>,
        grants: &[SsoGrant],
        request: &RequestMeta,
    ) -> Result<Principal> {
        let mut fields = vec![];
        validate::username("username", id.username, &mut fields);
        validate::text("issuer", id.issuer, 512, &mut fields);
        validate::text("subject", id.subject, 255, &mut fields);
        if id.subject.is_empty() {
            fields.push(berth_api::FieldError {
                field: "subject".into(),
                code: ErrorCode::Required,
                message: "the ID token names no subject".into(),
                detail: None,
            });
        }
        Error::check(fields)?;
        let user_id = match self.linked_account(id.issuer, id.subject).await? {
            Some((_, true)) => {
                self.audit_login_denied(None, id.username, request, "disabled")
                    .await;
                return Err(Error::Unauthenticated);
            }
            Some((user_id, false)) => user_id,
            None => {
                let taken: Option<(i64,)> = self
                    .db
                    .fetch_optional(
                        Query::select()
                            .column(Users::Id)
                            .from(Users::Table)
                            .and_where(Expr::col(Users::Username).eq(id.username)),
                    )
                    .await?;
                if let Some((existing,)) = taken {
                    self.audit_login_denied(Some(existing), id.username, request, "sso-unlinked")
                        .await;
                    return Err(Error::conflict(
                        ErrorCode::Taken,
                        format!(
                            "a Berth account named {} exists and is not linked to this single sign-on account; an operator can link them",
                            id.username
                        ),
                    ));
                }
                let user_id = self.create_sso_user(id).await?;
                self.insert_link(user_id, id.issuer, id.subject).await?;
                user_id
            }
        };
        self.sync_sso_grants(user_id, grants).await?;
        let principal = self
            .principal(user_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if !self
            .address_admitted(principal.domain_id, request.source.as_deref())
            .await?
        {
            self.audit_login_denied(Some(user_id), &principal.username, request, "address")
                .await;
            return Err(Error::AddressRefused);
        }
        self.audit(Event {
            user_id: Some(user_id),
            username: &principal.username,
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

    /// A new account for a provider's user, without a password.
    async fn create_sso_user(&self, id: &SsoIdentity<'_>) -> Result<i64> {
        let unusable: String = {
            use rand::{distributions::Alphanumeric, Rng};
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(40)
                .map(char::from)
                .collect()
        };
        let shown: String = id
            .display_name
            .trim()
            .chars()
            .filter(|c| !c.is_control())
            .take(validate::DISPLAY_NAME_MAX)
            .collect();
        let name = if shown.is_empty() {
            id.username
        } else {
            &shown
        };
        let user_id = self
            .insert_user(super::users::NewUser {
                username: id.username,
                display_name: name,
                email: "",
                phone: "",
                domain_id: None,
                password: &SecretString::from(unusable),
                must_change_password: false,
            })
            .await?;
        // No password at all: the account signs in through the provider.
        self.db
            .execute(
                Query::update()
                    .table(Users::Table)
                    .values([(
                        Users::PasswordHash,
                        crate::identity::hashing::Passwords::NO_PASSWORD.into(),
                    )])
                    .and_where(Expr::col(Users::Id).eq(user_id)),
            )
            .await?;
        Ok(user_id)
    }

    /// Links a provider's user to an existing account, so that their next
    /// single sign-on signs in as it. Operators only, and only for an
    /// account they may manage.
    pub async fn link_sso_identity(
        &self,
        who: &Principal,
        user_id: i64,
        issuer: &str,
        subject: &str,
    ) -> Result<()> {
        let (user, proof, target) = self.user_for(who, user_id, Permission::UserUpdate).await?;
        self.authorize(who, Permission::UserUpdate, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::UserUpdate, Scope::home(user.domain_id));
            let mut fields = vec![];
            validate::text("issuer", issuer.trim(), 512, &mut fields);
            validate::text("subject", subject.trim(), 255, &mut fields);
            for (field, value) in [("issuer", issuer), ("subject", subject)] {
                if value.trim().is_empty() {
                    fields.push(berth_api::FieldError {
                        field: field.into(),
                        code: ErrorCode::Required,
                        message: format!("{field} is required"),
                        detail: None,
                    });
                }
            }
            Error::check(fields)?;
            self.insert_link(user_id, issuer.trim(), subject.trim())
                .await
        })
        .await
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
