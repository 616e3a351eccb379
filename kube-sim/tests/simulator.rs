//! Simulator-only behaviour: seeded nodes, the raw JSON of lists and `Status`
//! errors, namespace lifecycle edges, quota status, paging, metadata-only
//! lists, aggregated discovery, serving over TCP and the binary.

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use berth_kube_sim::{kubeconfig_yaml, spawn, SimConfig, Simulator};
use common::{api_error, eventually, sim_client, unique};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::{
    Namespace, Node, ResourceQuota, ResourceQuotaSpec, ResourceQuotaStatus,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::Discovery;
use kube::{Client, Config, ResourceExt};
use serde_json::{json, Value};
use tower::ServiceExt;

async fn raw(
    sim: &Simulator,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, String, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(Body::from(body.unwrap_or_default().to_string()))
        .unwrap_or_else(|e| panic!("request: {e}"));
    let res = sim
        .router()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let code = res.status();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = res
        .into_body()
        .collect()
        .await
        .unwrap_or_else(|e| panic!("body: {e}"))
        .to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (code, ct, value)
}

fn ns(name: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn quota(name: &str, hard: &[(&str, &str)]) -> ResourceQuota {
    ResourceQuota {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: Some(ResourceQuotaSpec {
            hard: Some(
                hard.iter()
                    .map(|(k, v)| (k.to_string(), Quantity(v.to_string())))
                    .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn configured_nodes_are_ready_with_capacity() {
    let (_sim, client) = sim_client(SimConfig::nodes(5));
    let nodes = Api::<Node>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("list: {e}"));
    let names: Vec<String> = nodes.items.iter().map(ResourceExt::name_any).collect();
    assert_eq!(
        names,
        [
            "sim-node-1",
            "sim-node-2",
            "sim-node-3",
            "sim-node-4",
            "sim-node-5"
        ]
    );
    for node in &nodes.items {
        let name = node.name_any();
        assert_eq!(node.labels().get("kubernetes.io/hostname"), Some(&name));
        let status = node.status.clone().unwrap_or_default();
        let ready = status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.type_ == "Ready")
            .map(|c| c.status);
        assert_eq!(ready.as_deref(), Some("True"), "{name} ready");
        let capacity = status.capacity.unwrap_or_default();
        assert_eq!(capacity.get("cpu"), Some(&Quantity("8".into())));
        assert_eq!(capacity.get("memory"), Some(&Quantity("32Gi".into())));
        assert_eq!(capacity.get("pods"), Some(&Quantity("110".into())));
        assert_eq!(
            status.allocatable.unwrap_or_default().get("cpu"),
            Some(&Quantity("7800m".into())),
            "reservations leave less than the capacity"
        );
        assert_eq!(
            status.node_info.map(|i| i.kubelet_version).as_deref(),
            Some("v1.37.0-berth-sim")
        );
    }
    let (_sim, client) = sim_client(SimConfig::nodes(0));
    let none = Api::<Node>::all(client).list(&ListParams::default()).await;
    assert_eq!(none.map(|l| l.items.len()).ok(), Some(0));
}

#[tokio::test]
async fn deleting_a_node_answers_a_success_status() {
    let (sim, client) = sim_client(SimConfig::nodes(3));
    let nodes: Api<Node> = Api::all(client);
    let uid = nodes
        .get("sim-node-3")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .uid()
        .unwrap_or_default();
    let deleted = nodes
        .delete("sim-node-3", &DeleteParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = deleted
        .right()
        .unwrap_or_else(|| panic!("node delete answers a Status"));
    assert!(status.is_success());
    let details = status.details.unwrap_or_else(|| panic!("no details"));
    assert_eq!(
        (
            details.name.as_str(),
            details.kind.as_str(),
            details.uid.as_str()
        ),
        ("sim-node-3", "nodes", uid.as_str())
    );
    let left = nodes
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(left.items.len(), 2);
    let (code, _, body) = raw(&sim, Method::DELETE, "/api/v1/nodes/sim-node-2", None).await;
    assert_eq!(code, StatusCode::OK);
    let uid = body["details"]["uid"].clone();
    assert_eq!(
        body,
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": { "name": "sim-node-2", "kind": "nodes", "uid": uid }
        })
    );
    assert!(uid.as_str().is_some_and(|u| u.len() == 36));
}

#[tokio::test]
async fn status_error_json_is_exactly_kubernetes() {
    let sim = Simulator::new(SimConfig::default());
    let (code, ct, body) = raw(&sim, Method::GET, "/api/v1/namespaces/nope", None).await;
    assert_eq!(code, StatusCode::NOT_FOUND);
    assert_eq!(ct, "application/json");
    assert_eq!(
        body,
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "namespaces \"nope\" not found",
            "reason": "NotFound",
            "details": { "name": "nope", "kind": "namespaces" },
            "code": 404
        })
    );
    let (code, _, body) = raw(
        &sim,
        Method::POST,
        "/api/v1/namespaces",
        Some(r#"{"metadata":{"name":"Bad_Name"}}"#),
    )
    .await;
    assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["reason"], "Invalid");
    assert_eq!(body["details"]["kind"], "Namespace");
    assert_eq!(body["details"]["causes"][0]["field"], "metadata.name");
    assert_eq!(body["details"]["causes"][0]["reason"], "FieldValueInvalid");
    assert_eq!(body["code"], 422);
}

#[tokio::test]
async fn list_json_has_kubernetes_shape() {
    let sim = Simulator::new(SimConfig::default());
    let (code, ct, body) = raw(&sim, Method::GET, "/api/v1/namespaces", None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(ct, "application/json");
    assert_eq!(body["apiVersion"], "v1");
    assert_eq!(body["kind"], "NamespaceList");
    let list_rv: u64 = body["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("list resourceVersion must be a numeric string: {body}"));
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = items
        .iter()
        .filter_map(|i| i["metadata"]["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["default", "kube-node-lease", "kube-public", "kube-system"]
    );
    for item in &items {
        assert_eq!(item["kind"], "Namespace");
        assert_eq!(item["apiVersion"], "v1");
        let meta = &item["metadata"];
        assert_eq!(meta["uid"].as_str().map(str::len), Some(36));
        let rv: u64 = meta["resourceVersion"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        assert!(rv <= list_rv, "object rv {rv} after list rv {list_rv}");
        let ts = meta["creationTimestamp"].as_str().unwrap_or_default();
        assert!(
            ts.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(ts).is_ok(),
            "timestamp {ts}"
        );
        assert_eq!(item["spec"]["finalizers"], json!(["kubernetes"]));
        assert_eq!(item["status"]["phase"], "Active");
    }
    let (_, _, quotas) = raw(&sim, Method::GET, "/api/v1/resourcequotas", None).await;
    assert_eq!(quotas["kind"], "ResourceQuotaList");
    assert_eq!(quotas["items"], json!([]));
}

#[tokio::test]
async fn malformed_requests_get_status_errors() {
    let sim = Simulator::new(SimConfig::default());
    let cases: Vec<(Method, &str, Option<&str>, u16, &str)> = vec![
        (
            Method::POST,
            "/api/v1/namespaces",
            Some("{not json"),
            400,
            "BadRequest",
        ),
        (
            Method::POST,
            "/api/v1/namespaces",
            Some(r#"{"apiVersion":"apps/v1","metadata":{"name":"x"}}"#),
            400,
            "BadRequest",
        ),
        (
            // A patch needs a patch media type, as on Kubernetes.
            Method::PATCH,
            "/api/v1/namespaces/default",
            Some("{}"),
            415,
            "UnsupportedMediaType",
        ),
        (
            Method::POST,
            "/api/v1/namespaces/default",
            Some("{}"),
            405,
            "MethodNotAllowed",
        ),
        (
            Method::POST,
            "/api/v1/resourcequotas",
            Some("{}"),
            405,
            "MethodNotAllowed",
        ),
        (
            Method::DELETE,
            "/api/v1/namespaces",
            None,
            405,
            "MethodNotAllowed",
        ),
        (
            Method::POST,
            "/version",
            Some("{}"),
            405,
            "MethodNotAllowed",
        ),
        (Method::GET, "/api/v1/widgets", None, 404, "NotFound"),
        (
            Method::GET,
            "/api/v1/namespaces/default/widgets",
            None,
            404,
            "NotFound",
        ),
        (
            Method::GET,
            "/api/v1/namespaces/default/bogus-sub",
            None,
            404,
            "NotFound",
        ),
        (Method::GET, "/apis/apps/v1/widgets", None, 404, "NotFound"),
        (
            Method::GET,
            "/definitely/not/kubernetes",
            None,
            404,
            "NotFound",
        ),
        (
            Method::GET,
            "/api/v1/namespaces?labelSelector=a%20in%20b",
            None,
            400,
            "BadRequest",
        ),
        (
            Method::GET,
            "/api/v1/namespaces?fieldSelector=spec.nope%3D1",
            None,
            400,
            "BadRequest",
        ),
        (
            Method::PUT,
            "/api/v1/namespaces/default",
            Some(r#"{"metadata":{"name":"other"}}"#),
            400,
            "BadRequest",
        ),
        (
            Method::PUT,
            "/api/v1/namespaces/ghost",
            Some(r#"{"metadata":{"name":"ghost"}}"#),
            404,
            "NotFound",
        ),
        (
            Method::DELETE,
            "/api/v1/namespaces/default",
            None,
            403,
            "Forbidden",
        ),
    ];
    for (method, path, body, code, reason) in cases {
        let (got, ct, status) = raw(&sim, method.clone(), path, body).await;
        assert_eq!(got.as_u16(), code, "{method} {path}: {status}");
        assert_eq!(ct, "application/json", "{method} {path}");
        assert_eq!(status["kind"], "Status", "{method} {path}");
        assert_eq!(status["status"], "Failure", "{method} {path}");
        assert_eq!(status["reason"], reason, "{method} {path}: {status}");
        assert_eq!(status["code"], code, "{method} {path}");
    }
    let (_, _, unknown) = raw(&sim, Method::GET, "/api/v1/widgets", None).await;
    assert_eq!(
        unknown["message"],
        "the server could not find the requested resource"
    );
    assert_eq!(unknown["details"], json!({}));
    let (_, _, mismatch) = raw(
        &sim,
        Method::PUT,
        "/api/v1/namespaces/default",
        Some(r#"{"metadata":{"name":"other"}}"#),
    )
    .await;
    assert_eq!(
        mismatch["message"],
        "the name of the object (other) does not match the name on the URL (default)"
    );
    let (code, _, health) = raw(&sim, Method::GET, "/healthz", None).await;
    assert_eq!(
        (code, health),
        (StatusCode::OK, Value::Null),
        "healthz answers plain 'ok'"
    );
}

#[tokio::test]
async fn namespace_lifecycle_edges() {
    let (_sim, client) = sim_client(SimConfig::default());
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let name = unique("edge");
    namespaces
        .create(&PostParams::default(), &ns(&name))
        .await
        .unwrap_or_else(|e| panic!("create: {e}"));
    let quotas: Api<ResourceQuota> = Api::namespaced(client.clone(), &name);
    quotas
        .create(&PostParams::default(), &quota("q", &[("pods", "1")]))
        .await
        .unwrap_or_else(|e| panic!("quota: {e}"));

    // The body's namespace must match the URL's.
    let mut elsewhere = quota("q2", &[]);
    elsewhere.metadata.namespace = Some("default".into());
    let status = api_error(
        quotas.create(&PostParams::default(), &elsewhere).await,
        "namespace mismatch",
    );
    assert_eq!((status.code, status.reason.as_str()), (400, "BadRequest"));
    assert_eq!(
        status.message,
        "the namespace of the provided object does not match the namespace sent on the request"
    );

    namespaces
        .delete(&name, &DeleteParams::default())
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
    // While Terminating: no new content, and a second delete conflicts.
    let status = api_error(
        quotas
            .create(&PostParams::default(), &quota("late", &[]))
            .await,
        "create in terminating",
    );
    assert_eq!(
        (status.code, status.reason.as_str()),
        (403, "Forbidden"),
        "{}",
        status.message
    );
    assert!(
        status.message.contains("because it is being terminated"),
        "{}",
        status.message
    );
    let status = api_error(
        namespaces.delete(&name, &DeleteParams::default()).await,
        "second delete",
    );
    assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));

    // The namespace controller removes the contents, then the namespace.
    let gone = eventually(Duration::from_secs(10), || {
        let namespaces = namespaces.clone();
        let name = name.clone();
        async move { namespaces.get_opt(&name).await.ok().flatten().is_none() }
    })
    .await;
    assert!(gone, "namespace {name} never went away");
    let all_quotas = Api::<ResourceQuota>::all(client)
        .list(&ListParams::default())
        .await;
    assert_eq!(
        all_quotas.map(|l| l.items.len()).ok(),
        Some(0),
        "quota left behind"
    );

    // Same name can be created again afterwards.
    let again = namespaces.create(&PostParams::default(), &ns(&name)).await;
    assert!(again.is_ok(), "recreate: {again:?}");
}

#[tokio::test]
async fn generate_name_makes_unique_names() {
    let (_sim, client) = sim_client(SimConfig::default());
    let api: Api<Namespace> = Api::all(client);
    let template = Namespace {
        metadata: ObjectMeta {
            generate_name: Some("team-".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let a = api
        .create(&PostParams::default(), &template)
        .await
        .unwrap_or_else(|e| panic!("a: {e}"));
    let b = api
        .create(&PostParams::default(), &template)
        .await
        .unwrap_or_else(|e| panic!("b: {e}"));
    for n in [a.name_any(), b.name_any()] {
        assert!(
            n.starts_with("team-") && n.len() == 10,
            "generated name {n}"
        );
    }
    assert_ne!(a.name_any(), b.name_any());
}

#[tokio::test]
async fn quota_status_tracks_usage_and_survives_replace() {
    let (_sim, client) = sim_client(SimConfig::default());
    let api: Api<ResourceQuota> = Api::namespaced(client, "default");
    let hard = [
        ("count/resourcequotas", "5"),
        ("resourcequotas", "5"),
        ("requests.cpu", "4"),
    ];
    api.create(&PostParams::default(), &quota("one", &hard))
        .await
        .unwrap_or_else(|e| panic!("one: {e}"));
    api.create(&PostParams::default(), &quota("two", &hard))
        .await
        .unwrap_or_else(|e| panic!("two: {e}"));
    let used = |q: &ResourceQuota, key: &str| {
        q.status
            .as_ref()
            .and_then(|s| s.used.as_ref())
            .and_then(|u| u.get(key))
            .map(|v| v.0.clone())
    };
    let one = api.get("one").await.unwrap_or_else(|e| panic!("get: {e}"));
    assert_eq!(used(&one, "count/resourcequotas").as_deref(), Some("2"));
    assert_eq!(used(&one, "resourcequotas").as_deref(), Some("2"));
    assert_eq!(used(&one, "requests.cpu").as_deref(), Some("0"));
    assert_eq!(
        one.status.as_ref().and_then(|s| s.hard.clone()),
        one.spec.as_ref().and_then(|s| s.hard.clone())
    );

    // A PUT of the main resource cannot overwrite the computed status.
    let mut forged = one.clone();
    forged.status = Some(ResourceQuotaStatus {
        used: Some([("count/resourcequotas".to_string(), Quantity("99".into()))].into()),
        ..Default::default()
    });
    forged.spec = Some(ResourceQuotaSpec {
        hard: Some([("count/resourcequotas".to_string(), Quantity("7".into()))].into()),
        ..Default::default()
    });
    let replaced = api
        .replace("one", &PostParams::default(), &forged)
        .await
        .unwrap_or_else(|e| panic!("replace: {e}"));
    assert_eq!(
        used(&replaced, "count/resourcequotas").as_deref(),
        Some("2")
    );
    assert_eq!(
        replaced
            .status
            .as_ref()
            .and_then(|s| s.hard.as_ref())
            .and_then(|h| h.get("count/resourcequotas"))
            .map(|q| q.0.as_str()),
        Some("7"),
        "status.hard follows spec.hard"
    );

    let deleted = api
        .delete("two", &DeleteParams::default())
        .await
        .unwrap_or_else(|e| panic!("delete: {e}"));
    let last = deleted
        .left()
        .unwrap_or_else(|| panic!("delete of a quota answers the quota"));
    assert_eq!(last.name_any(), "two");
    let one = api.get("one").await.unwrap_or_else(|e| panic!("get: {e}"));
    assert_eq!(used(&one, "count/resourcequotas").as_deref(), Some("1"));
}

#[tokio::test]
async fn resource_versions_only_grow() {
    let (_sim, client) = sim_client(SimConfig::default());
    let api: Api<Namespace> = Api::all(client);
    let rv = |n: &Namespace| {
        n.resource_version()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let a = api
        .create(&PostParams::default(), &ns("rv-a"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let b = api
        .create(&PostParams::default(), &ns("rv-b"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rv(&b) > rv(&a) && rv(&a) > 0);
    // A replace that changes nothing keeps the resourceVersion, one that changes something bumps it.
    let same = api
        .replace("rv-a", &PostParams::default(), &a)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rv(&same), rv(&a));
    let mut changed = a.clone();
    changed.labels_mut().insert("x".into(), "y".into());
    let changed = api
        .replace("rv-a", &PostParams::default(), &changed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(rv(&changed) > rv(&b));
    let list = api
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let list_rv: u64 = list
        .metadata
        .resource_version
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(list_rv >= rv(&changed));
}

#[tokio::test]
async fn paging_field_selectors_and_metadata_lists() {
    let (_sim, client) = sim_client(SimConfig::nodes(5));
    let nodes: Api<Node> = Api::all(client.clone());
    let first = nodes
        .list(&ListParams::default().limit(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.metadata.remaining_item_count, Some(3));
    let token = first
        .metadata
        .continue_
        .clone()
        .unwrap_or_else(|| panic!("no continue token"));
    let mut names: Vec<String> = first.items.iter().map(ResourceExt::name_any).collect();
    let rest = nodes
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rest.metadata.continue_, None);
    names.extend(rest.items.iter().map(ResourceExt::name_any));
    assert_eq!(names.len(), 5);
    assert_eq!(names.last().map(String::as_str), Some("sim-node-5"));

    let one = nodes
        .list(&ListParams::default().fields("metadata.name=sim-node-3"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        one.items
            .iter()
            .map(ResourceExt::name_any)
            .collect::<Vec<_>>(),
        ["sim-node-3"]
    );

    let namespaces: Api<Namespace> = Api::all(client);
    let meta = namespaces
        .list_metadata(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(meta.items.iter().any(|m| m.name_any() == "kube-system"));
    let active = namespaces
        .list(&ListParams::default().fields("status.phase=Active"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(active.items.len(), 4);
}

#[tokio::test]
async fn aggregated_discovery_matches_legacy() {
    let (_sim, client) = sim_client(SimConfig::default());
    let served = |d: &Discovery| {
        let mut all: Vec<String> = d
            .groups()
            .flat_map(|g| g.recommended_resources())
            .map(|(ar, caps)| {
                let subs: Vec<String> = caps
                    .subresources
                    .iter()
                    .map(|(s, _)| s.plural.clone())
                    .collect();
                format!(
                    "{}/{}/{} {:?} {:?}",
                    ar.group, ar.version, ar.plural, caps.scope, subs
                )
            })
            .collect();
        all.sort();
        all
    };
    let aggregated = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let legacy = Discovery::new(client)
        .run()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let listed = served(&aggregated);
    assert_eq!(listed, served(&legacy));
    for expected in [
        "/v1/pods Namespaced",
        "apps/v1/deployments Namespaced",
        "batch/v1/cronjobs Namespaced",
        "autoscaling/v2/horizontalpodautoscalers Namespaced",
        "networking.k8s.io/v1/ingressclasses Cluster",
        "storage.k8s.io/v1/storageclasses Cluster",
        "rbac.authorization.k8s.io/v1/clusterrolebindings Cluster",
        "coordination.k8s.io/v1/leases Namespaced",
        "metrics.k8s.io/v1beta1/pods Namespaced",
        "authorization.k8s.io/v1/selfsubjectaccessreviews Cluster",
        "authentication.k8s.io/v1/selfsubjectreviews Cluster",
        "policy/v1/poddisruptionbudgets Namespaced",
        "apiextensions.k8s.io/v1/customresourcedefinitions Cluster",
    ] {
        assert!(
            listed.iter().any(|l| l.starts_with(expected)),
            "{expected} missing from {listed:#?}"
        );
    }
    assert_eq!(
        listed.len(),
        berth_kube_sim::resources::RESOURCES.len(),
        "every row of the table is discovered once: {listed:#?}"
    );
}

#[tokio::test]
async fn spawned_server_works_with_its_kubeconfig() {
    let (addr, _sim) = spawn(
        "127.0.0.1:0".parse().unwrap_or_else(|e| panic!("{e}")),
        SimConfig::nodes(2),
    )
    .await
    .unwrap_or_else(|e| panic!("spawn: {e}"));
    assert_ne!(addr.port(), 0);
    let yaml = kubeconfig_yaml(&format!("http://{addr}"));
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap_or_else(|e| panic!("kubeconfig: {e}"));
    assert_eq!(kubeconfig.current_context.as_deref(), Some("berth-sim"));
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap_or_else(|e| panic!("config: {e}"));
    assert_eq!(config.default_namespace, "default");
    let client = Client::try_from(config).unwrap_or_else(|e| panic!("client: {e}"));
    let version = client
        .apiserver_version()
        .await
        .unwrap_or_else(|e| panic!("version over TCP: {e}"));
    assert_eq!(version.git_version, "v1.37.0-berth-sim");
    let nodes = Api::<Node>::all(client)
        .list(&ListParams::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(nodes.items.len(), 2);
}

#[tokio::test]
async fn binary_serves_and_writes_kubeconfig() {
    let dir = std::env::temp_dir().join(unique("berth-kube-sim-bin"));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join("kubeconfig.yaml");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_berth-kube-sim"))
        .args(["--listen", "127.0.0.1:0", "--nodes", "4", "--kubeconfig"])
        .arg(&path)
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn binary: {e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    let yaml = loop {
        if let Ok(s) = std::fs::read_to_string(&path) {
            if s.contains("current-context") {
                break s;
            }
        }
        assert!(Instant::now() < deadline, "binary wrote no kubeconfig");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap_or_else(|e| panic!("{e}"));
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.cluster_url.scheme_str(), Some("http"));
    let client = Client::try_from(config).unwrap_or_else(|e| panic!("{e}"));
    let api: Api<Node> = Api::all(client);
    let mut count = None;
    while Instant::now() < deadline {
        if let Ok(list) = api.list(&ListParams::default()).await {
            count = Some(list.items.len());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(count, Some(4));
}
