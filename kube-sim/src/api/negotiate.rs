//! Content negotiation, as kube-apiserver does it: request bodies in JSON or
//! protobuf; answers in JSON or protobuf, as the full object, its metadata
//! only (`as=PartialObjectMetadata`), or a server-side printed `Table`
//! (`as=Table`, what `kubectl get` asks for), chosen from the `Accept`
//! header in the client's order of preference.

use std::borrow::Cow;

use axum::body::Body;
use axum::response::Response;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Value};

use super::table;
use crate::protobuf;
use crate::resources::ResourceType;
use crate::status::ApiError;

/// The encoding of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/json`.
    Json,
    /// `application/vnd.kubernetes.protobuf`.
    Protobuf,
}

/// The form of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The object itself.
    Full,
    /// `PartialObjectMetadata`: apiVersion, kind and metadata.
    Metadata,
    /// A `Table` of the object's columns (meta.k8s.io `v1` or `v1beta1`).
    Table {
        /// Whether `meta.k8s.io/v1beta1` was asked for.
        beta: bool,
    },
}

/// What the client accepts, as negotiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub encoding: Encoding,
    pub form: Form,
}

struct MediaRange<'a> {
    essence: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

impl MediaRange<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

fn ranges(headers: &HeaderMap) -> Vec<MediaRange<'_>> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|r| {
            let mut parts = r.split(';').map(str::trim);
            let essence = parts.next().filter(|e| !e.is_empty())?;
            let params: Vec<(&str, &str)> = parts
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.trim(), v.trim().trim_matches('"')))
                .collect();
            let range = MediaRange { essence, params };
            (range.param("q") != Some("0")).then_some(range)
        })
        .collect()
}

/// The answer the client prefers among those served, or 406.
pub fn output(headers: &HeaderMap) -> Result<Output, ApiError> {
    let ranges = ranges(headers);
    if ranges.is_empty() {
        return Ok(Output {
            encoding: Encoding::Json,
            form: Form::Full,
        });
    }
    for r in &ranges {
        let encoding = match r.essence {
            "application/json" | "application/*" | "*/*" => Encoding::Json,
            e if e == protobuf::MEDIA_TYPE => Encoding::Protobuf,
            _ => continue,
        };
        let meta_group = r.param("g").is_none_or(|g| g == "meta.k8s.io");
        let form = match r.param("as") {
            None => Form::Full,
            Some("Table") if meta_group && encoding == Encoding::Json => match r.param("v") {
                None | Some("v1") => Form::Table { beta: false },
                Some("v1beta1") => Form::Table { beta: true },
                Some(_) => continue,
            },
            Some("PartialObjectMetadata" | "PartialObjectMetadataList") if meta_group => {
                Form::Metadata
            }
            Some(_) => continue,
        };
        return Ok(Output { encoding, form });
    }
    Err(ApiError::not_acceptable())
}

/// A request body as JSON bytes: JSON as sent, protobuf decoded; anything
/// else is answered 415.
pub fn body<'a>(headers: &HeaderMap, body: &'a [u8]) -> Result<Cow<'a, [u8]>, ApiError> {
    match headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => Ok(Cow::Borrowed(body)),
        Some(ct) if ct.starts_with("application/json") || ct.starts_with("*/*") => {
            Ok(Cow::Borrowed(body))
        }
        Some(ct) if protobuf::is_protobuf(ct) => {
            let obj = protobuf::decode(body).map_err(|e| ApiError::bad_request(e.0))?;
            Ok(Cow::Owned(serde_json::to_vec(&obj).unwrap_or_default()))
        }
        Some(ct) => Err(ApiError::unsupported_media_type(ct)),
    }
}

fn partial(obj: &Value) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

fn encoded(code: StatusCode, value: &Value, encoding: Encoding) -> Response {
    let (bytes, content_type) = match encoding {
        Encoding::Protobuf => match protobuf::encode(value) {
            Some(b) => (b, protobuf::MEDIA_TYPE),
            None => (
                serde_json::to_vec(value).unwrap_or_default(),
                "application/json",
            ),
        },
        Encoding::Json => (
            serde_json::to_vec(value).unwrap_or_default(),
            "application/json",
        ),
    };
    let mut res = Response::new(Body::from(bytes));
    *res.status_mut() = code;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// Whether a Table row carries the object (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    /// From the `includeObject` query parameter (default `Metadata`).
    pub fn parse(v: Option<&str>) -> Result<Self, ApiError> {
        match v {
            None | Some("") | Some("Metadata") => Ok(IncludeObject::Metadata),
            Some("None") => Ok(IncludeObject::None),
            Some("Object") => Ok(IncludeObject::Object),
            Some(other) => Err(ApiError::bad_request(format!(
                "includeObject: Unsupported value: \"{other}\": supported values: \"Metadata\", \"None\", \"Object\""
            ))),
        }
    }
}

impl Output {
    /// One object in the negotiated form.
    pub fn object(
        &self,
        code: StatusCode,
        obj: &Value,
        rt: &ResourceType,
        include: IncludeObject,
    ) -> Response {
        match self.form {
            Form::Full => encoded(code, obj, self.encoding),
            Form::Metadata => encoded(code, &partial(obj), self.encoding),
            Form::Table { beta } => encoded(
                code,
                &table::table(rt, std::slice::from_ref(obj), None, include, beta, true),
                Encoding::Json,
            ),
        }
    }

    /// A list in the negotiated form.
    pub fn list(&self, list: &Value, rt: &ResourceType, include: IncludeObject) -> Response {
        let items: &[Value] = list
            .get("items")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        match self.form {
            Form::Full => encoded(StatusCode::OK, list, self.encoding),
            Form::Metadata => encoded(
                StatusCode::OK,
                &json!({
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": list.get("metadata").cloned().unwrap_or_else(|| json!({})),
                    "items": items.iter().map(partial).collect::<Vec<_>>(),
                }),
                self.encoding,
            ),
            Form::Table { beta } => encoded(
                StatusCode::OK,
                &table::table(rt, items, list.get("metadata"), include, beta, true),
                Encoding::Json,
            ),
        }
    }

    /// The media type of a watch stream in this form.
    pub fn watch_content_type(&self) -> &'static str {
        match (self.encoding, self.form) {
            (Encoding::Protobuf, Form::Full | Form::Metadata) => {
                "application/vnd.kubernetes.protobuf;stream=watch"
            }
            _ => "application/json",
        }
    }

    /// One watch event (a JSON line as the store writes it) in this form.
    /// `first` says whether it is the stream's first event: a Table's column
    /// definitions go only there.
    pub fn watch_event(
        &self,
        line: &[u8],
        rt: &ResourceType,
        include: IncludeObject,
        first: bool,
    ) -> Vec<u8> {
        if self.form == Form::Full && self.encoding == Encoding::Json {
            return line.to_vec();
        }
        let Ok(mut event) = serde_json::from_slice::<Value>(line) else {
            return line.to_vec();
        };
        let kind = event["type"].as_str().unwrap_or_default().to_string();
        let passes = kind == "ERROR" || kind == "BOOKMARK";
        if let Some(obj) = event.get_mut("object") {
            match self.form {
                Form::Metadata if !passes => *obj = partial(obj),
                Form::Table { beta } if !passes => {
                    *obj = table::table(rt, std::slice::from_ref(obj), None, include, beta, first);
                }
                _ => {}
            }
        }
        if self.encoding == Encoding::Protobuf {
            if let Some(frame) = protobuf::encode_watch_event(&kind, &event["object"]) {
                return frame;
            }
        }
        let mut out = serde_json::to_vec(&event).unwrap_or_default();
        out.push(b'\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
        h
    }

    #[test]
    fn the_clients_first_served_preference_wins() {
        let kubectl_get = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        assert_eq!(
            output(&accept(kubectl_get)).expect("served").form,
            Form::Table { beta: false }
        );
        let typed = "application/vnd.kubernetes.protobuf, */*";
        assert_eq!(
            output(&accept(typed)).expect("served").encoding,
            Encoding::Protobuf
        );
        let meta = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
        assert_eq!(output(&accept(meta)).expect("served").form, Form::Metadata);
        assert_eq!(output(&HeaderMap::new()).expect("served").form, Form::Full);
        let e = output(&accept("text/html")).expect_err("not served");
        assert_eq!(e.code, 406);
        let e = output(&accept("application/json;as=Other;g=example.com")).expect_err("not served");
        assert_eq!(e.code, 406);
    }
}
