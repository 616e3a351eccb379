//! Tenancy through Berth: domains, VDCs and their quotas. Run against
//! SQLite, PostgreSQL and MariaDB alike (each test gets its own fresh
//! database per dialect), and against the simulator where a cluster takes
//! part.

#[path = "../common/mod.rs"]
mod common;

/// Helpers the tenancy tests share.
mod support {
    use std::collections::BTreeMap;

    use berth_api::{AppSpaceInput, QuotaInput, QuotaOwner};
    use berth_core::{
        auth::{Principal, RoleType, Scope},
        Services,
    };

    use crate::common::{domain, vdc};

    /// Resource key to quantity text, as forms send them.
    pub fn amounts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub fn space(
        vdc_id: i64,
        cluster_id: i64,
        name: &str,
        pairs: &[(&str, &str)],
    ) -> AppSpaceInput {
        AppSpaceInput {
            vdc_id,
            cluster_id,
            name: name.into(),
            display_name: format!("Space {name}"),
            description: String::new(),
            amounts: amounts(pairs),
        }
    }

    /// A domain `acme` with quota, and its VDC `web` with 2 cpu, 4Gi, 10 pods.
    pub async fn tenant(s: &Services, ops: &Principal, cluster: i64) -> (i64, i64) {
        let d = s
            .tenancy()
            .create_domain(ops, domain("acme"))
            .await
            .unwrap();
        let v = s.tenancy().create_vdc(ops, vdc(d.id, "web")).await.unwrap();
        for (owner, pairs) in [
            (
                QuotaOwner::Domain(d.id),
                [("cpu", "4"), ("memory", "8Gi"), ("pods", "20")],
            ),
            (
                QuotaOwner::Vdc(v.id),
                [("cpu", "2"), ("memory", "4Gi"), ("pods", "10")],
            ),
        ] {
            s.tenancy()
                .set_quota(
                    ops,
                    owner,
                    QuotaInput {
                        cluster_id: cluster,
                        amounts: amounts(&pairs),
                    },
                )
                .await
                .unwrap();
        }
        (d.id, v.id)
    }

    /// A new user holding the built-in role of `role` at `scope`.
    pub async fn tenant_user(s: &Services, name: &str, role: RoleType, scope: Scope) -> Principal {
        let id = s
            .identity()
            .create_user_with_role(
                name,
                name,
                &crate::common::secret("pw-tenant-1"),
                Some((role, scope)),
            )
            .await
            .unwrap();
        s.identity().principal(id).await.unwrap().unwrap()
    }
}

mod app_spaces;
mod domains_and_vdcs;
mod lifecycle;
mod members;
mod quotas;
mod reconciler;
mod usage;
