//! Lists, forms and dialogs: search, paging, field errors, confirmation.

use berth_api::{AppError, Page};
use leptos::server_fn::ServerFn;
use leptos::{ev::SubmitEvent, prelude::*};
use serde::de::DeserializeOwned;

use crate::{
    api::Query,
    i18n::{use_lang, Text, T},
};

/// A page-level error message.
#[component]
pub fn ErrorBanner(error: AppError) -> impl IntoView {
    let lang = use_lang();
    let signed_out = matches!(error, AppError::Unauthenticated);
    view! {
        <div class="banner banner-error" role="alert">
            <span>{lang.error(&error)}</span>
            {signed_out.then(|| view! { <a href="/login" rel="external">{lang.t(T::SignIn)}</a> })}
        </div>
    }
}

/// The fields a form shows beside their inputs (each [`TextField`] says
/// so), for [`FormError`] to show every other field's message itself.
#[derive(Clone, Copy)]
struct FormFields(StoredValue<Vec<&'static str>>);

/// A labelled text input with the server's message for that field beside
/// it. `error` is the last failure of the form's action; the message goes
/// once the field is changed.
#[component]
pub fn TextField(
    id: &'static str,
    /// The field name as the server reports it in validation errors.
    field: &'static str,
    label: Text,
    value: RwSignal<String>,
    error: Signal<Option<AppError>>,
    #[prop(optional)] hint: Option<Text>,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] autofocus: bool,
    /// The input's type: `text` unless given (`password`, `number`).
    #[prop(optional)]
    kind: Option<&'static str>,
    /// What browsers and password managers may fill in.
    #[prop(optional)]
    autocomplete: Option<&'static str>,
    /// A multi-line text area (certificates, kubeconfigs) instead of an input.
    #[prop(optional)]
    multiline: bool,
) -> impl IntoView {
    let lang = use_lang();
    if let Some(FormFields(shown)) = use_context::<FormFields>() {
        shown.update_value(|s| s.push(field));
    }
    // Edited since the last failure: its message no longer applies.
    let edited = RwSignal::new(false);
    Effect::new(move || {
        error.track();
        edited.set(false);
    });
    let message = move || {
        if edited.get() {
            return None;
        }
        error
            .get()
            .and_then(|e| e.field_error(field).map(|f| lang.field_message(f)))
    };
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = vec![];
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    view! {
        <div class="field" class:field-invalid=move || message().is_some()>
            <label for=id>{lang.t(label)}</label>
            {if multiline {
                view! {
                    <textarea
                        id=id
                        name=field
                        rows="6"
                        spellcheck="false"
                        class="mono"
                        bind:value=value
                        on:input=move |_| edited.set(true)
                        disabled=disabled
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby=described.clone()
                    ></textarea>
                }.into_any()
            } else {
                view! {
                    <input
                        id=id
                        name=field
                        type=kind.unwrap_or("text")
                        autocomplete=autocomplete
                        bind:value=value
                        on:input=move |_| edited.set(true)
                        disabled=disabled
                        autofocus=autofocus
                        aria-invalid=move || message().is_some().to_string()
                        aria-describedby=described.clone()
                    />
                }.into_any()
            }}
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{lang.t(h)}</p> })}
            {move || message().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

/// Search form for a list: submitting sets `search` and returns to page 1.
#[component]
pub fn SearchBox(search: RwSignal<String>, page: RwSignal<u32>) -> impl IntoView {
    let lang = use_lang();
    let text = RwSignal::new(search.get_untracked());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        search.set(text.get_untracked().trim().to_owned());
        page.set(1);
    };
    view! {
        <form class="search" role="search" on:submit=on_submit>
            <input
                type="search"
                aria-label=lang.t(T::Search)
                placeholder=lang.t(T::SearchPlaceholder)
                bind:value=text
            />
            <button type="submit" class="btn">{lang.t(T::Search)}</button>
        </form>
    }
}

/// Previous / next paging with the current position.
#[component]
pub fn Pager(page: RwSignal<u32>, pages: u32, total: i64) -> impl IntoView {
    let lang = use_lang();
    view! {
        <nav class="pager" aria-label=lang.t(T::Pagination)>
            <span class="pager-total">{lang.fmt(T::TotalItems, &[&total.to_string()])}</span>
            <button
                class="btn"
                type="button"
                disabled=move || { page.get() <= 1 }
                on:click=move |_| page.update(|p| *p = p.saturating_sub(1).max(1))
            >
                {lang.t(T::Previous)}
            </button>
            <span>{move || lang.fmt(T::PageOf, &[&page.get().to_string(), &pages.to_string()])}</span>
            <button
                class="btn"
                type="button"
                disabled=move || { page.get() >= pages }
                on:click=move |_| page.update(|p| *p += 1)
            >
                {lang.t(T::Next)}
            </button>
        </nav>
    }
}

/// A modal asking to confirm a destructive action. It takes the focus
/// (on Cancel, the safe choice), keeps Tab inside, and Escape cancels;
/// closing gives the focus back to what opened it.
#[component]
pub fn Confirm(
    title: String,
    body: Text,
    /// The label of the destructive button.
    action: Text,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    pending: Signal<bool>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    let dialog = NodeRef::<leptos::html::Div>::new();
    super::focus_on_open(dialog);
    view! {
        <div class="modal-backdrop">
            <div
                class="modal"
                role="alertdialog"
                aria-modal="true"
                aria-labelledby="confirm-title"
                node_ref=dialog
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        on_cancel.run(());
                    }
                    super::keep_tab_inside(dialog, &ev);
                }
            >
                <h2 id="confirm-title">{title}</h2>
                <p>{lang.t(body)}</p>
                {move || error.get().map(|e| view! { <ErrorBanner error=e /> })}
                <div class="modal-actions">
                    <button class="btn" type="button" data-autofocus on:click=move |_| on_cancel.run(())>
                        {lang.t(T::Cancel)}
                    </button>
                    <button
                        class="btn btn-danger"
                        type="button"
                        disabled=move || pending.get()
                        on:click=move |_| on_confirm.run(())
                    >
                        {lang.t(action)}
                    </button>
                </div>
            </div>
        </div>
    }
}

/// [`Confirm`] for deleting `name`.
#[component]
pub fn ConfirmDelete(
    /// What is being deleted, shown in the title.
    name: String,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    pending: Signal<bool>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    view! {
        <Confirm title=lang.fmt(T::ConfirmDeleteTitle, &[&name]) body=T::ConfirmDeleteBody action=T::Delete
            on_confirm on_cancel pending error />
    }
}

#[component]
pub fn PagedTable<S, Item, Row, Cells>(
    list: Query<S>,
    page: RwSignal<u32>,
    search: RwSignal<String>,
    columns: &'static [Text],
    /// Shown when the list is empty and nothing is being searched for.
    empty: Text,
    row: Row,
) -> impl IntoView
where
    S: ServerFn<Output = Page<Item>, Error = AppError> + 'static,
    Item: Clone + Send + Sync + DeserializeOwned + 'static,
    Row: Fn(Item) -> Cells + Clone + Send + Sync + 'static,
    Cells: IntoView + 'static,
{
    let lang = use_lang();
    super::transition(super::Waiting::Loading, move || {
        let row = row.clone();
        async move {
            match list.await {
                Ok(p) if p.items.is_empty() && p.total > 0 => {
                    // The page emptied (its last row was deleted): go back.
                    page.set(p.pages());
                    view! { <p class="loading">{lang.t(T::Loading)}</p> }.into_any()
                }
                Ok(p) if p.items.is_empty() => {
                    let text = if search.get_untracked().is_empty() {
                        empty
                    } else {
                        T::NoMatches
                    };
                    view! { <p class="empty">{lang.t(text)}</p> }.into_any()
                }
                Ok(p) => {
                    let (pages, total) = (p.pages(), p.total);
                    view! {
                                <table class="table">
                                    <thead>
                                        <tr>
                                            {columns.iter().map(|c| view! { <th scope="col">{lang.t(*c)}</th> }).collect_view()}
                                            <th scope="col"><span class="sr-only">{lang.t(T::Actions)}</span></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {p.items.into_iter().map(|item| view! { <tr>{row(item)}</tr> }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager page pages total />
                            }
                            .into_any()
                }
                Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
            }
        }
    })
}

/// Edit and Delete buttons for one table row, labelled with the row's name
/// for screen readers.
#[component]
pub fn RowActions(
    name: String,
    on_edit: Callback<()>,
    on_delete: Callback<()>,
    /// The permission keys editing and deleting need; the buttons show
    /// only to holders.
    edit: &'static str,
    delete: &'static str,
) -> impl IntoView {
    let lang = use_lang();
    let (can_edit, can_delete) = (super::holds(edit), super::holds(delete));
    view! {
        <td class="row-actions">
            {can_edit.then(|| view! {
                <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::Edit), name)
                    on:click=move |_| on_edit.run(())>{lang.t(T::Edit)}</button>
            })}
            {can_delete.then(|| view! {
                <button class="btn btn-small btn-danger" type="button" aria-label=format!("{} {}", lang.t(T::Delete), name)
                    on:click=move |_| on_delete.run(())>{lang.t(T::Delete)}</button>
            })}
        </td>
    }
}

/// Submit and Cancel for a create or edit form.
#[component]
pub fn FormActions(editing: bool, pending: Signal<bool>, on_cancel: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let label = move || {
        lang.t(if pending.get() {
            T::Saving
        } else if editing {
            T::Save
        } else {
            T::Create
        })
    };
    view! {
        <div class="form-actions">
            <button class="btn btn-primary" type="submit" disabled=move || pending.get()>{label}</button>
            <button class="btn" type="button" on:click=move |_| on_cancel.run(())>{lang.t(T::Cancel)}</button>
        </div>
    }
}

/// A form's error that belongs to no field it shows: put it before the
/// fields. Fields shown by [`TextField`] carry their own messages; the
/// message of any other field (a list, a choice the form made itself)
/// shows here, so no refusal goes unexplained.
#[component]
pub fn FormError(
    error: Signal<Option<AppError>>,
    /// Fields the form shows messages for by other means than a
    /// [`TextField`] (a select, a permission tree).
    #[prop(optional)]
    beside: &'static [&'static str],
) -> impl IntoView {
    let lang = use_lang();
    let shown = StoredValue::new(beside.to_vec());
    provide_context(FormFields(shown));
    move || match error.get() {
        None => None,
        Some(AppError::Validation { fields }) => {
            let elsewhere: Vec<String> = fields
                .iter()
                .filter(|f| !shown.with_value(|s| s.contains(&f.field.as_str())))
                .map(|f| lang.field_message(f))
                .collect();
            (!elsewhere.is_empty()).then(|| {
                view! {
                    <div class="banner banner-error" role="alert">
                        <ul class="plain">{elsewhere.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}</ul>
                    </div>
                }
                .into_any()
            })
        }
        Some(e) => Some(view! { <ErrorBanner error=e /> }.into_any()),
    }
}
