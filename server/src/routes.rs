//! The router: auth routes, health, server functions, Leptos pages and
//! static files, wrapped in request id, tracing and session layers.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Body,
    extract::{FromRef, Request},
    http::{header, HeaderName, HeaderValue, Response},
    middleware, Router,
};
use berth_app::{shell, App};
use berth_core::{db::session_store::DbSessionStore, Services};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::Layer;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use crate::{
    auth,
    config::Config,
    context::{self, ErrorResponse},
    health,
};

/// The server's own routes, each declared with what it requires of its
/// caller (see `berth_core::auth::endpoint`) where it is routed.
macro_rules! routes {
    (
        $router:expr;
        $( $(#[$doc:meta])* $method:ident $path:literal => $handler:expr, $kind:ident $(($perm:ident))?; )*
    ) => {{
        $( berth_core::declare_endpoint!(stringify!($method), $path, $kind $(($perm))?); )*
        $router $( .route($path, routes!(@method $method)($handler)) )*
    }};
    (@method GET) => { axum::routing::get };
    (@method POST) => { axum::routing::post };
}

/// What every handler shares, behind one pointer: each request clones the
/// state, which must cost no more than that.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub leptos: LeptosOptions,
    pub services: Services,
    /// `scheme://host[:port]` users reach Berth at.
    pub public_origin: String,
    /// How often an active session's expiry is pushed forward.
    pub session_refresh_secs: i64,
    /// How long a session may last from sign-in, however active.
    pub session_max_secs: i64,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// Single sign-on, when a provider is configured.
    pub sso: Option<Arc<crate::sso::Sso>>,
    /// Whether Berth passwords may be used to sign in.
    pub local_login: bool,
    /// Whether this process holds the background-workers lease.
    pub leader: Arc<std::sync::atomic::AtomicBool>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos.clone()
    }
}

pub const SESSION_COOKIE: &str = "berth_session";

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("berth")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .build()
}

/// A server-function call whose arguments cannot be read fails inside
/// server_fn with status 500; it is the caller's mistake, so it is answered
/// 400 instead. (leptos_routes registers the server-function routes.)
async fn bad_arguments_are_400(req: Request<Body>, next: middleware::Next) -> Response<Body> {
    let is_server_fn = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if !is_server_fn || res.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return berth_api::AppError::Unavailable.status_response();
    };
    if matches!(
        serde_json::from_slice(&bytes),
        Ok(berth_api::AppError::Transport { .. })
    ) {
        parts.status = axum::http::StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

pub fn router(
    config: &Config,
    services: Services,
    sso: Option<Arc<crate::sso::Sso>>,
    leader: Arc<std::sync::atomic::AtomicBool>,
) -> Router {
    let state = AppState(Arc::new(Shared {
        leptos: leptos_options(config),
        services: services.clone(),
        public_origin: origin_of(&config.public_url),
        session_refresh_secs: (config.session_idle_minutes * 60 / 10).clamp(1, 300),
        session_max_secs: config.session_max_hours * 3600,
        trusted_proxies: config.trusted_proxies.clone(),
        sso,
        local_login: config.local_login,
        leader,
    }));
    let store = services.session_store();
    spawn_session_sweeper(store.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            config.session_idle_minutes,
        )));

    let hsts = config.secure_cookies();
    let sign_in = berth_app::SignInOptions {
        sso: config.sso.is_some(),
        local: config.local_login,
    };
    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    let request_id = HeaderName::from_static("x-request-id");

    routes! {
        Router::new();
        GET "/healthz" => health::healthz, Nobody;
        GET "/leaderz" => health::leaderz, Nobody;
        GET "/readyz" => health::readyz, Nobody;
        POST "/auth/login" => auth::login, Nobody;
        POST "/auth/logout" => auth::logout, Nobody;
        // The second sign-in step: a pending sign-in, not a session.
        POST "/auth/2fa" => auth::second_factor, Nobody;
        // Single sign-on: out to the provider and back.
        GET "/auth/oidc/start" => crate::sso::start, Nobody;
        GET "/auth/oidc/callback" => crate::sso::callback, Nobody;
        GET "/lang/{tag}" => auth::set_language, Nobody;
        GET "/audit/export.csv" => crate::exports::audit_csv, Permission(AuditExport);
        GET "/usage/export.csv" => crate::exports::usage_csv_of_vdc, Permission(QuotaRead);
        GET "/live/cluster-changes" => crate::live::cluster_changes, Permission(NodeRead);
    }
        .leptos_routes(&state, routes, move || {
            leptos::prelude::provide_context(sign_in);
            shell(leptos.clone())
        })
        // The WASM, JS and CSS, with the gzip copies build-site makes. Their
        // names stay the same from one release to the next, so a browser
        // keeps them but asks whether they changed (a 304 when not).
        .nest_service(
            "/pkg",
            SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))
                .layer(ServeDir::new(config.site_root.join("pkg")).precompressed_gzip()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(bad_arguments_are_400))
        .layer(middleware::from_fn_with_state(state.clone(), context::attach))
        .layer(sessions)
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
            })
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // A client's own x-request-id is not trusted into logs and errors.
        .layer(axum::middleware::map_request(|mut req: Request<Body>| async move {
            req.headers_mut().remove("x-request-id");
            req
        }))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Behind https, browsers are told to keep to https.
        .layer(middleware::map_response(move |mut res: Response<Body>| async move {
            if hsts {
                res.headers_mut().insert(
                    header::STRICT_TRANSPORT_SECURITY,
                    HeaderValue::from_static("max-age=31536000; includeSubDomains"),
                );
            }
            res
        }))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .with_state(state)
}

/// `https://host:port` of a URL (drops any path).
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url[..after_scheme + i].to_owned(),
        None => url.to_owned(),
    }
}

/// Deletes expired sessions every few minutes.
fn spawn_session_sweeper(store: DbSessionStore) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "expired session sweep failed");
            }
        }
    });
}
