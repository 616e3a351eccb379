//! Discovery documents built from the resource table: `/version`, `/api`,
//! `/apis`, `/apis/<group>`, the resource lists at `/api/v1` and
//! `/apis/<group>/<version>`, and the aggregated discovery form of `/api` and
//! `/apis` (Accept `...;as=APIGroupDiscoveryList`) that newer clients ask for.

use serde_json::{json, Map, Value};

use crate::resources::{self, Catalog, ResourceType};

/// The simulated Kubernetes version.
pub const MAJOR: &str = "1";
/// The simulated Kubernetes minor version.
pub const MINOR: &str = "37";
/// `gitVersion` of `/version` and the nodes' kubelet version.
pub const GIT_VERSION: &str = "v1.37.0-berth-sim";

/// Media type of aggregated discovery v2.
pub const AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": MAJOR,
        "minor": MINOR,
        "emulationMajor": MAJOR,
        "emulationMinor": MINOR,
        "minCompatibilityMajor": MAJOR,
        "minCompatibilityMinor": "36",
        "gitVersion": GIT_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": format!("{}/{}", std::env::consts::OS, go_arch()),
    })
}

/// `/api` (legacy form).
pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{ "clientCIDR": "0.0.0.0/0", "serverAddress": server_address }],
    })
}

fn group_json(group: &str, versions: &[&str]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({ "groupVersion": format!("{group}/{v}"), "version": v }))
        .collect();
    let preferred = vs.first().cloned().unwrap_or_else(|| json!({}));
    json!({ "name": group, "versions": vs, "preferredVersion": preferred })
}

/// `/apis` (legacy form).
pub fn groups(catalog: &Catalog) -> Value {
    let groups: Vec<Value> = catalog
        .groups()
        .iter()
        .map(|(g, vs)| group_json(g, vs))
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// `/apis/<group>`.
pub fn group(catalog: &Catalog, name: &str) -> Option<Value> {
    let groups = catalog.groups();
    let (g, vs) = groups.iter().find(|(g, _)| *g == name)?;
    let mut doc = group_json(g, vs);
    if let Some(map) = doc.as_object_mut() {
        map.insert("kind".into(), json!("APIGroup"));
        map.insert("apiVersion".into(), json!("v1"));
    }
    Some(doc)
}

fn in_group_version<'a>(
    catalog: &'a Catalog,
    group: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'static ResourceType> + 'a {
    catalog
        .all()
        .filter(move |r| r.group == group && r.version == version)
}

fn status_verbs() -> Value {
    json!(["get", "update"])
}

/// `/api/<version>` or `/apis/<group>/<version>`: an `APIResourceList`.
pub fn resource_list(catalog: &Catalog, group: &str, version: &str) -> Value {
    let mut list = Vec::new();
    for r in in_group_version(catalog, group, version) {
        let mut entry = Map::new();
        entry.insert("name".into(), json!(r.plural));
        entry.insert("singularName".into(), json!(r.singular));
        entry.insert("namespaced".into(), json!(r.namespaced));
        entry.insert("kind".into(), json!(r.kind));
        entry.insert("verbs".into(), json!(r.verbs));
        if !r.short_names.is_empty() {
            entry.insert("shortNames".into(), json!(r.short_names));
        }
        if !r.categories.is_empty() {
            entry.insert("categories".into(), json!(r.categories));
        }
        list.push(Value::Object(entry));
        if r.status_subresource {
            list.push(json!({
                "name": format!("{}/status", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": status_verbs(),
            }));
        }
        for sub in r.subresources {
            let (g, v, kind, verbs) = resources::subresource_info(sub);
            let mut e = Map::new();
            e.insert("name".into(), json!(format!("{}/{sub}", r.plural)));
            e.insert("singularName".into(), json!(""));
            e.insert("namespaced".into(), json!(r.namespaced));
            if !g.is_empty() {
                e.insert("group".into(), json!(g));
                e.insert("version".into(), json!(v));
            }
            e.insert("kind".into(), json!(kind));
            e.insert("verbs".into(), json!(verbs));
            list.push(Value::Object(e));
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut doc = Map::new();
    doc.insert("kind".into(), json!("APIResourceList"));
    if !group.is_empty() {
        doc.insert("apiVersion".into(), json!("v1"));
    }
    doc.insert("groupVersion".into(), json!(group_version));
    doc.insert("resources".into(), Value::Array(list));
    Value::Object(doc)
}

fn aggregated_group(catalog: &Catalog, group: &str, versions: &[&str]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let resources: Vec<Value> = in_group_version(catalog, group, v)
                .map(|r| {
                    let kind = json!({ "group": r.group, "version": r.version, "kind": r.kind });
                    let mut entry = Map::new();
                    entry.insert("resource".into(), json!(r.plural));
                    entry.insert("responseKind".into(), kind.clone());
                    entry.insert("scope".into(), json!(if r.namespaced { "Namespaced" } else { "Cluster" }));
                    entry.insert("singularResource".into(), json!(r.singular));
                    entry.insert("verbs".into(), json!(r.verbs));
                    if !r.short_names.is_empty() {
                        entry.insert("shortNames".into(), json!(r.short_names));
                    }
                    if !r.categories.is_empty() {
                        entry.insert("categories".into(), json!(r.categories));
                    }
                    let mut subs = Vec::new();
                    if r.status_subresource {
                        subs.push(json!({ "subresource": "status", "responseKind": kind, "verbs": status_verbs() }));
                    }
                    for sub in r.subresources {
                        let (g, v, k, verbs) = resources::subresource_info(sub);
                        subs.push(json!({
                            "subresource": sub,
                            "responseKind": { "group": g, "version": v, "kind": k },
                            "verbs": verbs,
                        }));
                    }
                    if !subs.is_empty() {
                        entry.insert("subresources".into(), Value::Array(subs));
                    }
                    Value::Object(entry)
                })
                .collect();
            json!({ "version": v, "resources": resources, "freshness": "Current" })
        })
        .collect();
    let metadata = if group.is_empty() {
        json!({ "creationTimestamp": null })
    } else {
        json!({ "name": group, "creationTimestamp": null })
    };
    json!({ "metadata": metadata, "versions": versions })
}

fn aggregated_list(items: Vec<Value>) -> Value {
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

/// `/api` in aggregated form.
pub fn core_aggregated() -> Value {
    aggregated_list(vec![aggregated_group(&Catalog::default(), "", &["v1"])])
}

/// `/apis` in aggregated form.
pub fn groups_aggregated(catalog: &Catalog) -> Value {
    aggregated_list(
        catalog
            .groups()
            .iter()
            .map(|(g, vs)| aggregated_group(catalog, g, vs))
            .collect(),
    )
}
