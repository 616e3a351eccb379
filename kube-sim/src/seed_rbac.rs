//! The default RBAC objects kube-apiserver creates at start (its
//! bootstrap policy), reduced to the ones clients notice: `cluster-admin`
//! for `system:masters`; discovery, basic-user and public-info for every
//! authenticated user; and the user-facing `admin`, `edit` and `view`
//! ClusterRoles, aggregated from the `system:aggregate-to-*` roles exactly
//! as on a real cluster (so a RoleBinding to `edit` grants what it grants
//! there, and a ClusterRole labelled `aggregate-to-view` extends `view`).

use serde_json::{json, Value};

use crate::ops::Cluster;
use crate::resources;
use crate::status::ApiError;

const AGG: &str = "rbac.authorization.k8s.io/aggregate-to-";

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": groups, "resources": resources, "verbs": verbs })
}

fn urls(urls: &[&str], verbs: &[&str]) -> Value {
    json!({ "nonResourceURLs": urls, "verbs": verbs })
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

fn cluster_role(name: &str, labels: Value, rules: Vec<Value>, aggregate: Option<&str>) -> Value {
    let mut labels = labels;
    labels["kubernetes.io/bootstrapping"] = json!("rbac-defaults");
    let mut role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": { "rbac.authorization.kubernetes.io/autoupdate": "true" },
        },
        "rules": rules,
    });
    if let Some(to) = aggregate {
        role["aggregationRule"] = json!({ "clusterRoleSelectors": [{ "matchLabels": { format!("{AGG}{to}"): "true" } }] });
    }
    role
}

fn binding(name: &str, role: &str, groups: &[&str]) -> Value {
    let subjects: Vec<Value> = groups
        .iter()
        .map(|g| json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g }))
        .collect();
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": name,
            "labels": { "kubernetes.io/bootstrapping": "rbac-defaults" },
            "annotations": { "rbac.authorization.kubernetes.io/autoupdate": "true" },
        },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
        "subjects": subjects,
    })
}

fn roles() -> Vec<Value> {
    let core_view = [
        "configmaps",
        "endpoints",
        "persistentvolumeclaims",
        "persistentvolumeclaims/status",
        "pods",
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "serviceaccounts",
        "services",
        "services/status",
        "bindings",
        "events",
        "limitranges",
        "namespaces/status",
        "pods/log",
        "pods/status",
        "replicationcontrollers/status",
        "resourcequotas",
        "resourcequotas/status",
    ];
    let apps = [
        "controllerrevisions",
        "daemonsets",
        "daemonsets/status",
        "deployments",
        "deployments/scale",
        "deployments/status",
        "replicasets",
        "replicasets/scale",
        "replicasets/status",
        "statefulsets",
        "statefulsets/scale",
        "statefulsets/status",
    ];
    let autoscaling = [
        "horizontalpodautoscalers",
        "horizontalpodautoscalers/status",
    ];
    let batch = ["cronjobs", "cronjobs/status", "jobs", "jobs/status"];
    let networking = ["ingresses", "ingresses/status", "networkpolicies"];
    let edit_core = [
        "pods",
        "pods/attach",
        "pods/exec",
        "pods/portforward",
        "pods/proxy",
        "configmaps",
        "endpoints",
        "events",
        "persistentvolumeclaims",
        "replicationcontrollers",
        "replicationcontrollers/scale",
        "secrets",
        "serviceaccounts",
        "services",
        "services/proxy",
    ];
    vec![
        cluster_role(
            "cluster-admin",
            json!({}),
            vec![rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])],
            None,
        ),
        cluster_role(
            "system:discovery",
            json!({}),
            vec![urls(
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                &["get"],
            )],
            None,
        ),
        cluster_role(
            "system:basic-user",
            json!({}),
            vec![
                rule(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &["create"],
                ),
                rule(
                    &["authentication.k8s.io"],
                    &["selfsubjectreviews"],
                    &["create"],
                ),
            ],
            None,
        ),
        cluster_role(
            "system:public-info-viewer",
            json!({}),
            vec![urls(
                &["/healthz", "/livez", "/readyz", "/version", "/version/"],
                &["get"],
            )],
            None,
        ),
        cluster_role("admin", json!({}), vec![], Some("admin")),
        cluster_role(
            "edit",
            json!({ format!("{AGG}admin"): "true" }),
            vec![],
            Some("edit"),
        ),
        cluster_role(
            "view",
            json!({ format!("{AGG}edit"): "true" }),
            vec![],
            Some("view"),
        ),
        cluster_role(
            "system:aggregate-to-admin",
            json!({ format!("{AGG}admin"): "true" }),
            vec![
                rule(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"],
                ),
                rule(
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "roles"],
                    &[
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch",
                    ],
                ),
            ],
            None,
        ),
        cluster_role(
            "system:aggregate-to-edit",
            json!({ format!("{AGG}edit"): "true" }),
            vec![
                rule(
                    &[""],
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                    READ,
                ),
                rule(&[""], &["serviceaccounts"], &["impersonate"]),
                rule(&[""], &edit_core, WRITE),
                rule(&[""], &["serviceaccounts/token"], &["create"]),
                rule(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                    WRITE,
                ),
                rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
                rule(&["batch"], &["cronjobs", "jobs"], WRITE),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "networkpolicies"],
                    WRITE,
                ),
                rule(&["policy"], &["poddisruptionbudgets"], WRITE),
                rule(
                    &["coordination.k8s.io"],
                    &["leases"],
                    &[
                        "create", "delete", "get", "list", "patch", "update", "watch",
                    ],
                ),
            ],
            None,
        ),
        cluster_role(
            "system:aggregate-to-view",
            json!({ format!("{AGG}view"): "true" }),
            vec![
                rule(&[""], &core_view, READ),
                rule(&[""], &["namespaces"], READ),
                rule(&["apps"], &apps, READ),
                rule(&["autoscaling"], &autoscaling, READ),
                rule(&["batch"], &batch, READ),
                rule(&["networking.k8s.io"], &networking, READ),
                rule(
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                    READ,
                ),
                rule(&["discovery.k8s.io"], &["endpointslices"], READ),
                rule(&["metrics.k8s.io"], &["pods", "nodes"], READ),
            ],
            None,
        ),
    ]
}

/// Seeds the default roles and bindings.
pub fn seed(cluster: &Cluster) -> Result<(), ApiError> {
    let rt = |plural: &str| {
        resources::lookup("rbac.authorization.k8s.io", "v1", plural)
            .ok_or_else(|| ApiError::internal(format!("{plural} not served")))
    };
    let (roles_rt, bindings_rt) = (rt("clusterroles")?, rt("clusterrolebindings")?);
    for role in roles() {
        cluster.seed(roles_rt, None, role)?;
    }
    for (name, role, groups) in [
        ("cluster-admin", "cluster-admin", &["system:masters"][..]),
        (
            "system:discovery",
            "system:discovery",
            &["system:authenticated"][..],
        ),
        (
            "system:basic-user",
            "system:basic-user",
            &["system:authenticated"][..],
        ),
        (
            "system:public-info-viewer",
            "system:public-info-viewer",
            &["system:authenticated", "system:unauthenticated"][..],
        ),
    ] {
        cluster.seed(bindings_rt, None, binding(name, role, groups))?;
    }
    Ok(())
}
