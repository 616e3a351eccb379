//! Roles: the four locked built-in roles and custom ones. A custom role is
//! a role type plus any subset of that type's permissions, picked in the
//! permission tree (area > group > permission) with tri-state boxes,
//! search and expand/collapse all.

use std::collections::BTreeSet;

use berth_api::{
    permission::{Permission, RoleType, CATALOGUE},
    AppError, Role, RoleInput,
};
use leptos::{ev::SubmitEvent, lazy, prelude::*};

use crate::{
    api::Query,
    components::{
        holds, transition, ErrorBanner, FormActions, FormError, IfHeld, ListActions, TextField,
        Waiting,
    },
    i18n::{use_lang, Lang, Text, T},
    identity::api::{CreateRole, DeleteRole, ListRoles, UpdateRole},
};

fn type_label(key: &str) -> Text {
    match key {
        "operations_admin" => T::RoleTypeOperationsAdmin,
        "domain_admin" => T::RoleTypeDomainAdmin,
        "vdc_admin" => T::RoleTypeVdcAdmin,
        _ => T::RoleTypeVdcUser,
    }
}

fn label(lang: Lang, l: berth_api::permission::Label) -> &'static str {
    lang.label(l)
}

type Actions = ListActions<Role, CreateRole, UpdateRole, DeleteRole>;

#[component]
pub fn RolesPage() -> impl IntoView {
    let lang = use_lang();
    let actions = Actions::new();
    let roles = Query::reloading(move || actions.changes(), || ListRoles {});
    view! {
        <div class="page-head">
            <h1>{lang.t(T::NavRoles)}</h1>
            <IfHeld permission="role.manage">
                <button class="btn btn-primary" type="button" on:click=move |_| actions.open(None)>{lang.t(T::NewRole)}</button>
            </IfHeld>
        </div>
        {move || actions.editing.get().map(|target| {
            Suspend::new(role_form(target, actions, Callback::new(move |_| actions.close())))
        })}
        {transition(Waiting::Loading, move || async move {
                match roles.await {
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    Ok(list) => view! {
                        <table class="table">
                            <thead><tr>
                                <th scope="col">{lang.t(T::Name)}</th>
                                <th scope="col">{lang.t(T::RoleTypeColumn)}</th>
                                <th scope="col">{lang.t(T::PermissionCount)}</th>
                                <th scope="col">{lang.t(T::GrantCount)}</th>
                                <th scope="col"><span class="sr-only">{lang.t(T::Actions)}</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|r| {
                                    let (for_edit, for_delete) = (r.clone(), r.clone());
                                    let edit_label = format!("{} {}", lang.t(T::Edit), r.name);
                                    let delete_label = format!("{} {}", lang.t(T::Delete), r.name);
                                    view! {
                                        <tr>
                                            <td class="mono">{r.name.clone()}</td>
                                            <td>{lang.t(type_label(&r.role_type))}</td>
                                            <td>{r.permissions.len()}</td>
                                            <td>{r.binding_count}</td>
                                            <td class="row-actions">
                                                {if r.builtin {
                                                    view! { <span class="badge">{lang.t(T::BuiltIn)}</span> }.into_any()
                                                } else if !holds("role.manage") {
                                                    ().into_any()
                                                } else {
                                                    view! {
                                                        <button class="btn btn-small" type="button" aria-label=edit_label
                                                            on:click=move |_| actions.open(Some(for_edit.clone()))>{lang.t(T::Edit)}</button>
                                                        <button class="btn btn-small btn-danger" type="button" aria-label=delete_label
                                                            on:click=move |_| actions.ask_delete(for_delete.clone())>
                                                            {lang.t(T::Delete)}
                                                        </button>
                                                    }.into_any()
                                                }}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        {actions.confirm_delete(|r: &Role| r.name.clone(), |r: &Role| DeleteRole { id: r.id })}
    }
}

// The form is loaded when first opened, not with the page.
#[lazy]
fn role_form(target: Option<Role>, actions: Actions, on_close: Callback<()>) -> AnyView {
    view! { <RoleForm target actions on_close /> }.into_any()
}

#[component]
fn RoleForm(target: Option<Role>, actions: Actions, on_close: Callback<()>) -> impl IntoView {
    let lang = use_lang();
    let editing_id = target.as_ref().map(|r| r.id);
    let name = RwSignal::new(target.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let role_type = RwSignal::new(
        target
            .as_ref()
            .map(|r| r.role_type.clone())
            .unwrap_or_else(|| RoleType::VdcUser.key().to_owned()),
    );
    let selected: RwSignal<BTreeSet<Permission>> = RwSignal::new(
        target
            .as_ref()
            .map(|r| {
                r.permissions
                    .iter()
                    .filter_map(|k| Permission::from_key(k))
                    .collect()
            })
            .unwrap_or_default(),
    );
    let error = actions.form_error(editing_id.is_some());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let input = RoleInput {
            name: name.get_untracked().trim().to_owned(),
            role_type: role_type.get_untracked(),
            permissions: selected
                .get_untracked()
                .iter()
                .map(|p| p.key().to_owned())
                .collect(),
        };
        match editing_id {
            Some(id) => {
                actions.update.dispatch(UpdateRole { id, input });
            }
            None => {
                actions.create.dispatch(CreateRole { input });
            }
        }
    };
    // A new type allows other permissions: keep only those it allows.
    let on_type = move |key: String| {
        if let Some(t) = RoleType::from_key(&key) {
            selected.update(|s| s.retain(|p| t.allows(*p)));
        }
        role_type.set(key);
    };
    let panel = NodeRef::new();
    crate::components::focus_on_open(panel);
    view! {
        <form class="panel" node_ref=panel on:submit=on_submit aria-labelledby="role-form-title"
            on:keydown=move |ev| if ev.key() == "Escape" { on_close.run(()) }>
            <h2 id="role-form-title">{lang.t(if editing_id.is_some() { T::EditRole } else { T::NewRole })}</h2>
            <FormError error beside=&["permissions"] />
            <TextField id="role-name" field="name" label=T::Name value=name error
                disabled=editing_id.is_some() autofocus=editing_id.is_none() />
            <div class="field">
                <label for="role-type">{lang.t(T::RoleTypeColumn)}</label>
                <select id="role-type" disabled=editing_id.is_some() on:change=move |ev| on_type(event_target_value(&ev))>
                    {RoleType::ALL.into_iter().map(|t| view! {
                        <option value=t.key() selected=move || role_type.get() == t.key()>{lang.t(type_label(t.key()))}</option>
                    }).collect_view()}
                </select>
            </div>
            <PermissionTree role_type selected error />
            <FormActions editing=editing_id.is_some() pending=actions.saving() on_cancel=on_close />
        </form>
    }
}

/// Checked / unchecked / some of them (`indeterminate`), for a set of
/// permissions.
fn tri_state(selected: &BTreeSet<Permission>, perms: &[Permission]) -> (bool, bool) {
    let n = perms.iter().filter(|p| selected.contains(p)).count();
    (n > 0 && n == perms.len(), n > 0 && n < perms.len())
}

#[component]
fn PermissionTree(
    role_type: RwSignal<String>,
    selected: RwSignal<BTreeSet<Permission>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let lang = use_lang();
    let search = RwSignal::new(String::new());
    // Areas shown open; all of them while searching.
    let open_areas = RwSignal::new(BTreeSet::<&'static str>::new());
    let allowed =
        move |p: Permission| RoleType::from_key(&role_type.get()).is_some_and(|t| t.allows(p));
    let matches = move |p: Permission| {
        let q = search.get().trim().to_lowercase();
        q.is_empty() || p.key().contains(&q) || label(lang, p.label()).to_lowercase().contains(&q)
    };
    let visible = move |perms: &'static [Permission]| -> Vec<Permission> {
        perms
            .iter()
            .copied()
            .filter(|p| allowed(*p) && matches(*p))
            .collect()
    };
    let toggle = move |perms: Vec<Permission>, on: bool| {
        selected.update(|s| {
            for p in perms {
                if on {
                    s.insert(p);
                } else {
                    s.remove(&p);
                }
            }
        });
    };
    let message = move || {
        error.get().and_then(|e| {
            e.field_error("permissions")
                .map(|f| lang.field_error(f.code))
        })
    };
    view! {
        <fieldset class="perm-tree" aria-describedby="perm-tree-error">
            <legend>{lang.t(T::Permissions)}</legend>
            <div class="perm-tree-tools">
                <input type="search" aria-label=lang.t(T::SearchPermissions) placeholder=lang.t(T::SearchPermissions) bind:value=search />
                <button class="btn btn-small" type="button"
                    on:click=move |_| open_areas.set(CATALOGUE.iter().map(|a| a.key).collect())>{lang.t(T::ExpandAll)}</button>
                <button class="btn btn-small" type="button" on:click=move |_| open_areas.set(BTreeSet::new())>{lang.t(T::CollapseAll)}</button>
                <span class="muted">{move || lang.fmt(T::SelectedCount, &[&selected.get().len().to_string()])}</span>
            </div>
            {move || message().map(|m| view! { <p class="field-error" id="perm-tree-error">{m}</p> })}
            <ul class="tree">
                {CATALOGUE.iter().map(|area| {
                    let area_perms = move || area.groups.iter().flat_map(|g| visible(g.permissions)).collect::<Vec<_>>();
                    let is_open = move || !search.get().trim().is_empty() || open_areas.get().contains(area.key);
                    let area_id = format!("perm-area-{}", area.key);
                    view! {
                        <Show when=move || !area_perms().is_empty()>
                            <li>
                                <div class="tree-row">
                                    <button class="tree-toggle" type="button" aria-expanded=move || is_open().to_string()
                                        aria-label=move || format!("{} {}", lang.t(T::ExpandAll), label(lang, area.label))
                                        on:click=move |_| open_areas.update(|o| { if !o.remove(area.key) { o.insert(area.key); } })>
                                        {move || if is_open() { "▾" } else { "▸" }}
                                    </button>
                                    <input type="checkbox" id=area_id.clone()
                                        prop:checked=move || tri_state(&selected.get(), &area_perms()).0
                                        prop:indeterminate=move || tri_state(&selected.get(), &area_perms()).1
                                        on:change=move |ev| toggle(area_perms(), event_target_checked(&ev)) />
                                    <label for=area_id.clone()><strong>{label(lang, area.label)}</strong></label>
                                </div>
                                <Show when=is_open>
                                    <ul>
                                        {area.groups.iter().map(|group| {
                                            let group_perms = move || visible(group.permissions);
                                            let group_id = format!("perm-group-{}-{}", area.key, group.key);
                                            view! {
                                                <Show when=move || !group_perms().is_empty()>
                                                    <li>
                                                        <div class="tree-row">
                                                            <input type="checkbox" id=group_id.clone()
                                                                prop:checked=move || tri_state(&selected.get(), &group_perms()).0
                                                                prop:indeterminate=move || tri_state(&selected.get(), &group_perms()).1
                                                                on:change=move |ev| toggle(group_perms(), event_target_checked(&ev)) />
                                                            <label for=group_id.clone()>{label(lang, group.label)}</label>
                                                        </div>
                                                        <ul>
                                                            {move || group_perms().into_iter().map(|p| {
                                                                let id = format!("perm-{}", p.key());
                                                                view! {
                                                                    <li class="tree-row">
                                                                        <input type="checkbox" id=id.clone()
                                                                            prop:checked=move || selected.get().contains(&p)
                                                                            on:change=move |ev| toggle(vec![p], event_target_checked(&ev)) />
                                                                        <label for=id>{label(lang, p.label())} " " <span class="mono muted">{p.key()}</span></label>
                                                                    </li>
                                                                }
                                                            }).collect_view()}
                                                        </ul>
                                                    </li>
                                                </Show>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </Show>
                            </li>
                        </Show>
                    }
                }).collect_view()}
            </ul>
        </fieldset>
    }
}
