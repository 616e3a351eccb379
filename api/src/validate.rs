//! Input rules shared by the browser (early feedback) and the server (the
//! authority). Each returns the field errors it finds; none means valid.

use crate::error::{ErrorCode, FieldError};

pub const DISPLAY_NAME_MAX: usize = 64;
pub const DESCRIPTION_MAX: usize = 512;
pub const DNS1123_LABEL_MAX: usize = 63;
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// Search boxes: more than anyone types, far less than a database minds.
pub const SEARCH_MAX: usize = 200;
/// Secrets pasted into forms (tokens, certificates, keys).
pub const SECRET_MAX: usize = 64 * 1024;
/// A whole kubeconfig file.
pub const KUBECONFIG_MAX: usize = 1024 * 1024;
/// How much of an offending value an error message may quote.
pub const QUOTE_MAX: usize = 40;

fn err(field: &str, code: ErrorCode, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code,
        message,
        detail: None,
    }
}

/// A Kubernetes DNS-1123 label: 1-63 chars of `[a-z0-9-]`, starting and
/// ending with an alphanumeric.
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= DNS1123_LABEL_MAX
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

pub fn dns1123_label(field: &str, value: &str, out: &mut Vec<FieldError>) {
    if value.is_empty() {
        out.push(err(
            field,
            ErrorCode::Required,
            format!("{field} is required"),
        ));
    } else if value.len() > DNS1123_LABEL_MAX {
        out.push(err(
            field,
            ErrorCode::TooLong,
            format!("{field} must be at most {DNS1123_LABEL_MAX} characters"),
        ));
    } else if !is_dns1123_label(value) {
        out.push(err(
            field,
            ErrorCode::Dns1123Label,
            format!(
                "{field} must consist of lower case letters, digits or '-', and start and end with a letter or digit"
            ),
        ));
    }
}

pub fn display_name(field: &str, value: &str, out: &mut Vec<FieldError>) {
    if value.trim().is_empty() {
        out.push(err(
            field,
            ErrorCode::Required,
            format!("{field} is required"),
        ));
    } else {
        text(field, value, DISPLAY_NAME_MAX, out);
    }
}

/// One line of text: at most `max` characters, no NUL or other control
/// characters.
pub fn text(field: &str, value: &str, max: usize, out: &mut Vec<FieldError>) {
    let before = out.len();
    max_chars(field, value, max, out);
    if out.len() == before {
        printable(field, value, false, out);
    }
}

/// Refuses NUL and other control characters; `multiline` lets line
/// breaks and tabs through (descriptions, certificates, kubeconfigs).
pub fn printable(field: &str, value: &str, multiline: bool, out: &mut Vec<FieldError>) {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        out.push(err(
            field,
            ErrorCode::Invalid,
            format!("{field} must not contain control characters"),
        ));
    }
}

/// A search box's text.
pub fn search(field: &str, value: &str, out: &mut Vec<FieldError>) {
    text(field, value, SEARCH_MAX, out);
}

/// At most [`QUOTE_MAX`] characters of a value for an error message.
pub fn quote(value: &str) -> String {
    prefix(value, QUOTE_MAX)
}

/// At most `max` characters of `value`, control characters shown as `?`,
/// and `...` where it was cut: how any text a caller sent is repeated
/// back (error messages, audit records).
pub fn prefix(value: &str, max: usize) -> String {
    let mut out: String = value
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if value.chars().nth(max).is_some() {
        out.push_str("...");
    }
    out
}

/// Whether `value` is a DNS-1123 subdomain (see [`dns1123_subdomain`]).
pub fn is_dns1123_subdomain(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= DNS1123_SUBDOMAIN_MAX
        && value.split('.').all(is_dns1123_label)
}

/// A Kubernetes DNS-1123 subdomain (node names and most object names):
/// at most 253 characters, dot-separated DNS-1123 labels. Names that pass
/// are safe in a URL path as they are.
pub fn dns1123_subdomain(field: &str, value: &str, out: &mut Vec<FieldError>) {
    if value.is_empty() {
        out.push(err(
            field,
            ErrorCode::Required,
            format!("{field} is required"),
        ));
    } else if value.len() > DNS1123_SUBDOMAIN_MAX {
        out.push(err(
            field,
            ErrorCode::TooLong,
            format!("{field} must be at most {DNS1123_SUBDOMAIN_MAX} characters"),
        ));
    } else if !is_dns1123_subdomain(value) {
        out.push(err(
            field,
            ErrorCode::Invalid,
            format!(
                "{field} must be lower case letters, digits, '-' and '.', starting and ending with a letter or digit"
            ),
        ));
    }
}

pub fn max_chars(field: &str, value: &str, max: usize, out: &mut Vec<FieldError>) {
    if value.chars().count() > max {
        out.push(err(
            field,
            ErrorCode::TooLong,
            format!("{field} must be at most {max} characters"),
        ));
    }
}

/// The rules every named object (domain, VDC, ...) follows: a DNS-1123
/// `name` (checked only when creating: names never change), a display name
/// and an optional description.
pub fn named_object(
    name: &str,
    display: &str,
    description: &str,
    creating: bool,
) -> Vec<FieldError> {
    let mut out = vec![];
    if creating {
        dns1123_label("name", name, &mut out);
    }
    display_name("display_name", display.trim(), &mut out);
    max_chars("description", description.trim(), DESCRIPTION_MAX, &mut out);
    printable("description", description, true, &mut out);
    out
}

/// A username: 3-64 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn username(field: &str, value: &str, out: &mut Vec<FieldError>) {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c);
    if value.is_empty() {
        out.push(err(
            field,
            ErrorCode::Required,
            format!("{field} is required"),
        ));
    } else if value.chars().count() > 64 {
        out.push(err(
            field,
            ErrorCode::TooLong,
            format!("{field} must be at most 64 characters"),
        ));
    } else if value.len() < 3
        || !value.chars().all(ok_char)
        || !value.starts_with(|c: char| c.is_ascii_alphanumeric())
    {
        out.push(err(
            field,
            ErrorCode::Invalid,
            format!("{field} must be 3-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"),
        ));
    }
}

/// An optional e-mail address: one `@` between non-empty parts, no spaces.
pub fn email(field: &str, value: &str, out: &mut Vec<FieldError>) {
    if value.is_empty() {
        return;
    }
    let shape = value.split_once('@').is_some_and(|(a, b)| {
        !a.is_empty()
            && b.contains('.')
            && !b.contains('@')
            && !b.starts_with('.')
            && !b.ends_with('.')
    });
    if value.len() > 254 || value.contains(char::is_whitespace) || !shape {
        out.push(err(
            field,
            ErrorCode::Invalid,
            format!("{field} is not an e-mail address"),
        ));
    }
}

/// An optional phone number: digits with `+ - ( )` and spaces, at most 32.
pub fn phone(field: &str, value: &str, out: &mut Vec<FieldError>) {
    if value.is_empty() {
        return;
    }
    let ok = value
        .chars()
        .all(|c| c.is_ascii_digit() || "+-() ".contains(c))
        && value.chars().any(|c| c.is_ascii_digit());
    if value.len() > 32 || !ok {
        out.push(err(
            field,
            ErrorCode::Invalid,
            format!("{field} is not a phone number"),
        ));
    }
}

/// A label (or taint) key as Kubernetes accepts it: an optional DNS
/// subdomain prefix and `/`, then a name of at most 63 characters of
/// letters, digits, `-`, `_` and `.`, alphanumeric at both ends.
pub fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        let ok = !p.is_empty() && p.len() <= 253 && p.split('.').all(is_dns1123_label);
        if !ok {
            return Err("the prefix must be a DNS subdomain (lower-case, dot-separated)".into());
        }
    }
    label_name(name).map_err(|e| format!("the name {e}"))
}

/// A label value: empty, or at most 63 characters of letters, digits, `-`,
/// `_` and `.`, alphanumeric at both ends.
pub fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    label_name(value).map_err(|e| format!("the value {e}"))
}

fn label_name(s: &str) -> Result<(), String> {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > 63 {
        return Err("must be at most 63 characters".into());
    }
    if !s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.')) {
        return Err("may hold only letters, digits, '-', '_' and '.'".into());
    }
    if !s.starts_with(alnum) || !s.ends_with(alnum) {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        for ok in ["a", "a1", "web-prod", "0abc", &"a".repeat(63)] {
            assert!(is_dns1123_label(ok), "{ok} should be valid");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", "ä", &"a".repeat(64)] {
            assert!(!is_dns1123_label(bad), "{bad} should be invalid");
        }
    }

    #[test]
    fn field_errors_name_the_field() {
        let mut out = vec![];
        dns1123_label("name", "Bad_Name", &mut out);
        display_name("display_name", &"x".repeat(65), &mut out);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].field, "name");
        assert_eq!(out[0].code, ErrorCode::Dns1123Label);
        assert_eq!(out[1].field, "display_name");
        assert_eq!(out[1].code, ErrorCode::TooLong);
    }

    #[test]
    fn user_fields() {
        let check = |f: fn(&str, &str, &mut Vec<FieldError>), v: &str| {
            let mut out = vec![];
            f("x", v, &mut out);
            out.first().map(|e| e.code)
        };
        for ok in ["ann", "a.b-c_d", "user42"] {
            assert_eq!(check(username, ok), None, "{ok}");
        }
        for bad in ["ab", "Ann", "-ann", "an n", "änn"] {
            assert_eq!(check(username, bad), Some(ErrorCode::Invalid), "{bad}");
        }
        assert_eq!(check(username, ""), Some(ErrorCode::Required));
        assert_eq!(check(email, ""), None);
        assert_eq!(check(email, "ann@example.com"), None);
        for bad in ["ann", "ann@", "@x.com", "a b@x.com", "ann@x", "a@b@c.com"] {
            assert_eq!(check(email, bad), Some(ErrorCode::Invalid), "{bad}");
        }
        assert_eq!(check(phone, "+86 (10) 1234-5678"), None);
        assert_eq!(check(phone, "call me"), Some(ErrorCode::Invalid));
    }

    #[test]
    fn text_refuses_control_characters_and_length() {
        let check = |v: &str| {
            let mut out = vec![];
            text("x", v, 10, &mut out);
            out.first().map(|e| e.code)
        };
        assert_eq!(check("plain text"), None);
        assert_eq!(check("nul\0"), Some(ErrorCode::Invalid));
        assert_eq!(check("bell\u{7}"), Some(ErrorCode::Invalid));
        assert_eq!(check("new\nline"), Some(ErrorCode::Invalid));
        assert_eq!(check("eleven char"), Some(ErrorCode::TooLong));
        let mut out = vec![];
        printable("d", "two\nlines\tand a tab", true, &mut out);
        assert!(out.is_empty());
        printable("d", "but\0not NUL", true, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(quote(&"a".repeat(100)).len(), QUOTE_MAX + 3);
        assert_eq!(quote("a\u{1}b"), "a?b");
    }

    #[test]
    fn subdomains_follow_kubernetes() {
        let check = |v: &str| {
            let mut out = vec![];
            dns1123_subdomain("name", v, &mut out);
            out.first().map(|e| e.code)
        };
        for ok in ["sim-node-1", "node.example.com", "a"] {
            assert_eq!(check(ok), None, "{ok}");
        }
        for bad in [
            "sim-node-1/status",
            "sim-node-1?watch=true",
            "..",
            "a..b",
            "A",
            "n%2F1",
            "-a",
        ] {
            assert_eq!(check(bad), Some(ErrorCode::Invalid), "{bad}");
        }
        assert_eq!(check(&"a".repeat(254)), Some(ErrorCode::TooLong));
        assert_eq!(check(""), Some(ErrorCode::Required));
    }

    #[test]
    fn display_name_counts_characters_not_bytes() {
        let mut out = vec![];
        display_name("display_name", &"数".repeat(64), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn label_keys_and_values_follow_kubernetes() {
        assert!(label_key("app").is_ok());
        assert!(label_key("node-role.kubernetes.io/worker").is_ok());
        assert!(label_key("Bad Key").is_err());
        assert!(label_key("UPPER.example/x").is_err());
        assert!(label_key("/x").is_err());
        assert!(label_key(&"a".repeat(64)).is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("My_Value.1").is_ok());
        assert!(label_value("-x").is_err());
        assert!(label_value("has space").is_err());
    }
}
