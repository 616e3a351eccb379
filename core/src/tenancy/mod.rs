//! Tenancy: domains, the VDCs (virtual data centers) inside them, and
//! their quotas on each cluster.

mod app_spaces;
mod domains;
pub mod lifecycle;
mod members;
pub mod namespace;
pub(crate) mod quotas;
pub mod reconciler;
pub mod usage;
mod vdcs;

pub use app_spaces::AppSpaceFilter;
pub use vdcs::VdcFilter;

use std::ops::Deref;

use crate::Services;

/// The tenancy area of [`Services`]: `services.tenancy()`.
#[derive(Clone, Copy)]
pub struct Tenancy<'a>(pub(crate) &'a Services);

impl Deref for Tenancy<'_> {
    type Target = Services;
    fn deref(&self) -> &Services {
        self.0
    }
}
