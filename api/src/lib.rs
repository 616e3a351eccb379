//! Types shared by the browser (WASM) and the server.
//!
//! Everything here compiles for `wasm32-unknown-unknown`: no database, no
//! Kubernetes client, no tokio. The server's core crate returns these types
//! directly, so a page and the service that feeds it agree by construction.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(feature = "server-fn")]
pub mod codec;
pub mod error;
pub mod model;
pub mod password_policy;
pub mod permission;
pub mod quota;
pub mod time;
pub mod validate;

/// Resource quantities, from their own crate (the simulator uses it too).
pub use quantity;

pub use error::{AppError, ClusterProblem, Detail, ErrorCode, FieldError};
pub use model::*;
pub use password_policy::{PasswordPolicy, PasswordRule};
pub use quota::QuotaResource;
