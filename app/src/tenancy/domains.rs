//! Domains: list with search and paging, create, edit, delete.

use berth_api::{Domain, DomainInput, ListQuery};
use leptos::{ev::SubmitEvent, lazy, prelude::*};
use leptos_router::components::A;

use crate::{
    api::Query,
    components::{
        FormActions, FormError, IfHeld, ListActions, PagedTable, RowActions, SearchBox, TextField,
        Time,
    },
    i18n::{use_lang, T},
    tenancy::api::{CreateDomain, DeleteDomain, ListDomains, UpdateDomain},
};

type Actions = ListActions<Domain, CreateDomain, UpdateDomain, DeleteDomain>;

#[component]
pub fn DomainsPage() -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let actions = Actions::new();
    let domains = Query::reloading(
        move || actions.changes(),
        move || ListDomains {
            query: ListQuery {
                search: search.get(),
                page: page.get(),
                per_page: 0,
            },
        },
    );

    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavDomains)}</h1>
            <IfHeld permission="domain.create">
                <button class="btn btn-primary" type="button" on:click=move |_| actions.open(None)>{lang.t(T::NewDomain)}</button>
            </IfHeld>
        </div>
        <SearchBox search page />
        {move || actions.editing.get().map(|target| {
            Suspend::new(domain_form(target, actions, Callback::new(move |_| actions.close())))
        })}
        <PagedTable
            list=domains
            page
            search
            columns=&[T::Name, T::DisplayName, T::VdcCount, T::Created]
            empty=T::NoDomains
            row=move |d: Domain| {
                let (for_edit, for_delete) = (d.clone(), d.clone());
                let link_name = d.name.clone();
                view! {
                    <td class="mono"><A href=format!("/domains/{}", d.id)>{link_name}</A></td>
                    <td>{d.display_name.clone()}</td>
                    <td>{d.vdc_count}</td>
                    <td><Time at=d.created_at.clone() /></td>
                    <RowActions name=d.name.clone()
                        on_edit=Callback::new(move |_| actions.open(Some(for_edit.clone())))
                        on_delete=Callback::new(move |_| actions.ask_delete(for_delete.clone()))
                        edit="domain.update" delete="domain.delete" />
                }
            }
        />
        {actions.confirm_delete(|d: &Domain| d.name.clone(), |d: &Domain| DeleteDomain { id: d.id })}
    }
}

// The form is loaded when first opened, not with the page.
#[lazy]
fn domain_form(target: Option<Domain>, actions: Actions, on_close: Callback<()>) -> AnyView {
    view! { <DomainForm target actions on_close /> }.into_any()
}

#[component]
fn DomainForm(target: Option<Domain>, actions: Actions, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let editing_id = target.as_ref().map(|d| d.id);
    let name = RwSignal::new(target.as_ref().map(|d| d.name.clone()).unwrap_or_default());
    let display_name = RwSignal::new(
        target
            .as_ref()
            .map(|d| d.display_name.clone())
            .unwrap_or_default(),
    );
    let description = RwSignal::new(
        target
            .as_ref()
            .map(|d| d.description.clone())
            .unwrap_or_default(),
    );
    let error = actions.form_error(editing_id.is_some());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = DomainInput {
            name: name.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            description: description.get_untracked(),
        };
        match editing_id {
            Some(id) => {
                actions.update.dispatch(UpdateDomain { id, input });
            }
            None => {
                actions.create.dispatch(CreateDomain { input });
            }
        }
    };
    let title = if editing_id.is_some() {
        T::EditDomain
    } else {
        T::NewDomain
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="domain-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="domain-form-title">{lang.t(title)}</h2>
            <FormError error />
            <TextField id="domain-name" field="name" label=T::Name value=name error hint=T::NameHint
                disabled=editing_id.is_some() autofocus=editing_id.is_none() />
            <TextField id="domain-display-name" field="display_name" label=T::DisplayName value=display_name error />
            <TextField id="domain-description" field="description" label=T::Description value=description error />
            <FormActions editing=editing_id.is_some() pending=actions.saving() on_cancel=on_close />
        </form>
    }
}
