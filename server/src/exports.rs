//! CSV downloads, as plain links so the browser saves them without any
//! script: `GET /audit/export.csv` (the audit records the caller may see,
//! with the audit page's filters) and `GET /usage/export.csv?vdc=ID` (a
//! VDC's usage, as its usage tab shows it).

use axum::{
    extract::Query,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    Extension,
};
use berth_api::{AppError, AuditQuery};
use berth_app::api::backend::RequestContext;
use berth_core::audit::log::{to_csv, EXPORT_LIMIT};
use berth_core::tenancy::usage::usage_csv;
use serde::Deserialize;

use crate::context::ErrorResponse;

/// `body` as a CSV attachment named `filename`.
fn csv_download(body: String, filename: &str) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

pub async fn audit_csv(
    Extension(ctx): Extension<RequestContext>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let Some(who) = &ctx.principal else {
        return AppError::Unauthenticated.status_response();
    };
    match ctx.services.audit_log().export_audit(who, &q).await {
        Ok((rows, total)) => {
            let mut res = csv_download(to_csv(&rows), "berth-audit.csv");
            // How many matched, when that is more than one export holds.
            if total > EXPORT_LIMIT as i64 {
                if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
                    res.headers_mut().insert("x-total-count", v);
                }
            }
            res
        }
        Err(e) => e.into_app_error(&ctx.request.request_id).status_response(),
    }
}

#[derive(Deserialize)]
pub struct UsageQuery {
    vdc: i64,
}

pub async fn usage_csv_of_vdc(
    Extension(ctx): Extension<RequestContext>,
    Query(q): Query<UsageQuery>,
) -> Response {
    let Some(who) = &ctx.principal else {
        return AppError::Unauthenticated.status_response();
    };
    match ctx.services.tenancy().vdc_usage(who, q.vdc).await {
        Ok(usage) => csv_download(usage_csv(&usage), &format!("berth-usage-vdc-{}.csv", q.vdc)),
        Err(e) => e.into_app_error(&ctx.request.request_id).status_response(),
    }
}
