//! Server functions: the typed calls from pages to the server.
//!
//! Each is a thin adapter (see [`backend`]): take the caller and the
//! services from the request, call one service method, convert the result.
//! Authorization happens inside that service method, never here.

use berth_api::{
    AccountLock, AppError, AuditEntry, AuditQuery, ClusterInput, ClusterOverview, ClusterSummary,
    CurrentUser, Domain, DomainInput, DrainReport, Grant, GrantInput, IpRule, IpRuleInput,
    KubeconfigContexts, ListQuery, NodeChange, NodeDetail, NodeSummary, Overview, Page,
    PasswordPolicy, Role, RoleInput, SessionInfo, TotpEnrollment, TwoFactorPolicy, TwoFactorStatus,
    User, UserInput, UserUpdate, Vdc, VdcInput,
};
use leptos::prelude::*;
use server_fn::codec::Json;

#[cfg(feature = "ssr")]
pub mod backend;

#[server(prefix = "/api", endpoint = "me", input = Json)]
pub async fn get_current_user() -> Result<CurrentUser, AppError> {
    let call = backend::Call::begin()?;
    let p = &call.principal;
    Ok(CurrentUser {
        id: p.user_id,
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        permissions: p.permission_keys(),
    })
}

#[server(prefix = "/api", endpoint = "overview", input = Json)]
pub async fn get_overview() -> Result<Overview, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.overview(&call.principal).await)
}

#[server(prefix = "/api", endpoint = "domains/list", input = Json)]
pub async fn list_domains(query: ListQuery) -> Result<Page<Domain>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_domains(&call.principal, &query).await)
}

#[server(prefix = "/api", endpoint = "domains/create", input = Json)]
pub async fn create_domain(input: DomainInput) -> Result<Domain, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.create_domain(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "domains/update", input = Json)]
pub async fn update_domain(id: i64, input: DomainInput) -> Result<Domain, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .update_domain(&call.principal, id, input)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "domains/delete", input = Json)]
pub async fn delete_domain(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.delete_domain(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "vdcs/list", input = Json)]
pub async fn list_vdcs(domain_id: Option<i64>, query: ListQuery) -> Result<Page<Vdc>, AppError> {
    let call = backend::Call::begin()?;
    let filter = berth_core::services::VdcFilter { domain_id };
    call.done(
        call.services
            .list_vdcs(&call.principal, &filter, &query)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "vdcs/create", input = Json)]
pub async fn create_vdc(input: VdcInput) -> Result<Vdc, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.create_vdc(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "vdcs/update", input = Json)]
pub async fn update_vdc(id: i64, input: VdcInput) -> Result<Vdc, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.update_vdc(&call.principal, id, input).await)
}

#[server(prefix = "/api", endpoint = "vdcs/delete", input = Json)]
pub async fn delete_vdc(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.delete_vdc(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "clusters/list", input = Json)]
pub async fn list_clusters() -> Result<Vec<ClusterSummary>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_clusters(&call.principal).await)
}

#[server(prefix = "/api", endpoint = "clusters/contexts", input = Json)]
pub async fn read_kubeconfig_contexts(kubeconfig: String) -> Result<KubeconfigContexts, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .kubeconfig_contexts(&call.principal, &kubeconfig)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "clusters/create", input = Json)]
pub async fn create_cluster(input: ClusterInput) -> Result<ClusterSummary, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.create_cluster(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "clusters/update", input = Json)]
pub async fn update_cluster(id: i64, input: ClusterInput) -> Result<ClusterSummary, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .update_cluster(&call.principal, id, input)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "clusters/delete", input = Json)]
pub async fn delete_cluster(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.delete_cluster(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "clusters/check", input = Json)]
pub async fn check_cluster(id: i64) -> Result<ClusterSummary, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.check_cluster(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "clusters/overview", input = Json)]
pub async fn get_cluster_overview(id: i64) -> Result<ClusterOverview, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.cluster_overview(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "nodes/list", input = Json)]
pub async fn list_nodes(cluster_id: i64, query: ListQuery) -> Result<Page<NodeSummary>, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .list_nodes(&call.principal, cluster_id, &query)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "nodes/get", input = Json)]
pub async fn get_node(cluster_id: i64, name: String) -> Result<NodeDetail, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .get_node(&call.principal, cluster_id, &name)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "nodes/change", input = Json)]
pub async fn change_node(
    cluster_id: i64,
    name: String,
    change: NodeChange,
) -> Result<DrainReport, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .change_node(&call.principal, cluster_id, &name, change)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "roles/list", input = Json)]
pub async fn list_roles() -> Result<Vec<Role>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_roles(&call.principal).await)
}

#[server(prefix = "/api", endpoint = "roles/create", input = Json)]
pub async fn create_role(input: RoleInput) -> Result<Role, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.create_role(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "roles/update", input = Json)]
pub async fn update_role(id: i64, input: RoleInput) -> Result<Role, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.update_role(&call.principal, id, input).await)
}

#[server(prefix = "/api", endpoint = "roles/delete", input = Json)]
pub async fn delete_role(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.delete_role(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "grants/create", input = Json)]
pub async fn grant_role(input: GrantInput) -> Result<Grant, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.grant_role(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "grants/delete", input = Json)]
pub async fn revoke_role(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.revoke_role(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "sessions/list", input = Json)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_sessions(&call.principal).await)
}

#[server(prefix = "/api", endpoint = "sessions/revoke", input = Json)]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.revoke_session(&call.principal, &id).await)
}

#[server(prefix = "/api", endpoint = "sessions/revoke-user", input = Json)]
pub async fn revoke_user_sessions(user_id: i64) -> Result<u64, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .revoke_user_sessions(&call.principal, user_id)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "users/list", input = Json)]
pub async fn list_users(query: ListQuery) -> Result<Page<User>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_users(&call.principal, &query).await)
}

#[server(prefix = "/api", endpoint = "users/create", input = Json)]
pub async fn create_user(input: UserInput) -> Result<User, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.create_user(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "users/set-disabled", input = Json)]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<User, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .set_user_disabled(&call.principal, id, disabled)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "users/update", input = Json)]
pub async fn update_user(id: i64, input: UserUpdate) -> Result<User, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.update_user(&call.principal, id, input).await)
}

#[server(prefix = "/api", endpoint = "users/delete", input = Json)]
pub async fn delete_user(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.delete_user(&call.principal, id).await)
}

/// Links a single sign-on account (issuer and subject) to a user.
#[server(prefix = "/api", endpoint = "users/link-sso", input = Json)]
pub async fn link_sso_identity(id: i64, issuer: String, subject: String) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .link_sso_identity(&call.principal, id, &issuer, &subject)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "users/reset-password", input = Json)]
pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    let password = berth_core::secrecy::SecretString::from(password);
    call.done(
        call.services
            .reset_password(&call.principal, id, &password)
            .await,
    )
}

/// The password rules, for anyone about to choose a password.
#[server(prefix = "/api", endpoint = "security/password-policy", input = Json)]
pub async fn get_password_policy() -> Result<PasswordPolicy, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.password_policy().await)
}

#[server(prefix = "/api", endpoint = "security/password-policy/update", input = Json)]
pub async fn set_password_policy(policy: PasswordPolicy) -> Result<PasswordPolicy, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .set_password_policy(&call.principal, policy)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "account/password", input = Json)]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    let current = berth_core::secrecy::SecretString::from(current_password);
    let new = berth_core::secrecy::SecretString::from(new_password);
    call.done(
        call.services
            .change_own_password(&call.principal, &current, &new)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "ip-rules/list", input = Json)]
pub async fn list_ip_rules() -> Result<Vec<IpRule>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_ip_rules(&call.principal).await)
}

#[server(prefix = "/api", endpoint = "ip-rules/create", input = Json)]
pub async fn create_ip_rule(input: IpRuleInput) -> Result<IpRule, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.create_ip_rule(&call.principal, input).await)
}

#[server(prefix = "/api", endpoint = "ip-rules/delete", input = Json)]
pub async fn delete_ip_rule(id: i64) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.delete_ip_rule(&call.principal, id).await)
}

#[server(prefix = "/api", endpoint = "audit/list", input = Json)]
pub async fn list_audit(query: AuditQuery) -> Result<Page<AuditEntry>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.list_audit(&call.principal, &query).await)
}

#[server(prefix = "/api", endpoint = "account/2fa", input = Json)]
pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.two_factor_status(&call.principal).await)
}

/// Needs the current password, and a current code when replacing a
/// second factor that is on.
#[server(prefix = "/api", endpoint = "account/2fa/begin", input = Json)]
pub async fn begin_totp(
    password: String,
    #[server(default)] code: String,
) -> Result<TotpEnrollment, AppError> {
    let call = backend::Call::begin()?;
    let password = berth_core::secrecy::SecretString::from(password);
    call.done(
        call.services
            .begin_totp(&call.principal, &password, &code)
            .await,
    )
}

/// Returns the recovery codes, shown once.
#[server(prefix = "/api", endpoint = "account/2fa/confirm", input = Json)]
pub async fn confirm_totp(code: String) -> Result<Vec<String>, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.confirm_totp(&call.principal, &code).await)
}

#[server(prefix = "/api", endpoint = "account/2fa/disable", input = Json)]
pub async fn disable_totp(password: String, code: String) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    let password = berth_core::secrecy::SecretString::from(password);
    call.done(
        call.services
            .disable_totp(&call.principal, &password, &code)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "security/two-factor-policy", input = Json)]
pub async fn get_two_factor_policy() -> Result<TwoFactorPolicy, AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.two_factor_policy_for(&call.principal).await)
}

#[server(prefix = "/api", endpoint = "security/two-factor-policy/update", input = Json)]
pub async fn set_two_factor_policy(policy: TwoFactorPolicy) -> Result<TwoFactorPolicy, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .set_two_factor_policy(&call.principal, policy)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "grants/list", input = Json)]
pub async fn list_user_grants(user_id: i64) -> Result<Vec<Grant>, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .list_user_grants(&call.principal, user_id)
            .await,
    )
}

#[server(prefix = "/api", endpoint = "locks/list", input = Json)]
pub async fn list_locks() -> Result<Vec<AccountLock>, AppError> {
    let call = backend::Call::begin()?;
    call.done(
        call.services
            .list_locks(&call.principal)
            .await
            .map(|locks| {
                locks
                    .into_iter()
                    .map(|(username, retry_after_secs)| AccountLock {
                        username,
                        retry_after_secs,
                    })
                    .collect()
            }),
    )
}

#[server(prefix = "/api", endpoint = "locks/lift", input = Json)]
pub async fn lift_lock(username: String) -> Result<(), AppError> {
    let call = backend::Call::begin()?;
    call.done(call.services.lift_lock(&call.principal, &username).await)
}

/// Every domain the caller may see, for choosers (none when they may not
/// list domains).
pub async fn domain_choices() -> Vec<Domain> {
    list_domains(ListQuery {
        per_page: ListQuery::MAX_PER_PAGE,
        ..ListQuery::default()
    })
    .await
    .map(|p| p.items)
    .unwrap_or_default()
}

/// Every VDC the caller may see, for choosers.
pub async fn vdc_choices() -> Vec<Vdc> {
    list_vdcs(
        None,
        ListQuery {
            per_page: ListQuery::MAX_PER_PAGE,
            ..ListQuery::default()
        },
    )
    .await
    .map(|p| p.items)
    .unwrap_or_default()
}
