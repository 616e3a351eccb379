//! Nodes of a cluster through Berth: listed from the watch cache, searched,
//! cordoned, drained (DaemonSet pods stay), relabelled, retainted and put
//! into maintenance, against the simulator; on SQLite, PostgreSQL and MariaDB.

#[allow(unused_imports)]
use super::common;

use std::time::{Duration, Instant};

use berth_api::{ErrorCode, ListQuery, NodeChange, Taint};
use berth_core::{auth::Principal, db_test, testing::TestDb, Error, Services};
use berth_kube_sim::SimConfig;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment};
use kube::api::{Api, Patch, PatchParams, PostParams};
use serde_json::json;

const PATIENCE: Duration = Duration::from_secs(15);

async fn setup(t: &TestDb) -> (Services, Principal, i64, kube::Client) {
    common::simulated_cluster(t, SimConfig::nodes(3)).await
}

/// Waits until `check` holds for the node as Berth lists it.
async fn until<F: Fn(&berth_api::NodeSummary) -> bool>(
    s: &Services,
    ops: &Principal,
    cluster: i64,
    node: &str,
    check: F,
) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let page = s
            .clusters()
            .list_nodes(
                ops,
                cluster,
                &ListQuery {
                    search: node.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if page.items.iter().any(|n| n.name == node && check(n)) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

db_test!(
    nodes_are_listed_from_the_cache_and_changed_through_the_api,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = setup(&t).await;
        let all = s
            .clusters()
            .list_nodes(&ops, cluster, &ListQuery::default())
            .await
            .unwrap();
        assert_eq!(all.total, 3);
        assert!(all
            .items
            .iter()
            .all(|n| n.ready && n.schedulable && !n.maintenance));
        assert_eq!(all.items[0].roles, ["worker"]);
        let by_label = s
            .clusters()
            .list_nodes(
                &ops,
                cluster,
                &ListQuery {
                    search: "kubernetes.io/hostname=sim-node-2".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            by_label
                .items
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>(),
            ["sim-node-2"]
        );
        let missing = s
            .clusters()
            .get_node(&ops, cluster, "no-such-node")
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::NotFound), "{missing:?}");

        // Six pods and a DaemonSet: some land on sim-node-1.
        let deployments: Api<Deployment> = Api::namespaced(client.clone(), "default");
        deployments.create(&PostParams::default(), &serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "main", "image": "web:1", "resources": {"requests": {"cpu": "100m"}}}]}}},
    })).unwrap()).await.unwrap();
        let daemons: Api<DaemonSet> = Api::namespaced(client.clone(), "default");
        daemons
            .create(
                &PostParams::default(),
                &serde_json::from_value(json!({
                    "metadata": {"name": "agent"},
                    "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {
                        "metadata": {"labels": {"app": "agent"}},
                        "spec": {"containers": [{"name": "main", "image": "agent:1"}]}}},
                }))
                .unwrap(),
            )
            .await
            .unwrap();
        let deadline = Instant::now() + PATIENCE;
        let detail = loop {
            let d = s
                .clusters()
                .get_node(&ops, cluster, "sim-node-1")
                .await
                .unwrap();
            if d.pods.iter().any(|p| p.daemon && p.phase == "Running")
                && d.pods.iter().any(|p| !p.daemon && p.phase == "Running")
            {
                break d;
            }
            assert!(
                Instant::now() < deadline,
                "no running pods on sim-node-1: {:?}",
                d.pods
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(detail
            .conditions
            .iter()
            .any(|c| c.kind == "Ready" && c.status == "True"));

        s.clusters()
            .change_node(&ops, cluster, "sim-node-1", NodeChange::Cordon)
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-1", |n| !n.schedulable).await,
            "cordon never showed"
        );
        s.clusters()
            .change_node(&ops, cluster, "sim-node-1", NodeChange::Uncordon)
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-1", |n| n.schedulable).await,
            "uncordon never showed"
        );

        let report = s
            .clusters()
            .change_node(&ops, cluster, "sim-node-1", NodeChange::Drain)
            .await
            .unwrap();
        assert!(!report.evicted.is_empty(), "{report:?}");
        assert_eq!(
            report.skipped.len(),
            1,
            "the DaemonSet pod stays: {report:?}"
        );
        assert!(report.failed.is_empty(), "{report:?}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let d = s
                .clusters()
                .get_node(&ops, cluster, "sim-node-1")
                .await
                .unwrap();
            if !d.node.schedulable && d.pods.iter().all(|p| p.daemon) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "pods stayed on the drained node: {:?}",
                d.pods
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The Deployment got its six pods back, elsewhere.
        let deadline = Instant::now() + PATIENCE;
        while deployments
            .get("web")
            .await
            .unwrap()
            .status
            .and_then(|s| s.available_replicas)
            != Some(6)
        {
            assert!(Instant::now() < deadline, "the deployment never recovered");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let bad = s
            .clusters()
            .change_node(
                &ops,
                cluster,
                "sim-node-2",
                NodeChange::ChangeLabels {
                    set: vec![("Bad Key".into(), "x".into())],
                    remove: vec![],
                },
            )
            .await
            .unwrap_err();
        match bad {
            Error::Validation(f) => assert_eq!(
                (f[0].field.as_str(), f[0].code),
                ("labels", ErrorCode::Invalid)
            ),
            other => panic!("{other:?}"),
        }
        // Someone else labels and taints the node with kubectl meanwhile;
        // Berth's change, made from what its user saw before, keeps theirs.
        let nodes: Api<k8s_openapi::api::core::v1::Node> = Api::all(client.clone());
        let at_first = nodes
            .get("sim-node-2")
            .await
            .unwrap()
            .metadata
            .labels
            .unwrap()
            .len();
        nodes
            .patch(
                "sim-node-2",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"rack": "r7"}},
                    "spec": {"taints": [{"key": "theirs", "effect": "NoExecute"}]}})),
            )
            .await
            .unwrap();
        let shown = vec![(
            "kubernetes.io/hostname".to_string(),
            "sim-node-2".to_string(),
        )];
        let wanted = vec![shown[0].clone(), ("zone".to_string(), "east".to_string())];
        s.clusters()
            .change_node(
                &ops,
                cluster,
                "sim-node-2",
                NodeChange::labels_between(&shown, &wanted),
            )
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-2", |n| {
                let has = |k: &str, v: &str| n.labels.iter().any(|(lk, lv)| lk == k && lv == v);
                has("zone", "east") && has("rack", "r7") && n.labels.len() == at_first + 2
            })
            .await
        );
        s.clusters()
            .change_node(
                &ops,
                cluster,
                "sim-node-2",
                NodeChange::ChangeLabels {
                    set: vec![],
                    remove: vec!["zone".into()],
                },
            )
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-2", |n| n.labels.len()
                == at_first + 1
                && !n.labels.iter().any(|(k, _)| k == "zone"))
            .await
        );

        let bad = s
            .clusters()
            .change_node(
                &ops,
                cluster,
                "sim-node-2",
                NodeChange::ChangeTaints {
                    add: vec![Taint {
                        key: "gpu".into(),
                        value: "yes".into(),
                        effect: "Sometimes".into(),
                    }],
                    remove: vec![],
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(bad, Error::Validation(ref f) if f[0].field == "taints"),
            "{bad:?}"
        );
        let gpu = Taint {
            key: "gpu".into(),
            value: "true".into(),
            effect: "NoSchedule".into(),
        };
        let theirs = Taint {
            key: "theirs".into(),
            value: String::new(),
            effect: "NoExecute".into(),
        };
        // The user was shown no taints: adding theirs keeps the other one.
        s.clusters()
            .change_node(
                &ops,
                cluster,
                "sim-node-2",
                NodeChange::taints_between(&[], std::slice::from_ref(&gpu)),
            )
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-2", |n| n.taints
                == [theirs.clone(), gpu.clone()])
            .await
        );
        let changed_value = Taint {
            value: "false".into(),
            ..gpu.clone()
        };
        s.clusters()
            .change_node(
                &ops,
                cluster,
                "sim-node-2",
                NodeChange::taints_between(
                    &[theirs.clone(), gpu.clone()],
                    std::slice::from_ref(&changed_value),
                ),
            )
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-2", |n| n.taints
                == [changed_value.clone()])
            .await
        );
        // Maintenance adds and removes Berth's taint alone.
        let maintenance = Taint {
            key: "berth.io/maintenance".into(),
            value: "true".into(),
            effect: "NoSchedule".into(),
        };
        s.clusters()
            .change_node(&ops, cluster, "sim-node-2", NodeChange::EnterMaintenance)
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-2", |n| n.taints
                == [changed_value.clone(), maintenance.clone()]
                && !n.schedulable)
            .await
        );
        s.clusters()
            .change_node(&ops, cluster, "sim-node-2", NodeChange::LeaveMaintenance)
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-2", |n| n.taints
                == [changed_value.clone()]
                && n.schedulable)
            .await
        );

        s.clusters()
            .change_node(&ops, cluster, "sim-node-3", NodeChange::EnterMaintenance)
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-3", |n| n.maintenance
                && !n.schedulable)
            .await
        );
        s.clusters()
            .change_node(&ops, cluster, "sim-node-3", NodeChange::LeaveMaintenance)
            .await
            .unwrap();
        assert!(
            until(&s, &ops, cluster, "sim-node-3", |n| !n.maintenance
                && n.schedulable)
            .await
        );
    }
);

db_test!(
    a_cluster_that_does_not_answer_holds_up_only_its_own_pages,
    |t: TestDb| async move {
        use berth_kube_sim::faults::{Effect, Fault};
        let (stuck_addr, stuck) =
            berth_kube_sim::spawn("127.0.0.1:0".parse().unwrap(), SimConfig::nodes(1))
                .await
                .unwrap();
        let (s, ops, healthy, _) = setup(&t).await;
        s.clusters()
            .register_embedded_cluster("stuck", &format!("http://{stuck_addr}"))
            .await
            .unwrap();
        let stuck_id = s
            .clusters()
            .list_clusters(&ops)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == "stuck")
            .unwrap()
            .id;
        // It takes connections and answers nothing for a minute.
        const ASKS: u32 = 1_000;
        stuck
            .faults()
            .add(Fault::always(Effect::Latency { millis: 60_000 }).times(ASKS));
        let waiting = {
            let (s, ops) = (s.clone(), ops.clone());
            tokio::spawn(async move {
                s.clusters()
                    .list_nodes(&ops, stuck_id, &ListQuery::default())
                    .await
            })
        };
        // Once that request waits on its cluster (which has been asked)...
        let deadline = Instant::now() + PATIENCE;
        while stuck.faults().list()[0].times == Some(ASKS) {
            assert!(
                Instant::now() < deadline,
                "the stuck cluster is never asked"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // ...the other cluster's pages answer, well before the stuck one
        // could give up.
        let other = tokio::time::timeout(
            Duration::from_secs(5),
            s.clusters()
                .list_nodes(&ops, healthy, &ListQuery::default()),
        )
        .await
        .expect("the healthy cluster's nodes answer while another cluster hangs")
        .unwrap();
        assert_eq!(other.total, 3);
        assert!(
            !waiting.is_finished(),
            "the stuck cluster is still being waited for"
        );
        waiting.abort();
    }
);

db_test!(
    a_taint_added_meanwhile_is_not_lost_to_maintenance,
    |t: TestDb| async move {
        use berth_kube_sim::faults::{Effect, Fault};
        use k8s_openapi::api::core::v1::Node;
        let (s, ops, cluster, client, sim) =
            common::simulated_cluster_and_sim(&t, SimConfig::nodes(1)).await;
        let nodes: Api<Node> = Api::all(client);
        let node = nodes.list(&Default::default()).await.unwrap().items[0]
            .metadata
            .name
            .clone()
            .unwrap();
        // Berth's write reaches the cluster only after someone else's.
        sim.faults().add(
            Fault::always(Effect::Latency { millis: 1_500 })
                .on_method("PATCH")
                .times(1),
        );
        let berth = {
            let (s, ops, node) = (s.clone(), ops.clone(), node.clone());
            tokio::spawn(async move {
                s.clusters()
                    .change_node(&ops, cluster, &node, NodeChange::EnterMaintenance)
                    .await
            })
        };
        let deadline = Instant::now() + PATIENCE;
        while sim.faults().list().iter().any(|f| f.times == Some(1)) {
            assert!(Instant::now() < deadline, "Berth never writes");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut other = nodes.get(&node).await.unwrap();
        other.spec.get_or_insert_with(Default::default).taints =
            Some(vec![k8s_openapi::api::core::v1::Taint {
                key: "team".into(),
                value: Some("gpu".into()),
                effect: "NoSchedule".into(),
                ..Default::default()
            }]);
        nodes
            .replace(&node, &Default::default(), &other)
            .await
            .unwrap();
        let answer = berth.await.unwrap();
        assert!(
            matches!(&answer, Err(Error::Conflict { .. })),
            "a stale write is refused: {answer:?}"
        );
        let now = nodes.get(&node).await.unwrap();
        let taints = now.spec.unwrap().taints.unwrap_or_default();
        assert!(
            taints.iter().any(|t| t.key == "team"),
            "the other change stays: {taints:?}"
        );
        // Tried again, it goes through and keeps the other taint.
        s.clusters()
            .change_node(&ops, cluster, &node, NodeChange::EnterMaintenance)
            .await
            .unwrap();
        let taints = nodes
            .get(&node)
            .await
            .unwrap()
            .spec
            .unwrap()
            .taints
            .unwrap();
        assert!(taints.iter().any(|t| t.key == "team"));
        assert!(taints.iter().any(|t| t.key == "berth.io/maintenance"));

        // The audit says which operation it was, though one permission
        // allows all three.
        for change in [NodeChange::LeaveMaintenance, NodeChange::Drain] {
            s.clusters()
                .change_node(&ops, cluster, &node, change)
                .await
                .unwrap();
        }
        let log = s
            .audit_log()
            .list_audit(
                &ops,
                &berth_api::AuditQuery {
                    action: "node.".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut seen: Vec<(String, String)> = log
            .items
            .iter()
            .map(|e| (e.action.clone(), e.outcome.clone()))
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            [
                ("node.drain", "allowed"),
                ("node.maintenance.enter", "allowed"),
                ("node.maintenance.enter", "failed"),
                ("node.maintenance.leave", "allowed"),
            ]
            .map(|(a, o)| (a.to_string(), o.to_string()))
        );
    }
);

db_test!(
    a_cluster_nobody_answers_for_is_said_in_words_of_its_own,
    |t: TestDb| async move {
        let (s, ops, _, _) = setup(&t).await;
        // A port that was just free: the connection is refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        s.clusters()
            .register_embedded_cluster("gone", &format!("http://{closed}"))
            .await
            .unwrap();
        let gone = s
            .clusters()
            .list_clusters(&ops)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == "gone")
            .unwrap()
            .id;
        let err = s
            .clusters()
            .change_node(&ops, gone, "sim-node-1", NodeChange::Cordon)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ClusterUnavailable(_)), "{err:?}");
        let shown = err.into_app_error("r1");
        assert_eq!(
            shown,
            berth_api::AppError::ClusterUnavailable {
                problem: berth_api::ClusterProblem::Unreachable
            }
        );
        // Nothing of the connection's own text reaches the client.
        let wire = serde_json::to_string(&shown).unwrap();
        assert_eq!(wire, r#"{"cluster_unavailable":{"problem":"unreachable"}}"#);
    }
);
