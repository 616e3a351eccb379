//! Conformance of the simulator with Kubernetes, through kube-rs' typed APIs.
//! Every check runs against the in-process simulator and, when `KUBECONFIG`
//! is set, unchanged against that real cluster too.

mod common;

use std::collections::BTreeMap;

use common::{api_error, eventually, targets, unique, Target};
use k8s_openapi::api::core::v1::{Namespace, Node, ResourceQuota, ResourceQuotaSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use kube::discovery::{Discovery, Scope};
use kube::ResourceExt;

fn namespace(name: &str, labels: &[(&str, &str)]) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(
                labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn cleanup(t: &Target, names: &[String]) {
    let api: Api<Namespace> = Api::all(t.client.clone());
    for n in names {
        let _ = api.delete(n, &DeleteParams::default()).await;
    }
}

#[tokio::test]
async fn apiserver_version() {
    for t in targets().await {
        let info = t
            .client
            .apiserver_version()
            .await
            .unwrap_or_else(|e| panic!("{}: version: {e}", t.name));
        assert_eq!(info.major, "1", "{}", t.name);
        assert!(
            info.git_version.starts_with("v1."),
            "{}: {}",
            t.name,
            info.git_version
        );
        assert!(info.platform.contains('/'), "{}: {}", t.name, info.platform);
        if t.simulated {
            assert_eq!(info.git_version, "v1.37.0-berth-sim");
            assert_eq!(info.minor, "37");
        }
    }
}

#[tokio::test]
async fn discovery_finds_core_resources() {
    for t in targets().await {
        let discovery = Discovery::new(t.client.clone())
            .run()
            .await
            .unwrap_or_else(|e| panic!("{}: discovery: {e}", t.name));
        let core = discovery
            .get("")
            .unwrap_or_else(|| panic!("{}: no core group", t.name));
        let resources = core.recommended_resources();
        let find = |plural: &str| {
            resources
                .iter()
                .find(|(ar, _)| ar.plural == plural)
                .unwrap_or_else(|| panic!("{}: {plural} not discovered", t.name))
        };
        let (ns, ns_caps) = find("namespaces");
        assert_eq!(ns.kind, "Namespace");
        assert_eq!(ns_caps.scope, Scope::Cluster);
        let (node, node_caps) = find("nodes");
        assert_eq!(node.kind, "Node");
        assert_eq!(node_caps.scope, Scope::Cluster);
        let (quota, quota_caps) = find("resourcequotas");
        assert_eq!(quota.kind, "ResourceQuota");
        assert_eq!(quota_caps.scope, Scope::Namespaced);
        assert!(
            quota_caps.operations.iter().any(|v| v == "create"),
            "{}",
            t.name
        );
    }
}

#[tokio::test]
async fn namespace_create_get_list_replace_delete() {
    for t in targets().await {
        let api: Api<Namespace> = Api::all(t.client.clone());
        let name = unique("berth-conf-ns");
        let created = api
            .create(
                &PostParams::default(),
                &namespace(&name, &[("berth.io/test", "lifecycle")]),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        assert_eq!(created.name_any(), name);
        assert!(
            created
                .metadata
                .uid
                .as_deref()
                .is_some_and(|u| !u.is_empty()),
            "{}: uid",
            t.name
        );
        assert!(
            created.metadata.creation_timestamp.is_some(),
            "{}: creationTimestamp",
            t.name
        );
        let rv1 = created.resource_version().unwrap_or_default();
        assert!(!rv1.is_empty(), "{}: resourceVersion", t.name);
        assert_eq!(
            created.spec.as_ref().and_then(|s| s.finalizers.clone()),
            Some(vec!["kubernetes".to_string()]),
            "{}: finalizers",
            t.name
        );
        assert_eq!(
            created.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Active"),
            "{}: phase",
            t.name
        );
        assert_eq!(
            created.labels().get("kubernetes.io/metadata.name"),
            Some(&name),
            "{}: name label",
            t.name
        );

        let got = api
            .get(&name)
            .await
            .unwrap_or_else(|e| panic!("{}: get: {e}", t.name));
        assert_eq!(got.metadata.uid, created.metadata.uid);

        let listed = api
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: list: {e}", t.name));
        assert!(
            listed.items.iter().any(|n| n.name_any() == name),
            "{}: list misses {name}",
            t.name
        );
        assert!(
            listed.items.iter().any(|n| n.name_any() == "default"),
            "{}: list misses default",
            t.name
        );

        let mut changed = got.clone();
        changed
            .labels_mut()
            .insert("berth.io/step".into(), "replaced".into());
        let replaced = api
            .replace(&name, &PostParams::default(), &changed)
            .await
            .unwrap_or_else(|e| panic!("{}: replace: {e}", t.name));
        assert_eq!(
            replaced.labels().get("berth.io/step").map(String::as_str),
            Some("replaced")
        );
        assert_ne!(
            replaced.resource_version().unwrap_or_default(),
            rv1,
            "{}: rv must change",
            t.name
        );
        assert_eq!(replaced.metadata.uid, created.metadata.uid);

        let deleted = api
            .delete(&name, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: delete: {e}", t.name));
        let terminating = deleted
            .left()
            .unwrap_or_else(|| panic!("{}: namespace delete must answer the object", t.name));
        assert!(
            terminating.metadata.deletion_timestamp.is_some(),
            "{}: deletionTimestamp",
            t.name
        );
        assert_eq!(
            terminating.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Terminating"),
            "{}: phase after delete",
            t.name
        );

        let gone = eventually(t.patience, || {
            let api = api.clone();
            let name = name.clone();
            async move { matches!(api.get(&name).await, Err(kube::Error::Api(s)) if s.code == 404) }
        })
        .await;
        assert!(
            gone,
            "{}: namespace {name} still there after {:?}",
            t.name, t.patience
        );
        let status = api_error(api.get(&name).await, "get after deletion");
        assert_eq!(status.reason, "NotFound");
    }
}

#[tokio::test]
async fn create_twice_is_already_exists() {
    for t in targets().await {
        let api: Api<Namespace> = Api::all(t.client.clone());
        let name = unique("berth-conf-dup");
        api.create(&PostParams::default(), &namespace(&name, &[]))
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        let status = api_error(
            api.create(&PostParams::default(), &namespace(&name, &[]))
                .await,
            t.name,
        );
        cleanup(&t, std::slice::from_ref(&name)).await;
        assert_eq!(status.code, 409, "{}", t.name);
        assert_eq!(status.reason, "AlreadyExists", "{}", t.name);
        assert!(status.is_already_exists());
        assert_eq!(
            status.message,
            format!("namespaces \"{name}\" already exists")
        );
        let details = status
            .details
            .unwrap_or_else(|| panic!("{}: no details", t.name));
        assert_eq!(details.name, name);
        assert_eq!(details.kind, "namespaces");
    }
}

#[tokio::test]
async fn replace_with_stale_resource_version_conflicts() {
    for t in targets().await {
        let api: Api<Namespace> = Api::all(t.client.clone());
        let name = unique("berth-conf-cas");
        let first = api
            .create(&PostParams::default(), &namespace(&name, &[("step", "1")]))
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        let mut second = first.clone();
        second.labels_mut().insert("step".into(), "2".into());
        api.replace(&name, &PostParams::default(), &second)
            .await
            .unwrap_or_else(|e| panic!("{}: first replace: {e}", t.name));
        // `first` still carries the original resourceVersion.
        let mut stale = first.clone();
        stale.labels_mut().insert("step".into(), "3".into());
        let status = api_error(
            api.replace(&name, &PostParams::default(), &stale).await,
            t.name,
        );
        let current = api.get(&name).await;
        cleanup(&t, std::slice::from_ref(&name)).await;
        assert_eq!(status.code, 409, "{}", t.name);
        assert_eq!(status.reason, "Conflict", "{}", t.name);
        assert_eq!(
            status.message,
            format!("Operation cannot be fulfilled on namespaces \"{name}\": the object has been modified; please apply your changes to the latest version and try again")
        );
        let current = current.unwrap_or_else(|e| panic!("{}: get: {e}", t.name));
        assert_eq!(
            current.labels().get("step").map(String::as_str),
            Some("2"),
            "{}: stale write applied",
            t.name
        );
    }
}

#[tokio::test]
async fn invalid_name_is_unprocessable() {
    for t in targets().await {
        let api: Api<Namespace> = Api::all(t.client.clone());
        let status = api_error(
            api.create(&PostParams::default(), &namespace("Bad_Name", &[]))
                .await,
            t.name,
        );
        assert_eq!(status.code, 422, "{}", t.name);
        assert_eq!(status.reason, "Invalid", "{}", t.name);
        assert!(
            status.message.starts_with(
                "Namespace \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
            ),
            "{}: {}",
            t.name,
            status.message
        );
        let details = status
            .details
            .unwrap_or_else(|| panic!("{}: no details", t.name));
        assert_eq!(details.kind, "Namespace");
        assert_eq!(details.name, "Bad_Name");
        assert!(
            details
                .causes
                .iter()
                .any(|c| c.field == "metadata.name" && c.reason == "FieldValueInvalid"),
            "{}: {:?}",
            t.name,
            details.causes
        );

        // A dotted name is a valid subdomain but not a valid label.
        let status = api_error(
            api.create(&PostParams::default(), &namespace("a.b", &[]))
                .await,
            t.name,
        );
        assert_eq!(status.code, 422, "{}", t.name);
    }
}

#[tokio::test]
async fn get_missing_is_not_found() {
    for t in targets().await {
        let api: Api<Namespace> = Api::all(t.client.clone());
        let name = unique("berth-conf-missing");
        let status = api_error(api.get(&name).await, t.name);
        assert_eq!(status.code, 404, "{}", t.name);
        assert_eq!(status.reason, "NotFound");
        assert!(status.is_not_found());
        assert_eq!(status.message, format!("namespaces \"{name}\" not found"));
        let nodes: Api<Node> = Api::all(t.client.clone());
        let status = api_error(nodes.get("berth-no-such-node").await, t.name);
        assert_eq!(status.message, "nodes \"berth-no-such-node\" not found");
    }
}

#[tokio::test]
async fn nodes_are_listed() {
    for t in targets().await {
        let api: Api<Node> = Api::all(t.client.clone());
        let nodes = api
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: list nodes: {e}", t.name));
        assert!(!nodes.items.is_empty(), "{}: no nodes", t.name);
        for node in &nodes.items {
            assert!(
                node.status
                    .as_ref()
                    .and_then(|s| s.node_info.as_ref())
                    .is_some(),
                "{}: nodeInfo",
                t.name
            );
        }
        if t.simulated {
            assert_eq!(nodes.items.len(), 3, "default simulator has 3 nodes");
        }
        // `spec.unschedulable` selects as true or false, a missing field as false.
        let count = |selector: &'static str| {
            let api = api.clone();
            async move {
                api.list(&ListParams::default().fields(selector))
                    .await
                    .unwrap_or_else(|e| panic!("{}: {selector}: {e}", t.name))
                    .items
                    .len()
            }
        };
        let schedulable = count("spec.unschedulable=false").await;
        let cordoned = count("spec.unschedulable=true").await;
        assert_eq!(schedulable + cordoned, nodes.items.len(), "{}", t.name);
        assert_eq!(
            count("spec.unschedulable!=true").await,
            schedulable,
            "{}",
            t.name
        );
        if t.simulated {
            assert_eq!((schedulable, cordoned), (3, 0));
        }
    }
}

#[tokio::test]
async fn label_selectors_filter_lists() {
    for t in targets().await {
        let api: Api<Namespace> = Api::all(t.client.clone());
        let run = unique("run");
        let names: Vec<String> = ["web", "db", "none"]
            .iter()
            .map(|s| unique(&format!("berth-conf-{s}")))
            .collect();
        api.create(
            &PostParams::default(),
            &namespace(&names[0], &[("berth-run", &run), ("tier", "web")]),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        api.create(
            &PostParams::default(),
            &namespace(&names[1], &[("berth-run", &run), ("tier", "db")]),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        api.create(
            &PostParams::default(),
            &namespace(&names[2], &[("berth-run", &run)]),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        let mut results = BTreeMap::new();
        for sel in [
            format!("berth-run={run}"),
            format!("berth-run=={run},tier=web"),
            format!("berth-run={run},tier!=web"),
            format!("berth-run={run},tier"),
            format!("berth-run={run},!tier"),
            format!("berth-run={run},tier in (web,db)"),
            format!("berth-run={run},tier notin (web)"),
        ] {
            let list = api.list(&ListParams::default().labels(&sel)).await;
            let mut got: Vec<String> = list
                .unwrap_or_else(|e| panic!("{}: list {sel}: {e}", t.name))
                .items
                .iter()
                .map(ResourceExt::name_any)
                .collect();
            got.sort();
            results.insert(sel, got);
        }
        cleanup(&t, &names).await;
        let sorted = |idx: &[usize]| {
            let mut v: Vec<String> = idx.iter().map(|i| names[*i].clone()).collect();
            v.sort();
            v
        };
        let want = [
            (format!("berth-run={run}"), sorted(&[0, 1, 2])),
            (format!("berth-run=={run},tier=web"), sorted(&[0])),
            (format!("berth-run={run},tier!=web"), sorted(&[1, 2])),
            (format!("berth-run={run},tier"), sorted(&[0, 1])),
            (format!("berth-run={run},!tier"), sorted(&[2])),
            (format!("berth-run={run},tier in (web,db)"), sorted(&[0, 1])),
            (format!("berth-run={run},tier notin (web)"), sorted(&[1, 2])),
        ];
        for (sel, expected) in want {
            assert_eq!(
                results.get(&sel),
                Some(&expected),
                "{}: selector {sel}",
                t.name
            );
        }
    }
}

fn quota(name: &str, hard: &[(&str, &str)]) -> ResourceQuota {
    ResourceQuota {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some([("berth.io/test".to_string(), "quota".to_string())].into()),
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
async fn resourcequotas_in_namespaces() {
    for t in targets().await {
        let namespaces: Api<Namespace> = Api::all(t.client.clone());
        let ns = unique("berth-conf-quota");
        namespaces
            .create(&PostParams::default(), &namespace(&ns, &[]))
            .await
            .unwrap_or_else(|e| panic!("{}: create ns: {e}", t.name));
        let api: Api<ResourceQuota> = Api::namespaced(t.client.clone(), &ns);
        let created = api
            .create(
                &PostParams::default(),
                &quota("compute", &[("count/resourcequotas", "2"), ("pods", "10")]),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: create quota: {e}", t.name));
        assert_eq!(
            created.namespace().as_deref(),
            Some(ns.as_str()),
            "{}",
            t.name
        );

        // Listed across namespaces, with its namespace filled in.
        let all: Api<ResourceQuota> = Api::all(t.client.clone());
        let listed = all
            .list(&ListParams::default().labels("berth.io/test=quota"))
            .await
            .unwrap_or_else(|e| panic!("{}: list all quotas: {e}", t.name));
        assert!(
            listed.items.iter().any(|q| q.name_any() == "compute" && q.namespace().as_deref() == Some(ns.as_str())),
            "{}: quota missing from the all-namespaces list",
            t.name
        );

        // The quota's status reflects its hard limits and counts itself.
        let counted = eventually(t.patience, || {
            let api = api.clone();
            async move {
                let Ok(q) = api.get("compute").await else {
                    return false;
                };
                let status = q.status.unwrap_or_default();
                let used = status.used.unwrap_or_default();
                let hard = status.hard.unwrap_or_default();
                used.get("count/resourcequotas").map(|q| q.0.as_str()) == Some("1")
                    && hard.get("pods").map(|q| q.0.as_str()) == Some("10")
            }
        })
        .await;

        // A quota in a namespace that does not exist.
        let missing = unique("berth-conf-nowhere");
        let in_missing: Api<ResourceQuota> = Api::namespaced(t.client.clone(), &missing);
        let status = api_error(
            in_missing
                .create(&PostParams::default(), &quota("q", &[("pods", "1")]))
                .await,
            t.name,
        );

        let deleted = api.delete("compute", &DeleteParams::default()).await;
        let after_delete = api.get("compute").await;
        cleanup(&t, std::slice::from_ref(&ns)).await;

        assert!(
            counted,
            "{}: quota status never showed count/resourcequotas=1",
            t.name
        );
        assert_eq!(status.code, 404, "{}", t.name);
        assert_eq!(status.reason, "NotFound", "{}", t.name);
        assert_eq!(
            status.message,
            format!("namespaces \"{missing}\" not found"),
            "{}",
            t.name
        );
        assert_eq!(
            status.details.map(|d| d.kind),
            Some("namespaces".to_string()),
            "{}",
            t.name
        );
        // ResourceQuota storage returns the deleted object (ReturnDeletedObject), not a Status.
        let deleted = deleted.unwrap_or_else(|e| panic!("{}: delete quota: {e}", t.name));
        let last = deleted
            .left()
            .unwrap_or_else(|| panic!("{}: quota delete must answer the deleted quota", t.name));
        assert_eq!(last.name_any(), "compute", "{}", t.name);
        assert_eq!(last.uid(), created.uid(), "{}", t.name);
        let gone = api_error(after_delete, "get deleted quota");
        assert_eq!(gone.code, 404, "{}", t.name);
    }
}

/// The next ADDED, DELETED or ERROR event, within the target's patience.
/// Bookmarks are skipped, and so are MODIFIED events: the quota controller
/// fills in `status.used` right after a quota is created, on Kubernetes as
/// in the simulator.
async fn next_event<S>(t: &Target, events: &mut S) -> kube::api::WatchEvent<ResourceQuota>
where
    S: futures::Stream<Item = kube::Result<kube::api::WatchEvent<ResourceQuota>>> + Unpin,
{
    use futures::StreamExt;
    loop {
        let event = tokio::time::timeout(t.patience, events.next())
            .await
            .unwrap_or_else(|_| panic!("{}: no watch event in time", t.name))
            .unwrap_or_else(|| panic!("{}: the watch ended", t.name))
            .unwrap_or_else(|e| panic!("{}: watch: {e}", t.name));
        if !matches!(
            event,
            kube::api::WatchEvent::Bookmark(_) | kube::api::WatchEvent::Modified(_)
        ) {
            return event;
        }
    }
}

#[tokio::test]
async fn watch_streams_changes_and_resumes_from_a_resource_version() {
    use kube::api::{WatchEvent, WatchParams};
    for t in targets().await {
        let namespaces: Api<Namespace> = Api::all(t.client.clone());
        let ns = unique("berth-conf-watch");
        namespaces
            .create(&PostParams::default(), &namespace(&ns, &[]))
            .await
            .unwrap_or_else(|e| panic!("{}: create namespace: {e}", t.name));
        let quotas: Api<ResourceQuota> = Api::namespaced(t.client.clone(), &ns);
        let params = WatchParams::default().labels("berth.io/test=quota");

        // From now on ("0": the current objects first; there are none).
        let mut events = Box::pin(
            quotas
                .watch(&params, "0")
                .await
                .unwrap_or_else(|e| panic!("{}: watch: {e}", t.name)),
        );
        quotas
            .create(&PostParams::default(), &quota("first", &[("pods", "5")]))
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        let first_rv = match next_event(&t, &mut events).await {
            WatchEvent::Added(q) => {
                assert_eq!(q.name_any(), "first", "{}", t.name);
                q.resource_version().unwrap()
            }
            other => panic!("{}: expected ADDED, got {other:?}", t.name),
        };
        quotas
            .delete("first", &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{}: delete: {e}", t.name));
        match next_event(&t, &mut events).await {
            WatchEvent::Deleted(q) => assert_eq!(q.name_any(), "first", "{}", t.name),
            other => panic!("{}: expected DELETED, got {other:?}", t.name),
        }
        drop(events);

        // A new watch from the first object's version replays what came after.
        quotas
            .create(&PostParams::default(), &quota("second", &[("pods", "3")]))
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        let mut replay = Box::pin(
            quotas
                .watch(&params, &first_rv)
                .await
                .unwrap_or_else(|e| panic!("{}: watch: {e}", t.name)),
        );
        match next_event(&t, &mut replay).await {
            WatchEvent::Deleted(q) => assert_eq!(q.name_any(), "first", "{}", t.name),
            other => panic!("{}: expected the replayed DELETED, got {other:?}", t.name),
        }
        match next_event(&t, &mut replay).await {
            WatchEvent::Added(q) => assert_eq!(q.name_any(), "second", "{}", t.name),
            other => panic!("{}: expected the replayed ADDED, got {other:?}", t.name),
        }
        cleanup(&t, &[ns]).await;
    }
}

#[tokio::test]
async fn merge_and_strategic_patches_change_labels_and_respect_preconditions() {
    use kube::api::{Patch, PatchParams};
    for t in targets().await {
        let namespaces: Api<Namespace> = Api::all(t.client.clone());
        let ns = unique("berth-conf-patch");
        let created = namespaces
            .create(
                &PostParams::default(),
                &namespace(&ns, &[("keep", "yes"), ("drop", "me")]),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: create: {e}", t.name));
        let patched = namespaces
            .patch(
                &ns,
                &PatchParams::default(),
                &Patch::Merge(
                    serde_json::json!({"metadata": {"labels": {"drop": null, "new": "1"}}}),
                ),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: merge patch: {e}", t.name));
        let labels = patched.labels();
        assert_eq!(
            labels.get("keep").map(String::as_str),
            Some("yes"),
            "{}",
            t.name
        );
        assert_eq!(
            labels.get("new").map(String::as_str),
            Some("1"),
            "{}",
            t.name
        );
        assert!(!labels.contains_key("drop"), "{}: null removes", t.name);
        assert_ne!(
            patched.resource_version(),
            created.resource_version(),
            "{}",
            t.name
        );

        let patched = namespaces
            .patch(
                &ns,
                &PatchParams::default(),
                &Patch::Strategic(serde_json::json!({"metadata": {"labels": {"team": "blue"}}})),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: strategic patch: {e}", t.name));
        assert_eq!(
            patched.labels().get("team").map(String::as_str),
            Some("blue"),
            "{}",
            t.name
        );

        // A resourceVersion in the patch is a precondition.
        let stale = created.resource_version().unwrap();
        let result = namespaces
            .patch(
                &ns,
                &PatchParams::default(),
                &Patch::Merge(serde_json::json!({"metadata": {"resourceVersion": stale, "labels": {"x": "y"}}})),
            )
            .await;
        let status = api_error(result, &format!("{}: stale patch", t.name));
        assert_eq!(
            (status.code, status.reason.as_str()),
            (409, "Conflict"),
            "{}",
            t.name
        );
        cleanup(&t, &[ns]).await;
    }
}
