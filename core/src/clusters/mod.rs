//! Clusters: registration and credentials, health, nodes and overviews.
//! Talking to a cluster itself is [`crate::kube`]'s.

mod access;
pub(crate) mod handle;
mod nodes;
pub mod overview;
mod registry;

use std::ops::Deref;

use crate::Services;

/// The clusters area of [`Services`]: `services.clusters()`.
#[derive(Clone, Copy)]
pub struct Clusters<'a>(pub(crate) &'a Services);

impl Deref for Clusters<'_> {
    type Target = Services;
    fn deref(&self) -> &Services {
        self.0
    }
}
