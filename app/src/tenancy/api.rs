//! The tenancy area's server functions: the overview, domains, VDCs and
//! their quotas.

use berth_api::{
    AdoptInput, AppError, AppSpace, AppSpaceInput, ClusterQuota, Domain, DomainInput, ListQuery,
    Member, MemberInput, Overview, Page, QuotaInput, QuotaOwner, Vdc, VdcInput, VdcUsage,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::api::backend;
use crate::api::{endpoint, Query};

endpoint! {
    needs: Permission(OverviewRead),
    #[server(prefix = "/api", endpoint = "overview")]
    pub async fn get_overview() -> Result<Overview, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().overview(&call.principal).await)
    }
}

endpoint! {
    needs: Permission(DomainRead),
    #[server(prefix = "/api", endpoint = "domains/list")]
    pub async fn list_domains(query: ListQuery) -> Result<Page<Domain>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .list_domains(&call.principal, &query)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(DomainCreate),
    #[server(prefix = "/api", endpoint = "domains/create")]
    pub async fn create_domain(input: DomainInput) -> Result<Domain, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .create_domain(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(DomainUpdate),
    #[server(prefix = "/api", endpoint = "domains/update")]
    pub async fn update_domain(id: i64, input: DomainInput) -> Result<Domain, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .update_domain(&call.principal, id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(DomainDelete),
    #[server(prefix = "/api", endpoint = "domains/delete")]
    pub async fn delete_domain(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .delete_domain(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(VdcRead),
    #[server(prefix = "/api", endpoint = "vdcs/list")]
    pub async fn list_vdcs(domain_id: Option<i64>, query: ListQuery) -> Result<Page<Vdc>, AppError> {
        let call = backend::Call::begin()?;
        let filter = berth_core::tenancy::VdcFilter { domain_id };
        call.done(
            call.services
                .tenancy()
                .list_vdcs(&call.principal, &filter, &query)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(VdcCreate),
    #[server(prefix = "/api", endpoint = "vdcs/create")]
    pub async fn create_vdc(input: VdcInput) -> Result<Vdc, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .create_vdc(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(VdcUpdate),
    #[server(prefix = "/api", endpoint = "vdcs/update")]
    pub async fn update_vdc(id: i64, input: VdcInput) -> Result<Vdc, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .update_vdc(&call.principal, id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(VdcDelete),
    #[server(prefix = "/api", endpoint = "vdcs/delete")]
    pub async fn delete_vdc(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .delete_vdc(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(DomainRead),
    #[server(prefix = "/api", endpoint = "domains/get")]
    pub async fn get_domain(id: i64) -> Result<Domain, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().get_domain(&call.principal, id).await)
    }
}

endpoint! {
    needs: Permission(VdcRead),
    #[server(prefix = "/api", endpoint = "vdcs/get")]
    pub async fn get_vdc(id: i64) -> Result<Vdc, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().get_vdc(&call.principal, id).await)
    }
}

endpoint! {
    needs: Permission(QuotaRead),
    #[server(prefix = "/api", endpoint = "quotas/get")]
    pub async fn get_quotas(owner: QuotaOwner) -> Result<Vec<ClusterQuota>, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().quotas(&call.principal, owner).await)
    }
}

endpoint! {
    needs: Permission(QuotaRead),
    #[server(prefix = "/api", endpoint = "usage/vdc")]
    pub async fn get_vdc_usage(id: i64) -> Result<VdcUsage, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().vdc_usage(&call.principal, id).await)
    }
}

endpoint! {
    needs: Permission(QuotaUpdate),
    #[server(prefix = "/api", endpoint = "quotas/set")]
    pub async fn set_quota(owner: QuotaOwner, input: QuotaInput) -> Result<ClusterQuota, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .set_quota(&call.principal, owner, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(AppSpaceRead),
    #[server(prefix = "/api", endpoint = "appspaces/list")]
    pub async fn list_app_spaces(
        vdc_id: Option<i64>,
        query: ListQuery,
    ) -> Result<Page<AppSpace>, AppError> {
        let call = backend::Call::begin()?;
        let filter = berth_core::tenancy::AppSpaceFilter {
            vdc_id,
            cluster_id: None,
        };
        call.done(
            call.services
                .tenancy()
                .list_app_spaces(&call.principal, &filter, &query)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(AppSpaceCreate),
    #[server(prefix = "/api", endpoint = "appspaces/create")]
    pub async fn create_app_space(input: AppSpaceInput) -> Result<AppSpace, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .create_app_space(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(AppSpaceCreate),
    #[server(prefix = "/api", endpoint = "appspaces/adopt")]
    pub async fn adopt_namespace(input: AdoptInput) -> Result<AppSpace, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .adopt_namespace(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(AppSpaceDelete),
    #[server(prefix = "/api", endpoint = "appspaces/delete")]
    pub async fn delete_app_space(id: i64, confirm: String) -> Result<Option<AppSpace>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .delete_app_space(&call.principal, id, &confirm)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(VdcSuspend),
    #[server(prefix = "/api", endpoint = "vdcs/suspend")]
    pub async fn suspend_vdc(id: i64) -> Result<Vdc, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().suspend_vdc(&call.principal, id).await)
    }
}

endpoint! {
    needs: Permission(VdcSuspend),
    #[server(prefix = "/api", endpoint = "vdcs/resume")]
    pub async fn resume_vdc(id: i64) -> Result<Vdc, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.tenancy().resume_vdc(&call.principal, id).await)
    }
}

endpoint! {
    needs: Permission(MemberRead),
    #[server(prefix = "/api", endpoint = "members/list")]
    pub async fn list_members(vdc_id: i64, query: ListQuery) -> Result<Page<Member>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .list_members(&call.principal, vdc_id, &query)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(MemberManage),
    #[server(prefix = "/api", endpoint = "members/add")]
    pub async fn add_member(vdc_id: i64, input: MemberInput) -> Result<Member, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .add_member(&call.principal, vdc_id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(MemberManage),
    #[server(prefix = "/api", endpoint = "members/remove")]
    pub async fn remove_member(vdc_id: i64, user_id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .tenancy()
                .remove_member(&call.principal, vdc_id, user_id)
                .await,
        )
    }
}

/// Every domain the caller may see, for choosers (read with [`items`]:
/// none when they may not list domains).
pub fn domain_choices() -> Query<ListDomains> {
    Query::new(|| ListDomains {
        query: ListQuery {
            per_page: ListQuery::MAX_PER_PAGE,
            ..ListQuery::default()
        },
    })
}

/// Every VDC the caller may see, for choosers (read with [`items`]).
pub fn vdc_choices() -> Query<ListVdcs> {
    Query::new(|| ListVdcs {
        domain_id: None,
        query: ListQuery {
            per_page: ListQuery::MAX_PER_PAGE,
            ..ListQuery::default()
        },
    })
}

/// A chooser's items: none when the list could not be read.
pub fn items<T>(page: Result<Page<T>, AppError>) -> Vec<T> {
    page.map(|p| p.items).unwrap_or_default()
}
