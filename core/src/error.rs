//! The core's error type, and its one conversion to what a client may see.

use berth_api::{AppError, ErrorCode, FieldError};

use crate::db::DbError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not signed in")]
    Unauthenticated,
    #[error("permission denied")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("invalid input: {0:?}")]
    Validation(Vec<FieldError>),
    /// The login IP rules refuse the client's address.
    #[error("address refused by the login IP rules")]
    AddressRefused,
    /// Too many failed sign-ins: try again after this many seconds.
    #[error("locked for {retry_after_secs} s")]
    Locked { retry_after_secs: i64 },
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A cluster cannot be used now: the cause is logged, its kind shown.
    #[error("cluster unavailable: {0}")]
    ClusterUnavailable(crate::kube::ConnectError),
    #[error("internal: {0}")]
    Internal(String),
    /// A transaction lost a race for locks; running it again may succeed.
    /// Callers that retry match it; others pass it on as unavailable.
    #[error("transaction conflict")]
    Retry,
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<DbError> for Error {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Other(sqlx::Error::PoolTimedOut) => {
                Error::Unavailable("database pool timed out".into())
            }
            DbError::Retry(_) => Error::Retry,
            other => Error::Internal(other.to_string()),
        }
    }
}

/// Messages shown to clients stay short whatever they quote: a backstop
/// behind each rule quoting at most a prefix of the value it refuses.
fn bounded(message: String) -> String {
    berth_api::validate::prefix(&message, 500)
}

impl Error {
    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }

    /// A validation error on one field.
    pub fn field(field: &str, code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError {
            field: field.to_owned(),
            code,
            message: message.into(),
            detail: None,
        }])
    }

    /// Fails with a validation error when `fields` is not empty.
    pub fn check(fields: Vec<FieldError>) -> Result<()> {
        if fields.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(fields))
        }
    }

    /// What the client is shown. Internal detail is logged here, under the
    /// request id, and never leaves the server.
    pub fn into_app_error(self, request_id: &str) -> AppError {
        match self {
            Error::Unauthenticated => AppError::Unauthenticated,
            Error::Forbidden => AppError::Forbidden,
            Error::NotFound => AppError::NotFound,
            Error::Conflict { code, message } => AppError::Conflict {
                code,
                message: bounded(message),
            },
            Error::Validation(fields) => AppError::Validation {
                fields: fields
                    .into_iter()
                    .map(|f| FieldError {
                        field: bounded(f.field),
                        message: bounded(f.message),
                        ..f
                    })
                    .collect(),
            },
            Error::Locked { retry_after_secs } => AppError::Locked { retry_after_secs },
            Error::AddressRefused => AppError::Forbidden,
            Error::Unavailable(detail) => {
                tracing::warn!(request_id, %detail, "service unavailable");
                AppError::Unavailable
            }
            Error::Retry => {
                tracing::warn!(request_id, "a transaction kept losing races for locks");
                AppError::Unavailable
            }
            Error::ClusterUnavailable(cause) => {
                tracing::warn!(request_id, %cause, "cluster unavailable");
                AppError::ClusterUnavailable {
                    problem: cause.problem(),
                }
            }
            Error::Internal(detail) => {
                tracing::error!(request_id, %detail, "internal error");
                AppError::Internal {
                    request_id: request_id.to_owned(),
                }
            }
        }
    }
}
