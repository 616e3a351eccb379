//! The audit log's server functions.

use berth_api::{AppError, AuditEntry, AuditQuery, Page};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::api::backend;
use crate::api::endpoint;

endpoint! {
    needs: Permission(AuditRead),
    #[server(prefix = "/api", endpoint = "audit/list")]
    pub async fn list_audit(query: AuditQuery) -> Result<Page<AuditEntry>, AppError> {
        let call = backend::Call::begin()?;
        call.done(
            call.services
                .audit_log()
                .list_audit(&call.principal, &query)
                .await,
        )
    }
}
