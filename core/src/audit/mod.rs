//! The audit trail: an append-only record of every change, every denial,
//! and every sign-in, successful or not.
//!
//! Rows are only ever inserted: this module has no update or delete, and
//! nothing else in Berth touches the table. Details never hold secrets.

use chrono::Utc;

pub mod log;

use std::ops::Deref;

use crate::{
    auth::{Authorized, Principal, RequestMeta, Scope},
    db::schema::AuditEvents,
    Error, Result, Services,
};

/// Reading the audit log: `services.audit_log()`.
#[derive(Clone, Copy)]
pub struct AuditLog<'a>(pub(crate) &'a Services);

impl Deref for AuditLog<'_> {
    type Target = Services;
    fn deref(&self) -> &Services {
        self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
    Failed,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// One audit record before it is written.
pub struct Event<'a> {
    pub user_id: Option<i64>,
    pub username: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub scope: Option<Scope>,
    pub outcome: Outcome,
    pub details: String,
    pub request: &'a RequestMeta,
}

impl<'a> Event<'a> {
    /// An event by a signed-in principal.
    pub fn by(
        who: &'a Principal,
        action: &'a str,
        target: &'a str,
        scope: Option<Scope>,
        outcome: Outcome,
    ) -> Self {
        Event {
            user_id: Some(who.user_id),
            username: &who.username,
            action,
            target,
            scope,
            outcome,
            details: String::new(),
            request: &who.request,
        }
    }
}

fn scope_columns(scope: Option<Scope>) -> (Option<&'static str>, Option<i64>) {
    scope.map_or((None, None), |s| {
        let (kind, id) = s.columns();
        (Some(kind), id)
    })
}

const TARGET_MAX: usize = 200;
const DETAILS_MAX: usize = 500;

/// What an error is called in an audit record (kind only, no detail).
fn failure(e: &Error) -> String {
    match e {
        Error::Validation(fields) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            format!("invalid: {}", names.join(", "))
        }
        Error::Conflict { code, .. } => format!("conflict: {code:?}"),
        Error::NotFound => "not found".into(),
        Error::Forbidden => "forbidden".into(),
        Error::Unauthenticated => "unauthenticated".into(),
        Error::Locked { .. } => "locked".into(),
        Error::AddressRefused => "address refused".into(),
        Error::Unavailable(_) | Error::ClusterUnavailable(_) | Error::Retry => "unavailable".into(),
        Error::Internal(_) => "internal error".into(),
    }
}

impl Services {
    /// Writes one record. A failure to write is logged loudly; the
    /// operation it describes has already happened.
    pub(crate) async fn audit(&self, e: Event<'_>) {
        let (scope_kind, scope_id) = scope_columns(e.scope);
        // Targets and details often hold what a caller typed: bounded and
        // printable, whatever reached this far.
        let target = berth_api::validate::prefix(e.target, TARGET_MAX);
        let details = berth_api::validate::prefix(&e.details, DETAILS_MAX);
        let q = crate::db::insert_row(
            AuditEvents::Table,
            [
                AuditEvents::At,
                AuditEvents::UserId,
                AuditEvents::Username,
                AuditEvents::Source,
                AuditEvents::Action,
                AuditEvents::Target,
                AuditEvents::ScopeKind,
                AuditEvents::ScopeId,
                AuditEvents::Outcome,
                AuditEvents::RequestId,
                AuditEvents::Details,
            ],
            [
                Utc::now().into(),
                e.user_id.into(),
                e.username.into(),
                e.request.source.clone().into(),
                e.action.into(),
                target.into(),
                scope_kind.into(),
                scope_id.into(),
                e.outcome.key().into(),
                e.request.request_id.clone().into(),
                details.into(),
            ],
        );
        if let Err(err) = self.db().execute(&q).await {
            tracing::error!(error = %err, action = e.action, "audit record could not be written");
        }
    }

    /// Runs a change allowed by `proof`, handing it the proof (each write
    /// checks it: [`Authorized::expect`]), and records how it went.
    pub(crate) async fn audited<T>(
        &self,
        who: &Principal,
        proof: Authorized,
        target: &str,
        change: impl AsyncFnOnce(&Authorized) -> Result<T>,
    ) -> Result<T> {
        let action = proof.permission().key();
        self.audited_as(who, proof, action, target, change).await
    }

    /// [`Services::audited`], recorded as `action` where one permission
    /// allows several operations (drain, enter and leave maintenance).
    pub(crate) async fn audited_as<T>(
        &self,
        who: &Principal,
        proof: Authorized,
        action: &str,
        target: &str,
        change: impl AsyncFnOnce(&Authorized) -> Result<T>,
    ) -> Result<T> {
        let result = change(&proof).await;
        let mut event = Event::by(who, action, target, Some(proof.scope()), Outcome::Allowed);
        if let Err(e) = &result {
            event.outcome = Outcome::Failed;
            event.details = failure(e);
        }
        self.audit(event).await;
        result
    }
}
