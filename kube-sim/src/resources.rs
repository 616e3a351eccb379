//! The table of resource types the simulator serves.
//!
//! Every resource type is one [`ResourceType`] row in [`RESOURCES`]: its API
//! group, version, kind, plural, scope, short names, verbs, how its names are
//! validated and which type-specific hooks run on create and update. The
//! discovery documents, the URL routing and the generic store all read this
//! table, so serving a new resource type starts with adding a row here.

use serde_json::Value;

use crate::hooks;

/// How the names of a resource type are validated (as Kubernetes' `ValidateObjectMeta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 label: at most 63 characters of `[a-z0-9-]`, alphanumeric at both ends.
    Dns1123Label,
    /// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
    Dns1123Subdomain,
}

/// What a DELETE of one object does and answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteBehavior {
    /// Removed at once (unless finalizers hold it); the answer is a `Success`
    /// status or the deleted object, see [`ResourceType::returns_deleted_object`].
    Immediate,
    /// Namespaces: marked Terminating (answer: the object); a background step
    /// removes its contents and then the namespace itself.
    NamespaceLifecycle,
}

/// Type-specific preparation of a new object before it is stored
/// (Kubernetes' `PrepareForCreate`). Gets the object with metadata filled in.
pub type PrepareCreate = fn(&mut Value);

/// Type-specific preparation of an updated object (Kubernetes'
/// `PrepareForUpdate`): `(old, new)`; may copy fields the update must not change.
pub type PrepareUpdate = fn(&Value, &mut Value);

/// One resource type served by the simulator.
#[derive(Debug)]
pub struct ResourceType {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// API version inside the group, e.g. `v1`.
    pub version: &'static str,
    /// Kind, e.g. `Namespace`.
    pub kind: &'static str,
    /// Plural resource name used in URLs, e.g. `namespaces`.
    pub plural: &'static str,
    /// Singular resource name, e.g. `namespace`.
    pub singular: &'static str,
    /// Whether objects live inside a namespace.
    pub namespaced: bool,
    /// Short names advertised in discovery (`ns`, `no`, `quota`).
    pub short_names: &'static [&'static str],
    /// Verbs advertised in discovery and accepted by the router.
    pub verbs: &'static [&'static str],
    /// Categories advertised in discovery (e.g. `all`).
    pub categories: &'static [&'static str],
    /// How `metadata.name` is validated.
    pub name_rule: NameRule,
    /// Whether `status` is a subresource: a PUT of the main resource keeps the stored status.
    pub status_subresource: bool,
    /// Whether the object carries `metadata.generation`, bumped on spec changes.
    pub sets_generation: bool,
    /// What DELETE does.
    pub delete: DeleteBehavior,
    /// Whether an immediate DELETE answers the deleted object rather than a
    /// `Success` status (Kubernetes' `ReturnDeletedObject`).
    pub returns_deleted_object: bool,
    /// Type-specific create preparation.
    pub prepare_create: PrepareCreate,
    /// Type-specific update preparation.
    pub prepare_update: PrepareUpdate,
}

/// Two rows are the same resource type when group, version and plural match.
impl PartialEq for ResourceType {
    fn eq(&self, other: &Self) -> bool {
        self.group == other.group && self.version == other.version && self.plural == other.plural
    }
}

impl Eq for ResourceType {}

impl ResourceType {
    /// `apiVersion` of the objects: `v1` for core, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Resource name as Kubernetes writes it in messages: `namespaces`, `deployments.apps`.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Kind of the list type, e.g. `NamespaceList`.
    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// Whether `verb` (`get`, `list`, `create`, `update`, `delete`, `deletecollection`, ...) is served.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.contains(&verb)
    }
}

const CRUD: &[&str] = &[
    "create", "delete", "get", "list", "patch", "update", "watch",
];
const CRUD_COLLECTION: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Every resource type the simulator serves.
pub static RESOURCES: &[ResourceType] = &[
    ResourceType {
        group: "",
        version: "v1",
        kind: "Namespace",
        plural: "namespaces",
        singular: "namespace",
        namespaced: false,
        short_names: &["ns"],
        verbs: CRUD,
        categories: &[],
        name_rule: NameRule::Dns1123Label,
        status_subresource: true,
        sets_generation: false,
        delete: DeleteBehavior::NamespaceLifecycle,
        returns_deleted_object: false,
        prepare_create: hooks::namespace_create,
        prepare_update: hooks::namespace_update,
    },
    ResourceType {
        group: "",
        version: "v1",
        kind: "Node",
        plural: "nodes",
        singular: "node",
        namespaced: false,
        short_names: &["no"],
        verbs: CRUD_COLLECTION,
        categories: &[],
        name_rule: NameRule::Dns1123Subdomain,
        status_subresource: true,
        sets_generation: false,
        delete: DeleteBehavior::Immediate,
        returns_deleted_object: false,
        prepare_create: hooks::no_create,
        prepare_update: hooks::no_update,
    },
    ResourceType {
        group: "",
        version: "v1",
        kind: "ResourceQuota",
        plural: "resourcequotas",
        singular: "resourcequota",
        namespaced: true,
        short_names: &["quota"],
        verbs: CRUD_COLLECTION,
        categories: &[],
        name_rule: NameRule::Dns1123Subdomain,
        status_subresource: true,
        sets_generation: false,
        delete: DeleteBehavior::Immediate,
        returns_deleted_object: true,
        prepare_create: hooks::resourcequota_create,
        prepare_update: hooks::no_update,
    },
];

/// The row for `plural` in `group`/`version`, if served.
pub fn lookup(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The core-group row for `plural`; used by code that needs a fixed core type.
pub fn core(plural: &str) -> Option<&'static ResourceType> {
    lookup("", "v1", plural)
}

/// Named API groups (not core), each with its versions in table order.
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                if !versions.contains(&r.version) {
                    versions.push(r.version);
                }
            }
            None => out.push((r.group, vec![r.version])),
        }
    }
    out
}

/// Whether any row is served at `group`/`version`.
pub fn serves_group_version(group: &str, version: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.group == group && r.version == version)
}
