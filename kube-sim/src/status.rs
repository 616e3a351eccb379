//! Kubernetes `Status` objects: the errors the simulator answers with, and the
//! `Success` status of a completed delete, shaped exactly as the API server
//! writes them (`apiVersion: v1`, `kind: Status`, `metadata: {}`, `status`,
//! `message`, `reason`, `details`, `code`).

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{json, Map, Value};

use crate::resources::ResourceType;

/// One field error inside an `Invalid` status (`details.causes[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// `FieldValueInvalid`, `FieldValueRequired`, ...
    pub reason: &'static str,
    /// The field path, e.g. `metadata.name`.
    pub field: String,
    /// The message without the field prefix, e.g. `Invalid value: "x": ...`.
    pub message: String,
}

impl Cause {
    /// `Invalid value: "<value>": <detail>` for `field`.
    pub fn invalid(field: &str, value: &str, detail: &str) -> Self {
        Cause {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            message: format!("Invalid value: {}: {detail}", quote(value)),
        }
    }

    /// `Invalid value: <value>: <detail>` with the value as Go prints it (a
    /// number, a list) rather than quoted.
    pub fn invalid_raw(field: &str, value: &str, detail: &str) -> Self {
        Cause {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            message: format!("Invalid value: {value}: {detail}"),
        }
    }

    /// `Unsupported value: "<value>": supported values: "a", "b"`.
    pub fn unsupported(field: &str, value: &str, supported: &[&str]) -> Self {
        let list: Vec<String> = supported.iter().map(|s| quote(s)).collect();
        Cause {
            reason: "FieldValueNotSupported",
            field: field.to_string(),
            message: format!(
                "Unsupported value: {}: supported values: {}",
                quote(value),
                list.join(", ")
            ),
        }
    }

    /// `Forbidden: <detail>`.
    pub fn forbidden(field: &str, detail: &str) -> Self {
        Cause {
            reason: "FieldValueForbidden",
            field: field.to_string(),
            message: format!("Forbidden: {detail}"),
        }
    }

    /// `Duplicate value: "<value>"`.
    pub fn duplicate(field: &str, value: &str) -> Self {
        Cause {
            reason: "FieldValueDuplicate",
            field: field.to_string(),
            message: format!("Duplicate value: {}", quote(value)),
        }
    }

    /// `Required value: <detail>` for `field`.
    pub fn required(field: &str, detail: &str) -> Self {
        Cause {
            reason: "FieldValueRequired",
            field: field.to_string(),
            message: if detail.is_empty() {
                "Required value".to_string()
            } else {
                format!("Required value: {detail}")
            },
        }
    }

    pub fn to_json(&self) -> Value {
        json!({ "reason": self.reason, "message": self.message, "field": self.field })
    }
}

/// Go's `%q` for the strings we quote (enough for names and label values).
pub fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// A failed request, rendered as a `kind: Status` body with the matching HTTP code.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status code, also written as `code`.
    pub code: u16,
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `BadRequest`, ...
    pub reason: &'static str,
    /// Human-readable message.
    pub message: String,
    /// `details`, when Kubernetes writes one (it is `{}` for some errors).
    pub details: Option<Value>,
}

fn details(rt: &ResourceType, name: &str) -> Value {
    let mut d = Map::new();
    if !name.is_empty() {
        d.insert("name".into(), json!(name));
    }
    if !rt.group.is_empty() {
        d.insert("group".into(), json!(rt.group));
    }
    d.insert("kind".into(), json!(rt.plural));
    Value::Object(d)
}

impl ApiError {
    /// 404 `<plural> "<name>" not found`.
    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            code: 404,
            reason: "NotFound",
            message: format!("{} {} not found", rt.qualified_plural(), quote(name)),
            details: Some(details(rt, name)),
        }
    }

    /// 404 for a path the server does not serve.
    pub fn path_not_found() -> Self {
        ApiError {
            code: 404,
            reason: "NotFound",
            message: "the server could not find the requested resource".into(),
            details: Some(json!({})),
        }
    }

    /// 409 `<plural> "<name>" already exists`.
    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        ApiError {
            code: 409,
            reason: "AlreadyExists",
            message: format!("{} {} already exists", rt.qualified_plural(), quote(name)),
            details: Some(details(rt, name)),
        }
    }

    /// 409 `Operation cannot be fulfilled on <plural> "<name>": <why>`.
    pub fn conflict(rt: &ResourceType, name: &str, why: &str) -> Self {
        ApiError {
            code: 409,
            reason: "Conflict",
            message: format!(
                "Operation cannot be fulfilled on {} {}: {why}",
                rt.qualified_plural(),
                quote(name)
            ),
            details: Some(details(rt, name)),
        }
    }

    /// 409 Conflict for a stale `resourceVersion`.
    pub fn stale(rt: &ResourceType, name: &str) -> Self {
        Self::conflict(
            rt,
            name,
            "the object has been modified; please apply your changes to the latest version and try again",
        )
    }

    /// 422 `<Kind> "<name>" is invalid: <field>: <message>` with `details.causes`.
    pub fn invalid(rt: &ResourceType, name: &str, causes: Vec<Cause>) -> Self {
        let parts: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        let joined = if parts.len() == 1 {
            parts.concat()
        } else {
            format!("[{}]", parts.join(", "))
        };
        let mut d = Map::new();
        if !name.is_empty() {
            d.insert("name".into(), json!(name));
        }
        if !rt.group.is_empty() {
            d.insert("group".into(), json!(rt.group));
        }
        d.insert("kind".into(), json!(rt.kind));
        d.insert(
            "causes".into(),
            Value::Array(causes.iter().map(Cause::to_json).collect()),
        );
        ApiError {
            code: 422,
            reason: "Invalid",
            // The qualified kind, as a GroupKind prints: `Deployment.apps`, `Pod`.
            message: if rt.group.is_empty() {
                format!("{} {} is invalid: {joined}", rt.kind, quote(name))
            } else {
                format!(
                    "{}.{} {} is invalid: {joined}",
                    rt.kind,
                    rt.group,
                    quote(name)
                )
            },
            details: Some(Value::Object(d)),
        }
    }

    /// 400 BadRequest with a message and no details.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            code: 400,
            reason: "BadRequest",
            message: message.into(),
            details: None,
        }
    }

    /// 403 `<plural> "<name>" is forbidden: <why>`.
    pub fn forbidden(rt: &ResourceType, name: &str, why: &str, causes: Vec<Cause>) -> Self {
        let mut d = details(rt, name);
        if !causes.is_empty() {
            if let Some(map) = d.as_object_mut() {
                map.insert(
                    "causes".into(),
                    Value::Array(causes.iter().map(Cause::to_json).collect()),
                );
            }
        }
        ApiError {
            code: 403,
            reason: "Forbidden",
            message: format!(
                "{} {} is forbidden: {why}",
                rt.qualified_plural(),
                quote(name)
            ),
            details: Some(d),
        }
    }

    /// 405 for a verb the resource (or path) does not serve.
    pub fn method_not_allowed() -> Self {
        ApiError {
            code: 405,
            reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource".into(),
            details: Some(json!({})),
        }
    }

    /// 415 for a request body that is not JSON.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        ApiError {
            code: 415,
            reason: "UnsupportedMediaType",
            message: format!("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {content_type})"),
            details: None,
        }
    }

    /// 406: no answer in a form the client accepts.
    pub fn not_acceptable() -> Self {
        ApiError {
            code: 406,
            reason: "NotAcceptable",
            message: "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf".into(),
            details: None,
        }
    }

    /// 415 for a PATCH whose body is no patch format.
    pub fn unsupported_patch_type(content_type: &str) -> Self {
        ApiError {
            code: 415,
            reason: "UnsupportedMediaType",
            message: format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {content_type})"),
            details: None,
        }
    }

    /// An error a test injected: 429, 500, 503 or any other code, shaped as
    /// the API server answers it.
    pub fn injected(code: u16) -> Self {
        let (reason, message) = match code {
            429 => (
                "TooManyRequests",
                "the server has received too many requests and has asked us to try again later",
            ),
            500 => ("InternalError", "Internal error occurred: injected fault"),
            503 => (
                "ServiceUnavailable",
                "the server is currently unable to handle the request",
            ),
            504 => (
                "Timeout",
                "the server was unable to return a response in the time allotted",
            ),
            401 => ("Unauthorized", "Unauthorized"),
            403 => ("Forbidden", "forbidden: injected fault"),
            _ => ("InternalError", "injected fault"),
        };
        ApiError {
            code,
            reason,
            message: message.to_string(),
            details: (code == 429).then(|| json!({ "retryAfterSeconds": 1 })),
        }
    }

    /// 500 InternalError.
    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        ApiError {
            code: 500,
            reason: "InternalError",
            message: format!("Internal error occurred: {message}"),
            details: Some(json!({ "causes": [{ "message": message }] })),
        }
    }

    /// The `kind: Status` body.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("kind".into(), json!("Status"));
        m.insert("apiVersion".into(), json!("v1"));
        m.insert("metadata".into(), json!({}));
        m.insert("status".into(), json!("Failure"));
        m.insert("message".into(), json!(self.message));
        m.insert("reason".into(), json!(self.reason));
        if let Some(d) = &self.details {
            m.insert("details".into(), d.clone());
        }
        m.insert("code".into(), json!(self.code));
        Value::Object(m)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.reason, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = crate::api::json_response(code, &self.to_json());
        if code == StatusCode::TOO_MANY_REQUESTS {
            res.headers_mut().insert(
                http::header::RETRY_AFTER,
                http::HeaderValue::from_static("1"),
            );
        }
        res
    }
}

/// The `Success` status a DELETE answers with when the object is gone at once.
pub fn delete_success(rt: &ResourceType, name: &str, uid: &str) -> Value {
    let mut d = details(rt, name);
    if let Some(map) = d.as_object_mut() {
        if !uid.is_empty() {
            map.insert("uid".into(), json!(uid));
        }
    }
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": d,
    })
}
