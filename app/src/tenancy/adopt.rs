//! Adopting an existing namespace into a VDC, from a cluster's overview
//! (operators only): choose the VDC and the namespace's share of the
//! VDC's quota on that cluster.

use std::collections::BTreeMap;

use berth_api::{AdoptInput, QuotaResource, Vdc};
use leptos::{ev::SubmitEvent, lazy, prelude::*};

use crate::{
    api::Call,
    components::{FormActions, FormError, TextField},
    i18n::{use_lang, T},
    tenancy::api::{items, vdc_choices, AdoptNamespace},
};

const AMOUNTS: [QuotaResource; 3] = [
    QuotaResource::Cpu,
    QuotaResource::Memory,
    QuotaResource::Pods,
];

/// The form, loaded when first opened.
#[lazy]
pub fn adopt_form(cluster_id: i64, namespace: String, on_close: Callback<()>) -> AnyView {
    view! { <AdoptForm cluster_id namespace on_close /> }.into_any()
}

#[component]
fn AdoptForm(cluster_id: i64, namespace: String, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let adopt = Call::<AdoptNamespace>::new();
    let error = adopt.error();
    let vdcs = vdc_choices();
    let vdc_id = RwSignal::new(None::<i64>);
    let texts: Vec<RwSignal<String>> = AMOUNTS
        .iter()
        .map(|_| RwSignal::new(String::new()))
        .collect();
    let stored = StoredValue::new(texts.clone());
    Effect::new(move || {
        if adopt.succeeded() {
            on_close.run(());
        }
    });
    let name = StoredValue::new(namespace.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut amounts = BTreeMap::new();
        stored.with_value(|t| {
            for (r, text) in AMOUNTS.iter().zip(t) {
                let v = text.get_untracked().trim().to_owned();
                if !v.is_empty() {
                    amounts.insert(r.key(), v);
                }
            }
        });
        adopt.dispatch(AdoptNamespace {
            input: AdoptInput {
                vdc_id: vdc_id.get_untracked().unwrap_or_default(),
                cluster_id,
                name: name.get_value(),
                amounts,
            },
        });
    };
    let vdc_error = move || {
        error
            .get()
            .and_then(|e| e.field_error("vdc_id").map(|f| lang.field_message(f)))
    };
    let fields = AMOUNTS
        .iter()
        .zip(texts)
        .enumerate()
        .map(|(i, (r, value))| {
            let id: &'static str = ["adopt-cpu", "adopt-memory", "adopt-pods"][i];
            let field: &'static str = ["amounts.cpu", "amounts.memory", "amounts.pods"][i];
            let label = match r {
                QuotaResource::Cpu => T::Cpu,
                QuotaResource::Memory => T::Memory,
                _ => T::Pods,
            };
            view! { <TextField id field label value error /> }
        })
        .collect_view();
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="adopt-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="adopt-title">{lang.fmt(T::AdoptTitle, &[&namespace])}</h2>
            <p class="hint">{lang.t(T::AdoptIntro)}</p>
            <FormError error beside=&["vdc_id"] />
            <div class="field" class:field-invalid=move || vdc_error().is_some()>
                <label for="adopt-vdc">{lang.t(T::Vdc)}</label>
                <select id="adopt-vdc" name="vdc_id" on:change=move |ev| vdc_id.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || vdc_id.get().is_none() disabled>{lang.t(T::ChooseVdc)}</option>
                    <Suspense fallback=|| ()>
                        {move || vdcs.get().map(items).unwrap_or_default().into_iter().map(|v: Vdc| view! {
                            <option value=v.id.to_string()>{format!("{}/{}", v.domain_name, v.name)}</option>
                        }).collect_view()}
                    </Suspense>
                </select>
                {move || vdc_error().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            {fields}
            <FormActions editing=false pending=adopt.pending().into() on_cancel=on_close />
        </form>
    }
}
