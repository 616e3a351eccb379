//! The review APIs, answered and never stored: `SelfSubjectAccessReview`,
//! `SubjectAccessReview`, `LocalSubjectAccessReview` and
//! `SelfSubjectRulesReview` (authorization.k8s.io/v1: what `kubectl auth
//! can-i` asks), `SelfSubjectReview` (authentication.k8s.io/v1: `kubectl
//! auth whoami`), and the `token` subresource of service accounts
//! (`TokenRequest`: `kubectl create token`).

use serde_json::{json, Value};

use super::{rbac, Attributes, ResourceAttributes, UserInfo};
use crate::ops::Cluster;
use crate::resources::ResourceType;
use crate::status::{ApiError, Cause};
use crate::store::ObjectKey;

fn str_at<'a>(v: &'a Value, path: &str) -> &'a str {
    v.pointer(path).and_then(Value::as_str).unwrap_or_default()
}

fn attributes_of(
    rt: &ResourceType,
    spec: &Value,
    namespace: Option<&str>,
) -> Result<Attributes, ApiError> {
    if let Some(r) = spec.get("resourceAttributes").filter(|r| r.is_object()) {
        return Ok(Attributes {
            verb: str_at(r, "/verb").to_string(),
            resource: Some(ResourceAttributes {
                group: str_at(r, "/group").to_string(),
                resource: str_at(r, "/resource").to_string(),
                subresource: str_at(r, "/subresource").to_string(),
                namespace: namespace
                    .map(str::to_string)
                    .unwrap_or_else(|| str_at(r, "/namespace").to_string()),
                name: str_at(r, "/name").to_string(),
            }),
            path: String::new(),
        });
    }
    if let Some(n) = spec.get("nonResourceAttributes").filter(|r| r.is_object()) {
        return Ok(Attributes {
            verb: str_at(n, "/verb").to_string(),
            resource: None,
            path: str_at(n, "/path").to_string(),
        });
    }
    Err(ApiError::invalid(
        rt,
        "",
        vec![Cause::required(
            "spec.resourceAttributes",
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )],
    ))
}

fn answered(mut body: Value, status: Value) -> Value {
    if let Some(m) = body.as_object_mut() {
        m.entry("metadata").or_insert_with(|| json!({}));
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("creationTimestamp".into(), Value::Null);
        }
        m.insert("status".into(), status);
    }
    body
}

fn decision(cluster: &Cluster, user: &UserInfo, attrs: &Attributes) -> Value {
    if rbac::allowed(&cluster.lock(), user, attrs) {
        json!({ "allowed": true, "reason": "RBAC: allowed by the user's roles" })
    } else {
        json!({ "allowed": false })
    }
}

/// Answers a review created by `user` (`namespace`: for the local kind).
pub fn answer(
    cluster: &Cluster,
    rt: &ResourceType,
    user: &UserInfo,
    namespace: Option<&str>,
    body: Value,
) -> Result<Value, ApiError> {
    let spec = body.get("spec").cloned().unwrap_or_else(|| json!({}));
    match rt.kind {
        "SelfSubjectReview" => Ok(answered(body, json!({ "userInfo": user.to_json() }))),
        "SelfSubjectAccessReview" => {
            let attrs = attributes_of(rt, &spec, None)?;
            Ok(answered(body, decision(cluster, user, &attrs)))
        }
        "SubjectAccessReview" | "LocalSubjectAccessReview" => {
            let subject = UserInfo {
                username: str_at(&spec, "/user").to_string(),
                uid: str_at(&spec, "/uid").to_string(),
                groups: spec
                    .get("groups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect(),
            };
            if subject.username.is_empty() && subject.groups.is_empty() {
                return Err(ApiError::invalid(
                    rt,
                    "",
                    vec![Cause::required(
                        "spec.user",
                        "at least one of user or group must be specified",
                    )],
                ));
            }
            let attrs = attributes_of(rt, &spec, namespace)?;
            Ok(answered(body, decision(cluster, &subject, &attrs)))
        }
        "SelfSubjectRulesReview" => {
            let ns = str_at(&spec, "/namespace");
            let rules = rbac::rules_for(&cluster.lock(), user, ns);
            let (non_resource, resource): (Vec<Value>, Vec<Value>) = rules
                .into_iter()
                .partition(|r| r.get("nonResourceURLs").is_some());
            let resource_rules: Vec<Value> = resource
                .iter()
                .map(|r| {
                    let mut out =
                        json!({ "verbs": r.get("verbs").cloned().unwrap_or_else(|| json!([])) });
                    for k in ["apiGroups", "resources", "resourceNames"] {
                        if let Some(v) = r.get(k) {
                            out[k] = v.clone();
                        }
                    }
                    out
                })
                .collect();
            let non_resource_rules: Vec<Value> = non_resource
                .iter()
                .map(|r| json!({ "verbs": r.get("verbs").cloned().unwrap_or_else(|| json!([])), "nonResourceURLs": r.get("nonResourceURLs").cloned().unwrap_or_else(|| json!([])) }))
                .collect();
            Ok(answered(
                body,
                json!({ "resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false }),
            ))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

/// `POST serviceaccounts/<name>/token`: a token for the service account.
pub fn token_request(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    let rt = crate::resources::core("serviceaccounts")
        .ok_or_else(|| ApiError::internal("serviceaccounts not served"))?;
    let uid = {
        let store = cluster.lock();
        let sa = store
            .get(rt, &ObjectKey::new(Some(namespace), name))
            .ok_or_else(|| ApiError::not_found(rt, name))?;
        str_at(sa, "/metadata/uid").to_string()
    };
    let req: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid TokenRequest: {e}")))?
    };
    let seconds = req
        .pointer("/spec/expirationSeconds")
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    if seconds < 600 {
        return Err(ApiError::invalid(
            rt,
            name,
            vec![Cause::invalid(
                "spec.expirationSeconds",
                &seconds.to_string(),
                "may not specify a duration less than 10 minutes",
            )],
        ));
    }
    let (token, expires) = cluster.tokens.issue(namespace, name, &uid, seconds);
    let audiences = req
        .pointer("/spec/audiences")
        .cloned()
        .unwrap_or_else(|| json!(["https://kubernetes.default.svc.cluster.local"]));
    Ok(json!({
        "kind": "TokenRequest",
        "apiVersion": "authentication.k8s.io/v1",
        "metadata": { "name": name, "namespace": namespace, "creationTimestamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string() },
        "spec": { "audiences": audiences, "expirationSeconds": seconds, "boundObjectRef": Value::Null },
        "status": { "token": token, "expirationTimestamp": expires.format("%Y-%m-%dT%H:%M:%SZ").to_string() },
    }))
}
