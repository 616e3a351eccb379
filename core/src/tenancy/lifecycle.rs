//! A VDC's lifecycle: active or suspended. Suspending marks the VDC
//! (nothing new is created in it from then on), scales every Deployment
//! and StatefulSet of its app spaces to zero, remembering the replicas in
//! an annotation, and suspends their CronJobs, remembering whether each was
//! suspended already. Resuming puts back exactly what was remembered.
//! Operators and domain admins call these; billing will call the same two
//! (a wallet run dry suspends, a top-up resumes).

use berth_api::{ErrorCode, Vdc};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use kube::api::{ListParams, Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use sea_query::{Expr, Query};
use serde_json::json;

use super::{namespace::FIELD_MANAGER, Tenancy};
use crate::{
    auth::{Authorized, Permission, Principal, Scope},
    db::schema::Vdcs,
    kube::api_error,
    Error, Result,
};

/// Replicas a workload had before its VDC was suspended.
pub const SUSPENDED_REPLICAS: &str = "berth.io/suspended-replicas";
/// Whether a CronJob was suspended already before its VDC was (`true`/`false`).
pub const SUSPENDED_CRONJOB: &str = "berth.io/suspended-cronjob";

fn patch_params() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.into()),
        ..Default::default()
    }
}

/// Scales a namespace's workloads to zero (`suspend`) or back.
async fn set_workloads(
    client: &Client,
    ns: &str,
    suspend: bool,
) -> std::result::Result<(), kube::Error> {
    let p = patch_params();
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    for d in deployments.list(&ListParams::default()).await?.items {
        let replicas = d.spec.replicas.unwrap_or(1);
        if let Some(patch) = scale_patch(d.annotations().get(SUSPENDED_REPLICAS), replicas, suspend)
        {
            deployments
                .patch(&d.name_any(), &p, &Patch::Merge(patch))
                .await?;
        }
    }
    let sets: Api<StatefulSet> = Api::namespaced(client.clone(), ns);
    for s in sets.list(&ListParams::default()).await?.items {
        let replicas = s.spec.replicas.unwrap_or(1);
        if let Some(patch) = scale_patch(s.annotations().get(SUSPENDED_REPLICAS), replicas, suspend)
        {
            sets.patch(&s.name_any(), &p, &Patch::Merge(patch)).await?;
        }
    }
    let crons: Api<CronJob> = Api::namespaced(client.clone(), ns);
    for c in crons.list(&ListParams::default()).await?.items {
        let was = c.spec.suspend.unwrap_or(false);
        let remembered = c.annotations().get(SUSPENDED_CRONJOB).cloned();
        let patch = match (suspend, remembered) {
            // Suspended already by Berth: keep what it remembered.
            (true, Some(_)) => None,
            (true, None) => Some(json!({
                "metadata": { "annotations": { SUSPENDED_CRONJOB: was.to_string() } },
                "spec": { "suspend": true },
            })),
            (false, Some(before)) => Some(json!({
                "metadata": { "annotations": { SUSPENDED_CRONJOB: null } },
                "spec": { "suspend": before == "true" },
            })),
            (false, None) => None,
        };
        if let Some(patch) = patch {
            crons.patch(&c.name_any(), &p, &Patch::Merge(patch)).await?;
        }
    }
    Ok(())
}

/// The patch that suspends (or resumes) a workload with `replicas` now and
/// `remembered` replicas in its annotation; none when there is nothing to do.
fn scale_patch(
    remembered: Option<&String>,
    replicas: i32,
    suspend: bool,
) -> Option<serde_json::Value> {
    match (suspend, remembered) {
        (true, Some(_)) => None,
        (true, None) => Some(json!({
            "metadata": { "annotations": { SUSPENDED_REPLICAS: replicas.to_string() } },
            "spec": { "replicas": 0 },
        })),
        (false, Some(before)) => Some(json!({
            "metadata": { "annotations": { SUSPENDED_REPLICAS: null } },
            "spec": { "replicas": before.parse::<i32>().unwrap_or(1) },
        })),
        (false, None) => None,
    }
}

impl Tenancy<'_> {
    pub async fn suspend_vdc(&self, who: &Principal, id: i64) -> Result<Vdc> {
        self.change_lifecycle(who, id, true).await
    }

    pub async fn resume_vdc(&self, who: &Principal, id: i64) -> Result<Vdc> {
        self.change_lifecycle(who, id, false).await
    }

    async fn change_lifecycle(&self, who: &Principal, id: i64, suspend: bool) -> Result<Vdc> {
        let vdc = self.get_vdc(who, id).await?;
        let scope = Scope::Domain(vdc.domain_id);
        let target = format!("vdc/{}/{}", vdc.domain_name, vdc.name);
        let proof = self
            .authorize(who, Permission::VdcSuspend, scope, &target)
            .await?;
        let action = if suspend { "vdc.suspend" } else { "vdc.resume" };
        self.audited_as(who, proof, action, &target, async |proof| {
            self.set_suspended(proof, &vdc, suspend).await
        })
        .await
    }

    /// Suspends or resumes a VDC: its status first (so nothing new starts
    /// while its workloads stop), then every app space's workloads. Doing
    /// it again finishes what an interrupted attempt left.
    pub(crate) async fn set_suspended(
        &self,
        proof: &Authorized,
        vdc: &Vdc,
        suspend: bool,
    ) -> Result<Vdc> {
        proof.expect(Permission::VdcSuspend, Scope::Domain(vdc.domain_id));
        if suspend {
            self.set_vdc_status(vdc.id, "suspended").await?;
        }
        let spaces = self.app_spaces_of_vdc(vdc.id).await?;
        for a in &spaces {
            if a.state == "deleting" || a.state == "missing" {
                continue;
            }
            let client = self.clusters().handle(a.cluster_id).await?.client();
            set_workloads(&client, &a.name, suspend)
                .await
                .map_err(|e| api_error(e, "id"))?;
        }
        if !suspend {
            self.set_vdc_status(vdc.id, "active").await?;
        }
        self.find_vdc(vdc.id).await?.ok_or(Error::NotFound)
    }

    async fn set_vdc_status(&self, id: i64, status: &str) -> Result<()> {
        let n = self
            .db
            .execute(
                Query::update()
                    .table(Vdcs::Table)
                    .value(Vdcs::Status, status)
                    .and_where(Expr::col(Vdcs::Id).eq(id)),
            )
            .await?;
        if n == 0 {
            return Err(Error::conflict(ErrorCode::NotFound, "the VDC is gone"));
        }
        Ok(())
    }
}
