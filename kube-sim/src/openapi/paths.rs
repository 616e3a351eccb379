//! The operations of every served resource as kube-apiserver describes them
//! (Swagger 2.0 form): one path item per URL, each operation with its
//! `operationId`, query parameters, body, answer and the
//! `x-kubernetes-action` / `x-kubernetes-group-version-kind` extensions that
//! kubectl reads (it looks for `fieldValidation` on a kind's PATCH to decide
//! whether the server validates fields itself).

use serde_json::{json, Map, Value};

use super::schemas::{self, Kind};
use crate::resources::{subresource_info, ResourceType};

/// The URL prefix of a group version (`/api/v1`, `/apis/apps/v1`).
pub fn prefix(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    }
}

/// `CoreV1`, `AppsV1`, `RbacAuthorizationV1` as operation ids spell them.
fn id_part(group: &str, version: &str) -> String {
    let group = if group.is_empty() { "core" } else { group };
    let mut out = String::new();
    for word in group
        .trim_end_matches(".k8s.io")
        .split(['.', '-'])
        .filter(|w| !w.is_empty())
    {
        let mut c = word.chars();
        if let Some(f) = c.next() {
            out.extend(f.to_uppercase());
            out.push_str(c.as_str());
        }
    }
    let mut c = version.chars();
    if let Some(f) = c.next() {
        out.extend(f.to_uppercase());
        out.push_str(c.as_str());
    }
    out
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/definitions/{name}") })
}

fn query(name: &str, kind: &str, description: &str) -> Value {
    json!({ "name": name, "in": "query", "type": kind, "uniqueItems": true, "description": description })
}

fn list_params() -> Vec<Value> {
    vec![
        query("allowWatchBookmarks", "boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
        query("continue", "string", "The continue option should be set when retrieving more results from the server."),
        query("fieldSelector", "string", "A selector to restrict the list of returned objects by their fields. Defaults to everything."),
        query("labelSelector", "string", "A selector to restrict the list of returned objects by their labels. Defaults to everything."),
        query("limit", "integer", "limit is a maximum number of responses to return for a list call."),
        query("resourceVersion", "string", "resourceVersion sets a constraint on what resource versions a request may be served from."),
        query("resourceVersionMatch", "string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
        query("sendInitialEvents", "boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
        query("timeoutSeconds", "integer", "Timeout for the list/watch call."),
        query("watch", "boolean", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications."),
    ]
}

fn write_params(patch: bool) -> Vec<Value> {
    let mut out = vec![
        query("dryRun", "string", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
        query("fieldManager", "string", "fieldManager is a name associated with the actor or entity that is making these changes."),
        query("fieldValidation", "string", "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict"),
    ];
    if patch {
        out.push(query("force", "boolean", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people."));
    }
    out
}

fn body(schema: Value) -> Value {
    json!({ "name": "body", "in": "body", "required": true, "schema": schema })
}

struct Op<'a> {
    method: &'static str,
    action: &'static str,
    verb: &'static str,
    suffix: String,
    gvk: Option<&'a Kind>,
    params: Vec<Value>,
    response: Value,
    created: bool,
}

impl Op<'_> {
    fn render(self, ids: &str) -> (String, Value) {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({ "description": "OK", "schema": self.response.clone() }),
        );
        if self.created {
            responses.insert(
                "201".into(),
                json!({ "description": "Created", "schema": self.response.clone() }),
            );
        }
        responses.insert("401".into(), json!({ "description": "Unauthorized" }));
        let mut op = json!({
            "description": format!("{} {}", self.verb, self.suffix),
            "operationId": format!("{}{}{}", self.verb, ids, self.suffix),
            "consumes": if self.method == "patch" {
                json!([
                    "application/json-patch+json",
                    "application/merge-patch+json",
                    "application/strategic-merge-patch+json",
                    "application/apply-patch+yaml",
                ])
            } else {
                json!(["*/*"])
            },
            "produces": ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"],
            "schemes": ["https"],
            "parameters": self.params,
            "responses": responses,
            "x-kubernetes-action": self.action,
        });
        if let (Some(kind), Value::Object(m)) = (self.gvk, &mut op) {
            m.insert(
                "x-kubernetes-group-version-kind".into(),
                json!({ "group": kind.group, "version": kind.version, "kind": kind.kind }),
            );
        }
        (self.method.to_string(), op)
    }
}

fn path_params(namespaced: bool, named: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if named {
        out.push(json!({ "name": "name", "in": "path", "required": true, "type": "string", "uniqueItems": true, "description": "name of the resource" }));
    }
    if namespaced {
        out.push(json!({ "name": "namespace", "in": "path", "required": true, "type": "string", "uniqueItems": true, "description": "object name and auth scope, such as for teams and projects" }));
    }
    out.push(query(
        "pretty",
        "string",
        "If 'true', then the output is pretty printed.",
    ));
    out
}

fn item(ops: Vec<Op>, ids: &str, params: Vec<Value>) -> Value {
    let mut m = Map::new();
    for op in ops {
        let (method, op) = op.render(ids);
        m.insert(method, op);
    }
    m.insert("parameters".into(), Value::Array(params));
    Value::Object(m)
}

/// The path items of one resource type, if it has a schema.
pub fn resource_paths(rt: &ResourceType) -> Vec<(String, Value)> {
    match schemas::kind(rt.group, rt.version, rt.kind) {
        Some(kind) => kind_paths(rt, kind),
        None => Vec::new(),
    }
}

/// The path items of one resource type whose schema is `kind`.
pub fn kind_paths(rt: &ResourceType, kind: &Kind) -> Vec<(String, Value)> {
    let ids = id_part(rt.group, rt.version);
    let base = prefix(rt.group, rt.version);
    let scope = if rt.namespaced { "Namespaced" } else { "" };
    let k = rt.kind;
    let obj = reference(&kind.schema);
    let list = reference(&kind.list_schema());
    let status = reference("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
    let delete_body = body(reference(
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    ));
    let patch_body = body(reference("io.k8s.apimachinery.pkg.apis.meta.v1.Patch"));
    let collection = if rt.namespaced {
        format!("{base}/namespaces/{{namespace}}/{}", rt.plural)
    } else {
        format!("{base}/{}", rt.plural)
    };
    let has = |verb: &str| rt.supports(verb);
    let mut out = Vec::new();

    let mut ops = Vec::new();
    if has("list") {
        ops.push(Op {
            method: "get",
            action: "list",
            verb: "list",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params: list_params(),
            response: list.clone(),
            created: false,
        });
    }
    if has("create") {
        let mut params = write_params(false);
        params.push(body(obj.clone()));
        ops.push(Op {
            method: "post",
            action: "post",
            verb: "create",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params,
            response: obj.clone(),
            created: true,
        });
    }
    if has("deletecollection") {
        let mut params = list_params();
        params.retain(|p| p["name"] != "watch" && p["name"] != "allowWatchBookmarks");
        params.push(query(
            "dryRun",
            "string",
            "When present, indicates that modifications should not be persisted.",
        ));
        params.push(query(
            "gracePeriodSeconds",
            "integer",
            "The duration in seconds before the object should be deleted.",
        ));
        params.push(query(
            "propagationPolicy",
            "string",
            "Whether and how garbage collection will be performed.",
        ));
        params.push(delete_body.clone());
        ops.push(Op {
            method: "delete",
            action: "deletecollection",
            verb: "deleteCollection",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params,
            response: status.clone(),
            created: false,
        });
    }
    if !ops.is_empty() {
        out.push((
            collection.clone(),
            item(ops, &ids, path_params(rt.namespaced, false)),
        ));
    }
    if rt.namespaced && has("list") {
        let op = Op {
            method: "get",
            action: "list",
            verb: "list",
            suffix: format!("{k}ForAllNamespaces"),
            gvk: Some(kind),
            params: list_params(),
            response: list.clone(),
            created: false,
        };
        out.push((
            format!("{base}/{}", rt.plural),
            item(vec![op], &ids, path_params(false, false)),
        ));
    }

    let named = format!("{collection}/{{name}}");
    let mut ops = Vec::new();
    if has("get") {
        ops.push(Op {
            method: "get",
            action: "get",
            verb: "read",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params: vec![],
            response: obj.clone(),
            created: false,
        });
    }
    if has("update") {
        let mut params = write_params(false);
        params.push(body(obj.clone()));
        ops.push(Op {
            method: "put",
            action: "put",
            verb: "replace",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params,
            response: obj.clone(),
            created: true,
        });
    }
    if has("patch") {
        let mut params = write_params(true);
        params.push(patch_body.clone());
        ops.push(Op {
            method: "patch",
            action: "patch",
            verb: "patch",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params,
            response: obj.clone(),
            created: true,
        });
    }
    if has("delete") {
        let params = vec![
            query(
                "dryRun",
                "string",
                "When present, indicates that modifications should not be persisted.",
            ),
            query(
                "gracePeriodSeconds",
                "integer",
                "The duration in seconds before the object should be deleted.",
            ),
            query(
                "propagationPolicy",
                "string",
                "Whether and how garbage collection will be performed.",
            ),
            delete_body.clone(),
        ];
        ops.push(Op {
            method: "delete",
            action: "delete",
            verb: "delete",
            suffix: format!("{scope}{k}"),
            gvk: Some(kind),
            params,
            response: status.clone(),
            created: false,
        });
    }
    if !ops.is_empty() {
        out.push((
            named.clone(),
            item(ops, &ids, path_params(rt.namespaced, true)),
        ));
    }

    if rt.status_subresource {
        let suffix = format!("{scope}{k}Status");
        let mut put = write_params(false);
        put.push(body(obj.clone()));
        let mut patch = write_params(true);
        patch.push(patch_body.clone());
        let ops = vec![
            Op {
                method: "get",
                action: "get",
                verb: "read",
                suffix: suffix.clone(),
                gvk: Some(kind),
                params: vec![],
                response: obj.clone(),
                created: false,
            },
            Op {
                method: "put",
                action: "put",
                verb: "replace",
                suffix: suffix.clone(),
                gvk: Some(kind),
                params: put,
                response: obj.clone(),
                created: true,
            },
            Op {
                method: "patch",
                action: "patch",
                verb: "patch",
                suffix,
                gvk: Some(kind),
                params: patch,
                response: obj.clone(),
                created: true,
            },
        ];
        out.push((
            format!("{named}/status"),
            item(ops, &ids, path_params(rt.namespaced, true)),
        ));
    }
    for sub in rt.subresources {
        let (g, v, sub_kind, _) = subresource_info(sub);
        let suffix = format!("{scope}{k}{}", capitalized(sub));
        let sub_schema = schemas::kind(g, v, sub_kind);
        let sub_ref = sub_schema
            .map(|s| reference(&s.schema))
            .unwrap_or_else(|| json!({"type": "string"}));
        let ops = match *sub {
            "scale" => {
                let mut put = write_params(false);
                put.push(body(sub_ref.clone()));
                let mut patch = write_params(true);
                patch.push(patch_body.clone());
                vec![
                    Op {
                        method: "get",
                        action: "get",
                        verb: "read",
                        suffix: suffix.clone(),
                        gvk: sub_schema,
                        params: vec![],
                        response: sub_ref.clone(),
                        created: false,
                    },
                    Op {
                        method: "put",
                        action: "put",
                        verb: "replace",
                        suffix: suffix.clone(),
                        gvk: sub_schema,
                        params: put,
                        response: sub_ref.clone(),
                        created: true,
                    },
                    Op {
                        method: "patch",
                        action: "patch",
                        verb: "patch",
                        suffix,
                        gvk: sub_schema,
                        params: patch,
                        response: sub_ref,
                        created: true,
                    },
                ]
            }
            "log" => {
                let params = [
                    "container",
                    "follow",
                    "previous",
                    "sinceSeconds",
                    "tailLines",
                    "timestamps",
                    "limitBytes",
                ]
                .iter()
                .map(|p| {
                    query(
                        p,
                        if matches!(*p, "follow" | "previous" | "timestamps") {
                            "boolean"
                        } else if *p == "container" {
                            "string"
                        } else {
                            "integer"
                        },
                        p,
                    )
                })
                .collect();
                vec![Op {
                    method: "get",
                    action: "get",
                    verb: "read",
                    suffix,
                    gvk: None,
                    params,
                    response: json!({"type": "string"}),
                    created: false,
                }]
            }
            _ => {
                let mut params = write_params(false);
                params.push(body(sub_ref.clone()));
                vec![Op {
                    method: "post",
                    action: "post",
                    verb: "create",
                    suffix,
                    gvk: sub_schema,
                    params,
                    response: sub_ref,
                    created: true,
                }]
            }
        };
        out.push((
            format!("{named}/{sub}"),
            item(ops, &ids, path_params(rt.namespaced, true)),
        ));
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_spell_groups_as_kube_apiserver() {
        assert_eq!(id_part("", "v1"), "CoreV1");
        assert_eq!(
            id_part("rbac.authorization.k8s.io", "v1"),
            "RbacAuthorizationV1"
        );
        assert_eq!(id_part("networking.k8s.io", "v1"), "NetworkingV1");
        assert_eq!(id_part("autoscaling", "v2"), "AutoscalingV2");
    }
}
