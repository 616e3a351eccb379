//! Tenancy through Berth: domains, VDCs and their quotas. Run against
//! SQLite, PostgreSQL and MariaDB alike (each test gets its own fresh
//! database per dialect), and against the simulator where a cluster takes
//! part.

#[path = "../common/mod.rs"]
mod common;

/// Helpers the tenancy tests share.
mod support {
    use std::collections::BTreeMap;

    use berth_core::{
        auth::{Principal, RoleType, Scope},
        Services,
    };

    /// Resource key to quantity text, as forms send them.
    pub fn amounts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
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
