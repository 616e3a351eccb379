//! Reading the audit log: filtered, paged, and scoped to what the caller
//! may see. Operators see everything; a tenant sees the records of its
//! own scopes (a domain admin: its domain and the VDCs in it; a VDC role:
//! that VDC). Records without a scope (sign-ins, sessions) are platform
//! records. Writing lives in `crate::audit`; nothing updates or deletes.

use berth_api::{AuditEntry, AuditQuery, ErrorCode, FieldError, ListQuery, Page};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_query::{Condition, Expr, Func, Order, Query, SelectStatement};

use super::AuditLog;
use crate::db::query;
use crate::{
    auth::{Permission, Principal, Scope, Visibility},
    db::schema::AuditEvents,
    Error, Result,
};

/// The most rows one CSV export holds.
pub const EXPORT_LIMIT: u64 = 10_000;

const OUTCOMES: [&str; 3] = ["allowed", "denied", "failed"];

fn columns() -> [AuditEvents; 11] {
    [
        AuditEvents::Id,
        AuditEvents::At,
        AuditEvents::Username,
        AuditEvents::Source,
        AuditEvents::Action,
        AuditEvents::Target,
        AuditEvents::ScopeKind,
        AuditEvents::ScopeId,
        AuditEvents::Outcome,
        AuditEvents::RequestId,
        AuditEvents::Details,
    ]
}

/// A date (the whole day, so `to` includes it) or an RFC 3339 time.
fn parse_time(
    field: &str,
    value: &str,
    end_of_day: bool,
    out: &mut Vec<FieldError>,
) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let parsed = if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let start = d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        if end_of_day {
            start.and_then(|t| t.checked_add_signed(Duration::days(1)))
        } else {
            start
        }
    } else {
        DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    };
    // Audit records are stamped by this server: years outside 1970-9999
    // are typing errors, and would not compare alike on every database.
    let sane = |t: &DateTime<Utc>| (1970..=9999).contains(&t.year());
    match parsed {
        Some(t) if sane(&t) => Some(t),
        Some(_) => {
            out.push(FieldError {
                field: field.into(),
                code: ErrorCode::OutOfRange,
                message: format!("{field} must be between 1970 and 9999"),
                detail: None,
            });
            None
        }
        None => {
            out.push(FieldError {
                field: field.into(),
                code: ErrorCode::Invalid,
                message: format!("{field} must be a date (2026-11-23) or an RFC 3339 time"),
                detail: None,
            });
            None
        }
    }
}

/// The filter's conditions, or field errors naming what is wrong.
fn filter(q: &AuditQuery) -> Result<Condition> {
    let mut fields = vec![];
    let outcome = q.outcome.trim();
    if !outcome.is_empty() && !OUTCOMES.contains(&outcome) {
        fields.push(FieldError {
            field: "outcome".into(),
            code: ErrorCode::Invalid,
            message: "outcome must be allowed, denied or failed".into(),
            detail: None,
        });
    }
    let from = parse_time("from", &q.from, false, &mut fields);
    let to = parse_time("to", &q.to, true, &mut fields);
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            fields.push(FieldError {
                field: "to".into(),
                code: ErrorCode::OutOfRange,
                message: "to must not be before from".into(),
                detail: None,
            });
        }
    }
    Error::check(fields)?;
    let mut all = Condition::all();
    if let Some(c) = query::search("user", &[AuditEvents::Username], &q.user)? {
        all = all.add(c);
    }
    if let Some(c) = query::search("action", &[AuditEvents::Action], &q.action)? {
        all = all.add(c);
    }
    if !outcome.is_empty() {
        all = all.add(Expr::col(AuditEvents::Outcome).eq(outcome));
    }
    if let Some(f) = from {
        all = all.add(Expr::col(AuditEvents::At).gte(f));
    }
    if let Some(t) = to {
        all = all.add(Expr::col(AuditEvents::At).lt(t));
    }
    Ok(all)
}

/// The tenant filter for audit records: their own scope columns.
fn tenant(v: &Visibility) -> Option<Condition> {
    query::scope_filter(v, AuditEvents::ScopeKind, AuditEvents::ScopeId)
}

impl AuditLog<'_> {
    async fn audit_select(
        &self,
        who: &Principal,
        permission: Permission,
        q: &AuditQuery,
    ) -> Result<(SelectStatement, SelectStatement)> {
        let visible = self.visible(who, permission, "audit").await?;
        let conditions = filter(q)?;
        let mut select = Query::select()
            .columns(columns())
            .from(AuditEvents::Table)
            .order_by(AuditEvents::Id, Order::Desc)
            .to_owned();
        let mut count = Query::select()
            .expr(Func::count(Expr::col(AuditEvents::Id)))
            .from(AuditEvents::Table)
            .to_owned();
        for c in [Some(conditions), tenant(&visible)].into_iter().flatten() {
            select.cond_where(c.clone());
            count.cond_where(c);
        }
        Ok((select, count))
    }

    /// One page of the records the caller may see, newest first.
    pub async fn list_audit(&self, who: &Principal, q: &AuditQuery) -> Result<Page<AuditEntry>> {
        let (select, count) = self.audit_select(who, Permission::AuditRead, q).await?;
        let paging = ListQuery {
            search: String::new(),
            page: q.page,
            per_page: q.per_page,
        };
        Ok(query::page(&self.db, select, count, &paging).await?)
    }

    /// Up to [`EXPORT_LIMIT`] records for a CSV export, newest first, and
    /// how many matched in all. The export itself is audited.
    pub async fn export_audit(
        &self,
        who: &Principal,
        q: &AuditQuery,
    ) -> Result<(Vec<AuditEntry>, i64)> {
        let (mut select, count) = self.audit_select(who, Permission::AuditExport, q).await?;
        // Where the caller holds the permission widest: the scope recorded.
        let scope = who
            .bindings
            .iter()
            .filter(|b| b.permissions.contains(&Permission::AuditExport))
            .map(|b| b.scope)
            .min_by_key(|s| match s {
                Scope::Platform => 0,
                Scope::Domain(_) => 1,
                Scope::Vdc { .. } => 2,
            })
            .unwrap_or(Scope::Platform);
        let proof = self
            .authorize(who, Permission::AuditExport, scope, "audit")
            .await?;
        self.audited(who, proof, "audit", async |proof| {
            proof.expect(Permission::AuditExport, scope);
            select.limit(EXPORT_LIMIT);
            let rows = self.db.fetch_all(&select).await?;
            let total: i64 = self.db.fetch_scalar(&count).await?;
            Ok((rows, total))
        })
        .await
    }
}

/// The records as CSV (RFC 4180, CRLF line ends), with a header line.
pub fn to_csv(rows: &[AuditEntry]) -> String {
    let header = [
        "time",
        "user",
        "source",
        "action",
        "target",
        "scope",
        "outcome",
        "request_id",
        "details",
    ];
    let lines = rows.iter().map(|r| {
        let scope = match (&r.scope_kind, r.scope_id) {
            (Some(k), Some(id)) => format!("{k}/{id}"),
            (Some(k), None) => k.clone(),
            _ => String::new(),
        };
        [
            r.at.0.clone(),
            r.username.clone(),
            r.source.clone().unwrap_or_default(),
            r.action.clone(),
            r.target.clone(),
            scope,
            r.outcome.clone(),
            r.request_id.clone(),
            r.details.clone(),
        ]
    });
    crate::csv::write(&header, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_their_bad_fields() {
        let bad = AuditQuery {
            outcome: "maybe".into(),
            from: "yesterday".into(),
            ..AuditQuery::default()
        };
        match filter(&bad) {
            Err(Error::Validation(f)) => {
                let names: Vec<_> = f.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(names, ["outcome", "from"]);
            }
            other => panic!("{other:?}"),
        }
        let backwards = AuditQuery {
            from: "2026-11-23".into(),
            to: "2026-11-01".into(),
            ..AuditQuery::default()
        };
        assert!(matches!(filter(&backwards), Err(Error::Validation(_))));
        let same_day = AuditQuery {
            from: "2026-11-23".into(),
            to: "2026-11-23".into(),
            ..AuditQuery::default()
        };
        assert!(filter(&same_day).is_ok(), "to includes its whole day");
    }
}
