//! The one error type that reaches a client.
//!
//! Kinds are coarse on purpose: the client learns *what kind* of failure it
//! met and, for validation, which field is wrong and why. Internal details
//! stay in the server log under the request id shown here.

use serde::{Deserialize, Serialize};
#[cfg(feature = "server-fn")]
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// Why a single input field was rejected. `code` is stable and translated by
/// the UI; `message` is the English text for API users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
    /// Berth's precise reason, where the code alone would lose it (which
    /// label, which context): the UI says it in the reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
}

impl FieldError {
    /// A rejection with its precise reason; `message` is that reason in English.
    pub fn detailed(field: &str, code: ErrorCode, detail: Detail) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            message: detail.to_string(),
            detail: Some(detail),
        }
    }
}

/// The precise reasons Berth gives for a rejected field, each naming what it
/// is about. `Display` is the English text; the UI has both languages.
/// Externally tagged: an internally tagged enum would bring serde's
/// buffering deserializer into the browser's WASM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    #[error("not a PEM certificate: paste the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----")]
    NotPemCertificate,
    #[error("not a PEM private key: paste the text from -----BEGIN ... PRIVATE KEY----- to -----END ... PRIVATE KEY-----")]
    NotPemKey,
    #[error("the API URL must look like https://host:port")]
    ApiUrlForm,
    #[error("a token holds only visible ASCII characters")]
    TokenCharacters,
    #[error("paste or upload a kubeconfig")]
    NoKubeconfig,
    #[error(
        "not a kubeconfig: paste the YAML file kubectl uses (with clusters, users and contexts)"
    )]
    NotKubeconfig,
    #[error("the kubeconfig has no contexts")]
    NoContexts,
    #[error("the kubeconfig's {what} is not base64 PEM")]
    NotBase64Pem { what: String },
    #[error("no context named {wanted:?}; the kubeconfig has: {}", known.join(", "))]
    NoSuchContext { wanted: String, known: Vec<String> },
    #[error("context {context:?} names cluster {cluster:?}, which the kubeconfig lacks")]
    MissingCluster { context: String, cluster: String },
    #[error("the cluster's CA is a file path; embed it as certificate-authority-data")]
    CaIsFile,
    #[error(
        "user {user:?} gets credentials from a plugin; Berth needs a token or a client certificate"
    )]
    CredentialPlugin { user: String },
    #[error("user {user:?} refers to files; embed the token or certificate data")]
    CredentialFiles { user: String },
    #[error("basic authentication is not supported by Kubernetes any more; use a token or a client certificate")]
    BasicAuth,
    #[error("user {user:?} has a client certificate but no key")]
    CertWithoutKey { user: String },
    /// A label or taint key; `reason` is the English detail of the rule broken.
    #[error("key {key:?}: {reason}")]
    Key { key: String, reason: String },
    /// A label or taint value.
    #[error("value {value:?}: {reason}")]
    Value { value: String, reason: String },
    #[error("taint effect {effect:?} is not one of NoSchedule, PreferNoSchedule, NoExecute")]
    TaintEffect { effect: String },
    /// The cluster's API server refused the value, in its own words.
    #[error("the cluster refused it: {message}")]
    ClusterRefused { message: String },
    #[error("{what:?} appears twice")]
    Twice { what: String },
    /// More asked of a quota than is left above it. `parent` is `cluster`,
    /// `domain` or `vdc`; amounts are quantities of `resource` (its key).
    #[error("{resource}: asked {asked}; the {parent} has {limit}, {given} of it given to others, {left} left")]
    QuotaExceeded {
        resource: String,
        parent: String,
        asked: String,
        limit: String,
        given: String,
        left: String,
    },
    /// A quota lowered below what is already given on from it (to VDCs or
    /// app spaces) or in use.
    #[error("{resource}: asked {asked}, but {held} is already given out or in use")]
    BelowAllocated {
        resource: String,
        asked: String,
        held: String,
    },
}

/// Stable identifiers for validation and conflict reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    TooLong,
    Dns1123Label,
    Taken,
    NotFound,
    HasChildren,
    Invalid,
    OutOfRange,
    PasswordTooShort,
    PasswordNoUpper,
    PasswordNoLower,
    PasswordNoDigit,
    PasswordNoSymbol,
    PasswordContainsUsername,
    PasswordReused,
    /// The object changed while the change was being made: reload it.
    Changed,
    /// The new password is the one in use.
    PasswordUnchanged,
    /// The current password given to authorize a change is wrong.
    WrongPassword,
    /// The change would refuse the caller's own address.
    WouldLockOut,
    /// A one-time or recovery code is wrong or already used.
    WrongCode,
    /// A role is still granted; the message lists to whom.
    RoleInUse,
    /// Nothing answered at a cluster's address; the message says why.
    ClusterUnreachable,
    /// A cluster's TLS certificate is not trusted (or ours was refused).
    ClusterCertificate,
    /// A cluster refused the credentials given.
    ClusterCredentials,
    /// Not a quantity of that resource (`500m`, `2Gi`, `10`).
    NotQuantity,
    /// A count (pods, GPUs, ...) given with a fraction.
    NotWhole,
    /// More than is left at the level above.
    QuotaExceeded,
    /// Less than is already given out or in use.
    BelowAllocated,
}

/// Why a cluster cannot be used, as its health shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClusterProblem {
    /// Nothing answered at its address (refused, no route, DNS, timeout).
    Unreachable,
    /// TLS failed: its certificate is not trusted, or Berth's was refused.
    BadCertificate,
    /// It refused Berth's credentials (401).
    Unauthorized,
    /// Berth's credentials lack a permission this needs (403).
    Forbidden,
    /// It answered with an error of its own.
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// The request is well-formed but clashes with current state.
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("invalid input")]
    Validation { fields: Vec<FieldError> },
    /// Too many failed sign-ins; try again later.
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Locked { retry_after_secs: i64 },
    #[error("service unavailable")]
    Unavailable,
    /// A cluster cannot be used now; `problem` says why, in words the UI
    /// turns into what to do (the connection's own text stays in the log).
    #[error("the cluster is unavailable ({problem:?})")]
    ClusterUnavailable { problem: ClusterProblem },
    #[error("internal error (request id {request_id})")]
    Internal { request_id: String },
    /// The call never reached a handler, or its answer could not be read.
    #[error("request failed: {message}")]
    Transport { message: String },
}

impl AppError {
    pub fn field(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::Validation {
            fields: vec![FieldError {
                field: field.to_owned(),
                code,
                message: message.into(),
                detail: None,
            }],
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Conflict { .. } => 409,
            AppError::Validation { .. } => 422,
            AppError::Locked { .. } => 429,
            AppError::Unavailable | AppError::ClusterUnavailable { .. } => 503,
            AppError::Internal { .. } => 500,
            AppError::Transport { .. } => 502,
        }
    }

    /// The validation message for one field, if that field was rejected.
    pub fn field_error(&self, field: &str) -> Option<&FieldError> {
        match self {
            AppError::Validation { fields } => fields.iter().find(|f| f.field == field),
            _ => None,
        }
    }
}

#[cfg(feature = "server-fn")]
impl FromServerFnError for AppError {
    type Encoder = crate::codec::JsonText;

    /// Arguments that cannot be read are described, but a decoder's message
    /// quotes what it could not read: only its start is kept, so a huge or
    /// hostile value is never echoed back.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport {
            message: crate::validate::prefix(&value.to_string(), 200),
        }
    }
}
