//! The simulator's own control endpoints, beside the Kubernetes API, for
//! tests that drive a simulator in another process:
//! - `GET|POST|DELETE /__sim/faults`: list, add (a [`Fault`] as JSON), clear;
//! - `POST /__sim/clock` with `{"advanceSeconds": N}`: move the cluster's clock;
//! - `GET /__sim/snapshot`: every object, as `--snapshot` writes them.

use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};
use serde_json::{json, Value};

use super::json_response;
use crate::faults::Fault;
use crate::ops::Cluster;
use crate::status::ApiError;

/// Serves one control request.
pub fn handle(cluster: &Cluster, method: &Method, path: &str, body: &[u8]) -> Response {
    let result = match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/__sim/faults") => Ok(json!(cluster.faults.list())),
        ("POST", "/__sim/faults") => serde_json::from_slice::<Fault>(body)
            .map_err(|e| ApiError::bad_request(format!("not a fault: {e}")))
            .map(|f| {
                cluster.faults.add(f);
                json!(cluster.faults.list())
            }),
        ("DELETE", "/__sim/faults") => {
            cluster.faults.clear();
            Ok(json!([]))
        }
        ("POST", "/__sim/clock") => serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("advanceSeconds").and_then(Value::as_u64))
            .ok_or_else(|| ApiError::bad_request("send {\"advanceSeconds\": N}"))
            .map(|s| {
                let mut store = cluster.lock();
                store.advance_clock(std::time::Duration::from_secs(s));
                json!({ "now": store.now().to_rfc3339() })
            }),
        ("GET", "/__sim/snapshot") => Ok(cluster.lock().snapshot()),
        _ => Err(ApiError::path_not_found()),
    };
    match result {
        Ok(v) => json_response(StatusCode::OK, &v),
        Err(e) => e.into_response(),
    }
}
