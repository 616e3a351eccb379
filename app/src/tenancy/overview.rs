use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    api::Query,
    components::{suspense, ErrorBanner, Waiting},
    i18n::{use_lang, T},
    identity::api::GetCurrentUser,
    tenancy::api::GetOverview,
};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let lang = use_lang();
    let overview = Query::new(|| GetOverview {});
    let me = Query::new(|| GetCurrentUser {});
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
