//! The two-tenant world the attacker tests run in, and their helpers.
#![allow(dead_code)]

use super::common::{self, operator};
use berth_api::{DomainInput, GrantInput, UserInput, VdcInput};
use berth_core::{
    auth::{Principal, RequestMeta, RoleType, Scope},
    db::session_store::{DbSessionStore, PUBLIC_ID_KEY, SIGNED_IN_KEY, USER_ID_KEY},
    testing::TestDb,
    Error, Services,
};
use tower_sessions::{
    session::{Id, Record},
    SessionStore,
};

pub const FIRST_PASSWORD: &str = "first-password-1";

pub async fn services(t: &TestDb) -> Services {
    common::services(t, berth_core::testing::keyring()).await
}

pub fn meta() -> RequestMeta {
    RequestMeta {
        request_id: "req-sec".into(),
        source: Some("192.0.2.9".into()),
        session: None,
    }
}

pub fn domain(name: &str) -> DomainInput {
    DomainInput {
        name: name.into(),
        display_name: name.into(),
        description: String::new(),
    }
}

pub fn vdc(domain_id: i64, name: &str) -> VdcInput {
    VdcInput {
        domain_id,
        name: name.into(),
        display_name: name.into(),
        description: String::new(),
    }
}

pub fn user(username: &str, domain_id: Option<i64>) -> UserInput {
    UserInput {
        username: username.into(),
        display_name: format!("User {username}"),
        email: String::new(),
        phone: String::new(),
        domain_id,
        password: FIRST_PASSWORD.into(),
    }
}

/// The built-in role of `t`'s id.
pub async fn builtin(s: &Services, ops: &Principal, t: RoleType) -> i64 {
    s.identity()
        .list_roles(ops)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == t.builtin_role_name())
        .unwrap()
        .id
}

/// Grants `t`'s built-in role to `user_id` at `scope` (as the operator).
pub async fn grant(s: &Services, ops: &Principal, user_id: i64, t: RoleType, scope: Scope) {
    let (kind, id) = scope.columns();
    s.identity()
        .grant_role(
            ops,
            GrantInput {
                user_id,
                role_id: builtin(s, ops, t).await,
                scope_kind: kind.into(),
                scope_id: id,
            },
        )
        .await
        .unwrap();
}

/// A user homed in `domain_id`, holding `t` at `scope`, signed in.
pub async fn member(
    s: &Services,
    ops: &Principal,
    name: &str,
    domain_id: Option<i64>,
    role: Option<(RoleType, Scope)>,
) -> Principal {
    let u = s
        .identity()
        .create_user(ops, user(name, domain_id))
        .await
        .unwrap();
    if let Some((t, scope)) = role {
        grant(s, ops, u.id, t, scope).await;
    }
    common::settled(s, u.id).await
}

/// A live session for `user_id` in the database, as a sign-in leaves one.
pub async fn session_for(t: &TestDb, user_id: i64) -> Record {
    let store = DbSessionStore::new(t.db.clone());
    let now = time::OffsetDateTime::now_utc();
    let mut record = Record {
        id: Id::default(),
        data: [
            (USER_ID_KEY.to_owned(), serde_json::json!(user_id)),
            (
                PUBLIC_ID_KEY.to_owned(),
                serde_json::json!(uuid::Uuid::new_v4().simple().to_string()),
            ),
            (
                SIGNED_IN_KEY.to_owned(),
                serde_json::json!(now.unix_timestamp()),
            ),
        ]
        .into_iter()
        .collect(),
        expiry_date: now + time::Duration::hours(1),
    };
    store.create(&mut record).await.unwrap();
    record
}

pub async fn live(t: &TestDb, record: &Record) -> bool {
    DbSessionStore::new(t.db.clone())
        .load(&record.id)
        .await
        .unwrap()
        .is_some()
}

/// The whole answer, for comparing two refusals as a client sees them.
pub fn seen(e: Error) -> berth_api::AppError {
    e.into_app_error("-")
}

/// Two tenants: domains `alpha` (with VDC `a-one`) and `beta` (with VDC
/// `b-one`), and `alpha-admin`, homed in alpha and its domain admin.
pub struct Tenants {
    pub s: Services,
    pub ops: Principal,
    pub a: berth_api::Domain,
    pub b: berth_api::Domain,
    /// The id of VDC `a-one`.
    pub a1: i64,
    pub in_a1: Scope,
    pub in_b1: Scope,
    pub admin: Principal,
}

pub async fn tenants(t: &TestDb) -> Tenants {
    let s = services(t).await;
    let ops = operator(&s).await;
    let a = s
        .tenancy()
        .create_domain(&ops, domain("alpha"))
        .await
        .unwrap();
    let b = s
        .tenancy()
        .create_domain(&ops, domain("beta"))
        .await
        .unwrap();
    let a1 = s
        .tenancy()
        .create_vdc(&ops, vdc(a.id, "a-one"))
        .await
        .unwrap();
    let b1 = s
        .tenancy()
        .create_vdc(&ops, vdc(b.id, "b-one"))
        .await
        .unwrap();
    let admin = member(
        &s,
        &ops,
        "alpha-admin",
        Some(a.id),
        Some((RoleType::DomainAdmin, Scope::Domain(a.id))),
    )
    .await;
    Tenants {
        a1: a1.id,
        in_a1: Scope::Vdc {
            domain_id: a.id,
            vdc_id: a1.id,
        },
        in_b1: Scope::Vdc {
            domain_id: b.id,
            vdc_id: b1.id,
        },
        s,
        ops,
        a,
        b,
        admin,
    }
}
