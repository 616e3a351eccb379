//! Clusters: the registry. Register by kubeconfig (choosing a context), by
//! URL and token, or by URL and client certificate; each is tested before
//! it is saved, and a failure shows beside the field it concerns. Health is
//! polled in the background and can be checked on demand.

use crate::api::{Call, Query};
use berth_api::{AppError, ClusterInput, ClusterMethod, ClusterSummary};
use leptos::{ev::SubmitEvent, lazy, prelude::*};
use leptos_router::components::A;

use crate::{
    clusters::api::{
        CheckCluster, CreateCluster, DeleteCluster, ListClusters, ReadKubeconfigContexts,
        UpdateCluster,
    },
    components::{
        suspense, ErrorBanner, FormActions, FormError, IfHeld, ListActions, RowActions, TextField,
        Waiting,
    },
    i18n::{use_lang, Lang, Text, T},
};

pub(crate) fn health_badge(lang: Lang, c: &ClusterSummary) -> impl IntoView {
    let (class, label) = match c.health.as_str() {
        "healthy" => ("badge badge-ok", T::HealthHealthy),
        "unknown" => ("badge", T::HealthUnknown),
        "unreachable" => ("badge badge-bad", T::HealthUnreachable),
        "bad_certificate" => ("badge badge-bad", T::HealthBadCertificate),
        "unauthorized" | "forbidden" => ("badge badge-bad", T::HealthUnauthorized),
        _ => ("badge badge-bad", T::HealthError),
    };
    // When it was checked; what the connection said stays in the log.
    let title = c
        .checked_at
        .as_ref()
        .map(|t| lang.fmt(T::CheckedAt, &[&format!("{} UTC", t.to_minutes())]))
        .unwrap_or_default();
    view! { <span class=class title=title data-health=c.health.clone()>{lang.t(label)}</span> }
}

fn auth_label(kind: &str) -> Text {
    match kind {
        "token" => T::AuthToken,
        "client_certificate" => T::AuthCertificate,
        _ => T::AuthNone,
    }
}

type Actions = ListActions<ClusterSummary, CreateCluster, UpdateCluster, DeleteCluster>;

#[component]
pub fn ClustersPage() -> impl IntoView {
    let lang = use_lang();
    let actions = Actions::new();
    let check = Call::<CheckCluster>::new();
    let clusters = Query::reloading(
        move || actions.changes() + check.version().get(),
        || ListClusters {},
    );
    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavClusters)}</h1>
            <IfHeld permission="cluster.create">
                <button class="btn btn-primary" type="button" on:click=move |_| actions.open(None)>{lang.t(T::NewCluster)}</button>
            </IfHeld>
        </div>
        {move || actions.editing.get().map(|target| {
            Suspend::new(cluster_form(target, actions, Callback::new(move |_| actions.close())))
        })}
        {move || check.error().get().map(|e| view! { <ErrorBanner error=e /> })}
        {suspense(Waiting::Loading, move || async move {
                match clusters.await {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t(T::NoClusters)}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table" id="clusters">
                            <thead>
                                <tr>
                                    <th scope="col">{lang.t(T::Name)}</th>
                                    <th scope="col">{lang.t(T::ApiUrl)}</th>
                                    <th scope="col">{lang.t(T::Authentication)}</th>
                                    <th scope="col">{lang.t(T::Version)}</th>
                                    <th scope="col">{lang.t(T::Nodes)}</th>
                                    <th scope="col">{lang.t(T::Health)}</th>
                                    <th scope="col"><span class="sr-only">{lang.t(T::Actions)}</span></th>
                                </tr>
                            </thead>
                            <tbody>
                                {list.into_iter().map(|c| {
                                    let (for_edit, for_delete) = (c.clone(), c.clone());
                                    let id = c.id;
                                    let name = c.name.clone();
                                    let link_text = c.name.clone();
                                    view! {
                                        <tr data-cluster=c.name.clone()>
                                            <td class="mono"><A href=format!("/clusters/{id}") attr:aria-label=lang.fmt(T::ClusterOverviewOf, &[&name])>{link_text}</A>
                                                {(!c.description.is_empty()).then(|| view! { <div class="hint">{c.description.clone()}</div> })}
                                            </td>
                                            <td class="mono">{c.api_url.clone()}
                                                {c.insecure.then(|| view! { <span class="badge badge-bad">{lang.t(T::Insecure)}</span> })}
                                            </td>
                                            <td>{lang.t(auth_label(&c.auth_kind))}</td>
                                            <td>{if c.version.is_empty() { "—".to_string() } else { c.version.clone() }}</td>
                                            <td>{c.node_count.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                                            <td>{health_badge(lang, &c)}</td>
                                            {if c.embedded {
                                                view! {
                                                    <td class="row-actions">
                                                        <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::CheckNow), name)
                                                            on:click=move |_| { check.dispatch(CheckCluster { id }); }>{lang.t(T::CheckNow)}</button>
                                                        <span class="hint">{lang.t(T::EmbeddedCluster)}</span>
                                                    </td>
                                                }.into_any()
                                            } else {
                                                view! {
                                                    <td class="row-actions">
                                                        <button class="btn btn-small" type="button" aria-label=format!("{} {}", lang.t(T::CheckNow), name)
                                                            on:click=move |_| { check.dispatch(CheckCluster { id }); }>{lang.t(T::CheckNow)}</button>
                                                    </td>
                                                    <RowActions name=c.name.clone()
                                                        on_edit=Callback::new(move |_| actions.open(Some(for_edit.clone())))
                                                        on_delete=Callback::new(move |_| actions.ask_delete(for_delete.clone()))
                                                        edit="cluster.update" delete="cluster.delete" />
                                                }.into_any()
                                            }}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        {actions.confirm_delete(|c: &ClusterSummary| c.name.clone(), |c: &ClusterSummary| DeleteCluster { id: c.id })}
    }
}

// The form is loaded when first opened, not with the page.
#[lazy]
fn cluster_form(
    target: Option<ClusterSummary>,
    actions: Actions,
    on_close: Callback<()>,
) -> AnyView {
    view! { <ClusterForm target actions on_close /> }.into_any()
}

#[component]
fn ClusterForm(
    target: Option<ClusterSummary>,
    actions: Actions,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let editing_id = target.as_ref().map(|c| c.id);
    let initial_method = match target.as_ref().map(|c| c.auth_kind.as_str()) {
        Some("client_certificate") => ClusterMethod::Certificate,
        Some(_) => ClusterMethod::Token,
        None => ClusterMethod::Kubeconfig,
    };
    let method = RwSignal::new(initial_method);
    let text = |v: Option<String>| RwSignal::new(v.unwrap_or_default());
    let name = text(target.as_ref().map(|c| c.name.clone()));
    let description = text(target.as_ref().map(|c| c.description.clone()));
    let api_url = text(target.as_ref().map(|c| c.api_url.clone()));
    let (kubeconfig, context, token, client_cert, client_key, ca_cert) = (
        text(None),
        text(None),
        text(None),
        text(None),
        text(None),
        text(None),
    );
    let insecure = RwSignal::new(target.as_ref().is_some_and(|c| c.insecure));
    let contexts = Call::<ReadKubeconfigContexts>::new();
    Effect::new(move || {
        if let Some(Ok(found)) = contexts.value().get() {
            if context.get_untracked().is_empty() {
                context.set(found.current.unwrap_or_default());
            }
        }
    });
    let error: Signal<Option<AppError>> = {
        let saving = actions.form_error(editing_id.is_some());
        let reading = contexts.error();
        Signal::derive(move || saving.get().or_else(|| reading.get()))
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = ClusterInput {
            name: name.get_untracked().trim().to_owned(),
            description: description.get_untracked(),
            method: method.get_untracked(),
            kubeconfig: kubeconfig.get_untracked(),
            context: context.get_untracked(),
            api_url: api_url.get_untracked(),
            token: token.get_untracked(),
            client_cert: client_cert.get_untracked(),
            client_key: client_key.get_untracked(),
            ca_cert: ca_cert.get_untracked(),
            insecure: insecure.get_untracked(),
        };
        match editing_id {
            Some(id) => {
                actions.update.dispatch(UpdateCluster { id, input });
            }
            None => {
                actions.create.dispatch(CreateCluster { input });
            }
        }
    };
    let title = if editing_id.is_some() {
        T::EditCluster
    } else {
        T::NewCluster
    };
    let keep_hint = editing_id.map(|_| T::KeepSecretHint);
    let choice = move |m: ClusterMethod, id: &'static str, label: Text| {
        view! {
            <label class="choice" for=id>
                <input type="radio" id=id name="method" checked=move || method.get() == m
                    on:change=move |_| method.set(m) />
                {lang.t(label)}
            </label>
        }
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="cluster-form-title" id="cluster-form"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="cluster-form-title">{lang.t(title)}</h2>
            <FormError error />
            <TextField id="cluster-name" field="name" label=T::Name value=name error hint=T::NameHint
                disabled=editing_id.is_some() autofocus=editing_id.is_none() />
            <TextField id="cluster-description" field="description" label=T::Description value=description error />
            <fieldset class="field">
                <legend>{lang.t(T::ConnectBy)}</legend>
                {choice(ClusterMethod::Kubeconfig, "method-kubeconfig", T::ByKubeconfig)}
                {choice(ClusterMethod::Token, "method-token", T::ByToken)}
                {choice(ClusterMethod::Certificate, "method-certificate", T::ByCertificate)}
            </fieldset>
            {move || match method.get() {
                ClusterMethod::Kubeconfig => view! {
                    <TextField id="cluster-kubeconfig" field="kubeconfig" label=T::Kubeconfig value=kubeconfig error multiline=true hint=T::KubeconfigHint />
                    <KubeconfigFile kubeconfig />
                    <div class="form-actions">
                        <button class="btn" type="button" id="read-contexts"
                            on:click=move |_| { contexts.dispatch(ReadKubeconfigContexts { kubeconfig: kubeconfig.get_untracked() }); }>
                            {lang.t(T::ReadContexts)}
                        </button>
                    </div>
                    {move || contexts.value().get().and_then(|r| r.ok()).map(|found| view! {
                        <div class="field">
                            <label for="cluster-context">{lang.t(T::Context)}</label>
                            <select id="cluster-context" name="context" on:change=move |ev| context.set(event_target_value(&ev))>
                                {found.contexts.into_iter().map(|c| {
                                    let selected = c == context.get_untracked();
                                    view! { <option value=c.clone() selected=selected>{c.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                    })}
                }.into_any(),
                ClusterMethod::Token => view! {
                    <TextField id="cluster-api-url" field="api_url" label=T::ApiUrl value=api_url error hint=T::ApiUrlHint />
                    <TextField id="cluster-token" field="token" label=T::Token value=token error kind="password" autocomplete="off" hint=keep_hint.unwrap_or(T::TokenHint) />
                    <TextField id="cluster-ca" field="ca_cert" label=T::CaCert value=ca_cert error multiline=true hint=T::CaHint />
                }.into_any(),
                ClusterMethod::Certificate => view! {
                    <TextField id="cluster-api-url" field="api_url" label=T::ApiUrl value=api_url error hint=T::ApiUrlHint />
                    <TextField id="cluster-client-cert" field="client_cert" label=T::ClientCert value=client_cert error multiline=true hint=keep_hint.unwrap_or(T::PemHint) />
                    <TextField id="cluster-client-key" field="client_key" label=T::ClientKey value=client_key error multiline=true hint=keep_hint.unwrap_or(T::PemHint) />
                    <TextField id="cluster-ca" field="ca_cert" label=T::CaCert value=ca_cert error multiline=true hint=T::CaHint />
                }.into_any(),
            }}
            <div class="field">
                <label class="choice" for="cluster-insecure">
                    <input type="checkbox" id="cluster-insecure" name="insecure" prop:checked=move || insecure.get()
                        on:change=move |ev| insecure.set(event_target_checked(&ev)) />
                    {lang.t(T::InsecureLabel)}
                </label>
            </div>
            <p class="hint">{lang.t(T::TestedBeforeSaving)}</p>
            <FormActions editing=editing_id.is_some() pending=actions.saving() on_cancel=on_close />
        </form>
    }
}

/// Reads a chosen kubeconfig file into the text area.
#[component]
fn KubeconfigFile(kubeconfig: RwSignal<String>) -> impl IntoView {
    let lang = use_lang();
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(input) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    if let Some(s) = text.as_string() {
                        kubeconfig.set(s);
                    }
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, kubeconfig);
    };
    view! {
        <div class="field">
            <label for="cluster-kubeconfig-file">{lang.t(T::KubeconfigFile)}</label>
            <input type="file" id="cluster-kubeconfig-file" accept=".yaml,.yml,.conf,.config,text/yaml" on:change=on_change />
        </div>
    }
}
