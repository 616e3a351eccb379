//! Clusters: the registry, each cluster's overview, nodes.

pub mod api;
pub mod i18n;
pub mod list;
pub mod nodes;
pub mod overview;
