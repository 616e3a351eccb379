//! Berth's core: the domain services, the one `authorize`, the repositories
//! (sqlx over SQLite, PostgreSQL or MariaDB) and cluster access (kube-rs).
//!
//! Nothing here knows about Leptos or HTTP. Callers (server functions, REST
//! handlers, workers) take a [`Principal`](auth::Principal), call one
//! [`Services`] method and convert its [`Error`] at the edge.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod audit;
pub mod auth;
pub mod cluster;
pub mod cluster_cache;
pub mod cluster_pods;
pub mod db;
pub mod error;
pub mod leader;
pub mod password;
pub mod secrets;
pub mod services;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod totp;

pub use error::{Error, Result};
/// Re-exported so callers wrap secrets in the same type.
pub use secrecy;
pub use services::Services;
