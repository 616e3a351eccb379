//! Field validation (`fieldValidation=Strict|Warn|Ignore`) as kube-apiserver
//! does it when decoding a request: fields the kind's schema does not know
//! are dropped from the object, and reported: as a 400 `strict decoding
//! error` under `Strict`, as `Warning` headers under `Warn` (the default),
//! not at all under `Ignore`.

use serde_json::Value;

use super::schemas;
use crate::resources::ResourceType;
use crate::status::ApiError;

/// How unknown fields are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Directive {
    Ignore,
    Warn,
    Strict,
}

impl Directive {
    /// From the `fieldValidation` query parameter.
    pub fn parse(v: Option<&str>) -> Result<Self, ApiError> {
        match v {
            None | Some("") | Some("Warn") => Ok(Directive::Warn),
            Some("Ignore") => Ok(Directive::Ignore),
            Some("Strict") => Ok(Directive::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation parameter unsupported: {other}. Must be one of Ignore, Warn, Strict"
            ))),
        }
    }
}

fn resolve(schema: &Value) -> &Value {
    let defs = &schemas::schemas().definitions;
    let mut s = schema;
    for _ in 0..8 {
        match s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/definitions/"))
        {
            Some(name) => match defs.get(name) {
                Some(d) => s = d,
                None => break,
            },
            None => break,
        }
    }
    s
}

/// Removes the fields of `value` that `schema` does not know, returning
/// their paths (`spec.replica`, `spec.template.spec.containers[0].imag`).
fn prune(schema: &Value, value: &mut Value, path: &str, patch: bool, out: &mut Vec<String>) {
    let schema = resolve(schema);
    if schema.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true)) {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                let unknown: Vec<String> = map
                    .keys()
                    .filter(|k| !(props.contains_key(*k) || (patch && k.starts_with('$'))))
                    .cloned()
                    .collect();
                for k in unknown {
                    map.remove(&k);
                    out.push(join(path, &k));
                }
                for (k, v) in map.iter_mut() {
                    if let Some(s) = props.get(k) {
                        prune(s, v, &join(path, k), patch, out);
                    }
                }
            } else if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object())
            {
                for (k, v) in map.iter_mut() {
                    prune(extra, v, &join(path, k), patch, out);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter_mut().enumerate() {
                    prune(item_schema, v, &format!("{path}[{i}]"), patch, out);
                }
            }
        }
        _ => {}
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Drops the unknown fields of a request body for `rt` (an object, or an
/// object-shaped patch when `patch`), answering per `directive`: the
/// warnings to send, or the 400 of `Strict`.
/// `custom`: the schema of a custom resource version (its CRD's).
pub fn check(
    rt: &ResourceType,
    custom: Option<&Value>,
    directive: Directive,
    body: &mut Value,
    patch: bool,
) -> Result<Vec<String>, ApiError> {
    let pruning;
    let schema = match custom {
        Some(s) => {
            pruning = crate::crd::pruning_schema(s);
            &pruning
        }
        None => {
            let Some(kind) = schemas::kind(rt.group, rt.version, rt.kind) else {
                return Ok(Vec::new());
            };
            let Some(schema) = schemas::schemas().definitions.get(&kind.schema) else {
                return Ok(Vec::new());
            };
            schema
        }
    };
    let mut unknown = Vec::new();
    prune(schema, body, "", patch, &mut unknown);
    if unknown.is_empty() || directive == Directive::Ignore {
        return Ok(Vec::new());
    }
    let listed: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field {f:?}"))
        .collect();
    if directive == Directive::Strict {
        let message = if patch {
            format!("error strict decoding patch: {}", listed.join(", "))
        } else {
            format!(
                "{} in version {:?} cannot be handled as a {}: strict decoding error: {}",
                rt.kind,
                rt.version,
                rt.kind,
                listed.join(", ")
            )
        };
        return Err(ApiError::bad_request(message));
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fields_are_dropped_and_named_by_path() {
        let rt = crate::resources::lookup("apps", "v1", "deployments").expect("served");
        let mut body = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": { "name": "web", "labels": { "any": "label" } },
            "spec": {
                "replica": 2,
                "template": { "spec": { "containers": [{ "name": "web", "imag": "nginx", "resources": { "limits": { "cpu": "1" } } }] } },
            },
        });
        let warnings = check(rt, None, Directive::Warn, &mut body, false).expect("warned");
        assert_eq!(
            warnings,
            [
                "unknown field \"spec.replica\"",
                "unknown field \"spec.template.spec.containers[0].imag\"",
            ]
        );
        assert!(body["spec"].get("replica").is_none(), "dropped");
        assert_eq!(
            body["metadata"]["labels"]["any"], "label",
            "maps keep their keys"
        );
        let mut again = json!({ "spec": { "paused": true, "bogus": 1 } });
        let e = check(rt, None, Directive::Strict, &mut again, false).expect_err("strict");
        assert_eq!(e.code, 400);
        assert_eq!(e.message, "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.bogus\"");
        let mut patch = json!({ "spec": { "template": { "spec": { "$setElementOrder/containers": [{ "name": "web" }] } } } });
        assert!(check(rt, None, Directive::Strict, &mut patch, true)
            .expect("directives pass")
            .is_empty());
    }
}
