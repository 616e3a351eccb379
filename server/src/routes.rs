//! The router: auth routes, health, server functions, Leptos pages and
//! static files, wrapped in request id, tracing and session layers.

use std::time::Duration;

use axum::{
    body::Body,
    extract::{FromRef, Request},
    http::{HeaderName, Response},
    middleware,
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use berth_app::{shell, App};
use berth_core::{db::session_store::DbSessionStore, Services};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

use crate::{auth, config::Config, context, health};

#[derive(Clone)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub services: Services,
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

async fn server_fn(req: Request<Body>) -> Response<Body> {
    leptos_axum::handle_server_fns(req).await.into_response()
}

pub fn router(config: &Config, services: Services) -> Router {
    let state = AppState {
        leptos: leptos_options(config),
        services: services.clone(),
    };
    let store = DbSessionStore::new(services.db().clone());
    spawn_session_sweeper(store.clone());
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies())
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes)));

    let routes = generate_route_list(App);
    let leptos = state.leptos.clone();
    let request_id = HeaderName::from_static("x-request-id");

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/lang/{tag}", get(auth::set_language))
        .route("/api/{*fn_name}", get(server_fn).post(server_fn))
        .leptos_routes(&state, routes, move || shell(leptos.clone()))
        // The WASM, JS and CSS, with the gzip copies build-site makes.
        .nest_service("/pkg", ServeDir::new(config.site_root.join("pkg")).precompressed_gzip())
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
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
        .with_state(state)
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
