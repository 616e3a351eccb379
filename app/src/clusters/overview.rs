//! A cluster's overview: version and health, how many nodes are ready,
//! capacity, allocatable and requested cpu, memory, GPUs and pods as charts
//! (ECharts, loaded only by pages with charts) and as a table of figures,
//! the namespaces with search and paging, and the latest warning events.
//! The page follows the cluster's changes while it is open.

use std::time::Duration;

use berth_api::{ClusterEvent, ClusterOverview, NamespaceSummary, ResourceUse};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};
use serde_json::{json, Value};

use crate::{
    api::Query,
    clusters::api::GetClusterOverview,
    clusters::list::health_badge,
    components::{
        follow_changes, holds, transition, ChartOption, EChart, ErrorBanner, Pager, SearchBox,
        Time, Waiting,
    },
    i18n::{use_lang, Lang, Text, T},
};

const NAMESPACES_PER_PAGE: usize = 20;
const GIB: f64 = 1_073_741_824.0;
const OK: &str = "#16a34a";
const BAD: &str = "#dc2626";
const CAPACITY: &str = "#94a3b8";
const ALLOCATABLE: &str = "#3b82f6";
const REQUESTED: &str = "#f59e0b";

/// At most two decimals, without trailing zeros (and never `-0`).
fn number(v: f64) -> String {
    let s = format!("{:.2}", v + 0.0);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A value of `resource` in the unit people read it in: cores, GiB, or a count.
fn in_unit(resource: &str, value: f64) -> f64 {
    let v = if resource == "memory" {
        value / GIB
    } else {
        value
    };
    (v * 100.0).round() / 100.0
}

/// A value of `resource` as text with its unit.
pub fn figure(lang: Lang, resource: &str, value: f64) -> String {
    let v = number(in_unit(resource, value));
    match resource {
        "cpu" => lang.fmt(T::UnitCores, &[&v]),
        "memory" => format!("{v} GiB"),
        _ => v,
    }
}

/// A chart's caption: the resource with the unit its bars are drawn in.
fn chart_title(resource: &str) -> Text {
    match resource {
        "cpu" => T::CpuCores,
        "memory" => T::MemoryGib,
        other => resource_name(other),
    }
}

fn resource_name(resource: &str) -> Text {
    match resource {
        "cpu" => T::Cpu,
        "memory" => T::Memory,
        "pods" => T::Pods,
        _ => T::Gpu,
    }
}

/// `capacity 24 cores, allocatable 23.4 cores, requested 1 cores (4%)`.
pub fn resource_figures(lang: Lang, r: &ResourceUse) -> String {
    let f = |v| figure(lang, &r.resource, v);
    lang.fmt(
        T::ResourceFigures,
        &[
            &f(r.capacity),
            &f(r.allocatable),
            &f(r.requested),
            &format!("{}%", number(r.requested_percent())),
        ],
    )
}

/// One named, coloured bar or slice of a chart.
fn point(value: Value, name: &str, color: &str) -> Value {
    json!({ "value": value, "name": name, "itemStyle": { "color": color } })
}

/// Three bars: what the nodes have, offer to pods, and have promised to pods.
pub fn resource_chart(lang: Lang, r: &ResourceUse) -> ChartOption {
    let bar = |value: f64, name: Text, color| {
        point(json!(in_unit(&r.resource, value)), lang.t(name), color)
    };
    ChartOption(json!({
        "grid": { "left": 8, "right": 48, "top": 8, "bottom": 8, "containLabel": true },
        // Plain-text tooltips: the default ones carry inline styles, which the policy refuses.
        "tooltip": { "trigger": "item", "formatter": "{b}: {c}" },
        "xAxis": { "type": "value" },
        "yAxis": {
            "type": "category",
            "inverse": true,
            "data": [lang.t(T::Capacity), lang.t(T::Allocatable), lang.t(T::Requested)],
        },
        "series": [{
            "type": "bar",
            "name": lang.t(resource_name(&r.resource)),
            "label": { "show": true, "position": "right" },
            "data": [
                bar(r.capacity, T::Capacity, CAPACITY),
                bar(r.allocatable, T::Allocatable, ALLOCATABLE),
                bar(r.requested, T::Requested, REQUESTED),
            ],
        }],
    }))
}

/// A ring of ready and not-ready nodes.
pub fn readiness_chart(lang: Lang, ready: i64, not_ready: i64) -> ChartOption {
    let part = |value: i64, name: Text, color| point(json!(value), lang.t(name), color);
    ChartOption(json!({
        "tooltip": { "trigger": "item", "formatter": "{b}: {c} ({d}%)" },
        "legend": { "bottom": 0 },
        "series": [{
            "type": "pie",
            "name": lang.t(T::NodeReadiness),
            "radius": ["45%", "70%"],
            "label": { "show": false },
            "data": [part(ready, T::NodeReady, OK), part(not_ready, T::NodeNotReady, BAD)],
        }],
    }))
}

#[component]
pub fn ClusterOverviewPage() -> impl IntoView {
    let lang = use_lang();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok())));
    // Bumped when the cluster reports changes (at most every 2 s): the page reloads.
    let live = RwSignal::new(0u32);
    follow_changes(id.into(), live, Duration::from_secs(2));
    let overview = Query::reloading(
        move || live.get() as usize,
        // No cluster has id 0: a malformed address gets the usual "not found".
        move || GetClusterOverview {
            id: id.get().unwrap_or(0),
        },
    );
    // The last overview read, for the charts: they update in place.
    let latest = RwSignal::new(None::<ClusterOverview>);
    Effect::new(move || {
        if let Some(Ok(o)) = overview.get() {
            latest.set(Some(o));
        }
    });
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    view! {
        {transition(Waiting::Loading, move || async move {
                match overview.await {
                    Ok(o) => view! { <Summary o=o /> }.into_any(),
                    Err(e) => view! {
                        <div class="page-head"><h1>{lang.t(T::Cluster)}</h1></div>
                        <ErrorBanner error=e />
                        <p><A href="/clusters">{lang.t(T::BackToClusters)}</A></p>
                    }.into_any(),
                }
            })}
        <Show when=move || latest.with(Option::is_some)>
            <Charts latest />
        </Show>
        {transition(Waiting::Loading, move || async move {
                overview.await.ok().map(|o| view! {
                    <ResourceTable resources=o.resources />
                    <Namespaces list=o.namespaces search page />
                    <Warnings list=o.warnings total=o.warning_total />
                })
            })}
    }
}

/// Title, health, version and the headline figures.
#[component]
fn Summary(o: ClusterOverview) -> impl IntoView {
    let lang = use_lang();
    let Some(cluster) = o.cluster.clone() else {
        return view! { <span></span> }.into_any();
    };
    let id = cluster.id;
    let total = o.nodes_ready + o.nodes_not_ready.len() as i64;
    view! {
        <div class="page-head">
            <h1>{lang.fmt(T::ClusterOverviewOf, &[&cluster.name])}</h1>
            <div class="page-actions">
                <A href="/clusters">{lang.t(T::BackToClusters)}</A>
                {holds("node.read").then(|| view! {
                    <A href=format!("/nodes?cluster={id}") attr:class="btn">{lang.t(T::ViewNodes)}</A>
                })}
            </div>
        </div>
        <p class="muted">
            <span class="mono">{cluster.api_url.clone()}</span>" "{health_badge(lang, &cluster)}
        </p>
        <div class="cards" id="cluster-figures">
            <div class="card card-static">
                <span class="card-figure" data-figure="version">{o.version.clone()}</span>
                <span class="card-label">{lang.t(T::Version)}" · "{o.platform.clone()}</span>
            </div>
            <div class="card card-static">
                <span class="card-figure" data-figure="nodes">{lang.fmt(T::NodesReadyFigure, &[&o.nodes_ready.to_string(), &total.to_string()])}</span>
                <span class="card-label">{lang.t(T::Nodes)}</span>
            </div>
            <div class="card card-static">
                <span class="card-figure" data-figure="namespaces">{o.namespaces.len()}</span>
                <span class="card-label">{lang.t(T::Namespaces)}</span>
            </div>
            <div class="card card-static">
                <span class="card-figure" data-figure="warnings">{o.warning_total}</span>
                <span class="card-label">{lang.t(T::RecentWarnings)}</span>
            </div>
        </div>
        {(!o.nodes_not_ready.is_empty()).then(|| view! {
            <p class="banner banner-error" role="status" id="nodes-not-ready">
                {lang.fmt(T::NodesNotReadyList, &[&o.nodes_not_ready.join(", ")])}
            </p>
        })}
    }
    .into_any()
}

/// The figures the resource charts draw, as a table.
#[component]
fn ResourceTable(resources: Vec<ResourceUse>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <h2 id="resources-title">{lang.t(T::ResourcesHeading)}</h2>
        <p class="hint">{lang.t(T::ResourcesHint)}</p>
        <table class="table" id="resources" aria-labelledby="resources-title">
            <thead><tr>
                <th scope="col">{lang.t(T::Name)}</th>
                <th scope="col">{lang.t(T::Capacity)}</th>
                <th scope="col">{lang.t(T::Allocatable)}</th>
                <th scope="col">{lang.t(T::Requested)}</th>
                <th scope="col">"%"</th>
            </tr></thead>
            <tbody>
                {resources.iter().map(|r| {
                    let f = |v| figure(lang, &r.resource, v);
                    view! {
                        <tr data-resource=r.resource.clone()>
                            <th scope="row">{lang.t(resource_name(&r.resource))}</th>
                            <td>{f(r.capacity)}</td>
                            <td>{f(r.allocatable)}</td>
                            <td>{f(r.requested)}</td>
                            <td>{format!("{}%", number(r.requested_percent()))}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The readiness ring and one bar chart per resource, redrawn in place.
#[component]
fn Charts(latest: RwSignal<Option<ClusterOverview>>) -> impl IntoView {
    let lang = use_lang();
    let counts = move || {
        latest.with(|o| {
            o.as_ref()
                .map(|o| (o.nodes_ready, o.nodes_not_ready.len() as i64))
                .unwrap_or_default()
        })
    };
    let readiness = Signal::derive(move || {
        let (ready, not_ready) = counts();
        readiness_chart(lang, ready, not_ready)
    });
    let readiness_label = Signal::derive(move || {
        let (ready, not_ready) = counts();
        lang.fmt(
            T::ChartOf,
            &[
                lang.t(T::NodeReadiness),
                &lang.fmt(
                    T::NodesReadyFigure,
                    &[&ready.to_string(), &(ready + not_ready).to_string()],
                ),
            ],
        )
    });
    let resource = move |i: usize| {
        move || latest.with(|o| o.as_ref().and_then(|o| o.resources.get(i).cloned()))
    };
    view! {
        <div class="chart-grid" id="charts">
            <figure class="chart-card">
                <figcaption>{lang.t(T::NodeReadiness)}</figcaption>
                <EChart id="chart-nodes".to_string() label=readiness_label chart=readiness />
            </figure>
            {(0..4).map(|i| {
                let r = resource(i);
                let name = Signal::derive(move || r().map(|r| lang.t(chart_title(&r.resource))).unwrap_or_default());
                let label = Signal::derive(move || r().map(|r| lang.fmt(T::ChartOf, &[lang.t(resource_name(&r.resource)), &resource_figures(lang, &r)])).unwrap_or_default());
                let chart = Signal::derive(move || r().map(|r| resource_chart(lang, &r)).unwrap_or_default());
                let no_gpus = move || r().is_some_and(|r| r.resource != "cpu" && r.resource != "memory" && r.resource != "pods" && r.capacity == 0.0);
                view! {
                    <figure class="chart-card">
                        <figcaption>{name}</figcaption>
                        <EChart id=format!("chart-resource-{i}") label chart />
                        {move || no_gpus().then(|| view! { <p class="hint">{lang.t(T::NoGpus)}</p> })}
                    </figure>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn Namespaces(
    list: Vec<NamespaceSummary>,
    search: RwSignal<String>,
    page: RwSignal<u32>,
) -> impl IntoView {
    let lang = use_lang();

    let list = StoredValue::new(list);
    let matching = move || {
        let s = search.get();
        list.with_value(|l| {
            l.iter()
                .filter(|n| n.name.contains(s.trim()))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <h2 id="namespaces-title">{lang.t(T::Namespaces)}</h2>
        <SearchBox search page />

        {move || {
            let all = matching();
            if all.is_empty() {
                return view! { <p class="empty">{lang.t(T::NoNamespacesMatch)}</p> }.into_any();
            }
            let total = all.len();
            let pages = total.div_ceil(NAMESPACES_PER_PAGE).max(1) as u32;
            let at = (page.get().clamp(1, pages) as usize - 1) * NAMESPACES_PER_PAGE;
            view! {
                <table class="table" id="namespaces" aria-labelledby="namespaces-title">
                    <thead><tr>
                        <th scope="col">{lang.t(T::Name)}</th>
                        <th scope="col">{lang.t(T::Status)}</th>
                        <th scope="col">{lang.t(T::Pods)}</th>
                        <th scope="col">{lang.t(T::Vdc)}</th>
                        <th scope="col">{lang.t(T::Created)}</th>
                    </tr></thead>
                    <tbody>
                        {all.into_iter().skip(at).take(NAMESPACES_PER_PAGE).map(|n| view! {
                            <tr data-namespace=n.name.clone()>
                                <td class="mono">{n.name.clone()}</td>
                                <td>{super::kube_word(lang, &n.phase)}</td>
                                <td>{n.pods}</td>
                                <td>{match n.vdc.clone() {
                                    Some(v) => view! { <A href=format!("/vdcs/{}", v.vdc_id)>{v.name}</A> }.into_any(),
                                    None => "—".into_any(),
                                }}</td>
                                <td>{n.created_at.clone().map(|at| view! { <Time at /> })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                <Pager page pages total=total as i64 />
            }
            .into_any()
        }}
    }
}

#[component]
fn Warnings(list: Vec<ClusterEvent>, total: i64) -> impl IntoView {
    let lang = use_lang();
    view! {
        <h2 id="warnings-title">{lang.t(T::RecentWarnings)}</h2>
        {if list.is_empty() {
            view! { <p class="empty">{lang.t(T::NoWarnings)}</p> }.into_any()
        } else {
            view! {
                <p class="hint">{lang.fmt(T::WarningsShown, &[&list.len().to_string(), &total.to_string()])}</p>
                <EventTable list id="warnings" labelled_by="warnings-title" />
            }.into_any()
        }}
    }
}

/// Events, newest first: when, where, about what, why; warnings marked.
#[component]
pub fn EventTable(
    list: Vec<ClusterEvent>,
    id: &'static str,
    labelled_by: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table class="table" id=id aria-labelledby=labelled_by>
            <thead><tr>
                <th scope="col">{lang.t(T::EventLastSeen)}</th>
                <th scope="col">{lang.t(T::Namespace)}</th>
                <th scope="col">{lang.t(T::Object)}</th>
                <th scope="col">{lang.t(T::Reason)}</th>
                <th scope="col">{lang.t(T::Message)}</th>
                <th scope="col">{lang.t(T::Count)}</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|e| view! {
                    <tr data-reason=e.reason.clone() class:row-invalid=e.kind == "Warning">
                        <td>{e.last_seen.clone().map(|at| view! { <Time at /> })}</td>
                        <td class="mono">{e.namespace.clone()}</td>
                        <td class="mono">{e.object.clone()}</td>
                        <td>{e.reason.clone()}</td>
                        <td>{e.message.clone()}</td>
                        <td>{e.count}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu() -> ResourceUse {
        ResourceUse {
            resource: "cpu".into(),
            capacity: 24.0,
            allocatable: 23.4,
            requested: 1.17,
        }
    }

    #[test]
    fn figures_read_in_their_units() {
        assert_eq!(figure(Lang::En, "cpu", 23.4), "23.4 cores");
        assert_eq!(figure(Lang::Zh, "cpu", 0.25), "0.25 核");
        assert_eq!(figure(Lang::En, "memory", 93.0 * GIB), "93 GiB");
        assert_eq!(figure(Lang::En, "memory", 0.5 * GIB), "0.5 GiB");
        assert_eq!(figure(Lang::En, "pods", 330.0), "330");
        assert_eq!(
            figure(Lang::En, "pods", [].iter().sum::<f64>()),
            "0",
            "an empty sum is -0"
        );
        assert_eq!(
            resource_figures(Lang::En, &cpu()),
            "capacity 24 cores, allocatable 23.4 cores, requested 1.17 cores (5% of allocatable)"
        );
    }

    #[test]
    fn charts_carry_the_three_figures_in_order() {
        let option = resource_chart(Lang::En, &cpu()).0;
        let data = &option["series"][0]["data"];
        let values: Vec<f64> = (0..3).filter_map(|i| data[i]["value"].as_f64()).collect();
        assert_eq!(values, [24.0, 23.4, 1.17]);
        assert_eq!(data[2]["name"], "Requested");
        assert_eq!(
            option["yAxis"]["data"],
            serde_json::json!(["Capacity", "Allocatable", "Requested"])
        );
        let ring = readiness_chart(Lang::Zh, 2, 1).0;
        let items = &ring["series"][0]["data"];
        assert_eq!(
            (items[0]["value"].as_i64(), items[0]["name"].as_str()),
            (Some(2), Some("就绪"))
        );
        assert_eq!(
            (items[1]["value"].as_i64(), items[1]["name"].as_str()),
            (Some(1), Some("未就绪"))
        );
    }
}
