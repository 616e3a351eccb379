//! `GET /live/cluster-changes?cluster_id=N`: server-sent events, one per
//! change the cluster's watch cache sees (a node or pod added, changed or
//! removed), so open pages refresh what they show without a reload.

use std::convert::Infallible;
use std::time::Duration;

use axum::{
    extract::Query,
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Extension,
};
use berth_api::AppError;
use berth_app::api::backend::RequestContext;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::context::ErrorResponse;

#[derive(Deserialize)]
pub struct ChangesQuery {
    pub cluster_id: i64,
}

pub async fn cluster_changes(
    Extension(ctx): Extension<RequestContext>,
    Query(q): Query<ChangesQuery>,
) -> Response {
    let Some(who) = &ctx.principal else {
        return AppError::Unauthenticated.status_response();
    };
    let rx = match ctx.services.watch_cluster_changes(who, q.cluster_id).await {
        Ok(rx) => rx,
        Err(e) => return e.into_app_error(&ctx.request.request_id).status_response(),
    };
    let events = futures::stream::unfold(rx, |mut rx| async move {
        let data = match rx.recv().await {
            Ok(change) => serde_json::to_string(&change).unwrap_or_default(),
            // Missed some: the page should simply reload everything.
            Err(RecvError::Lagged(_)) => "{\"kind\":\"resync\"}".to_string(),
            Err(RecvError::Closed) => return None,
        };
        Some((
            Ok::<_, Infallible>(Event::default().event("change").data(data)),
            rx,
        ))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
