//! A VDC's members, on the VDC's page: who holds which VDC role, a form
//! to add a user of the VDC's domain by name with a VDC role, and removal
//! after a confirmation.

use berth_api::{ListQuery, Member, MemberInput, Role};
use leptos::{ev::SubmitEvent, prelude::*};

use crate::{
    api::{Call, Query},
    components::{ConfirmDelete, FormError, IfHeld, PagedTable, SearchBox, TextField},
    i18n::{use_lang, T},
    identity::api::ListRoles,
    tenancy::api::{AddMember, ListMembers, RemoveMember},
};

#[component]
pub fn MembersSection(vdc_id: i64) -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    let page = RwSignal::new(1u32);
    let add = Call::<AddMember>::new();
    let remove = Call::<RemoveMember>::new();
    let removing = RwSignal::new(None::<Member>);
    let adding = RwSignal::new(false);
    Effect::new(move || {
        if remove.succeeded() {
            removing.set(None);
        }
        if add.succeeded() {
            adding.set(false);
        }
    });
    let members = Query::reloading(
        move || add.version().get() + remove.version().get(),
        move || ListMembers {
            vdc_id,
            query: ListQuery {
                search: search.get(),
                page: page.get(),
                per_page: 0,
            },
        },
    );
    view! {
        <section aria-labelledby="members-title">
            <div class="page-head">
                <h2 id="members-title">{lang.t(T::Members)}</h2>
                <IfHeld permission="member.manage">
                    <button class="btn btn-primary" type="button" on:click=move |_| { add.clear(); adding.set(true) }>
                        {lang.t(T::AddMember)}
                    </button>
                </IfHeld>
            </div>
            <SearchBox search page />
            {move || adding.get().then(|| view! { <AddMemberForm vdc_id add on_close=Callback::new(move |_| adding.set(false)) /> })}
            <PagedTable
                list=members
                page
                search
                columns=&[T::Username, T::DisplayName, T::Roles]
                empty=T::NoMembers
                row=move |m: Member| {
                    let label = format!("{} {}", lang.t(T::RemoveMember), m.username);
                    let for_remove = m.clone();
                    let roles = m.roles.iter().map(|r| r.role_name.clone()).collect::<Vec<_>>().join(", ");
                    view! {
                        <td class="mono">{m.username.clone()}</td>
                        <td>{m.display_name.clone()}</td>
                        <td>{roles}</td>
                        <td class="row-actions">
                            <IfHeld permission="member.manage">
                                <button class="btn btn-small btn-danger" type="button" aria-label=label.clone()
                                    on:click={
                                        let m = for_remove.clone();
                                        move |_| { remove.clear(); removing.set(Some(m.clone())) }
                                    }>{lang.t(T::RemoveMember)}</button>
                            </IfHeld>
                        </td>
                    }
                }
            />
            {move || removing.get().map(|m| {
                let user_id = m.user_id;
                view! {
                    <ConfirmDelete name=m.username.clone()
                        on_confirm=Callback::new(move |_| remove.dispatch(RemoveMember { vdc_id, user_id }))
                        on_cancel=Callback::new(move |_| removing.set(None))
                        pending=remove.pending().into() error=remove.error() />
                }
            })}
        </section>
    }
}

#[component]
fn AddMemberForm(vdc_id: i64, add: Call<AddMember>, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let roles = Query::new(|| ListRoles {});
    let username = RwSignal::new(String::new());
    let role_id = RwSignal::new(None::<i64>);
    let error = add.error();
    let role_error = move || {
        error
            .get()
            .and_then(|e| e.field_error("role_id").map(|f| lang.field_message(f)))
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        add.dispatch(AddMember {
            vdc_id,
            input: MemberInput {
                username: username.get_untracked().trim().to_owned(),
                role_id: role_id.get_untracked().unwrap_or_default(),
            },
        });
    };
    // VDC roles only: the built-in two and custom ones of their types.
    let vdc_roles = move || {
        roles
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|r: &Role| r.role_type == "vdc_admin" || r.role_type == "vdc_user")
            .collect::<Vec<_>>()
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="member-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="member-form-title">{lang.t(T::AddMember)}</h2>
            <FormError error beside=&["role_id"] />
            <TextField id="member-username" field="username" label=T::Username value=username error
                hint=T::MemberUsernameHint autofocus=true />
            <div class="field" class:field-invalid=move || role_error().is_some()>
                <label for="member-role">{lang.t(T::MemberRole)}</label>
                <select id="member-role" name="role_id" on:change=move |ev| role_id.set(event_target_value(&ev).parse().ok())>
                    <option value="" disabled selected=move || role_id.get().is_none()>{lang.t(T::ChooseMemberRole)}</option>
                    <Suspense fallback=|| ()>
                        {move || vdc_roles().into_iter().map(|r| view! {
                            <option value=r.id.to_string()>{r.name}</option>
                        }).collect_view()}
                    </Suspense>
                </select>
                {move || role_error().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
            <div class="form-actions">
                <button class="btn btn-primary" type="submit" disabled=move || add.pending().get()>{lang.t(T::AddMember)}</button>
                <button class="btn" type="button" on:click=move |_| on_close.run(())>{lang.t(T::Cancel)}</button>
            </div>
        </form>
    }
}
