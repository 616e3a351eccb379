//! Tenancy: the overview, domains and VDCs, their pages and quotas.

pub mod api;
pub mod app_spaces;
pub mod detail;
pub mod domains;
pub mod i18n;
pub mod members;
pub mod overview;
pub mod quota;
pub mod usage;
pub mod vdcs;
