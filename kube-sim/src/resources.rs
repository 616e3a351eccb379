//! The table of resource types the simulator serves.
//!
//! Every resource type is one [`ResourceType`] row in [`RESOURCES`]: its API
//! group, version, kind, plural, scope, short names, verbs, how its names are
//! validated and which type-specific hooks run on create and update. The
//! discovery documents, the URL routing and the generic store all read this
//! table, so serving a new resource type starts with adding a row here.

use serde_json::Value;

use crate::status::Cause;
use crate::store::{ObjectKey, Store};
use crate::{configs, hooks, metrics, networking, pods, services, storage, workloads};

/// How the names of a resource type are validated (as Kubernetes' `ValidateObjectMeta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 label: at most 63 characters of `[a-z0-9-]`, alphanumeric at both ends.
    Dns1123Label,
    /// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
    Dns1123Subdomain,
    /// A URL path segment: anything but `.`, `..`, `/` and `%` (RBAC objects).
    PathSegment,
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

/// Type-specific validation of an object about to be stored (Kubernetes'
/// `Validate`): the field errors, answered as 422 Invalid.
pub type Validate = fn(&Value) -> Vec<Cause>;

/// Objects of a read-only type computed from the store rather than stored
/// (the metrics API): every object in `namespace` (`None`: all), sorted by key.
pub type Computed = fn(&Store, Option<&str>) -> Vec<(ObjectKey, Value)>;

/// Type-specific validation of an update: `(old, new)`; the field errors.
pub type ValidateUpdate = fn(&Value, &Value) -> Vec<Cause>;

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
    /// Type-specific validation of spec fields.
    pub validate: Validate,
    /// Type-specific validation of an update against the stored object
    /// (immutable fields): `(old, new)`.
    pub validate_update: ValidateUpdate,
    /// Subresources other than `status` (`log`, `eviction`, `scale`, `binding`).
    pub subresources: &'static [&'static str],
    /// Fields a field selector may name besides `metadata.name` and `metadata.namespace`.
    pub field_selectors: &'static [&'static str],
    /// For read-only computed types (metrics): where the objects come from.
    pub computed: Option<Computed>,
    /// Whether a create is a review, answered and never stored ([`crate::auth::reviews`]).
    pub review: bool,
    /// For custom resources: the CRD's `additionalPrinterColumns` (name,
    /// type, JSONPath, priority), what `kubectl get` shows.
    pub printer_columns: &'static [PrinterColumn],
}

/// One `additionalPrinterColumns` entry of a CustomResourceDefinition.
#[derive(Debug, Clone)]
pub struct PrinterColumn {
    pub name: &'static str,
    pub kind: &'static str,
    pub json_path: &'static str,
    pub priority: u8,
}

/// A subresource other than `status`: its name, the kind it answers as
/// (group, version, kind) and its verbs, as discovery lists them.
pub fn subresource_info(
    name: &str,
) -> (
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
) {
    match name {
        "scale" => ("autoscaling", "v1", "Scale", &["get", "patch", "update"]),
        "eviction" => ("policy", "v1", "Eviction", &["create"]),
        "binding" => ("", "v1", "Binding", &["create"]),
        "token" => ("authentication.k8s.io", "v1", "TokenRequest", &["create"]),
        _ => ("", "v1", "Pod", &["get"]),
    }
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
const READ_ONLY: &[&str] = &["get", "list"];
const CREATE_ONLY: &[&str] = &["create"];

/// A review type: created, answered, never stored.
const REVIEW: ResourceType = ResourceType {
    namespaced: false,
    verbs: CREATE_ONLY,
    review: true,
    ..BASE
};

/// Pod fields a field selector may name (besides `metadata.name` and `metadata.namespace`).
const POD_FIELDS: &[&str] = &[
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
];

/// Defaults shared by most rows; each row names only what differs.
pub(crate) const BASE: ResourceType = ResourceType {
    group: "",
    version: "v1",
    kind: "",
    plural: "",
    singular: "",
    namespaced: true,
    short_names: &[],
    verbs: CRUD_COLLECTION,
    categories: &[],
    name_rule: NameRule::Dns1123Subdomain,
    status_subresource: false,
    sets_generation: false,
    delete: DeleteBehavior::Immediate,
    returns_deleted_object: false,
    prepare_create: hooks::no_create,
    prepare_update: hooks::no_update,
    validate: hooks::no_validation,
    validate_update: hooks::no_update_validation,
    subresources: &[],
    field_selectors: &[],
    computed: None,
    review: false,
    printer_columns: &[],
};

/// A workload row of `apps/v1`: status subresource, generation, category `all`.
const APPS: ResourceType = ResourceType {
    group: "apps",
    status_subresource: true,
    sets_generation: true,
    categories: &["all"],
    validate: workloads::validate_pod_template_owner,
    ..BASE
};

/// Every resource type the simulator serves.
pub static RESOURCES: &[ResourceType] = &[
    // core/v1
    ResourceType {
        kind: "Namespace",
        plural: "namespaces",
        singular: "namespace",
        namespaced: false,
        short_names: &["ns"],
        verbs: CRUD,
        name_rule: NameRule::Dns1123Label,
        status_subresource: true,
        delete: DeleteBehavior::NamespaceLifecycle,
        prepare_create: hooks::namespace_create,
        prepare_update: hooks::namespace_update,
        field_selectors: &["status.phase"],
        ..BASE
    },
    ResourceType {
        kind: "Node",
        plural: "nodes",
        singular: "node",
        namespaced: false,
        short_names: &["no"],
        status_subresource: true,
        field_selectors: &["spec.unschedulable"],
        ..BASE
    },
    ResourceType {
        kind: "ResourceQuota",
        plural: "resourcequotas",
        singular: "resourcequota",
        short_names: &["quota"],
        status_subresource: true,
        returns_deleted_object: true,
        prepare_create: hooks::resourcequota_create,
        ..BASE
    },
    ResourceType {
        kind: "Pod",
        plural: "pods",
        singular: "pod",
        short_names: &["po"],
        categories: &["all"],
        status_subresource: true,
        returns_deleted_object: true,
        prepare_create: pods::prepare_create,
        prepare_update: pods::prepare_update,
        validate: pods::validate,
        subresources: &["binding", "eviction", "log"],
        field_selectors: POD_FIELDS,
        ..BASE
    },
    ResourceType {
        kind: "Service",
        plural: "services",
        singular: "service",
        short_names: &["svc"],
        categories: &["all"],
        verbs: CRUD,
        status_subresource: true,
        returns_deleted_object: true,
        prepare_create: services::create,
        prepare_update: services::update,
        validate: services::validate,
        name_rule: NameRule::Dns1123Label,
        ..BASE
    },
    ResourceType {
        kind: "Endpoints",
        plural: "endpoints",
        singular: "endpoints",
        short_names: &["ep"],
        ..BASE
    },
    ResourceType {
        kind: "ConfigMap",
        plural: "configmaps",
        singular: "configmap",
        short_names: &["cm"],
        validate: configs::validate_configmap,
        validate_update: configs::validate_configmap_update,
        ..BASE
    },
    ResourceType {
        kind: "Secret",
        plural: "secrets",
        singular: "secret",
        prepare_create: configs::secret_prepare,
        prepare_update: configs::secret_prepare_update,
        validate: configs::validate_secret,
        validate_update: configs::validate_secret_update,
        field_selectors: &["type"],
        ..BASE
    },
    ResourceType {
        kind: "PersistentVolume",
        plural: "persistentvolumes",
        singular: "persistentvolume",
        namespaced: false,
        short_names: &["pv"],
        status_subresource: true,
        returns_deleted_object: true,
        prepare_create: storage::pv_create,
        ..BASE
    },
    ResourceType {
        kind: "PersistentVolumeClaim",
        validate_update: workloads::validate_pvc_update,
        plural: "persistentvolumeclaims",
        singular: "persistentvolumeclaim",
        short_names: &["pvc"],
        status_subresource: true,
        returns_deleted_object: true,
        prepare_create: storage::pvc_create,
        validate: storage::validate_pvc,
        ..BASE
    },
    ResourceType {
        kind: "LimitRange",
        plural: "limitranges",
        singular: "limitrange",
        short_names: &["limits"],
        ..BASE
    },
    ResourceType {
        kind: "Event",
        plural: "events",
        singular: "event",
        short_names: &["ev"],
        field_selectors: &[
            "involvedObject.kind",
            "involvedObject.name",
            "involvedObject.namespace",
            "involvedObject.uid",
            "reason",
            "type",
        ],
        ..BASE
    },
    ResourceType {
        kind: "ServiceAccount",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        short_names: &["sa"],
        subresources: &["token"],
        ..BASE
    },
    // apps/v1
    ResourceType {
        kind: "Deployment",
        validate_update: workloads::validate_selector_update,
        plural: "deployments",
        singular: "deployment",
        short_names: &["deploy"],
        prepare_create: workloads::deployment_create,
        subresources: &["scale"],
        ..APPS
    },
    ResourceType {
        kind: "ReplicaSet",
        validate_update: workloads::validate_selector_update,
        plural: "replicasets",
        singular: "replicaset",
        short_names: &["rs"],
        prepare_create: workloads::replicaset_create,
        subresources: &["scale"],
        ..APPS
    },
    ResourceType {
        kind: "StatefulSet",
        validate_update: workloads::validate_statefulset_update,
        plural: "statefulsets",
        singular: "statefulset",
        short_names: &["sts"],
        prepare_create: workloads::statefulset_create,
        subresources: &["scale"],
        ..APPS
    },
    ResourceType {
        kind: "DaemonSet",
        validate_update: workloads::validate_selector_update,
        plural: "daemonsets",
        singular: "daemonset",
        short_names: &["ds"],
        prepare_create: workloads::daemonset_create,
        ..APPS
    },
    ResourceType {
        kind: "ControllerRevision",
        plural: "controllerrevisions",
        singular: "controllerrevision",
        group: "apps",
        ..BASE
    },
    // batch/v1
    ResourceType {
        group: "batch",
        kind: "Job",
        validate_update: workloads::validate_job_update,
        plural: "jobs",
        singular: "job",
        categories: &["all"],
        status_subresource: true,
        sets_generation: true,
        prepare_create: workloads::job_create,
        validate: workloads::validate_pod_template_owner,
        ..BASE
    },
    ResourceType {
        group: "batch",
        kind: "CronJob",
        plural: "cronjobs",
        singular: "cronjob",
        short_names: &["cj"],
        categories: &["all"],
        status_subresource: true,
        sets_generation: true,
        prepare_create: networking::cronjob_create,
        validate: workloads::validate_cronjob,
        ..BASE
    },
    // autoscaling/v2
    ResourceType {
        group: "autoscaling",
        version: "v2",
        kind: "HorizontalPodAutoscaler",
        plural: "horizontalpodautoscalers",
        singular: "horizontalpodautoscaler",
        short_names: &["hpa"],
        categories: &["all"],
        status_subresource: true,
        ..BASE
    },
    // networking.k8s.io/v1
    ResourceType {
        group: "networking.k8s.io",
        kind: "Ingress",
        plural: "ingresses",
        singular: "ingress",
        short_names: &["ing"],
        status_subresource: true,
        sets_generation: true,
        validate: networking::validate_ingress,
        ..BASE
    },
    ResourceType {
        group: "networking.k8s.io",
        kind: "IngressClass",
        plural: "ingressclasses",
        singular: "ingressclass",
        namespaced: false,
        ..BASE
    },
    ResourceType {
        group: "networking.k8s.io",
        kind: "NetworkPolicy",
        plural: "networkpolicies",
        singular: "networkpolicy",
        short_names: &["netpol"],
        sets_generation: true,
        prepare_create: networking::networkpolicy_create,
        prepare_update: networking::networkpolicy_update,
        validate: networking::validate_networkpolicy,
        ..BASE
    },
    // storage.k8s.io/v1
    ResourceType {
        group: "storage.k8s.io",
        kind: "StorageClass",
        plural: "storageclasses",
        singular: "storageclass",
        namespaced: false,
        short_names: &["sc"],
        prepare_create: networking::storageclass_create,
        validate: networking::validate_storageclass,
        validate_update: networking::validate_storageclass_update,
        ..BASE
    },
    // rbac.authorization.k8s.io/v1
    ResourceType {
        group: "rbac.authorization.k8s.io",
        kind: "Role",
        name_rule: NameRule::PathSegment,
        plural: "roles",
        singular: "role",
        ..BASE
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        kind: "RoleBinding",
        name_rule: NameRule::PathSegment,
        plural: "rolebindings",
        singular: "rolebinding",
        ..BASE
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name_rule: NameRule::PathSegment,
        plural: "clusterroles",
        singular: "clusterrole",
        namespaced: false,
        ..BASE
    },
    ResourceType {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRoleBinding",
        name_rule: NameRule::PathSegment,
        plural: "clusterrolebindings",
        singular: "clusterrolebinding",
        namespaced: false,
        ..BASE
    },
    // coordination.k8s.io/v1
    ResourceType {
        group: "coordination.k8s.io",
        kind: "Lease",
        plural: "leases",
        singular: "lease",
        ..BASE
    },
    // apiextensions.k8s.io/v1
    ResourceType {
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
        plural: "customresourcedefinitions",
        singular: "customresourcedefinition",
        short_names: &["crd", "crds"],
        namespaced: false,
        status_subresource: true,
        sets_generation: true,
        prepare_create: crate::crd::prepare_create,
        validate: crate::crd::validate,
        ..BASE
    },
    // policy/v1
    ResourceType {
        group: "policy",
        kind: "PodDisruptionBudget",
        plural: "poddisruptionbudgets",
        singular: "poddisruptionbudget",
        short_names: &["pdb"],
        status_subresource: true,
        sets_generation: true,
        validate: crate::disruption::validate,
        ..BASE
    },
    // authorization.k8s.io/v1 and authentication.k8s.io/v1: reviews
    ResourceType {
        group: "authorization.k8s.io",
        kind: "SelfSubjectAccessReview",
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        ..REVIEW
    },
    ResourceType {
        group: "authorization.k8s.io",
        kind: "SelfSubjectRulesReview",
        plural: "selfsubjectrulesreviews",
        singular: "selfsubjectrulesreview",
        ..REVIEW
    },
    ResourceType {
        group: "authorization.k8s.io",
        kind: "SubjectAccessReview",
        plural: "subjectaccessreviews",
        singular: "subjectaccessreview",
        ..REVIEW
    },
    ResourceType {
        group: "authorization.k8s.io",
        kind: "LocalSubjectAccessReview",
        plural: "localsubjectaccessreviews",
        singular: "localsubjectaccessreview",
        namespaced: true,
        ..REVIEW
    },
    ResourceType {
        group: "authentication.k8s.io",
        kind: "SelfSubjectReview",
        plural: "selfsubjectreviews",
        singular: "selfsubjectreview",
        ..REVIEW
    },
    // events.k8s.io/v1: the core Events in the newer shape
    ResourceType {
        group: "events.k8s.io",
        kind: "Event",
        plural: "events",
        singular: "event",
        short_names: &["ev"],
        verbs: &["create", "delete", "get", "list"],
        computed: Some(crate::events::view),
        ..BASE
    },
    // metrics.k8s.io/v1beta1: read-only, computed from the simulated usage
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "NodeMetrics",
        plural: "nodes",
        singular: "",
        namespaced: false,
        verbs: READ_ONLY,
        computed: Some(metrics::node_metrics),
        ..BASE
    },
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "PodMetrics",
        plural: "pods",
        singular: "",
        verbs: READ_ONLY,
        computed: Some(metrics::pod_metrics),
        ..BASE
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

/// What one cluster serves: the built-in table, then the resource types
/// its CustomResourceDefinitions add ([`crate::crd`]).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Rows of the served custom resource versions.
    pub custom: Vec<&'static ResourceType>,
}

impl Catalog {
    /// Every row, built-in first.
    pub fn all(&self) -> impl Iterator<Item = &'static ResourceType> + '_ {
        RESOURCES.iter().chain(self.custom.iter().copied())
    }

    /// The row for `plural` in `group`/`version`, if served.
    pub fn lookup(
        &self,
        group: &str,
        version: &str,
        plural: &str,
    ) -> Option<&'static ResourceType> {
        self.all()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// Whether any row is served at `group`/`version`.
    pub fn serves_group_version(&self, group: &str, version: &str) -> bool {
        self.all().any(|r| r.group == group && r.version == version)
    }

    /// Named API groups (not core), each with its versions in table order.
    pub fn groups(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for r in self.all().filter(|r| !r.group.is_empty()) {
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
}

/// Named API groups (not core), each with its versions in table order.
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    Catalog::default().groups()
}

/// Whether any row is served at `group`/`version`.
pub fn serves_group_version(group: &str, version: &str) -> bool {
    Catalog::default().serves_group_version(group, version)
}
