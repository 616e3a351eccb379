//! A domain's page and a VDC's page: what it is, and its quota on each
//! cluster (more sections join as app spaces and members arrive).

use berth_api::{QuotaOwner, Vdc};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::{Call, Query},
    components::{held_permissions, suspense, Confirm, ErrorBanner, Me, Waiting},
    i18n::{use_lang, Lang, T},
    tenancy::{
        api::{GetDomain, GetVdc, ResumeVdc, SuspendVdc},
        app_spaces::AppSpacesSection,
        members::MembersSection,
        quota::QuotaPanel,
    },
};

/// The `:id` of the address; 0 (no object has it) when malformed, so the
/// page says "not found" as for any unknown id.
fn id_param() -> Memo<i64> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse().ok()).unwrap_or(0)))
}

#[component]
pub fn DomainPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let domain = Query::new(move || GetDomain { id: id.get() });
    let me = use_context::<Me>();
    suspense(Waiting::Loading, move || async move {
        let held = held_permissions(me).await;
        let holds = |p: &str| held.iter().any(|h| h == p);
        match domain.await {
            Err(e) => view! {
                <div class="page-head"><h1>{lang.t(T::Domain)}</h1></div>
                <ErrorBanner error=e />
                <p><A href="/domains">{lang.t(T::BackToDomains)}</A></p>
            }
            .into_any(),
            Ok(d) => {
                // Domains' quotas are an operator's to set: only a platform
                // role can also create domains.
                let editable = holds("quota.update") && holds("domain.create");
                view! {
                    <nav class="crumbs"><A href="/domains">{lang.t(T::NavDomains)}</A></nav>
                    <div class="page-head">
                        <h1>{d.display_name.clone()}</h1>
                    </div>
                    <p class="muted">
                        <span class="mono">{d.name.clone()}</span>
                        {(!d.description.is_empty()).then(|| format!(" · {}", d.description))}
                    </p>
                    <section aria-labelledby="quota-title">
                        <h2 id="quota-title">{lang.fmt(T::QuotaOf, &[&d.display_name])}</h2>
                        <p class="hint">{lang.t(T::QuotaDomainIntro)}</p>
                        <QuotaPanel owner=QuotaOwner::Domain(d.id) editable />
                    </section>
                }
                .into_any()
            }
        }
    })
}

#[component]
pub fn VdcPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let changed = RwSignal::new(0usize);
    let vdc = Query::reloading(move || changed.get(), move || GetVdc { id: id.get() });
    let me = use_context::<Me>();
    suspense(Waiting::Loading, move || async move {
        let held = held_permissions(me).await;
        let holds = |p: &str| held.iter().any(|h| h == p);
        match vdc.await {
            Err(e) => view! {
                <div class="page-head"><h1>{lang.t(T::Vdc)}</h1></div>
                <ErrorBanner error=e />
                <p><A href="/vdcs">{lang.t(T::BackToVdcs)}</A></p>
            }
            .into_any(),
            Ok(v) => {
                // A VDC's quota is set from its domain, never by the VDC itself.
                let editable = holds("quota.update");
                let for_lifecycle = v.clone();
                view! {
                    <nav class="crumbs"><A href="/vdcs">{lang.t(T::NavVdcs)}</A></nav>
                    {(!holds("domain.read")).then(|| view! { <VdcSwitcher current=v.id /> })}
                    <div class="page-head">
                        <h1>{v.display_name.clone()}</h1>
                        {holds("vdc.suspend").then(|| view! { <Lifecycle vdc=for_lifecycle.clone() changed /> })}
                    </div>
                    <p class="muted">
                        {status_badge(lang, &v.status)}" "
                        <span class="mono">{v.domain_name.clone()}"/"{v.name.clone()}</span>
                        {(!v.description.is_empty()).then(|| format!(" · {}", v.description))}
                    </p>
                    <section aria-labelledby="quota-title">
                        <h2 id="quota-title">{lang.fmt(T::QuotaOf, &[&v.display_name])}</h2>
                        <p class="hint">{lang.t(T::QuotaVdcIntro)}</p>
                        <QuotaPanel owner=QuotaOwner::Vdc(v.id) editable />
                    </section>
                    <AppSpacesSection vdc_id=v.id />
                    // Not inside another Suspense (IfHeld): its list waits in
                    // a Transition of its own, and Leptos hydrates nested
                    // ones out of step.
                    {holds("member.read").then(|| view! { <MembersSection vdc_id=v.id /> })}
                }
                .into_any()
            }
        }
    })
}

fn status_badge(lang: Lang, status: &str) -> impl IntoView {
    let (class, text) = match status {
        "suspended" => ("badge badge-bad", T::StatusSuspended),
        _ => ("badge badge-ok", T::StatusActive),
    };
    view! { <span class=class>{lang.t(text)}</span> }
}

/// Suspend (after a confirmation) or resume the VDC.
#[component]
fn Lifecycle(vdc: Vdc, changed: RwSignal<usize>) -> impl IntoView {
    let lang = use_lang();
    let suspend = Call::<SuspendVdc>::new();
    let resume = Call::<ResumeVdc>::new();
    let asking = RwSignal::new(false);
    Effect::new(move || {
        if suspend.succeeded() || resume.succeeded() {
            asking.set(false);
            changed.update(|v| *v += 1);
        }
    });
    let id = vdc.id;
    let suspended = vdc.status == "suspended";
    let title = lang.fmt(T::SuspendTitle, &[&vdc.name]);
    view! {
        {if suspended {
            view! {
                <button class="btn" type="button" disabled=move || resume.pending().get()
                    on:click=move |_| resume.dispatch(ResumeVdc { id })>{lang.t(T::ResumeVdc)}</button>
            }.into_any()
        } else {
            view! {
                <button class="btn btn-danger" type="button" on:click=move |_| asking.set(true)>{lang.t(T::SuspendVdc)}</button>
            }.into_any()
        }}
        {move || resume.error().get().map(|e| view! { <ErrorBanner error=e /> })}
        {move || asking.get().then(|| view! {
            <Confirm title=title.clone() body=T::SuspendBody action=T::SuspendVdc
                on_confirm=Callback::new(move |_| suspend.dispatch(SuspendVdc { id }))
                on_cancel=Callback::new(move |_| asking.set(false))
                pending=suspend.pending().into() error=suspend.error() />
        })}
    }
}

/// For members of several VDCs: a choice of the others.
#[component]
fn VdcSwitcher(current: i64) -> impl IntoView {
    let lang = use_lang();
    let vdcs = crate::tenancy::api::vdc_choices();
    let navigate = leptos_router::hooks::use_navigate();
    suspense(Waiting::Nothing, move || {
        let navigate = navigate.clone();
        async move {
            let list = crate::tenancy::api::items(vdcs.await);
            let go = navigate.clone();
            (list.len() > 1).then(|| {
                view! {
                    <label class="inline-field switcher">
                        <span>{lang.t(T::SwitchVdc)}</span>
                        <select on:change=move |ev| {
                            if let Ok(id) = event_target_value(&ev).parse::<i64>() {
                                go(&format!("/vdcs/{id}"), Default::default());
                            }
                        }>
                            {list.into_iter().map(|v| view! {
                                <option value=v.id.to_string() selected=v.id == current>
                                    {format!("{}/{}", v.domain_name, v.name)}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                }
            })
        }
    })
}
