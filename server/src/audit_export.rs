//! `GET /audit/export.csv`: the audit records the caller may see, with the
//! filters of the audit page, as a CSV download (a plain link, so the
//! browser saves it without any script).

use axum::{
    extract::Query,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Extension,
};
use berth_api::{AppError, AuditQuery};
use berth_app::api::backend::RequestContext;
use berth_core::audit::log::{to_csv, EXPORT_LIMIT};

use crate::context::ErrorResponse;

pub async fn export_csv(
    Extension(ctx): Extension<RequestContext>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let Some(who) = &ctx.principal else {
        return AppError::Unauthenticated.status_response();
    };
    match ctx.services.audit_log().export_audit(who, &q).await {
        Ok((rows, total)) => {
            let mut res = to_csv(&rows).into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"berth-audit.csv\""),
            );
            // How many matched, when that is more than one export holds.
            if total > EXPORT_LIMIT as i64 {
                if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
                    h.insert("x-total-count", v);
                }
            }
            res
        }
        Err(e) => e.into_app_error(&ctx.request.request_id).status_response(),
    }
}
