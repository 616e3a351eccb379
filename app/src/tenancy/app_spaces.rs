//! A VDC's app spaces, on the VDC's page: the list (search, paging,
//! state), a form to create one on a cluster where the VDC has quota, with
//! what the VDC has left shown beside each amount while typing, each app
//! space's own quota (its share, moved between app spaces by lowering one
//! and raising another), and deletion after typing the name.

use std::collections::BTreeMap;

use berth_api::{
    AdoptInput, AppSpace, AppSpaceInput, ClusterQuota, ListQuery, QuotaOwner, QuotaResource,
};
use leptos::{ev::SubmitEvent, lazy, prelude::*};

use crate::{
    api::{Call, Query},
    components::{
        holds, FormActions, FormError, IfHeld, ListActions, PagedTable, RowActions, SearchBox,
        TextField, Time,
    },
    i18n::{use_lang, Lang, T},
    tenancy::{
        api::{AdoptNamespace, CreateAppSpace, DeleteAppSpace, GetQuotas, ListAppSpaces, SetQuota},
        quota::QuotaPanel,
    },
};

/// The amounts the creation form asks for; the rest are set afterwards.
const FORM_RESOURCES: [QuotaResource; 3] = [
    QuotaResource::Cpu,
    QuotaResource::Memory,
    QuotaResource::Pods,
];

type Actions = ListActions<AppSpace, CreateAppSpace, SetQuota, DeleteAppSpace>;

fn state_badge(lang: Lang, state: &str) -> impl IntoView {
    let (class, text) = match state {
        "ready" => ("badge badge-ok", T::SpaceReady),
        "creating" => ("badge", T::SpaceCreating),
        "deleting" => ("badge", T::SpaceDeleting),
        "missing" => ("badge badge-bad", T::SpaceMissing),
        _ => ("badge badge-bad", T::SpaceFailed),
    };
    view! { <span class=class>{lang.t(text)}</span> }
}

#[component]
pub fn AppSpacesSection(vdc_id: i64) -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let actions = Actions::new();
    // Bumped when an operator takes an existing namespace in.
    let adopted = RwSignal::new(0usize);
    let spaces = Query::reloading(
        move || actions.changes() + adopted.get(),
        move || ListAppSpaces {
            vdc_id: Some(vdc_id),
            query: ListQuery {
                search: search.get(),
                page: page.get(),
                per_page: 0,
            },
        },
    );
    // The VDC's quota per cluster: where app spaces can go, and what is left.
    let vdc_quota = Query::reloading(
        move || actions.changes() + adopted.get(),
        move || GetQuotas {
            owner: QuotaOwner::Vdc(vdc_id),
        },
    );
    let quota_of = RwSignal::new(None::<AppSpace>);
    view! {
        <section aria-labelledby="spaces-title">
            <div class="page-head">
                <h2 id="spaces-title">{lang.t(T::AppSpaces)}</h2>
                <IfHeld permission="appspace.create">
                    <button class="btn btn-primary" type="button" on:click=move |_| actions.open(None)>
                        {lang.t(T::NewAppSpace)}
                    </button>
                </IfHeld>
            </div>
            <SearchBox search page />
            {move || actions.editing.get().map(|_| {
                // Read once: the form must not be made anew (and emptied)
                // when the quota reloads after an attempt.
                let clusters = untrack(|| vdc_quota.get()).and_then(Result::ok).unwrap_or_default();
                Suspend::new(app_space_form(vdc_id, clusters, actions, adopted, Callback::new(move |_| actions.close())))
            })}
            <PagedTable
                list=spaces
                page
                search
                columns=&[T::Name, T::DisplayName, T::Cluster, T::Status, T::Created]
                empty=T::NoAppSpaces
                row=move |a: AppSpace| {
                    let (for_quota, for_delete) = (a.clone(), a.clone());
                    view! {
                        <td class="mono">{a.name.clone()}</td>
                        <td>{a.display_name.clone()}</td>
                        <td class="mono">{a.cluster_name.clone()}</td>
                        <td>
                            {state_badge(lang, &a.state)}
                            {(!a.message.is_empty()).then(|| view! { <p class="hint">{a.message.clone()}</p> })}
                        </td>
                        <td><Time at=a.created_at.clone() /></td>
                        <RowActions name=a.name.clone()
                            on_edit=Callback::new(move |_| quota_of.set(Some(for_quota.clone())))
                            on_delete=Callback::new(move |_| actions.ask_delete(for_delete.clone()))
                            edit="appspace.read" delete="appspace.delete" />
                    }
                }
            />
            {move || quota_of.get().map(|a| view! {
                <section aria-labelledby="space-quota-title" class="space-quota">
                    <h3 id="space-quota-title">{lang.fmt(T::QuotaOf, &[&a.name])}</h3>
                    <p class="hint">{lang.t(T::SpaceQuotaIntro)}</p>
                    <QuotaPanel owner=QuotaOwner::AppSpace(a.id) editable=holds("appspace.update") />
                    <button class="btn" type="button" on:click=move |_| quota_of.set(None)>{lang.t(T::Close)}</button>
                </section>
            })}
            {move || actions.deleting.get().map(|a| view! { <TypedDelete a actions /> })}
        </section>
    }
}

// The form is loaded when first opened, not with the page.
#[lazy]
fn app_space_form(
    vdc_id: i64,
    clusters: Vec<ClusterQuota>,
    actions: Actions,
    adopted: RwSignal<usize>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <AppSpaceForm vdc_id clusters actions adopted on_close /> }.into_any()
}

/// What the VDC has left of `r` on a cluster: its quota less what its app
/// spaces hold.
fn left_in_vdc(q: &ClusterQuota, r: &QuotaResource) -> i64 {
    q.lines
        .iter()
        .find(|l| &l.resource == r)
        .map_or(0, |l| l.limit - l.allocated)
}

/// A new app space, or (for operators) an existing namespace of the
/// cluster taken into the VDC as one.
#[component]
fn AppSpaceForm(
    vdc_id: i64,
    clusters: Vec<ClusterQuota>,
    actions: Actions,
    adopted: RwSignal<usize>,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let adopt = Call::<AdoptNamespace>::new();
    let adopting = RwSignal::new(false);
    Effect::new(move || {
        if adopt.succeeded() {
            adopted.update(|v| *v += 1);
            on_close.run(());
        }
    });
    // Only where the VDC has been given something.
    let clusters: Vec<ClusterQuota> = clusters
        .into_iter()
        .filter(|q| q.lines.iter().any(|l| l.limit > 0))
        .collect();
    let cluster_id = RwSignal::new(clusters.first().map(|q| q.cluster_id));
    let clusters = StoredValue::new(clusters);
    let name = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let amounts: Vec<RwSignal<String>> = FORM_RESOURCES
        .iter()
        .map(|_| RwSignal::new(String::new()))
        .collect();
    let amount_signals = StoredValue::new(amounts.clone());
    let created_error = actions.form_error(false);
    let adopt_error = adopt.error();
    let error = Signal::derive(move || {
        if adopting.get() {
            adopt_error.get()
        } else {
            created_error.get()
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut given = BTreeMap::new();
        amount_signals.with_value(|signals| {
            for (r, text) in FORM_RESOURCES.iter().zip(signals) {
                let t = text.get_untracked().trim().to_owned();
                if !t.is_empty() {
                    given.insert(r.key(), t);
                }
            }
        });
        let (cluster_id, name) = (
            cluster_id.get_untracked().unwrap_or_default(),
            name.get_untracked().trim().to_owned(),
        );
        if adopting.get_untracked() {
            adopt.dispatch(AdoptNamespace {
                input: AdoptInput {
                    vdc_id,
                    cluster_id,
                    name,
                    amounts: given,
                },
            });
            return;
        }
        actions.create.dispatch(CreateAppSpace {
            input: AppSpaceInput {
                vdc_id,
                cluster_id,
                name,
                display_name: display_name.get_untracked(),
                description: description.get_untracked(),
                amounts: given,
            },
        });
    };
    let cluster_error = move || {
        error
            .get()
            .and_then(|e| e.field_error("cluster_id").map(|f| lang.field_message(f)))
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    let fields = FORM_RESOURCES
        .iter()
        .zip(amounts)
        .enumerate()
        .map(|(i, (r, text))| {
            let r = r.clone();
            let id = format!("space-amount-{i}");
            let field = format!("amounts.{}", r.key());
            let hint_id = format!("{id}-hint");
            let r2 = r.clone();
            let left = Memo::new(move |_| {
                let c = cluster_id.get()?;
                clusters.with_value(|cs| cs.iter().find(|q| q.cluster_id == c).map(|q| left_in_vdc(q, &r2)))
            });
            let r3 = r.clone();
            let field_for_error = field.clone();
            let message = Memo::new(move |_| {
                let server = error.get().and_then(|e| {
                    e.field_error(&field_for_error).map(|f| lang.field_message(f))
                });
                server.or_else(|| {
                    let t = text.get();
                    let t = t.trim();
                    if t.is_empty() {
                        return None;
                    }
                    match r3.parse_amount(t) {
                        Err(_) => Some(lang.t(T::FieldNotQuantity).to_owned()),
                        Ok(asked) => left.get().filter(|&l| asked > l).map(|l| {
                            lang.fmt(T::QuotaOverCeiling, &[&r3.display(asked), &r3.display(l.max(0))])
                        }),
                    }
                })
            });
            let hint_r = r.clone();
            view! {
                <div class="field" class:field-invalid=move || message.get().is_some()>
                    <label for=id.clone()>{lang.label(r.label())}</label>
                    <input id=id name=field inputmode="decimal" autocomplete="off" spellcheck="false"
                        aria-describedby=hint_id.clone()
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev)) />
                    <p class="hint" id=hint_id>
                        {move || left.get().map(|l| lang.fmt(T::VdcLeft, &[&hint_r.display(l.max(0))]))}
                    </p>
                    {move || message.get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
            }
        })
        .collect_view();
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="space-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="space-form-title">{lang.t(T::NewAppSpace)}</h2>
            <FormError error beside=&["cluster_id", "amounts.cpu", "amounts.memory", "amounts.pods"] />
            {clusters.with_value(Vec::is_empty).then(|| view! { <p class="banner">{lang.t(T::SpaceNoQuota)}</p> })}
            <div class="field" class:field-invalid=move || cluster_error().is_some()>
                <label for="space-cluster">{lang.t(T::Cluster)}</label>
                <select id="space-cluster" name="cluster_id"
                    on:change=move |ev| cluster_id.set(event_target_value(&ev).parse().ok())>
                    {clusters.get_value().into_iter().map(|q| view! {
                        <option value=q.cluster_id.to_string() selected=move || cluster_id.get() == Some(q.cluster_id)>{q.cluster_name}</option>
                    }).collect_view()}
                </select>
                {move || cluster_error().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            // Operators (who alone see clusters) may take in a namespace that exists.
            {holds("cluster.read").then(|| view! {
                <div class="field-check">
                    <input id="space-adopt" type="checkbox" aria-describedby="space-adopt-hint"
                        prop:checked=move || adopting.get()
                        on:change=move |ev| adopting.set(event_target_checked(&ev)) />
                    <label for="space-adopt">{lang.t(T::AdoptExisting)}</label>
                </div>
                <p class="hint" id="space-adopt-hint">{lang.t(T::AdoptHint)}</p>
            })}
            <TextField id="space-name" field="name" label=T::Name value=name error hint=T::NameHint autofocus=true />
            {move || (!adopting.get()).then(|| view! {
                <TextField id="space-display-name" field="display_name" label=T::DisplayName value=display_name error />
                <TextField id="space-description" field="description" label=T::Description value=description error />
            })}
            {fields}
            <FormActions editing=false pending=Signal::derive(move || actions.saving().get() || adopt.pending().get()) on_cancel=on_close />
        </form>
    }
}

/// Deleting an app space takes its namespace and everything in it: the
/// name must be typed before the button is offered.
#[component]
fn TypedDelete(a: AppSpace, actions: Actions) -> impl IntoView {
    let lang = use_lang();
    let typed = RwSignal::new(String::new());
    let name = a.name.clone();
    let ready = move || typed.get().trim() == name;
    let dialog = NodeRef::<leptos::html::Div>::new();
    crate::components::focus_on_open(dialog);
    let cancel = move || actions.deleting.set(None);
    let request = DeleteAppSpace {
        id: a.id,
        confirm: a.name.clone(),
    };
    view! {
        <div class="modal-backdrop">
            <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" node_ref=dialog
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        cancel();
                    }
                    crate::components::keep_tab_inside(dialog, &ev);
                }>
                <h2 id="confirm-title">{lang.fmt(T::ConfirmDeleteTitle, &[&a.name])}</h2>
                <p>{lang.t(T::ConfirmDeleteBody)}</p>
                <div class="field">
                    <label for="confirm-typed">{lang.fmt(T::TypeToConfirm, &[&a.name])}</label>
                    <input id="confirm-typed" data-autofocus autocomplete="off" spellcheck="false"
                        on:input=move |ev| typed.set(event_target_value(&ev)) />
                </div>
                {move || actions.delete.error().get().map(|e| view! { <crate::components::ErrorBanner error=e /> })}
                <div class="modal-actions">
                    <button class="btn" type="button" on:click=move |_| cancel()>{lang.t(T::Cancel)}</button>
                    <button class="btn btn-danger" type="button"
                        disabled=move || actions.delete.pending().get() || !ready()
                        on:click=move |_| actions.delete.dispatch(request.clone())>{lang.t(T::Delete)}</button>
                </div>
            </div>
        </div>
    }
}
