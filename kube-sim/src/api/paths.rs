//! URL routing: turns a request path into what it names, following the API
//! server's layout (`/api/v1/...` for the core group, `/apis/<group>/<version>/...`
//! for named groups, `namespaces/<ns>/<plural>[/<name>[/<subresource>]]` for
//! namespaced resources).

use crate::resources::{self, ResourceType};

/// What a path names.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz`.
    Health,
    /// `/api`: the core group's versions.
    CoreVersions,
    /// `/apis`: the named groups.
    Groups,
    /// `/apis/<group>`.
    Group(String),
    /// `/api/<version>` or `/apis/<group>/<version>`: the resources served there.
    Resources {
        /// Group, `""` for core.
        group: String,
        /// Version.
        version: String,
    },
    /// A collection: `namespace: None` is cluster scoped or across all namespaces.
    Collection {
        /// Resource type.
        rt: &'static ResourceType,
        /// Namespace from the URL.
        namespace: Option<String>,
    },
    /// One object, possibly a subresource of it.
    Object {
        /// Resource type.
        rt: &'static ResourceType,
        /// Namespace from the URL (namespaced types only).
        namespace: Option<String>,
        /// Object name.
        name: String,
        /// `status`, `finalize`, ... when present.
        subresource: Option<String>,
    },
    /// `/openapi/v2`.
    OpenApiV2,
    /// `/openapi/v3` (`None`) or one group version's document (`api/v1`).
    OpenApiV3(Option<String>),
    /// Nothing served here.
    NotFound,
}

/// Routes a request path (without query) among the built-in resource types.
pub fn route(path: &str) -> Route {
    route_in(path, &resources::Catalog::default())
}

/// Routes a request path among what `catalog` serves.
pub fn route_in(path: &str, catalog: &resources::Catalog) -> Route {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["openapi", "v3"] => Route::OpenApiV3(None),
        ["openapi", "v3", rest @ ..] => Route::OpenApiV3(Some(rest.join("/"))),
        ["healthz"] | ["livez"] | ["readyz"] => Route::Health,
        ["api"] => Route::CoreVersions,
        ["apis"] => Route::Groups,
        ["api", version, rest @ ..] => in_group_version(catalog, "", version, rest),
        ["apis", group] if catalog.groups().iter().any(|(g, _)| g == group) => {
            Route::Group((*group).to_string())
        }
        ["apis", group, version, rest @ ..] => in_group_version(catalog, group, version, rest),
        _ => Route::NotFound,
    }
}

fn in_group_version(
    catalog: &resources::Catalog,
    group: &str,
    version: &str,
    rest: &[&str],
) -> Route {
    if !catalog.serves_group_version(group, version) {
        return Route::NotFound;
    }
    let namespaced_in = |ns: &str, plural: &str, tail: &[&str]| -> Option<Route> {
        let rt = catalog
            .lookup(group, version, plural)
            .filter(|r| r.namespaced)?;
        let namespace = Some(ns.to_string());
        Some(match tail {
            [] => Route::Collection { rt, namespace },
            [name] => Route::Object {
                rt,
                namespace,
                name: (*name).to_string(),
                subresource: None,
            },
            [name, sub] => Route::Object {
                rt,
                namespace,
                name: (*name).to_string(),
                subresource: Some((*sub).to_string()),
            },
            _ => Route::NotFound,
        })
    };
    match rest {
        [] => Route::Resources {
            group: group.to_string(),
            version: version.to_string(),
        },
        ["namespaces", ns, plural, tail @ ..] if namespaced_in(ns, plural, tail).is_some() => {
            namespaced_in(ns, plural, tail).unwrap_or(Route::NotFound)
        }
        [plural, tail @ ..] => match catalog.lookup(group, version, plural) {
            None => Route::NotFound,
            Some(rt) => match tail {
                [] => Route::Collection {
                    rt,
                    namespace: None,
                },
                [name] if !rt.namespaced => Route::Object {
                    rt,
                    namespace: None,
                    name: (*name).to_string(),
                    subresource: None,
                },
                [name, sub] if !rt.namespaced => Route::Object {
                    rt,
                    namespace: None,
                    name: (*name).to_string(),
                    subresource: Some((*sub).to_string()),
                },
                _ => Route::NotFound,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn describe(r: Route) -> String {
        match r {
            Route::Collection { rt, namespace } => format!("list {} in {:?}", rt.plural, namespace),
            Route::Object {
                rt,
                namespace,
                name,
                subresource,
            } => {
                format!("{} {:?}/{} {:?}", rt.plural, namespace, name, subresource)
            }
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn routes() {
        assert_eq!(route("/version"), Route::Version);
        assert_eq!(route("/api"), Route::CoreVersions);
        assert_eq!(route("/apis"), Route::Groups);
        assert_eq!(
            describe(route("/api/v1/namespaces")),
            "list namespaces in None"
        );
        assert_eq!(
            describe(route("/api/v1/namespaces/a")),
            "namespaces None/a None"
        );
        assert_eq!(
            describe(route("/api/v1/namespaces/a/status")),
            "namespaces None/a Some(\"status\")"
        );
        assert_eq!(
            describe(route("/api/v1/namespaces/a/resourcequotas")),
            "list resourcequotas in Some(\"a\")"
        );
        assert_eq!(
            describe(route("/api/v1/namespaces/a/resourcequotas/q")),
            "resourcequotas Some(\"a\")/q None"
        );
        assert_eq!(
            describe(route("/api/v1/resourcequotas")),
            "list resourcequotas in None"
        );
        assert_eq!(describe(route("/api/v1/nodes/n1")), "nodes None/n1 None");
        assert_eq!(route("/api/v1/resourcequotas/q"), Route::NotFound);
        assert_eq!(route("/api/v1/widgets"), Route::NotFound);
        assert_eq!(route("/api/v2/namespaces"), Route::NotFound);
        assert_eq!(
            describe(route("/apis/apps/v1/namespaces/a/deployments/web/scale")),
            "deployments Some(\"a\")/web Some(\"scale\")"
        );
        assert_eq!(route("/apis/apps/v1/widgets"), Route::NotFound);
        assert_eq!(route("/apis/apps/v2/deployments"), Route::NotFound);
        assert_eq!(route("/nope"), Route::NotFound);
    }
}
