//! Setting passwords: the operators' policy, and the one path every new
//! password takes (creating a user, an operator's reset, changing one's
//! own). Each is checked against the policy and the user's recent
//! passwords, hashed, stored with the time it was set, and remembered.

use berth_api::{ErrorCode, PasswordPolicy};
use chrono::Utc;
use sea_query::{Expr, Order, Query};
use secrecy::{ExposeSecret, SecretString};

use super::Identity;
use crate::{
    audit::{Event, Outcome},
    auth::{Permission, Principal, Scope},
    db::schema::{PasswordHistory, Sessions, Users},
    Error, Result,
};

const POLICY_TARGET: &str = "settings/password-policy";

/// The settings keys of the policy, and how each is read and written.
fn entries(p: &PasswordPolicy) -> [(&'static str, String); 8] {
    [
        ("password.min_length", p.min_length.to_string()),
        ("password.require_upper", p.require_upper.to_string()),
        ("password.require_lower", p.require_lower.to_string()),
        ("password.require_digit", p.require_digit.to_string()),
        ("password.require_symbol", p.require_symbol.to_string()),
        ("password.forbid_username", p.forbid_username.to_string()),
        ("password.history", p.history.to_string()),
        ("password.max_age_days", p.max_age_days.to_string()),
    ]
}

impl Identity<'_> {
    /// The policy in force (defaults for anything never set).
    pub async fn password_policy(&self) -> Result<PasswordPolicy> {
        let s = self.settings().await?;
        let d = PasswordPolicy::default();
        let num = |k: &str, default: u32| s.get(k).and_then(|v| v.parse().ok()).unwrap_or(default);
        let flag =
            |k: &str, default: bool| s.get(k).and_then(|v| v.parse().ok()).unwrap_or(default);
        Ok(PasswordPolicy {
            min_length: num("password.min_length", d.min_length),
            require_upper: flag("password.require_upper", d.require_upper),
            require_lower: flag("password.require_lower", d.require_lower),
            require_digit: flag("password.require_digit", d.require_digit),
            require_symbol: flag("password.require_symbol", d.require_symbol),
            forbid_username: flag("password.forbid_username", d.forbid_username),
            history: num("password.history", d.history),
            max_age_days: num("password.max_age_days", d.max_age_days),
        })
    }

    /// Operators set the policy; it applies to every password set afterwards
    /// (and the maximum age at each sign-in).
    pub async fn set_password_policy(
        &self,
        who: &Principal,
        policy: PasswordPolicy,
    ) -> Result<PasswordPolicy> {
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
            let mut fields = vec![];
            policy.validate(&mut fields);
            Error::check(fields)?;
            self.put_settings(&entries(&policy)).await?;
            Ok(policy)
        })
        .await
    }

    /// Refuses `password` for `username` (and, for an existing user, their
    /// recent passwords) with field errors on `field` naming each rule.
    pub(crate) async fn check_new_password(
        &self,
        user_id: Option<i64>,
        username: &str,
        password: &SecretString,
        field: &str,
    ) -> Result<()> {
        let policy = self.password_policy().await?;
        let mut fields = vec![];
        policy.check(field, username, password.expose_secret(), &mut fields);
        Error::check(fields)?;
        let Some(user_id) = user_id.filter(|_| policy.history > 0) else {
            return Ok(());
        };
        let recent: Vec<(String,)> = self
            .db
            .fetch_all(
                Query::select()
                    .column(PasswordHistory::PasswordHash)
                    .from(PasswordHistory::Table)
                    .and_where(Expr::col(PasswordHistory::UserId).eq(user_id))
                    .order_by(PasswordHistory::Id, Order::Desc)
                    .limit(u64::from(policy.history)),
            )
            .await?;
        for (hash,) in recent {
            if self.passwords.verify_async(password, Some(hash)).await {
                return Err(Error::field(
                    field,
                    ErrorCode::PasswordReused,
                    format!(
                        "{field} must differ from the last {} passwords",
                        policy.history
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Hashes and stores a checked password, stamps when it was set, and
    /// remembers it (keeping at most the longest history a policy allows).
    pub(crate) async fn store_password(
        &self,
        user_id: i64,
        password: &SecretString,
        must_change: bool,
    ) -> Result<()> {
        let hash = self.passwords.hash_async(password).await?;
        let now = Utc::now();
        let mut tx = self.db.begin().await?;
        tx.execute(
            Query::update()
                .table(Users::Table)
                .values([
                    (Users::PasswordHash, hash.clone().into()),
                    (Users::MustChangePassword, must_change.into()),
                    (Users::PasswordChangedAt, now.into()),
                ])
                .and_where(Expr::col(Users::Id).eq(user_id)),
        )
        .await?;
        self.remember_password(&mut tx, user_id, hash).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn remember_password(
        &self,
        tx: &mut crate::db::tx::Tx,
        user_id: i64,
        hash: String,
    ) -> Result<()> {
        tx.execute(&crate::db::insert_row(
            PasswordHistory::Table,
            [
                PasswordHistory::UserId,
                PasswordHistory::PasswordHash,
                PasswordHistory::CreatedAt,
            ],
            [user_id.into(), hash.into(), Utc::now().into()],
        ))
        .await?;
        let cut: Vec<(i64,)> = tx
            .fetch_all(
                Query::select()
                    .column(PasswordHistory::Id)
                    .from(PasswordHistory::Table)
                    .and_where(Expr::col(PasswordHistory::UserId).eq(user_id))
                    .order_by(PasswordHistory::Id, Order::Desc)
                    .offset(u64::from(PasswordPolicy::MAX_HISTORY))
                    .limit(1),
            )
            .await?;
        if let Some((cut,)) = cut.first().copied() {
            tx.execute(
                Query::delete()
                    .from_table(PasswordHistory::Table)
                    .and_where(Expr::col(PasswordHistory::UserId).eq(user_id))
                    .and_where(Expr::col(PasswordHistory::Id).lte(cut)),
            )
            .await?;
        }
        Ok(())
    }

    /// A signed-in user changes their own password, proving the current
    /// one. Clears a pending "must change" and ends the user's other
    /// sessions.
    pub async fn change_own_password(
        &self,
        who: &Principal,
        current: &SecretString,
        new: &SecretString,
    ) -> Result<()> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::ChangePassword)?;
        let result = async {
            self.verify_own_password(who, current, "current_password")
                .await?;
            if new.expose_secret() == current.expose_secret() {
                return Err(Error::field(
                    "new_password",
                    ErrorCode::PasswordUnchanged,
                    "new_password is the password in use: choose another",
                ));
            }
            self.check_new_password(Some(who.user_id), &who.username, new, "new_password")
                .await?;
            self.store_password(who.user_id, new, false).await?;
            // Whoever else holds a session with the old password is out.
            let mut others = Query::delete();
            others
                .from_table(Sessions::Table)
                .and_where(Expr::col(Sessions::UserId).eq(who.user_id));
            if let Some(current) = &who.request.session {
                others.and_where(Expr::col(Sessions::PublicId).ne(current.as_str()));
            }
            self.db.execute(&others).await?;
            Ok(())
        }
        .await;
        let outcome = match &result {
            Ok(()) => Outcome::Allowed,
            Err(_) => Outcome::Failed,
        };
        self.audit(Event::by(
            who,
            "user.password.change",
            "self",
            None,
            outcome,
        ))
        .await;
        result
    }

    /// Checks the caller's own current password before a change to their
    /// account (password, second factor). Throttled like signing in: a
    /// locked name is refused, and each wrong password counts towards the
    /// lock, so a stolen session cannot guess its way to the password.
    pub(crate) async fn verify_own_password(
        &self,
        who: &Principal,
        password: &SecretString,
        field: &str,
    ) -> Result<()> {
        self.check_own_password(who, password, field, false).await
    }

    /// [`Self::verify_own_password`], except that an account without a
    /// password (single sign-on only) passes: its session is the provider's
    /// word, and its second factor still needs a current code to change.
    pub(crate) async fn verify_own_password_if_set(
        &self,
        who: &Principal,
        password: &SecretString,
        field: &str,
    ) -> Result<()> {
        self.check_own_password(who, password, field, true).await
    }

    async fn check_own_password(
        &self,
        who: &Principal,
        password: &SecretString,
        field: &str,
        pass_without_password: bool,
    ) -> Result<()> {
        let name = who.username.to_lowercase();
        let source = who.request.source.as_deref();
        if let Some(retry_after_secs) = self.locked_for(&name, source).await? {
            return Err(Error::Locked { retry_after_secs });
        }
        let stored: Option<(String,)> = self
            .db
            .fetch_optional(
                Query::select()
                    .column(Users::PasswordHash)
                    .from(Users::Table)
                    .and_where(Expr::col(Users::Id).eq(who.user_id)),
            )
            .await?;
        let stored = stored.map(|s| s.0);
        if pass_without_password
            && stored.as_deref() == Some(crate::identity::hashing::Passwords::NO_PASSWORD)
        {
            return Ok(());
        }
        if self.passwords.verify_async(password, stored).await {
            return Ok(());
        }
        self.record_failure(&name, source).await?;
        Err(Error::field(
            field,
            ErrorCode::WrongPassword,
            "the current password is wrong",
        ))
    }
}
