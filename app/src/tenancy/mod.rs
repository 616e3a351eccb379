//! Tenancy: the overview, domains and VDCs.

pub mod api;
pub mod domains;
pub mod i18n;
pub mod overview;
pub mod vdcs;
