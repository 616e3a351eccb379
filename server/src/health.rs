//! Liveness and readiness for load balancers and orchestrators.

use axum::{extract::State, http::StatusCode, response::IntoResponse};

use crate::routes::AppState;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok")
}

/// The database answers and every migration has been applied.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.services.db().ready().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

/// Whether this process runs the background workers: `leader` or `follower`.
pub async fn leaderz(State(state): State<AppState>) -> impl IntoResponse {
    if state.leader.load(std::sync::atomic::Ordering::SeqCst) {
        (StatusCode::OK, "leader")
    } else {
        (StatusCode::OK, "follower")
    }
}
