//! Resource verbs over HTTP: maps method, query and body of a collection or
//! object URL onto [`crate::ops::Cluster`] calls, and renders the answer
//! (status code, full objects or metadata-only `PartialObjectMetadata`).

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, Method, StatusCode, Uri};
use serde_json::Value;

use super::json_response;
use super::negotiate::{self, IncludeObject, Output};
use crate::auth::{self, UserInfo};
use crate::openapi::fields::{self, Directive};
use crate::ops::{
    Cluster, DeleteOptions, Deleted, ListOptions, ManagerScope, PatchKind, WatchOptions,
};
use crate::resources::ResourceType;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::status::{ApiError, Cause};

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

/// The field manager a write records: `fieldManager`, else the client's
/// User-Agent up to its first `/` (kube-apiserver's default).
fn manager(params: &Params, headers: &HeaderMap) -> String {
    match params.get("fieldManager").filter(|m| !m.is_empty()) {
        Some(m) => m.to_string(),
        None => headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(|ua| ua.split('/').next())
            .unwrap_or_default()
            .to_string(),
    }
}

/// The negotiated answer form and the `includeObject` of Table rows.
struct Answer {
    out: Output,
    include: IncludeObject,
    rt: &'static ResourceType,
    /// For a custom resource: its version's schema.
    custom: Option<Value>,
    /// `Warning` headers to send (unknown fields under `fieldValidation=Warn`).
    warnings: Vec<String>,
}

impl Answer {
    fn new(
        cluster: &Cluster,
        headers: &HeaderMap,
        params: &Params,
        rt: &'static ResourceType,
    ) -> Result<Self, ApiError> {
        Ok(Answer {
            out: negotiate::output(headers)?,
            include: IncludeObject::parse(params.get("includeObject"))?,
            rt,
            custom: cluster.custom_schema(rt),
            warnings: Vec::new(),
        })
    }

    /// A write's body with the fields the kind does not know dropped, as
    /// `fieldValidation` says (`patch`: an object-shaped patch).
    fn known_fields(
        &mut self,
        params: &Params,
        body: &[u8],
        patch: bool,
    ) -> Result<Vec<u8>, ApiError> {
        let directive = Directive::parse(params.get("fieldValidation"))?;
        let Ok(mut value) = serde_json::from_slice::<Value>(body) else {
            return Ok(body.to_vec());
        };
        self.warnings.extend(fields::check(
            self.rt,
            self.custom.as_ref(),
            directive,
            &mut value,
            patch,
        )?);
        if !patch {
            self.check_custom(&value)?;
        }
        serde_json::to_vec(&value).map_err(|e| ApiError::internal(e.to_string()))
    }

    /// A custom object checked against its schema (the 422 of its causes).
    fn check_custom(&self, obj: &Value) -> Result<(), ApiError> {
        let Some(schema) = &self.custom else {
            return Ok(());
        };
        let mut causes = Vec::new();
        crate::crd::validate_object(schema, obj, "", &mut causes);
        if causes.is_empty() {
            Ok(())
        } else {
            let name = obj
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            Err(ApiError::invalid(self.rt, name, causes))
        }
    }

    fn object(&self, code: StatusCode, obj: &Value) -> Response {
        let mut res = self.out.object(code, obj, self.rt, self.include);
        for w in &self.warnings {
            if let Ok(v) =
                http::HeaderValue::from_str(&format!("299 - {}", crate::status::quote(w)))
            {
                res.headers_mut().append(header::WARNING, v);
            }
        }
        res
    }

    fn list(&self, list: &Value) -> Response {
        self.out.list(list, self.rt, self.include)
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
    answer: &Answer,
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
    let initial_events = params.flag("sendInitialEvents");
    if initial_events {
        let mut causes = Vec::new();
        if params.get("resourceVersionMatch") != Some("NotOlderThan") {
            causes.push(Cause::forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            ));
        }
        if !params.flag("allowWatchBookmarks") {
            causes.push(Cause::required(
                "allowWatchBookmarks",
                "sendInitialEvents requires allowWatchBookmarks=true",
            ));
        }
        if !causes.is_empty() {
            return Err(list_options_invalid(causes));
        }
    }
    let opts = WatchOptions {
        initial_events,
        list: params.list_options(rt)?,
        resource_version: number("resourceVersion")?,
        bookmarks: params.flag("allowWatchBookmarks"),
        bookmark_every: std::time::Duration::from_secs(1),
        timeout: std::time::Duration::from_secs(number("timeoutSeconds")?.unwrap_or(1_800)),
    };
    let events = cluster.watch(rt, namespace, opts)?;
    let (out, include) = (answer.out, answer.include);
    let mut first = true;
    let events = futures::StreamExt::map(events, move |line| {
        line.map(|l| {
            let framed = out.watch_event(&l, rt, include, first);
            first = false;
            axum::body::Bytes::from(framed)
        })
    });
    Ok((
        [(header::CONTENT_TYPE, answer.out.watch_content_type())],
        axum::body::Body::from_stream(events),
    )
        .into_response())
}

/// The core Event type, when `rt` is `events.k8s.io/v1` (writes go to the core Events).
fn events_core(rt: &ResourceType) -> Option<&'static ResourceType> {
    (rt.group == "events.k8s.io")
        .then(|| crate::resources::core("events"))
        .flatten()
}

/// kube-apiserver's 422 for list options that do not go together.
fn list_options_invalid(causes: Vec<Cause>) -> ApiError {
    let parts: Vec<String> = causes
        .iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect();
    let joined = if parts.len() == 1 {
        parts[0].clone()
    } else {
        format!("[{}]", parts.join(", "))
    };
    ApiError {
        code: 422,
        reason: "Invalid",
        message: format!("ListOptions.meta.k8s.io \"\" is invalid: {joined}"),
        details: Some(serde_json::json!({
            "group": "meta.k8s.io",
            "kind": "ListOptions",
            "causes": causes.iter().map(|c| serde_json::json!({"reason": c.reason, "message": c.message, "field": c.field})).collect::<Vec<_>>(),
        })),
    }
}

/// `resourceVersionMatch` checked against `resourceVersion`, as kube-apiserver checks it.
fn check_version_match(params: &Params) -> Result<(), ApiError> {
    let rv = params.get("resourceVersion").unwrap_or_default();
    match params.get("resourceVersionMatch").unwrap_or_default() {
        "" => Ok(()),
        _ if rv.is_empty() => Err(list_options_invalid(vec![Cause::forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )])),
        "Exact" if rv == "0" => Err(list_options_invalid(vec![Cause::forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
        )])),
        "Exact" | "NotOlderThan" => Ok(()),
        other => Err(list_options_invalid(vec![Cause::unsupported(
            "resourceVersionMatch",
            other,
            &["Exact", "NotOlderThan", ""],
        )])),
    }
}

fn require(rt: &ResourceType, verb: &str) -> Result<(), ApiError> {
    if rt.supports(verb) {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed())
    }
}

/// A request on a collection URL: list, create, delete collection.
#[allow(clippy::too_many_arguments)]
pub fn collection(
    cluster: &std::sync::Arc<Cluster>,
    user: &UserInfo,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    rt: &'static ResourceType,
    namespace: Option<&str>,
    body: &[u8],
) -> Response {
    respond((|| {
        let params = Params::from_uri(uri)?;
        let mut answer = Answer::new(cluster, headers, &params, rt)?;
        let _manager = ManagerScope::enter(&manager(&params, headers));
        match *method {
            Method::GET | Method::HEAD => {
                if params.flag("watch") {
                    require(rt, "watch")?;
                    return watch(cluster, rt, namespace, &params, &answer);
                }
                require(rt, "list")?;
                check_version_match(&params)?;
                let list = cluster.list(rt, namespace, &params.list_options(rt)?)?;
                Ok(answer.list(&list))
            }
            Method::POST => {
                require(rt, "create")?;
                if rt.namespaced && namespace.is_none() {
                    return Err(ApiError::method_not_allowed());
                }
                let body = negotiate::body(headers, body)?;
                let body = if rt.review {
                    body.into_owned()
                } else {
                    answer.known_fields(&params, &body, false)?
                };
                if rt.review {
                    let review: Value = serde_json::from_slice(&body)
                        .map_err(|e| ApiError::bad_request(format!("invalid {}: {e}", rt.kind)))?;
                    let answered = auth::reviews::answer(cluster, rt, user, namespace, review)?;
                    return Ok(answer.object(StatusCode::CREATED, &answered));
                }
                if let Some(core) = events_core(rt) {
                    let event: Value = serde_json::from_slice(&body)
                        .map_err(|e| ApiError::bad_request(format!("invalid Event: {e}")))?;
                    let bytes = serde_json::to_vec(&crate::events::to_core(&event))
                        .map_err(|e| ApiError::internal(e.to_string()))?;
                    let created = cluster.create(core, namespace, &bytes, params.dry_run())?;
                    return Ok(
                        answer.object(StatusCode::CREATED, &crate::events::from_core(&created))
                    );
                }
                let created = cluster.create(rt, namespace, &body, params.dry_run())?;
                Ok(answer.object(StatusCode::CREATED, &created))
            }
            Method::DELETE => {
                require(rt, "deletecollection")?;
                let mut opts = DeleteOptions::from_body(&negotiate::body(headers, body)?)?;
                opts.dry_run |= params.dry_run();
                let list =
                    cluster.delete_collection(rt, namespace, &params.list_options(rt)?, &opts)?;
                Ok(answer.list(&list))
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
            let body = negotiate::body(headers, body)?;
            let scale = cluster.update_scale(rt, namespace, name, &body, params.dry_run())?;
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
            &cluster.evict(ns, name, &negotiate::body(headers, body)?)?,
        )),
        ("token", Method::POST) => Ok(json_response(
            StatusCode::CREATED,
            &auth::reviews::token_request(cluster, ns, name, &negotiate::body(headers, body)?)?,
        )),
        ("binding", Method::POST) => Ok(json_response(
            StatusCode::CREATED,
            &cluster.bind(ns, name, &negotiate::body(headers, body)?)?,
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
        let mut answer = Answer::new(cluster, headers, &params, rt)?;
        let _manager = ManagerScope::enter(&manager(&params, headers));
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
                Ok(answer.object(StatusCode::OK, &cluster.get(rt, namespace, name)?))
            }
            Method::PUT => {
                require(rt, "update")?;
                let body = negotiate::body(headers, body)?;
                let body = answer.known_fields(&params, &body, false)?;
                let updated =
                    cluster.update(rt, namespace, name, &body, status_only, params.dry_run())?;
                Ok(answer.object(StatusCode::OK, &updated))
            }
            Method::PATCH => {
                require(rt, "patch")?;
                let kind = patch_kind(headers)?;
                let checked;
                let body = if kind == PatchKind::Json {
                    body
                } else {
                    checked = answer.known_fields(&params, body, true)?;
                    &checked[..]
                };
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
                    return Ok(answer.object(code, &applied));
                }
                if answer.custom.is_some() {
                    // A custom object is checked against its schema as patched.
                    let preview =
                        cluster.patch(rt, namespace, name, kind, body, status_only, true)?;
                    answer.check_custom(&preview)?;
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
                Ok(answer.object(StatusCode::OK, &patched))
            }
            Method::DELETE if !status_only => {
                require(rt, "delete")?;
                let mut opts = DeleteOptions::from_body(&negotiate::body(headers, body)?)?;
                opts.dry_run |= params.dry_run();
                let rt = events_core(rt).unwrap_or(rt);
                match cluster.delete(rt, namespace, name, &opts)? {
                    Deleted::Object(obj) => Ok(answer.object(StatusCode::OK, &obj)),
                    Deleted::Status(status) => Ok(json_response(StatusCode::OK, &status)),
                }
            }
            _ => Err(ApiError::method_not_allowed()),
        }
    })())
}
