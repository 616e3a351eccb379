//! Domain services: one method per operation. Each takes the caller's
//! [`Principal`](crate::auth::Principal), authorizes, validates, and then
//! touches the database or a cluster.

mod accounts;
pub mod audit_log;
mod cache;
mod cluster_overview;
mod clusters;
mod domains;
mod grants;
mod ip_rules;
mod lockout;
mod nodes;
mod passwords;
mod query;
mod roles;
mod sessions;
pub mod sso;
mod two_factor;
mod users;
mod vdcs;

pub use vdcs::VdcFilter;

use std::sync::Arc;

pub use accounts::InitialAdmin;
pub use lockout::LockoutPolicy;

use crate::{
    db::Db,
    password::{PasswordParams, Passwords},
};

#[derive(Clone, Debug)]
pub struct Services {
    db: Db,
    passwords: Arc<Passwords>,
    caches: Arc<Caches>,
    /// Seals cluster credentials and other secrets at rest.
    keyring: Arc<crate::secrets::Keyring>,
    /// Watch caches, per cluster id, started on first use.
    cluster_caches: Arc<
        tokio::sync::Mutex<std::collections::HashMap<i64, Arc<crate::cluster_cache::ClusterCache>>>,
    >,
}

/// Rarely changed tables every request consults.
#[derive(Debug, Default)]
struct Caches {
    settings: cache::Cached<std::collections::HashMap<String, String>>,
    ip_rules: cache::Cached<Vec<ip_rules::Rule>>,
}

impl Services {
    pub fn new(
        db: Db,
        password_params: PasswordParams,
        keyring: crate::secrets::Keyring,
    ) -> Result<Self, String> {
        Ok(Self {
            db,
            passwords: Arc::new(Passwords::new(password_params)?),
            caches: Arc::default(),
            keyring: Arc::new(keyring),
            cluster_caches: Arc::default(),
        })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}
