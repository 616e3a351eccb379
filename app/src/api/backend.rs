//! What a server function needs from the request: the services, the
//! signed-in principal and the request id, all placed in the request's
//! extensions by the server's middleware (see `berth-server`).

use berth_api::AppError;
use berth_core::{
    auth::{Principal, RequestMeta},
    Services,
};
use http::{request::Parts, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// Per-request context inserted by the server before any handler runs.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub services: Services,
    /// Shared: the context is copied along with the request's parts.
    pub principal: Option<std::sync::Arc<Principal>>,
    pub request: RequestMeta,
}

/// One server-function call by a signed-in user.
pub struct Call {
    pub services: Services,
    pub principal: std::sync::Arc<Principal>,
    pub request_id: String,
}

impl Call {
    /// Starts a call; fails with 401 when nobody is signed in.
    pub fn begin() -> Result<Call, AppError> {
        let ctx = use_context::<Parts>()
            .and_then(|parts| parts.extensions.get::<RequestContext>().cloned())
            .ok_or_else(|| {
                tracing::error!("request context missing: server middleware not installed");
                fail(AppError::Internal {
                    request_id: "-".into(),
                })
            })?;
        match ctx.principal {
            Some(principal) => Ok(Call {
                services: ctx.services,
                principal,
                request_id: ctx.request.request_id,
            }),
            None => Err(fail(AppError::Unauthenticated)),
        }
    }

    /// Converts a service result, setting the HTTP status of a failure.
    pub fn done<T>(&self, result: berth_core::Result<T>) -> Result<T, AppError> {
        result.map_err(|e| fail(e.into_app_error(&self.request_id)))
    }
}

fn fail(e: AppError) -> AppError {
    if let Some(res) = use_context::<ResponseOptions>() {
        res.set_status(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    e
}
