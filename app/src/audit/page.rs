//! The audit log: who did what, when, from where, and how it went. Filters
//! by user, action, outcome and dates; paged; exported as CSV with the same
//! filters. Each caller sees the records of their own scopes only.

use berth_api::{AuditEntry, AuditQuery};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::Query,
    audit::api::ListAudit,
    components::{encode, PagedTable, TextField, Time},
    i18n::{use_lang, T},
};

/// The export link for the filters in force.
fn export_href(q: &AuditQuery) -> String {
    let mut href = String::from("/audit/export.csv?");
    let pairs = [
        ("user", &q.user),
        ("action", &q.action),
        ("outcome", &q.outcome),
        ("from", &q.from),
        ("to", &q.to),
    ];
    let set: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    href.push_str(&set.join("&"));
    href
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = use_lang();
    let (user, action, from, to) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let outcome = RwSignal::new(String::new());
    let applied = RwSignal::new(AuditQuery::default());
    let page = RwSignal::new(1u32);
    // PagedTable tells "nothing yet" from "no match" by this.
    let filtering = RwSignal::new(String::new());
    let records = Query::new(move || ListAudit {
        query: AuditQuery {
            page: page.get(),
            ..applied.get()
        },
    });
    let error = records.error();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = AuditQuery {
            user: user.get_untracked().trim().to_owned(),
            action: action.get_untracked().trim().to_owned(),
            outcome: outcome.get_untracked(),
            from: from.get_untracked(),
            to: to.get_untracked(),
            ..AuditQuery::default()
        };
        filtering.set(export_href(&q));
        page.set(1);
        applied.set(q);
    };
    let outcome_label = move |o: &str| {
        lang.t(match o {
            "allowed" => T::OutcomeAllowed,
            "denied" => T::OutcomeDenied,
            _ => T::OutcomeFailed,
        })
    };
    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavAudit)}</h1>
            <a class="btn" href=move || export_href(&applied.get()) rel="external" download="berth-audit.csv">
                {lang.t(T::ExportCsv)}
            </a>
        </div>
        <form class="filters" on:submit=on_submit aria-label=lang.t(T::Filters)>
            <TextField id="audit-user" field="user" label=T::Username value=user error />
            <TextField id="audit-action" field="action" label=T::RuleAction value=action error hint=T::AuditActionHint />
            <div class="field">
                <label for="audit-outcome">{lang.t(T::Outcome)}</label>
                <select id="audit-outcome" on:change=move |ev| outcome.set(event_target_value(&ev))>
                    <option value="">{lang.t(T::AnyOutcome)}</option>
                    <option value="allowed">{lang.t(T::OutcomeAllowed)}</option>
                    <option value="denied">{lang.t(T::OutcomeDenied)}</option>
                    <option value="failed">{lang.t(T::OutcomeFailed)}</option>
                </select>
            </div>
            <TextField id="audit-from" field="from" label=T::FromDate value=from error kind="date" />
            <TextField id="audit-to" field="to" label=T::ToDate value=to error kind="date" />
            <div class="form-actions">
                <button class="btn btn-primary" type="submit">{lang.t(T::ApplyFilters)}</button>
            </div>
        </form>
        <PagedTable
            list=records
            page
            search=filtering
            columns=&[T::Time, T::Username, T::Address, T::RuleAction, T::Target, T::Outcome, T::Details]
            empty=T::NoAudit
            row=move |e: AuditEntry| {
                let bad = e.outcome != "allowed";
                view! {
                    <td><Time at=e.at.clone() /></td>
                    <td>{e.username.clone()}</td>
                    <td class="mono">{e.source.clone().unwrap_or_default()}</td>
                    <td class="mono">{e.action.clone()}</td>
                    <td>{e.target.clone()}</td>
                    <td><span class="badge" class:badge-ok=!bad class:badge-bad=bad>{outcome_label(&e.outcome)}</span></td>
                    <td>{e.details.clone()}</td>
                    <td></td>
                }
            }
        />
    }
}
