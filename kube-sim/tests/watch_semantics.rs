//! Watch semantics as kube-apiserver's watch cache has them: a
//! label-filtered watch sees an object entering its selection as ADDED and
//! leaving it as DELETED; a watch-list (`sendInitialEvents`) ends its
//! initial events with a bookmark annotated `k8s.io/initial-events-end`,
//! which kube-rs' streaming-list watcher relies on; list options that do
//! not go together are a 422. Runs against the in-process simulator and,
//! when `KUBECONFIG` is set, unchanged against that real cluster.

mod common;

use common::{api_error, targets, unique};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::runtime::watcher;
use serde_json::json;

fn from<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_filtered_watch_sees_objects_enter_and_leave_its_selection() {
    for t in targets().await {
        let ns = unique("watchsel");
        let namespaces: Api<Namespace> = Api::all(t.client.clone());
        namespaces
            .create(
                &PostParams::default(),
                &from(json!({ "metadata": { "name": ns } })),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let cms: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        cms.create(
            &PostParams::default(),
            &from(json!({ "metadata": { "name": "c", "labels": { "tier": "back" } } })),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let rv = cms
            .list(&ListParams::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .metadata
            .resource_version
            .unwrap_or_default();
        let mut events = cms
            .watch(
                &WatchParams::default().labels("tier=front").timeout(20),
                &rv,
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .boxed();
        let label =
            |tier: &str| Patch::Merge(json!({ "metadata": { "labels": { "tier": tier } } }));
        cms.patch("c", &PatchParams::default(), &label("front"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        cms.patch("c", &PatchParams::default(), &label("back"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mut seen = Vec::new();
        while seen.len() < 2 {
            let next = tokio::time::timeout(t.patience, events.try_next()).await;
            match next {
                Ok(Ok(Some(WatchEvent::Added(cm)))) => seen.push((
                    "ADDED",
                    cm.metadata.labels.unwrap_or_default().get("tier").cloned(),
                )),
                Ok(Ok(Some(WatchEvent::Deleted(cm)))) => seen.push((
                    "DELETED",
                    cm.metadata.labels.unwrap_or_default().get("tier").cloned(),
                )),
                Ok(Ok(Some(WatchEvent::Bookmark(_)))) => {}
                other => panic!("{}: unexpected {other:?} after {seen:?}", t.name),
            }
        }
        assert_eq!(
            seen,
            [
                ("ADDED", Some("front".to_string())),
                ("DELETED", Some("front".to_string()))
            ],
            "{}: entering is ADDED, leaving is DELETED with the last state that matched",
            t.name
        );
        let _ = namespaces.delete(&ns, &DeleteParams::default()).await;
    }
}

#[tokio::test]
async fn a_streaming_list_ends_its_initial_events_with_the_annotated_bookmark() {
    for t in targets().await {
        let ns = unique("watchlist");
        let namespaces: Api<Namespace> = Api::all(t.client.clone());
        namespaces
            .create(
                &PostParams::default(),
                &from(json!({ "metadata": { "name": ns } })),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let cms: Api<ConfigMap> = Api::namespaced(t.client.clone(), &ns);
        cms.create(
            &PostParams::default(),
            &from(json!({ "metadata": { "name": "listed" } })),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        let mut stream = watcher(cms.clone(), watcher::Config::default().streaming_lists()).boxed();
        let mut initial = Vec::new();
        loop {
            match tokio::time::timeout(t.patience, stream.try_next()).await {
                Ok(Ok(Some(watcher::Event::Init))) => {}
                Ok(Ok(Some(watcher::Event::InitApply(cm)))) => {
                    initial.push(cm.metadata.name.unwrap_or_default())
                }
                Ok(Ok(Some(watcher::Event::InitDone))) => break,
                other => panic!(
                    "{}: the initial events did not end: {other:?} after {initial:?}",
                    t.name
                ),
            }
        }
        assert!(
            initial.contains(&"listed".to_string()),
            "{}: {initial:?}",
            t.name
        );

        // kube-rs refuses this itself; the server must too.
        let request = http::Request::get(format!(
            "/api/v1/namespaces/{ns}/configmaps?resourceVersionMatch=NotOlderThan"
        ))
        .body(Vec::new())
        .unwrap_or_else(|e| panic!("{e}"));
        let bad = api_error(
            t.client.request::<serde_json::Value>(request).await,
            "resourceVersionMatch without a resourceVersion",
        );
        assert_eq!(bad.code, 422, "{}: {}", t.name, bad.message);
        assert!(
            bad.message.contains("resourceVersionMatch"),
            "{}: {}",
            t.name,
            bad.message
        );
        let _ = namespaces.delete(&ns, &DeleteParams::default()).await;
    }
}
