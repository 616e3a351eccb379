//! The authorization matrix: every registered endpoint, called by every
//! role type in its own tenant and in another tenant's, and by nobody.
//! Checks the status (401 / 403 / 404 / success) and that no answer holds
//! another tenant's data. A server function missing from the endpoint
//! registry fails this test.

mod support;

use berth_core::auth::{RoleType, Scope};
use berth_server::endpoints::{
    declared_twice, endpoints, server_fn_paths, unregistered_server_fns, Needs,
};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use support::{client, TestApp};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    Operator,
    DomainAdmin,
    VdcAdmin,
    VdcUser,
    NoRole,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Operator,
    Who::DomainAdmin,
    Who::VdcAdmin,
    Who::VdcUser,
    Who::NoRole,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// Objects in the caller's own tenant (domain `alpha`, VDC `alpha-one`).
    Own,
    /// Objects in another tenant (domain `tenant-beta`, VDC `beta-vdc`).
    Other,
}

/// Names that must never appear in a tenant's answers about `Own`.
const OTHER_TENANT: [&str; 2] = ["tenant-beta", "beta-vdc"];
/// A VDC beside the VDC-scoped callers' own, invisible to them.
const SIBLING_VDC: &str = "alpha-sibling";

/// Expected status for (own tenant, other tenant). Written out by hand:
/// deriving it from the authorization code would test nothing.
fn expect(path: &str, who: Who) -> (u16, u16) {
    use Who::*;
    if who == Anonymous {
        return (401, 401);
    }
    match (path, who) {
        ("/api/me", _) => (200, 200),
        ("/api/overview", NoRole) => (403, 403),
        ("/api/overview", _) => (200, 200),
        ("/api/domains/list", Operator | DomainAdmin) => (200, 200),
        ("/api/domains/list", _) => (403, 403),
        ("/api/domains/create", Operator) => (200, 200),
        ("/api/domains/create", _) => (403, 403),
        ("/api/domains/update", Operator) => (200, 200),
        ("/api/domains/update", DomainAdmin) => (403, 404),
        ("/api/domains/update", _) => (404, 404),
        // Both domains hold VDCs, so an allowed delete is refused as a conflict.
        ("/api/domains/delete", Operator) => (409, 409),
        ("/api/domains/delete", DomainAdmin) => (403, 404),
        ("/api/domains/delete", _) => (404, 404),
        ("/api/domains/get", Operator) => (200, 200),
        ("/api/domains/get", DomainAdmin) => (200, 404),
        ("/api/domains/get", _) => (404, 404),
        ("/api/vdcs/get", NoRole) => (404, 404),
        ("/api/vdcs/get", Operator) => (200, 200),
        ("/api/vdcs/get", _) => (200, 404),
        // A VDC's quota: read in the VDC, changed only from its domain.
        ("/api/usage/vdc" | "/usage/export.csv", Operator) => (200, 200),
        ("/api/usage/vdc" | "/usage/export.csv", NoRole) => (404, 404),
        ("/api/usage/vdc" | "/usage/export.csv", _) => (200, 404),
        ("/api/quotas/get", Operator) => (200, 200),
        ("/api/quotas/get", NoRole) => (404, 404),
        ("/api/quotas/get", _) => (200, 404),
        // Allowed, but no cluster has the id given.
        ("/api/quotas/set", Operator) => (422, 422),
        ("/api/quotas/set", DomainAdmin) => (422, 404),
        ("/api/quotas/set", VdcAdmin | VdcUser) => (403, 404),
        ("/api/quotas/set", NoRole) => (404, 404),
        ("/api/appspaces/list", NoRole) => (403, 403),
        ("/api/appspaces/list", _) => (200, 200),
        // Allowed, but no cluster has the id given.
        ("/api/appspaces/create", Operator) => (422, 422),
        ("/api/appspaces/create", DomainAdmin | VdcAdmin) => (422, 404),
        ("/api/appspaces/create", VdcUser) => (403, 404),
        ("/api/appspaces/create", NoRole) => (404, 404),
        // Operators only; allowed, but no cluster has the id given.
        ("/api/appspaces/adopt", Operator) => (422, 422),
        ("/api/appspaces/adopt", DomainAdmin | VdcAdmin | VdcUser) => (403, 404),
        ("/api/appspaces/adopt", NoRole) => (404, 404),
        // No app space has the id given: the same answer for everyone.
        ("/api/appspaces/delete", _) => (404, 404),
        ("/api/vdcs/suspend" | "/api/vdcs/resume", Operator) => (200, 200),
        ("/api/vdcs/suspend" | "/api/vdcs/resume", DomainAdmin) => (200, 404),
        ("/api/vdcs/suspend" | "/api/vdcs/resume", VdcAdmin | VdcUser) => (403, 404),
        ("/api/vdcs/suspend" | "/api/vdcs/resume", NoRole) => (404, 404),
        ("/api/members/list", Operator) => (200, 200),
        ("/api/members/list", NoRole) => (404, 404),
        ("/api/members/list", _) => (200, 404),
        // Allowed, but the domain has no user of that name.
        ("/api/members/add", Operator) => (422, 422),
        ("/api/members/add", DomainAdmin | VdcAdmin) => (422, 404),
        ("/api/members/add", VdcUser) => (403, 404),
        ("/api/members/add", NoRole) => (404, 404),
        // Allowed, but no member has the id given.
        ("/api/members/remove", Operator) => (404, 404),
        ("/api/members/remove", DomainAdmin | VdcAdmin) => (404, 404),
        ("/api/members/remove", VdcUser) => (403, 404),
        ("/api/members/remove", NoRole) => (404, 404),
        ("/api/clusters/tenancy", Operator) => (404, 404),
        ("/api/clusters/tenancy", _) => (403, 403),
        ("/api/vdcs/list", NoRole) => (403, 403),
        ("/api/vdcs/list", _) => (200, 200),
        ("/api/vdcs/create", Operator) => (200, 200),
        // Another tenant's domain is answered as missing, as is a domain
        // the caller has nothing to do with.
        ("/api/vdcs/create", DomainAdmin) => (200, 404),
        ("/api/vdcs/create", VdcAdmin | VdcUser) => (403, 404),
        ("/api/vdcs/create", _) => (404, 404),
        ("/api/vdcs/update", Operator) => (200, 200),
        ("/api/vdcs/update", DomainAdmin | VdcAdmin) => (200, 404),
        ("/api/vdcs/update", VdcUser) => (403, 404),
        ("/api/vdcs/update", NoRole) => (404, 404),
        ("/api/vdcs/delete", Operator) => (200, 200),
        ("/api/vdcs/delete", DomainAdmin) => (200, 404),
        ("/api/vdcs/delete", VdcAdmin | VdcUser) => (403, 404),
        ("/api/vdcs/delete", NoRole) => (404, 404),
        ("/api/clusters/list", Operator) => (200, 200),
        ("/api/clusters/list", _) => (403, 403),
        // Allowed, but the kubeconfig sent is no kubeconfig.
        ("/api/clusters/contexts", Operator) => (422, 422),
        // Allowed, but nothing answers at the address given.
        ("/api/clusters/create", Operator) => (422, 422),
        // Allowed, but no cluster has the id given.
        (
            "/api/clusters/update"
            | "/api/clusters/delete"
            | "/api/clusters/check"
            | "/api/clusters/overview",
            Operator,
        ) => (404, 404),
        // Allowed, but no cluster has the id given.
        ("/api/nodes/list" | "/api/nodes/get" | "/api/nodes/change", Operator) => (404, 404),
        ("/api/nodes/list" | "/api/nodes/get" | "/api/nodes/change", _) => (403, 403),
        (
            "/api/clusters/contexts"
            | "/api/clusters/create"
            | "/api/clusters/update"
            | "/api/clusters/delete"
            | "/api/clusters/check"
            | "/api/clusters/overview",
            _,
        ) => (403, 403),
        ("/api/roles/list", Operator | DomainAdmin | VdcAdmin) => (200, 200),
        ("/api/roles/list", _) => (403, 403),
        ("/api/roles/create" | "/api/roles/update" | "/api/roles/delete", Operator) => (200, 200),
        ("/api/roles/create" | "/api/roles/update" | "/api/roles/delete", _) => (403, 403),
        ("/api/grants/create" | "/api/grants/delete", Operator) => (200, 200),
        ("/api/grants/create" | "/api/grants/delete", DomainAdmin | VdcAdmin) => (200, 404),
        ("/api/grants/create" | "/api/grants/delete", VdcUser) => (403, 404),
        ("/api/grants/create" | "/api/grants/delete", NoRole) => (404, 404),
        ("/api/grants/list", Operator | DomainAdmin | VdcAdmin) => (200, 200),
        ("/api/grants/list", _) => (403, 403),
        ("/api/sessions/list", _) => (200, 200),
        // Only one's own sessions can be ended; any other id is unknown.
        ("/api/sessions/revoke", _) => (404, 404),
        ("/api/sessions/revoke-user", Operator) => (200, 200),
        ("/api/sessions/revoke-user", _) => (403, 403),
        ("/api/users/list", Operator | DomainAdmin) => (200, 200),
        ("/api/users/list", _) => (403, 403),
        ("/api/users/create", Operator) => (200, 200),
        ("/api/users/create", DomainAdmin) => (200, 404),
        ("/api/users/create", VdcAdmin | VdcUser) => (403, 404),
        ("/api/users/create", _) => (404, 404),
        (
            "/api/users/set-disabled"
            | "/api/users/reset-password"
            | "/api/users/update"
            | "/api/users/delete",
            Operator,
        ) => (200, 200),
        (
            "/api/users/set-disabled"
            | "/api/users/reset-password"
            | "/api/users/update"
            | "/api/users/delete",
            DomainAdmin,
        ) => (200, 404),
        (
            "/api/users/set-disabled"
            | "/api/users/reset-password"
            | "/api/users/update"
            | "/api/users/delete",
            _,
        ) => (404, 404),
        // Linking single sign-on accounts is for operators alone.
        ("/api/users/link-sso", Operator) => (200, 200),
        ("/api/users/link-sso", DomainAdmin) => (403, 404),
        ("/api/users/link-sso", _) => (404, 404),
        ("/api/security/password-policy", _) => (200, 200),
        ("/api/security/password-policy/update", Operator) => (200, 200),
        ("/api/security/password-policy/update", _) => (403, 403),
        // Reached by everyone; the current password given is wrong.
        ("/api/account/password", _) => (422, 422),
        ("/api/account/2fa", _) => (200, 200),
        // Reached by everyone; the current password given is wrong.
        ("/api/account/2fa/begin", _) => (422, 422),
        // The code given is wrong for everyone.
        // No set-up was begun (the password was wrong), so nothing to confirm.
        ("/api/account/2fa/confirm", _) => (409, 409),
        // The password given is wrong for everyone.
        ("/api/account/2fa/disable", _) => (422, 422),
        ("/api/security/two-factor-policy", Operator | DomainAdmin) => (200, 200),
        ("/api/security/two-factor-policy", _) => (403, 403),
        ("/api/security/two-factor-policy/update", Operator) => (200, 200),
        ("/api/security/two-factor-policy/update", _) => (403, 403),
        ("/api/locks/list" | "/api/locks/lift", Operator) => (200, 200),
        ("/api/locks/list" | "/api/locks/lift", _) => (403, 403),
        ("/api/audit/list", NoRole) => (403, 403),
        ("/api/audit/list", _) => (200, 200),
        ("/audit/export.csv", Operator | DomainAdmin) => (200, 200),
        ("/audit/export.csv", _) => (403, 403),
        // Allowed, but no cluster has the id given (so no stream is opened).
        ("/live/cluster-changes", Operator) => (404, 404),
        ("/live/cluster-changes", _) => (403, 403),
        ("/api/ip-rules/list", Operator | DomainAdmin) => (200, 200),
        ("/api/ip-rules/list", _) => (403, 403),
        ("/api/ip-rules/create", Operator) => (200, 200),
        ("/api/ip-rules/create", DomainAdmin) => (200, 404),
        ("/api/ip-rules/create", VdcAdmin | VdcUser) => (403, 404),
        ("/api/ip-rules/create", _) => (404, 404),
        ("/api/ip-rules/delete", Operator) => (200, 200),
        ("/api/ip-rules/delete", DomainAdmin) => (200, 404),
        ("/api/ip-rules/delete", _) => (404, 404),
        _ => panic!("the matrix has no expectation for {path} as {who:?}: add one"),
    }
}

struct Fixture {
    /// The built-in vdc-user role, granted in the grant checks.
    vdc_user_role: i64,
    /// A custom role the role checks edit.
    custom_role: i64,
    alpha: i64,
    beta: i64,
    alpha_one: i64,
    beta_one: i64,
    ops: Client,
}

async fn create(app: &TestApp, c: &Client, endpoint: &str, body: Value) -> i64 {
    let (status, v, _) = app.call(c, endpoint, body).await;
    assert_eq!(status, StatusCode::OK, "{endpoint}: {v}");
    v["id"].as_i64().unwrap()
}

async fn fixture(app: &TestApp) -> Fixture {
    // Every caller tries wrong current passwords on the account calls; the
    // lockout they would earn is tested elsewhere.
    for (name, value) in [
        ("lockout.max_failures", "100000"),
        ("lockout.max_failures_per_source", "100000"),
    ] {
        app.services
            .identity()
            .put_setting(name, value)
            .await
            .unwrap();
    }
    let ops = app.admin().await;
    let alpha = create(
        app,
        &ops,
        "domains/create",
        json!({"input": {"name": "alpha", "display_name": "Alpha"}}),
    )
    .await;
    let beta = create(
        app,
        &ops,
        "domains/create",
        json!({"input": {"name": "tenant-beta", "display_name": "Beta"}}),
    )
    .await;
    let vdc = |domain_id: i64, name: &str| json!({"input": {"domain_id": domain_id, "name": name, "display_name": name}});
    let alpha_one = create(app, &ops, "vdcs/create", vdc(alpha, "alpha-one")).await;
    create(app, &ops, "vdcs/create", vdc(alpha, SIBLING_VDC)).await;
    let beta_one = create(app, &ops, "vdcs/create", vdc(beta, "beta-vdc")).await;
    let (_, roles, _) = app.call(&ops, "roles/list", json!({})).await;
    let vdc_user_role = roles
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "vdc-user")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let custom_role = create(app, &ops, "roles/create", role_body("m-custom")).await;
    Fixture {
        vdc_user_role,
        custom_role,
        alpha,
        beta,
        alpha_one,
        beta_one,
        ops,
    }
}

async fn caller(app: &TestApp, f: &Fixture, who: Who) -> Client {
    let own_vdc = Scope::Vdc {
        domain_id: f.alpha,
        vdc_id: f.alpha_one,
    };
    match who {
        Who::Anonymous => client(),
        Who::Operator => app.admin().await,
        Who::DomainAdmin => {
            app.user_with_role(
                "m-domain-admin",
                Some((RoleType::DomainAdmin, Scope::Domain(f.alpha))),
            )
            .await
        }
        Who::VdcAdmin => {
            app.user_with_role("m-vdc-admin", Some((RoleType::VdcAdmin, own_vdc)))
                .await
        }
        Who::VdcUser => {
            app.user_with_role("m-vdc-user", Some((RoleType::VdcUser, own_vdc)))
                .await
        }
        Who::NoRole => app.user_with_role("m-no-role", None).await,
    }
}

/// A signed-in client for each kind of caller.
/// The permission keys `c` holds anywhere (none when signed out).
async fn permissions_of(app: &TestApp, c: &Client) -> Vec<String> {
    let (status, me, _) = app.call(c, "me", json!({})).await;
    if !status.is_success() {
        return vec![];
    }
    me["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect()
}

async fn everyone(app: &TestApp, f: &Fixture) -> Vec<(Who, Client)> {
    let mut callers = vec![];
    for who in EVERYONE {
        callers.push((who, caller(app, f, who).await));
    }
    callers
}

fn role_body(name: &str) -> Value {
    json!({"input": {"name": name, "role_type": "vdc_user", "permissions": ["vdc.read"]}})
}

/// A user of `domain` holding nothing, to receive grants.
async fn fresh_user(app: &TestApp, f: &Fixture, domain: i64, n: usize) -> i64 {
    let input = json!({"input": {"username": format!("m-user-{n}"), "display_name": "M", "domain_id": domain, "password": "m-password-1"}});
    create(app, &f.ops, "users/create", input).await
}

/// The request body for `path` aimed at `target`.
async fn body(app: &TestApp, f: &Fixture, path: &str, who: Who, target: Target, n: usize) -> Value {
    let (domain, vdc) = match target {
        Target::Own => (f.alpha, f.alpha_one),
        Target::Other => (f.beta, f.beta_one),
    };
    let fresh_name = format!("m-{n}");
    match path {
        "/api/me" | "/api/overview" | "/api/clusters/list" => json!({}),
        "/api/clusters/contexts" => json!({"kubeconfig": "not: [a kubeconfig"}),
        "/api/clusters/create" => json!({"input": {
            "name": fresh_name, "method": "token", "api_url": "https://127.0.0.1:1", "token": "t"}}),
        "/api/clusters/update" => json!({"id": 999_999, "input": {
            "name": "x", "method": "token", "api_url": "https://127.0.0.1:1", "token": "t"}}),
        "/api/clusters/delete" | "/api/clusters/check" | "/api/clusters/overview" => {
            json!({"id": 999_999})
        }
        "/api/nodes/list" => json!({"cluster_id": 999_999, "query": {}}),
        "/api/nodes/get" => json!({"cluster_id": 999_999, "name": "n1"}),
        "/api/nodes/change" => {
            json!({"cluster_id": 999_999, "name": "n1", "change": {"action": "cordon"}})
        }
        "/api/domains/list" => json!({"query": {"per_page": 200}}),
        "/api/domains/create" => json!({"input": {"name": fresh_name, "display_name": "M"}}),
        "/api/domains/update" => {
            json!({"id": domain, "input": {"name": "ignored", "display_name": "Updated"}})
        }
        "/api/domains/delete" => json!({"id": domain}),
        "/api/vdcs/list" => json!({"domain_id": null, "query": {"per_page": 200}}),
        "/api/domains/get" => json!({"id": domain}),
        "/api/vdcs/get" => json!({"id": vdc}),
        "/api/quotas/get" => json!({"owner": {"kind": "vdc", "id": vdc}}),
        "/api/usage/vdc" => json!({"id": vdc}),
        "/usage/export.csv" => json!({"vdc": vdc}),
        "/api/quotas/set" => json!({"owner": {"kind": "vdc", "id": vdc},
            "input": {"cluster_id": 999_999, "amounts": {"cpu": "1"}}}),
        "/api/appspaces/list" => json!({"vdc_id": vdc, "query": {"per_page": 200}}),
        "/api/members/list" => json!({"vdc_id": vdc, "query": {"per_page": 200}}),
        "/api/members/add" => {
            json!({"vdc_id": vdc, "input": {"username": format!("nobody-{n}"), "role_id": f.vdc_user_role}})
        }
        "/api/members/remove" => json!({"vdc_id": vdc, "user_id": 999_999}),
        "/api/appspaces/create" => json!({"input": {"vdc_id": vdc, "cluster_id": 999_999,
            "name": fresh_name, "display_name": "M"}}),
        "/api/appspaces/delete" => json!({"id": 999_999, "confirm": "x"}),
        "/api/appspaces/adopt" => {
            json!({"input": {"vdc_id": vdc, "cluster_id": 999_999, "name": fresh_name}})
        }
        "/api/clusters/tenancy" => json!({"id": 999_999,
            "input": {"overcommit_percent": 150, "ingress_namespace": "ingress-nginx"}}),
        "/api/vdcs/create" => {
            json!({"input": {"domain_id": domain, "name": fresh_name, "display_name": "M"}})
        }
        "/api/vdcs/update" => {
            json!({"id": vdc, "input": {"domain_id": domain, "name": "x", "display_name": "Updated"}})
        }
        "/api/vdcs/delete" => {
            // VDC-scoped callers aim at their own VDC (and must be refused);
            // everyone else at a throwaway VDC so an allowed delete keeps
            // the fixture intact.
            let id = if target == Target::Own && matches!(who, Who::VdcAdmin | Who::VdcUser) {
                f.alpha_one
            } else {
                let input = json!({"input": {"domain_id": domain, "name": fresh_name, "display_name": "Throwaway"}});
                create(app, &f.ops, "vdcs/create", input).await
            };
            json!({"id": id})
        }
        // As for deletion: VDC-scoped callers at their own VDC, everyone
        // else at a throwaway one, so the fixture's VDCs stay active.
        "/api/vdcs/suspend" | "/api/vdcs/resume" => {
            let id = if target == Target::Own && matches!(who, Who::VdcAdmin | Who::VdcUser) {
                f.alpha_one
            } else {
                let input = json!({"input": {"domain_id": domain, "name": fresh_name, "display_name": "Throwaway"}});
                create(app, &f.ops, "vdcs/create", input).await
            };
            json!({"id": id})
        }
        "/api/roles/list" => json!({}),
        "/api/roles/create" => role_body(&fresh_name),
        "/api/roles/update" => {
            let mut b = role_body(&fresh_name);
            b["id"] = json!(f.custom_role);
            b
        }
        // A throwaway role, so an allowed delete keeps the fixture intact.
        "/api/roles/delete" => {
            json!({"id": create(app, &f.ops, "roles/create", role_body(&fresh_name)).await})
        }
        "/api/grants/create" => {
            let user = fresh_user(app, f, domain, n).await;
            json!({"input": {"user_id": user, "role_id": f.vdc_user_role, "scope_kind": "vdc", "scope_id": vdc}})
        }
        "/api/grants/delete" => {
            let user = fresh_user(app, f, domain, n).await;
            let input = json!({"input": {"user_id": user, "role_id": f.vdc_user_role, "scope_kind": "vdc", "scope_id": vdc}});
            json!({"id": create(app, &f.ops, "grants/create", input).await})
        }
        // A user holding a VDC role in the target tenant.
        "/api/grants/list" => {
            let user = fresh_user(app, f, domain, n).await;
            let input = json!({"input": {"user_id": user, "role_id": f.vdc_user_role, "scope_kind": "vdc", "scope_id": vdc}});
            create(app, &f.ops, "grants/create", input).await;
            json!({"user_id": user})
        }
        "/api/sessions/list" => json!({}),
        // Own: an id that is nobody's; other: the operator's own session.
        "/api/sessions/revoke" => match target {
            Target::Own => json!({"id": "not-a-session"}),
            Target::Other => {
                let (_, sessions, _) = app.call(&f.ops, "sessions/list", json!({})).await;
                let id = sessions[0]["id"].clone();
                if who == Who::Operator {
                    json!({"id": "also-not-a-session"})
                } else {
                    json!({"id": id})
                }
            }
        },
        "/api/sessions/revoke-user" => json!({"user_id": fresh_user(app, f, domain, n).await}),
        "/api/users/list" => json!({"query": {"per_page": 200}}),
        "/api/users/create" => {
            json!({"input": {"username": fresh_name, "display_name": "M", "domain_id": domain, "password": "m-password-1"}})
        }
        "/api/users/set-disabled"
        | "/api/users/reset-password"
        | "/api/users/update"
        | "/api/users/delete"
        | "/api/users/link-sso" => {
            // A throwaway user in the target tenant's domain.
            let id = fresh_user(app, f, domain, n).await;
            match path {
                "/api/users/set-disabled" => json!({"id": id, "disabled": true}),
                "/api/users/reset-password" => json!({"id": id, "password": "new-password-1"}),
                "/api/users/update" => json!({"id": id, "input": {"display_name": "Renamed"}}),
                "/api/users/link-sso" => {
                    json!({"id": id, "issuer": "https://idp.example", "subject": format!("m-sub-{n}")})
                }
                _ => json!({"id": id}),
            }
        }
        "/api/security/password-policy" => json!({}),
        // The policy in force by default, so other checks are unaffected.
        "/api/security/password-policy/update" => json!({"policy": {
            "min_length": 8, "require_upper": false, "require_lower": false,
            "require_digit": false, "require_symbol": false, "forbid_username": true,
            "history": 0, "max_age_days": 0
        }}),
        "/api/account/password" => {
            json!({"current_password": "not-the-password", "new_password": "Another-Password-9"})
        }
        "/api/account/2fa" => json!({}),
        "/api/account/2fa/begin" => json!({"password": "not-the-password"}),
        // Never a code: letters; and never the password.
        "/api/account/2fa/confirm" => json!({"code": "abcdef"}),
        "/api/account/2fa/disable" => json!({"password": "not-the-password", "code": "abcdef"}),
        "/api/security/two-factor-policy" => json!({}),
        // Nobody required, so no caller is held to enrolment.
        "/api/security/two-factor-policy/update" => json!({"policy": {}}),
        "/api/locks/list" => json!({}),
        "/api/locks/lift" => json!({"username": format!("nobody-{n}")}),
        "/api/audit/list" => json!({"query": {"per_page": 200}}),
        "/audit/export.csv" => json!({}),
        "/live/cluster-changes" => json!({"cluster_id": 999_999}),
        // Deny rules for a documentation network: nobody here is refused.
        "/api/ip-rules/list" => json!({}),
        "/api/ip-rules/create" => {
            json!({"input": {"domain_id": domain, "action": "deny", "cidr": format!("192.0.2.{}", n % 250)}})
        }
        "/api/ip-rules/delete" => {
            let input = json!({"input": {"domain_id": domain, "action": "deny", "cidr": format!("198.51.100.{}", n % 250)}});
            json!({"id": create(app, &f.ops, "ip-rules/create", input).await})
        }
        other => panic!("the matrix cannot build a request for {other}: add one"),
    }
}

#[test]
fn every_server_function_is_registered_with_its_permission() {
    assert_eq!(
        unregistered_server_fns(),
        Vec::<String>::new(),
        "declare these with endpoint! beside the server function"
    );
    assert_eq!(declared_twice(), Vec::<&str>::new(), "declared twice");
    let registered = server_fn_paths();
    for e in endpoints().iter().filter(|e| e.path.starts_with("/api/")) {
        assert!(
            registered.iter().any(|p| p == e.path),
            "{} is registered but no server function serves it",
            e.path
        );
    }
}

http_test!(authorization_matrix, |app: TestApp| async move {
    let f = fixture(&app).await;
    let callers = everyone(&app, &f).await;
    let mut held = std::collections::HashMap::new();
    for (who, c) in &callers {
        held.insert(*who, permissions_of(&app, c).await);
    }
    let endpoints = endpoints();
    let mut checks = 0;
    let mut n = 0;
    for endpoint in &endpoints {
        if endpoint.needs == Needs::Nobody {
            // Public routes must never ask for a session.
            let url = app.url(&endpoint.path.replace("{tag}", "en"));
            let res = if endpoint.method == "GET" {
                client().get(url)
            } else {
                client().post(url)
            }
            .send()
            .await
            .unwrap();
            assert_ne!(res.status(), StatusCode::UNAUTHORIZED, "{}", endpoint.path);
            checks += 1;
            continue;
        }
        let name = endpoint.path.trim_start_matches("/api/");
        for (who, c) in &callers {
            let (own, other) = expect(endpoint.path, *who);
            // The declaration beside the endpoint agrees with what it does:
            // whoever gets through holds what it declares.
            if let Needs::Permission(p) = endpoint.needs {
                for want in [own, other] {
                    assert!(
                        !(200..300).contains(&want) || held[who].iter().any(|k| k == p.key()),
                        "{} declares {} but {who:?}, who lacks it, is let through",
                        endpoint.path,
                        p.key()
                    );
                }
            }
            for (target, want) in [(Target::Own, own), (Target::Other, other)] {
                n += 1;
                let req = body(&app, &f, endpoint.path, *who, target, n).await;
                let (status, answer) = if endpoint.method == "GET" {
                    // Plain routes take their arguments as a query string.
                    let res = c
                        .get(app.url(endpoint.path))
                        .query(&req)
                        .send()
                        .await
                        .unwrap();
                    (res.status(), Value::String(res.text().await.unwrap()))
                } else {
                    let (status, answer, _) = app.call(c, name, req).await;
                    (status, answer)
                };
                assert_eq!(
                    status.as_u16(),
                    want,
                    "{} as {who:?} on {target:?}: {answer}",
                    endpoint.path
                );
                if *who != Who::Operator && status.is_success() {
                    let text = answer.to_string();
                    for leak in OTHER_TENANT {
                        assert!(
                            !text.contains(leak),
                            "{} as {who:?} leaks {leak}: {text}",
                            endpoint.path
                        );
                    }
                    if matches!(who, Who::VdcAdmin | Who::VdcUser) {
                        assert!(
                            !text.contains(SIBLING_VDC),
                            "{} as {who:?} shows a sibling VDC",
                            endpoint.path
                        );
                    }
                }
                checks += 1;
            }
        }
    }
    let scoped = endpoints
        .iter()
        .filter(|e| e.needs != Needs::Nobody)
        .count();
    println!(
        "authorization matrix: {scoped} endpoints x {} callers x 2 scopes + {} public routes = {checks} checks, covering all {} registered endpoints",
        EVERYONE.len(),
        endpoints.len() - scoped,
        endpoints.len()
    );
    assert_eq!(
        checks,
        scoped * EVERYONE.len() * 2 + (endpoints.len() - scoped)
    );
});

/// Expected status when `who` manages (or grants a role to) a user homed in
/// the caller's own domain `alpha` who also holds a role in `tenant-beta`,
/// and when `who` grants to a user homed in `tenant-beta`. Written by hand.
fn expect_foreign_user(path: &str, who: Who) -> u16 {
    use Who::*;
    match (path, who) {
        (_, Anonymous) => 401,
        (_, Operator) => 200,
        // The domain admin sees the user (homed in alpha) but does not
        // reach the role in beta.
        (
            "users/set-disabled" | "users/reset-password" | "users/update" | "users/delete",
            DomainAdmin,
        ) => 403,
        ("users/set-disabled" | "users/reset-password" | "users/update" | "users/delete", _) => 404,
        // A user of another domain answers like a user that does not exist.
        ("grants/create", DomainAdmin | VdcAdmin) => 422,
        ("grants/create", VdcUser) => 403,
        ("grants/create", NoRole) => 404,
        _ => panic!("no expectation for {path} as {who:?}"),
    }
}

http_test!(
    managing_or_granting_to_a_user_of_another_scope,
    |app: TestApp| async move {
        let f = fixture(&app).await;
        let callers = everyone(&app, &f).await;
        let mut checks = 0;
        let mut n = 0;
        for (who, c) in &callers {
            for path in [
                "users/set-disabled",
                "users/reset-password",
                "users/update",
                "users/delete",
                "grants/create",
            ] {
                n += 1;
                let body = if path == "grants/create" {
                    // Homed in beta, granted a VDC role in alpha's VDC.
                    let user = fresh_user(&app, &f, f.beta, 10_000 + n).await;
                    json!({"input": {"user_id": user, "role_id": f.vdc_user_role, "scope_kind": "vdc", "scope_id": f.alpha_one}})
                } else {
                    // Homed in alpha, holding a VDC role in beta.
                    let user = fresh_user(&app, &f, f.alpha, 10_000 + n).await;
                    let grant = json!({"input": {"user_id": user, "role_id": f.vdc_user_role, "scope_kind": "vdc", "scope_id": f.beta_one}});
                    create(&app, &f.ops, "grants/create", grant).await;
                    match path {
                        "users/set-disabled" => json!({"id": user, "disabled": true}),
                        "users/reset-password" => json!({"id": user, "password": "taken-over-1"}),
                        "users/update" => json!({"id": user, "input": {"display_name": "Taken"}}),
                        _ => json!({"id": user}),
                    }
                };
                let (status, answer, _) = app.call(c, path, body).await;
                assert_eq!(
                    status.as_u16(),
                    expect_foreign_user(path, *who),
                    "{path} as {who:?} on a user of another scope: {answer}"
                );
                if *who != Who::Operator {
                    for leak in OTHER_TENANT {
                        assert!(
                            !answer.to_string().contains(leak),
                            "{path} as {who:?} leaks {leak}"
                        );
                    }
                    assert!(
                        !answer.to_string().contains("m-user-"),
                        "{path} as {who:?} names the user: {answer}"
                    );
                }
                checks += 1;
            }
        }
        println!("authorization matrix, users of another scope: {checks} checks");
        assert_eq!(checks, EVERYONE.len() * 5);
    }
);
