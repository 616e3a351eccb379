//! The sign-in page: a plain HTML form posted to `/auth/login`, so it works
//! before (or without) the WASM bundle.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::LanguageSwitch,
    i18n::{use_lang, T},
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let message = move || {
        let q = query.read();
        match q.get("error").as_deref() {
            Some("locked") => {
                let secs = q.get("retry").and_then(|r| r.parse().ok()).unwrap_or(60);
                Some(lang.locked(secs))
            }
            Some("address") => Some(lang.t(T::AddressRefused).to_owned()),
            Some("expired") => Some(lang.t(T::SecondFactorExpired).to_owned()),
            Some("sso") => Some(lang.t(T::SsoRefused).to_owned()),
            Some("sso-unlinked") => Some(lang.t(T::SsoUnlinked).to_owned()),
            Some("local") => Some(lang.t(T::LocalLoginOff).to_owned()),
            Some(_) => Some(lang.t(T::InvalidCredentials).to_owned()),
            None => None,
        }
    };
    let next = move || query.read().get("next").unwrap_or_default();
    let options = crate::SignInOptions::current();
    let sso_href = move || {
        format!(
            "/auth/oidc/start?next={}",
            crate::components::encode(&next())
        )
    };
    view! {
        <main class="login-page">
            <form class="login-card" method="post" action="/auth/login">
                <h1>{lang.t(T::SignInTitle)}</h1>
                <p class="muted">{lang.t(T::Tagline)}</p>
                {move || message().map(|m| view! {
                    <p class="banner banner-error" role="alert" id="login-error">{m}</p>
                })}
                {options.sso.then(|| view! {
                    <a class="btn btn-primary btn-block" href=sso_href rel="external">{lang.t(T::SignInWithSso)}</a>
                })}
                <Show when=move || options.local>
                <div class="field">
                    <label for="username">{lang.t(T::Username)}</label>
                    <input id="username" name="username" type="text" autocomplete="username" required autofocus />
                </div>
                <div class="field">
                    <label for="password">{lang.t(T::Password)}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required />
                </div>
                <input type="hidden" name="next" value=next />
                <button type="submit" class="btn btn-primary">{lang.t(T::SignIn)}</button>
                </Show>
            </form>
            <LanguageSwitch />
        </main>
    }
}
