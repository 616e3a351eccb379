//! The reconciler against the simulator: a ResourceQuota edited with a
//! client other than Berth is put back and the repair audited; a pass
//! where nothing drifted costs a few list calls per cluster, not one per
//! app space; a namespace deleted outside Berth is flagged; a creation the
//! cluster failed half-way is finished.

use berth_api::{AppSpaceInput, QuotaInput, QuotaOwner};
use berth_core::{
    auth::Principal,
    db_test,
    tenancy::{namespace, reconciler::RECONCILER},
    testing::TestDb,
    Services,
};
use berth_kube_sim::{
    faults::{Effect, Fault},
    SimConfig,
};
use k8s_openapi::api::core::v1::{Namespace, ResourceQuota};
use kube::api::{Patch, PatchParams};
use kube::Api;
use serde_json::json;

use crate::common::*;
use crate::support::*;

/// A VDC's app space with 500m and 3 pods.
fn small(vdc_id: i64, cluster_id: i64, name: &str) -> AppSpaceInput {
    space(vdc_id, cluster_id, name, &[("cpu", "500m"), ("pods", "3")])
}

async fn hard_pods(client: &kube::Client, ns: &str) -> String {
    let rq = Api::<ResourceQuota>::namespaced(client.clone(), ns)
        .get(namespace::QUOTA_NAME)
        .await
        .unwrap();
    rq.spec.unwrap().hard.unwrap()["pods"].0.clone()
}

db_test!(
    drift_is_put_back_flagged_and_audited,
    |t: TestDb| async move {
        let (s, ops, cluster, client) = simulated_cluster(&t, SimConfig::nodes(1)).await;
        let (_, vdc) = tenant(&s, &ops, cluster).await;
        for name in ["one", "two", "three"] {
            s.tenancy()
                .create_app_space(&ops, small(vdc, cluster, name))
                .await
                .unwrap();
        }
        // Nothing drifted: four list calls for the cluster, nothing done.
        let quiet = s.tenancy().reconcile_app_spaces().await.unwrap();
        assert_eq!(
            (quiet.app_spaces, quiet.repaired, quiet.api_calls),
            (3, 0, 4)
        );

        // Someone raises a quota with kubectl.
        Api::<ResourceQuota>::namespaced(client.clone(), "two")
            .patch(
                namespace::QUOTA_NAME,
                &PatchParams {
                    field_manager: Some("kubectl-edit".into()),
                    ..Default::default()
                },
                &Patch::Merge(json!({"spec": {"hard": {"pods": "500"}}})),
            )
            .await
            .unwrap();
        assert_eq!(hard_pods(&client, "two").await, "500");
        let pass = s.tenancy().reconcile_app_spaces().await.unwrap();
        assert_eq!((pass.repaired, pass.missing), (1, 0));
        assert_eq!(hard_pods(&client, "two").await, "3", "put back");

        // Someone deletes a namespace outside Berth.
        Api::<Namespace>::all(client.clone())
            .delete("three", &Default::default())
            .await
            .unwrap();
        let pass = s.tenancy().reconcile_app_spaces().await.unwrap();
        assert_eq!((pass.repaired, pass.missing), (0, 1));
        let three = s
            .tenancy()
            .list_app_spaces(&ops, &Default::default(), &Default::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|a| a.name == "three")
            .unwrap();
        assert_eq!(three.state, "missing");
        assert!(three.message.contains("outside Berth"), "{}", three.message);
        // Flagged once, not at every pass.
        let again = s.tenancy().reconcile_app_spaces().await.unwrap();
        assert_eq!((again.repaired, again.missing), (0, 0));

        let records: Vec<_> = audit_rows(&t)
            .await
            .into_iter()
            .filter(|r| r.username == RECONCILER)
            .map(|r| (r.action, r.target, r.details))
            .collect();
        assert_eq!(
            records,
            [
                (
                    "appspace.reconcile.repair".to_owned(),
                    "appspace/acme/web/two".to_owned(),
                    "put back: resource quota".to_owned()
                ),
                (
                    "appspace.reconcile.missing".to_owned(),
                    "appspace/acme/web/three".to_owned(),
                    "the namespace was deleted outside Berth".to_owned()
                ),
            ]
        );
    }
);

db_test!(
    a_creation_interrupted_after_berths_write_is_finished,
    |t: TestDb| async move {
        let (s, ops, cluster, client, sim) =
            simulated_cluster_and_sim(&t, SimConfig::nodes(1)).await;
        let (_, vdc) = tenant(&s, &ops, cluster).await;
        // The cluster refuses every write: Berth's row and quota are
        // written, nothing reaches the cluster (as when the process dies
        // between the two).
        sim.faults()
            .add(Fault::always(Effect::Error { code: 503 }).on_method("PATCH"));
        assert!(s
            .tenancy()
            .create_app_space(&ops, small(vdc, cluster, "late"))
            .await
            .is_err());
        assert!(Api::<Namespace>::all(client.clone())
            .get_opt("late")
            .await
            .unwrap()
            .is_none());
        // While the cluster still refuses, a pass leaves it for later.
        let pass = s.tenancy().reconcile_app_spaces().await.unwrap();
        assert_eq!(pass.finished, 0);
        sim.faults().clear();
        let pass = s.tenancy().reconcile_app_spaces().await.unwrap();
        assert_eq!(pass.finished, 1);
        assert_eq!(hard_pods(&client, "late").await, "3");
        let late = s
            .tenancy()
            .list_app_spaces(&ops, &Default::default(), &Default::default())
            .await
            .unwrap()
            .items
            .remove(0);
        assert_eq!(late.state, "ready");
    }
);
