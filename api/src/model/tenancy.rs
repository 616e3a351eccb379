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

/// Whose quota: a domain's (given from the cluster's capacity), a VDC's
/// (from its domain's) or an app space's (from its VDC's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum QuotaOwner {
    Domain(i64),
    Vdc(i64),
    AppSpace(i64),
}

/// One resource's figures for one owner on one cluster, in the resource's
/// base units (millicores, bytes, objects).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaLine {
    pub resource: crate::QuotaResource,
    /// This owner's quota; 0 when none is set.
    pub limit: i64,
    /// What it has given on to its own (a domain's VDCs, a VDC's app spaces).
    pub allocated: i64,
    /// The most this owner's quota may be now: what its parent has less
    /// what the parent gave the others. `None`: nothing above bounds it
    /// (a cluster does not count services, claims or storage).
    pub ceiling: Option<i64>,
    /// What is taken (the app spaces' ResourceQuota status: requests of
    /// running pods, objects that exist), summed; `None` where the cluster
    /// could not be read.
    #[serde(default)]
    pub used: Option<i64>,
    /// What running pods actually use now (the metrics API), for cpu and
    /// memory of app spaces; `None` elsewhere or where unknown.
    #[serde(default)]
    pub in_use: Option<i64>,
}

/// What a VDC's app spaces use against their quota, on each cluster where
/// it has app spaces, and what happened in its namespaces lately.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VdcUsage {
    pub clusters: Vec<ClusterUsage>,
    /// The latest events of the VDC's namespaces, newest first.
    pub events: Vec<ClusterEvent>,
}

/// A VDC's usage on one cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterUsage {
    pub cluster_id: i64,
    pub cluster_name: String,
    /// Whether the cluster answered; when not, `used` and `in_use` are `None`.
    pub reachable: bool,
    /// The VDC's quota there, used summed over its app spaces.
    pub lines: Vec<QuotaLine>,
    pub app_spaces: Vec<AppSpaceUsage>,
}

/// One app space's quota and use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSpaceUsage {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub lines: Vec<QuotaLine>,
}

/// An owner's quota on one cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterQuota {
    pub owner: QuotaOwner,
    pub cluster_id: i64,
    pub cluster_name: String,
    pub lines: Vec<QuotaLine>,
}

/// A change to an owner's quota on one cluster: resource key to quantity
/// text (`500m`, `2Gi`, `10`). Keys left out keep their amount; an empty
/// text sets none (zero).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaInput {
    pub cluster_id: i64,
    pub amounts: std::collections::BTreeMap<String, String>,
}

/// An app space: one Kubernetes namespace in one VDC on one cluster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AppSpace {
    pub id: i64,
    pub vdc_id: i64,
    pub vdc_name: String,
    pub domain_id: i64,
    pub domain_name: String,
    pub cluster_id: i64,
    pub cluster_name: String,
    /// The namespace's name.
    pub name: String,
    pub display_name: String,
    pub description: String,
    /// `creating`, `ready`, `failed` (the cluster refused or could not be
    /// reached; Berth tries again), `deleting`, or `missing` (the namespace
    /// was deleted outside Berth).
    pub state: String,
    /// Why it is `failed` or `missing`.
    pub message: String,
    /// An existing namespace taken into a VDC, rather than one Berth made.
    pub adopted: bool,
    pub created_at: Timestamp,
}

/// A new app space, with its share of the VDC's quota on the cluster
/// (resource key to quantity text, as in [`QuotaInput`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSpaceInput {
    pub vdc_id: i64,
    pub cluster_id: i64,
    pub name: String,
    pub display_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub amounts: std::collections::BTreeMap<String, String>,
}

/// A member of a VDC: a user holding at least one role there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<MemberRole>,
}

/// One role a member holds in the VDC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRole {
    pub grant_id: i64,
    pub role_id: i64,
    pub role_name: String,
}

/// A user of the VDC's domain, found by name, given a VDC role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInput {
    pub username: String,
    pub role_id: i64,
}
