//! Pages loaded on demand. Each is split out of the main WASM by
//! `tools/wasm-split` and fetched the first time it is shown, so the first
//! load carries only the shell, the sign-in page and the overview. A new
//! page gets its route type here, never a place in the main bundle.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::{
    audit::page::AuditPage,
    clusters::{list::ClustersPage, nodes::NodesPage, overview::ClusterOverviewPage},
    identity::{
        account::ChangePasswordPage, account_2fa::TwoFactorPage, roles::RolesPage,
        security::SecurityPage, sessions::SessionsPage, users::UsersPage,
    },
    tenancy::{
        detail::{DomainPage, VdcPage},
        domains::DomainsPage,
        vdcs::VdcsPage,
    },
};

pub struct DomainsRoute;

#[lazy_route]
impl LazyRoute for DomainsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DomainsPage /> }.into_any()
    }
}

pub struct VdcsRoute;

#[lazy_route]
impl LazyRoute for VdcsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <VdcsPage /> }.into_any()
    }
}

pub struct DomainRoute;

#[lazy_route]
impl LazyRoute for DomainRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DomainPage /> }.into_any()
    }
}

pub struct VdcRoute;

#[lazy_route]
impl LazyRoute for VdcRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <VdcPage /> }.into_any()
    }
}

pub struct ClustersRoute;

#[lazy_route]
impl LazyRoute for ClustersRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ClustersPage /> }.into_any()
    }
}

pub struct ClusterOverviewRoute;

#[lazy_route]
impl LazyRoute for ClusterOverviewRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ClusterOverviewPage /> }.into_any()
    }
}

pub struct NodesRoute;

#[lazy_route]
impl LazyRoute for NodesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <NodesPage /> }.into_any()
    }
}

pub struct ChangePasswordRoute;

#[lazy_route]
impl LazyRoute for ChangePasswordRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ChangePasswordPage /> }.into_any()
    }
}

pub struct SecurityRoute;

#[lazy_route]
impl LazyRoute for SecurityRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SecurityPage /> }.into_any()
    }
}

pub struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <AuditPage /> }.into_any()
    }
}

pub struct TwoFactorRoute;

#[lazy_route]
impl LazyRoute for TwoFactorRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <TwoFactorPage /> }.into_any()
    }
}

pub struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <UsersPage /> }.into_any()
    }
}

pub struct RolesRoute;

#[lazy_route]
impl LazyRoute for RolesRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <RolesPage /> }.into_any()
    }
}

pub struct SessionsRoute;

#[lazy_route]
impl LazyRoute for SessionsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <SessionsPage /> }.into_any()
    }
}
