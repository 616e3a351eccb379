//! Single sign-on with OpenID Connect: the authorization code flow with
//! PKCE. `/auth/oidc/start` sends the browser to the provider with a
//! fresh state, nonce and PKCE challenge kept in the session;
//! `/auth/oidc/callback` checks the state, redeems the code with the PKCE
//! verifier and the client secret, and has the ID token's signature,
//! issuer, audience, expiry and nonce verified before anyone is signed in.

use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    Extension,
};
use base64::Engine as _;
use berth_app::api::backend::RequestContext;
use berth_core::identity::sso::{SsoGrant, SsoIdentity, SsoScope};
use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tower_sessions::Session;

use berth_core::db::session_store::MFA_BY_PROVIDER_KEY;

use crate::{auth::safe_next, context::ErrorResponse, routes::AppState};

const STATE_KEY: &str = "oidc_state";
const NONCE_KEY: &str = "oidc_nonce";
const VERIFIER_KEY: &str = "oidc_verifier";
const NEXT_KEY: &str = "oidc_next";

/// `group=role@scope;...` with scope `platform`, `domain:NAME` or
/// `vdc:DOMAIN/VDC`.
pub fn parse_group_roles(text: &str) -> Result<Vec<SsoGrant>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let bad = || format!("`{entry}` is not group=role@scope (scope: platform, domain:NAME or vdc:DOMAIN/VDC)");
            let (group, rest) = entry.split_once('=').ok_or_else(bad)?;
            let (role, scope) = rest.split_once('@').ok_or_else(bad)?;
            let scope = match scope.trim() {
                "platform" => SsoScope::Platform,
                s => match s.split_once(':') {
                    Some(("domain", d)) if !d.is_empty() => SsoScope::Domain(d.to_owned()),
                    Some(("vdc", dv)) => match dv.split_once('/') {
                        Some((d, v)) if !d.is_empty() && !v.is_empty() => SsoScope::Vdc {
                            domain: d.to_owned(),
                            vdc: v.to_owned(),
                        },
                        _ => return Err(bad()),
                    },
                    _ => return Err(bad()),
                },
            };
            if group.trim().is_empty() || role.trim().is_empty() {
                return Err(bad());
            }
            Ok(SsoGrant {
                group: group.trim().to_owned(),
                role: role.trim().to_owned(),
                scope,
            })
        })
        .collect()
}

/// The provider Berth trusts, as configured.
#[derive(Clone, Debug)]
pub struct SsoConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub username_claim: String,
    pub groups_claim: String,
    pub group_roles: Vec<SsoGrant>,
    /// `acr` values that mean the provider checked a second factor.
    pub mfa_acr: Vec<String>,
}

/// SSO at run time: the configuration, an HTTP client that never follows
/// redirects, and the provider's metadata once discovered.
pub struct Sso {
    config: SsoConfig,
    redirect: String,
    http: openidconnect::reqwest::Client,
    metadata: tokio::sync::RwLock<Option<CoreProviderMetadata>>,
}

impl Sso {
    pub fn new(config: SsoConfig, public_url: &str) -> Result<Sso, String> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Sso {
            redirect: format!("{public_url}/auth/oidc/callback"),
            config,
            http,
            metadata: tokio::sync::RwLock::new(None),
        })
    }

    /// The provider's metadata, discovered on first use (and retried
    /// after a failure).
    async fn metadata(&self) -> Result<CoreProviderMetadata, String> {
        if let Some(m) = self.metadata.read().await.as_ref() {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| e.to_string())?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| format!("discovery failed: {e}"))?;
        *self.metadata.write().await = Some(m.clone());
        Ok(m)
    }
}

/// Builds the client from discovered metadata (cheap; typed per use).
macro_rules! client {
    ($sso:expr, $metadata:expr) => {
        CoreClient::from_provider_metadata(
            $metadata,
            ClientId::new($sso.config.client_id.clone()),
            Some(ClientSecret::new(
                $sso.config.client_secret.expose_secret().to_owned(),
            )),
        )
        .set_redirect_uri(RedirectUrl::new($sso.redirect.clone()).map_err(|e| e.to_string())?)
    };
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    next: String,
}

pub async fn start(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<StartQuery>,
) -> Response {
    let Some(sso) = state.sso.as_ref() else {
        return Redirect::to("/login").into_response();
    };
    let result: Result<String, String> = async {
        let client = client!(sso, sso.metadata().await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, csrf, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("groups".into()))
            .set_pkce_challenge(challenge)
            .url();
        let store = async {
            session.insert(STATE_KEY, csrf.secret()).await?;
            session.insert(NONCE_KEY, nonce.secret()).await?;
            session.insert(VERIFIER_KEY, verifier.secret()).await?;
            session.insert(NEXT_KEY, safe_next(&q.next)).await
        };
        store.await.map_err(|e| e.to_string())?;
        Ok(url.to_string())
    }
    .await;
    match result {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "SSO could not start");
            Redirect::to("/login?error=sso").into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The verified ID token's own claims, read from its payload.
fn payload(jwt: &str) -> Option<serde_json::Value> {
    let part = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let Some(sso) = state.sso.as_ref() else {
        return Redirect::to("/login").into_response();
    };
    let take = |key: &'static str| {
        let session = session.clone();
        async move { session.remove::<String>(key).await.ok().flatten() }
    };
    let (expected, nonce, verifier, next) = (
        take(STATE_KEY).await,
        take(NONCE_KEY).await,
        take(VERIFIER_KEY).await,
        take(NEXT_KEY).await.unwrap_or_else(|| "/".into()),
    );
    let verified: Result<Verified, String> = async {
        if let Some(e) = &q.error {
            return Err(format!("provider error: {}", berth_api::validate::quote(e)));
        }
        let (Some(expected), Some(nonce), Some(verifier)) = (expected, nonce, verifier) else {
            return Err("no sign-in was started here".into());
        };
        if q.state.as_deref() != Some(expected.as_str()) {
            return Err("state does not match".into());
        }
        let code = q.code.clone().ok_or("no code")?;
        let client = client!(sso, sso.metadata().await?);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| e.to_string())?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&sso.http)
            .await
            .map_err(|e| format!("code exchange failed: {e}"))?;
        let id_token = tokens.id_token().ok_or("no ID token")?;
        let verified = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce))
            .map_err(|e| format!("ID token refused: {e}"))?;
        let issuer = verified.issuer().as_str().to_owned();
        let subject = verified.subject().as_str().to_owned();
        let claims = payload(&id_token.to_string()).ok_or("unreadable ID token")?;
        let text = |name: &str| claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let username = text(&sso.config.username_claim)
            .ok_or_else(|| format!("no `{}` claim", sso.config.username_claim))?;
        let strings = |name: &str| -> Vec<String> {
            claims
                .get(name)
                .and_then(|v| v.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|g| g.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let mfa = strings("amr").iter().any(|m| m == "mfa")
            || text("acr").is_some_and(|acr| sso.config.mfa_acr.contains(&acr));
        Ok(Verified {
            issuer,
            subject,
            username,
            display: text("name").unwrap_or_default(),
            groups: strings(&sso.config.groups_claim),
            mfa,
        })
    }
    .await;
    let v = match verified {
        Ok(v) => v,
        Err(why) => {
            tracing::info!(reason = %why, "SSO sign-in refused");
            state
                .services
                .identity()
                .audit_sso_refused(&why, &ctx.request)
                .await;
            return Redirect::to("/login?error=sso").into_response();
        }
    };
    let grants: Vec<SsoGrant> = sso
        .config
        .group_roles
        .iter()
        .filter(|m| v.groups.contains(&m.group))
        .cloned()
        .collect();
    let identity = SsoIdentity {
        issuer: &v.issuer,
        subject: &v.subject,
        username: &v.username,
        display_name: &v.display,
    };
    match state
        .services
        .identity()
        .sso_sign_in(&identity, &grants, &ctx.request)
        .await
    {
        Ok(principal) => {
            if session.cycle_id().await.is_err() {
                return berth_api::AppError::Unavailable.status_response();
            }
            // Berth's own second factor, unless the provider checked one.
            if !v.mfa {
                match state
                    .services
                    .identity()
                    .totp_enabled(principal.user_id)
                    .await
                {
                    Ok(true) => {
                        return crate::auth::await_second_factor(&session, principal.user_id, &next)
                            .await
                    }
                    Ok(false) => {}
                    Err(e) => return e.into_app_error(&ctx.request.request_id).status_response(),
                }
            } else if session.insert(MFA_BY_PROVIDER_KEY, true).await.is_err() {
                return berth_api::AppError::Unavailable.status_response();
            }
            crate::auth::signed_in(&session, &principal, &ctx.request, &headers, &next).await
        }
        Err(berth_core::Error::AddressRefused) => {
            Redirect::to("/login?error=address").into_response()
        }
        Err(berth_core::Error::Conflict { .. }) => {
            tracing::info!("SSO sign-in refused: the username belongs to an unlinked account");
            Redirect::to("/login?error=sso-unlinked").into_response()
        }
        Err(e) => {
            tracing::info!(error = %e, "SSO sign-in refused");
            Redirect::to("/login?error=sso").into_response()
        }
    }
}

/// What a verified ID token says.
struct Verified {
    issuer: String,
    subject: String,
    username: String,
    display: String,
    groups: Vec<String>,
    /// The provider checked a second factor (`amr` has `mfa`, or the `acr`
    /// is one configured as such).
    mfa: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_roles_parse_and_bad_entries_are_named() {
        let parsed =
            parse_group_roles("ops=operations-admin@platform; dev = vdc-user @ vdc:acme/web ;")
                .unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[0].scope, SsoScope::Platform);
        assert_eq!(
            parsed[1].scope,
            SsoScope::Vdc {
                domain: "acme".into(),
                vdc: "web".into()
            }
        );
        assert_eq!(parsed[1].group, "dev");
        assert!(parse_group_roles("ops=admin@galaxy")
            .unwrap_err()
            .contains("`ops=admin@galaxy`"));
        assert!(parse_group_roles("ops").is_err());
        assert!(parse_group_roles("").unwrap().is_empty());
    }
}
