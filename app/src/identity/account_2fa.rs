//! One's own two-factor sign-in: set up an authenticator app (QR code or
//! typed secret, confirmed by a code), keep the recovery codes shown once,
//! or turn it off with a code. Each change needs the current password,
//! and turning it off or moving it to a new device a current code too.

use crate::api::{Call, Query};
use berth_api::TotpEnrollment;
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    components::{suspense, ErrorBanner, FormError, TextField, Waiting},
    i18n::{use_lang, T},
    identity::api::{BeginTotp, ConfirmTotp, DisableTotp, GetTwoFactorStatus},
};

#[component]
pub fn TwoFactorPage() -> impl IntoView {
    let lang = use_lang();
    let begin = Call::<BeginTotp>::new();
    let confirm = Call::<ConfirmTotp>::new();
    let disable = Call::<DisableTotp>::new();
    // Everything the forms read lives here, with the page: the forms come
    // and go as the state changes, their inputs and errors do not.
    let forms = Forms {
        enroll_password: RwSignal::new(String::new()),
        enroll_current_code: RwSignal::new(String::new()),
        enroll_code: RwSignal::new(String::new()),
        disable_password: RwSignal::new(String::new()),
        disable_code: RwSignal::new(String::new()),
        begin_error: begin.error(),
        confirm_error: confirm.error(),
        disable_error: disable.error(),
    };
    let status = Query::new(|| GetTwoFactorStatus {});
    let turned_on = Memo::new(move |_| confirm.succeeded());
    let turned_off = Memo::new(move |_| disable.succeeded());
    let recovery = move || confirm.value().get().and_then(|r| r.ok());
    view! {
        <div class="page-head"><h1>{lang.t(T::TwoFactor)}</h1></div>
        <p class="muted">{lang.t(T::TwoFactorIntro)}</p>
        {move || turned_on.get().then(|| view! {
            <section class="panel narrow" aria-labelledby="recovery-title">
                <div class="banner banner-ok" role="status">{lang.t(T::TwoFactorOn)}</div>
                <h2 id="recovery-title">{lang.t(T::RecoveryCodes)}</h2>
                <p>{lang.t(T::RecoveryCodesHint)}</p>
                <ul class="recovery-codes mono">
                    {recovery().unwrap_or_default().into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
                <a class="btn" href="/" rel="external">{lang.t(T::BackHome)}</a>
            </section>
        })}
        {suspense(Waiting::Muted, move || async move {
                match status.await {
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    Ok(s) => view! {
                        {move || {
                            if turned_on.get() {
                                ().into_any()
                            } else if s.enabled && !turned_off.get() {
                                view! {
                                    <DisableForm disable forms required=s.required />
                                    <EnrollForm begin confirm forms replacing=true />
                                }.into_any()
                            } else {
                                view! {
                                    {s.required.then(|| view! { <p class="banner banner-error" role="alert">{lang.t(T::TwoFactorRequired)}</p> })}
                                    <EnrollForm begin confirm forms />
                                }.into_any()
                            }
                        }}
                    }.into_any(),
                }
            })}
    }
}

/// The forms' inputs and errors, owned by the page.
#[derive(Clone, Copy)]
struct Forms {
    enroll_password: RwSignal<String>,
    enroll_current_code: RwSignal<String>,
    enroll_code: RwSignal<String>,
    disable_password: RwSignal<String>,
    disable_code: RwSignal<String>,
    begin_error: Signal<Option<berth_api::AppError>>,
    confirm_error: Signal<Option<berth_api::AppError>>,
    disable_error: Signal<Option<berth_api::AppError>>,
}

#[component]
fn EnrollForm(
    begin: Call<BeginTotp>,
    confirm: Call<ConfirmTotp>,
    forms: Forms,
    /// A factor is on already: this moves it to a new device.
    #[prop(optional)]
    replacing: bool,
) -> impl IntoView {
    let lang = use_lang();
    let (code, error, begin_error) = (forms.enroll_code, forms.confirm_error, forms.begin_error);
    let (password, current_code) = (forms.enroll_password, forms.enroll_current_code);
    let setup = move || begin.value().get().and_then(|r| r.ok());
    let title = if replacing {
        T::MoveTwoFactor
    } else {
        T::SetUpTwoFactor
    };
    let on_begin = move |ev: SubmitEvent| {
        ev.prevent_default();
        begin.dispatch(BeginTotp {
            password: password.get_untracked(),
            code: current_code.get_untracked(),
        });
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        confirm.dispatch(ConfirmTotp {
            code: code.get_untracked(),
        });
    };
    view! {
        <section class="panel narrow" aria-labelledby="enroll-title">
            <h2 id="enroll-title">{lang.t(title)}</h2>
            {move || match setup() {
                None => view! {
                    <form on:submit=on_begin aria-label=lang.t(title)>
                        <FormError error=begin_error />
                        <TextField id="enroll-password" field="password" label=T::CurrentPassword value=password error=begin_error kind="password" autocomplete="current-password" />
                        {replacing.then(|| view! {
                            <TextField id="enroll-current-code" field="code" label=T::CurrentCode value=current_code error=begin_error autocomplete="one-time-code" />
                        })}
                        <div class="form-actions">
                            <button class="btn btn-primary" type="submit" disabled=move || begin.pending().get()>{lang.t(title)}</button>
                        </div>
                    </form>
                }.into_any(),
                Some(TotpEnrollment { secret, qr_image, .. }) => view! {
                    <p>{lang.t(T::ScanQr)}</p>
                    <img class="qr" src=qr_image alt=lang.t(T::QrAlt) width="200" height="200" />
                    <p>{lang.t(T::OrTypeSecret)} " " <code class="mono" id="totp-secret">{secret}</code></p>
                    <form on:submit=on_submit aria-label=lang.t(T::SetUpTwoFactor)>
                        <FormError error />
                        <TextField id="totp-code" field="code" label=T::Code value=code error autocomplete="one-time-code" />
                        <div class="form-actions">
                            <button class="btn btn-primary" type="submit" disabled=move || confirm.pending().get()>{lang.t(T::Verify)}</button>
                        </div>
                    </form>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn DisableForm(disable: Call<DisableTotp>, forms: Forms, required: bool) -> impl IntoView {
    let lang = use_lang();
    let (code, error) = (forms.disable_code, forms.disable_error);
    let password = forms.disable_password;
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        disable.dispatch(DisableTotp {
            password: password.get_untracked(),
            code: code.get_untracked(),
        });
    };
    view! {
        <section class="panel narrow" aria-labelledby="disable-title">
            <div class="banner banner-ok" role="status">{lang.t(T::TwoFactorOn)}</div>
            {if required {
                view! { <p id="disable-title">{lang.t(T::TwoFactorRequired)}</p> }.into_any()
            } else {
                view! {
                    <h2 id="disable-title">{lang.t(T::TurnOffTwoFactor)}</h2>
                    <form on:submit=on_submit aria-label=lang.t(T::TurnOffTwoFactor)>
                        <FormError error />
                        <TextField id="disable-password" field="password" label=T::CurrentPassword value=password error kind="password" autocomplete="current-password" />
                        <TextField id="disable-code" field="code" label=T::Code value=code error autocomplete="one-time-code" />
                        <div class="form-actions">
                            <button class="btn btn-danger" type="submit" disabled=move || disable.pending().get()>{lang.t(T::TurnOffTwoFactor)}</button>
                        </div>
                    </form>
                }.into_any()
            }}
        </section>
    }
}
