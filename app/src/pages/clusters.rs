use leptos::prelude::*;

use crate::{
    api::list_clusters,
    components::ErrorBanner,
    i18n::{use_lang, T},
};

#[component]
pub fn ClustersPage() -> impl IntoView {
    let lang = use_lang();
    let clusters = Resource::new(|| (), |_| list_clusters());
    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavClusters)}</h1>
        </div>
        <Suspense fallback=move || view! { <p class="loading">{lang.t(T::Loading)}</p> }>
            {move || Suspend::new(async move {
                match clusters.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t(T::NoClusters)}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table">
                            <thead>
                                <tr>
                                    <th scope="col">{lang.t(T::Name)}</th>
                                    <th scope="col">{lang.t(T::ApiUrl)}</th>
                                    <th scope="col">{lang.t(T::Version)}</th>
                                    <th scope="col">{lang.t(T::Nodes)}</th>
                                    <th scope="col">{lang.t(T::Reachability)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|c| view! {
                                    <tr>
                                        <td>{c.name}</td>
                                        <td class="mono">{c.api_url}</td>
                                        <td>{c.version.unwrap_or_else(|| "—".into())}</td>
                                        <td>{c.node_count.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                                        <td>
                                            {if c.reachable {
                                                view! { <span class="badge badge-ok">{lang.t(T::Reachable)}</span> }.into_any()
                                            } else {
                                                view! { <span class="badge badge-bad" title=c.error.unwrap_or_default()>{lang.t(T::Unreachable)}</span> }.into_any()
                                            }}
                                        </td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
