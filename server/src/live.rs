//! `GET /live/cluster-changes?cluster_id=N`: server-sent events, one per
//! change the cluster's watch cache sees (a node or pod added, changed or
//! removed), so open pages refresh what they show without a reload.
//!
//! A stream outlives the request that opened it, so it is authorized
//! again before every event and at least every [`RECHECK`]: it ends when
//! its session ends (signed out, revoked, expired), its user is disabled,
//! or the user no longer holds the permission.

use std::convert::Infallible;
use std::time::Duration;

use axum::{
    extract::{Query, State},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Response,
    },
    Extension,
};
use berth_api::AppError;
use berth_app::api::backend::RequestContext;
use berth_core::Services;
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::{context::ErrorResponse, routes::AppState};

/// How often an idle stream checks that it may go on.
pub const RECHECK: Duration = Duration::from_secs(2);

#[derive(Deserialize)]
pub struct ChangesQuery {
    pub cluster_id: i64,
}

/// What a stream carries from one event to the next.
struct Stream {
    rx: broadcast::Receiver<berth_core::kube::cache::Change>,
    services: Services,
    session: String,
    max_age_secs: i64,
    tick: tokio::time::Interval,
}

impl Stream {
    /// Whether the session behind the stream still holds the right to it.
    async fn still_allowed(&self) -> bool {
        match self
            .services
            .identity()
            .live_principal(&self.session, self.max_age_secs)
            .await
        {
            // Holds (a password to change first) are the core's to decide.
            Ok(Some(p)) => self.services.clusters().may_watch_cluster(&p),
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "live stream: re-authorization failed; closing");
                false
            }
        }
    }

    /// The next event to send, or `None` when the stream ends.
    async fn next(mut self) -> Option<(String, Stream)> {
        loop {
            let data = tokio::select! {
                change = self.rx.recv() => match change {
                    Ok(change) => serde_json::to_string(&change).unwrap_or_default(),
                    // Missed some: the page should simply reload everything.
                    Err(RecvError::Lagged(_)) => "{\"kind\":\"resync\"}".to_string(),
                    Err(RecvError::Closed) => return None,
                },
                _ = self.tick.tick() => {
                    if !self.still_allowed().await {
                        return None;
                    }
                    continue;
                }
            };
            if !self.still_allowed().await {
                return None;
            }
            return Some((data, self));
        }
    }
}

pub async fn cluster_changes(
    State(state): State<AppState>,
    Extension(ctx): Extension<RequestContext>,
    Query(q): Query<ChangesQuery>,
) -> Response {
    let (Some(who), Some(session)) = (&ctx.principal, ctx.request.session.clone()) else {
        return AppError::Unauthenticated.status_response();
    };
    let rx = match ctx
        .services
        .clusters()
        .watch_cluster_changes(who, q.cluster_id)
        .await
    {
        Ok(rx) => rx,
        Err(e) => return e.into_app_error(&ctx.request.request_id).status_response(),
    };
    let mut tick = tokio::time::interval(RECHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stream = Stream {
        rx,
        services: ctx.services.clone(),
        session,
        max_age_secs: state.session_max_secs,
        tick,
    };
    let events = futures::stream::unfold(stream, |s| async move {
        let (data, s) = s.next().await?;
        Some((
            Ok::<_, Infallible>(Event::default().event("change").data(data)),
            s,
        ))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
