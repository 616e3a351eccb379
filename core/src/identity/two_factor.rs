//! Two-factor sign-in with TOTP: enrolment (secret, QR code, one-time
//! recovery codes), the second step of signing in, and the operators'
//! rule of who must use it (by role type, or by home domain). A code works
//! once: a time step at or before the last one used is refused, and a
//! recovery code is spent when used.

use base64::Engine as _;
use berth_api::{
    permission::RoleType, ErrorCode, TotpEnrollment, TwoFactorPolicy, TwoFactorStatus,
};
use chrono::Utc;
use sea_query::{Expr, Query};
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use super::Identity;
use crate::{
    audit::{Event, Outcome},
    auth::{Permission, Principal, RequestMeta, Scope},
    db::schema::{RecoveryCodes, Users},
    identity::totp,
    Error, Result,
};

const POLICY_TARGET: &str = "settings/two-factor-policy";
const RECOVERY_CODES: usize = 10;

#[derive(sqlx::FromRow)]
struct TotpRow {
    username: String,
    totp_secret: Option<String>,
    totp_enabled: bool,
    totp_last_step: Option<i64>,
    totp_pending_secret: Option<String>,
}

fn hash_code(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let digest = Sha256::digest(normal.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `xxxxx-xxxxx`: 50 random bits, easy to type from paper.
fn new_recovery_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::thread_rng();
    let mut s: String = (0..10)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect();
    s.insert(5, '-');
    s
}

fn wrong_code() -> Error {
    Error::field(
        "code",
        ErrorCode::WrongCode,
        "the code is wrong or already used",
    )
}

impl Identity<'_> {
    async fn totp_row(&self, user_id: i64) -> Result<TotpRow> {
        self.db
            .fetch_optional(
                Query::select()
                    .columns([
                        Users::Username,
                        Users::TotpSecret,
                        Users::TotpEnabled,
                        Users::TotpLastStep,
                        Users::TotpPendingSecret,
                    ])
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Id).eq(user_id)),
            )
            .await?
            .ok_or(Error::NotFound)
    }

    /// Who must use a second factor (defaults: nobody).
    pub async fn two_factor_policy(&self) -> Result<TwoFactorPolicy> {
        let s = self.settings().await?;
        let list = |k: &str| -> Vec<String> {
            s.get(k)
                .map(|v| {
                    v.split(',')
                        .filter(|x| !x.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        Ok(TwoFactorPolicy {
            required_role_types: list("twofa.required_role_types")
                .iter()
                .filter_map(|k| RoleType::from_key(k))
                .collect(),
            required_domains: list("twofa.required_domains")
                .iter()
                .filter_map(|d| d.parse().ok())
                .collect(),
        })
    }

    /// The policy, for those who may see security settings.
    pub async fn two_factor_policy_for(&self, who: &Principal) -> Result<TwoFactorPolicy> {
        let visible = self
            .visible(who, Permission::SecurityPolicyRead, POLICY_TARGET)
            .await?;
        let mut policy = self.two_factor_policy().await?;
        // Other tenants' domains are theirs to know about.
        if let crate::auth::Visibility::Tenants { domains, .. } = visible {
            policy.required_domains.retain(|d| domains.contains(d));
        }
        Ok(policy)
    }

    pub async fn set_two_factor_policy(
        &self,
        who: &Principal,
        policy: TwoFactorPolicy,
    ) -> Result<TwoFactorPolicy> {
        let proof = self
            .authorize(
                who,
                Permission::SecurityPolicyUpdate,
                Scope::Platform,
                POLICY_TARGET,
            )
            .await?;
        self.audited(who, proof, POLICY_TARGET, async |proof| {
            proof.expect(Permission::SecurityPolicyUpdate, Scope::Platform);
            for d in &policy.required_domains {
                if self.tenancy().find_domain(*d).await?.is_none() {
                    return Err(Error::field(
                        "required_domains",
                        ErrorCode::NotFound,
                        format!("there is no domain {d}"),
                    ));
                }
            }
            let types: Vec<&str> = policy.required_role_types.iter().map(|t| t.key()).collect();
            let domains: Vec<String> = policy.required_domains.iter().map(i64::to_string).collect();
            self.put_settings(&[
                ("twofa.required_role_types", types.join(",")),
                ("twofa.required_domains", domains.join(",")),
            ])
            .await?;
            Ok(policy)
        })
        .await
    }

    /// Whether the policy asks `who` for a second factor.
    pub async fn two_factor_required(&self, who: &Principal) -> Result<bool> {
        let p = self.two_factor_policy().await?;
        Ok(who
            .bindings
            .iter()
            .any(|b| p.required_role_types.contains(&b.role_type))
            || who
                .domain_id
                .is_some_and(|d| p.required_domains.contains(&d)))
    }

    pub async fn totp_enabled(&self, user_id: i64) -> Result<bool> {
        Ok(self.totp_row(user_id).await?.totp_enabled)
    }

    pub async fn two_factor_status(&self, who: &Principal) -> Result<TwoFactorStatus> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::SecondFactor)?;
        Ok(TwoFactorStatus {
            enabled: self.totp_enabled(who.user_id).await?,
            required: self.two_factor_required(who).await?,
        })
    }

    /// Starts enrolment: a new secret, kept apart until a code from it
    /// confirms it. Needs the current password, and, to replace a factor
    /// already on, a current code from it: a session left open is not
    /// enough to move someone's second factor to another phone.
    pub async fn begin_totp(
        &self,
        who: &Principal,
        password: &SecretString,
        code: &str,
    ) -> Result<TotpEnrollment> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::SecondFactor)?;
        let result = async {
            self.verify_own_password_if_set(who, password, "password")
                .await?;
            if self.totp_enabled(who.user_id).await? {
                self.check_own_second_factor(who, code).await?;
            }
            let secret = totp::new_secret();
            self.db
                .execute(
                    Query::update()
                        .table(Users::Table)
                        .values([(Users::TotpPendingSecret, totp::base32(&secret).into())])
                        .and_where(Expr::col(Users::Id).eq(who.user_id)),
                )
                .await?;
            let uri = totp::otpauth_uri("Berth", &who.username, &secret);
            let svg = totp::qr_svg(&uri).ok_or_else(|| Error::Internal("QR code".into()))?;
            Ok(TotpEnrollment {
                secret: totp::base32(&secret),
                qr_image: format!(
                    "data:image/svg+xml;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(svg)
                ),
                uri,
            })
        }
        .await;
        if result.is_err() {
            self.audit_self(who, "user.2fa.begin", &result).await;
        }
        result
    }

    /// Finishes enrolment with a code from the new secret, which replaces
    /// any secret in use; returns new recovery codes, shown this once
    /// (only their hashes are kept).
    pub async fn confirm_totp(&self, who: &Principal, code: &str) -> Result<Vec<String>> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::SecondFactor)?;
        let row = self.totp_row(who.user_id).await?;
        let pending = row.totp_pending_secret.clone();
        let secret = pending
            .as_deref()
            .and_then(totp::from_base32)
            .ok_or_else(|| Error::conflict(ErrorCode::Invalid, "start the set-up first"))?;
        let result = async {
            let step = totp::matching_step(&secret, code, Utc::now().timestamp())
                .ok_or_else(wrong_code)?;
            let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
            let mut tx = self.db.begin().await?;
            tx.execute(
                Query::update()
                    .table(Users::Table)
                    .values([
                        (Users::TotpSecret, pending.clone().into()),
                        (Users::TotpPendingSecret, Option::<String>::None.into()),
                        (Users::TotpEnabled, true.into()),
                        (Users::TotpLastStep, step.into()),
                    ])
                    .and_where(Expr::col(Users::Id).eq(who.user_id)),
            )
            .await?;
            tx.execute(
                Query::delete()
                    .from_table(RecoveryCodes::Table)
                    .and_where(Expr::col(RecoveryCodes::UserId).eq(who.user_id)),
            )
            .await?;
            if let Some(insert) = crate::db::insert_rows(
                RecoveryCodes::Table,
                [RecoveryCodes::UserId, RecoveryCodes::CodeHash],
                codes
                    .iter()
                    .map(|c| [who.user_id.into(), hash_code(c).into()]),
            ) {
                tx.execute(&insert).await?;
            }
            tx.commit().await?;
            Ok(codes)
        }
        .await;
        self.audit_self(who, "user.2fa.enable", &result).await;
        result
    }

    /// Turns two-factor sign-in off, proven by the current password and a
    /// current code; refused while the policy requires it.
    pub async fn disable_totp(
        &self,
        who: &Principal,
        password: &SecretString,
        code: &str,
    ) -> Result<()> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::SecondFactor)?;
        let result = async {
            if self.two_factor_required(who).await? {
                return Err(Error::conflict(
                    ErrorCode::Invalid,
                    "two-factor sign-in is required for you",
                ));
            }
            self.verify_own_password_if_set(who, password, "password")
                .await?;
            self.check_own_second_factor(who, code).await?;
            let mut tx = self.db.begin().await?;
            tx.execute(
                Query::update()
                    .table(Users::Table)
                    .values([
                        (Users::TotpEnabled, false.into()),
                        (Users::TotpSecret, Option::<String>::None.into()),
                        (Users::TotpPendingSecret, Option::<String>::None.into()),
                        (Users::TotpLastStep, Option::<i64>::None.into()),
                    ])
                    .and_where(Expr::col(Users::Id).eq(who.user_id)),
            )
            .await?;
            tx.execute(
                Query::delete()
                    .from_table(RecoveryCodes::Table)
                    .and_where(Expr::col(RecoveryCodes::UserId).eq(who.user_id)),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        self.audit_self(who, "user.2fa.disable", &result).await;
        result
    }

    /// A code from the caller's own second factor, for a change to it.
    /// Wrong codes count towards the lockout, as at sign-in.
    async fn check_own_second_factor(&self, who: &Principal, code: &str) -> Result<()> {
        let name = who.username.to_lowercase();
        let source = who.request.source.as_deref();
        if let Some(retry_after_secs) = self.locked_for(&name, source).await? {
            return Err(Error::Locked { retry_after_secs });
        }
        let result = self.check_second_factor(who.user_id, code).await;
        if matches!(result, Err(Error::Validation(_))) {
            self.record_failure(&name, source).await?;
        }
        result
    }

    async fn audit_self<T>(&self, who: &Principal, action: &str, result: &Result<T>) {
        let outcome = if result.is_ok() {
            Outcome::Allowed
        } else {
            Outcome::Failed
        };
        self.audit(Event::by(who, action, "self", None, outcome))
            .await;
    }

    /// A TOTP code newer than the last one used, or an unused recovery
    /// code (spent by this call).
    async fn check_second_factor(&self, user_id: i64, code: &str) -> Result<()> {
        let row = self.totp_row(user_id).await?;
        let secret = row
            .totp_secret
            .as_deref()
            .and_then(totp::from_base32)
            .filter(|_| row.totp_enabled)
            .ok_or_else(wrong_code)?;
        if let Some(step) = totp::matching_step(&secret, code, Utc::now().timestamp()) {
            // Only a step after the last one used, and only once even when
            // two requests race: the update names the step it replaces.
            let mut update = Query::update();
            update
                .table(Users::Table)
                .values([(Users::TotpLastStep, step.into())])
                .and_where(Expr::col(Users::Id).eq(user_id));
            match row.totp_last_step {
                Some(last) if step <= last => return Err(wrong_code()),
                Some(last) => update.and_where(Expr::col(Users::TotpLastStep).eq(last)),
                None => update.and_where(Expr::col(Users::TotpLastStep).is_null()),
            };
            return match self.db.execute(&update).await? {
                1 => Ok(()),
                _ => Err(wrong_code()),
            };
        }
        let spent = self
            .db
            .execute(
                Query::update()
                    .table(RecoveryCodes::Table)
                    .values([(RecoveryCodes::UsedAt, Utc::now().into())])
                    .and_where(Expr::col(RecoveryCodes::UserId).eq(user_id))
                    .and_where(Expr::col(RecoveryCodes::CodeHash).eq(hash_code(code)))
                    .and_where(Expr::col(RecoveryCodes::UsedAt).is_null()),
            )
            .await?;
        if spent == 1 {
            Ok(())
        } else {
            Err(wrong_code())
        }
    }

    /// The second step of signing in, for a user whose password (and
    /// address) have passed. Failures count towards the lockout.
    pub async fn verify_second_factor(
        &self,
        user_id: i64,
        code: &str,
        request: &RequestMeta,
    ) -> Result<Principal> {
        let row = self.totp_row(user_id).await?;
        let name = row.username.to_lowercase();
        if let Some(retry_after_secs) = self.locked_for(&name, request.source.as_deref()).await? {
            self.audit_login_denied(Some(user_id), &row.username, request, "locked")
                .await;
            return Err(Error::Locked { retry_after_secs });
        }
        let result = self.check_second_factor(user_id, code).await;
        let outcome = match &result {
            Ok(()) => {
                self.clear_failures(&name).await?;
                Outcome::Allowed
            }
            Err(_) => {
                self.record_failure(&name, request.source.as_deref())
                    .await?;
                Outcome::Failed
            }
        };
        self.audit(Event {
            user_id: Some(user_id),
            username: &row.username,
            action: "auth.2fa",
            target: "session",
            scope: None,
            outcome,
            details: String::new(),
            request,
        })
        .await;
        result?;
        let mut principal = self
            .principal(user_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        principal.request = request.clone();
        Ok(principal)
    }
}
