//! Sessions as their owners see them: where and in which browser each is
//! signed in, when it was last used; revoking one, or (for operators) all
//! of a user's.

use berth_api::SessionInfo;
use sea_query::{Expr, Query};

use super::Identity;
use crate::{
    auth::{Permission, Principal, Scope},
    db::{
        schema::Sessions,
        session_store::{
            AGENT_KEY, LAST_SEEN_KEY, MFA_BY_PROVIDER_KEY, PUBLIC_ID_KEY, SIGNED_IN_KEY, SOURCE_KEY,
        },
    },
    Error, Result,
};

#[derive(sqlx::FromRow)]
struct Row {
    data: String,
    expires_at: i64,
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    user_id: Option<i64>,
    data: String,
}

impl Identity<'_> {
    /// The principal behind the session named `public_id`, looked up
    /// afresh for a long-lived stream: `None` once the session has ended
    /// (signed out, revoked, idle or past `max_age_secs` since sign-in) or
    /// its user is disabled or gone. Their roles are read anew, so a
    /// revoked grant shows at the next check.
    pub async fn live_principal(
        &self,
        public_id: &str,
        max_age_secs: i64,
    ) -> Result<Option<Principal>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let row: Option<LiveRow> = self
            .db
            .fetch_optional(
                Query::select()
                    .columns([Sessions::UserId, Sessions::Data])
                    .from(Sessions::Table)
                    .and_where(Expr::col(Sessions::PublicId).eq(public_id))
                    .and_where(Expr::col(Sessions::ExpiresAt).gt(now)),
            )
            .await?;
        let Some(LiveRow {
            user_id: Some(user_id),
            data,
        }) = row
        else {
            return Ok(None);
        };
        let data = serde_json::from_str::<serde_json::Value>(&data).ok();
        let signed_in = data
            .as_ref()
            .and_then(|d| d.get(SIGNED_IN_KEY).and_then(|v| v.as_i64()));
        if signed_in.is_none_or(|t| now - t > max_age_secs) {
            return Ok(None);
        }
        // The provider checked a second factor at this sign-in.
        let mfa_by_provider = data
            .as_ref()
            .and_then(|d| d.get(MFA_BY_PROVIDER_KEY).and_then(|v| v.as_bool()))
            == Some(true);
        Ok(self.principal(user_id).await?.map(|p| Principal {
            must_enroll_2fa: p.must_enroll_2fa && !mfa_by_provider,
            ..p
        }))
    }

    /// The user's live sessions.
    async fn user_sessions(&self, user_id: i64) -> Result<Vec<SessionInfo>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let rows: Vec<Row> = self
            .db
            .fetch_all(
                Query::select()
                    .columns([Sessions::Data, Sessions::ExpiresAt])
                    .from(Sessions::Table)
                    .and_where(Expr::col(Sessions::UserId).eq(user_id))
                    .and_where(Expr::col(Sessions::ExpiresAt).gt(now)),
            )
            .await?;
        let mut out: Vec<SessionInfo> = rows
            .into_iter()
            .filter_map(|r| {
                let data: serde_json::Value = serde_json::from_str(&r.data).ok()?;
                let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
                let number = |k: &str| data.get(k).and_then(|v| v.as_i64());
                Some(SessionInfo {
                    id: text(PUBLIC_ID_KEY)?,
                    source: text(SOURCE_KEY),
                    agent: text(AGENT_KEY),
                    signed_in: number(SIGNED_IN_KEY),
                    last_seen: number(LAST_SEEN_KEY),
                    expires_at: r.expires_at,
                    current: false,
                })
            })
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.last_seen));
        Ok(out)
    }

    /// The caller's own sessions, the current one marked.
    pub async fn list_sessions(&self, who: &Principal) -> Result<Vec<SessionInfo>> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::Sessions)?;
        Ok(self
            .user_sessions(who.user_id)
            .await?
            .into_iter()
            .map(|mut info| {
                info.current = who.request.session.as_deref() == Some(info.id.as_str());
                info
            })
            .collect())
    }

    /// Ends one of the caller's own sessions; anyone else's is not found.
    pub async fn revoke_session(&self, who: &Principal, public_id: &str) -> Result<()> {
        crate::auth::authorize_own(who, crate::auth::OwnAccount::Sessions)?;
        // Public ids are 32 hex digits: anything else names no session.
        if public_id.len() > 64 || !public_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::NotFound);
        }
        let n = self
            .db
            .execute(
                Query::delete()
                    .from_table(Sessions::Table)
                    .and_where(Expr::col(Sessions::UserId).eq(who.user_id))
                    .and_where(Expr::col(Sessions::PublicId).eq(public_id)),
            )
            .await?;
        if n == 0 {
            return Err(Error::NotFound);
        }
        self.audit(crate::audit::Event::by(
            who,
            "session.end",
            "session",
            None,
            crate::audit::Outcome::Allowed,
        ))
        .await;
        Ok(())
    }

    /// Ends every session of a user (operators); returns how many.
    pub async fn revoke_user_sessions(&self, who: &Principal, user_id: i64) -> Result<u64> {
        let target = format!("user#{user_id}/sessions");
        let proof = self
            .authorize(who, Permission::SessionRevoke, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::SessionRevoke, Scope::Platform);
            Ok(self
                .db
                .execute(
                    Query::delete()
                        .from_table(Sessions::Table)
                        .and_where(Expr::col(Sessions::UserId).eq(user_id)),
                )
                .await?)
        })
        .await
    }
}
