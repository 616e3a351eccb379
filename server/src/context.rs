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
use berth_core::{
    auth::{Principal, RequestMeta},
    db::session_store::{
        LAST_SEEN_KEY, MFA_BY_PROVIDER_KEY, PUBLIC_ID_KEY, SIGNED_IN_KEY, USER_ID_KEY,
    },
};
use tower_sessions::Session;

use crate::routes::AppState;

/// Paths anyone may open without signing in.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == "/login/2fa"
        || path == "/healthz"
        || path == "/readyz"
        || path == "/favicon.svg"
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

/// The client address: the direct peer, or what a trusted proxy forwarded
/// (see [`crate::client_addr`]).
pub fn source(req: &Request, proxies: &crate::client_addr::TrustedProxies) -> Option<String> {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()?
        .0
        .ip();
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok());
    Some(proxies.client(peer, forwarded).to_string())
}

pub fn request_id(headers: &axum::http::HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// Refuses state-changing requests sent from another site: the browser
/// says so in `Sec-Fetch-Site`, or the `Origin` is neither Berth's public
/// URL nor the host the request was sent to. Clients that send neither
/// header (API clients, old browsers) are judged by their session alone.
fn cross_site(req: &Request, public_origin: &str) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if matches!(header("sec-fetch-site"), Some("cross-site" | "same-site")) {
        return true;
    }
    match header("origin") {
        None => false,
        Some(origin) => {
            let same_host = header("host").is_some_and(|host| {
                origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    == Some(host)
            });
            !(origin == public_origin || same_host)
        }
    }
}

/// Whether the session is older than the absolute limit since sign-in.
async fn past_absolute_limit(session: &Session, max_secs: i64) -> bool {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    matches!(session.get::<i64>(SIGNED_IN_KEY).await, Ok(Some(t)) if now - t > max_secs)
}

/// Marks the session as used at most every few minutes, which saves it
/// and so slides its inactivity expiry forward.
async fn touch(session: &Session, refresh_secs: i64) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let last: Option<i64> = session.get(LAST_SEEN_KEY).await.ok().flatten();
    if last.is_none_or(|t| now - t >= refresh_secs) {
        if let Err(e) = session.insert(LAST_SEEN_KEY, now).await {
            tracing::warn!(error = %e, "session touch failed");
        }
    }
}

pub async fn attach(
    State(state): State<AppState>,
    session: Session,
    mut req: Request,
    next: Next,
) -> Response {
    if cross_site(&req, &state.public_origin) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return berth_api::AppError::Forbidden.status_response();
    }
    let path = req.uri().path().to_owned();
    let request_id = request_id(req.headers());
    let mut meta = RequestMeta {
        request_id: request_id.clone(),
        source: source(&req, &state.trusted_proxies),
        session: None,
    };
    let principal = if path.starts_with("/pkg/") {
        None
    } else {
        meta.session = session.get::<String>(PUBLIC_ID_KEY).await.ok().flatten();
        if past_absolute_limit(&session, state.session_max_secs).await {
            if let Err(e) = session.flush().await {
                tracing::warn!(error = %e, "ending an expired session failed");
            }
        }
        match session.get::<i64>(USER_ID_KEY).await {
            Ok(Some(user_id)) => match state
                .services
                .identity()
                .principal_for_request(user_id)
                .await
            {
                Ok(p) => {
                    // The provider checked a second factor at this sign-in.
                    let mfa_by_provider = matches!(
                        session.get::<bool>(MFA_BY_PROVIDER_KEY).await,
                        Ok(Some(true))
                    );
                    p.map(|p| Principal {
                        request: meta.clone(),
                        must_enroll_2fa: p.must_enroll_2fa && !mfa_by_provider,
                        ..p
                    })
                }
                Err(e) => return e.into_app_error(&request_id).status_response(),
            },
            _ => None,
        }
    };
    // The login IP rules hold on every request, not only at sign-in: a
    // session used from a refused address ends there.
    if let Some(p) = &principal {
        match state
            .services
            .identity()
            .address_admitted(p.domain_id, meta.source.as_deref())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                state.services.identity().end_session_refused(p).await;
                if let Err(e) = session.flush().await {
                    tracing::warn!(error = %e, "ending a refused session failed");
                }
                if wants_html(&req) {
                    return Redirect::to("/login?error=address").into_response();
                }
                return berth_api::AppError::Forbidden.status_response();
            }
            Err(e) => return e.into_app_error(&request_id).status_response(),
        }
    }
    if principal.is_none() && !is_public(&path) && wants_html(&req) {
        let next = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let target = format!("/login?next={}", crate::auth::encode_component(next));
        return Redirect::to(&target).into_response();
    }
    if principal.is_some() {
        touch(&session, state.session_refresh_secs).await;
    }
    // What a held user may do is the core's decision (`auth::Hold`), for
    // every entry point; here a page they open is only swapped for the
    // page where the task is done.
    if let Some(hold) = principal.as_ref().and_then(Principal::hold) {
        if wants_html(&req) && path != hold.page() && !path.starts_with("/lang/") {
            return Redirect::to(hold.page()).into_response();
        }
    }
    if principal.is_some() && path == "/login" {
        return Redirect::to("/").into_response();
    }
    req.extensions_mut().insert(RequestContext {
        services: state.services.clone(),
        principal: principal.map(std::sync::Arc::new),
        request: meta,
    });
    next.run(req).await
}

/// Lets `AppError` be an axum response (status from the error, JSON body).
pub trait ErrorResponse {
    fn status_response(self) -> Response;
}

impl ErrorResponse for berth_api::AppError {
    fn status_response(self) -> Response {
        let status = axum::http::StatusCode::from_u16(self.status())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}
