//! The schema of every built-in kind the simulator serves, generated from
//! k8s-openapi's types (their `schemars` schemas carry kube-apiserver's own
//! descriptions), with what kube-apiserver adds: the
//! `x-kubernetes-group-version-kind` of each kind and list, and the
//! strategic-merge-patch extensions of merged lists.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use k8s_openapi::api::{
    apps, authentication, authorization, autoscaling, batch, coordination, core, networking,
    policy, rbac, storage,
};
use k8s_openapi::apimachinery::pkg::apis::meta;
use k8s_openapi::schemars::generate::{SchemaGenerator, SchemaSettings};
use k8s_openapi::schemars::JsonSchema;
use k8s_openapi::Resource;
use serde_json::{json, Map, Value};

use crate::ops::strategic;

/// One kind with a generated schema.
#[derive(Debug, Clone)]
pub struct Kind {
    /// API group, `""` for the core group.
    pub group: &'static str,
    /// API version inside the group.
    pub version: &'static str,
    /// Kind, e.g. `Pod`.
    pub kind: &'static str,
    /// Definition name, e.g. `io.k8s.api.core.v1.Pod`.
    pub schema: String,
}

impl Kind {
    /// The definition name of the kind's list (`io.k8s.api.core.v1.PodList`).
    pub fn list_schema(&self) -> String {
        format!("{}List", self.schema)
    }
}

/// Every definition, keyed by name, with references as `#/definitions/<name>`.
pub struct Schemas {
    /// Definitions by name (Swagger 2.0 form).
    pub definitions: Map<String, Value>,
    /// The kinds with schemas (resources and the kinds of subresources).
    pub kinds: Vec<Kind>,
}

macro_rules! kinds {
    ($gen:ident; $($ty:ty),* $(,)?) => {
        vec![$({
            $gen.subschema_for::<$ty>();
            Kind {
                group: <$ty as Resource>::GROUP,
                version: <$ty as Resource>::VERSION,
                kind: <$ty as Resource>::KIND,
                schema: <$ty as JsonSchema>::schema_name().into_owned(),
            }
        }),*]
    };
}

/// Kinds whose lists kube-apiserver serves (every kind but subresource kinds).
const NOT_LISTED: &[&str] = &[
    "Scale",
    "Eviction",
    "Binding",
    "Status",
    "DeleteOptions",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SubjectAccessReview",
    "LocalSubjectAccessReview",
    "SelfSubjectReview",
    "TokenRequest",
];

fn generate() -> Schemas {
    let settings = SchemaSettings::draft07().with(|s| {
        s.definitions_path = "/definitions".into();
        s.meta_schema = None;
        s.transforms.clear();
    });
    let mut gen = SchemaGenerator::new(settings);
    let kinds = kinds![gen;
        core::v1::Namespace, core::v1::Node, core::v1::ResourceQuota, core::v1::Pod,
        core::v1::Service, core::v1::Endpoints, core::v1::ConfigMap, core::v1::Secret,
        core::v1::PersistentVolume, core::v1::PersistentVolumeClaim, core::v1::LimitRange,
        core::v1::Event, core::v1::ServiceAccount, core::v1::Binding,
        apps::v1::Deployment, apps::v1::ReplicaSet, apps::v1::StatefulSet,
        apps::v1::DaemonSet, apps::v1::ControllerRevision,
        batch::v1::Job, batch::v1::CronJob,
        autoscaling::v2::HorizontalPodAutoscaler, autoscaling::v1::Scale,
        networking::v1::Ingress, networking::v1::IngressClass, networking::v1::NetworkPolicy,
        storage::v1::StorageClass,
        rbac::v1::Role, rbac::v1::RoleBinding, rbac::v1::ClusterRole, rbac::v1::ClusterRoleBinding,
        coordination::v1::Lease, policy::v1::Eviction, policy::v1::PodDisruptionBudget,
        authorization::v1::SelfSubjectAccessReview, authorization::v1::SelfSubjectRulesReview,
        authorization::v1::SubjectAccessReview, authorization::v1::LocalSubjectAccessReview,
        authentication::v1::SelfSubjectReview, authentication::v1::TokenRequest,
        k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition,
        k8s_openapi::api::events::v1::Event,
    ];
    gen.subschema_for::<meta::v1::Status>();
    gen.subschema_for::<meta::v1::DeleteOptions>();
    gen.subschema_for::<meta::v1::Patch>();
    gen.subschema_for::<meta::v1::APIResourceList>();
    let mut definitions = gen.take_definitions(false);
    for kind in &kinds {
        if let Some(Value::Object(schema)) = definitions.get_mut(&kind.schema) {
            schema.insert(
                "x-kubernetes-group-version-kind".into(),
                gvk(kind, kind.kind),
            );
        }
        if !NOT_LISTED.contains(&kind.kind) {
            definitions.insert(kind.list_schema(), list_schema(kind));
        }
    }
    let meta = |name: &str| format!("io.k8s.apimachinery.pkg.apis.meta.v1.{name}");
    for (name, kinds) in [
        ("Status", &["Status"][..]),
        ("DeleteOptions", &["DeleteOptions"][..]),
    ] {
        if let Some(Value::Object(schema)) = definitions.get_mut(&meta(name)) {
            // kube-apiserver lists the meta kinds under every group version;
            // the core one is what clients look up.
            let all: Vec<Value> = kinds
                .iter()
                .map(|k| json!({"group": "", "version": "v1", "kind": k}))
                .collect();
            schema.insert("x-kubernetes-group-version-kind".into(), Value::Array(all));
        }
    }
    definitions.insert(meta("WatchEvent"), watch_event_schema());
    let names: Vec<String> = definitions.keys().cloned().collect();
    for name in names {
        if let Some(Value::Object(schema)) = definitions.get_mut(&name) {
            // k8s-openapi marks metadata required; kube-apiserver does not.
            if let Some(Value::Array(req)) = schema.get_mut("required") {
                req.retain(|r| r != "metadata");
                if req.is_empty() {
                    schema.remove("required");
                }
            }
        }
    }
    let snapshot = definitions.clone();
    for schema in definitions.values_mut() {
        add_patch_extensions(schema, &snapshot);
    }
    Schemas { definitions, kinds }
}

fn gvk(kind: &Kind, name: &str) -> Value {
    json!([{ "group": kind.group, "version": kind.version, "kind": name }])
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/definitions/{name}") })
}

fn list_schema(kind: &Kind) -> Value {
    let mut items = reference(&kind.schema);
    if let Value::Object(m) = &mut items {
        m.insert(
            "description".into(),
            Value::String(format!("List of {}.", kind.kind.to_lowercase())),
        );
    }
    json!({
        "description": format!("{}List is a list of {} objects.", kind.kind, kind.kind),
        "type": "object",
        "properties": {
            "apiVersion": { "type": "string", "description": "APIVersion defines the versioned schema of this representation of an object." },
            "kind": { "type": "string", "description": "Kind is a string value representing the REST resource this object represents." },
            "items": { "type": "array", "items": items, "description": format!("List of {} objects.", kind.kind) },
            "metadata": {
                "$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
                "description": "Standard list metadata.",
            },
        },
        "required": ["items"],
        "x-kubernetes-group-version-kind": gvk(kind, &format!("{}List", kind.kind)),
    })
}

fn watch_event_schema() -> Value {
    json!({
        "description": "Event represents a single event to a watched resource.",
        "type": "object",
        "required": ["type", "object"],
        "properties": {
            "object": {
                "$ref": "#/definitions/io.k8s.apimachinery.pkg.runtime.RawExtension",
                "description": "Object is:\n * If Type is Added or Modified: the new state of the object.\n * If Type is Deleted: the state of the object immediately before deletion.\n * If Type is Error: *Status is recommended; other types may make sense\n   depending on context.",
            },
            "type": { "type": "string" },
        },
        "x-kubernetes-group-version-kind": [{ "group": "", "version": "v1", "kind": "WatchEvent" }],
    })
}

fn ref_name(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/definitions/"))
}

/// Marks the list properties that strategic merge patch merges by key
/// (`x-kubernetes-patch-strategy: merge`, `x-kubernetes-patch-merge-key`),
/// from the same table the simulator's own strategic merge uses.
fn add_patch_extensions(schema: &mut Value, all: &Map<String, Value>) {
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return;
    };
    for (field, prop) in props.iter_mut() {
        let Some(items) = prop.get("items") else {
            continue;
        };
        let item_props = ref_name(items)
            .and_then(|n| all.get(n))
            .and_then(|s| s.get("properties"))
            .and_then(Value::as_object);
        let key = match item_props {
            Some(p) => {
                let sample: Vec<Value> = vec![Value::Object(
                    p.keys().map(|k| (k.clone(), Value::Null)).collect(),
                )];
                strategic::merge_key(field, &sample).filter(|k| p.contains_key(*k))
            }
            None if strategic::merges_as_set(field) => {
                if let Value::Object(m) = prop {
                    m.insert("x-kubernetes-patch-strategy".into(), "merge".into());
                }
                continue;
            }
            None => None,
        };
        if let (Some(key), Value::Object(m)) = (key, prop) {
            m.insert("x-kubernetes-patch-strategy".into(), "merge".into());
            m.insert("x-kubernetes-patch-merge-key".into(), key.into());
        }
    }
}

/// The schemas, generated once.
pub fn schemas() -> &'static Schemas {
    static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
    SCHEMAS.get_or_init(generate)
}

/// The kind with a schema at `group`/`version`, if any.
pub fn kind(group: &str, version: &str, kind: &str) -> Option<&'static Kind> {
    schemas()
        .kinds
        .iter()
        .find(|k| k.group == group && k.version == version && k.kind == kind)
}

/// The definitions `roots` refer to, transitively, with the roots themselves.
pub fn closure<'a>(roots: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, Value> {
    let all = &schemas().definitions;
    let mut out = BTreeMap::new();
    let mut todo: Vec<String> = roots.into_iter().map(str::to_string).collect();
    while let Some(name) = todo.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(schema) = all.get(&name) else {
            continue;
        };
        collect_refs(schema, &mut todo);
        out.insert(name, schema.clone());
    }
    out
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(name) = ref_name(v) {
                out.push(name.to_string());
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}
