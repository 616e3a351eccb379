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
        overview::vdc_switcher,
        quota::QuotaPanel,
        usage::UsageSection,
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
                    <nav class="crumbs">
                        <A href="/vdcs">{lang.t(T::NavVdcs)}</A>
                        // Tenants who belong to several VDCs move between them here.
                        {(!holds("domain.read")).then(|| vdc_switcher(v.id))}
                    </nav>
                    <div class="page-head">
                        <h1>{v.display_name.clone()}</h1>
                        {holds("vdc.suspend").then(|| view! { <Lifecycle vdc=for_lifecycle.clone() changed /> })}
                    </div>
                    <p class="muted">
                        {status_badge(lang, &v.status)}" "
                        <span class="mono">{v.domain_name.clone()}"/"{v.name.clone()}</span>
                        {(!v.description.is_empty()).then(|| format!(" · {}", v.description))}
                    </p>
                    <VdcTabs vdc_id=v.id name=v.display_name.clone() editable members=holds("member.read") />
                }
                .into_any()
            }
        }
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Quota,
    Usage,
    AppSpaces,
    Members,
}

/// The VDC's quota, usage, app spaces and members, one at a time; all but
/// the quota load when first chosen (one piece of code for the three).
#[component]
fn VdcTabs(vdc_id: i64, name: String, editable: bool, members: bool) -> impl IntoView {
    let lang = use_lang();
    let tab = RwSignal::new(Tab::Quota);
    let button = move |t: Tab, label: T_| {
        view! {
            <button type="button" role="tab" class="tab" aria-selected=move || (tab.get() == t).to_string()
                on:click=move |_| tab.set(t)>{lang.t(label)}</button>
        }
    };
    let name = StoredValue::new(name);
    view! {
        <div class="tabs" role="tablist" aria-label=lang.t(T::Vdc)>
            {button(Tab::Quota, T::QuotaTitle)}
            {button(Tab::Usage, T::UsageTitle)}
            {button(Tab::AppSpaces, T::AppSpaces)}
            {members.then(|| button(Tab::Members, T::Members))}
        </div>
        <div role="tabpanel">
            {move || match tab.get() {
                Tab::Quota => view! {
                    <section aria-labelledby="quota-title">
                        <h2 id="quota-title">{lang.fmt(T::QuotaOf, &[&name.get_value()])}</h2>
                        <p class="hint">{lang.t(T::QuotaVdcIntro)}</p>
                        <QuotaPanel owner=QuotaOwner::Vdc(vdc_id) editable />
                    </section>
                }.into_any(),
                other => Suspend::new(loaded_tab(vdc_id, other)).into_any(),
            }}
        </div>
    }
}

type T_ = crate::i18n::Text;

/// The tabs loaded on demand: one split point, since each adds to the
/// loader every page fetches.
#[leptos::lazy]
fn loaded_tab(vdc_id: i64, tab: Tab) -> AnyView {
    match tab {
        Tab::Usage => view! { <UsageSection vdc_id /> }.into_any(),
        Tab::Members => view! { <MembersSection vdc_id /> }.into_any(),
        _ => view! { <AppSpacesSection vdc_id /> }.into_any(),
    }
}

fn status_badge(lang: Lang, status: &str) -> impl IntoView {
    let (class, text) = match status {
        "suspended" => ("badge badge-bad", T::StatusSuspended),
        _ => ("badge badge-ok", T::StatusActive),
    };
    view! { <span class=class>{lang.t(text)}</span> }
}

/// Suspend or resume the VDC: the button is on the page, the dialog
/// (and what it calls) loads when it is pressed.
#[component]
fn Lifecycle(vdc: Vdc, changed: RwSignal<usize>) -> impl IntoView {
    let lang = use_lang();
    let asking = RwSignal::new(false);
    let suspended = vdc.status == "suspended";
    let (class, label) = if suspended {
        ("btn", T::ResumeVdc)
    } else {
        ("btn btn-danger", T::SuspendVdc)
    };
    let vdc = StoredValue::new(vdc);
    view! {
        <button class=class type="button" on:click=move |_| asking.set(true)>{lang.t(label)}</button>
        {move || asking.get().then(|| Suspend::new(lifecycle_dialog(vdc.get_value(), changed, asking)))}
    }
}

#[leptos::lazy]
fn lifecycle_dialog(vdc: Vdc, changed: RwSignal<usize>, asking: RwSignal<bool>) -> AnyView {
    view! { <LifecycleDialog vdc changed asking /> }.into_any()
}

#[component]
fn LifecycleDialog(vdc: Vdc, changed: RwSignal<usize>, asking: RwSignal<bool>) -> impl IntoView {
    let lang = use_lang();
    let suspend = Call::<SuspendVdc>::new();
    let resume = Call::<ResumeVdc>::new();
    Effect::new(move || {
        if suspend.succeeded() || resume.succeeded() {
            asking.set(false);
            changed.update(|v| *v += 1);
        }
    });
    let id = vdc.id;
    let on_cancel = Callback::new(move |_| asking.set(false));
    if vdc.status == "suspended" {
        view! {
            <Confirm title=lang.fmt(T::ResumeTitle, &[&vdc.name]) body=T::ResumeBody action=T::ResumeVdc
                on_confirm=Callback::new(move |_| resume.dispatch(ResumeVdc { id }))
                on_cancel pending=resume.pending().into() error=resume.error() />
        }
        .into_any()
    } else {
        view! {
            <Confirm title=lang.fmt(T::SuspendTitle, &[&vdc.name]) body=T::SuspendBody action=T::SuspendVdc
                on_confirm=Callback::new(move |_| suspend.dispatch(SuspendVdc { id }))
                on_cancel pending=suspend.pending().into() error=suspend.error() />
        }
        .into_any()
    }
}
