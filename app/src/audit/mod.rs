//! The audit log.

pub mod api;
pub mod i18n;
pub mod page;
