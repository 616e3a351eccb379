//! The HTTP face of the simulator: one axum [`Router`] whose single handler
//! routes every request by path ([`paths`]) to discovery documents
//! ([`discovery`]) or resource verbs ([`handlers`]), answering JSON as the
//! API server does and `kind: Status` bodies for every error.

mod control;
pub mod discovery;
pub mod handlers;
pub mod negotiate;
pub mod paths;
pub mod table;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::Value;

use crate::ops::Cluster;
use crate::status::ApiError;
use paths::Route;

/// A JSON response with the given status code.
pub fn json_response(code: StatusCode, body: &Value) -> Response {
    json_response_typed(code, body, "application/json")
}

fn json_response_typed(code: StatusCode, body: &Value, content_type: &'static str) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut res = Response::new(Body::from(bytes));
    *res.status_mut() = code;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn bytes_response(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut res = Response::new(Body::from(bytes));
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// `/openapi/v2` as JSON. Clients that accept only the protobuf form of the
/// Swagger document (gnostic's) are answered 406, as a server without it.
fn openapi_v2(headers: &HeaderMap) -> Response {
    let accept: Vec<&str> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let json_ok = accept.is_empty()
        || accept.iter().any(|a| {
            a.starts_with("application/json")
                || a.starts_with("*/*")
                || a.starts_with("application/*")
        });
    if json_ok {
        bytes_response(crate::openapi::v2().to_vec(), "application/json")
    } else {
        ApiError::not_acceptable().into_response()
    }
}

/// The whole API as a router over a cluster's shared state.
pub fn router(cluster: Arc<Cluster>) -> Router {
    Router::new().fallback(dispatch).with_state(cluster)
}

fn wants_aggregated(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("as=APIGroupDiscoveryList") && v.contains("g=apidiscovery.k8s.io;v=v2"))
}

fn is_watch(uri: &Uri) -> bool {
    uri.query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "watch=true" || kv == "watch=1"))
}

/// Serves a request, with whatever faults are injected for it.
async fn dispatch(
    State(cluster): State<Arc<Cluster>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    certificate: Option<axum::Extension<crate::auth::CertificateUser>>,
    body: Bytes,
) -> Response {
    let certificate = certificate.map(|axum::Extension(c)| c.0);
    if uri.path().starts_with("/__sim/") {
        // The test controls (fault injection) are the administrator's only.
        let user = crate::auth::identify(&cluster, &headers, certificate.as_ref());
        if !user.groups.iter().any(|g| g == "system:masters") {
            let attrs =
                crate::auth::attributes(&paths::Route::NotFound, &method, uri.path(), false);
            return crate::auth::forbidden(&user, &attrs).into_response();
        }
        return control::handle(&cluster, &method, uri.path(), &body);
    }
    let watch = is_watch(&uri);
    let plan = cluster.faults.plan(method.as_str(), uri.path(), watch);
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    if let Some(code) = plan.error {
        return ApiError::injected(code).into_response();
    }
    if plan.gone {
        let rv = cluster.lock().resource_version();
        return (
            [(header::CONTENT_TYPE, "application/json")],
            crate::ops::gone_event(rv),
        )
            .into_response();
    }
    let response = serve(cluster, method, uri, headers, certificate, body).await;
    if plan.drop {
        let (parts, _) = response.into_parts();
        let broken = futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::other(
                "connection dropped (injected fault)",
            ))
        });
        return Response::from_parts(parts, Body::from_stream(broken));
    }
    if let Some(n) = plan.close_watch_after {
        use futures::StreamExt;
        let (parts, body) = response.into_parts();
        return Response::from_parts(parts, Body::from_stream(body.into_data_stream().take(n)));
    }
    response
}

async fn serve(
    cluster: Arc<Cluster>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    certificate: Option<crate::auth::UserInfo>,
    body: Bytes,
) -> Response {
    let catalog = cluster.catalog();
    let route = paths::route_in(uri.path(), &catalog);
    tracing::debug!(%method, %uri, "kube-sim request");
    let user = crate::auth::identify(&cluster, &headers, certificate.as_ref());
    let attrs = crate::auth::attributes(&route, &method, uri.path(), is_watch(&uri));
    if let Err(e) = crate::auth::authorize(&cluster, &user, &attrs) {
        return e.into_response();
    }
    let read_only = method == Method::GET || method == Method::HEAD;
    match route {
        Route::NotFound => ApiError::path_not_found().into_response(),
        Route::Version if read_only => json_response(StatusCode::OK, &discovery::version()),
        Route::OpenApiV2 if read_only => openapi_v2(&headers),
        Route::OpenApiV3(None) if read_only => json_response(
            StatusCode::OK,
            &crate::openapi::v3_root(&cluster.custom_openapi(&catalog)),
        ),
        Route::OpenApiV3(Some(gv)) if read_only => match crate::openapi::v3(&gv) {
            Some(doc) => bytes_response(doc.bytes.clone(), "application/json"),
            None => match cluster
                .custom_openapi(&catalog)
                .into_iter()
                .find(|d| d.group_version == gv.trim_matches('/'))
            {
                Some(doc) => bytes_response(doc.bytes, "application/json"),
                None => ApiError::path_not_found().into_response(),
            },
        },
        Route::Health if read_only => {
            let mut res = Response::new(Body::from("ok"));
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            res
        }
        Route::CoreVersions if read_only => {
            if wants_aggregated(&headers) {
                json_response_typed(
                    StatusCode::OK,
                    &discovery::core_aggregated(),
                    discovery::AGGREGATED_V2,
                )
            } else {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .unwrap_or("127.0.0.1:6443");
                json_response(StatusCode::OK, &discovery::core_versions(host))
            }
        }
        Route::Groups if read_only => {
            if wants_aggregated(&headers) {
                json_response_typed(
                    StatusCode::OK,
                    &discovery::groups_aggregated(&catalog),
                    discovery::AGGREGATED_V2,
                )
            } else {
                json_response(StatusCode::OK, &discovery::groups(&catalog))
            }
        }
        Route::Group(g) if read_only => match discovery::group(&catalog, &g) {
            Some(doc) => json_response(StatusCode::OK, &doc),
            None => ApiError::path_not_found().into_response(),
        },
        Route::Resources { group, version } if read_only => json_response(
            StatusCode::OK,
            &discovery::resource_list(&catalog, &group, &version),
        ),
        Route::Collection { rt, namespace } => handlers::collection(
            &cluster,
            &user,
            &method,
            &uri,
            &headers,
            rt,
            namespace.as_deref(),
            &body,
        ),
        Route::Object {
            rt,
            namespace,
            name,
            subresource,
        } => handlers::object(
            &cluster,
            &method,
            &uri,
            &headers,
            rt,
            namespace.as_deref(),
            &name,
            subresource.as_deref(),
            &body,
        ),
        Route::Version
        | Route::OpenApiV2
        | Route::OpenApiV3(_)
        | Route::Health
        | Route::CoreVersions
        | Route::Groups
        | Route::Group(_)
        | Route::Resources { .. } => ApiError::method_not_allowed().into_response(),
    }
}
