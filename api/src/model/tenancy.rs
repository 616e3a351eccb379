//! Tenancy: domains, VDCs and the overview counts.

use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Domain {
    pub id: i64,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub vdc_count: i64,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainInput {
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Vdc {
    pub id: i64,
    pub domain_id: i64,
    pub domain_name: String,
    pub name: String,
    pub display_name: String,
    pub description: String,
    pub status: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VdcInput {
    pub domain_id: i64,
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
}

/// Counts for the overview page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub domains: i64,
    pub vdcs: i64,
    pub clusters: i64,
}
