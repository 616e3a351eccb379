//! RBAC as kube-apiserver evaluates it: a request is allowed when a rule of
//! a Role or ClusterRole bound to the user (by a RoleBinding in the
//! request's namespace or a ClusterRoleBinding) covers its verb, API group,
//! resource (`pods`, `pods/log`, `*`), name, or non-resource URL.
//! Aggregated ClusterRoles (`admin`, `edit`, `view`) hold the rules of
//! every ClusterRole their selectors match, as the aggregation controller
//! keeps them. `system:masters` is allowed everything.

use serde_json::Value;

use super::{Attributes, UserInfo};
use crate::resources::{lookup, ResourceType};
use crate::selectors::LabelSelector;
use crate::store::{ObjectKey, Store};

fn rbac(plural: &str) -> Option<&'static ResourceType> {
    lookup("rbac.authorization.k8s.io", "v1", plural)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn covers(list: &[String], value: &str) -> bool {
    list.iter().any(|v| v == "*" || v == value)
}

/// Whether one policy rule covers the request.
pub fn rule_allows(rule: &Value, attrs: &Attributes) -> bool {
    let verbs = strings(rule, "verbs");
    if !covers(&verbs, &attrs.verb) {
        return false;
    }
    match &attrs.resource {
        Some(r) => {
            let groups = strings(rule, "apiGroups");
            let resources = strings(rule, "resources");
            let names = strings(rule, "resourceNames");
            let full = if r.subresource.is_empty() {
                r.resource.clone()
            } else {
                format!("{}/{}", r.resource, r.subresource)
            };
            let resource_ok = resources.iter().any(|res| {
                res == "*"
                    || *res == full
                    || (!r.subresource.is_empty() && *res == format!("*/{}", r.subresource))
            });
            covers(&groups, &r.group)
                && resource_ok
                && (names.is_empty() || names.contains(&r.name))
        }
        None => strings(rule, "nonResourceURLs").iter().any(|u| {
            u == "*"
                || *u == attrs.path
                || u.strip_suffix('*')
                    .is_some_and(|p| attrs.path.starts_with(p))
        }),
    }
}

fn subject_matches(subject: &Value, user: &UserInfo, binding_ns: &str) -> bool {
    let name = subject
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match subject.get("kind").and_then(Value::as_str) {
        Some("User") => name == user.username,
        Some("Group") => user.groups.iter().any(|g| g == name),
        Some("ServiceAccount") => {
            let ns = subject
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_ns);
            user.service_account_of() == Some((ns, name))
        }
        _ => false,
    }
}

/// The rules of a ClusterRole, aggregated ones included.
fn cluster_role_rules(store: &Store, name: &str, seen: &mut Vec<String>, out: &mut Vec<Value>) {
    if seen.iter().any(|s| s == name) {
        return;
    }
    seen.push(name.to_string());
    let Some(rt) = rbac("clusterroles") else {
        return;
    };
    let Some(role) = store.get(rt, &ObjectKey::new(None, name)) else {
        return;
    };
    out.extend(
        role.get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .cloned(),
    );
    let selectors: Vec<LabelSelector> = role
        .pointer("/aggregationRule/clusterRoleSelectors")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| LabelSelector::from_json(s).ok())
        .collect();
    if selectors.is_empty() {
        return;
    }
    let names: Vec<String> = store
        .list(rt, None)
        .filter(|(_, r)| selectors.iter().any(|s| s.matches(r)))
        .map(|(k, _)| k.name.clone())
        .collect();
    for n in names {
        cluster_role_rules(store, &n, seen, out);
    }
}

/// The rules that apply to `user` in `namespace` (`""`: cluster-wide only).
pub fn rules_for(store: &Store, user: &UserInfo, namespace: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let bound = |b: &Value, ns: &str| {
        b.get("subjects")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|s| subject_matches(s, user, ns))
    };
    if let Some(crb) = rbac("clusterrolebindings") {
        for (_, b) in store.list(crb, None) {
            if bound(b, "") {
                let name = b
                    .pointer("/roleRef/name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                cluster_role_rules(store, name, &mut Vec::new(), &mut out);
            }
        }
    }
    if namespace.is_empty() {
        return out;
    }
    let (Some(rb), Some(roles)) = (rbac("rolebindings"), rbac("roles")) else {
        return out;
    };
    for (_, b) in store.list(rb, Some(namespace)) {
        if !bound(b, namespace) {
            continue;
        }
        let name = b
            .pointer("/roleRef/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match b.pointer("/roleRef/kind").and_then(Value::as_str) {
            Some("ClusterRole") => cluster_role_rules(store, name, &mut Vec::new(), &mut out),
            Some("Role") => {
                if let Some(role) = store.get(roles, &ObjectKey::new(Some(namespace), name)) {
                    out.extend(
                        role.get("rules")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                            .cloned(),
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether RBAC allows the request.
pub fn allowed(store: &Store, user: &UserInfo, attrs: &Attributes) -> bool {
    if user.groups.iter().any(|g| g == "system:masters") {
        return true;
    }
    let namespace = attrs
        .resource
        .as_ref()
        .map(|r| r.namespace.as_str())
        .unwrap_or_default();
    rules_for(store, user, namespace)
        .iter()
        .any(|r| rule_allows(r, attrs))
}
