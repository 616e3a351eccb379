//! Secrets at rest: AES-256-GCM under a keyring from configuration.
//!
//! A key is written `<id>:<base64 of 32 bytes>`. The current key seals new
//! values; previous keys only open old ones, so a key is rotated by making
//! the new key current, keeping the old one as previous until
//! [`Keyring::needs_resealing`] finds nothing sealed with it (Berth reseals
//! every credential at start-up), then dropping it. A sealed value is the
//! text `v1.<key id>.<nonce>.<ciphertext>` (base64url), bound to what it is
//! for by the associated data, so a value copied into another column does
//! not open.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// Why a sealed value did not open, or a key did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// The key text is not `<id>:<base64 of 32 bytes>`.
    #[error("a secret key is written <id>:<base64 of 32 bytes>: {0}")]
    BadKey(String),
    /// The value names a key that is not configured.
    #[error(
        "the value was sealed with key {0:?}, which is not configured (set it as a previous key)"
    )]
    UnknownKey(String),
    /// The value is damaged, or was sealed for something else.
    #[error("the sealed value is damaged or belongs elsewhere")]
    Damaged,
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn parse(text: &str) -> Result<Key, SecretError> {
        let (id, b64) = text
            .trim()
            .split_once(':')
            .ok_or_else(|| SecretError::BadKey("no ':' between id and key".into()))?;
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(SecretError::BadKey(format!(
                "key id {id:?} must be letters, digits, - or _"
            )));
        }
        let bytes = STANDARD
            .decode(b64.trim())
            .map_err(|e| SecretError::BadKey(format!("key {id}: {e}")))?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey(format!(
                "key {id} has {} bytes, not 32",
                bytes.len()
            )));
        }
        let cipher =
            Aes256Gcm::new_from_slice(&bytes).map_err(|e| SecretError::BadKey(e.to_string()))?;
        Ok(Key {
            id: id.to_string(),
            cipher,
        })
    }
}

/// The current key and the previous ones.
pub struct Keyring {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let previous: Vec<&str> = self.previous.iter().map(|k| k.id.as_str()).collect();
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field("previous", &previous)
            .finish()
    }
}

impl Keyring {
    /// A keyring from the current key and any previous ones (same form).
    pub fn new(current: &str, previous: &[String]) -> Result<Keyring, SecretError> {
        Ok(Keyring {
            current: Key::parse(current)?,
            previous: previous
                .iter()
                .filter(|p| !p.trim().is_empty())
                .map(|p| Key::parse(p))
                .collect::<Result<_, _>>()?,
        })
    }

    /// A new random key with this id, in the configuration form.
    pub fn generate_key(id: &str) -> String {
        let key = Aes256Gcm::generate_key(OsRng);
        format!("{id}:{}", STANDARD.encode(key))
    }

    /// The id of the current key.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plain` for the purpose named by `context`.
    pub fn seal(&self, plain: &[u8], context: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_default();
        format!(
            "v1.{}.{}.{}",
            self.current.id,
            URL_SAFE_NO_PAD.encode(nonce),
            URL_SAFE_NO_PAD.encode(sealed)
        )
    }

    /// Opens a value sealed for `context` with any configured key.
    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SecretError> {
        let mut parts = sealed.split('.');
        let (Some("v1"), Some(id), Some(nonce), Some(body), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(SecretError::Damaged);
        };
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
            .ok_or_else(|| SecretError::UnknownKey(id.to_string()))?;
        let nonce = URL_SAFE_NO_PAD
            .decode(nonce)
            .map_err(|_| SecretError::Damaged)?;
        if nonce.len() != 12 {
            return Err(SecretError::Damaged);
        }
        let body = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SecretError::Damaged)?;
        key.cipher
            .decrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &body,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Damaged)
    }

    /// Whether a sealed value should be sealed again under the current key.
    pub fn needs_resealing(&self, sealed: &str) -> bool {
        sealed.split('.').nth(1) != Some(self.current.id.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_opens_and_rotates() {
        let a = Keyring::generate_key("a");
        let b = Keyring::generate_key("b");
        let old = Keyring::new(&a, &[]).unwrap();
        let sealed = old.seal(b"token-123", "cluster");
        assert!(sealed.starts_with("v1.a."));
        assert!(!sealed.contains("token-123"));
        assert_eq!(old.open(&sealed, "cluster").unwrap(), b"token-123");
        assert_eq!(
            old.open(&sealed, "other"),
            Err(SecretError::Damaged),
            "bound to its context"
        );
        // Rotation: b is current, a still opens old values until resealed.
        let rotated = Keyring::new(&b, std::slice::from_ref(&a)).unwrap();
        assert!(rotated.needs_resealing(&sealed));
        let resealed = rotated.seal(&rotated.open(&sealed, "cluster").unwrap(), "cluster");
        assert!(!rotated.needs_resealing(&resealed));
        let only_b = Keyring::new(&b, &[]).unwrap();
        assert_eq!(only_b.open(&resealed, "cluster").unwrap(), b"token-123");
        assert_eq!(
            only_b.open(&sealed, "cluster"),
            Err(SecretError::UnknownKey("a".into()))
        );
        let mut tampered = resealed.clone();
        tampered.pop();
        tampered.push(if resealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(only_b.open(&tampered, "cluster"), Err(SecretError::Damaged));
        assert!(matches!(
            Keyring::new("nokey", &[]),
            Err(SecretError::BadKey(_))
        ));
        assert!(matches!(
            Keyring::new("x:AAAA", &[]),
            Err(SecretError::BadKey(_))
        ));
    }
}
