//! Validation and defaulting as kube-apiserver has them, through kube-rs:
//! the causes (field, reason, message) a client reads, and the objects
//! every namespace and pod is given. Runs against the in-process simulator
//! and, when `KUBECONFIG` is set, unchanged against that real cluster.

mod common;

use common::{api_error, eventually, targets, unique, Target};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount};
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{json, Value};

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
}

async fn fresh_namespace(t: &Target) -> String {
    let name = unique("valid");
    let api: Api<Namespace> = Api::all(t.client.clone());
    api.create(
        &PostParams::default(),
        &from(json!({ "metadata": { "name": name } })),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", t.name));
    name
}

async fn drop_namespace(t: &Target, name: &str) {
    let _ = Api::<Namespace>::all(t.client.clone())
        .delete(name, &DeleteParams::default())
        .await;
}

fn causes(status: &kube::core::Status) -> Vec<(String, String)> {
    status
        .details
        .as_ref()
        .map(|d| {
            d.causes
                .iter()
                .map(|c| (c.field.clone(), c.message.clone()))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_new_namespace_has_its_service_account_and_root_ca() {
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let sas: Api<ServiceAccount> = Api::namespaced(t.client.clone(), &ns);
        let cms: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        let ready = eventually(t.patience, || async {
            sas.get("default").await.is_ok() && cms.get("kube-root-ca.crt").await.is_ok()
        })
        .await;
        assert!(
            ready,
            "{}: default ServiceAccount and kube-root-ca.crt",
            t.name
        );
        let ca = cms
            .get("kube-root-ca.crt")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pem = ca
            .data
            .unwrap_or_default()
            .remove("ca.crt")
            .unwrap_or_default();
        assert!(
            pem.starts_with("-----BEGIN CERTIFICATE-----"),
            "{}: {pem}",
            t.name
        );

        // A pod gets the projected token of its service account; a missing account is refused.
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let pod: Pod = from(
            json!({ "metadata": { "name": "p" }, "spec": { "containers": [{ "name": "c", "image": "busybox" }] } }),
        );
        let created = pods
            .create(&PostParams::default(), &pod)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let spec = created.spec.unwrap_or_default();
        assert_eq!(spec.service_account_name.as_deref(), Some("default"));
        assert_eq!(
            spec.preemption_policy.as_deref(),
            Some("PreemptLowerPriority")
        );
        let volume = spec
            .volumes
            .unwrap_or_default()
            .into_iter()
            .find(|v| v.name.starts_with("kube-api-access-"));
        assert!(
            volume.as_ref().is_some_and(|v| v.projected.is_some()),
            "{}: projected token volume",
            t.name
        );
        let mounts = spec.containers[0].volume_mounts.clone().unwrap_or_default();
        assert!(mounts.iter().any(|m| m.mount_path
            == "/var/run/secrets/kubernetes.io/serviceaccount"
            && m.read_only == Some(true)));
        let ghost: Pod = from(
            json!({ "metadata": { "name": "g" }, "spec": { "serviceAccountName": "ghost", "containers": [{ "name": "c", "image": "busybox" }] } }),
        );
        let refused = api_error(
            pods.create(&PostParams::default(), &ghost).await,
            "a missing service account",
        );
        assert_eq!(refused.code, 403, "{}", t.name);
        assert!(
            refused.message.contains(&format!(
                "error looking up service account {ns}/ghost: serviceaccount \"ghost\" not found"
            )),
            "{}: {}",
            t.name,
            refused.message
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn config_maps_and_secrets_are_checked_as_kube_checks_them() {
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let cms: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        let bad = api_error(
            cms.create(
                &PostParams::default(),
                &from(json!({ "metadata": { "name": "bad" }, "data": { "no spaces": "x" } })),
            )
            .await,
            "a bad key",
        );
        assert_eq!(bad.code, 422);
        assert_eq!(causes(&bad)[0].0, "data[no spaces]", "{}", t.name);

        let frozen: ConfigMap = from(
            json!({ "metadata": { "name": "frozen" }, "data": { "a": "1" }, "immutable": true }),
        );
        cms.create(&PostParams::default(), &frozen)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let change = api_error(
            cms.patch(
                "frozen",
                &PatchParams::default(),
                &Patch::Merge(json!({ "data": { "a": "2" } })),
            )
            .await,
            "changing an immutable config map",
        );
        assert_eq!(change.code, 422, "{}", t.name);
        assert_eq!(
            causes(&change),
            [(
                "data".to_string(),
                "Forbidden: field is immutable when `immutable` is set".to_string()
            )],
            "{}",
            t.name
        );

        let secrets: Api<Secret> = Api::namespaced(t.client.clone(), &ns);
        let s: Secret = from(
            json!({ "metadata": { "name": "login" }, "stringData": { "password": "hunter2" } }),
        );
        let stored = secrets
            .create(&PostParams::default(), &s)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            stored.string_data.is_none(),
            "{}: stringData is never stored",
            t.name
        );
        assert_eq!(stored.type_.as_deref(), Some("Opaque"));
        let password = stored
            .data
            .unwrap_or_default()
            .remove("password")
            .map(|b| b.0);
        assert_eq!(password.as_deref(), Some(&b"hunter2"[..]));
        let tls: Secret = from(
            json!({ "metadata": { "name": "cert" }, "type": "kubernetes.io/tls", "data": { "tls.crt": "" } }),
        );
        let missing = api_error(
            secrets.create(&PostParams::default(), &tls).await,
            "a TLS secret without its key",
        );
        assert_eq!(missing.code, 422);
        assert_eq!(
            causes(&missing),
            [("data[tls.key]".to_string(), "Required value".to_string())],
            "{}",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn services_and_workloads_are_checked_as_kube_checks_them() {
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let services: Api<Service> = Api::namespaced(t.client.clone(), &ns);
        let np: Service = from(
            json!({ "metadata": { "name": "np" }, "spec": { "type": "NodePort", "selector": { "app": "x" }, "ports": [{ "port": 80 }] } }),
        );
        let made = services
            .create(&PostParams::default(), &np)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let port = made.spec.and_then(|s| s.ports).unwrap_or_default()[0]
            .node_port
            .unwrap_or(0);
        assert!(
            (30000..=32767).contains(&port),
            "{}: node port {port}",
            t.name
        );
        let low: Service = from(
            json!({ "metadata": { "name": "low" }, "spec": { "type": "NodePort", "ports": [{ "port": 80, "nodePort": 80 }] } }),
        );
        let refused = api_error(
            services.create(&PostParams::default(), &low).await,
            "a node port out of range",
        );
        assert_eq!(refused.code, 422);
        let (field, message) = causes(&refused).remove(0);
        assert_eq!(field, "spec.ports[0].nodePort", "{}", t.name);
        assert!(message.starts_with("Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767"), "{}: {message}", t.name);

        let deployments: Api<Deployment> = Api::namespaced(t.client.clone(), &ns);
        let d: Deployment = from(json!({
            "metadata": { "name": "web" },
            "spec": { "selector": { "matchLabels": { "app": "web" } }, "template": { "metadata": { "labels": { "app": "web" } }, "spec": { "containers": [{ "name": "c", "image": "nginx" }] } } },
        }));
        deployments
            .create(&PostParams::default(), &d)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let moved = api_error(
            deployments
                .patch("web", &PatchParams::default(), &Patch::Merge(json!({ "spec": { "selector": { "matchLabels": { "app": "other" } }, "template": { "metadata": { "labels": { "app": "other" } } } } })))
                .await,
            "changing a deployment's selector",
        );
        assert_eq!(moved.code, 422, "{}", t.name);
        let (field, message) = causes(&moved).remove(0);
        assert_eq!(field, "spec.selector", "{}", t.name);
        assert!(
            message.ends_with("field is immutable"),
            "{}: {message}",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn a_deleted_namespace_terminates_until_finalizers_let_its_content_go() {
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let cms: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        let held: ConfigMap =
            from(json!({ "metadata": { "name": "held", "finalizers": ["example.com/hold"] } }));
        cms.create(&PostParams::default(), &held)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let namespaces: Api<Namespace> = Api::all(t.client.clone());
        namespaces
            .delete(&ns, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let condition = |n: &Namespace, kind: &str| {
            n.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == kind).cloned())
        };
        let waiting = eventually(t.patience, || async {
            namespaces.get(&ns).await.is_ok_and(|n| {
                condition(&n, "NamespaceFinalizersRemaining").is_some_and(|c| {
                    c.status == "True"
                        && c.message
                            .as_deref()
                            .is_some_and(|m| m.contains("example.com/hold in 1 resource instances"))
                })
            })
        })
        .await;
        assert!(
            waiting,
            "{}: the namespace says which finalizer holds it",
            t.name
        );
        let n = namespaces.get(&ns).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            n.status.and_then(|s| s.phase).as_deref(),
            Some("Terminating")
        );

        let refused = api_error(
            cms.create(
                &PostParams::default(),
                &from(json!({ "metadata": { "name": "late" } })),
            )
            .await,
            "creating in a terminating namespace",
        );
        assert_eq!(refused.code, 403, "{}", t.name);
        assert!(
            refused.message.contains(&format!(
                "unable to create new content in namespace {ns} because it is being terminated"
            )),
            "{}: {}",
            t.name,
            refused.message
        );
        assert_eq!(
            refused
                .details
                .as_ref()
                .map(|d| d.causes[0].reason.clone())
                .as_deref(),
            Some("NamespaceTerminating")
        );

        let more = api_error(
            cms.patch("held", &PatchParams::default(), &Patch::Merge(json!({ "metadata": { "finalizers": ["example.com/hold", "example.com/more"] } }))).await,
            "a new finalizer on an object being deleted",
        );
        assert_eq!(more.code, 422, "{}", t.name);
        assert!(
            more.message
                .contains("no new finalizers can be added if the object is being deleted"),
            "{}: {}",
            t.name,
            more.message
        );

        cms.patch(
            "held",
            &PatchParams::default(),
            &Patch::Merge(json!({ "metadata": { "finalizers": null } })),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let gone = eventually(t.patience, || async { namespaces.get(&ns).await.is_err() }).await;
        assert!(gone, "{}: the namespace goes once its content has", t.name);
    }
}

#[tokio::test]
async fn evictions_respect_pod_disruption_budgets() {
    use k8s_openapi::api::policy::v1::{Eviction, PodDisruptionBudget};
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let deployments: Api<Deployment> = Api::namespaced(t.client.clone(), &ns);
        let d: Deployment = from(json!({
            "metadata": { "name": "web" },
            "spec": { "replicas": 2, "selector": { "matchLabels": { "app": "web" } }, "template": { "metadata": { "labels": { "app": "web" } }, "spec": { "containers": [{ "name": "c", "image": "nginx" }] } } },
        }));
        deployments
            .create(&PostParams::default(), &d)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pdbs: Api<PodDisruptionBudget> = Api::namespaced(t.client.clone(), &ns);
        let pdb: PodDisruptionBudget = from(
            json!({ "metadata": { "name": "web" }, "spec": { "minAvailable": 2, "selector": { "matchLabels": { "app": "web" } } } }),
        );
        pdbs.create(&PostParams::default(), &pdb)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let counted = eventually(t.patience, || async {
            pdbs.get("web").await.is_ok_and(|p| {
                p.status.is_some_and(|s| {
                    s.current_healthy == Some(2)
                        && s.desired_healthy == Some(2)
                        && s.disruptions_allowed == Some(0)
                })
            })
        })
        .await;
        assert!(
            counted,
            "{}: the budget counts two healthy pods and allows no disruption",
            t.name
        );
        let pods: Api<Pod> = Api::namespaced(t.client.clone(), &ns);
        let victim = pods
            .list(&Default::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .items[0]
            .metadata
            .name
            .clone()
            .unwrap_or_default();
        let refused = api_error(
            pods.evict(&victim, &Default::default()).await,
            "an eviction below the budget",
        );
        assert_eq!(refused.code, 429, "{}", t.name);
        assert_eq!(
            refused.message, "Cannot evict pod as it would violate the pod's disruption budget.",
            "{}",
            t.name
        );
        let cause = refused
            .details
            .as_ref()
            .map(|d| d.causes[0].message.clone())
            .unwrap_or_default();
        assert_eq!(
            cause, "The disruption budget web needs 2 healthy pods and has 2 currently",
            "{}",
            t.name
        );

        pdbs.patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "minAvailable": 1 } })),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let loosened = eventually(t.patience, || async {
            pdbs.get("web")
                .await
                .is_ok_and(|p| p.status.is_some_and(|s| s.disruptions_allowed == Some(1)))
        })
        .await;
        assert!(loosened, "{}", t.name);
        let _: Eviction = from(json!({ "metadata": { "name": victim } }));
        pods.evict(&victim, &Default::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn foreground_deletion_waits_only_for_dependents_that_block_it() {
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let cms: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        let owner = |n: &str| -> ConfigMap { from(json!({ "metadata": { "name": n } })) };
        let mut held_by = std::collections::HashMap::new();
        for (name, blocks) in [("blocked", true), ("free", false)] {
            let o = cms
                .create(&PostParams::default(), &owner(name))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let uid = o.metadata.uid.unwrap_or_default();
            let dependent: ConfigMap = from(json!({ "metadata": {
                "name": format!("{name}-dependent"),
                "finalizers": ["example.com/hold"],
                "ownerReferences": [{ "apiVersion": "v1", "kind": "ConfigMap", "name": name, "uid": uid, "blockOwnerDeletion": blocks }],
            } }));
            cms.create(&PostParams::default(), &dependent)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            held_by.insert(name, format!("{name}-dependent"));
        }
        for name in ["blocked", "free"] {
            cms.delete(name, &DeleteParams::foreground())
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let free_gone = eventually(t.patience, || async { cms.get("free").await.is_err() }).await;
        assert!(
            free_gone,
            "{}: a dependent without blockOwnerDeletion does not hold its owner",
            t.name
        );
        let marked = eventually(t.patience, || async {
            cms.get("blocked-dependent")
                .await
                .is_ok_and(|d| d.metadata.deletion_timestamp.is_some())
        })
        .await;
        assert!(
            marked,
            "{}: the blocking dependent is being deleted",
            t.name
        );
        assert!(
            cms.get("blocked").await.is_ok(),
            "{}: the owner waits for its blocking dependent",
            t.name
        );
        for d in held_by.values() {
            cms.patch(
                d,
                &PatchParams::default(),
                &Patch::Merge(json!({ "metadata": { "finalizers": null } })),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
        let released = eventually(t.patience, || async { cms.get("blocked").await.is_err() }).await;
        assert!(
            released,
            "{}: the owner goes once its blocking dependent has",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}

#[tokio::test]
async fn an_event_is_one_object_in_both_of_its_shapes() {
    use k8s_openapi::api::core::v1::Event as CoreEvent;
    use k8s_openapi::api::events::v1::Event;
    for t in targets().await {
        let ns = fresh_namespace(&t).await;
        let new: Api<Event> = Api::namespaced(t.client.clone(), &ns);
        let core: Api<CoreEvent> = Api::namespaced(t.client.clone(), &ns);
        let e: Event = from(json!({
            "metadata": { "name": "started" },
            "eventTime": "2026-01-02T03:04:05.000000Z",
            "reportingController": "example.com/ctl",
            "reportingInstance": "ctl-1",
            "action": "Start",
            "reason": "Started",
            "note": "the widget started",
            "type": "Normal",
            "regarding": { "kind": "Pod", "name": "web", "namespace": ns },
        }));
        new.create(&PostParams::default(), &e)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let stored = core
            .get("started")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(
            stored.message.as_deref(),
            Some("the widget started"),
            "{}",
            t.name
        );
        assert_eq!(
            stored.involved_object.name.as_deref(),
            Some("web"),
            "{}",
            t.name
        );
        assert_eq!(
            stored.reporting_component.as_deref(),
            Some("example.com/ctl"),
            "{}",
            t.name
        );
        let listed = new
            .list(&Default::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let again = listed
            .items
            .iter()
            .find(|e| e.metadata.name.as_deref() == Some("started"))
            .cloned()
            .unwrap_or_else(|| panic!("{}: listed", t.name));
        assert_eq!(again.note.as_deref(), Some("the widget started"));
        assert_eq!(again.regarding.and_then(|r| r.name).as_deref(), Some("web"));
        new.delete("started", &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            core.get("started").await.is_err(),
            "{}: deleted through either shape",
            t.name
        );
        drop_namespace(&t, &ns).await;
    }
}
