//! Berth's core: the product areas, the one `authorize`, the repositories
//! (sqlx over SQLite, PostgreSQL or MariaDB) and cluster access (kube-rs).
//!
//! One folder per product area (`identity`, `tenancy`, `clusters`), each
//! with its operations, its SQL and its cluster calls; shared layers in
//! `auth` (who may do what), `audit`, `db` and `kube`.
//!
//! Nothing here knows about Leptos or HTTP. Callers (server functions, REST
//! handlers, workers) take a [`Principal`](auth::Principal), call one
//! operation of an area (`services.identity().reset_password(..)`) and
//! convert its [`Error`] at the edge.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod audit;
pub mod auth;
pub mod clusters;
pub mod csv;
pub mod db;
pub mod error;
pub mod identity;
pub mod kube;
mod services;
pub mod tenancy;
#[cfg(feature = "test-support")]
pub mod testing;

pub use error::{Error, Result};
/// Re-exported for [`declare_endpoint!`].
#[doc(hidden)]
pub use inventory;
/// Re-exported so callers wrap secrets in the same type.
pub use secrecy;
pub use services::Services;
