//! A VDC's usage, on the VDC's page: per cluster a chart of how much of
//! each quota is taken (and, for cpu and memory, used now), the same
//! figures as a table, each app space's share, a CSV of it all, and the
//! latest events of the VDC's namespaces.

use berth_api::{AppSpaceUsage, ClusterEvent, ClusterUsage, QuotaLine, QuotaResource};
use leptos::prelude::*;
use serde_json::json;

use crate::{
    api::Query,
    clusters::overview::EventTable,
    components::{transition, ChartOption, EChart, ErrorBanner, Waiting},
    i18n::{use_lang, Lang, T},
    tenancy::{
        api::GetVdcUsage,
        quota::{figure, resource_name},
    },
};

/// `part` of `whole` in percent, one decimal; 0 of nothing is 0.
fn percent(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 1000.0).round() / 10.0
}

/// The lines worth drawing: those with a quota or with something taken.
fn shown(lines: &[QuotaLine]) -> Vec<&QuotaLine> {
    lines
        .iter()
        .filter(|l| l.limit > 0 || l.used.unwrap_or(0) > 0)
        .collect()
}

/// `v` of `l`'s quota, in percent; nothing where it is unknown.
fn share_of(v: Option<i64>, l: &QuotaLine) -> serde_json::Value {
    v.map_or(json!(null), |v| json!(percent(v, l.limit)))
}

/// Bars per resource of the VDC's quota: what each app space takes,
/// stacked, and beside them what the pods use now.
fn usage_chart(lang: Lang, lines: &[QuotaLine], spaces: &[AppSpaceUsage]) -> ChartOption {
    let names: Vec<String> = lines
        .iter()
        .map(|l| resource_name(lang, &l.resource))
        .collect();
    let mut series: Vec<serde_json::Value> = spaces
        .iter()
        .map(|a| {
            let data: Vec<_> = lines
                .iter()
                .map(|l| {
                    let taken = a.lines.iter().find(|x| x.resource == l.resource);
                    share_of(taken.and_then(|x| x.used), l)
                })
                .collect();
            json!({ "type": "bar", "name": a.name, "stack": "taken", "data": data })
        })
        .collect();
    let in_use: Vec<_> = lines.iter().map(|l| share_of(l.in_use, l)).collect();
    series.push(json!({
        "type": "bar", "name": lang.t(T::UsageInUse), "data": in_use,
        "itemStyle": { "color": "#1a9a6b" },
    }));
    // The whole quota is the scale; more only if something went over it.
    let most = lines
        .iter()
        .flat_map(|l| [l.used, l.in_use].map(|v| percent(v.unwrap_or(0), l.limit)))
        .fold(100.0, f64::max);
    ChartOption(json!({
        "grid": { "left": 8, "right": 40, "top": 28, "bottom": 8, "containLabel": true },
        "tooltip": { "trigger": "item", "formatter": "{b} · {a}: {c}%" },
        "legend": { "top": 0, "type": "scroll" },
        "xAxis": { "type": "value", "min": 0, "max": most, "axisLabel": { "formatter": "{value}%" } },
        "yAxis": { "type": "category", "inverse": true, "data": names },
        "series": series,
    }))
}

#[component]
pub fn UsageSection(vdc_id: i64) -> impl IntoView {
    let lang = use_lang();
    let refreshed = RwSignal::new(0usize);
    let usage = Query::reloading(move || refreshed.get(), move || GetVdcUsage { id: vdc_id });
    view! {
        <section aria-labelledby="usage-title">
            <div class="page-head">
                <h2 id="usage-title">{lang.t(T::UsageTitle)}</h2>
                <div class="row-actions">
                    <button class="btn" type="button" on:click=move |_| refreshed.update(|v| *v += 1)>
                        {lang.t(T::Refresh)}
                    </button>
                    <a class="btn" href=format!("/usage/export.csv?vdc={vdc_id}") rel="external"
                        download=format!("berth-usage-vdc-{vdc_id}.csv")>{lang.t(T::ExportCsv)}</a>
                </div>
            </div>
            <p class="hint">{lang.t(T::UsageIntro)}</p>
            {transition(Waiting::Loading, move || async move {
                match usage.await {
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    Ok(u) if u.clusters.is_empty() => {
                        view! { <p class="empty">{lang.t(T::UsageNoSpaces)}</p> }.into_any()
                    }
                    Ok(u) => view! {
                        {u.clusters.into_iter().map(|c| view! { <ClusterUsagePanel c /> }).collect_view()}
                        <Events events=u.events />
                    }
                    .into_any(),
                }
            })}
        </section>
    }
}

#[component]
fn ClusterUsagePanel(c: ClusterUsage) -> impl IntoView {
    let lang = use_lang();
    let lines: Vec<QuotaLine> = shown(&c.lines).into_iter().cloned().collect();
    let chart = usage_chart(lang, &lines, &c.app_spaces);
    let label = lang.fmt(T::UsageChartOf, &[&c.cluster_name]);
    let title_id = format!("usage-{}-title", c.cluster_id);
    let rows = lines
        .iter()
        .map(|l| {
            let r = &l.resource;
            view! {
                <tr>
                    <th scope="row">{resource_name(lang, r)}</th>
                    <td class="mono" data-label=lang.t(T::QuotaTitle)>{r.display(l.limit)}</td>
                    <td class="mono" data-label=lang.t(T::UsageTaken)>{figure(lang, r, l.used)}</td>
                    <td class="mono" data-label=lang.t(T::UsageShare)>
                        {l.used.map(|u| format!("{}%", percent(u, l.limit)))}
                    </td>
                    <td class="mono" data-label=lang.t(T::UsageInUse)>
                        {l.in_use.map(|v| r.display(v))}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let labelled_by = title_id.clone();
    view! {
        <div class="panel" role="group" aria-labelledby=labelled_by>
            <h3 id=title_id>{c.cluster_name.clone()}</h3>
            {(!c.reachable).then(|| view! {
                <p class="banner banner-error" role="status">{lang.t(T::UsageUnreachable)}</p>
            })}
            {(!lines.is_empty()).then(|| view! {
                <EChart id=format!("usage-chart-{}", c.cluster_id) label=Signal::stored(label) chart=Signal::stored(chart) />
            })}
            <div class="table-scroll">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{lang.t(T::QuotaResourceCol)}</th>
                            <th scope="col">{lang.t(T::QuotaTitle)}</th>
                            <th scope="col">{lang.t(T::UsageTaken)}</th>
                            <th scope="col">{lang.t(T::UsageShare)}</th>
                            <th scope="col">{lang.t(T::UsageInUse)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <SpaceTable spaces=c.app_spaces />
        </div>
    }
}

/// Each app space's cpu, memory and pods: taken of its quota.
#[component]
fn SpaceTable(spaces: Vec<AppSpaceUsage>) -> impl IntoView {
    let lang = use_lang();
    const MAIN: [QuotaResource; 3] = [
        QuotaResource::Cpu,
        QuotaResource::Memory,
        QuotaResource::Pods,
    ];
    let rows = spaces
        .into_iter()
        .map(|a| {
            let cells = MAIN
                .iter()
                .map(|r| {
                    let l = a.lines.iter().find(|l| &l.resource == r);
                    let text =
                        l.map(|l| format!("{} / {}", figure(lang, r, l.used), r.display(l.limit)));
                    view! { <td class="mono" data-label=resource_name(lang, r)>{text}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row" class="mono">{a.name}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <h4>{lang.t(T::UsageBySpace)}</h4>
        <div class="table-scroll">
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{lang.t(T::AppSpaces)}</th>
                        {MAIN.iter().map(|r| view! { <th scope="col">{resource_name(lang, r)}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn Events(events: Vec<ClusterEvent>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <h3 id="events-title">{lang.t(T::RecentEvents)}</h3>
        {if events.is_empty() {
            view! { <p class="empty">{lang.t(T::NoRecentEvents)}</p> }.into_any()
        } else {
            view! {
                <div class="table-scroll">
                    <EventTable list=events id="vdc-events" labelled_by="events-title" />
                </div>
            }
            .into_any()
        }}
    }
}
