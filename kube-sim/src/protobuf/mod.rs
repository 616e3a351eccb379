//! Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) of
//! the built-in kinds, which kubectl and other client-go programs send and
//! ask for: a `k8s\0` prefix, then a `runtime.Unknown` envelope carrying the
//! type (apiVersion, kind) and the object's own protobuf bytes.
//!
//! The simulator keeps objects as JSON, so this module translates between
//! the two forms, driven by one table of messages (`messages.txt`: each
//! message's fields with their numbers, JSON names and types), generated
//! from k8s-pb and the OpenAPI schemas by `tests/protobuf_table.rs`. The
//! types whose JSON form is not their message form (quantities, times,
//! int-or-string, embedded raw JSON) are translated by hand, as
//! apimachinery's own marshallers do.

mod wire;

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine;
use serde_json::{Map, Number, Value};

use crate::openapi::schemas;
use wire::{Reader, Writer};

/// The media type.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
/// Every protobuf-encoded object starts with these bytes.
pub const MAGIC: &[u8] = b"k8s\0";

const TABLE_TEXT: &str = include_str!("messages.txt");
const UNKNOWN: &str = "io.k8s.apimachinery.pkg.runtime.Unknown";
const TYPE_META: &str = "io.k8s.apimachinery.pkg.runtime.TypeMeta";
const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1";
/// The JSON name of a field whose message is inline in JSON.
const INLINE: &str = "~";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Single,
    Repeated,
    Map,
}

#[derive(Debug)]
struct Field {
    tag: u32,
    json: &'static str,
    shape: Shape,
    ty: &'static str,
}

#[derive(Debug, Default)]
struct Message {
    fields: Vec<Field>,
}

fn table() -> &'static HashMap<&'static str, Message> {
    static TABLE: OnceLock<HashMap<&'static str, Message>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out: HashMap<&'static str, Message> = HashMap::new();
        let mut current: Option<&'static str> = None;
        for line in TABLE_TEXT.lines() {
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix(' ') {
                let mut parts = rest.split(' ');
                let (Some(tag), Some(json), Some(ty), Some(name)) =
                    (parts.next(), parts.next(), parts.next(), current)
                else {
                    continue;
                };
                let (shape, ty) = if let Some(t) = ty.strip_prefix("[]") {
                    (Shape::Repeated, t)
                } else if let Some(t) = ty.strip_prefix("{}") {
                    (Shape::Map, t)
                } else {
                    (Shape::Single, ty)
                };
                if let (Ok(tag), Some(m)) = (tag.parse(), out.get_mut(name)) {
                    m.fields.push(Field {
                        tag,
                        json,
                        shape,
                        ty,
                    });
                }
            } else {
                current = Some(line);
                out.entry(line).or_default();
            }
        }
        out
    })
}

/// A protobuf body that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(msg: impl Into<String>) -> Error {
    Error(msg.into())
}

/// The message of an object's `apiVersion` and `kind`.
fn message_of(api_version: &str, kind: &str) -> Option<String> {
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    if let Some(k) = schemas::kind(group, version, kind) {
        return Some(k.schema.clone());
    }
    if let Some(item) = kind.strip_suffix("List") {
        if let Some(k) = schemas::kind(group, version, item) {
            return Some(k.list_schema());
        }
    }
    match kind {
        "Status"
        | "DeleteOptions"
        | "WatchEvent"
        | "PartialObjectMetadata"
        | "PartialObjectMetadataList" => Some(format!("{META}.{kind}")),
        _ => None,
    }
}

/// Decodes a protobuf request body into the object's JSON form.
pub fn decode(body: &[u8]) -> Result<Value, Error> {
    let raw = body.strip_prefix(MAGIC).ok_or_else(|| {
        err(format!(
            "provided data does not appear to be a protobuf message, expected prefix {:?}",
            MAGIC
        ))
    })?;
    let envelope = decode_message(UNKNOWN, raw)?;
    let api_version = envelope
        .pointer("/typeMeta/apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let kind = envelope
        .pointer("/typeMeta/kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let message = message_of(&api_version, &kind).ok_or_else(|| {
        err(format!(
            "no kind \"{kind}\" is registered for version \"{api_version}\""
        ))
    })?;
    let bytes = match envelope.get("raw") {
        Some(Value::String(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| err(e.to_string()))?,
        _ => Vec::new(),
    };
    let mut obj = decode_message(&message, &bytes)?;
    if let Value::Object(m) = &mut obj {
        let mut typed = Map::new();
        typed.insert("apiVersion".into(), Value::String(api_version));
        typed.insert("kind".into(), Value::String(kind));
        typed.extend(std::mem::take(m));
        *m = typed;
    }
    Ok(obj)
}

/// Encodes an object (with `apiVersion` and `kind`) in the protobuf form, or
/// `None` when its kind has no message (the metrics API).
pub fn encode(obj: &Value) -> Option<Vec<u8>> {
    let api_version = obj.get("apiVersion").and_then(Value::as_str)?;
    let kind = obj.get("kind").and_then(Value::as_str)?;
    let message = message_of(api_version, kind)?;
    let raw = encode_message(&message, obj);
    let mut type_meta = Writer::default();
    type_meta.string(1, api_version);
    type_meta.string(2, kind);
    let mut envelope = Writer::default();
    envelope.bytes(1, &type_meta.into_bytes());
    envelope.bytes(2, &raw);
    let mut out = MAGIC.to_vec();
    out.extend(envelope.into_bytes());
    Some(out)
}

/// One watch event in the protobuf stream form: a 4-byte big-endian length,
/// then a `WatchEvent` whose object is the encoded object.
pub fn encode_watch_event(event_type: &str, obj: &Value) -> Option<Vec<u8>> {
    let object = encode(obj)?;
    let mut raw_ext = Writer::default();
    raw_ext.bytes(1, &object);
    let mut event = Writer::default();
    event.string(1, event_type);
    event.bytes(2, &raw_ext.into_bytes());
    let event = event.into_bytes();
    let envelope_obj = {
        let mut type_meta = Writer::default();
        type_meta.string(1, "v1");
        type_meta.string(2, "WatchEvent");
        let mut envelope = Writer::default();
        envelope.bytes(1, &type_meta.into_bytes());
        envelope.bytes(2, &event);
        let mut out = MAGIC.to_vec();
        out.extend(envelope.into_bytes());
        out
    };
    let len = u32::try_from(envelope_obj.len()).ok()?;
    let mut out = len.to_be_bytes().to_vec();
    out.extend(envelope_obj);
    Some(out)
}

fn is_special(name: &str) -> bool {
    matches!(
        name,
        "io.k8s.apimachinery.pkg.api.resource.Quantity"
            | "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
            | "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
            | "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
            | "io.k8s.apimachinery.pkg.runtime.RawExtension"
            | "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"
            | "io.k8s.apimachinery.pkg.apis.meta.v1.Duration"
    )
}

fn decode_special(name: &str, bytes: &[u8]) -> Result<Value, Error> {
    let generic = decode_generic(name, bytes)?;
    let get = |k: &str| generic.get(k).cloned();
    Ok(match name.rsplit('.').next().unwrap_or_default() {
        "Quantity" => get("string").unwrap_or(Value::String(String::new())),
        "Time" | "MicroTime" => {
            let secs = get("seconds").and_then(|v| v.as_i64());
            let nanos = get("nanos").and_then(|v| v.as_i64()).unwrap_or(0);
            match secs {
                None if nanos == 0 => Value::Null,
                secs => {
                    let t = chrono::DateTime::from_timestamp(
                        secs.unwrap_or(0),
                        u32::try_from(nanos).unwrap_or(0),
                    )
                    .unwrap_or_default();
                    Value::String(if name.ends_with("MicroTime") {
                        t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
                    } else {
                        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
                    })
                }
            }
        }
        "IntOrString" => {
            if get("type").and_then(|v| v.as_i64()) == Some(1) {
                get("strVal").unwrap_or(Value::String(String::new()))
            } else {
                get("intVal").unwrap_or(Value::from(0))
            }
        }
        "Duration" => {
            let ns = get("duration").and_then(|v| v.as_i64()).unwrap_or(0);
            Value::String(go_duration(ns))
        }
        // RawExtension and FieldsV1: embedded JSON.
        _ => {
            let raw = match generic.get("raw").or_else(|| generic.get("Raw")) {
                Some(Value::String(b64)) => base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap_or_default(),
                _ => Vec::new(),
            };
            if raw.is_empty() {
                Value::Null
            } else if raw.starts_with(MAGIC) {
                decode(&raw)?
            } else {
                serde_json::from_slice(&raw).map_err(|e| err(format!("embedded object: {e}")))?
            }
        }
    })
}

fn go_duration(ns: i64) -> String {
    if ns == 0 {
        return "0s".into();
    }
    let secs = ns as f64 / 1e9;
    let h = (secs / 3600.0).floor();
    let m = ((secs - h * 3600.0) / 60.0).floor();
    let s = secs - h * 3600.0 - m * 60.0;
    if h > 0.0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0.0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

fn decode_message(name: &str, bytes: &[u8]) -> Result<Value, Error> {
    if is_special(name) {
        decode_special(name, bytes)
    } else {
        decode_generic(name, bytes)
    }
}

fn decode_generic(name: &str, bytes: &[u8]) -> Result<Value, Error> {
    let message = table()
        .get(name)
        .ok_or_else(|| err(format!("no protobuf message {name}")))?;
    let mut out = Map::new();
    let mut reader = Reader::new(bytes);
    while let Some((tag, value)) = reader.next_field().map_err(err)? {
        let Some(field) = message.fields.iter().find(|f| f.tag == tag) else {
            continue;
        };
        match field.shape {
            // An embedded Go struct: its fields belong to this object in JSON.
            Shape::Single if field.json == INLINE => {
                if let Value::Object(m) = decode_value(field.ty, &value)? {
                    out.extend(m);
                }
            }
            Shape::Single => {
                let v = decode_value(field.ty, &value)?;
                let empty = matches!(&v, Value::String(s) if s.is_empty()) || v.is_null();
                if empty {
                    out.remove(field.json);
                } else {
                    out.insert(field.json.into(), v);
                }
            }
            Shape::Repeated => {
                let entry = out
                    .entry(field.json)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    match (&value, field.ty) {
                        // Packed scalars.
                        (wire::Raw::Bytes(b), "int32" | "int64" | "bool") => {
                            let mut r = Reader::new(b);
                            while let Some(n) = r.varint_opt().map_err(err)? {
                                items.push(scalar_from_varint(field.ty, n));
                            }
                        }
                        _ => items.push(decode_value(field.ty, &value)?),
                    }
                }
            }
            Shape::Map => {
                let wire::Raw::Bytes(entry) = &value else {
                    return Err(err(format!(
                        "{name}.{}: map entry is not a message",
                        field.json
                    )));
                };
                let mut r = Reader::new(entry);
                let mut key = String::new();
                let mut val = None;
                while let Some((t, v)) = r.next_field().map_err(err)? {
                    match t {
                        1 => {
                            if let wire::Raw::Bytes(b) = &v {
                                key = String::from_utf8_lossy(b).into_owned();
                            }
                        }
                        2 => val = Some(decode_value(field.ty, &v)?),
                        _ => {}
                    }
                }
                let val = val.unwrap_or_else(|| empty_value(field.ty));
                let entry = out
                    .entry(field.json)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(m) = entry {
                    m.insert(key, val);
                }
            }
        }
    }
    Ok(Value::Object(out))
}

fn empty_value(ty: &str) -> Value {
    match ty {
        "string" | "bytes" => Value::String(String::new()),
        "bool" => Value::Bool(false),
        "int32" | "int64" | "double" => Value::from(0),
        _ => Value::Object(Map::new()),
    }
}

fn scalar_from_varint(ty: &str, n: u64) -> Value {
    match ty {
        "bool" => Value::Bool(n != 0),
        // Sign-extended two's complement, as protobuf writes negative ints.
        "int32" => Value::from(n as i64 as i32),
        _ => Value::from(n as i64),
    }
}

fn decode_value(ty: &str, value: &wire::Raw) -> Result<Value, Error> {
    Ok(match (ty, value) {
        ("string", wire::Raw::Bytes(b)) => Value::String(String::from_utf8_lossy(b).into_owned()),
        ("bytes", wire::Raw::Bytes(b)) => {
            Value::String(base64::engine::general_purpose::STANDARD.encode(b))
        }
        ("int32" | "int64" | "bool", wire::Raw::Varint(n)) => scalar_from_varint(ty, *n),
        ("double", wire::Raw::Fixed64(bits)) => Number::from_f64(f64::from_bits(*bits))
            .map(Value::Number)
            .unwrap_or(Value::Null),
        (msg, wire::Raw::Bytes(b)) if msg.starts_with("io.") => decode_message(msg, b)?,
        (ty, _) => return Err(err(format!("a {ty} field has the wrong wire type"))),
    })
}

fn encode_message(name: &str, value: &Value) -> Vec<u8> {
    let mut w = Writer::default();
    if is_special(name) {
        encode_special(name, value, &mut w);
        return w.into_bytes();
    }
    let Some(message) = table().get(name) else {
        return Vec::new();
    };
    let mut fields: Vec<&Field> = message.fields.iter().collect();
    fields.sort_by_key(|f| f.tag);
    for field in fields {
        if field.json == INLINE {
            w.bytes(field.tag, &encode_message(field.ty, value));
            continue;
        }
        let Some(v) = value.get(field.json) else {
            continue;
        };
        match field.shape {
            Shape::Single => encode_value(&mut w, field.tag, field.ty, v),
            Shape::Repeated => {
                for item in v.as_array().into_iter().flatten() {
                    encode_value(&mut w, field.tag, field.ty, item);
                }
            }
            Shape::Map => {
                for (k, item) in v.as_object().into_iter().flatten() {
                    let mut entry = Writer::default();
                    entry.string(1, k);
                    encode_value(&mut entry, 2, field.ty, item);
                    w.bytes(field.tag, &entry.into_bytes());
                }
            }
        }
    }
    w.into_bytes()
}

fn encode_special(name: &str, value: &Value, w: &mut Writer) {
    match name.rsplit('.').next().unwrap_or_default() {
        "Quantity" => {
            let s = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            w.string(1, &s);
        }
        "Time" | "MicroTime" => {
            if let Some(t) = value
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            {
                w.varint(1, t.timestamp() as u64);
                let nanos = t.timestamp_subsec_nanos();
                if nanos > 0 {
                    w.varint(2, u64::from(nanos));
                }
            }
        }
        "IntOrString" => match value {
            Value::String(s) => {
                w.varint(1, 1);
                w.string(3, s);
            }
            other => {
                w.varint(1, 0);
                w.varint(2, other.as_i64().unwrap_or(0) as u64);
            }
        },
        "Duration" => {}
        _ => {
            if !value.is_null() {
                w.bytes(1, &serde_json::to_vec(value).unwrap_or_default());
            }
        }
    }
}

fn encode_value(w: &mut Writer, tag: u32, ty: &str, v: &Value) {
    match ty {
        "string" => match v {
            Value::String(s) => w.string(tag, s),
            Value::Null => {}
            other => w.string(tag, &other.to_string()),
        },
        "bytes" => {
            let bytes = v
                .as_str()
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                .unwrap_or_default();
            w.bytes(tag, &bytes);
        }
        "bool" => {
            if let Some(b) = v.as_bool() {
                w.varint(tag, u64::from(b));
            }
        }
        "int32" | "int64" => {
            if let Some(n) = v.as_i64() {
                w.varint(tag, n as u64);
            }
        }
        "double" => {
            if let Some(f) = v.as_f64() {
                w.fixed64(tag, f.to_bits());
            }
        }
        msg => {
            if v.is_null() {
                return;
            }
            w.bytes(tag, &encode_message(msg, v));
        }
    }
}

/// Whether a media type names the protobuf encoding.
pub fn is_protobuf(media_type: &str) -> bool {
    media_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim() == MEDIA_TYPE)
}

#[allow(dead_code)]
fn type_meta_message() -> &'static str {
    TYPE_META
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_survive_a_round_trip() {
        let pod = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web",
                "namespace": "shop",
                "labels": { "app": "web" },
                "creationTimestamp": "2026-01-02T03:04:05Z",
            },
            "spec": {
                "containers": [{
                    "name": "web",
                    "image": "nginx",
                    "ports": [{ "containerPort": 80, "protocol": "TCP" }],
                    "resources": { "requests": { "cpu": "250m", "memory": "64Mi" } },
                    "env": [{ "name": "A", "valueFrom": { "secretKeyRef": { "name": "s", "key": "k" } } }],
                    "livenessProbe": { "httpGet": { "port": "http", "path": "/" } },
                }],
                "terminationGracePeriodSeconds": 30,
                "volumes": [{ "name": "data", "persistentVolumeClaim": { "claimName": "data" } }],
                "priority": -5,
            },
        });
        let bytes = encode(&pod).expect("a Pod has a message");
        assert!(bytes.starts_with(MAGIC));
        assert_eq!(decode(&bytes).expect("decodes"), pod);
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": { "name": "s" },
            "data": { "k": "aGVsbG8=", "empty": "" },
            "type": "Opaque",
        });
        assert_eq!(
            decode(&encode(&secret).expect("encodes")).expect("decodes"),
            secret
        );
    }

    #[test]
    fn a_body_without_the_prefix_is_refused() {
        let e = decode(b"{\"kind\":\"Pod\"}").expect_err("not protobuf");
        assert!(
            e.0.contains("does not appear to be a protobuf message"),
            "{e}"
        );
    }
}
