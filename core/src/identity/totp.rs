//! Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps,
//! six digits), as authenticator apps compute them, and the `otpauth://`
//! address their QR codes carry.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECS: i64 = 30;
pub const DIGITS: u32 = 6;

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(bytes: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(bytes)
}

pub fn from_base32(s: &str) -> Option<Vec<u8>> {
    let clean: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    data_encoding::BASE32_NOPAD
        .decode(clean.trim_end_matches('=').as_bytes())
        .ok()
}

/// A new random 160-bit secret.
pub fn new_secret() -> Vec<u8> {
    use rand::RngCore;
    let mut bytes = vec![0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes
}

/// The time step a Unix time falls in.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code for one time step (HOTP of the step counter, RFC 4226).
pub fn code(secret: &[u8], step: i64) -> u32 {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&step.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    let offset = usize::from(hash[19] & 0x0f);
    let binary = (u32::from(hash[offset]) & 0x7f) << 24
        | u32::from(hash[offset + 1]) << 16
        | u32::from(hash[offset + 2]) << 8
        | u32::from(hash[offset + 3]);
    binary % 10u32.pow(DIGITS)
}

/// The step whose code `typed` is, within one step either side of `now`
/// (clock drift), if any. Callers refuse a step at or before the last one
/// used, so a code works once.
pub fn matching_step(secret: &[u8], typed: &str, unix_now: i64) -> Option<i64> {
    let typed = typed.trim().replace(' ', "");
    if typed.len() != DIGITS as usize || !typed.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let value: u32 = typed.parse().ok()?;
    let now = step_at(unix_now);
    [now - 1, now, now + 1]
        .into_iter()
        .find(|s| code(secret, *s) == value)
}

/// What an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// The address as an SVG QR code.
pub fn qr_svg(uri: &str) -> Option<String> {
    let qr = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        qr.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B (SHA-1 secret), last six digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, expected) in [
            (59, 287_082),
            (1_111_111_109, 81_804),
            (1_111_111_111, 50_471),
            (1_234_567_890, 5_924),
            (2_000_000_000, 279_037),
            (20_000_000_000, 353_130),
        ] {
            assert_eq!(code(secret, step_at(time)), expected, "at {time}");
        }
    }

    #[test]
    fn codes_match_within_one_step_of_drift() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let c = |step: i64| format!("{:06}", code(&secret, step));
        assert_eq!(
            matching_step(&secret, &c(step_at(now)), now),
            Some(step_at(now))
        );
        assert_eq!(
            matching_step(&secret, &c(step_at(now) - 1), now),
            Some(step_at(now) - 1)
        );
        assert_eq!(matching_step(&secret, &c(step_at(now) - 2), now), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn secrets_round_trip_through_base32_and_the_uri_names_them() {
        let secret = new_secret();
        let b32 = base32(&secret);
        assert_eq!(from_base32(&b32.to_lowercase()), Some(secret.clone()));
        let uri = otpauth_uri("Berth", "ann", &secret);
        assert!(uri.starts_with("otpauth://totp/Berth:ann?secret="), "{uri}");
        assert!(uri.contains(&b32));
        assert!(qr_svg(&uri).unwrap().starts_with("<?xml"));
    }
}
