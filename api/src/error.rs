//! The one error type that reaches a client.
//!
//! Kinds are coarse on purpose: the client learns *what kind* of failure it
//! met and, for validation, which field is wrong and why. Internal details
//! stay in the server log under the request id shown here.

use serde::{Deserialize, Serialize};
#[cfg(feature = "server-fn")]
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// Why a single input field was rejected. `code` is stable and translated by
/// the UI; `message` is the English text for API users.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
    pub message: String,
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
            AppError::Unavailable => 503,
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
    type Encoder = JsonEncoding;

    /// Arguments that cannot be read are described, but a decoder's message
    /// quotes what it could not read: only its start is kept, so a huge or
    /// hostile value is never echoed back.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Transport {
            message: crate::validate::prefix(&value.to_string(), 200),
        }
    }
}
