//! Security settings: the password policy (operators) and the login IP
//! rules (operators for the platform and any domain, domain admins for
//! their own domain).

use crate::api::{Call, Query};
use berth_api::{
    permission::RoleType, Domain, IpRule, IpRuleInput, PasswordPolicy, TwoFactorPolicy,
};
use leptos::{ev::SubmitEvent, lazy, prelude::*};

use crate::{
    components::{
        suspense, transition, ConfirmDelete, ErrorBanner, FormActions, FormError, IfHeld,
        TextField, Waiting,
    },
    i18n::{use_lang, Text, T},
    identity::api::{
        CreateIpRule, DeleteIpRule, GetPasswordPolicy, GetTwoFactorPolicy, LiftLock, ListIpRules,
        ListLocks, SetPasswordPolicy, SetTwoFactorPolicy,
    },
    tenancy::api::{domain_choices, items, ListDomains},
};

#[component]
pub fn SecurityPage() -> impl IntoView {
    let lang = use_lang();
    let policy = Query::new(|| GetPasswordPolicy {});
    // Domain names for scopes and choices; whoever may not list domains
    // sees their ids.
    let domains = domain_choices();
    view! {
        <div class="page-head"><h1>{lang.t(T::NavSecurity)}</h1></div>
        {suspense(Waiting::Muted, move || async move {
                match policy.await {
                    Ok(p) => view! { <PasswordPolicyForm policy=p /> }.into_any(),
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                }
            })}
        <TwoFactorPolicySection domains />
        <IfHeld permission="lockout.lift"><LocksSection /></IfHeld>
        <IpRulesSection domains />
    }
}

#[component]
fn IpRulesSection(domains: Query<ListDomains>) -> impl IntoView {
    let lang = use_lang();
    let create = Call::<CreateIpRule>::new();
    let delete = Call::<DeleteIpRule>::new();
    let deleting = RwSignal::new(None::<IpRule>);
    let adding = RwSignal::new(false);
    let rules = Query::reloading(
        move || create.version().get() + delete.version().get(),
        || ListIpRules {},
    );
    Effect::new(move || {
        if delete.succeeded() {
            deleting.set(None);
        }
    });
    Effect::new(move || {
        if create.succeeded() {
            adding.set(false);
        }
    });
    // The form is loaded when first opened, not with the page, and stands
    // outside the list's Suspense: the list reloading (after every call,
    // refused ones too) leaves what the user typed alone.
    let form = move || {
        adding.get().then(|| {
            let all = domains.get().map(items).unwrap_or_default();
            Suspend::new(ip_rule_form(
                create,
                all,
                Callback::new(move |_| adding.set(false)),
            ))
        })
    };
    let scope_name = move |d: Option<i64>, all: &[Domain]| match d {
        None => lang.t(T::WholePlatform).to_owned(),
        Some(id) => all
            .iter()
            .find(|x| x.id == id)
            .map_or_else(|| format!("#{id}"), |x| x.display_name.clone()),
    };
    view! {
        <section class="panel" aria-labelledby="ip-rules-title">
            <h2 id="ip-rules-title">{lang.t(T::IpRules)}</h2>
            <p class="muted">{lang.t(T::IpRulesIntro)}</p>
            <IfHeld permission="security.policy.update">
                <button class="btn btn-primary" type="button" on:click=move |_| { create.clear(); adding.set(true); }>
                    {lang.t(T::NewIpRule)}
                </button>
            </IfHeld>
            {form}
            {suspense(Waiting::Muted, move || async move {
                    let all = items(domains.await);
                    match rules.await {
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">{lang.t(T::NoIpRules)}</p>
                        }.into_any(),
                        Ok(list) => view! {
                            <table class="table">
                                <thead><tr>
                                    <th scope="col">{lang.t(T::RuleScope)}</th>
                                    <th scope="col">{lang.t(T::RuleAction)}</th>
                                    <th scope="col">{lang.t(T::Network)}</th>
                                    <th scope="col">{lang.t(T::Description)}</th>
                                    <th scope="col">{lang.t(T::Actions)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|r| {
                                        let for_delete = r.clone();
                                        let label = format!("{} {}", lang.t(T::Delete), r.cidr);
                                        view! {
                                            <tr>
                                                <td>{scope_name(r.domain_id, &all)}</td>
                                                <td>{lang.t(if r.action == "deny" { T::ActionDeny } else { T::ActionAllow })}</td>
                                                <td class="mono">{r.cidr.clone()}</td>
                                                <td>{r.description.clone()}</td>
                                                <td><button class="btn btn-small" type="button" aria-label=label
                                                    on:click=move |_| { delete.clear(); deleting.set(Some(for_delete.clone())); }>
                                                    {lang.t(T::Delete)}
                                                </button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
        </section>
        {move || deleting.get().map(|r| {
            let id = r.id;
            view! {
                <ConfirmDelete
                    name=r.cidr
                    on_confirm=Callback::new(move |_| { delete.dispatch(DeleteIpRule { id }); })
                    on_cancel=Callback::new(move |_| deleting.set(None))
                    pending=delete.pending().into()
                    error=delete.error()
                />
            }
        })}
    }
}

#[lazy]
fn ip_rule_form(
    create: Call<CreateIpRule>,
    domains: Vec<Domain>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <IpRuleForm create domains on_close /> }.into_any()
}

#[component]
fn IpRuleForm(
    create: Call<CreateIpRule>,
    domains: Vec<Domain>,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let domain_id = RwSignal::new(None::<i64>);
    let action = RwSignal::new("deny".to_owned());
    let cidr = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error = create.error();
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateIpRule {
            input: IpRuleInput {
                domain_id: domain_id.get_untracked(),
                action: action.get_untracked(),
                cidr: cidr.get_untracked(),
                description: description.get_untracked(),
            },
        });
    };
    view! {
        <form class="inline-form" node_ref=panel on:submit=on_submit aria-labelledby="ip-rule-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h3 id="ip-rule-form-title">{lang.t(T::NewIpRule)}</h3>
            <FormError error />
            <div class="field">
                <label for="ip-rule-scope">{lang.t(T::RuleScope)}</label>
                <select id="ip-rule-scope" on:change=move |ev| domain_id.set(event_target_value(&ev).parse().ok())>
                    <option value="">{lang.t(T::WholePlatform)}</option>
                    {domains.into_iter().map(|d| view! {
                        <option value=d.id.to_string()>{d.display_name}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="ip-rule-action">{lang.t(T::RuleAction)}</label>
                <select id="ip-rule-action" on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="deny">{lang.t(T::ActionDeny)}</option>
                    <option value="allow">{lang.t(T::ActionAllow)}</option>
                </select>
            </div>
            <TextField id="ip-rule-cidr" field="cidr" label=T::Network value=cidr error />
            <TextField id="ip-rule-description" field="description" label=T::Description value=description error />
            <FormActions editing=false pending=create.pending().into() on_cancel=on_close />
        </form>
    }
}

#[component]
fn CheckField(id: &'static str, label: Text, value: RwSignal<bool>) -> impl IntoView {
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
    let save = Call::<SetPasswordPolicy>::new();
    let error = save.error();
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
            {move || save.succeeded().then(|| view! {
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

#[component]
fn TwoFactorPolicySection(domains: Query<ListDomains>) -> impl IntoView {
    let lang = use_lang();
    let policy = Query::new(|| GetTwoFactorPolicy {});
    view! {
        <section class="panel narrow" aria-labelledby="twofa-policy-title">
            <h2 id="twofa-policy-title">{lang.t(T::TwoFactorPolicy)}</h2>
            {suspense(Waiting::Muted, move || async move {
                    let all = items(domains.await);
                    match policy.await {
                        Ok(p) => view! { <TwoFactorPolicyForm policy=p domains=all /> }.into_any(),
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    }
                })}
        </section>
    }
}

#[component]
fn TwoFactorPolicyForm(policy: TwoFactorPolicy, domains: Vec<Domain>) -> impl IntoView {
    let lang = use_lang();
    let save = Call::<SetTwoFactorPolicy>::new();
    let error = save.error();
    let types: Vec<(RoleType, Text, RwSignal<bool>)> = [
        (RoleType::OperationsAdmin, T::RoleTypeOperationsAdmin),
        (RoleType::DomainAdmin, T::RoleTypeDomainAdmin),
        (RoleType::VdcAdmin, T::RoleTypeVdcAdmin),
        (RoleType::VdcUser, T::RoleTypeVdcUser),
    ]
    .into_iter()
    .map(|(t, label)| {
        (
            t,
            label,
            RwSignal::new(policy.required_role_types.contains(&t)),
        )
    })
    .collect();
    let picked: Vec<(Domain, RwSignal<bool>)> = domains
        .into_iter()
        .map(|d| {
            let on = policy.required_domains.contains(&d.id);
            (d, RwSignal::new(on))
        })
        .collect();
    let (types_for_submit, picked_for_submit) = (types.clone(), picked.clone());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SetTwoFactorPolicy {
            policy: TwoFactorPolicy {
                required_role_types: types_for_submit
                    .iter()
                    .filter(|(_, _, on)| on.get_untracked())
                    .map(|(t, _, _)| *t)
                    .collect(),
                required_domains: picked_for_submit
                    .iter()
                    .filter(|(_, on)| on.get_untracked())
                    .map(|(d, _)| d.id)
                    .collect(),
            },
        });
    };
    view! {
        <form on:submit=on_submit aria-label=lang.t(T::TwoFactorPolicy)>
            <FormError error />
            {move || save.succeeded().then(|| view! {
                <div class="banner banner-ok" role="status">{lang.t(T::Saved)}</div>
            })}
            <fieldset>
                <legend>{lang.t(T::RequiredForRoleTypes)}</legend>
                {types.into_iter().map(|(t, label, on)| view! {
                    <CheckField id=t.key() label value=on />
                }).collect_view()}
            </fieldset>
            <fieldset>
                <legend>{lang.t(T::RequiredForDomains)}</legend>
                {picked.into_iter().map(|(d, on)| {
                    let id = format!("twofa-domain-{}", d.id);
                    view! {
                        <div class="field-check">
                            <input id=id.clone() type="checkbox" bind:checked=on />
                            <label for=id>{d.display_name}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <div class="form-actions">
                <button class="btn btn-primary" type="submit" disabled=move || save.pending().get()>
                    {move || lang.t(if save.pending().get() { T::Saving } else { T::Save })}
                </button>
            </div>
        </form>
    }
}

/// Names locked after too many failed sign-ins, for operators to lift.
#[component]
fn LocksSection() -> impl IntoView {
    let lang = use_lang();
    let lift = Call::<LiftLock>::new();
    let locks = Query::reloading(move || lift.version().get(), || ListLocks {});
    view! {
        <section class="panel" aria-labelledby="locks-title">
            <h2 id="locks-title">{lang.t(T::LockedAccounts)}</h2>
            {move || lift.error().get().map(|e| view! { <ErrorBanner error=e /> })}
            {transition(Waiting::Muted, move || async move {
                    match locks.await {
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t(T::NoLocks)}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="grants">
                                {list.into_iter().map(|l| {
                                    let minutes = ((l.retry_after_secs + 59) / 60).max(1);
                                    let name = l.username.clone();
                                    let label = format!("{} {}", lang.t(T::LiftLock), l.username);
                                    view! {
                                        <li>
                                            <span class="mono">{l.username.clone()}</span> " "
                                            <span class="muted">{lang.fmt(T::LockedForMinutes, &[&minutes.to_string()])}</span> " "
                                            <button class="btn btn-small" type="button" aria-label=label
                                                on:click=move |_| { lift.dispatch(LiftLock { username: name.clone() }); }>
                                                {lang.t(T::LiftLock)}
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
        </section>
    }
}
