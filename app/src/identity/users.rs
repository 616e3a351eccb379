//! Users: a searchable, paged list; create (first password must be changed
//! at first sign-in); edit; disable and enable; reset a password; end all
//! of a user's sessions; delete after a confirmation; and the roles a user
//! holds where (grants).

use crate::api::{Call, Query};
use berth_api::{
    permission::RoleType, Domain, Grant, GrantInput, ListQuery, Role, User, UserInput, UserUpdate,
    Vdc,
};
use leptos::{ev::SubmitEvent, lazy, prelude::*};

use crate::{
    components::{
        holds, suspense, transition, Confirm, ConfirmDelete, ErrorBanner, FormActions, FormError,
        IfHeld, PagedTable, SearchBox, TextField, Time, Waiting,
    },
    i18n::{use_lang, Text, T},
    identity::api::{
        CreateUser, DeleteUser, GrantRole, ListRoles, ListUserGrants, ListUsers, ResetPassword,
        RevokeRole, RevokeUserSessions, SetUserDisabled, UpdateUser,
    },
    tenancy::api::{domain_choices, items, vdc_choices, ListDomains},
};

/// What a row's dialog is doing.
#[derive(Clone)]
enum Dialog {
    Create,
    Edit(User),
    Delete(User),
    Reset(User),
    Disable(User),
    EndSessions(User),
    Roles(User),
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let dialog = RwSignal::new(None::<Dialog>);
    let create = Call::<CreateUser>::new();
    let set_disabled = Call::<SetUserDisabled>::new();
    let reset = Call::<ResetPassword>::new();
    let end_sessions = Call::<RevokeUserSessions>::new();
    let update = Call::<UpdateUser>::new();
    let delete = Call::<DeleteUser>::new();
    let users = Query::reloading(
        move || {
            create.version().get()
                + set_disabled.version().get()
                + reset.version().get()
                + update.version().get()
                + delete.version().get()
        },
        move || ListUsers {
            query: ListQuery {
                search: search.get(),
                page: page.get(),
                per_page: 0,
            },
        },
    );
    let domains = domain_choices();
    Effect::new(move || {
        let done = create.succeeded()
            || set_disabled.succeeded()
            || reset.succeeded()
            || end_sessions.succeeded()
            || update.succeeded()
            || delete.succeeded();
        if done {
            dialog.set(None);
        }
    });
    let open = move |d: Dialog| {
        create.clear();
        set_disabled.clear();
        reset.clear();
        end_sessions.clear();
        update.clear();
        delete.clear();
        dialog.set(Some(d));
    };
    let close = Callback::new(move |_| dialog.set(None));
    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavUsers)}</h1>
            <IfHeld permission="user.create">
                <button class="btn btn-primary" type="button" on:click=move |_| open(Dialog::Create)>{lang.t(T::NewUser)}</button>
            </IfHeld>
        </div>
        <SearchBox search page />
        {move || dialog.get().map(|d| match d {
            Dialog::Create => Suspend::new(user_form(create, domains, close)).into_any(),
            Dialog::Edit(u) => Suspend::new(edit_form(u, update, close)).into_any(),
            Dialog::Delete(u) => {
                let id = u.id;
                view! {
                    <ConfirmDelete name=u.username.clone() pending=delete.pending().into() error=delete.error()
                        on_confirm=Callback::new(move |_| { delete.dispatch(DeleteUser { id }); })
                        on_cancel=close />
                }.into_any()
            }
            Dialog::Reset(u) => Suspend::new(reset_form(u, reset, close)).into_any(),
            Dialog::Disable(u) => {
                let id = u.id;
                view! {
                    <Confirm title=lang.fmt(T::DisableUserTitle, &[&u.username]) body=T::DisableUserBody
                        action=T::Disable pending=set_disabled.pending().into() error=set_disabled.error()
                        on_confirm=Callback::new(move |_| { set_disabled.dispatch(SetUserDisabled { id, disabled: true }); })
                        on_cancel=close />
                }.into_any()
            }
            Dialog::EndSessions(u) => {
                let user_id = u.id;
                view! {
                    <Confirm title=lang.fmt(T::EndSessionsTitle, &[&u.username]) body=T::EndSessionsBody
                        action=T::EndSessions pending=end_sessions.pending().into() error=end_sessions.error()
                        on_confirm=Callback::new(move |_| { end_sessions.dispatch(RevokeUserSessions { user_id }); })
                        on_cancel=close />
                }.into_any()
            }
            Dialog::Roles(u) => Suspend::new(grants_panel(u, domains, close)).into_any(),
        })}
        <PagedTable
            list=users
            page
            search
            columns=&[T::Username, T::DisplayName, T::Email, T::Status, T::Created]
            empty=T::NoUsers
            row=move |u: User| {
                let (a, b, c, d) = (u.clone(), u.clone(), u.clone(), u.clone());
                let (e, f) = (u.clone(), u.clone());
                let enable_id = u.id;
                let name = u.username.clone();
                let label = move |t: Text| format!("{} {}", lang.t(t), name);
                view! {
                    <td class="mono">{u.username.clone()}</td>
                    <td>{u.display_name.clone()}</td>
                    <td>{u.email.clone()}</td>
                    <td>
                        {if u.disabled {
                            view! { <span class="badge badge-bad">{lang.t(T::StatusDisabled)}</span> }.into_any()
                        } else {
                            view! { <span class="badge badge-ok">{lang.t(T::StatusActive)}</span> }.into_any()
                        }}
                        {u.must_change_password.then(|| view! { " " <span class="badge">{lang.t(T::MustChangeBadge)}</span> })}
                    </td>
                    <td><Time at=u.created_at.clone() /></td>
                    <td class="row-actions">
                        {holds("user.update").then(|| view! {
                            <button class="btn btn-small" type="button" aria-label=label(T::Edit)
                                on:click=move |_| open(Dialog::Edit(e.clone()))>{lang.t(T::Edit)}</button>
                        })}
                        {holds("role.read").then(|| view! {
                            <button class="btn btn-small" type="button" aria-label=label(T::RolesOf)
                                on:click=move |_| open(Dialog::Roles(a.clone()))>{lang.t(T::NavRoles)}</button>
                        })}
                        {holds("user.password.reset").then(|| view! {
                            <button class="btn btn-small" type="button" aria-label=label(T::ResetPassword)
                                on:click=move |_| open(Dialog::Reset(b.clone()))>{lang.t(T::ResetPassword)}</button>
                        })}
                        {holds("user.update").then(|| if u.disabled {
                            view! {
                                <button class="btn btn-small" type="button" aria-label=label(T::Enable)
                                    on:click=move |_| { set_disabled.dispatch(SetUserDisabled { id: enable_id, disabled: false }); }>
                                    {lang.t(T::Enable)}
                                </button>
                            }.into_any()
                        } else {
                            view! {
                                <button class="btn btn-small btn-danger" type="button" aria-label=label(T::Disable)
                                    on:click=move |_| open(Dialog::Disable(c.clone()))>{lang.t(T::Disable)}</button>
                            }.into_any()
                        })}
                        {holds("session.revoke").then(|| view! {
                            <button class="btn btn-small" type="button" aria-label=label(T::EndSessions)
                                on:click=move |_| open(Dialog::EndSessions(d.clone()))>{lang.t(T::EndSessions)}</button>
                        })}
                        {holds("user.delete").then(|| view! {
                            <button class="btn btn-small btn-danger" type="button" aria-label=label(T::Delete)
                                on:click=move |_| open(Dialog::Delete(f.clone()))>{lang.t(T::Delete)}</button>
                        })}
                    </td>
                }
            }
        />
    }
}

// The forms and the grants panel are loaded when first opened, not with the
// page: most visits only read the list.

#[lazy]
fn user_form(
    create: Call<CreateUser>,
    domains: Query<ListDomains>,
    on_close: Callback<()>,
) -> AnyView {
    view! { <UserForm create domains on_close /> }.into_any()
}

#[lazy]
fn edit_form(user: User, update: Call<UpdateUser>, on_close: Callback<()>) -> AnyView {
    view! { <EditForm user update on_close /> }.into_any()
}

#[lazy]
fn reset_form(user: User, reset: Call<ResetPassword>, on_close: Callback<()>) -> AnyView {
    view! { <ResetForm user reset on_close /> }.into_any()
}

#[lazy]
fn grants_panel(user: User, domains: Query<ListDomains>, on_close: Callback<()>) -> AnyView {
    view! { <GrantsPanel user domains on_close /> }.into_any()
}

#[component]
fn UserForm(
    create: Call<CreateUser>,
    domains: Query<ListDomains>,
    on_close: Callback<()>,
) -> impl IntoView {
    let lang = use_lang();
    let (username, display_name, email, phone, password) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let domain_id = RwSignal::new(None::<i64>);
    let error = create.error();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateUser {
            input: UserInput {
                username: username.get_untracked().trim().to_owned(),
                display_name: display_name.get_untracked(),
                email: email.get_untracked(),
                phone: phone.get_untracked(),
                domain_id: domain_id.get_untracked(),
                password: password.get_untracked(),
            },
        });
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="user-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="user-form-title">{lang.t(T::NewUser)}</h2>
            <FormError error />
            <TextField id="user-username" field="username" label=T::Username value=username error autofocus=true />
            <TextField id="user-display-name" field="display_name" label=T::DisplayName value=display_name error />
            <TextField id="user-email" field="email" label=T::Email value=email error kind="email" />
            <TextField id="user-phone" field="phone" label=T::Phone value=phone error kind="tel" />
            <div class="field">
                <label for="user-domain">{lang.t(T::Domain)}</label>
                <select id="user-domain" on:change=move |ev| domain_id.set(event_target_value(&ev).parse().ok())>
                    <option value="">{lang.t(T::NoDomainPlatformStaff)}</option>
                    {suspense(Waiting::Nothing, move || async move {
                            items(domains.await).into_iter().map(|d| view! {
                                <option value=d.id.to_string()>{d.display_name}</option>
                            }).collect_view()
                        })}
                </select>
            </div>
            <TextField id="user-password" field="password" label=T::FirstPassword value=password error
                kind="password" autocomplete="new-password" hint=T::FirstPasswordHint />
            <FormActions editing=false pending=create.pending().into() on_cancel=on_close />
        </form>
    }
}

/// Edits the name shown and the contact details.
#[component]
fn EditForm(user: User, update: Call<UpdateUser>, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let display_name = RwSignal::new(user.display_name.clone());
    let email = RwSignal::new(user.email.clone());
    let phone = RwSignal::new(user.phone.clone());
    let error = update.error();
    let id = user.id;
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        update.dispatch(UpdateUser {
            id,
            input: UserUpdate {
                display_name: display_name.get_untracked(),
                email: email.get_untracked(),
                phone: phone.get_untracked(),
            },
        });
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="user-edit-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="user-edit-title">{lang.fmt(T::EditUserTitle, &[&user.username])}</h2>
            <FormError error />
            <TextField id="edit-display-name" field="display_name" label=T::DisplayName value=display_name error autofocus=true />
            <TextField id="edit-email" field="email" label=T::Email value=email error kind="email" />
            <TextField id="edit-phone" field="phone" label=T::Phone value=phone error kind="tel" />
            <FormActions editing=true pending=update.pending().into() on_cancel=on_close />
        </form>
    }
}

#[component]
fn ResetForm(user: User, reset: Call<ResetPassword>, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let password = RwSignal::new(String::new());
    let error = reset.error();
    let id = user.id;
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        reset.dispatch(ResetPassword {
            id,
            password: password.get_untracked(),
        });
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel narrow" node_ref=panel on:submit=on_submit aria-labelledby="reset-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="reset-title">{lang.fmt(T::ResetPasswordOf, &[&user.username])}</h2>
            <FormError error />
            <TextField id="reset-password" field="password" label=T::NewPassword value=password error
                kind="password" autocomplete="new-password" hint=T::FirstPasswordHint autofocus=true />
            <FormActions editing=true pending=reset.pending().into() on_cancel=on_close />
        </form>
    }
}

/// The roles a user holds, where, and granting another.
#[component]
fn GrantsPanel(user: User, domains: Query<ListDomains>, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let grant = Call::<GrantRole>::new();
    let revoke = Call::<RevokeRole>::new();
    let user_id = user.id;
    let grants = Query::reloading(
        move || grant.version().get() + revoke.version().get(),
        move || ListUserGrants { user_id },
    );
    let roles = Query::new(|| ListRoles {});
    let vdcs = vdc_choices();
    let revoke_error = revoke.error();
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <section class="panel" node_ref=panel aria-labelledby="grants-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="grants-title">{lang.fmt(T::RolesOfUser, &[&user.username])}</h2>
            {move || revoke_error.get().map(|e| view! { <ErrorBanner error=e /> })}
            {transition(Waiting::Loading, move || async move {
                    let (ds, vs) = (items(domains.await), items(vdcs.await));
                    match grants.await {
                        Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty">{lang.t(T::NoGrants)}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="grants">
                                {list.into_iter().map(|g: Grant| {
                                    let where_ = scope_name(&g.scope_kind, g.scope_id, &ds, &vs, lang);
                                    let id = g.id;
                                    let text = format!("{} @ {}", g.role_name, where_);
                                    let revoke_label = format!("{} {}", lang.t(T::Revoke), text);
                                    view! {
                                        <li>
                                            <span class="mono">{text}</span> " "
                                            <button class="btn btn-small btn-danger" type="button" aria-label=revoke_label
                                                on:click=move |_| { revoke.dispatch(RevokeRole { id }); }>{lang.t(T::Revoke)}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            {suspense(Waiting::Nothing, move || async move {
                    let (rs, ds, vs) = (roles.await.unwrap_or_default(), items(domains.await), items(vdcs.await));
                    view! { <GrantForm user_id grant roles=rs domains=ds vdcs=vs /> }
                })}
            <div class="form-actions">
                <button class="btn" type="button" on:click=move |_| on_close.run(())>{lang.t(T::Close)}</button>
            </div>
        </section>
    }
}

fn scope_name(
    kind: &str,
    id: Option<i64>,
    domains: &[Domain],
    vdcs: &[Vdc],
    lang: crate::i18n::Lang,
) -> String {
    match (kind, id) {
        ("domain", Some(id)) => domains
            .iter()
            .find(|d| d.id == id)
            .map_or_else(|| format!("#{id}"), |d| d.name.clone()),
        ("vdc", Some(id)) => vdcs
            .iter()
            .find(|v| v.id == id)
            .map_or_else(|| format!("#{id}"), |v| v.name.clone()),
        _ => lang.t(T::WholePlatform).to_owned(),
    }
}

#[component]
fn GrantForm(
    user_id: i64,
    grant: Call<GrantRole>,
    roles: Vec<Role>,
    domains: Vec<Domain>,
    vdcs: Vec<Vdc>,
) -> impl IntoView {
    let lang = use_lang();
    let role_id = RwSignal::new(roles.first().map(|r| r.id));
    let scope_id = RwSignal::new(None::<i64>);
    let error = grant.error();
    // The server's refusal of a grant without its domain or VDC, said
    // beside the choice until another is made.
    let scope_missing = move || {
        error
            .get()
            .is_some_and(|e| e.field_error("scope_id").is_some())
    };
    let clear_error = move || grant.clear();
    let kind_of = {
        let roles = roles.clone();
        move |id: Option<i64>| {
            roles
                .iter()
                .find(|r| Some(r.id) == id)
                .and_then(|r| RoleType::from_key(&r.role_type))
                .map(|t| t.scope_kind())
        }
    };
    let kind = {
        let kind_of = kind_of.clone();
        Memo::new(move |_| kind_of(role_id.get()))
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(role_id) = role_id.get_untracked() else {
            return;
        };
        let scope_kind = match kind.get_untracked() {
            Some(berth_api::permission::ScopeKind::Domain) => "domain",
            Some(berth_api::permission::ScopeKind::Vdc) => "vdc",
            _ => "platform",
        };
        grant.dispatch(GrantRole {
            input: GrantInput {
                user_id,
                role_id,
                scope_kind: scope_kind.into(),
                scope_id: scope_id.get_untracked(),
            },
        });
    };
    view! {
        <form class="inline-form" on:submit=on_submit aria-labelledby="grant-form-title">
            <h3 id="grant-form-title">{lang.t(T::GrantRole)}</h3>
            <FormError error beside=&["scope_id"] />
            <div class="field">
                <label for="grant-role">{lang.t(T::NavRoles)}</label>
                <select id="grant-role" on:change=move |ev| { role_id.set(event_target_value(&ev).parse().ok()); scope_id.set(None); clear_error(); }>
                    {roles.into_iter().map(|r| view! { <option value=r.id.to_string()>{r.name}</option> }).collect_view()}
                </select>
            </div>
            {move || match kind.get() {
                Some(berth_api::permission::ScopeKind::Domain) => view! {
                    <div class="field">
                        <label for="grant-scope">{lang.t(T::Domain)}</label>
                        <select id="grant-scope" aria-invalid=move || scope_missing().to_string()
                            aria-describedby="grant-scope-error"
                            on:change=move |ev| { clear_error(); scope_id.set(event_target_value(&ev).parse().ok()) }>
                            <option value="" selected=true disabled=true>{lang.t(T::ChooseDomain)}</option>
                            {domains.clone().into_iter().map(|d| view! { <option value=d.id.to_string()>{d.display_name}</option> }).collect_view()}
                        </select>
                        {move || scope_missing().then(|| view! { <p class="field-error" id="grant-scope-error">{lang.t(T::ChooseDomain)}</p> })}
                    </div>
                }.into_any(),
                Some(berth_api::permission::ScopeKind::Vdc) => view! {
                    <div class="field">
                        <label for="grant-scope">{lang.t(T::NavVdcs)}</label>
                        <select id="grant-scope" aria-invalid=move || scope_missing().to_string()
                            aria-describedby="grant-scope-error"
                            on:change=move |ev| { clear_error(); scope_id.set(event_target_value(&ev).parse().ok()) }>
                            <option value="" selected=true disabled=true>{lang.t(T::ChooseVdc)}</option>
                            {vdcs.clone().into_iter().map(|v| view! { <option value=v.id.to_string()>{v.display_name}</option> }).collect_view()}
                        </select>
                        {move || scope_missing().then(|| view! { <p class="field-error" id="grant-scope-error">{lang.t(T::ChooseVdc)}</p> })}
                    </div>
                }.into_any(),
                _ => ().into_any(),
            }}
            <div class="form-actions">
                <button class="btn btn-primary" type="submit" disabled=move || grant.pending().get()>{lang.t(T::Grant)}</button>
            </div>
        </form>
    }
}
