//! `/openapi/v2` and `/openapi/v3`: the API described as kube-apiserver
//! describes it, generated from the resource table ([`crate::resources`]) and
//! k8s-openapi's schemas ([`schemas`]), so that `kubectl explain`, `apply`'s
//! field validation and patch computation, and other OpenAPI clients work.
//!
//! Version 2 is one Swagger document; version 3 is a root listing one
//! document per group version (`api/v1`, `apis/apps/v1`), each with the
//! operations of that group version and the schemas they reach. Documents
//! are built once and served with a content hash, as kube-apiserver does.

pub mod fields;
pub mod paths;
pub mod schemas;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::api::discovery::GIT_VERSION;
use crate::resources::{self, RESOURCES};

const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1";

fn info() -> Value {
    json!({ "title": "Kubernetes", "version": GIT_VERSION })
}

/// The Swagger 2.0 document, serialized.
pub fn v2() -> &'static [u8] {
    static DOC: OnceLock<Vec<u8>> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut paths = Map::new();
        for rt in RESOURCES.iter() {
            for (path, item) in paths::resource_paths(rt) {
                paths.insert(path, item);
            }
        }
        let definitions: Map<String, Value> = schemas::schemas()
            .definitions
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let doc = json!({
            "swagger": "2.0",
            "info": info(),
            "paths": paths,
            "definitions": definitions,
            "securityDefinitions": {
                "BearerToken": { "type": "apiKey", "name": "authorization", "in": "header", "description": "Bearer Token authentication" },
            },
            "security": [{ "BearerToken": [] }],
        });
        serde_json::to_vec(&doc).unwrap_or_default()
    })
}

/// One version-3 document: its bytes and their hash.
pub struct Document {
    /// The serialized document.
    pub bytes: Vec<u8>,
    /// Hex content hash, the `hash` of its `serverRelativeURL`.
    pub hash: String,
    /// Its group version path (`apis/apps/v1`).
    pub group_version: String,
}

/// Version-3 documents keyed by group version path (`api/v1`, `apis/apps/v1`).
fn v3_documents() -> &'static BTreeMap<String, Document> {
    static DOCS: OnceLock<BTreeMap<String, Document>> = OnceLock::new();
    DOCS.get_or_init(|| {
        let mut by_gv: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
        for rt in RESOURCES.iter() {
            let gv = paths::prefix(rt.group, rt.version)
                .trim_start_matches('/')
                .to_string();
            let items = paths::resource_paths(rt);
            if !items.is_empty() {
                by_gv.entry(gv).or_default().extend(items);
            }
        }
        by_gv
            .into_iter()
            .map(|(gv, items)| {
                let doc = v3_document(items);
                (gv.clone(), hashed(gv, &doc))
            })
            .collect()
    })
}

/// The version-3 root: where each group version's document is, the
/// cluster's custom resource versions (`custom`) included.
pub fn v3_root(custom: &[Document]) -> Value {
    let mut paths: Map<String, Value> = v3_documents()
        .iter()
        .map(|(gv, doc)| {
            (
                gv.clone(),
                json!({ "serverRelativeURL": format!("/openapi/v3/{gv}?hash={}", doc.hash) }),
            )
        })
        .collect();
    for doc in custom {
        paths.insert(
            doc.group_version.clone(),
            json!({ "serverRelativeURL": format!("/openapi/v3/{}?hash={}", doc.group_version, doc.hash) }),
        );
    }
    json!({ "paths": paths })
}

/// The version-3 document of a built-in group version path, if served.
pub fn v3(gv: &str) -> Option<&'static Document> {
    v3_documents().get(gv.trim_matches('/'))
}

fn hashed(group_version: String, doc: &Value) -> Document {
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let hash = format!("{:016X}{:016X}", h.finish(), bytes.len());
    Document {
        bytes,
        hash,
        group_version,
    }
}

/// A custom resource version and its CRD schema.
pub type CustomRow = (&'static crate::resources::ResourceType, Value);

/// The version-3 documents of custom resource versions: per group version,
/// the operations of its resources and their CRD schemas, named as
/// kube-apiserver names them (`com.example.v1.Widget`).
pub fn custom_v3(rows: &[(&'static crate::resources::ResourceType, Value)]) -> Vec<Document> {
    let mut by_gv: BTreeMap<String, Vec<&(&'static crate::resources::ResourceType, Value)>> =
        BTreeMap::new();
    for row in rows {
        by_gv
            .entry(format!("apis/{}/{}", row.0.group, row.0.version))
            .or_default()
            .push(row);
    }
    by_gv
        .into_iter()
        .map(|(gv, rows)| {
            let mut items = Vec::new();
            let mut own: Map<String, Value> = Map::new();
            for (rt, schema) in rows {
                let reversed: Vec<&str> = rt.group.split('.').rev().collect();
                let name = format!("{}.{}.{}", reversed.join("."), rt.version, rt.kind);
                let kind = schemas::Kind { group: rt.group, version: rt.version, kind: rt.kind, schema: name.clone() };
                items.extend(paths::kind_paths(rt, &kind));
                let mut s = crate::crd::pruning_schema(schema);
                s["x-kubernetes-group-version-kind"] = json!([{ "group": rt.group, "version": rt.version, "kind": rt.kind }]);
                own.insert(name.clone(), v3_schema(s));
                own.insert(
                    format!("{name}List"),
                    v3_schema(json!({
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "apiVersion": { "type": "string" },
                            "kind": { "type": "string" },
                            "items": { "type": "array", "items": { "$ref": format!("#/definitions/{name}") } },
                            "metadata": { "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" },
                        },
                        "x-kubernetes-group-version-kind": [{ "group": rt.group, "version": rt.version, "kind": format!("{}List", rt.kind) }],
                    })),
                );
            }
            let mut doc = v3_document(items);
            if let Some(m) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) {
                for (k, v) in &own {
                    m.insert(k.clone(), v.clone());
                }
                // What the CRD schemas refer to (ObjectMeta, ListMeta).
                let built_in: Vec<String> = ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"].iter().map(|s| s.to_string()).collect();
                for (k, v) in schemas::closure(built_in.iter().map(String::as_str)) {
                    m.entry(k).or_insert_with(|| v3_schema(v));
                }
            }
            hashed(gv, &doc)
        })
        .collect()
}

fn v3_document(items: Vec<(String, Value)>) -> Value {
    let mut roots: Vec<String> = vec![
        format!("{META}.Status"),
        format!("{META}.DeleteOptions"),
        format!("{META}.Patch"),
        format!("{META}.WatchEvent"),
    ];
    let mut paths = Map::new();
    for (path, item) in items {
        let mut refs = Vec::new();
        collect_ref_names(&item, &mut refs);
        roots.extend(refs);
        paths.insert(path, v3_path_item(item));
    }
    let schemas: Map<String, Value> = schemas::closure(roots.iter().map(String::as_str))
        .into_iter()
        .map(|(k, v)| (k, v3_schema(v)))
        .collect();
    json!({
        "openapi": "3.0.0",
        "info": info(),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": { "BearerToken": { "type": "apiKey", "name": "authorization", "in": "header", "description": "Bearer Token authentication" } },
        },
    })
}

fn collect_ref_names(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                if let Some(n) = r.strip_prefix("#/definitions/") {
                    out.push(n.to_string());
                }
            }
            m.values().for_each(|c| collect_ref_names(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_ref_names(c, out)),
        _ => {}
    }
}

/// A schema in OpenAPI 3 form: references under `#/components/schemas/`,
/// and a reference with siblings (a description) wrapped in `allOf`, as
/// kube-apiserver writes it.
fn v3_schema(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out: Map<String, Value> =
                m.into_iter().map(|(k, v)| (k, v3_schema(v))).collect();
            if let Some(Value::String(r)) = out.remove("$ref") {
                let r = Value::String(r.replace("#/definitions/", "#/components/schemas/"));
                if out.is_empty() {
                    out.insert("$ref".into(), r);
                } else {
                    out.insert("allOf".into(), json!([{ "$ref": r }]));
                    out.entry("default").or_insert_with(|| json!({}));
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(v3_schema).collect()),
        other => other,
    }
}

/// A Swagger 2.0 parameter as an OpenAPI 3 parameter: its type moves under `schema`.
fn v3_parameter(p: &Value) -> Value {
    let mut out = Map::new();
    let mut schema = Map::new();
    if let Some(m) = p.as_object() {
        for (k, v) in m {
            match k.as_str() {
                "type" | "uniqueItems" => {
                    schema.insert(k.clone(), v.clone());
                }
                _ => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    out.insert("schema".into(), Value::Object(schema));
    Value::Object(out)
}

fn v3_path_item(item: Value) -> Value {
    let Value::Object(item) = item else {
        return item;
    };
    let mut out = Map::new();
    for (key, value) in item {
        if key == "parameters" {
            let params: Vec<Value> = value
                .as_array()
                .into_iter()
                .flatten()
                .map(v3_parameter)
                .collect();
            out.insert(key, Value::Array(params));
            continue;
        }
        let Value::Object(op) = value else {
            continue;
        };
        let produces: Vec<String> = op
            .get("produces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let consumes: Vec<String> = op
            .get("consumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let mut new_op = Map::new();
        let mut params = Vec::new();
        for (k, v) in op {
            match k.as_str() {
                "produces" | "consumes" | "schemes" => {}
                "parameters" => {
                    for p in v.as_array().into_iter().flatten() {
                        if p.get("in").and_then(Value::as_str) == Some("body") {
                            let schema = v3_schema(p.get("schema").cloned().unwrap_or(Value::Null));
                            let content: Map<String, Value> = consumes
                                .iter()
                                .map(|c| (c.clone(), json!({ "schema": schema.clone() })))
                                .collect();
                            new_op.insert(
                                "requestBody".into(),
                                json!({ "content": content, "required": true }),
                            );
                        } else {
                            params.push(v3_parameter(p));
                        }
                    }
                }
                "responses" => {
                    let mut responses = Map::new();
                    for (code, r) in v.as_object().into_iter().flatten() {
                        let mut nr = json!({ "description": r.get("description").cloned().unwrap_or_default() });
                        if let Some(schema) = r.get("schema") {
                            let schema = v3_schema(schema.clone());
                            let content: Map<String, Value> = produces
                                .iter()
                                .map(|c| (c.clone(), json!({ "schema": schema.clone() })))
                                .collect();
                            nr["content"] = Value::Object(content);
                        }
                        responses.insert(code.clone(), nr);
                    }
                    new_op.insert(k, Value::Object(responses));
                }
                _ => {
                    new_op.insert(k, v);
                }
            }
        }
        new_op.insert("parameters".into(), Value::Array(params));
        out.insert(key, Value::Object(new_op));
    }
    Value::Object(out)
}

/// Whether a resource type of the table has a schema (and so is described).
pub fn describes(group: &str, version: &str, kind: &str) -> bool {
    schemas::kind(group, version, kind).is_some() && resources::serves_group_version(group, version)
}
