//! Sections that wait for their data: one `Suspense` and one `Transition`
//! that every page's waiting sections go through (an option list that
//! reads a query's current value, and the overview's heading, keep a
//! plain `Suspense`).
//!
//! Leptos builds a `Suspense`'s machinery (its boundary, its render
//! effects, its hydration) once for every type of children, and a closure
//! is a type of its own: a `<Suspense>` per call site cost 2 to 3 KB of
//! WASM each. [`suspense`] and [`transition`] hand Leptos the same children
//! type every time (a boxed closure making a `Suspend<AnyView>`), so that
//! machinery is built once.

use std::{future::Future, sync::Arc};

use leptos::prelude::*;

use crate::i18n::{use_lang, T};

/// What a section shows while its data loads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// Nothing (an option list, a name in a heading).
    Nothing,
    /// An ellipsis, where a short text will be (a name in a menu).
    Ellipsis,
    /// "Loading…", where a list or a page body will be.
    Loading,
    /// "Loading…" in muted text, inside a panel.
    Muted,
}

impl Waiting {
    fn view(self) -> AnyView {
        let lang = use_lang();
        match self {
            Waiting::Nothing => ().into_any(),
            Waiting::Ellipsis => "…".into_any(),
            Waiting::Loading => view! { <p class="loading">{lang.t(T::Loading)}</p> }.into_any(),
            Waiting::Muted => view! { <p class="muted">{lang.t(T::Loading)}</p> }.into_any(),
        }
    }
}

type Content = Arc<dyn Fn() -> Suspend<AnyView> + Send + Sync>;

/// Shows `waiting` until `content` (which awaits queries) has its view,
/// and again whenever a query it awaits reloads.
pub fn suspense<F, Fut, V>(waiting: Waiting, content: F) -> AnyView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    boundary(waiting, false, erase(content))
}

/// As [`suspense`], but keeps showing the last view while a query it
/// awaits reloads (lists that page or refresh).
pub fn transition<F, Fut, V>(waiting: Waiting, content: F) -> AnyView
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    boundary(waiting, true, erase(content))
}

fn erase<F, Fut, V>(content: F) -> Content
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = V> + Send + 'static,
    V: IntoView + 'static,
{
    Arc::new(move || {
        let future = content();
        Suspend::new(async move { future.await.into_any() })
    })
}

/// The one boundary of each kind (not generic, so built once).
fn boundary(waiting: Waiting, keep_last: bool, content: Content) -> AnyView {
    let fallback = move || waiting.view();
    if keep_last {
        view! { <Transition fallback>{move || content()}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{move || content()}</Suspense> }.into_any()
    }
}

/// Shows `view` only once the page runs in the browser: for what is
/// loaded lazily (a `#[lazy]` part), which the server does not render, so
/// hydration finds what the server sent.
#[component]
pub fn AfterMount(#[prop(into)] view: ViewFn) -> impl IntoView {
    let mounted = RwSignal::new(false);
    Effect::new(move || mounted.set(true));
    move || mounted.get().then(|| view.run())
}
