//! Berth's user interface: the app shell, routes and pages, rendered on the
//! server and hydrated in the browser.
//!
//! One folder per product area (`identity`, `tenancy`, `clusters`,
//! `audit`), each holding its pages and the server functions they call
//! (`<area>/api.rs`); shared pieces in `components`, `i18n` and `api`.
//! Under the `ssr` feature server functions run the core in-process. The core crate is compiled only with
//! `ssr`, so no database or cluster code reaches the WASM bundle.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![recursion_limit = "256"]

pub mod api;
pub mod audit;
pub mod clusters;
pub mod components;
pub mod i18n;
pub mod identity;
mod routes;
pub mod tenancy;

use leptos::prelude::*;
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, Lazy,
};

use crate::{
    components::{not_found::NotFound, Shell},
    identity::{login::LoginPage, login_2fa::SecondFactorPage},
    routes::{
        AuditRoute, ChangePasswordRoute, ClusterOverviewRoute, ClustersRoute, DomainRoute,
        DomainsRoute, NodesRoute, RolesRoute, SecurityRoute, SessionsRoute, TwoFactorRoute,
        UsersRoute, VdcRoute, VdcsRoute,
    },
    tenancy::overview::OverviewPage,
};

/// How people may sign in: shown on the sign-in page. The server provides
/// it when rendering; the browser reads it back from `<html>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInOptions {
    /// A single sign-on provider is configured.
    pub sso: bool,
    /// Berth passwords may be used.
    pub local: bool,
}

impl Default for SignInOptions {
    fn default() -> Self {
        Self {
            sso: false,
            local: true,
        }
    }
}

impl SignInOptions {
    pub fn current() -> Self {
        #[cfg(feature = "ssr")]
        {
            use_context::<SignInOptions>().unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            let attr = |name: &str| {
                document()
                    .document_element()
                    .and_then(|e| e.get_attribute(name))
            };
            Self {
                sso: attr("data-sso").as_deref() == Some("on"),
                local: attr("data-local-login").as_deref() != Some("off"),
            }
        }
    }
}

/// The Content-Security-Policy of every page: scripts only from this site
/// or carrying this response's nonce (Leptos' hydration script), WASM
/// compilation allowed, no inline styles, no framing, forms only to us.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Puts the page's policy, with the nonce Leptos gave this response, on
/// the response.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(&nonce)) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let lang = i18n::initial_lang();
    let sign_in = SignInOptions::current();
    let css = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag() data-sso=if sign_in.sso { "on" } else { "off" }
            data-local-login=if sign_in.local { "on" } else { "off" }>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="stylesheet" href=css />
                <HydrationScripts options />
                <title>"Berth"</title>
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_context(i18n::initial_lang());
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage />
                <Route path=path!("/login/2fa") view=SecondFactorPage />
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=OverviewPage />
                    <Route path=path!("domains") view={Lazy::<DomainsRoute>::new()} />
                    <Route path=path!("domains/:id") view={Lazy::<DomainRoute>::new()} />
                    <Route path=path!("vdcs") view={Lazy::<VdcsRoute>::new()} />
                    <Route path=path!("vdcs/:id") view={Lazy::<VdcRoute>::new()} />
                    <Route path=path!("clusters") view={Lazy::<ClustersRoute>::new()} />
                    <Route path=path!("clusters/:id") view={Lazy::<ClusterOverviewRoute>::new()} />
                    <Route path=path!("nodes") view={Lazy::<NodesRoute>::new()} />
                    <Route path=path!("security") view={Lazy::<SecurityRoute>::new()} />
                    <Route path=path!("audit") view={Lazy::<AuditRoute>::new()} />
                    <Route path=path!("users") view={Lazy::<UsersRoute>::new()} />
                    <Route path=path!("roles") view={Lazy::<RolesRoute>::new()} />
                    <Route path=path!("account/password") view={Lazy::<ChangePasswordRoute>::new()} />
                    <Route path=path!("account/2fa") view={Lazy::<TwoFactorRoute>::new()} />
                    <Route path=path!("account/sessions") view={Lazy::<SessionsRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
