//! Identity and access: accounts, roles and grants, sessions, sign-in
//! (passwords, single sign-on, second factor, lockout, address rules).

mod accounts;
pub(crate) mod grants;
pub mod hashing;
pub(crate) mod ip_rules;
mod lockout;
mod password_policy;
mod principal_cache;
pub(crate) mod roles;
mod sessions;
pub mod sso;
pub mod totp;
mod two_factor;
pub(crate) mod users;

pub use accounts::InitialAdmin;
pub use lockout::LockoutPolicy;
pub use principal_cache::PrincipalCache;

use std::ops::Deref;

use crate::Services;

/// The identity area of [`Services`]: `services.identity()`.
#[derive(Clone, Copy)]
pub struct Identity<'a>(pub(crate) &'a Services);

impl Deref for Identity<'_> {
    type Target = Services;
    fn deref(&self) -> &Services {
        self.0
    }
}
