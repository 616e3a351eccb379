//! What kube-apiserver's service-account machinery gives every namespace
//! and pod: each new namespace gets its `default` ServiceAccount (the
//! service-account controller) and the `kube-root-ca.crt` ConfigMap (the
//! root-CA publisher); each new pod must name a service account that
//! exists, and gets its projected token volume (`kube-api-access-*`)
//! mounted in every container, unless it opts out with
//! `automountServiceAccountToken: false` (the ServiceAccount admission plugin).

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::resources::{self, ResourceType};
use crate::status::ApiError;
use crate::store::{ObjectKey, Store};

/// Where service-account credentials are mounted in containers.
pub const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
/// The ConfigMap of the cluster's CA bundle in every namespace.
pub const ROOT_CA: &str = "kube-root-ca.crt";

/// The simulated cluster's CA certificate (PEM), made once per process.
pub fn ca_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        crate::tls::self_signed()
            .map(|(cert, _)| cert)
            .unwrap_or_default()
    })
}

fn put_new(store: &mut Store, rt: &'static ResourceType, namespace: &str, mut obj: Value) {
    let name = obj["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let key = ObjectKey::new(Some(namespace), &name);
    if store.get(rt, &key).is_some() {
        return;
    }
    obj["metadata"]["namespace"] = json!(namespace);
    obj["metadata"]["uid"] = json!(uuid::Uuid::new_v4().to_string());
    obj["metadata"]["creationTimestamp"] = json!(crate::ops::now());
    store.put(rt, key, obj);
}

/// Fills a new namespace with its `default` ServiceAccount and root CA bundle.
pub fn fill_namespace(store: &mut Store, namespace: &str) {
    if let Some(sa) = resources::core("serviceaccounts") {
        put_new(
            store,
            sa,
            namespace,
            json!({
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": { "name": "default" },
            }),
        );
    }
    if let Some(cm) = resources::core("configmaps") {
        put_new(
            store,
            cm,
            namespace,
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {
                    "name": ROOT_CA,
                    "annotations": { "kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters." },
                },
                "data": { "ca.crt": ca_pem() },
            }),
        );
    }
}

/// The ServiceAccount admission of a new pod: its account must exist; its
/// token is mounted unless the pod or the account opts out.
pub fn admit_pod(
    store: &Store,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    pod: &mut Value,
) -> Result<(), ApiError> {
    let account = pod
        .pointer("/spec/serviceAccountName")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("default")
        .to_string();
    let Some(sa_rt) = resources::core("serviceaccounts") else {
        return Ok(());
    };
    let Some(sa) = store.get(sa_rt, &ObjectKey::new(Some(namespace), &account)) else {
        return Err(ApiError::forbidden(
            rt,
            name,
            &format!("error looking up service account {namespace}/{account}: serviceaccount {} not found", crate::status::quote(&account)),
            Vec::new(),
        ));
    };
    let opted_out = pod
        .pointer("/spec/automountServiceAccountToken")
        .and_then(Value::as_bool)
        .or_else(|| {
            sa.get("automountServiceAccountToken")
                .and_then(Value::as_bool)
        })
        == Some(false);
    if opted_out {
        return Ok(());
    }
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    let mounted = |c: &Value| {
        c.get("volumeMounts")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|v| v["mountPath"] == MOUNT_PATH))
    };
    let volume = format!("kube-api-access-{}", crate::ops::write::random_suffix());
    let mut used = false;
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs.iter_mut() {
                if mounted(c) {
                    continue;
                }
                if !c.get("volumeMounts").is_some_and(Value::is_array) {
                    c["volumeMounts"] = json!([]);
                }
                if let Some(mounts) = c["volumeMounts"].as_array_mut() {
                    mounts
                        .push(json!({ "name": volume, "readOnly": true, "mountPath": MOUNT_PATH }));
                    used = true;
                }
            }
        }
    }
    if used {
        let volumes = spec.entry("volumes").or_insert_with(|| json!([]));
        if let Some(vs) = volumes.as_array_mut() {
            vs.push(json!({
                "name": volume,
                "projected": {
                    "defaultMode": 420,
                    "sources": [
                        { "serviceAccountToken": { "expirationSeconds": 3607, "path": "token" } },
                        { "configMap": { "name": ROOT_CA, "items": [{ "key": "ca.crt", "path": "ca.crt" }] } },
                        { "downwardAPI": { "items": [{ "path": "namespace", "fieldRef": { "apiVersion": "v1", "fieldPath": "metadata.namespace" } }] } },
                    ],
                },
            }));
        }
    }
    Ok(())
}
