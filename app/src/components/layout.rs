//! The frame around every signed-in page: top bar, side navigation, main.

use leptos::prelude::*;
use leptos_router::{
    components::{Outlet, A},
    hooks::use_location,
};

use crate::{
    api::Query,
    i18n::{use_lang, Lang, Text, T},
    identity::api::GetCurrentUser,
};

use super::{suspense, Waiting};

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

/// The signed-in user, loaded once by the shell for every page.
#[derive(Clone, Copy)]
pub struct Me(pub Query<GetCurrentUser>);

/// Whether the signed-in user holds `permission` anywhere, for offering
/// navigation and actions. Read inside a `Suspense`. The server decides
/// every call at its own scope regardless.
pub fn holds(permission: &str) -> bool {
    use_context::<Me>()
        .and_then(|me| me.0.get())
        .and_then(|r| r.ok())
        .is_some_and(|u| u.permissions.iter().any(|p| p == permission))
}

/// The signed-in user's permission keys, once known: for a section that
/// decides by them inside a `Suspense` (the server renders it as the
/// browser hydrates it only when both wait for them). Take the `Me` with
/// `use_context` outside the async block.
pub async fn held_permissions(me: Option<Me>) -> Vec<String> {
    match me {
        Some(me) => me.0.await.map(|u| u.permissions).unwrap_or_default(),
        None => vec![],
    }
}

/// Shows `children` only to holders of `permission`.
#[component]
pub fn IfHeld(permission: &'static str, children: ChildrenFn) -> impl IntoView {
    view! { <IfAnyHeld permissions=vec![permission] children /> }
}

/// Shows `children` only to holders of one of `permissions` (a navigation
/// section, shown when one of its entries is).
#[component]
pub fn IfAnyHeld(permissions: Vec<&'static str>, children: ChildrenFn) -> impl IntoView {
    let me = use_context::<Me>();
    suspense(Waiting::Nothing, move || {
        let children = children.clone();
        let permissions = permissions.clone();
        async move {
            let held = match me {
                Some(me) => me.0.await.is_ok_and(|u| {
                    u.permissions
                        .iter()
                        .any(|p| permissions.contains(&p.as_str()))
                }),
                None => false,
            };
            held.then(|| children())
        }
    })
}

#[component]
fn UserMenu(me: Query<GetCurrentUser>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <details class="user-menu">
            <summary aria-label=lang.t(T::UserMenu)>
                {suspense(Waiting::Ellipsis, move || async move {
                    me.await.map(|u| u.display_name).unwrap_or_default()
                })}
            </summary>
            <div class="user-menu-panel">
                {suspense(Waiting::Nothing, move || async move {
                    me.await.ok().map(|u| view! {
                        <p class="muted">{lang.t(T::SignedInAs)} " " <strong>{u.username}</strong></p>
                    })
                })}
                <a class="menu-link" href="/account/password">{lang.t(T::ChangePassword)}</a>
                <a class="menu-link" href="/account/2fa">{lang.t(T::TwoFactor)}</a>
                <a class="menu-link" href="/account/sessions">{lang.t(T::MySessions)}</a>
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
    let me = Query::new(|| GetCurrentUser {});
    provide_context(Me(me));
    // On narrow screens the navigation opens behind the menu button and
    // closes again on every move to another page.
    let nav_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move || {
        location.pathname.track();
        nav_open.set(false);
    });
    // A section with its heading, shown when one of its entries is; each
    // entry for holders of its permission (known by then: no second wait).
    let section = move |heading: Text, entries: &'static [(&'static str, &'static str, Text)]| {
        let permissions: Vec<&'static str> = entries.iter().map(|(_, p, _)| *p).collect();
        view! {
            <IfAnyHeld permissions>
                <h2>{lang.t(heading)}</h2>
                <ul>
                    {entries
                        .iter()
                        .filter(|(_, permission, _)| holds(permission))
                        .map(|(href, _, label)| view! { <li><A href=*href>{lang.t(*label)}</A></li> })
                        .collect_view()}
                </ul>
            </IfAnyHeld>
        }
    };
    view! {
        <a class="skip-link" href="#main" on:click=move |ev| {
            // Focus moves with the jump, so Tab goes on from the content.
            ev.prevent_default();
            super::focus_by_id("main");
        }>{lang.t(T::SkipToContent)}</a>
        <div class="layout" class:nav-open=move || nav_open.get()>
            <header class="topbar">
                <button class="btn menu-button" type="button" aria-controls="sidenav"
                    aria-expanded=move || nav_open.get().to_string()
                    on:click=move |_| nav_open.update(|o| *o = !*o)>
                    <span aria-hidden="true">"☰ "</span>{lang.t(T::Menu)}
                </button>
                <a class="brand" href="/">{lang.t(T::Brand)}</a>
                <span class="tagline">{lang.t(T::Tagline)}</span>
                <span class="spacer"></span>
                <LanguageSwitch />
                <UserMenu me />
            </header>
            <nav class="sidenav" id="sidenav" aria-label=lang.t(T::MainNavigation)
                on:keydown=move |ev| if ev.key() == "Escape" && nav_open.get_untracked() {
                    nav_open.set(false);
                }>
                <ul>
                    <li><A href="/" exact=true>{lang.t(T::NavOverview)}</A></li>
                </ul>
                {section(T::AreaTenancy, &[
                    ("/domains", "domain.read", T::NavDomains),
                    ("/vdcs", "vdc.read", T::NavVdcs),
                ])}
                {section(T::AreaInfrastructure, &[
                    ("/clusters", "cluster.read", T::NavClusters),
                    ("/nodes", "node.read", T::NavNodes),
                ])}
                {section(T::AreaAdministration, &[
                    ("/users", "user.read", T::NavUsers),
                    ("/roles", "role.read", T::NavRoles),
                    ("/security", "security.policy.read", T::NavSecurity),
                    ("/audit", "audit.read", T::NavAudit),
                ])}
            </nav>
            <main class="content" id="main" tabindex="-1">
                <Outlet />
            </main>
        </div>
    }
}
