//! ConfigMaps and Secrets as kube-apiserver handles them: keys checked as
//! config keys; `immutable` objects keep their data (and stay immutable);
//! a Secret's `stringData` is merged into `data` and never stored, its data
//! must be base64, its type is immutable, and the typed secrets carry the
//! keys their type needs (`kubernetes.io/tls`: `tls.crt` and `tls.key`).

use base64::Engine;
use serde_json::{json, Value};

use crate::status::{ApiError, Cause};

const KEY_MSG: &str = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const IMMUTABLE: &str = "field is immutable when `immutable` is set";

fn key_errors(map: &str, key: &str, out: &mut Vec<Cause>) {
    let field = format!("{map}[{key}]");
    let ok_chars = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
    if key.len() > 253 {
        out.push(Cause::invalid(
            &field,
            key,
            "must be no more than 253 characters",
        ));
    }
    if !ok_chars {
        out.push(Cause::invalid(&field, key, KEY_MSG));
    }
    if key == "." || key == ".." {
        out.push(Cause::invalid(&field, key, &format!("must not be '{key}'")));
    }
}

fn keys<'a>(obj: &'a Value, field: &str) -> impl Iterator<Item = &'a String> {
    obj.get(field)
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|m| m.keys())
}

/// Field errors of a ConfigMap.
pub fn validate_configmap(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    for k in keys(obj, "data") {
        key_errors("data", k, &mut out);
    }
    for k in keys(obj, "binaryData") {
        key_errors("binaryData", k, &mut out);
        if obj.pointer("/data").and_then(|d| d.get(k)).is_some() {
            out.push(Cause::invalid(
                &format!("data[{k}]"),
                k,
                "duplicate of key present in binaryData",
            ));
        }
    }
    out
}

fn immutable_changes(old: &Value, new: &Value, fields: &[&str]) -> Vec<Cause> {
    let mut out = Vec::new();
    if old.get("immutable") != Some(&Value::Bool(true)) {
        return out;
    }
    if new.get("immutable") != Some(&Value::Bool(true)) {
        out.push(Cause::forbidden("immutable", IMMUTABLE));
    }
    for f in fields {
        if old.get(*f) != new.get(*f) {
            out.push(Cause::forbidden(f, IMMUTABLE));
        }
    }
    out
}

/// Errors of a ConfigMap update: an immutable one keeps its data.
pub fn validate_configmap_update(old: &Value, new: &Value) -> Vec<Cause> {
    immutable_changes(old, new, &["data", "binaryData"])
}

/// A Secret as stored: `Opaque` unless typed, `stringData` merged into `data`.
pub fn secret_prepare(obj: &mut Value) {
    let Some(map) = obj.as_object_mut() else {
        return;
    };
    map.entry("type").or_insert_with(|| json!("Opaque"));
    if let Some(Value::Object(strings)) = map.remove("stringData") {
        let data = map.entry("data").or_insert_with(|| json!({}));
        if !data.is_object() {
            *data = json!({});
        }
        if let Some(d) = data.as_object_mut() {
            for (k, v) in strings {
                let text = v.as_str().unwrap_or_default().to_string();
                d.insert(
                    k,
                    json!(base64::engine::general_purpose::STANDARD.encode(text)),
                );
            }
        }
    }
}

/// An updated Secret: `stringData` merged as on create.
pub fn secret_prepare_update(_old: &Value, new: &mut Value) {
    secret_prepare(new);
}

/// The 400 kube-apiserver's decoder answers for data that is not base64.
pub fn decode_errors(obj: &Value) -> Result<(), ApiError> {
    for (_, v) in obj
        .get("data")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let text = v.as_str().unwrap_or_default();
        if let Err(e) = base64::engine::general_purpose::STANDARD.decode(text) {
            let at = match e {
                base64::DecodeError::InvalidByte(i, _)
                | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                _ => text.len(),
            };
            return Err(ApiError::bad_request(format!(
                "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte {at}"
            )));
        }
    }
    Ok(())
}

fn data_has(obj: &Value, key: &str) -> bool {
    obj.pointer("/data").and_then(|d| d.get(key)).is_some()
}

/// Field errors of a Secret.
pub fn validate_secret(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    for k in keys(obj, "data") {
        key_errors("data", k, &mut out);
    }
    match obj.get("type").and_then(Value::as_str).unwrap_or("Opaque") {
        "kubernetes.io/tls" => {
            for k in ["tls.crt", "tls.key"] {
                if !data_has(obj, k) {
                    out.push(Cause::required(&format!("data[{k}]"), ""));
                }
            }
        }
        "kubernetes.io/service-account-token" => {
            let named = obj
                .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty());
            if !named {
                out.push(Cause::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockerconfigjson" if !data_has(obj, ".dockerconfigjson") => {
            out.push(Cause::required("data[.dockerconfigjson]", ""));
        }
        "kubernetes.io/ssh-auth" if !data_has(obj, "ssh-privatekey") => {
            out.push(Cause::required("data[ssh-privatekey]", ""));
        }
        "kubernetes.io/basic-auth" if !data_has(obj, "username") && !data_has(obj, "password") => {
            out.push(Cause::required("data[username]", ""));
            out.push(Cause::required("data[password]", ""));
        }
        _ => {}
    }
    out
}

/// Errors of a Secret update: the type stays; an immutable one keeps its data.
pub fn validate_secret_update(old: &Value, new: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    let (a, b) = (
        old.get("type").and_then(Value::as_str).unwrap_or("Opaque"),
        new.get("type").and_then(Value::as_str).unwrap_or("Opaque"),
    );
    if a != b {
        out.push(Cause::invalid("type", b, "field is immutable"));
    }
    out.extend(immutable_changes(old, new, &["data"]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(c: Vec<Cause>) -> Vec<String> {
        c.into_iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect()
    }

    #[test]
    fn keys_types_and_immutability_as_kube_words_them() {
        assert_eq!(
            fields(validate_configmap(
                &json!({ "data": { "bad key": "v", "ok": "v" }, "binaryData": { "ok": "" } })
            )),
            [
                format!("data[bad key]: Invalid value: \"bad key\": {KEY_MSG}"),
                "data[ok]: Invalid value: \"ok\": duplicate of key present in binaryData"
                    .to_string(),
            ]
        );
        let old = json!({ "immutable": true, "data": { "a": "1" } });
        assert_eq!(
            fields(validate_configmap_update(
                &old,
                &json!({ "immutable": false, "data": { "a": "2" } })
            )),
            [
                "immutable: Forbidden: field is immutable when `immutable` is set",
                "data: Forbidden: field is immutable when `immutable` is set"
            ]
        );
        let mut s = json!({ "stringData": { "password": "hunter2" }, "data": { "user": "YWRh" } });
        secret_prepare(&mut s);
        assert_eq!(
            s,
            json!({ "type": "Opaque", "data": { "user": "YWRh", "password": "aHVudGVyMg==" } })
        );
        assert_eq!(
            fields(validate_secret(
                &json!({ "type": "kubernetes.io/tls", "data": { "tls.crt": "" } })
            )),
            ["data[tls.key]: Required value"]
        );
        let e = decode_errors(&json!({ "data": { "k": "not*base64" } })).expect_err("400");
        assert_eq!(e.message, "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3");
        assert_eq!(
            fields(validate_secret_update(
                &json!({ "type": "Opaque" }),
                &json!({ "type": "kubernetes.io/tls" })
            )),
            ["type: Invalid value: \"kubernetes.io/tls\": field is immutable"]
        );
    }
}
