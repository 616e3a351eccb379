//! Identity and access: users, roles and grants, sessions, sign-in policies.

use serde::{Deserialize, Serialize};

#[allow(unused_imports)]
use super::*;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Permission keys held at any scope: what the navigation and the
    /// pages offer. The server still decides each call at its scope.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// An operator's reset or the policy's maximum age asks for a new
    /// password before anything else.
    #[serde(default)]
    pub must_change_password: bool,
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
