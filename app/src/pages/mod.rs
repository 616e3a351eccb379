//! One module per page.

pub mod account;
pub mod account_2fa;
pub mod audit;
pub mod cluster_overview;
pub mod clusters;
pub mod domains;
pub mod login;
pub mod login_2fa;
pub mod nodes;
pub mod not_found;
pub mod overview;
pub mod roles;
pub mod security;
pub mod sessions;
pub mod users;
pub mod vdcs;
