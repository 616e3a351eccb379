//! Domains: list with search and paging, create, edit, delete.

use berth_api::{AppError, Domain, DomainInput, ListQuery};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{list_domains, CreateDomain, DeleteDomain, UpdateDomain},
    components::{
        last_error, short_time, ConfirmDelete, FormActions, FormError, IfHeld, PagedTable,
        RowActions, SearchBox, TextField,
    },
    i18n::{use_lang, T},
};

#[component]
pub fn DomainsPage() -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    // `Some(None)`: creating; `Some(Some(d))`: editing d.
    let editing = RwSignal::new(None::<Option<Domain>>);
    let deleting = RwSignal::new(None::<Domain>);
    let create = ServerAction::<CreateDomain>::new();
    let update = ServerAction::<UpdateDomain>::new();
    let delete = ServerAction::<DeleteDomain>::new();

    let domains = Resource::new(
        move || {
            (
                search.get(),
                page.get(),
                create.version().get() + update.version().get() + delete.version().get(),
            )
        },
        |(search, page, _)| {
            list_domains(ListQuery {
                search,
                page,
                per_page: 0,
            })
        },
    );

    Effect::new(move || {
        if matches!(create.value().get(), Some(Ok(_)))
            || matches!(update.value().get(), Some(Ok(_)))
        {
            editing.set(None);
        }
    });
    Effect::new(move || {
        if matches!(delete.value().get(), Some(Ok(()))) {
            deleting.set(None);
        }
    });

    let open = move |target: Option<Domain>| {
        create.value().set(None);
        update.value().set(None);
        editing.set(Some(target));
    };
    let ask_delete = move |d: Domain| {
        delete.value().set(None);
        deleting.set(Some(d));
    };

    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavDomains)}</h1>
            <IfHeld permission="domain.create">
                <button class="btn btn-primary" type="button" on:click=move |_| open(None)>{lang.t(T::NewDomain)}</button>
            </IfHeld>
        </div>
        <SearchBox search page />
        {move || editing.get().map(|target| view! {
            <DomainForm target create update on_close=Callback::new(move |_| editing.set(None)) />
        })}
        <PagedTable
            list=domains
            page
            search
            columns=&[T::Name, T::DisplayName, T::VdcCount, T::Created]
            empty=T::NoDomains
            row=move |d: Domain| {
                let (for_edit, for_delete) = (d.clone(), d.clone());
                view! {
                    <td class="mono">{d.name.clone()}</td>
                    <td>{d.display_name.clone()}</td>
                    <td>{d.vdc_count}</td>
                    <td>{short_time(&d.created_at)}</td>
                    <RowActions name=d.name.clone()
                        on_edit=Callback::new(move |_| open(Some(for_edit.clone())))
                        on_delete=Callback::new(move |_| ask_delete(for_delete.clone()))
                        edit="domain.update" delete="domain.delete" />
                }
            }
        />
        {move || deleting.get().map(|d| {
            let id = d.id;
            view! {
                <ConfirmDelete
                    name=d.name
                    on_confirm=Callback::new(move |_| { delete.dispatch(DeleteDomain { id }); })
                    on_cancel=Callback::new(move |_| deleting.set(None))
                    pending=delete.pending().into()
                    error=last_error(delete.value())
                />
            }
        })}
    }
}

#[component]
fn DomainForm(
    target: Option<Domain>,
    create: ServerAction<CreateDomain>,
    update: ServerAction<UpdateDomain>,
    on_close: Callback<()>,
) -> impl IntoView {
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
    let error: Signal<Option<AppError>> = match editing_id {
        Some(_) => last_error(update.value()),
        None => last_error(create.value()),
    };
    let pending = move || create.pending().get() || update.pending().get();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = DomainInput {
            name: name.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            description: description.get_untracked(),
        };
        match editing_id {
            Some(id) => {
                update.dispatch(UpdateDomain { id, input });
            }
            None => {
                create.dispatch(CreateDomain { input });
            }
        }
    };
    let title = if editing_id.is_some() {
        T::EditDomain
    } else {
        T::NewDomain
    };
    view! {
        <form class="panel" on:submit=on_submit aria-labelledby="domain-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="domain-form-title">{lang.t(title)}</h2>
            <FormError error />
            <TextField id="domain-name" field="name" label=T::Name value=name error hint=T::NameHint
                disabled=editing_id.is_some() autofocus=editing_id.is_none() />
            <TextField id="domain-display-name" field="display_name" label=T::DisplayName value=display_name error />
            <TextField id="domain-description" field="description" label=T::Description value=description error />
            <FormActions editing=editing_id.is_some() pending=Signal::derive(pending) on_cancel=on_close />
        </form>
    }
}
