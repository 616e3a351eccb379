//! Setup shared by the core's tests.
#![allow(dead_code)] // each test crate uses part of it

use berth_api::{DomainInput, VdcInput};
use berth_core::{
    auth::{Principal, RequestMeta, RoleType, Scope},
    db::secrets::Keyring,
    identity::hashing::PasswordParams,
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
    s.identity().ensure_builtin_roles().await.unwrap();
    s
}

/// A new operations admin, `ops`.
pub async fn operator(s: &Services) -> Principal {
    let id = s
        .identity()
        .create_user_with_role(
            "ops",
            "Ops",
            &SecretString::from("ops-password".to_string()),
            Some((RoleType::OperationsAdmin, Scope::Platform)),
        )
        .await
        .unwrap();
    s.identity().principal(id).await.unwrap().unwrap()
}

/// A simulated cluster registered in Berth as `sim`, an operations admin
/// (`ops`), the cluster's id, and a client straight to its API.
pub async fn simulated_cluster(
    t: &TestDb,
    config: SimConfig,
) -> (Services, Principal, i64, kube::Client) {
    let (s, ops, cluster, client, _sim) = simulated_cluster_and_sim(t, config).await;
    (s, ops, cluster, client)
}

/// [`simulated_cluster`], with the simulator itself (for its faults).
pub async fn simulated_cluster_and_sim(
    t: &TestDb,
    config: SimConfig,
) -> (
    Services,
    Principal,
    i64,
    kube::Client,
    berth_kube_sim::Simulator,
) {
    let (addr, sim) = berth_kube_sim::spawn("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let s = services(t, berth_core::testing::keyring()).await;
    let ops = operator(&s).await;
    s.clusters()
        .register_embedded_cluster("sim", &format!("http://{addr}"))
        .await
        .unwrap();
    let cluster = s.clusters().list_clusters(&ops).await.unwrap()[0].id;
    let client =
        kube::Client::try_from(kube::Config::new(format!("http://{addr}").parse().unwrap()))
            .unwrap();
    (s, ops, cluster, client, sim)
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
    let secret = berth_core::identity::totp::from_base32(secret).unwrap();
    format!("{:06}", berth_core::identity::totp::code(&secret, step))
}

/// The current TOTP time step.
pub fn step_now() -> i64 {
    berth_core::identity::totp::step_at(chrono::Utc::now().timestamp())
}

pub fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "req-1".into(),
        source: Some("192.0.2.7".into()),
        session: None,
    }
}

pub fn domain(name: &str) -> DomainInput {
    DomainInput {
        name: name.into(),
        display_name: format!("Domain {name}"),
        description: String::new(),
    }
}

pub fn vdc(domain_id: i64, name: &str) -> VdcInput {
    VdcInput {
        domain_id,
        name: name.into(),
        display_name: format!("VDC {name}"),
        description: String::new(),
    }
}

#[derive(sqlx::FromRow, Debug)]
pub struct AuditRow {
    pub username: String,
    pub source: Option<String>,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub request_id: String,
    pub details: String,
}

pub async fn audit_rows(t: &TestDb) -> Vec<AuditRow> {
    use berth_core::db::schema::AuditEvents as A;
    use sea_query::{Order, Query};
    t.db.fetch_all(
        Query::select()
            .columns([
                A::Username,
                A::Source,
                A::Action,
                A::Target,
                A::Outcome,
                A::RequestId,
                A::Details,
            ])
            .from(A::Table)
            .order_by(A::Id, Order::Asc),
    )
    .await
    .unwrap()
}

pub fn role_input(name: &str, role_type: &str, permissions: &[&str]) -> berth_api::RoleInput {
    berth_api::RoleInput {
        name: name.into(),
        role_type: role_type.into(),
        permissions: permissions.iter().map(|p| p.to_string()).collect(),
    }
}

/// Grants role `role_id` to `user_id` at `scope` (the binding service
/// comes with the users page; its rules have their own tests).
pub async fn bind(
    t: &TestDb,
    user_id: i64,
    role_id: i64,
    kind: &str,
    scope_id: Option<i64>,
) -> i64 {
    use berth_core::db::schema::RoleBindings as B;
    let q = sea_query::Query::insert()
        .into_table(B::Table)
        .columns([B::UserId, B::RoleId, B::ScopeKind, B::ScopeId, B::CreatedAt])
        .values_panic([
            user_id.into(),
            role_id.into(),
            kind.into(),
            scope_id.into(),
            chrono::Utc::now().into(),
        ])
        .to_owned();
    t.db.insert(q).await.unwrap()
}

pub fn grant(
    user_id: i64,
    role_id: i64,
    kind: &str,
    scope_id: Option<i64>,
) -> berth_api::GrantInput {
    berth_api::GrantInput {
        user_id,
        role_id,
        scope_kind: kind.into(),
        scope_id,
    }
}

pub fn from(source: &str) -> RequestMeta {
    RequestMeta {
        request_id: "req-lock".into(),
        source: Some(source.into()),
        session: None,
    }
}

pub fn user_input(username: &str, domain_id: Option<i64>) -> berth_api::UserInput {
    berth_api::UserInput {
        username: username.into(),
        display_name: format!("User {username}"),
        email: format!("{username}@example.com"),
        phone: String::new(),
        domain_id,
        password: "first-password-1".into(),
    }
}

pub fn strict_policy() -> berth_api::PasswordPolicy {
    berth_api::PasswordPolicy {
        min_length: 12,
        require_upper: true,
        require_lower: true,
        require_digit: true,
        require_symbol: true,
        forbid_username: true,
        history: 2,
        max_age_days: 30,
    }
}

pub async fn must_change(s: &Services, id: i64) -> bool {
    s.identity()
        .principal(id)
        .await
        .unwrap()
        .unwrap()
        .must_change_password
}

pub fn ip_rule(domain_id: Option<i64>, action: &str, cidr: &str) -> berth_api::IpRuleInput {
    berth_api::IpRuleInput {
        domain_id,
        action: action.into(),
        cidr: cidr.into(),
        description: String::new(),
    }
}

/// User `id` as they are once past their first sign-in: the password an
/// operator gave them has been changed, so nothing holds them to it.
pub async fn settled(s: &Services, id: i64) -> Principal {
    use berth_core::db::schema::Users;
    use sea_query::{Expr, Query};
    s.db()
        .execute(
            Query::update()
                .table(Users::Table)
                .value(Users::MustChangePassword, false)
                .and_where(Expr::col(Users::Id).eq(id)),
        )
        .await
        .unwrap();
    s.identity().principal(id).await.unwrap().unwrap()
}
