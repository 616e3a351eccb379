//! Setup shared by the tests that drive clusters through Berth.
#![allow(dead_code)] // each test crate uses part of it

use berth_core::{
    auth::{Principal, RoleType, Scope},
    password::PasswordParams,
    secrets::Keyring,
    testing::TestDb,
    Services,
};
use berth_kube_sim::SimConfig;
use secrecy::SecretString;

/// Cheap password hashing: these tests are not about passwords.
pub const FAST: PasswordParams = PasswordParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

/// Services on the test database, with the built-in roles.
pub async fn services(t: &TestDb, keyring: Keyring) -> Services {
    let s = Services::new(t.db.clone(), FAST, keyring).unwrap();
    s.ensure_builtin_roles().await.unwrap();
    s
}

/// A new operations admin, `ops`.
pub async fn operator(s: &Services) -> Principal {
    let id = s
        .create_user_with_role(
            "ops",
            "Ops",
            &SecretString::from("ops-password".to_string()),
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await
        .unwrap();
    s.principal(id).await.unwrap().unwrap()
}

/// A simulated cluster registered in Berth as `sim`, an operations admin
/// (`ops`), the cluster's id, and a client straight to its API.
pub async fn simulated_cluster(
    t: &TestDb,
    config: SimConfig,
) -> (Services, Principal, i64, kube::Client) {
    let (addr, _sim) = berth_kube_sim::spawn("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let s = services(t, berth_core::testing::keyring()).await;
    let ops = operator(&s).await;
    s.register_embedded_cluster("sim", &format!("http://{addr}"))
        .await
        .unwrap();
    let cluster = s.list_clusters(&ops).await.unwrap()[0].id;
    let client =
        kube::Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap()))
            .unwrap();
    (s, ops, cluster, client)
}

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// The field and code of each field error; panics on any other error.
pub fn field_codes(e: &berth_core::Error) -> Vec<(String, berth_api::ErrorCode)> {
    match e {
        berth_core::Error::Validation(f) => f.iter().map(|f| (f.field.clone(), f.code)).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// The TOTP code of a base32 `secret` at time step `step`.
pub fn totp_code(secret: &str, step: i64) -> String {
    let secret = berth_core::totp::from_base32(secret).unwrap();
    format!("{:06}", berth_core::totp::code(&secret, step))
}

/// The current TOTP time step.
pub fn step_now() -> i64 {
    berth_core::totp::step_at(chrono::Utc::now().timestamp())
}
