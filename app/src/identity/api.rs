//! The identity area's server functions: the signed-in user, users, roles
//! and grants, sessions, sign-in policies, one's own account.

use berth_api::{
    AccountLock, AppError, CurrentUser, Grant, GrantInput, IpRule, IpRuleInput, ListQuery, Page,
    PasswordPolicy, Role, RoleInput, SessionInfo, TotpEnrollment, TwoFactorPolicy, TwoFactorStatus,
    User, UserInput, UserUpdate,
};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::api::backend;
use crate::api::endpoint;

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "me")]
    pub async fn get_current_user() -> Result<CurrentUser, AppError> {
        let call = backend::Call::begin()?;
        let p = &call.principal;
        Ok(CurrentUser {
            id: p.user_id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            permissions: p.permission_keys(),
            must_change_password: p.must_change_password,
        })
    }
}

endpoint! {
    needs: Permission(RoleRead),
    #[server(prefix = "/api", endpoint = "roles/list")]
    pub async fn list_roles() -> Result<Vec<Role>, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.identity().list_roles(&call.principal).await)
    }
}

endpoint! {
    needs: Permission(RoleManage),
    #[server(prefix = "/api", endpoint = "roles/create")]
    pub async fn create_role(input: RoleInput) -> Result<Role, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .create_role(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(RoleManage),
    #[server(prefix = "/api", endpoint = "roles/update")]
    pub async fn update_role(id: i64, input: RoleInput) -> Result<Role, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .update_role(&call.principal, id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(RoleManage),
    #[server(prefix = "/api", endpoint = "roles/delete")]
    pub async fn delete_role(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .delete_role(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(RoleBind),
    #[server(prefix = "/api", endpoint = "grants/create")]
    pub async fn grant_role(input: GrantInput) -> Result<Grant, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .grant_role(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(RoleBind),
    #[server(prefix = "/api", endpoint = "grants/delete")]
    pub async fn revoke_role(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .revoke_role(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    // A user's own sessions: any signed-in user, for themselves only.
    needs: Session,
    #[server(prefix = "/api", endpoint = "sessions/list")]
    pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .list_sessions(&call.principal)
                .await,
        )
    }
}

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "sessions/revoke")]
    pub async fn revoke_session(id: String) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .revoke_session(&call.principal, &id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(SessionRevoke),
    #[server(prefix = "/api", endpoint = "sessions/revoke-user")]
    pub async fn revoke_user_sessions(user_id: i64) -> Result<u64, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .revoke_user_sessions(&call.principal, user_id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserRead),
    #[server(prefix = "/api", endpoint = "users/list")]
    pub async fn list_users(query: ListQuery) -> Result<Page<User>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .list_users(&call.principal, &query)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserCreate),
    #[server(prefix = "/api", endpoint = "users/create")]
    pub async fn create_user(input: UserInput) -> Result<User, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .create_user(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserUpdate),
    #[server(prefix = "/api", endpoint = "users/set-disabled")]
    pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<User, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .set_user_disabled(&call.principal, id, disabled)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserUpdate),
    #[server(prefix = "/api", endpoint = "users/update")]
    pub async fn update_user(id: i64, input: UserUpdate) -> Result<User, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .update_user(&call.principal, id, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserDelete),
    #[server(prefix = "/api", endpoint = "users/delete")]
    pub async fn delete_user(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .delete_user(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserUpdate),
    #[server(prefix = "/api", endpoint = "users/link-sso")]
    /// Links a single sign-on account (issuer and subject) to a user.
    pub async fn link_sso_identity(id: i64, issuer: String, subject: String) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .link_sso_identity(&call.principal, id, &issuer, &subject)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(UserPasswordReset),
    #[server(prefix = "/api", endpoint = "users/reset-password")]
    pub async fn reset_password(id: i64, password: String) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        let password = berth_core::secrecy::SecretString::from(password);
        call.done(
            call.services
                .identity()
                .reset_password(&call.principal, id, &password)
                .await,
        )
    }
}

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "security/password-policy")]
    /// The password rules, for anyone about to choose a password.
    pub async fn get_password_policy() -> Result<PasswordPolicy, AppError> {
        let call = backend::Call::begin()?;
        call.done(call.services.identity().password_policy().await)
    }
}

endpoint! {
    needs: Permission(SecurityPolicyUpdate),
    #[server(prefix = "/api", endpoint = "security/password-policy/update")]
    pub async fn set_password_policy(policy: PasswordPolicy) -> Result<PasswordPolicy, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .set_password_policy(&call.principal, policy)
                .await,
        )
    }
}

endpoint! {
    // One's own password, proven by the current one.
    needs: Session,
    #[server(prefix = "/api", endpoint = "account/password")]
    pub async fn change_password(
        current_password: String,
        new_password: String,
    ) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        let current = berth_core::secrecy::SecretString::from(current_password);
        let new = berth_core::secrecy::SecretString::from(new_password);
        call.done(
            call.services
                .identity()
                .change_own_password(&call.principal, &current, &new)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(SecurityPolicyRead),
    #[server(prefix = "/api", endpoint = "ip-rules/list")]
    pub async fn list_ip_rules() -> Result<Vec<IpRule>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .list_ip_rules(&call.principal)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(SecurityPolicyUpdate),
    #[server(prefix = "/api", endpoint = "ip-rules/create")]
    pub async fn create_ip_rule(input: IpRuleInput) -> Result<IpRule, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .create_ip_rule(&call.principal, input)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(SecurityPolicyUpdate),
    #[server(prefix = "/api", endpoint = "ip-rules/delete")]
    pub async fn delete_ip_rule(id: i64) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .delete_ip_rule(&call.principal, id)
                .await,
        )
    }
}

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "account/2fa")]
    pub async fn get_two_factor_status() -> Result<TwoFactorStatus, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .two_factor_status(&call.principal)
                .await,
        )
    }
}

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "account/2fa/begin")]
    /// Needs the current password, and a current code when replacing a
    /// second factor that is on.
    pub async fn begin_totp(
        password: String,
        #[server(default)] code: String,
    ) -> Result<TotpEnrollment, AppError> {
        let call = backend::Call::begin()?;
        let password = berth_core::secrecy::SecretString::from(password);
        call.done(
            call.services
                .identity()
                .begin_totp(&call.principal, &password, &code)
                .await,
        )
    }
}

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "account/2fa/confirm")]
    /// Returns the recovery codes, shown once.
    pub async fn confirm_totp(code: String) -> Result<Vec<String>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .confirm_totp(&call.principal, &code)
                .await,
        )
    }
}

endpoint! {
    needs: Session,
    #[server(prefix = "/api", endpoint = "account/2fa/disable")]
    pub async fn disable_totp(password: String, code: String) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        let password = berth_core::secrecy::SecretString::from(password);
        call.done(
            call.services
                .identity()
                .disable_totp(&call.principal, &password, &code)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(SecurityPolicyRead),
    #[server(prefix = "/api", endpoint = "security/two-factor-policy")]
    pub async fn get_two_factor_policy() -> Result<TwoFactorPolicy, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .two_factor_policy_for(&call.principal)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(SecurityPolicyUpdate),
    #[server(prefix = "/api", endpoint = "security/two-factor-policy/update")]
    pub async fn set_two_factor_policy(policy: TwoFactorPolicy) -> Result<TwoFactorPolicy, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .set_two_factor_policy(&call.principal, policy)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(RoleRead),
    #[server(prefix = "/api", endpoint = "grants/list")]
    pub async fn list_user_grants(user_id: i64) -> Result<Vec<Grant>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .list_user_grants(&call.principal, user_id)
                .await,
        )
    }
}

endpoint! {
    needs: Permission(LockoutLift),
    #[server(prefix = "/api", endpoint = "locks/list")]
    pub async fn list_locks() -> Result<Vec<AccountLock>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
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
}

endpoint! {
    needs: Permission(LockoutLift),
    #[server(prefix = "/api", endpoint = "locks/lift")]
    pub async fn lift_lock(username: String) -> Result<(), AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .identity()
                .lift_lock(&call.principal, &username)
                .await,
        )
    }
}
