//! Per-request context: who is calling, the services, the request id.
//!
//! [`attach`] runs before every handler. It loads the signed-in principal
//! from the session and stores a [`RequestContext`] in the request's
//! extensions, where server functions find it (see `berth_app::api`).
//! Pages need a session: a browser asking for one without gets sent to
//! the sign-in page. Server functions answer 401 on their own.

use axum::{
    extract::{Request, State},
    http::{header, Method},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use berth_app::api::backend::RequestContext;
use berth_core::db::session_store::USER_ID_KEY;
use tower_sessions::Session;

use crate::routes::AppState;

/// Paths anyone may open without signing in.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/healthz"
        || path == "/readyz"
        || path.starts_with("/auth/")
        || path.starts_with("/lang/")
        || path.starts_with("/pkg/")
        || path.starts_with("/api/")
}

fn wants_html(req: &Request) -> bool {
    req.method() == Method::GET
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}

pub fn request_id(req: &Request) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

pub async fn attach(State(state): State<AppState>, session: Session, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let request_id = request_id(&req);
    let principal = if path.starts_with("/pkg/") {
        None
    } else {
        match session.get::<i64>(USER_ID_KEY).await {
            Ok(Some(user_id)) => match state.services.principal(user_id).await {
                Ok(p) => p,
                Err(e) => return e.into_app_error(&request_id).into_response(),
            },
            _ => None,
        }
    };
    if principal.is_none() && !is_public(&path) && wants_html(&req) {
        let next = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target = format!("/login?next={}", crate::auth::encode_component(next));
        return Redirect::to(&target).into_response();
    }
    if principal.is_some() && path == "/login" {
        return Redirect::to("/").into_response();
    }
    req.extensions_mut().insert(RequestContext {
        services: state.services.clone(),
        principal,
        request_id,
    });
    next.run(req).await
}

/// Lets `AppError` be an axum response (status from the error, JSON body).
pub trait ErrorResponse {
    fn into_response(self) -> Response;
}

impl ErrorResponse for berth_api::AppError {
    fn into_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.status()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}
