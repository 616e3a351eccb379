//! An owner's quota on each cluster: one table per cluster with the
//! amount of every resource (editable by those who may change it), what
//! is given out below, the most allowed from above, and what would be
//! left above while typing. The amounts are read as Kubernetes reads
//! quantities, in the browser as on the server (one module for both).

use berth_api::{AppError, ClusterQuota, QuotaInput, QuotaLine, QuotaOwner, QuotaResource};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{Call, Query},
    components::{transition, ErrorBanner, Waiting},
    i18n::{use_lang, Lang, T},
    tenancy::api::{GetQuotas, SetQuota},
};

/// The resource as people read it: its name, with the StorageClass for storage.
pub(crate) fn resource_name(lang: Lang, r: &QuotaResource) -> String {
    let name = lang.label(r.label());
    match r.storage_class() {
        Some(class) => format!("{name} ({class})"),
        None => name.to_owned(),
    }
}

/// A figure that may be unknown (a cluster that did not answer).
pub(crate) fn figure(lang: Lang, r: &QuotaResource, v: Option<i64>) -> String {
    match v {
        Some(v) => r.display(v),
        None => lang.t(T::QuotaUnknown).into(),
    }
}

/// An amount as text; empty for none.
fn amount_text(r: &QuotaResource, amount: i64) -> String {
    if amount == 0 {
        String::new()
    } else {
        r.display(amount)
    }
}

/// What the browser can say of a typed amount before asking the server.
fn typed_problem(lang: Lang, line: &QuotaLine, text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    use berth_api::quota::AmountError as E;
    match line.resource.parse_amount(text) {
        Err(E::NotQuantity(_)) => Some(lang.t(T::FieldNotQuantity).into()),
        Err(E::NotWhole) => Some(lang.t(T::FieldNotWhole).into()),
        Err(E::Negative | E::TooLarge) => Some(lang.t(T::FieldOutOfRange).into()),
        Ok(asked) => match line.ceiling {
            Some(ceiling) if asked > ceiling && asked > line.limit => Some(lang.fmt(
                T::QuotaOverCeiling,
                &[
                    &line.resource.display(asked),
                    &line.resource.display(ceiling.max(0)),
                ],
            )),
            _ => None,
        },
    }
}

/// What would be left above after `text`: the ceiling less the amount.
fn left_after(lang: Lang, line: &QuotaLine, text: &str) -> String {
    let Some(ceiling) = line.ceiling else {
        return lang.t(T::QuotaUnbounded).into();
    };
    let asked = match text.trim() {
        "" => 0,
        t => match line.resource.parse_amount(t) {
            Ok(a) => a,
            Err(_) => return "—".into(),
        },
    };
    let left = ceiling - asked;
    if left < 0 {
        format!("−{}", line.resource.display(-left))
    } else {
        line.resource.display(left)
    }
}

#[component]
pub fn QuotaPanel(owner: QuotaOwner, editable: bool) -> impl IntoView {
    let lang = use_lang();
    let saved = RwSignal::new(0usize);
    // The cluster whose quota was saved last: its form, made anew by the
    // reload, says so.
    let last_saved = RwSignal::new(None::<i64>);
    let quotas = Query::reloading(move || saved.get(), move || GetQuotas { owner });
    transition(Waiting::Loading, move || async move {
        match quotas.await {
            Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
            Ok(list) if list.is_empty() => {
                view! { <p class="empty">{lang.t(T::QuotaNoClusters)}</p> }.into_any()
            }
            Ok(list) => list
                .into_iter()
                .map(|q| view! { <ClusterQuotaForm q editable saved last_saved /> })
                .collect_view()
                .into_any(),
        }
    })
}

#[component]
fn ClusterQuotaForm(
    q: ClusterQuota,
    editable: bool,
    saved: RwSignal<usize>,
    last_saved: RwSignal<Option<i64>>,
) -> impl IntoView {
    let lang = use_lang();
    let save = Call::<SetQuota>::new();
    let error: Signal<Option<AppError>> = save.error();
    let (owner, cluster_id) = (q.owner, q.cluster_id);
    let texts: Vec<RwSignal<String>> = q
        .lines
        .iter()
        .map(|l| RwSignal::new(amount_text(&l.resource, l.limit)))
        .collect();
    let lines = StoredValue::new(q.lines.clone());
    let stored_texts = StoredValue::new(texts.clone());
    Effect::new(move || {
        if save.succeeded() {
            last_saved.set(Some(cluster_id));
            saved.update(|v| *v += 1);
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut amounts = std::collections::BTreeMap::new();
        lines.with_value(|lines| {
            stored_texts.with_value(|texts| {
                for (l, t) in lines.iter().zip(texts) {
                    let text = t.get_untracked().trim().to_owned();
                    if text != amount_text(&l.resource, l.limit) {
                        amounts.insert(l.resource.key(), text);
                    }
                }
            })
        });
        last_saved.set(None);
        save.dispatch(SetQuota {
            owner,
            input: QuotaInput {
                cluster_id,
                amounts,
            },
        });
    };
    let title_id = format!("quota-{cluster_id}-title");
    let labelled_by = title_id.clone();
    let rows = q
        .lines
        .into_iter()
        .zip(texts)
        .enumerate()
        .map(|(i, (line, text))| {
            let input_id = format!("quota-{cluster_id}-{i}");
            let error_id = format!("{input_id}-error");
            let field = format!("amounts.{}", line.resource.key());
            let name = resource_name(lang, &line.resource);
            let line = StoredValue::new(line);
            let edited = RwSignal::new(false);
            Effect::new(move || {
                error.track();
                edited.set(false);
            });
            let field_for_message = field.clone();
            // The server's word first (it names what the parent has and
            // gave out), until the field is edited; then what the browser
            // can tell by itself.
            let message = Memo::new(move |_| {
                let server = (!edited.get())
                    .then(|| {
                        error.get().and_then(|e| {
                            e.field_error(&field_for_message).map(|f| lang.field_message(f))
                        })
                    })
                    .flatten();
                server.or_else(|| line.with_value(|l| typed_problem(lang, l, &text.get())))
            });
            let invalid = move || message.get().is_some();
            let (given, taken, ceiling) = line.with_value(|l| {
                (
                    l.resource.display(l.allocated),
                    figure(lang, &l.resource, l.used),
                    match l.ceiling {
                        Some(c) => l.resource.display(c.max(0)),
                        None if l.resource.node_resource().is_some()
                            && matches!(owner, QuotaOwner::Domain(_)) =>
                        {
                            lang.t(T::QuotaUnknown).into()
                        }
                        None => lang.t(T::QuotaUnbounded).into(),
                    },
                )
            });
            let error_id_attr = error_id.clone();
            view! {
                <tr class:row-invalid=invalid>
                    <th scope="row"><label for=input_id.clone()>{name}</label></th>
                    <td>
                        <input id=input_id name=field class="quota-input" inputmode="decimal"
                            autocomplete="off" spellcheck="false" readonly=!editable
                            aria-invalid=move || invalid().to_string()
                            aria-describedby=error_id_attr
                            prop:value=move || text.get()
                            on:input=move |ev| { edited.set(true); text.set(event_target_value(&ev)); } />
                        {move || message.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
                    </td>
                    <td class="mono" data-label=lang.t(T::QuotaGiven)>{given}</td>
                    <td class="mono" data-label=lang.t(T::UsageTaken)>{taken}</td>
                    <td class="mono" data-label=lang.t(T::QuotaCeiling)>{ceiling}</td>
                    <td class="mono" data-label=lang.t(T::QuotaLeft)>
                        {move || line.with_value(|l| left_after(lang, l, &text.get()))}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <form class="panel quota" on:submit=on_submit aria-labelledby=labelled_by>
            <h2 id=title_id>{q.cluster_name}</h2>
            {move || match error.get() {
                None => None,
                // Each amount's message stands beside it; the rest here.
                Some(AppError::Validation { fields }) => Some(view! {
                    <div class="banner banner-error" role="alert">
                        <span>{lang.t(T::ErrValidation)}</span>
                        {fields.iter().filter(|f| !f.field.starts_with("amounts."))
                            .map(|f| view! { <span>{lang.field_message(f)}</span> }).collect_view()}
                    </div>
                }.into_any()),
                Some(e) => Some(view! { <ErrorBanner error=e /> }.into_any()),
            }}
            {move || (last_saved.get() == Some(cluster_id)).then(|| view! { <p class="banner" role="status">{lang.t(T::QuotaSaved)}</p> })}
            <div class="table-scroll">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{lang.t(T::QuotaResourceCol)}</th>
                            <th scope="col">{lang.t(T::QuotaTitle)}</th>
                            <th scope="col">{lang.t(T::QuotaGiven)}</th>
                            <th scope="col">{lang.t(T::UsageTaken)}</th>
                            <th scope="col">{lang.t(T::QuotaCeiling)}</th>
                            <th scope="col">{lang.t(T::QuotaLeft)}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {editable.then(|| view! {
                <div class="form-actions">
                    <button class="btn btn-primary" type="submit" disabled=move || save.pending().get()>
                        {lang.t(T::QuotaSave)}
                    </button>
                </div>
            })}
        </form>
    }
}
