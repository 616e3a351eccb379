//! CustomResourceDefinitions as kube-apiserver serves them: a CRD becomes
//! Established, its resource appears in discovery, objects of it are
//! created, listed, watched and validated against the version's schema
//! (unknown fields pruned), and deleting the CRD deletes them. Runs against
//! the in-process simulator and, when `KUBECONFIG` is set, unchanged
//! against that real cluster.

mod common;

use common::{api_error, eventually, targets, unique};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, PostParams,
    WatchEvent, WatchParams,
};
use kube::discovery::Discovery;
use serde_json::json;

fn crd(group: &str) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "metadata": { "name": format!("gadgets.{group}") },
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": { "plural": "gadgets", "singular": "gadget", "kind": "Gadget", "shortNames": ["gd"] },
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "subresources": { "status": {} },
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": {
                        "type": "object", "required": ["size"],
                        "properties": { "size": { "type": "integer", "minimum": 1 }, "mode": { "type": "string", "enum": ["fast", "safe"] } },
                    } },
                } },
            }],
        },
    }))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_crd_serves_validates_and_takes_its_objects_with_it() {
    for t in targets().await {
        let group = format!("{}.example.com", unique("g"));
        let crds: Api<CustomResourceDefinition> = Api::all(t.client.clone());
        crds.create(&PostParams::default(), &crd(&group))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        let name = format!("gadgets.{group}");
        let established = eventually(t.patience, || async {
            crds.get(&name).await.is_ok_and(|c| {
                c.status
                    .and_then(|s| s.conditions)
                    .unwrap_or_default()
                    .iter()
                    .any(|c| c.type_ == "Established" && c.status == "True")
            })
        })
        .await;
        assert!(established, "{}: the CRD is Established", t.name);

        let discovered = eventually(t.patience, || async {
            Discovery::new(t.client.clone())
                .run()
                .await
                .is_ok_and(|d| d.groups().any(|g| g.name() == group))
        })
        .await;
        assert!(discovered, "{}: discovery lists the new group", t.name);

        let resource = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(&group, "v1", "Gadget"),
            "gadgets",
        );
        let gadgets: Api<DynamicObject> =
            Api::namespaced_with(t.client.clone(), "default", &resource);
        let object = |n: &str, spec: serde_json::Value| -> DynamicObject {
            serde_json::from_value(json!({ "apiVersion": format!("{group}/v1"), "kind": "Gadget", "metadata": { "name": n }, "spec": spec }))
                .unwrap_or_else(|e| panic!("{e}"))
        };
        let mut events = gadgets
            .watch(&WatchParams::default().timeout(20), "0")
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .boxed();
        let made = gadgets
            .create(
                &PostParams::default(),
                &object("one", json!({ "size": 2, "colour": "red" })),
            )
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(
            made.data["spec"],
            json!({ "size": 2 }),
            "{}: unknown fields are pruned",
            t.name
        );
        let seen = tokio::time::timeout(t.patience, async {
            while let Ok(Some(e)) = events.try_next().await {
                if let WatchEvent::Added(o) = e {
                    if o.metadata.name.as_deref() == Some("one") {
                        return true;
                    }
                }
            }
            false
        })
        .await;
        assert_eq!(seen, Ok(true), "{}: a watch sees the new object", t.name);

        let bad = api_error(
            gadgets
                .create(
                    &PostParams::default(),
                    &object("two", json!({ "size": "big" })),
                )
                .await,
            "a wrongly typed field",
        );
        assert_eq!(bad.code, 422, "{}", t.name);
        assert!(
            bad.message
                .contains("spec.size in body must be of type integer: \"string\""),
            "{}: {}",
            t.name,
            bad.message
        );
        let missing = api_error(
            gadgets
                .create(
                    &PostParams::default(),
                    &object("three", json!({ "mode": "fast" })),
                )
                .await,
            "a missing required field",
        );
        assert!(
            missing.message.contains("spec.size: Required value"),
            "{}: {}",
            t.name,
            missing.message
        );

        crds.delete(&name, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let gone = eventually(t.patience, || async {
            matches!(gadgets.list(&ListParams::default()).await, Err(kube::Error::Api(s)) if s.code == 404)
        })
        .await;
        assert!(
            gone,
            "{}: the CRD's objects and endpoint go with it",
            t.name
        );
    }
}
