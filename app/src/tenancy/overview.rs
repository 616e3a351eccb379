use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};

use crate::{
    api::Query,
    components::{held_permissions, suspense, AfterMount, ErrorBanner, Me, Waiting},
    i18n::{use_lang, T},
    identity::api::GetCurrentUser,
    tenancy::api::{items, vdc_choices, GetOverview},
};

// Loaded only for tenants, not with every first page: their VDCs on the
// landing (`None`), or the switcher on a VDC's page (one split point).
#[leptos::lazy]
fn your_vdcs(current: Option<i64>) -> AnyView {
    match current {
        None => view! { <YourVdcs /> }.into_any(),
        Some(current) => view! { <VdcSwitcher current /> }.into_any(),
    }
}

/// On a VDC's page, for a member of several: a choice of their others.
pub fn vdc_switcher(current: i64) -> impl IntoView {
    view! { <AfterMount view=move || Suspend::new(your_vdcs(Some(current))).into_any() /> }
}

#[component]
fn VdcSwitcher(current: i64) -> impl IntoView {
    let lang = use_lang();
    let vdcs = vdc_choices();
    let navigate = use_navigate();
    suspense(Waiting::Nothing, move || {
        let navigate = navigate.clone();
        async move {
            let list = items(vdcs.await);
            (list.len() > 1).then(|| view! {
                <label class="switcher">
                    <span class="sr-only">{lang.t(T::SwitchVdc)}</span>
                    <select on:change=move |ev| navigate(&format!("/vdcs/{}", event_target_value(&ev)), Default::default())>
                        {list.into_iter().map(|v| view! {
                            <option value=v.id.to_string() selected=v.id == current>
                                {format!("{}/{}", v.domain_name, v.display_name)}
                            </option>
                        }).collect_view()}
                    </select>
                </label>
            })
        }
    })
}

/// A tenant's landing: the VDCs they belong to, and straight into the
/// one when there is only one.
#[component]
fn YourVdcs() -> impl IntoView {
    let lang = use_lang();
    let vdcs = vdc_choices();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(list) = vdcs.get().map(items) {
            if let [only] = list.as_slice() {
                navigate(&format!("/vdcs/{}", only.id), Default::default());
            }
        }
    });
    view! {
        <h2>{lang.t(T::YourVdcs)}</h2>
        {suspense(Waiting::Loading, move || async move {
            let list = items(vdcs.await);
            if list.is_empty() {
                return view! { <p class="empty">{lang.t(T::NoVdcYet)}</p> }.into_any();
            }
            view! {
                <div class="cards">
                    {list.into_iter().map(|v| view! {
                        <A href=format!("/vdcs/{}", v.id) attr:class="card">
                            <span class="card-label">{v.domain_name}"/"</span>
                            <span class="card-figure">{v.display_name}</span>
                        </A>
                    }).collect_view()}
                </div>
            }.into_any()
        })}
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let lang = use_lang();
    let overview = Query::new(|| GetOverview {});
    let me = Query::new(|| GetCurrentUser {});
    let me_context = use_context::<Me>();
    view! {
        <h1>
            <Suspense fallback=move || lang.t(T::NavOverview)>
                {move || Suspend::new(async move {
                    match me.await {
                        Ok(u) => lang.fmt(T::Welcome, &[&u.display_name]),
                        Err(_) => lang.t(T::NavOverview).to_owned(),
                    }
                })}
            </Suspense>
        </h1>
        <p class="muted">{lang.t(T::OverviewIntro)}</p>
        // Someone who sees no domain works inside VDCs: theirs come first.
        {suspense(Waiting::Nothing, move || async move {
            let held = held_permissions(me_context).await;
            let holds = |p: &str| held.iter().any(|h| h == p);
            (!holds("domain.read") && holds("vdc.read"))
                .then(|| view! { <AfterMount view=|| Suspend::new(your_vdcs(None)).into_any() /> })
        })}
        {suspense(Waiting::Loading, move || async move {
                match overview.await {
                    Ok(o) => view! {
                        <div class="cards">
                            <A href="/domains" attr:class="card">
                                <span class="card-figure">{o.domains}</span>
                                <span class="card-label">{lang.t(T::NavDomains)}</span>
                            </A>
                            <A href="/vdcs" attr:class="card">
                                <span class="card-figure">{o.vdcs}</span>
                                <span class="card-label">{lang.t(T::NavVdcs)}</span>
                            </A>
                            <A href="/clusters" attr:class="card">
                                <span class="card-figure">{o.clusters}</span>
                                <span class="card-label">{lang.t(T::NavClusters)}</span>
                            </A>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
    }
}
