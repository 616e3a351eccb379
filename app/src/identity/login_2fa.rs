//! The second sign-in step: a plain HTML form posted to `/auth/2fa`, so it
//! works before (or without) the WASM bundle, like the sign-in page.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    components::LanguageSwitch,
    i18n::{use_lang, T},
};

#[component]
pub fn SecondFactorPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let failed = move || query.read().get("error").is_some();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <main class="login-page">
            <form class="login-card" method="post" action="/auth/2fa">
                <h1>{lang.t(T::SecondFactorTitle)}</h1>
                <p class="muted">{lang.t(T::SecondFactorHint)}</p>
                {move || failed().then(|| view! {
                    <p class="banner banner-error" role="alert">{lang.t(T::FieldWrongCode)}</p>
                })}
                <div class="field">
                    <label for="code">{lang.t(T::Code)}</label>
                    <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code"
                        required autofocus />
                </div>
                <input type="hidden" name="next" value=next />
                <button type="submit" class="btn btn-primary">{lang.t(T::Verify)}</button>
                <p><a href="/login" rel="external">{lang.t(T::BackToSignIn)}</a></p>
            </form>
            <LanguageSwitch />
        </main>
    }
}
