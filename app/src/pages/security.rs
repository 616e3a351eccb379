//! Security settings operators change: the password policy.

use berth_api::PasswordPolicy;
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{get_password_policy, SetPasswordPolicy},
    components::{last_error, ErrorBanner, FormError, TextField},
    i18n::{use_lang, T},
};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let lang = use_lang();
    let policy = Resource::new(|| (), |_| get_password_policy());
    view! {
        <div class="page-head"><h1>{lang.t(T::NavSecurity)}</h1></div>
        <Suspense fallback=move || view! { <p class="muted">{lang.t(T::Loading)}</p> }>
            {move || Suspend::new(async move {
                match policy.await {
                    Ok(p) => view! { <PasswordPolicyForm policy=p /> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CheckField(id: &'static str, label: T, value: RwSignal<bool>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <div class="field-check">
            <input id=id type="checkbox" bind:checked=value />
            <label for=id>{lang.t(label)}</label>
        </div>
    }
}

#[component]
fn PasswordPolicyForm(policy: PasswordPolicy) -> impl IntoView {
    let lang = use_lang();
    let number = |n: u32| RwSignal::new(n.to_string());
    let min_length = number(policy.min_length);
    let history = number(policy.history);
    let max_age_days = number(policy.max_age_days);
    let upper = RwSignal::new(policy.require_upper);
    let lower = RwSignal::new(policy.require_lower);
    let digit = RwSignal::new(policy.require_digit);
    let symbol = RwSignal::new(policy.require_symbol);
    let no_username = RwSignal::new(policy.forbid_username);
    let save = ServerAction::<SetPasswordPolicy>::new();
    let error = last_error(save.value());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        // Anything not a whole number is sent as out of range, so the
        // server names the field.
        let read = |s: RwSignal<String>| s.get_untracked().trim().parse().unwrap_or(u32::MAX);
        save.dispatch(SetPasswordPolicy {
            policy: PasswordPolicy {
                min_length: read(min_length),
                require_upper: upper.get_untracked(),
                require_lower: lower.get_untracked(),
                require_digit: digit.get_untracked(),
                require_symbol: symbol.get_untracked(),
                forbid_username: no_username.get_untracked(),
                history: read(history),
                max_age_days: read(max_age_days),
            },
        });
    };
    view! {
        <form class="panel narrow" on:submit=on_submit aria-labelledby="policy-form-title">
            <h2 id="policy-form-title">{lang.t(T::PasswordPolicy)}</h2>
            <FormError error />
            {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! {
                <div class="banner banner-ok" role="status">{lang.t(T::Saved)}</div>
            })}
            <TextField id="policy-min-length" field="min_length" label=T::MinLength value=min_length error kind="number" />
            <CheckField id="policy-upper" label=T::RequireUpper value=upper />
            <CheckField id="policy-lower" label=T::RequireLower value=lower />
            <CheckField id="policy-digit" label=T::RequireDigit value=digit />
            <CheckField id="policy-symbol" label=T::RequireSymbol value=symbol />
            <CheckField id="policy-username" label=T::ForbidUsername value=no_username />
            <TextField id="policy-history" field="history" label=T::HistoryCount value=history error kind="number" />
            <TextField id="policy-max-age" field="max_age_days" label=T::MaxAgeDays value=max_age_days error kind="number" />
            <div class="form-actions">
                <button class="btn btn-primary" type="submit" disabled=move || save.pending().get()>
                    {move || lang.t(if save.pending().get() { T::Saving } else { T::Save })}
                </button>
            </div>
        </form>
    }
}
