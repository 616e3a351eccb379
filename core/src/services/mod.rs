//! Domain services: one method per operation. Each takes the caller's
//! [`Principal`](crate::auth::Principal), authorizes, validates, and then
//! touches the database or a cluster.

mod accounts;
mod clusters;
mod domains;
mod grants;
mod ip_rules;
mod lockout;
mod passwords;
mod query;
mod roles;
mod sessions;
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
    ip_rules: Arc<ip_rules::RuleCache>,
}

impl Services {
    pub fn new(db: Db, password_params: PasswordParams) -> Result<Self, String> {
        Ok(Self {
            db,
            passwords: Arc::new(Passwords::new(password_params)?),
            ip_rules: Arc::default(),
        })
    }

    pub fn db(&self) -> &Db {
        &self.db
    }
}
