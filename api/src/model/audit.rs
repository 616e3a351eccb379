//! The audit log.

use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use super::*;

/// Filters and paging for the audit log. Empty strings filter nothing;
/// `from` and `to` are dates (`2026-11-23`, `to` inclusive) or RFC 3339
/// times.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Part of the username.
    #[serde(default)]
    pub user: String,
    /// Part of the action (`auth.login`, `domain.`...).
    #[serde(default)]
    pub action: String,
    /// `allowed`, `denied` or `failed`.
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub per_page: u32,
}

/// One audit record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub username: String,
    pub source: Option<String>,
    pub action: String,
    pub target: String,
    pub scope_kind: Option<String>,
    pub scope_id: Option<i64>,
    pub outcome: String,
    pub request_id: String,
    pub details: String,
}
