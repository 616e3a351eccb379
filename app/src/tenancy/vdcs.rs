//! VDCs: list (filter by domain, search, paging), create, edit, delete.

use berth_api::{Domain, ListQuery, Vdc, VdcInput};
use leptos::{ev::SubmitEvent, lazy, prelude::*};
use leptos_router::components::A;

use crate::{
    api::Query,
    components::{
        FormActions, FormError, IfHeld, ListActions, PagedTable, RowActions, SearchBox, TextField,
        Time,
    },
    i18n::{use_lang, Lang, T},
    tenancy::api::{domain_choices, CreateVdc, DeleteVdc, ListVdcs, UpdateVdc},
};

fn status_text(lang: Lang, status: &str) -> &'static str {
    match status {
        "suspended" => lang.t(T::StatusSuspended),
        _ => lang.t(T::StatusActive),
    }
}

type Actions = ListActions<Vdc, CreateVdc, UpdateVdc, DeleteVdc>;

#[component]
pub fn VdcsPage() -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let domain_filter = RwSignal::new(None::<i64>);
    let actions = Actions::new();

    let domains = domain_choices();
    let vdcs = Query::reloading(
        move || actions.changes(),
        move || ListVdcs {
            domain_id: domain_filter.get(),
            query: ListQuery {
                search: search.get(),
                page: page.get(),
                per_page: 0,
            },
        },
    );

    let domain_options = move || {
        domains
            .get()
            .and_then(|r| r.ok())
            .map(|p| p.items)
            .unwrap_or_default()
    };

    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavVdcs)}</h1>
            <IfHeld permission="vdc.create">
                <button class="btn btn-primary" type="button" on:click=move |_| actions.open(None)>{lang.t(T::NewVdc)}</button>
            </IfHeld>
        </div>
        <div class="toolbar">
            <label class="inline-field">
                <span>{lang.t(T::Domain)}</span>
                <select on:change=move |ev| {
                    domain_filter.set(event_target_value(&ev).parse().ok());
                    page.set(1);
                }>
                    <option value="">{lang.t(T::AllDomains)}</option>
                    <Suspense fallback=|| ()>
                        {move || domain_options().into_iter().map(|d| view! {
                            <option value=d.id.to_string() selected=move || domain_filter.get() == Some(d.id)>{d.display_name}</option>
                        }).collect_view()}
                    </Suspense>
                </select>
            </label>
            <SearchBox search page />
        </div>
        {move || actions.editing.get().map(|target| {
            Suspend::new(vdc_form(target, domain_options(), actions, Callback::new(move |_| actions.close())))
        })}
        <PagedTable
            list=vdcs
            page
            search
            columns=&[T::Name, T::DisplayName, T::Domain, T::Status, T::Created]
            empty=T::NoVdcs
            row=move |v: Vdc| {
                let (for_edit, for_delete) = (v.clone(), v.clone());
                let link_name = v.name.clone();
                view! {
                    <td class="mono"><A href=format!("/vdcs/{}", v.id)>{link_name}</A></td>
                    <td>{v.display_name.clone()}</td>
                    <td class="mono">{v.domain_name.clone()}</td>
                    <td><span class="badge badge-ok">{status_text(lang, &v.status)}</span></td>
                    <td><Time at=v.created_at.clone() /></td>
                    <RowActions name=v.name.clone()
                        on_edit=Callback::new(move |_| actions.open(Some(for_edit.clone())))
                        on_delete=Callback::new(move |_| actions.ask_delete(for_delete.clone()))
                        edit="vdc.update" delete="vdc.delete" />
                }
            }
        />
        {actions.confirm_delete(|v: &Vdc| v.name.clone(), |v: &Vdc| DeleteVdc { id: v.id })}
    }
}

// The form is loaded when first opened, not with the page.
#[lazy]
fn vdc_form(
    target: Option<Vdc>,
    domains: Vec<Domain>,
    actions: Actions,
    on_close: Callback<()>,
) -> AnyView {
    view! { <VdcForm target domains actions on_close /> }.into_any()
}

#[component]
fn VdcForm(
    target: Option<Vdc>,
    domains: Vec<Domain>,
    actions: Actions,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let editing_id = target.as_ref().map(|v| v.id);
    let domain_id = RwSignal::new(
        target
            .as_ref()
            .map(|v| v.domain_id)
            .or(domains.first().map(|d| d.id)),
    );
    let name = RwSignal::new(target.as_ref().map(|v| v.name.clone()).unwrap_or_default());
    let display_name = RwSignal::new(
        target
            .as_ref()
            .map(|v| v.display_name.clone())
            .unwrap_or_default(),
    );
    let description = RwSignal::new(
        target
            .as_ref()
            .map(|v| v.description.clone())
            .unwrap_or_default(),
    );
    let error = actions.form_error(editing_id.is_some());
    let domain_error = move || {
        error
            .get()
            .and_then(|e| e.field_error("domain_id").map(|f| lang.field_error(f.code)))
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = VdcInput {
            domain_id: domain_id.get_untracked().unwrap_or_default(),
            name: name.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            description: description.get_untracked(),
        };
        match editing_id {
            Some(id) => {
                actions.update.dispatch(UpdateVdc { id, input });
            }
            None => {
                actions.create.dispatch(CreateVdc { input });
            }
        }
    };
    let title = if editing_id.is_some() {
        T::EditVdc
    } else {
        T::NewVdc
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="vdc-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="vdc-form-title">{lang.t(title)}</h2>
            <FormError error beside=&["domain_id"] />
            <div class="field" class:field-invalid=move || domain_error().is_some()>
                <label for="vdc-domain">{lang.t(T::Domain)}</label>
                <select id="vdc-domain" name="domain_id" disabled=editing_id.is_some()
                    aria-describedby="vdc-domain-error"
                    on:change=move |ev| domain_id.set(event_target_value(&ev).parse().ok())>
                    <option value="" disabled selected=move || domain_id.get().is_none()>{lang.t(T::ChooseDomain)}</option>
                    {domains.into_iter().map(|d| view! {
                        <option value=d.id.to_string() selected=move || domain_id.get() == Some(d.id)>{d.display_name}</option>
                    }).collect_view()}
                </select>
                {move || domain_error().map(|m| view! { <p class="field-error" id="vdc-domain-error">{m}</p> })}
            </div>
            <TextField id="vdc-name" field="name" label=T::Name value=name error hint=T::NameHint
                disabled=editing_id.is_some() autofocus=editing_id.is_none() />
            <TextField id="vdc-display-name" field="display_name" label=T::DisplayName value=display_name error />
            <TextField id="vdc-description" field="description" label=T::Description value=description error />
            <FormActions editing=editing_id.is_some() pending=actions.saving() on_cancel=on_close />
        </form>
    }
}
