//! Validation of object metadata as the API server does it: names as RFC 1123
//! labels or subdomains, label keys and values, with Kubernetes' messages.

use serde_json::Value;

use crate::resources::NameRule;
use crate::status::Cause;

const LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const SUBDOMAIN_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

fn is_dns_subdomain(s: &str) -> bool {
    s.split('.').all(is_dns_label)
}

/// Whether a string is a lowercase RFC 1123 label of at most 63 characters.
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && is_dns_label(s)
}

/// Errors of a name under `rule`, each a message as Kubernetes words it.
pub fn name_errors(name: &str, rule: NameRule) -> Vec<String> {
    let mut errs = Vec::new();
    match rule {
        NameRule::Dns1123Label => {
            if name.len() > 63 {
                errs.push("must be no more than 63 characters".to_string());
            }
            if !is_dns_label(name) {
                errs.push(format!("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '{LABEL_FMT}')"));
            }
        }
        // kube's `path.IsValidPathSegmentName` (RBAC names such as `system:discovery`).
        NameRule::PathSegment => {
            if name == "." || name == ".." {
                errs.push(format!("may not be '{name}'"));
            }
            for bad in ["/", "%"] {
                if name.contains(bad) {
                    errs.push(format!("may not contain '{bad}'"));
                }
            }
        }
        NameRule::Dns1123Subdomain => {
            if name.len() > 253 {
                errs.push("must be no more than 253 characters".to_string());
            }
            if !is_dns_subdomain(name) {
                errs.push(format!("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SUBDOMAIN_FMT}')"));
            }
        }
    }
    errs
}

fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
}

/// Why a label key is invalid (`prefix/name`, prefix a DNS subdomain), or `None`.
pub fn label_key_error(key: &str) -> Option<String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if p.is_empty() || p.len() > 253 || !is_dns_subdomain(p) {
            return Some(format!("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '{SUBDOMAIN_FMT}')"));
        }
    }
    if name.len() > 63 {
        return Some("name part must be no more than 63 characters".into());
    }
    if !is_qualified_name_part(name) {
        return Some(format!("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '{QUALIFIED_NAME_FMT}')"));
    }
    None
}

/// Why a label value is invalid, or `None` (empty values are valid).
pub fn label_value_error(value: &str) -> Option<String> {
    if value.len() > 63 {
        return Some("must be no more than 63 characters".into());
    }
    if !value.is_empty() && !is_qualified_name_part(value) {
        return Some(format!("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '{LABEL_VALUE_FMT}')"));
    }
    None
}

/// Field errors of an object's metadata: its name under `rule`, its labels.
pub fn metadata_causes(obj: &Value, rule: NameRule) -> Vec<Cause> {
    let mut causes = Vec::new();
    let name = obj
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if name.is_empty() {
        causes.push(Cause::required(
            "metadata.name",
            "name or generateName is required",
        ));
    } else {
        for e in name_errors(name, rule) {
            causes.push(Cause::invalid("metadata.name", name, &e));
        }
    }
    if let Some(labels) = obj.pointer("/metadata/labels") {
        match labels.as_object() {
            Some(map) => {
                for (k, v) in map {
                    if let Some(e) = label_key_error(k) {
                        causes.push(Cause::invalid("metadata.labels", k, &e));
                    }
                    match v.as_str() {
                        Some(s) => {
                            if let Some(e) = label_value_error(s) {
                                causes.push(Cause::invalid("metadata.labels", s, &e));
                            }
                        }
                        None => causes.push(Cause::invalid(
                            "metadata.labels",
                            &v.to_string(),
                            "must be a string",
                        )),
                    }
                }
            }
            None if labels.is_null() => {}
            None => causes.push(Cause::invalid(
                "metadata.labels",
                &labels.to_string(),
                "must be an object",
            )),
        }
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        assert!(name_errors("team-a", NameRule::Dns1123Label).is_empty());
        assert!(!name_errors("Team_A", NameRule::Dns1123Label).is_empty());
        assert!(!name_errors("a.b", NameRule::Dns1123Label).is_empty());
        assert!(name_errors("a.b", NameRule::Dns1123Subdomain).is_empty());
        assert!(!name_errors("-a", NameRule::Dns1123Subdomain).is_empty());
        assert!(!name_errors(&"a".repeat(64), NameRule::Dns1123Label).is_empty());
    }

    #[test]
    fn label_keys_and_values() {
        assert_eq!(label_key_error("app.kubernetes.io/managed-by"), None);
        assert!(label_key_error("Bad Key").is_some());
        assert!(label_key_error("UPPER.example/x").is_some());
        assert_eq!(label_value_error(""), None);
        assert_eq!(label_value_error("My_Value.1"), None);
        assert!(label_value_error("bad value").is_some());
    }
}
