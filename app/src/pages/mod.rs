//! One module per page.

pub mod account;
pub mod audit;
pub mod clusters;
pub mod domains;
pub mod login;
pub mod not_found;
pub mod overview;
pub mod security;
pub mod vdcs;
