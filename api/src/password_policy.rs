//! The password policy operators set, and the one check of a new password
//! against it. The browser runs the same check to tick off the rules while
//! a password is typed; the server runs it on every path that sets one.

use serde::{Deserialize, Serialize};

use crate::{ErrorCode, FieldError};

/// Rules every new password must meet. Reuse of recent passwords is checked
/// by the server alone (it needs the stored hashes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// At least this many characters (8 to 128).
    pub min_length: u32,
    pub require_upper: bool,
    pub require_lower: bool,
    pub require_digit: bool,
    /// Anything that is not a letter or a digit.
    pub require_symbol: bool,
    /// The username may not appear in the password (ignoring case).
    pub forbid_username: bool,
    /// A new password may not equal any of the user's last this many (0 to 24).
    pub history: u32,
    /// Days after which a password must be changed at sign-in; 0: never (0 to 3650).
    pub max_age_days: u32,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            require_upper: false,
            require_lower: false,
            require_digit: false,
            require_symbol: false,
            forbid_username: true,
            history: 0,
            max_age_days: 0,
        }
    }
}

/// One rule a password failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordRule {
    TooShort,
    NoUpper,
    NoLower,
    NoDigit,
    NoSymbol,
    ContainsUsername,
}

impl PasswordPolicy {
    pub const MAX_LENGTH_BYTES: usize = 1024;
    pub const MAX_HISTORY: u32 = 24;

    /// The rules `password` breaks; empty when it meets the policy.
    pub fn broken_rules(&self, username: &str, password: &str) -> Vec<PasswordRule> {
        let mut out = vec![];
        if (password.chars().count() as u64) < u64::from(self.min_length) {
            out.push(PasswordRule::TooShort);
        }
        let has = |f: fn(char) -> bool| password.chars().any(f);
        if self.require_upper && !has(char::is_uppercase) {
            out.push(PasswordRule::NoUpper);
        }
        if self.require_lower && !has(char::is_lowercase) {
            out.push(PasswordRule::NoLower);
        }
        if self.require_digit && !has(|c| c.is_ascii_digit()) {
            out.push(PasswordRule::NoDigit);
        }
        if self.require_symbol && !has(|c| !c.is_alphanumeric()) {
            out.push(PasswordRule::NoSymbol);
        }
        let name = username.trim().to_lowercase();
        if self.forbid_username && !name.is_empty() && password.to_lowercase().contains(&name) {
            out.push(PasswordRule::ContainsUsername);
        }
        out
    }

    /// Field errors for `password`, each naming the rule it breaks.
    pub fn check(&self, field: &str, username: &str, password: &str, out: &mut Vec<FieldError>) {
        if password.len() > Self::MAX_LENGTH_BYTES {
            out.push(FieldError {
                field: field.into(),
                code: ErrorCode::TooLong,
                message: format!("{field} must be at most {} bytes", Self::MAX_LENGTH_BYTES),
                detail: None,
            });
            return;
        }
        if password.chars().any(char::is_control) {
            out.push(FieldError {
                field: field.into(),
                code: ErrorCode::Invalid,
                message: format!("{field} must not contain control characters"),
                detail: None,
            });
            return;
        }
        for rule in self.broken_rules(username, password) {
            let (code, message) = match rule {
                PasswordRule::TooShort => (
                    ErrorCode::PasswordTooShort,
                    format!("{field} must be at least {} characters", self.min_length),
                ),
                PasswordRule::NoUpper => (
                    ErrorCode::PasswordNoUpper,
                    format!("{field} must contain an upper-case letter"),
                ),
                PasswordRule::NoLower => (
                    ErrorCode::PasswordNoLower,
                    format!("{field} must contain a lower-case letter"),
                ),
                PasswordRule::NoDigit => (
                    ErrorCode::PasswordNoDigit,
                    format!("{field} must contain a digit"),
                ),
                PasswordRule::NoSymbol => (
                    ErrorCode::PasswordNoSymbol,
                    format!("{field} must contain a symbol (not a letter or digit)"),
                ),
                PasswordRule::ContainsUsername => (
                    ErrorCode::PasswordContainsUsername,
                    format!("{field} must not contain the username"),
                ),
            };
            out.push(FieldError {
                field: field.into(),
                code,
                message,
                detail: None,
            });
        }
    }

    /// Checks the policy's own numbers (what operators type in).
    pub fn validate(&self, out: &mut Vec<FieldError>) {
        let mut range = |field: &str, value: u32, min: u32, max: u32| {
            if value < min || value > max {
                out.push(FieldError {
                    field: field.into(),
                    code: ErrorCode::OutOfRange,
                    message: format!("{field} must be between {min} and {max}"),
                    detail: None,
                });
            }
        };
        range("min_length", self.min_length, 8, 128);
        range("history", self.history, 0, Self::MAX_HISTORY);
        range("max_age_days", self.max_age_days, 0, 3650);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strict() -> PasswordPolicy {
        PasswordPolicy {
            min_length: 12,
            require_upper: true,
            require_lower: true,
            require_digit: true,
            require_symbol: true,
            forbid_username: true,
            history: 3,
            max_age_days: 90,
        }
    }

    #[test]
    fn each_rule_is_named_when_broken() {
        let p = strict();
        assert_eq!(
            p.broken_rules("alice", "short"),
            vec![
                PasswordRule::TooShort,
                PasswordRule::NoUpper,
                PasswordRule::NoDigit,
                PasswordRule::NoSymbol
            ]
        );
        assert_eq!(
            p.broken_rules("alice", "ALLUPPERCASE12!"),
            vec![PasswordRule::NoLower]
        );
        assert_eq!(
            p.broken_rules("alice", "My-Alice-Pass-1"),
            vec![PasswordRule::ContainsUsername]
        );
        assert!(p.broken_rules("alice", "Correct-Horse-7").is_empty());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = PasswordPolicy {
            min_length: 8,
            ..PasswordPolicy::default()
        };
        assert!(p.broken_rules("u", "密码密码密码密码").is_empty());
        assert_eq!(
            p.broken_rules("u", "密码密码密码密"),
            vec![PasswordRule::TooShort]
        );
    }

    #[test]
    fn messages_name_the_rule_and_its_number() {
        let mut out = vec![];
        strict().check("password", "bob", "bob", &mut out);
        let codes: Vec<_> = out.iter().map(|e| e.code).collect();
        assert!(codes.contains(&ErrorCode::PasswordTooShort));
        assert!(codes.contains(&ErrorCode::PasswordContainsUsername));
        assert!(out
            .iter()
            .any(|e| e.message == "password must be at least 12 characters"));
    }

    #[test]
    fn policy_numbers_are_range_checked() {
        let mut out = vec![];
        PasswordPolicy {
            min_length: 4,
            history: 25,
            max_age_days: 4000,
            ..strict()
        }
        .validate(&mut out);
        let fields: Vec<_> = out.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["min_length", "history", "max_age_days"]);
        let mut out = vec![];
        strict().validate(&mut out);
        assert!(out.is_empty());
    }
}
