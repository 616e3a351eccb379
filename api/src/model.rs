//! Data transfer objects: what lists and forms show and send.

use serde::{Deserialize, Serialize};

pub use crate::time::Timestamp;

/// One page of a list, with the total the filter matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// Paging and free-text search for any list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub search: String,
    /// 1-based.
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub per_page: u32,
}

impl ListQuery {
    pub const DEFAULT_PER_PAGE: u32 = 20;
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn page(&self) -> u32 {
        self.page.max(1)
    }

    pub fn per_page(&self) -> u32 {
        match self.per_page {
            0 => Self::DEFAULT_PER_PAGE,
            n => n.min(Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page() - 1) * u64::from(self.per_page())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Permission keys held at any scope: what the navigation and the
    /// pages offer. The server still decides each call at its scope.
    #[serde(default)]
    pub permissions: Vec<String>,
}

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

/// A registered cluster as the Clusters page shows it. Health is what the
/// last poll found (`unknown` until the first).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ClusterSummary {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub api_url: String,
    /// `none`, `token` or `client_certificate`.
    pub auth_kind: String,
    /// Server certificate checks are off (asked for explicitly).
    pub insecure: bool,
    /// The embedded simulated cluster, managed by Berth itself.
    pub embedded: bool,
    /// `unknown`, `healthy`, `unreachable`, `bad_certificate`, `unauthorized`, `forbidden` or `error`.
    pub health: String,
    pub health_message: String,
    pub version: String,
    pub node_count: Option<i64>,
    pub checked_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

/// How a cluster is registered from the form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterMethod {
    /// A kubeconfig and one of its contexts.
    #[default]
    Kubeconfig,
    /// API URL and a bearer token.
    Token,
    /// API URL and a client certificate with its key.
    Certificate,
}

/// What the cluster form sends. When editing, secret fields (token, client
/// key) left blank keep the stored value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub method: ClusterMethod,
    #[serde(default)]
    pub kubeconfig: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub api_url: String,
    #[serde(default)]
    pub token: String,
    #[serde(default)]
    pub client_cert: String,
    #[serde(default)]
    pub client_key: String,
    /// The CA of the API server's certificate (PEM); empty: the system's roots.
    #[serde(default)]
    pub ca_cert: String,
    /// Skip checking the server's certificate.
    #[serde(default)]
    pub insecure: bool,
}

/// The contexts of an uploaded kubeconfig.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KubeconfigContexts {
    pub contexts: Vec<String>,
    pub current: Option<String>,
}

/// Counts for the overview page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub domains: i64,
    pub vdcs: i64,
    pub clusters: i64,
}

/// A role: a locked built-in one per role type, or a custom one holding a
/// subset of its type's permissions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub id: i64,
    pub name: String,
    /// A [`RoleType`](crate::permission::RoleType) key.
    pub role_type: String,
    pub builtin: bool,
    /// Permission keys, in catalogue order.
    pub permissions: Vec<String>,
    pub binding_count: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleInput {
    pub name: String,
    /// A role type key; fixed once the role exists.
    pub role_type: String,
    pub permissions: Vec<String>,
}

/// Grant `role_id` to `user_id` at a scope: `platform`, `domain` (with the
/// domain's id) or `vdc` (with the VDC's id).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantInput {
    pub user_id: i64,
    pub role_id: i64,
    pub scope_kind: String,
    #[serde(default)]
    pub scope_id: Option<i64>,
}

/// One role held by one user at one scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub role_id: i64,
    pub role_name: String,
    pub scope_kind: String,
    pub scope_id: Option<i64>,
}

/// One signed-in session, as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    /// A public id for revoking it (never the cookie value).
    pub id: String,
    pub source: Option<String>,
    pub agent: Option<String>,
    /// Unix seconds.
    pub signed_in: Option<i64>,
    pub last_seen: Option<i64>,
    pub expires_at: i64,
    /// The session this request came in.
    pub current: bool,
}

/// A user account as the users page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    /// The domain the user belongs to; none for platform staff.
    pub domain_id: Option<i64>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub domain_id: Option<i64>,
    /// The first password; the user must change it at first sign-in.
    pub password: String,
}

/// What an administrator may change of a user: the name shown and how
/// to reach them (the username and home domain are fixed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdate {
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

/// One login IP rule: a network allowed or denied, for the platform
/// (`domain_id` none) or one domain's users. Deny wins; where a scope has
/// allow rules, only their networks may sign in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct IpRule {
    pub id: i64,
    pub domain_id: Option<i64>,
    /// `allow` or `deny`.
    pub action: String,
    /// The network, normalised (`10.0.0.0/8`, `2001:db8::/32`).
    pub cidr: String,
    pub description: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpRuleInput {
    #[serde(default)]
    pub domain_id: Option<i64>,
    /// `allow` or `deny`.
    pub action: String,
    /// A CIDR or a single address, IPv4 or IPv6.
    pub cidr: String,
    #[serde(default)]
    pub description: String,
}

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

/// Who must sign in with a second factor: holders of roles of these
/// types, and users whose home domain is one of these.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorPolicy {
    #[serde(default)]
    pub required_role_types: Vec<crate::permission::RoleType>,
    #[serde(default)]
    pub required_domains: Vec<i64>,
}

/// The caller's own two-factor sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoFactorStatus {
    pub enabled: bool,
    /// The operators' policy asks this user for it.
    pub required: bool,
}

/// What setting up an authenticator app needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpEnrollment {
    /// Base32, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub uri: String,
    /// The QR code as a `data:` image.
    pub qr_image: String,
}

/// A sign-in name locked after too many failures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLock {
    pub username: String,
    pub retry_after_secs: i64,
}

/// A node taint (`key=value:effect`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taint {
    pub key: String,
    #[serde(default)]
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// A node as the Nodes list shows it (read from the cluster's watch cache).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeSummary {
    pub name: String,
    pub ready: bool,
    /// False when cordoned (`spec.unschedulable`).
    pub schedulable: bool,
    /// Cordoned and tainted by Berth's maintenance mode.
    pub maintenance: bool,
    pub roles: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub taints: Vec<Taint>,
    pub cpu: String,
    pub memory: String,
    pub pods_capacity: i64,
    pub pods: i64,
    pub kubelet_version: String,
    pub internal_ip: String,
}

/// One condition a kubelet reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCondition {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// A pod running on a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePod {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    /// Owned by a DaemonSet: a drain leaves it.
    pub daemon: bool,
}

/// Everything the node page shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeDetail {
    pub node: NodeSummary,
    pub conditions: Vec<NodeCondition>,
    pub pods: Vec<NodePod>,
}

/// What a drain did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrainReport {
    pub evicted: Vec<String>,
    /// DaemonSet pods, which a drain leaves where they are.
    pub skipped: Vec<String>,
    /// Pods whose eviction was refused, with why.
    pub failed: Vec<(String, String)>,
}

/// One resource of a cluster's nodes, summed: what they have, what they
/// offer to pods after reservations, and what scheduled pods request.
/// Values are in base units: cores, bytes, GPUs or pods.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceUse {
    /// `cpu`, `memory`, `nvidia.com/gpu` or `pods`.
    pub resource: String,
    pub capacity: f64,
    pub allocatable: f64,
    pub requested: f64,
}

impl ResourceUse {
    /// Requested as a share of allocatable, in percent (0 when nothing is allocatable).
    pub fn requested_percent(&self) -> f64 {
        if self.allocatable > 0.0 {
            self.requested / self.allocatable * 100.0
        } else {
            0.0
        }
    }
}

/// A namespace of a cluster, with how many pods it runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceSummary {
    pub name: String,
    /// `Active` or `Terminating`.
    pub phase: String,
    /// Pods that have not finished.
    pub pods: i64,
    pub created_at: Option<Timestamp>,
}

/// A Kubernetes event, as the overview lists warnings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterEvent {
    pub namespace: String,
    /// `Kind/name` of the object the event is about.
    pub object: String,
    pub reason: String,
    pub message: String,
    pub count: i64,
    pub last_seen: Option<Timestamp>,
}

/// Everything a cluster's overview page shows, read at one moment.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterOverview {
    pub cluster: Option<ClusterSummary>,
    /// The API server's `gitVersion`, read now.
    pub version: String,
    pub platform: String,
    pub nodes_ready: i64,
    /// Names of the nodes that are not Ready.
    pub nodes_not_ready: Vec<String>,
    /// cpu, memory, nvidia.com/gpu and pods, in that order.
    pub resources: Vec<ResourceUse>,
    pub namespaces: Vec<NamespaceSummary>,
    /// The most recent Warning events, newest first.
    pub warnings: Vec<ClusterEvent>,
    /// Warning events in all (the list above is capped).
    pub warning_total: i64,
}

/// A change to one node from the Nodes page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum NodeChange {
    Cordon,
    Uncordon,
    /// Cordon, then evict every pod but DaemonSet pods.
    Drain,
    /// Cordon and taint `berth.io/maintenance=true:NoSchedule`.
    EnterMaintenance,
    LeaveMaintenance,
    /// Replace the labels.
    SetLabels {
        labels: Vec<(String, String)>,
    },
    /// Replace the taints.
    SetTaints {
        taints: Vec<Taint>,
    },
}

/// A pod as pod lists show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodSummary {
    pub namespace: String,
    pub name: String,
    pub phase: String,
    /// Ready containers of all, e.g. `1/2`.
    pub ready: String,
    pub restarts: i64,
    pub node: String,
    pub ip: String,
    pub created_at: String,
}
