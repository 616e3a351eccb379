//! Sign-in, sign-out and the language switch: plain form posts and links,
//! so they work before the WASM bundle has loaded.

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap},
    response::{IntoResponse, Redirect, Response},
    Extension, Form,
};
use berth_app::api::backend::RequestContext;
use berth_app::i18n::{Lang, LANG_COOKIE};
use berth_core::{
    db::session_store::{PENDING_AT_KEY, PENDING_USER_KEY, USER_ID_KEY},
    Error,
};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use crate::{context::ErrorResponse, routes::AppState};

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// The longest `next` target followed after sign-in.
pub const NEXT_MAX: usize = 512;

/// Only local paths are followed after sign-in or a language switch (no
/// open redirect): a single leading `/`, and only characters that browsers
/// keep as they are (no whitespace, control characters or backslashes,
/// which browsers strip or rewrite into `//host`).
pub fn safe_next(next: &str) -> &str {
    // Longer than any page of Berth's: dropped rather than carried around.
    if next.len() > NEXT_MAX {
        return "/";
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "/._~%?&=+-:@!$'()*,;".contains(c);
    if next.starts_with('/') && !next.starts_with("//") && next.chars().all(allowed) {
        next
    } else {
        "/"
    }
}

/// Percent-encodes a URL query component.
pub fn encode_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// What a new session records: who, from where, in which browser, when.
async fn remember(
    session: &Session,
    user_id: i64,
    request: &berth_core::auth::RequestMeta,
    headers: &HeaderMap,
) -> Result<(), tower_sessions::session::Error> {
    use berth_core::db::session_store::{
        AGENT_KEY, LAST_SEEN_KEY, PUBLIC_ID_KEY, SIGNED_IN_KEY, SOURCE_KEY,
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let agent: String = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    session.insert(USER_ID_KEY, user_id).await?;
    session
        .insert(PUBLIC_ID_KEY, uuid::Uuid::new_v4().simple().to_string())
        .await?;
    session.insert(SOURCE_KEY, request.source.clone()).await?;
    session.insert(AGENT_KEY, agent).await?;
    session.insert(SIGNED_IN_KEY, now).await?;
    session.insert(LAST_SEEN_KEY, now).await
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let request_id = ctx.request.request_id.clone();
    if !state.local_login {
        return back_to_login("local", &form.next);
    }
    let password = SecretString::from(form.password);
    match state
        .services
        .identity()
        .login(&form.username, &password, &ctx.request)
        .await
    {
        Ok(principal) => {
            // A new id at sign-in defeats session fixation.
            if let Err(e) = session.cycle_id().await {
                tracing::error!(request_id, error = %e, "session cycle failed");
                return berth_api::AppError::Unavailable.status_response();
            }
            match state
                .services
                .identity()
                .totp_enabled(principal.user_id)
                .await
            {
                Ok(false) => {}
                Ok(true) => {
                    return await_second_factor(&session, principal.user_id, &form.next).await
                }
                Err(e) => return e.into_app_error(&request_id).status_response(),
            }
            signed_in(&session, &principal, &ctx.request, &headers, &form.next).await
        }
        Err(Error::Locked { retry_after_secs }) => {
            tracing::info!("sign-in refused: locked");
            back_to_login(&format!("locked&retry={retry_after_secs}"), &form.next)
        }
        Err(Error::AddressRefused) => {
            tracing::info!("sign-in refused: address");
            back_to_login("address", &form.next)
        }
        Err(Error::Unauthenticated) => {
            tracing::info!("sign-in failed");
            back_to_login("1", &form.next)
        }
        Err(e) => e.into_app_error(&request_id).status_response(),
    }
}

/// Makes the session a signed-in one and goes on to `next`.
pub(crate) async fn signed_in(
    session: &Session,
    principal: &berth_core::auth::Principal,
    request: &berth_core::auth::RequestMeta,
    headers: &HeaderMap,
    next: &str,
) -> Response {
    if let Err(e) = remember(session, principal.user_id, request, headers).await {
        tracing::error!(request_id = request.request_id, error = %e, "session write failed");
        return berth_api::AppError::Unavailable.status_response();
    }
    tracing::info!(user = %principal.username, "signed in");
    Redirect::to(safe_next(next)).into_response()
}

/// How long the second step may wait after the password step.
const SECOND_FACTOR_WINDOW_SECS: i64 = 300;

/// The password was right; the session only remembers who is halfway in.
pub(crate) async fn await_second_factor(session: &Session, user_id: i64, next: &str) -> Response {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if session.insert(PENDING_USER_KEY, user_id).await.is_err()
        || session.insert(PENDING_AT_KEY, now).await.is_err()
    {
        return berth_api::AppError::Unavailable.status_response();
    }
    Redirect::to(&format!(
        "/login/2fa?next={}",
        encode_component(safe_next(next))
    ))
    .into_response()
}

#[derive(Deserialize)]
pub struct SecondFactorForm {
    code: String,
    #[serde(default)]
    next: String,
}

/// The second sign-in step: a code from the authenticator app, or a
/// recovery code.
pub async fn second_factor(
    State(state): State<AppState>,
    session: Session,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Form(form): Form<SecondFactorForm>,
) -> Response {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let pending = session.get::<i64>(PENDING_USER_KEY).await.ok().flatten();
    let at = session
        .get::<i64>(PENDING_AT_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    let Some(user_id) = pending.filter(|_| now - at <= SECOND_FACTOR_WINDOW_SECS) else {
        let _ = session.flush().await;
        return back_to_login("expired", &form.next);
    };
    match state
        .services
        .identity()
        .verify_second_factor(user_id, &form.code, &ctx.request)
        .await
    {
        Ok(principal) => {
            let _ = session.remove::<i64>(PENDING_USER_KEY).await;
            let _ = session.remove::<i64>(PENDING_AT_KEY).await;
            if let Err(e) = session.cycle_id().await {
                tracing::error!(error = %e, "session cycle failed");
                return berth_api::AppError::Unavailable.status_response();
            }
            signed_in(&session, &principal, &ctx.request, &headers, &form.next).await
        }
        Err(Error::Locked { retry_after_secs }) => {
            let _ = session.flush().await;
            back_to_login(&format!("locked&retry={retry_after_secs}"), &form.next)
        }
        Err(Error::Validation(_)) => {
            let mut target = String::from("/login/2fa?error=1");
            if !form.next.is_empty() {
                target.push_str("&next=");
                target.push_str(&encode_component(safe_next(&form.next)));
            }
            Redirect::to(&target).into_response()
        }
        Err(e) => e.into_app_error(&ctx.request.request_id).status_response(),
    }
}

/// Back to the sign-in page with `error`, keeping where the user was going.
fn back_to_login(error: &str, next: &str) -> Response {
    let mut target = format!("/login?error={error}");
    if !next.is_empty() {
        target.push_str("&next=");
        target.push_str(&encode_component(safe_next(next)));
    }
    Redirect::to(&target).into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    Extension(ctx): Extension<RequestContext>,
) -> Response {
    if let Some(who) = &ctx.principal {
        state.services.identity().logout(who).await;
    }
    if let Err(e) = session.flush().await {
        tracing::warn!(error = %e, "session flush failed");
    }
    Redirect::to("/login").into_response()
}

#[derive(Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    next: String,
}

/// Sets the language cookie and goes back to the page.
pub async fn set_language(Path(tag): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::from_tag(&tag).unwrap_or_default();
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        lang.tag()
    );
    let mut res = Redirect::to(safe_next(&q.next)).into_response();
    if let Ok(v) = cookie.parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/domains?page=2"), "/domains?page=2");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/\t/evil.example",
            "/\n/x",
            "/ /x",
            "",
            "domains",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
        let long = format!("/{}", "a".repeat(NEXT_MAX));
        assert_eq!(safe_next(&long), "/");
        let fits = format!("/{}", "a".repeat(NEXT_MAX - 1));
        assert_eq!(safe_next(&fits), fits);
    }
}
