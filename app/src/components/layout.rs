//! The frame around every signed-in page: top bar, side navigation, main.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::use_location,
};

use crate::{
    api::get_current_user,
    i18n::{use_lang, Lang, T},
};

/// Link that switches the language (a server round trip that sets the
/// cookie and comes back), so it works before the WASM has loaded.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = use_lang();
    let location = use_location();
    let href = move |target: Lang| {
        let next = format!("{}{}", location.pathname.get(), location.search.get());
        format!("/lang/{}?next={}", target.tag(), encode(&next))
    };
    view! {
        <div class="lang-switch" role="group" aria-label=lang.t(T::Language)>
            <a href=move || href(Lang::En) rel="external" hreflang="en" aria-current=move || (lang == Lang::En).then_some("true")>"English"</a>
            <a href=move || href(Lang::Zh) rel="external" hreflang="zh-CN" aria-current=move || (lang == Lang::Zh).then_some("true")>"简体中文"</a>
        </div>
    }
}

/// Percent-encodes text for a URL path or query value.
pub fn encode(path: &str) -> String {
    path.chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '/' | '-' | '_' | '.' | '~' => c.to_string(),
            other => {
                let mut buf = [0u8; 4];
                other
                    .encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

#[component]
fn UserMenu() -> impl IntoView {
    let lang = use_lang();
    let me = Resource::new(|| (), |_| get_current_user());
    view! {
        <details class="user-menu">
            <summary aria-label=lang.t(T::UserMenu)>
                <Suspense fallback=|| "…">
                    {move || Suspend::new(async move {
                        me.await.map(|u| u.display_name).unwrap_or_default()
                    })}
                </Suspense>
            </summary>
            <div class="user-menu-panel">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.ok().map(|u| view! {
                            <p class="muted">{lang.t(T::SignedInAs)} " " <strong>{u.username}</strong></p>
                        })
                    })}
                </Suspense>
                <a class="menu-link" href="/account/password">{lang.t(T::ChangePassword)}</a>
                <a class="menu-link" href="/account/2fa">{lang.t(T::TwoFactor)}</a>
                <form method="post" action="/auth/logout">
                    <button type="submit" class="btn">{lang.t(T::SignOut)}</button>
                </form>
            </div>
        </details>
    }
}

#[component]
pub fn Shell() -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="layout">
            <header class="topbar">
                <a class="brand" href="/">{lang.t(T::Brand)}</a>
                <span class="tagline">{lang.t(T::Tagline)}</span>
                <span class="spacer"></span>
                <LanguageSwitch />
                <UserMenu />
            </header>
            <nav class="sidenav" aria-label=lang.t(T::MainNavigation)>
                <ul>
                    <li><A href="/" exact=true>{lang.t(T::NavOverview)}</A></li>
                </ul>
                <h2>{lang.t(T::AreaTenancy)}</h2>
                <ul>
                    <li><A href="/domains">{lang.t(T::NavDomains)}</A></li>
                    <li><A href="/vdcs">{lang.t(T::NavVdcs)}</A></li>
                </ul>
                <h2>{lang.t(T::AreaInfrastructure)}</h2>
                <ul>
                    <li><A href="/clusters">{lang.t(T::NavClusters)}</A></li>
                </ul>
                <h2>{lang.t(T::AreaAdministration)}</h2>
                <ul>
                    <li><A href="/security">{lang.t(T::NavSecurity)}</A></li>
                    <li><A href="/audit">{lang.t(T::NavAudit)}</A></li>
                </ul>
            </nav>
            <main class="content" id="main">
                <Outlet />
            </main>
        </div>
    }
}
