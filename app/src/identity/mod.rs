//! Identity and access: signing in, one's own account, users, roles and
//! grants, security policies.

pub mod account;
pub mod account_2fa;
pub mod api;
pub mod i18n;
pub mod login;
pub mod login_2fa;
pub mod roles;
pub mod security;
pub mod sessions;
pub mod users;
