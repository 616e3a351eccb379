//! Resource verbs over HTTP: maps method, query and body of a collection or
//! object URL onto [`crate::ops::Cluster`] calls, and renders the answer
//! (status code, full objects or metadata-only `PartialObjectMetadata`).

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, Method, StatusCode, Uri};
use serde_json::{json, Value};

use super::json_response;
use crate::ops::{Cluster, DeleteOptions, Deleted, ListOptions, PatchKind, WatchOptions};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::ApiError;

/// Query parameters as (name, value) pairs.
struct Params(Vec<(String, String)>);

impl Params {
    fn from_uri(uri: &Uri) -> Result<Self, ApiError> {
        Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|Query(q)| Params(q))
            .map_err(|e| ApiError::bad_request(format!("invalid query: {e}")))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true") | Some("1"))
    }

    fn dry_run(&self) -> bool {
        self.0.iter().any(|(k, v)| k == "dryRun" && v == "All")
    }

    fn list_options(&self, rt: &ResourceType) -> Result<ListOptions, ApiError> {
        let labels = LabelSelector::parse(self.get("labelSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(
            self.get("fieldSelector").unwrap_or_default(),
            rt.field_selectors,
        )
        .map_err(ApiError::bad_request)?;
        let limit = match self.get("limit") {
            None | Some("") => None,
            Some(l) => Some(
                l.parse::<usize>()
                    .map_err(|_| ApiError::bad_request(format!("invalid limit: {l}")))?,
            ),
        };
        Ok(ListOptions {
            labels,
            fields,
            limit,
            continue_token: self.get("continue").map(str::to_string),
        })
    }
}

/// Which form of the object the client accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Full,
    Metadata,
}

fn form(headers: &HeaderMap) -> Form {
    let accept: String = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if accept.contains("as=PartialObjectMetadata") && accept.contains("g=meta.k8s.io") {
        Form::Metadata
    } else {
        Form::Full
    }
}

fn partial(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

fn render(code: StatusCode, obj: &Value, form: Form) -> Response {
    match form {
        Form::Full => json_response(code, obj),
        Form::Metadata => json_response(code, &partial(obj)),
    }
}

fn render_list(list: &Value, form: Form) -> Response {
    match form {
        Form::Full => json_response(StatusCode::OK, list),
        Form::Metadata => {
            let items: Vec<Value> = list
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(partial)
                .collect();
            json_response(
                StatusCode::OK,
                &json!({
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": list.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    "items": items,
                }),
            )
        }
    }
}

fn check_json_body(headers: &HeaderMap) -> Result<(), ApiError> {
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(()),
        Some(ct) if ct.starts_with("application/json") || ct.starts_with("*/*") => Ok(()),
        Some(ct) => Err(ApiError::unsupported_media_type(ct)),
    }
}

fn respond(result: Result<Response, ApiError>) -> Response {
    result.unwrap_or_else(IntoResponse::into_response)
}

/// A WATCH: newline-delimited JSON events, streamed.
fn watch(
    cluster: &std::sync::Arc<Cluster>,
    rt: &'static ResourceType,
    namespace: Option<&str>,
    params: &Params,
) -> Result<Response, ApiError> {
    let number = |name: &str| -> Result<Option<u64>, ApiError> {
        match params.get(name) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("invalid {name}: {v}"))),
        }
    };
    let opts = WatchOptions {
        list: params.list_options(rt)?,
        resource_version: number("resourceVersion")?,
        bookmarks: params.flag("allowWatchBookmarks"),
        bookmark_every: std::time::Duration::from_secs(1),
        timeout: std::time::Duration::from_secs(number("timeoutSeconds")?.unwrap_or(1_800)),
    };
    let events = cluster.watch(rt, namespace, opts)?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::from_stream(events),
    )
        .into_response())
}

fn require(rt: &ResourceType, verb: &str) -> Result<(), ApiError> {
    if rt.supports(verb) {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed())
    }
}

/// A request on a collection URL: list, create, delete collection.
pub fn collection(
    cluster: &std::sync::Arc<Cluster>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    rt: &'static ResourceType,
    namespace: Option<&str>,
    body: &[u8],
) -> Response {
    respond((|| {
        let params = Params::from_uri(uri)?;
        let form = form(headers);
        match *method {
            Method::GET | Method::HEAD => {
                if params.flag("watch") {
                    require(rt, "watch")?;
                    return watch(cluster, rt, namespace, &params);
                }
                require(rt, "list")?;
                let list = cluster.list(rt, namespace, &params.list_options(rt)?)?;
                Ok(render_list(&list, form))
            }
            Method::POST => {
                require(rt, "create")?;
                if rt.namespaced && namespace.is_none() {
                    return Err(ApiError::method_not_allowed());
                }
                check_json_body(headers)?;
                let created = cluster.create(rt, namespace, body, params.dry_run())?;
                Ok(render(StatusCode::CREATED, &created, form))
            }
            Method::DELETE => {
                require(rt, "deletecollection")?;
                let mut opts = DeleteOptions::from_body(body)?;
                opts.dry_run |= params.dry_run();
                let list =
                    cluster.delete_collection(rt, namespace, &params.list_options(rt)?, &opts)?;
                Ok(render_list(&list, form))
            }
            _ => Err(ApiError::method_not_allowed()),
        }
    })())
}

fn patch_kind(headers: &HeaderMap) -> Result<PatchKind, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    PatchKind::from_content_type(ct).ok_or_else(|| ApiError::unsupported_patch_type(ct))
}

/// `scale`, `log`, `eviction` and `binding`.
#[allow(clippy::too_many_arguments)]
fn other_subresource(
    cluster: &std::sync::Arc<Cluster>,
    method: &Method,
    headers: &HeaderMap,
    params: &Params,
    rt: &'static ResourceType,
    namespace: Option<&str>,
    name: &str,
    sub: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let ns = namespace.unwrap_or_default();
    match (sub, method.clone()) {
        ("scale", Method::GET) => Ok(json_response(
            StatusCode::OK,
            &cluster.get_scale(rt, namespace, name)?,
        )),
        ("scale", Method::PUT) => {
            check_json_body(headers)?;
            let scale = cluster.update_scale(rt, namespace, name, body, params.dry_run())?;
            Ok(json_response(StatusCode::OK, &scale))
        }
        ("scale", Method::PATCH) => {
            let scale = cluster.patch_scale(
                rt,
                namespace,
                name,
                patch_kind(headers)?,
                body,
                params.dry_run(),
            )?;
            Ok(json_response(StatusCode::OK, &scale))
        }
        ("log", Method::GET) => {
            let tail = match params.get("tailLines") {
                None | Some("") => None,
                Some(t) => Some(
                    t.parse::<usize>()
                        .map_err(|_| ApiError::bad_request(format!("invalid tailLines: {t}")))?,
                ),
            };
            let text = cluster.pod_log(
                ns,
                name,
                params.get("container"),
                tail,
                params.flag("timestamps"),
            )?;
            Ok(([(header::CONTENT_TYPE, "text/plain")], text).into_response())
        }
        ("eviction", Method::POST) => Ok(json_response(
            StatusCode::CREATED,
            &cluster.evict(ns, name, body)?,
        )),
        ("binding", Method::POST) => Ok(json_response(
            StatusCode::CREATED,
            &cluster.bind(ns, name, body)?,
        )),
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// A request on an object URL (or its subresource): get, update, delete.
#[allow(clippy::too_many_arguments)]
pub fn object(
    cluster: &std::sync::Arc<Cluster>,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    rt: &'static ResourceType,
    namespace: Option<&str>,
    name: &str,
    subresource: Option<&str>,
    body: &[u8],
) -> Response {
    respond((|| {
        let params = Params::from_uri(uri)?;
        let form = form(headers);
        let status_only = match subresource {
            None => false,
            Some("status") if rt.status_subresource => true,
            Some(sub) if rt.subresources.contains(&sub) => {
                return other_subresource(
                    cluster, method, headers, &params, rt, namespace, name, sub, body,
                );
            }
            Some(_) => return Err(ApiError::path_not_found()),
        };
        match *method {
            Method::GET | Method::HEAD => {
                require(rt, "get")?;
                Ok(render(
                    StatusCode::OK,
                    &cluster.get(rt, namespace, name)?,
                    form,
                ))
            }
            Method::PUT => {
                require(rt, "update")?;
                check_json_body(headers)?;
                let updated =
                    cluster.update(rt, namespace, name, body, status_only, params.dry_run())?;
                Ok(render(StatusCode::OK, &updated, form))
            }
            Method::PATCH => {
                require(rt, "patch")?;
                let kind = patch_kind(headers)?;
                if kind == PatchKind::Apply && !status_only {
                    let (applied, created) = cluster.apply(
                        rt,
                        namespace,
                        name,
                        body,
                        params.get("fieldManager").unwrap_or_default(),
                        params.flag("force"),
                        params.dry_run(),
                    )?;
                    let code = if created {
                        StatusCode::CREATED
                    } else {
                        StatusCode::OK
                    };
                    return Ok(render(code, &applied, form));
                }
                let patched = cluster.patch(
                    rt,
                    namespace,
                    name,
                    kind,
                    body,
                    status_only,
                    params.dry_run(),
                )?;
                Ok(render(StatusCode::OK, &patched, form))
            }
            Method::DELETE if !status_only => {
                require(rt, "delete")?;
                let mut opts = DeleteOptions::from_body(body)?;
                opts.dry_run |= params.dry_run();
                match cluster.delete(rt, namespace, name, &opts)? {
                    Deleted::Object(obj) => Ok(render(StatusCode::OK, &obj, form)),
                    Deleted::Status(status) => Ok(json_response(StatusCode::OK, &status)),
                }
            }
            _ => Err(ApiError::method_not_allowed()),
        }
    })())
}
