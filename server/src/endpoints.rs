//! The registry of every HTTP endpoint a client can call, with the
//! permission it needs. The authorization matrix test walks this list and
//! fails when a server function exists that is not listed here, so no
//! endpoint can appear without being checked for every role and tenant.

use berth_core::auth::Permission;

/// What an endpoint requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Anyone, signed in or not.
    Nobody,
    /// Any signed-in user.
    Session,
    /// A signed-in user holding this permission where the object lives.
    Permission(Permission),
}

#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
}

const fn server_fn(path: &'static str, needs: Needs) -> Endpoint {
    Endpoint {
        method: "POST",
        path,
        needs,
    }
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: "GET",
        path: "/healthz",
        needs: Needs::Nobody,
    },
    Endpoint {
        method: "GET",
        path: "/readyz",
        needs: Needs::Nobody,
    },
    Endpoint {
        method: "GET",
        path: "/leaderz",
        needs: Needs::Nobody,
    },
    Endpoint {
        method: "POST",
        path: "/auth/login",
        needs: Needs::Nobody,
    },
    Endpoint {
        method: "POST",
        path: "/auth/logout",
        needs: Needs::Nobody,
    },
    Endpoint {
        method: "GET",
        path: "/lang/{tag}",
        needs: Needs::Nobody,
    },
    server_fn("/api/me", Needs::Session),
    server_fn("/api/overview", Needs::Permission(Permission::OverviewRead)),
    server_fn(
        "/api/domains/list",
        Needs::Permission(Permission::DomainRead),
    ),
    server_fn(
        "/api/domains/create",
        Needs::Permission(Permission::DomainCreate),
    ),
    server_fn(
        "/api/domains/update",
        Needs::Permission(Permission::DomainUpdate),
    ),
    server_fn(
        "/api/domains/delete",
        Needs::Permission(Permission::DomainDelete),
    ),
    server_fn("/api/vdcs/list", Needs::Permission(Permission::VdcRead)),
    server_fn("/api/vdcs/create", Needs::Permission(Permission::VdcCreate)),
    server_fn("/api/vdcs/update", Needs::Permission(Permission::VdcUpdate)),
    server_fn("/api/vdcs/delete", Needs::Permission(Permission::VdcDelete)),
    server_fn(
        "/api/clusters/list",
        Needs::Permission(Permission::ClusterRead),
    ),
    server_fn(
        "/api/clusters/contexts",
        Needs::Permission(Permission::ClusterCreate),
    ),
    server_fn(
        "/api/clusters/create",
        Needs::Permission(Permission::ClusterCreate),
    ),
    server_fn(
        "/api/clusters/update",
        Needs::Permission(Permission::ClusterUpdate),
    ),
    server_fn(
        "/api/clusters/delete",
        Needs::Permission(Permission::ClusterDelete),
    ),
    server_fn(
        "/api/clusters/check",
        Needs::Permission(Permission::ClusterRead),
    ),
    server_fn(
        "/api/clusters/overview",
        Needs::Permission(Permission::ClusterRead),
    ),
    server_fn("/api/nodes/list", Needs::Permission(Permission::NodeRead)),
    server_fn("/api/nodes/get", Needs::Permission(Permission::NodeRead)),
    // The permission depends on the change: cordon (as the matrix sends),
    // drain and maintenance, or labels and taints.
    server_fn(
        "/api/nodes/change",
        Needs::Permission(Permission::NodeCordon),
    ),
    server_fn("/api/roles/list", Needs::Permission(Permission::RoleRead)),
    server_fn(
        "/api/roles/create",
        Needs::Permission(Permission::RoleManage),
    ),
    server_fn(
        "/api/roles/update",
        Needs::Permission(Permission::RoleManage),
    ),
    server_fn(
        "/api/roles/delete",
        Needs::Permission(Permission::RoleManage),
    ),
    server_fn(
        "/api/grants/create",
        Needs::Permission(Permission::RoleBind),
    ),
    server_fn(
        "/api/grants/delete",
        Needs::Permission(Permission::RoleBind),
    ),
    server_fn("/api/grants/list", Needs::Permission(Permission::RoleRead)),
    // A user's own sessions: any signed-in user, for themselves only.
    server_fn("/api/sessions/list", Needs::Session),
    server_fn("/api/sessions/revoke", Needs::Session),
    server_fn(
        "/api/sessions/revoke-user",
        Needs::Permission(Permission::SessionRevoke),
    ),
    server_fn("/api/users/list", Needs::Permission(Permission::UserRead)),
    server_fn(
        "/api/users/create",
        Needs::Permission(Permission::UserCreate),
    ),
    server_fn(
        "/api/users/set-disabled",
        Needs::Permission(Permission::UserUpdate),
    ),
    server_fn(
        "/api/users/reset-password",
        Needs::Permission(Permission::UserPasswordReset),
    ),
    server_fn(
        "/api/users/update",
        Needs::Permission(Permission::UserUpdate),
    ),
    server_fn(
        "/api/users/delete",
        Needs::Permission(Permission::UserDelete),
    ),
    server_fn(
        "/api/users/link-sso",
        Needs::Permission(Permission::UserUpdate),
    ),
    // Everyone choosing a password sees the rules; operators change them.
    server_fn("/api/security/password-policy", Needs::Session),
    server_fn(
        "/api/security/password-policy/update",
        Needs::Permission(Permission::SecurityPolicyUpdate),
    ),
    // One's own password, proven by the current one.
    server_fn("/api/account/password", Needs::Session),
    // One's own second factor.
    server_fn("/api/account/2fa", Needs::Session),
    server_fn("/api/account/2fa/begin", Needs::Session),
    server_fn("/api/account/2fa/confirm", Needs::Session),
    server_fn("/api/account/2fa/disable", Needs::Session),
    server_fn(
        "/api/security/two-factor-policy",
        Needs::Permission(Permission::SecurityPolicyRead),
    ),
    server_fn(
        "/api/security/two-factor-policy/update",
        Needs::Permission(Permission::SecurityPolicyUpdate),
    ),
    // Single sign-on: out to the provider and back.
    Endpoint {
        method: "GET",
        path: "/auth/oidc/start",
        needs: Needs::Nobody,
    },
    Endpoint {
        method: "GET",
        path: "/auth/oidc/callback",
        needs: Needs::Nobody,
    },
    // The second sign-in step: a pending sign-in, not a session.
    Endpoint {
        method: "POST",
        path: "/auth/2fa",
        needs: Needs::Nobody,
    },
    server_fn(
        "/api/locks/list",
        Needs::Permission(Permission::LockoutLift),
    ),
    server_fn(
        "/api/locks/lift",
        Needs::Permission(Permission::LockoutLift),
    ),
    server_fn("/api/audit/list", Needs::Permission(Permission::AuditRead)),
    Endpoint {
        method: "GET",
        path: "/audit/export.csv",
        needs: Needs::Permission(Permission::AuditExport),
    },
    Endpoint {
        method: "GET",
        path: "/live/cluster-changes",
        needs: Needs::Permission(Permission::NodeRead),
    },
    server_fn(
        "/api/ip-rules/list",
        Needs::Permission(Permission::SecurityPolicyRead),
    ),
    server_fn(
        "/api/ip-rules/create",
        Needs::Permission(Permission::SecurityPolicyUpdate),
    ),
    server_fn(
        "/api/ip-rules/delete",
        Needs::Permission(Permission::SecurityPolicyUpdate),
    ),
];

/// Server functions the app registers that are missing from [`ENDPOINTS`].
pub fn unregistered_server_fns() -> Vec<String> {
    server_fn_paths()
        .into_iter()
        .filter(|p| !ENDPOINTS.iter().any(|e| e.path == p))
        .collect()
}

/// Every server function path the app registers.
pub fn server_fn_paths() -> Vec<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect()
}
