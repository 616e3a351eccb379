use leptos::prelude::*;

use crate::i18n::{use_lang, T};

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let lang = use_lang();
    view! {
        <main class="content">
            <h1>{lang.t(T::NotFoundPage)}</h1>
            <a href="/">{lang.t(T::BackHome)}</a>
        </main>
    }
}
