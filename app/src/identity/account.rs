//! The signed-in user's own password: the rules are listed and ticked off
//! while typing (the same check the server makes), then the change is sent
//! with the current password as proof.

use crate::api::{Call, Query};
use berth_api::{PasswordPolicy, PasswordRule};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    components::{suspense, ErrorBanner, FormError, TextField, Waiting},
    i18n::{use_lang, T},
    identity::api::{ChangePassword, GetCurrentUser, GetPasswordPolicy},
};

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let lang = use_lang();
    let policy = Query::new(|| GetPasswordPolicy {});
    let me = Query::new(|| GetCurrentUser {});
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let differ = RwSignal::new(false);
    let change = Call::<ChangePassword>::new();
    let error = change.error();
    let done = move || change.succeeded();

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let same = new.get_untracked() == repeat.get_untracked();
        differ.set(!same);
        if same {
            change.dispatch(ChangePassword {
                current_password: current.get_untracked(),
                new_password: new.get_untracked(),
            });
        }
    };
    // Once through, the fields are cleared; the banner links back into the
    // portal (a full load, so a lifted "must change" takes effect).
    Effect::new(move || {
        if done() {
            current.set(String::new());
            new.set(String::new());
            repeat.set(String::new());
        }
    });

    view! {
        <div class="page-head"><h1>{lang.t(T::ChangePassword)}</h1></div>
        // Only when a reset or the policy's maximum age asks for it.
        {suspense(Waiting::Nothing, move || async move {
                let must = me.await.is_ok_and(|u| u.must_change_password) && !done();
                must.then(|| view! { <p class="banner banner-warn" role="status">{lang.t(T::MustChangePassword)}</p> })
            })}
        {move || done().then(|| view! {
            <div class="banner banner-ok" role="status">
                <span>{lang.t(T::PasswordChanged)}</span>
                <a href="/" rel="external">{lang.t(T::BackHome)}</a>
            </div>
        })}
        <form class="panel narrow" on:submit=on_submit aria-labelledby="password-form-title">
            <h2 id="password-form-title" class="sr-only">{lang.t(T::ChangePassword)}</h2>
            <FormError error />
            <TextField id="current-password" field="current_password" label=T::CurrentPassword value=current error
                kind="password" autocomplete="current-password" autofocus=true />
            <TextField id="new-password" field="new_password" label=T::NewPassword value=new error
                kind="password" autocomplete="new-password" />
            <div class="field" class:field-invalid=move || differ.get()>
                <label for="repeat-password">{lang.t(T::RepeatPassword)}</label>
                <input id="repeat-password" type="password" autocomplete="new-password" bind:value=repeat
                    aria-invalid=move || differ.get().to_string() aria-describedby="repeat-password-error" />
                {move || differ.get().then(|| view! {
                    <p class="field-error" id="repeat-password-error">{lang.t(T::PasswordsDiffer)}</p>
                })}
            </div>
            {suspense(Waiting::Nothing, move || async move {
                    let username = me.await.map(|u| u.username).unwrap_or_default();
                    match policy.await {
                        Ok(p) => view! { <PasswordRules policy=p username password=new /> }.into_any(),
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }
                })}
            <div class="form-actions">
                <button class="btn btn-primary" type="submit" disabled=move || change.pending().get()>
                    {move || lang.t(if change.pending().get() { T::Saving } else { T::ChangePassword })}
                </button>
            </div>
        </form>
    }
}

/// The policy's rules with a live mark for each, for the password typed.
#[component]
pub fn PasswordRules(
    policy: PasswordPolicy,
    username: String,
    password: RwSignal<String>,
) -> impl IntoView {
    let lang = use_lang();
    let mut rules: Vec<(Option<PasswordRule>, String)> = vec![(
        Some(PasswordRule::TooShort),
        lang.fmt(T::RuleMinLength, &[&policy.min_length.to_string()]),
    )];
    for (on, rule, text) in [
        (policy.require_upper, PasswordRule::NoUpper, T::RuleUpper),
        (policy.require_lower, PasswordRule::NoLower, T::RuleLower),
        (policy.require_digit, PasswordRule::NoDigit, T::RuleDigit),
        (policy.require_symbol, PasswordRule::NoSymbol, T::RuleSymbol),
        (
            policy.forbid_username,
            PasswordRule::ContainsUsername,
            T::RuleNoUsername,
        ),
    ] {
        if on {
            rules.push((Some(rule), lang.t(text).to_owned()));
        }
    }
    if policy.history > 0 {
        // Checked by the server alone: it needs the stored passwords.
        rules.push((
            None,
            lang.fmt(T::RuleHistory, &[&policy.history.to_string()]),
        ));
    }
    let broken = Memo::new(move |_| policy.broken_rules(&username, &password.get()));
    view! {
        <div class="password-rules">
            <h3>{lang.t(T::PasswordRules)}</h3>
            <ul>
                {rules.into_iter().map(|(rule, text)| {
                    let met = move || rule.is_some_and(|r| !password.get().is_empty() && !broken.get().contains(&r));
                    view! {
                        <li class:rule-met=met>
                            <span aria-hidden="true">{move || if met() { "✓ " } else { "• " }}</span>
                            {text}
                            <span class="sr-only">{move || format!(" ({})", lang.t(if met() { T::RuleMet } else { T::RuleNotMet }))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
