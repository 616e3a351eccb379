//! Lockout and throttling of sign-in.
//!
//! Failed sign-ins are recorded by the name typed (lower-cased, whether or
//! not such a user exists, so a lock reveals nothing) and by the client
//! address. `lockout.max_failures` failures for a name within
//! `lockout.window_minutes` lock that name for `lockout.lock_minutes`;
//! `lockout.max_failures_per_source` failures from one address within the
//! window hold that address back until the window has passed. Operators
//! change the numbers in the `settings` table and lift locks.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use sea_query::{Expr, Order, Query};

use super::Identity;
use crate::{
    audit::{Event, Outcome},
    auth::{Permission, Principal, Scope},
    db::schema::{LoginFailures, Settings},
    Result,
};

/// The lockout numbers in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    pub max_failures: i64,
    pub window_minutes: i64,
    pub lock_minutes: i64,
    pub max_failures_per_source: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_minutes: 15,
            lock_minutes: 15,
            max_failures_per_source: 30,
        }
    }
}

impl Identity<'_> {
    /// Every setting, read through a short-lived cache.
    pub(crate) async fn settings(&self) -> Result<std::sync::Arc<HashMap<String, String>>> {
        self.caches
            .settings
            .get(self.generation.current(), || async {
                let rows: Vec<(String, String)> = self
                    .db
                    .fetch_all(
                        Query::select()
                            .columns([Settings::Name, Settings::Value])
                            .from(Settings::Table),
                    )
                    .await?;
                Ok(rows.into_iter().collect())
            })
            .await
    }

    /// Stores several settings at once (all or none).
    pub(crate) async fn put_settings(&self, entries: &[(&str, String)]) -> Result<()> {
        let mut tx = self.db.begin().await?;
        for (name, value) in entries {
            tx.execute(&upsert_setting(name, value)).await?;
        }
        tx.commit().await?;
        self.forget_settings();
        Ok(())
    }

    /// After settings change here: read them afresh.
    pub(crate) fn forget_settings(&self) {
        self.caches.settings.forget();
    }

    pub async fn lockout_policy(&self) -> Result<LockoutPolicy> {
        let s = self.settings().await?;
        let d = LockoutPolicy::default();
        let get = |k: &str, default: i64| {
            s.get(k)
                .and_then(|v| v.parse().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default)
        };
        Ok(LockoutPolicy {
            max_failures: get("lockout.max_failures", d.max_failures),
            window_minutes: get("lockout.window_minutes", d.window_minutes),
            lock_minutes: get("lockout.lock_minutes", d.lock_minutes),
            max_failures_per_source: get(
                "lockout.max_failures_per_source",
                d.max_failures_per_source,
            ),
        })
    }

    /// Stores one setting (startup and tests).
    pub async fn put_setting(&self, name: &str, value: &str) -> Result<()> {
        self.db.execute(&upsert_setting(name, value)).await?;
        self.forget_settings();
        Ok(())
    }

    /// Seconds until `name` (or `source`) may try again; `None` when free.
    pub(crate) async fn locked_for(&self, name: &str, source: Option<&str>) -> Result<Option<i64>> {
        let p = self.lockout_policy().await?;
        let now = Utc::now();
        let since = now - Duration::minutes(p.window_minutes);
        let recent = |col: LoginFailures, value: String, limit: i64| {
            Query::select()
                .column(LoginFailures::At)
                .from(LoginFailures::Table)
                .and_where(Expr::col(col).eq(value))
                .and_where(Expr::col(LoginFailures::At).gt(since))
                .order_by(LoginFailures::At, Order::Desc)
                .limit(u64::try_from(limit).unwrap_or(1))
                .to_owned()
        };
        let by_name: Vec<(chrono::DateTime<Utc>,)> = self
            .db
            .fetch_all(&recent(
                LoginFailures::Username,
                name.to_owned(),
                p.max_failures,
            ))
            .await?;
        let mut wait = None;
        if by_name.len() as i64 >= p.max_failures {
            let until = by_name[0].0 + Duration::minutes(p.lock_minutes);
            wait = Some(until);
        }
        if let Some(source) = source {
            let by_source: Vec<(chrono::DateTime<Utc>,)> = self
                .db
                .fetch_all(&recent(
                    LoginFailures::Source,
                    source.to_owned(),
                    p.max_failures_per_source,
                ))
                .await?;
            if by_source.len() as i64 >= p.max_failures_per_source {
                let oldest = by_source[by_source.len() - 1].0;
                let until = oldest + Duration::minutes(p.window_minutes);
                wait = Some(wait.map_or(until, |w: chrono::DateTime<Utc>| w.max(until)));
            }
        }
        Ok(wait
            .map(|until| (until - now).num_seconds())
            .filter(|s| *s > 0))
    }

    pub(crate) async fn record_failure(&self, name: &str, source: Option<&str>) -> Result<()> {
        let q = crate::db::insert_row(
            LoginFailures::Table,
            [
                LoginFailures::Username,
                LoginFailures::Source,
                LoginFailures::At,
            ],
            [
                name.into(),
                source.map(str::to_owned).into(),
                Utc::now().into(),
            ],
        );
        self.db.execute(&q).await?;
        Ok(())
    }

    pub(crate) async fn clear_failures(&self, name: &str) -> Result<()> {
        self.db
            .execute(
                Query::delete()
                    .from_table(LoginFailures::Table)
                    .and_where(Expr::col(LoginFailures::Username).eq(name)),
            )
            .await?;
        Ok(())
    }

    /// Names locked right now, with seconds left.
    pub async fn list_locks(&self, who: &Principal) -> Result<Vec<(String, i64)>> {
        self.authorize(who, Permission::LockoutLift, Scope::Platform, "locks")
            .await?;
        let p = self.lockout_policy().await?;
        let since = Utc::now() - Duration::minutes(p.window_minutes);
        let names: Vec<(String,)> = self
            .db
            .fetch_all(
                Query::select()
                    .distinct()
                    .column(LoginFailures::Username)
                    .from(LoginFailures::Table)
                    .and_where(Expr::col(LoginFailures::At).gt(since))
                    .order_by(LoginFailures::Username, Order::Asc),
            )
            .await?;
        let mut out = vec![];
        for (name,) in names {
            if let Some(secs) = self.locked_for(&name, None).await? {
                out.push((name, secs));
            }
        }
        Ok(out)
    }

    /// Lifts the lock on a name (its failures are forgotten).
    pub async fn lift_lock(&self, who: &Principal, name: &str) -> Result<()> {
        let name = name.trim().to_lowercase();
        let target = format!("lock/{name}");
        let proof = self
            .authorize(who, Permission::LockoutLift, Scope::Platform, &target)
            .await?;
        let mut fields = vec![];
        berth_api::validate::text("username", &name, 64, &mut fields);
        crate::Error::check(fields)?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::LockoutLift, Scope::Platform);
            self.clear_failures(&name).await
        })
        .await
    }

    /// Records a sign-in refused before the password counted (`why`:
    /// `locked`, or `address` for the login IP rules).
    pub(crate) async fn audit_login_denied(
        &self,
        user_id: Option<i64>,
        name: &str,
        request: &crate::auth::RequestMeta,
        why: &str,
    ) {
        self.audit(Event {
            user_id,
            username: if user_id.is_some() { name } else { "(unknown)" },
            action: "auth.login",
            target: "session",
            scope: None,
            outcome: Outcome::Denied,
            details: why.into(),
            request,
        })
        .await;
    }
}

/// Inserts or replaces one setting.
pub(crate) fn upsert_setting(name: &str, value: &str) -> sea_query::InsertStatement {
    crate::db::insert_row(
        Settings::Table,
        [Settings::Name, Settings::Value],
        [name.into(), value.into()],
    )
    .on_conflict(
        sea_query::OnConflict::column(Settings::Name)
            .update_column(Settings::Value)
            .to_owned(),
    )
    .to_owned()
}
