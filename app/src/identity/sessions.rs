//! One's own sessions: where and in which browser each was signed in, when
//! it was last used, and ending any of them (the current one signs out).

use crate::api::{Call, Query};
use berth_api::SessionInfo;
use leptos::prelude::*;

use crate::{
    components::{transition, ConfirmDelete, ErrorBanner, Waiting},
    i18n::{use_lang, T},
    identity::api::{ListSessions, RevokeSession},
};

/// Unix seconds as `YYYY-MM-DD HH:MM` UTC, without a date library.
fn when(secs: Option<i64>) -> String {
    let Some(secs) = secs else {
        return String::new();
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3_600,
        rem % 3_600 / 60
    )
}

#[component]
pub fn SessionsPage() -> impl IntoView {
    let lang = use_lang();
    let revoke = Call::<RevokeSession>::new();
    let ending = RwSignal::new(None::<SessionInfo>);
    let sessions = Query::reloading(move || revoke.version().get(), || ListSessions {});
    Effect::new(move || {
        if revoke.succeeded() {
            // Ending the current session signs out: go to the sign-in page.
            if ending.get_untracked().is_some_and(|s| s.current) {
                #[cfg(feature = "hydrate")]
                {
                    let _ = window().location().assign("/login");
                }
            }
            ending.set(None);
        }
    });
    view! {
        <div class="page-head"><h1>{lang.t(T::MySessions)}</h1></div>
        <p class="muted">{lang.t(T::MySessionsIntro)}</p>
        {transition(Waiting::Loading, move || async move {
                match sessions.await {
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                    Ok(list) => view! {
                        <table class="table">
                            <thead><tr>
                                <th scope="col">{lang.t(T::Address)}</th>
                                <th scope="col">{lang.t(T::Browser)}</th>
                                <th scope="col">{lang.t(T::SignedInAt)}</th>
                                <th scope="col">{lang.t(T::LastSeen)}</th>
                                <th scope="col"><span class="sr-only">{lang.t(T::Actions)}</span></th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|s| {
                                    let for_end = s.clone();
                                    let label = format!("{} {}", lang.t(T::EndSession), s.source.clone().unwrap_or_default());
                                    view! {
                                        <tr class:current-row=s.current>
                                            <td class="mono">{s.source.clone().unwrap_or_default()}
                                                {s.current.then(|| view! { " " <span class="badge badge-ok">{lang.t(T::ThisSession)}</span> })}</td>
                                            <td>{s.agent.clone().unwrap_or_default()}</td>
                                            <td>{when(s.signed_in)}</td>
                                            <td>{when(s.last_seen)}</td>
                                            <td class="row-actions">
                                                <button class="btn btn-small btn-danger" type="button" aria-label=label
                                                    on:click=move |_| { revoke.clear(); ending.set(Some(for_end.clone())); }>
                                                    {lang.t(T::EndSession)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        {move || ending.get().map(|s| {
            let id = s.id.clone();
            view! {
                <ConfirmDelete
                    name=s.source.unwrap_or_default()
                    on_confirm=Callback::new(move |_| { revoke.dispatch(RevokeSession { id: id.clone() }); })
                    on_cancel=Callback::new(move |_| ending.set(None))
                    pending=revoke.pending().into()
                    error=revoke.error()
                />
            }
        })}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_seconds_read_as_utc_dates() {
        assert_eq!(super::when(Some(0)), "1970-01-01 00:00");
        assert_eq!(super::when(Some(1_795_435_200)), "2026-11-23 12:00");
        assert_eq!(super::when(Some(951_782_400)), "2000-02-29 00:00");
        assert_eq!(super::when(None), "");
    }
}
