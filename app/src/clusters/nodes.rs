//! Nodes: a cluster's nodes from its watch cache, with search and paging;
//! a node's conditions, labels, taints and pods; cordon and uncordon, drain
//! (by eviction) and maintenance mode after a confirmation; labels and taints
//! edited as text, one per line.

use crate::api::{Call, Query};
use berth_api::{AppError, ListQuery, NodeChange, NodeDetail, NodeSummary, Taint};
use leptos::{ev::SubmitEvent, lazy, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    clusters::api::{ChangeNode, GetNode, ListClusters, ListNodes},
    components::{
        follow_changes, holds, suspense, transition, Confirm, ErrorBanner, FormError, Pager,
        SearchBox, TextField, Waiting,
    },
    i18n::{use_lang, Text, T},
};

fn labels_text(labels: &[(String, String)]) -> String {
    labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_labels(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once('=') {
            Some((k, v)) => (k.trim().to_owned(), v.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

fn taints_text(taints: &[Taint]) -> String {
    taints
        .iter()
        .map(|t| {
            if t.value.is_empty() {
                format!("{}:{}", t.key, t.effect)
            } else {
                format!("{}={}:{}", t.key, t.value, t.effect)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_taints(text: &str) -> Vec<Taint> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (kv, effect) = l.rsplit_once(':').unwrap_or((l, ""));
            let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
            Taint {
                key: key.trim().to_owned(),
                value: value.trim().to_owned(),
                effect: effect.trim().to_owned(),
            }
        })
        .collect()
}

/// A change waiting for its confirmation.
#[derive(Clone)]
struct Pending {
    node: String,
    change: NodeChange,
    title: Text,
    body: Text,
    action: Text,
}

#[component]
pub fn NodesPage() -> impl IntoView {
    let lang = use_lang();
    let clusters = Query::new(|| ListClusters {});
    // `/nodes?cluster=N` opens on that cluster (the overview links here).
    let query = use_query_map();
    let cluster = RwSignal::new(
        query.with_untracked(|q| q.get("cluster").and_then(|c| c.parse::<i64>().ok())),
    );
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let selected = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<Pending>);
    let change = Call::<ChangeNode>::new();
    // Bumped whenever the cluster reports a change: lists and the panel reload.
    let live = RwSignal::new(0u32);
    follow_changes(cluster.into(), live, std::time::Duration::from_millis(300));
    // Until a cluster is chosen nothing is asked and the list shows nothing.
    let nodes = Query::when(
        move || change.version().get() + live.get() as usize,
        move || {
            cluster.get().map(|cluster_id| ListNodes {
                cluster_id,
                query: ListQuery {
                    search: search.get(),
                    page: page.get(),
                    per_page: 0,
                },
            })
        },
    );
    Effect::new(move || {
        if cluster.get_untracked().is_none() {
            if let Some(Ok(list)) = clusters.get() {
                if let Some(first) = list.first() {
                    cluster.set(Some(first.id));
                }
            }
        }
    });
    Effect::new(move || {
        if change.succeeded() {
            confirming.set(None);
        }
    });
    let ask = move |node: String, change_: NodeChange, title: Text, body: Text, action: Text| {
        change.clear();
        confirming.set(Some(Pending {
            node,
            change: change_,
            title,
            body,
            action,
        }));
    };
    let act = move |node: String, c: NodeChange| {
        if let Some(id) = cluster.get_untracked() {
            change.dispatch(ChangeNode {
                cluster_id: id,
                name: node,
                change: c,
            });
        }
    };
    let (can_cordon, can_drain) = (holds("node.cordon"), holds("node.drain"));
    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavNodes)}</h1>
        </div>
        {suspense(Waiting::Loading, move || async move {
                match clusters.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t(T::NoClusters)}</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="field">
                            <label for="node-cluster">{lang.t(T::Cluster)}</label>
                            <select id="node-cluster" on:change=move |ev| {
                                cluster.set(event_target_value(&ev).parse().ok());
                                page.set(1);
                                selected.set(None);
                            }>
                                {list.into_iter().map(|c| {
                                    let id = c.id;
                                    view! { <option value=id.to_string() selected=move || cluster.get() == Some(id)>{c.name}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        <SearchBox search page />
        <p class="hint">{lang.t(T::NodeSearchHint)}</p>
        {move || change.value().get().and_then(|r| r.ok()).filter(|r| !r.evicted.is_empty() || !r.failed.is_empty() || !r.skipped.is_empty()).map(|r| view! {
            <div class="banner" role="status">
                {lang.fmt(T::DrainDone, &[&r.evicted.len().to_string(), &r.skipped.len().to_string(), &r.failed.len().to_string()])}
                {r.failed.into_iter().map(|(p, why)| view! { <div class="mono">{p}": "{why}</div> }).collect_view()}
            </div>
        })}
        {transition(Waiting::Loading, move || async move {
                let answer = nodes.await;
                if cluster.get_untracked().is_none() {
                    return view! { <span></span> }.into_any();
                }
                match answer {
                    Ok(p) if p.items.is_empty() => view! { <p class="empty">{lang.t(T::NoNodes)}</p> }.into_any(),
                    Ok(p) => {
                        let pages = p.pages();
                        let total = p.total;
                        view! {
                            <table class="table" id="nodes">
                                <thead><tr>
                                    <th scope="col">{lang.t(T::Name)}</th>
                                    <th scope="col">{lang.t(T::Status)}</th>
                                    <th scope="col">{lang.t(T::Roles)}</th>
                                    <th scope="col">{lang.t(T::Cpu)}</th>
                                    <th scope="col">{lang.t(T::Memory)}</th>
                                    <th scope="col">{lang.t(T::Pods)}</th>
                                    <th scope="col">{lang.t(T::Version)}</th>
                                    <th scope="col"><span class="sr-only">{lang.t(T::Actions)}</span></th>
                                </tr></thead>
                                <tbody>
                                    {p.items.into_iter().map(|n: NodeSummary| {
                                        let name = n.name.clone();
                                        let (n1, n2, n3, n4) = (name.clone(), name.clone(), name.clone(), name.clone());
                                        view! {
                                            <tr data-node=name.clone()>
                                                <td class="mono">
                                                    <button class="link" type="button" on:click=move |_| selected.set(Some(n1.clone()))>{name.clone()}</button>
                                                    <div class="hint">{n.internal_ip.clone()}</div>
                                                </td>
                                                <td>
                                                    {if n.ready { view! { <span class="badge badge-ok">{lang.t(T::NodeReady)}</span> }.into_any() } else { view! { <span class="badge badge-bad">{lang.t(T::NodeNotReady)}</span> }.into_any() }}
                                                    {(!n.schedulable).then(|| view! { <span class="badge">{lang.t(T::Cordoned)}</span> })}
                                                    {n.maintenance.then(|| view! { <span class="badge badge-bad">{lang.t(T::Maintenance)}</span> })}
                                                </td>
                                                <td>{n.roles.join(", ")}</td>
                                                <td>{n.cpu.clone()}</td>
                                                <td>{n.memory.clone()}</td>
                                                <td>{format!("{} / {}", n.pods, n.pods_capacity)}</td>
                                                <td>{n.kubelet_version.clone()}</td>
                                                <td class="row-actions">
                                                    {can_cordon.then(|| if n.schedulable {
                                                        view! { <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::Cordon), n2)
                                                            on:click=move |_| act(n2.clone(), NodeChange::Cordon)>{lang.t(T::Cordon)}</button> }.into_any()
                                                    } else {
                                                        view! { <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::Uncordon), n2)
                                                            on:click=move |_| act(n2.clone(), NodeChange::Uncordon)>{lang.t(T::Uncordon)}</button> }.into_any()
                                                    })}
                                                    {can_drain.then(|| view! {
                                                        <button class="btn btn-small btn-danger" type="button" aria-label=format!("{} {}", lang.t(T::Drain), n3)
                                                            on:click=move |_| ask(n3.clone(), NodeChange::Drain, T::DrainTitle, T::DrainBody, T::Drain)>{lang.t(T::Drain)}</button>
                                                    })}
                                                    {can_drain.then(|| if n.maintenance {
                                                        view! { <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::LeaveMaintenance), n4)
                                                            on:click=move |_| act(n4.clone(), NodeChange::LeaveMaintenance)>{lang.t(T::LeaveMaintenance)}</button> }.into_any()
                                                    } else {
                                                        view! { <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::EnterMaintenance), n4)
                                                            on:click=move |_| ask(n4.clone(), NodeChange::EnterMaintenance, T::MaintenanceTitle, T::MaintenanceBody, T::EnterMaintenance)>{lang.t(T::EnterMaintenance)}</button> }.into_any()
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <Pager page pages total />
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        {move || match (cluster.get(), selected.get()) {
            (Some(id), Some(name)) => Some(Suspend::new(node_panel(id, name, change, live, Callback::new(move |_| selected.set(None))))),
            _ => None,
        }}
        {move || confirming.get().map(|p| {
            let Pending { node, change: c, title, body, action } = p;
            view! {
                <Confirm
                    title=lang.fmt(title, &[&node])
                    body action
                    on_confirm=Callback::new(move |_| act(node.clone(), c.clone()))
                    on_cancel=Callback::new(move |_| confirming.set(None))
                    pending=change.pending().into()
                    error=change.error()
                />
            }
        })}
    }
}

// The node's panel is loaded when first opened, not with the page.
#[lazy]
fn node_panel(
    cluster_id: i64,
    name: String,
    change: Call<ChangeNode>,
    live: RwSignal<u32>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <NodePanel cluster_id name change live on_close /> }.into_any()
}

#[component]
fn NodePanel(
    cluster_id: i64,
    name: String,
    change: Call<ChangeNode>,
    live: RwSignal<u32>,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let node_name = name.clone();
    let detail = Query::reloading(
        move || change.version().get() + live.get() as usize,
        move || GetNode {
            cluster_id,
            name: node_name.clone(),
        },
    );
    let labels = RwSignal::new(String::new());
    let taints = RwSignal::new(String::new());
    // The editors follow the node until the user starts typing in them;
    // what is saved is the difference between what they were shown and
    // what they wrote, so a change made meanwhile by someone else stays.
    // `shown` is what each editor's text was last set to from the node.
    let shown = RwSignal::new((String::new(), String::new()));
    Effect::new(move || {
        if let Some(Ok(d)) = detail.get() {
            let (l, t) = (labels_text(&d.node.labels), taints_text(&d.node.taints));
            let (mut base_l, mut base_t) = shown.get_untracked();
            if labels.get_untracked() == base_l {
                labels.set(l.clone());
                base_l = l;
            }
            if taints.get_untracked() == base_t {
                taints.set(t.clone());
                base_t = t;
            }
            shown.set((base_l, base_t));
        }
    });
    let error: Signal<Option<AppError>> = change.error();
    let (n1, n2) = (name.clone(), name.clone());
    let save_labels = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(ChangeNode {
            cluster_id,
            name: n1.clone(),
            change: NodeChange::labels_between(
                &parse_labels(&shown.get_untracked().0),
                &parse_labels(&labels.get_untracked()),
            ),
        });
    };
    let save_taints = move |ev: SubmitEvent| {
        ev.prevent_default();
        change.dispatch(ChangeNode {
            cluster_id,
            name: n2.clone(),
            change: NodeChange::taints_between(
                &parse_taints(&shown.get_untracked().1),
                &parse_taints(&taints.get_untracked()),
            ),
        });
    };
    let can_label = holds("node.label");
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <section class="panel" node_ref=panel aria-labelledby="node-title" id="node-panel"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <div class="page-head">
                <h2 id="node-title">{name.clone()}</h2>
                <button class="btn" type="button" on:click=move |_| on_close.run(())>{lang.t(T::Close)}</button>
            </div>
            {transition(Waiting::Loading, move || async move {
                    match detail.await {
                        Ok(d) => {
                            let NodeDetail { conditions, pods, .. } = d;
                            view! {
                                <h3>{lang.t(T::Conditions)}</h3>
                                <table class="table"><tbody>
                                    {conditions.into_iter().map(|c| view! {
                                        <tr><th scope="row">{c.kind}</th><td>{super::kube_word(lang, &c.status)}</td><td>{c.reason}</td><td>{c.message}</td></tr>
                                    }).collect_view()}
                                </tbody></table>
                                <h3>{lang.fmt(T::PodsOnNode, &[&pods.len().to_string()])}</h3>
                                <table class="table" id="node-pods"><tbody>
                                    {pods.into_iter().map(|p| view! {
                                        <tr><td class="mono">{format!("{}/{}", p.namespace, p.name)}</td><td>{super::kube_word(lang, &p.phase)}</td>
                                        <td>{p.daemon.then(|| lang.t(T::DaemonPod))}</td></tr>
                                    }).collect_view()}
                                </tbody></table>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }
                })}
            {can_label.then(|| view! {
                <form on:submit=save_labels>
                    <FormError error />
                    <TextField id="node-labels" field="labels" label=T::Labels value=labels error multiline=true hint=T::LabelsHint />
                    <div class="form-actions"><button class="btn btn-primary" type="submit">{lang.t(T::SaveLabels)}</button></div>
                </form>
                <form on:submit=save_taints>
                    <TextField id="node-taints" field="taints" label=T::Taints value=taints error multiline=true hint=T::TaintsHint />
                    <div class="form-actions"><button class="btn btn-primary" type="submit">{lang.t(T::SaveTaints)}</button></div>
                </form>
            })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_taints_round_trip_as_text() {
        let labels = parse_labels("a=1\n  zone = east \nflag\n\n");
        assert_eq!(
            labels,
            vec![
                ("a".into(), "1".into()),
                ("zone".into(), "east".into()),
                ("flag".into(), String::new())
            ]
        );
        assert_eq!(labels_text(&labels), "a=1\nzone=east\nflag=");
        let taints = parse_taints("gpu=true:NoSchedule\nberth.io/x:NoExecute\nbroken");
        assert_eq!(
            taints[0],
            Taint {
                key: "gpu".into(),
                value: "true".into(),
                effect: "NoSchedule".into()
            }
        );
        assert_eq!(
            taints[1],
            Taint {
                key: "berth.io/x".into(),
                value: String::new(),
                effect: "NoExecute".into()
            }
        );
        assert_eq!(taints[2].effect, "");
        assert_eq!(
            taints_text(&taints[..2]),
            "gpu=true:NoSchedule\nberth.io/x:NoExecute"
        );
    }
}
