//! CustomResourceDefinitions (apiextensions.k8s.io/v1): a CRD adds a
//! resource type to its cluster, served at `/apis/<group>/<version>` for
//! each served version, listed in discovery, watchable, validated against
//! the version's structural schema (types, required fields, enums, bounds)
//! with unknown fields pruned, and printed with its
//! `additionalPrinterColumns`. Deleting the CRD deletes its objects.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::ops::{meta, Cluster};
use crate::resources::{self, Catalog, NameRule, PrinterColumn, ResourceType};
use crate::status::{quote, Cause};
use crate::store::{ObjectKey, Store};

fn crd_type() -> Option<&'static ResourceType> {
    resources::lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn leak_list(v: Option<&Value>) -> &'static [&'static str] {
    let items: Vec<&'static str> = v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(leak))
        .collect();
    Box::leak(items.into_boxed_slice())
}

/// A new CRD: accepted names and the Established condition, as the API
/// server's CRD controllers set them.
pub fn prepare_create(obj: &mut Value) {
    let names = obj
        .pointer("/spec/names")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let kind = names
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut accepted = names.clone();
    accepted["singular"] = names
        .get("singular")
        .cloned()
        .unwrap_or_else(|| json!(kind.to_lowercase()));
    accepted["listKind"] = names
        .get("listKind")
        .cloned()
        .unwrap_or_else(|| json!(format!("{kind}List")));
    if let Some(n) = obj.pointer_mut("/spec/names") {
        n["singular"] = accepted["singular"].clone();
        n["listKind"] = accepted["listKind"].clone();
    }
    let stored: Vec<Value> = obj
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|v| v["storage"] == true)
        .map(|v| v["name"].clone())
        .collect();
    let now = crate::ops::now();
    obj["status"] = json!({
        "acceptedNames": accepted,
        "storedVersions": stored,
        "conditions": [
            { "type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now },
            { "type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now },
        ],
    });
}

fn s<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or_default()
}

/// Field errors of a CRD, as kube-apiserver words them.
pub fn validate(obj: &Value) -> Vec<Cause> {
    let mut out = Vec::new();
    let (group, plural, kind) = (
        s(obj, "/spec/group"),
        s(obj, "/spec/names/plural"),
        s(obj, "/spec/names/kind"),
    );
    if group.is_empty() {
        out.push(Cause::required("spec.group", ""));
    } else if !group.contains('.') {
        out.push(Cause::invalid(
            "spec.group",
            group,
            "should be a domain with at least one dot",
        ));
    }
    if plural.is_empty() {
        out.push(Cause::required("spec.names.plural", ""));
    } else if !crate::validation::is_dns1123_label(plural) {
        out.push(Cause::invalid("spec.names.plural", plural, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"));
    }
    if kind.is_empty() {
        out.push(Cause::required("spec.names.kind", ""));
    }
    let name = meta(obj, "name");
    if !group.is_empty() && !plural.is_empty() && name != format!("{plural}.{group}") {
        out.push(Cause::invalid(
            "metadata.name",
            &name,
            "must be spec.names.plural+\".\"+spec.group",
        ));
    }
    let scope = s(obj, "/spec/scope");
    if !matches!(scope, "Cluster" | "Namespaced") {
        out.push(Cause::unsupported(
            "spec.scope",
            scope,
            &["Cluster", "Namespaced"],
        ));
    }
    let versions = obj
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if versions.is_empty() {
        out.push(Cause::required(
            "spec.versions",
            "must have exactly one version marked as storage version",
        ));
    } else if versions.iter().filter(|v| v["storage"] == true).count() != 1 {
        out.push(Cause::invalid_raw(
            "spec.versions",
            "[]apiextensions.CustomResourceDefinitionVersion{...}",
            "must have exactly one version marked as storage version",
        ));
    }
    for (i, v) in versions.iter().enumerate() {
        match v.pointer("/schema/openAPIV3Schema") {
            None => out.push(Cause::required(
                &format!("spec.versions[{i}].schema.openAPIV3Schema"),
                "schemas are required",
            )),
            Some(schema) if s(schema, "/type") != "object" => out.push(Cause::required(
                &format!("spec.versions[{i}].schema.openAPIV3Schema.type"),
                "must not be empty at the root",
            )),
            _ => {}
        }
    }
    out
}

/// The leaked rows of a cluster's custom resource versions, reused while
/// their CRD does not change (watches and the store key them by name).
#[derive(Debug, Default)]
pub struct Rows {
    cache: Mutex<HashMap<String, &'static ResourceType>>,
}

fn row_of(crd: &Value, version: &Value) -> ResourceType {
    let names = crd.pointer("/spec/names").cloned().unwrap_or_default();
    let kind = s(&names, "/kind");
    let columns: Vec<PrinterColumn> = match version
        .get("additionalPrinterColumns")
        .and_then(Value::as_array)
    {
        Some(cols) => cols
            .iter()
            .map(|c| PrinterColumn {
                name: leak(s(c, "/name")),
                kind: leak(s(c, "/type")),
                json_path: leak(s(c, "/jsonPath")),
                priority: u8::try_from(c.get("priority").and_then(Value::as_i64).unwrap_or(0))
                    .unwrap_or(0),
            })
            .collect(),
        None => vec![PrinterColumn {
            name: "Age",
            kind: "date",
            json_path: ".metadata.creationTimestamp",
            priority: 0,
        }],
    };
    ResourceType {
        group: leak(s(crd, "/spec/group")),
        version: leak(s(version, "/name")),
        kind: leak(kind),
        plural: leak(s(&names, "/plural")),
        singular: leak(
            &names
                .get("singular")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| kind.to_lowercase()),
        ),
        namespaced: s(crd, "/spec/scope") == "Namespaced",
        short_names: leak_list(names.get("shortNames")),
        categories: leak_list(names.get("categories")),
        status_subresource: version.pointer("/subresources/status").is_some(),
        sets_generation: true,
        name_rule: NameRule::Dns1123Subdomain,
        printer_columns: Box::leak(columns.into_boxed_slice()),
        ..resources::BASE
    }
}

impl Cluster {
    /// What this cluster serves: the built-in types and its CRDs' served versions.
    pub fn catalog(&self) -> Catalog {
        let store = self.lock();
        self.catalog_in(&store)
    }

    /// [`Cluster::catalog`] with the store already locked.
    pub(crate) fn catalog_in(&self, store: &Store) -> Catalog {
        let Some(rt) = crd_type() else {
            return Catalog::default();
        };
        let mut cache = self
            .crd_rows
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let mut custom = Vec::new();
        for (_, crd) in store.list(rt, None) {
            if !meta(crd, "deletionTimestamp").is_empty() {
                continue;
            }
            for v in crd
                .pointer("/spec/versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if v["served"] == false {
                    continue;
                }
                let key = format!(
                    "{}/{}/{}",
                    meta(crd, "uid"),
                    meta(crd, "resourceVersion"),
                    s(v, "/name")
                );
                let row = *cache
                    .entry(key)
                    .or_insert_with(|| Box::leak(Box::new(row_of(crd, v))));
                custom.push(row);
            }
        }
        Catalog { custom }
    }

    /// The OpenAPI v3 documents of the custom resource versions in `catalog`.
    pub fn custom_openapi(&self, catalog: &Catalog) -> Vec<crate::openapi::Document> {
        let rows: Vec<(&'static ResourceType, Value)> = catalog
            .custom
            .iter()
            .filter_map(|rt| self.custom_schema(rt).map(|s| (*rt, s)))
            .collect();
        crate::openapi::custom_v3(&rows)
    }

    /// The structural schema of a custom resource version, if `rt` is one.
    pub fn custom_schema(&self, rt: &ResourceType) -> Option<Value> {
        let crds = crd_type()?;
        let store = self.lock();
        let crd = store.get(
            crds,
            &ObjectKey::new(None, &format!("{}.{}", rt.plural, rt.group)),
        )?;
        crd.pointer("/spec/versions")?
            .as_array()?
            .iter()
            .find(|v| s(v, "/name") == rt.version)?
            .pointer("/schema/openAPIV3Schema")
            .cloned()
    }
}

/// Removes the objects of a deleted CRD.
pub fn forget(store: &mut Store, catalog: &Catalog, crd: &Value) {
    let (group, plural) = (s(crd, "/spec/group"), s(crd, "/spec/names/plural"));
    let Some(rt) = catalog
        .custom
        .iter()
        .find(|r| r.group == group && r.plural == plural)
    else {
        return;
    };
    let keys: Vec<ObjectKey> = store.list(rt, None).map(|(k, _)| k.clone()).collect();
    for k in keys {
        store.remove(rt, &k);
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        other => other.to_string(),
    }
}

/// Field errors of a custom object against its version's schema, as the
/// apiextensions validator words them.
pub fn validate_object(schema: &Value, value: &Value, path: &str, out: &mut Vec<Cause>) {
    if schema.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        if !matches!(json_type(value), "integer" | "string") {
            out.push(Cause::invalid_raw(
                path,
                &shown(value),
                &format!(
                    "{path} in body must be of type integer,string: {:?}",
                    json_type(value)
                ),
            ));
        }
        return;
    }
    if let Some(want) = schema.get("type").and_then(Value::as_str) {
        let got = json_type(value);
        let fits = got == want || (want == "number" && got == "integer");
        let null_ok = value.is_null() && schema.get("nullable") == Some(&Value::Bool(true));
        if !(fits || null_ok) {
            out.push(Cause::invalid_raw(
                path,
                &shown(value),
                &format!("{path} in body must be of type {want}: {}", quote(got)),
            ));
            return;
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        if !options.contains(value) {
            let listed: Vec<String> = options
                .iter()
                .map(|o| {
                    o.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| o.to_string())
                })
                .collect();
            let refs: Vec<&str> = listed.iter().map(String::as_str).collect();
            out.push(Cause::unsupported(
                path,
                value.as_str().unwrap_or(&value.to_string()),
                &refs,
            ));
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if n < min {
                out.push(Cause::invalid_raw(
                    path,
                    &value.to_string(),
                    &format!(
                        "{path} in body should be greater than or equal to {}",
                        schema["minimum"]
                    ),
                ));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if n > max {
                out.push(Cause::invalid_raw(
                    path,
                    &value.to_string(),
                    &format!(
                        "{path} in body should be less than or equal to {}",
                        schema["maximum"]
                    ),
                ));
            }
        }
    }
    if let (Some(text), Some(max)) = (
        value.as_str(),
        schema.get("maxLength").and_then(Value::as_u64),
    ) {
        if text.chars().count() as u64 > max {
            out.push(Cause {
                reason: "FieldValueTooLong",
                field: path.to_string(),
                message: format!("Too long: may not be more than {max} bytes"),
            });
        }
    }
    match value {
        Value::Object(map) => {
            let join = |k: &str| {
                if path.is_empty() {
                    k.to_string()
                } else {
                    format!("{path}.{k}")
                }
            };
            for r in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !map.contains_key(r) {
                    out.push(Cause::required(&join(r), ""));
                }
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, v) in map {
                    if path.is_empty() && matches!(k.as_str(), "apiVersion" | "kind" | "metadata") {
                        continue;
                    }
                    if let Some(s) = props.get(k) {
                        validate_object(s, v, &join(k), out);
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for (k, v) in map {
                    validate_object(extra, v, &join(k), out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    validate_object(item, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// The schema a custom object is pruned with: the version's schema, with
/// `apiVersion`, `kind` and `metadata` known at the root.
pub fn pruning_schema(schema: &Value) -> Value {
    let mut s = schema.clone();
    if s.get("properties").is_none() && s.get("x-kubernetes-preserve-unknown-fields").is_none() {
        s["properties"] = json!({});
    }
    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert("apiVersion".into(), json!({ "type": "string" }));
        props.insert("kind".into(), json!({ "type": "string" }));
        props.insert(
            "metadata".into(),
            json!({ "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }),
        );
    }
    s
}

/// A JSONPath of `additionalPrinterColumns` (`.spec.size`,
/// `.status.conditions[?(@.type=="Ready")].status`, `.items[0]`) on `obj`.
pub fn json_path(obj: &Value, path: &str) -> Option<Value> {
    let mut node = obj.clone();
    let mut rest = path.trim_start_matches('.');
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let (field, tail) = rest.split_at(end);
        if !field.is_empty() {
            node = node.get(field)?.clone();
        }
        rest = tail;
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            let selector = &inner[..close];
            rest = &inner[close + 1..];
            if let Ok(i) = selector.parse::<usize>() {
                node = node.get(i)?.clone();
            } else if let Some(filter) = selector
                .strip_prefix("?(@.")
                .and_then(|f| f.strip_suffix(')'))
            {
                let (key, want) = filter.split_once("==")?;
                let want = want.trim().trim_matches(['"', '\'']);
                node = node
                    .as_array()?
                    .iter()
                    .find(|i| i.get(key.trim()).and_then(Value::as_str) == Some(want))?
                    .clone();
            } else {
                return None;
            }
        }
        rest = rest.trim_start_matches('.');
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_checked_against_their_schema() {
        let schema = json!({
            "type": "object",
            "properties": { "spec": { "type": "object", "required": ["size"], "properties": {
                "size": { "type": "integer", "minimum": 1 },
                "mode": { "type": "string", "enum": ["fast", "safe"] },
            } } },
        });
        let mut causes = Vec::new();
        validate_object(
            &schema,
            &json!({ "spec": { "size": "big", "mode": "wild" } }),
            "",
            &mut causes,
        );
        let text: Vec<String> = causes
            .iter()
            .map(|c| format!("{}: {}", c.field, c.message))
            .collect();
        assert_eq!(text, [
            "spec.mode: Unsupported value: \"wild\": supported values: \"fast\", \"safe\"",
            "spec.size: Invalid value: \"big\": spec.size in body must be of type integer: \"string\"",
        ]);
        let mut causes = Vec::new();
        validate_object(&schema, &json!({ "spec": { "size": 0 } }), "", &mut causes);
        assert_eq!(
            causes[0].message,
            "Invalid value: 0: spec.size in body should be greater than or equal to 1"
        );
        let mut causes = Vec::new();
        validate_object(&schema, &json!({ "spec": {} }), "", &mut causes);
        assert_eq!(
            (causes[0].field.as_str(), causes[0].message.as_str()),
            ("spec.size", "Required value")
        );
    }

    #[test]
    fn printer_paths_read_fields_indexes_and_filters() {
        let obj = json!({ "spec": { "size": 3 }, "status": { "conditions": [{ "type": "Ready", "status": "True" }] } });
        assert_eq!(json_path(&obj, ".spec.size"), Some(json!(3)));
        assert_eq!(
            json_path(&obj, ".status.conditions[?(@.type==\"Ready\")].status"),
            Some(json!("True"))
        );
        assert_eq!(
            json_path(&obj, ".status.conditions[0].type"),
            Some(json!("Ready"))
        );
        assert_eq!(json_path(&obj, ".spec.missing"), None);
    }
}
