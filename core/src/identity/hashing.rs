//! Password hashing with argon2id; parameters come from configuration.

use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Algorithm, Argon2, Params, Version,
};
use secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// argon2id cost parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for PasswordParams {
    /// OWASP's recommended minimum for argon2id (19 MiB, 2 passes, 1 lane).
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

/// Hashing and verifying cost tens of milliseconds of CPU on purpose; the
/// async variants run them on tokio's blocking pool so they never stall
/// the request workers.
#[derive(Clone, Debug)]
pub struct Passwords {
    params: Params,
    /// A hash of a random password, verified against when the user is
    /// unknown so both failures cost the same time.
    dummy_hash: String,
}

impl Passwords {
    pub fn new(p: PasswordParams) -> std::result::Result<Self, String> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| e.to_string())?;
        let mut this = Self {
            params,
            dummy_hash: String::new(),
        };
        let random: String = {
            use rand::{distributions::Alphanumeric, Rng};
            rand::thread_rng()
                .sample_iter(&Alphanumeric)
                .take(24)
                .map(char::from)
                .collect()
        };
        this.dummy_hash = this
            .hash(&SecretString::from(random))
            .map_err(|e| e.to_string())?;
        Ok(this)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Stored instead of a hash for an account that has no password (it
    /// signs in through single sign-on only): nothing verifies against it.
    pub const NO_PASSWORD: &'static str = "!";

    pub fn hash(&self, password: &SecretString) -> Result<String> {
        self.argon2()
            .hash_password(password.expose_secret().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    }

    /// Verifies `password` against a stored PHC string, or against a dummy
    /// hash when there is none, so that timing does not reveal which.
    pub fn verify(&self, password: &SecretString, stored: Option<&str>) -> bool {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (self.dummy_hash.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(hash) else {
            // No usable hash (an account without a password): the same
            // work as a real check, so timing does not tell.
            if let Ok(dummy) = PasswordHash::new(&self.dummy_hash) {
                let _ = self
                    .argon2()
                    .verify_password(password.expose_secret().as_bytes(), &dummy);
            }
            return false;
        };
        let ok = self
            .argon2()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        ok && real
    }
}

impl Passwords {
    pub async fn hash_async(
        self: &std::sync::Arc<Self>,
        password: &SecretString,
    ) -> Result<String> {
        let (this, password) = (self.clone(), password.clone());
        tokio::task::spawn_blocking(move || this.hash(&password))
            .await
            .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
    }

    pub async fn verify_async(
        self: &std::sync::Arc<Self>,
        password: &SecretString,
        stored: Option<String>,
    ) -> bool {
        let (this, password) = (self.clone(), password.clone());
        tokio::task::spawn_blocking(move || this.verify(&password, stored.as_deref()))
            .await
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Passwords {
        Passwords::new(PasswordParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let p = fast();
        let h = p.hash(&"correct horse".to_string().into()).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{h}");
        assert!(p.verify(&"correct horse".to_string().into(), Some(&h)));
        assert!(!p.verify(&"wrong".to_string().into(), Some(&h)));
    }

    #[test]
    fn unknown_user_never_verifies() {
        let p = fast();
        assert!(!p.verify(&"anything".to_string().into(), None));
    }
}
