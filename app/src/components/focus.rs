//! Keyboard use of forms and dialogs: focus moves into what opens and
//! back to what opened it when it closes, and a dialog keeps Tab inside.

use leptos::{html::ElementType, prelude::*};

/// What can take focus inside a form or dialog, in document order.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const FOCUSABLE: &str =
    "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), \
     select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// Once `root` is on the page, focuses its `[data-autofocus]` element, or
/// else its first field; when `root` leaves the page, focus returns to
/// the element that had it before (the button that opened the form).
pub fn focus_on_open<E>(root: NodeRef<E>)
where
    E: ElementType,
    E::Output: Clone + 'static,
    NodeRef<E>: Get<Value = Option<E::Output>>,
    E::Output: AsRef<leptos::web_sys::Element>,
{
    #[cfg(feature = "hydrate")]
    browser::focus_on_open(root);
    #[cfg(not(feature = "hydrate"))]
    let _ = root;
}

/// Moves the focus to the element with `id` (the skip link's target).
pub fn focus_by_id(id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = document().get_element_by_id(id) {
        browser::focus(&el);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// For a dialog's `on:keydown`: Tab and Shift+Tab cycle through the
/// dialog's own controls instead of leaving it.
pub fn keep_tab_inside(root: NodeRef<leptos::html::Div>, ev: &leptos::ev::KeyboardEvent) {
    #[cfg(feature = "hydrate")]
    if ev.key() == "Tab" {
        if let Some(el) = root.get_untracked() {
            browser::cycle(&el, ev);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (root, ev);
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::{html::ElementType, prelude::*};
    use send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;
    use web_sys::{Element, HtmlElement};

    use super::FOCUSABLE;

    pub(super) fn focus(el: &Element) {
        if let Some(el) = el.dyn_ref::<HtmlElement>() {
            let _ = el.focus();
        }
    }

    fn focusables(root: &Element) -> Vec<Element> {
        let Ok(list) = root.query_selector_all(FOCUSABLE) else {
            return vec![];
        };
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .collect()
    }

    pub(super) fn focus_on_open<E>(root: NodeRef<E>)
    where
        E: ElementType,
        E::Output: Clone + 'static,
        NodeRef<E>: Get<Value = Option<E::Output>>,
        E::Output: AsRef<Element>,
    {
        let before = SendWrapper::new(document().active_element());
        Effect::new(move || {
            let Some(el) = root.get() else { return };
            let el: &Element = el.as_ref();
            let target = el
                .query_selector("[data-autofocus]")
                .ok()
                .flatten()
                .or_else(|| focusables(el).into_iter().next());
            if let Some(target) = target {
                focus(&target);
            }
        });
        on_cleanup(move || {
            if let Some(el) = before.take() {
                if el.is_connected() {
                    focus(&el);
                }
            }
        });
    }

    pub(super) fn cycle(root: &Element, ev: &web_sys::KeyboardEvent) {
        let all = focusables(root);
        let (Some(first), Some(last)) = (all.first(), all.last()) else {
            return;
        };
        let active = document().active_element();
        let inside = active.as_ref().is_some_and(|a| root.contains(Some(a)));
        let wrap_to = if ev.shift_key() {
            (!inside || active.as_ref() == Some(first)).then_some(last)
        } else {
            (!inside || active.as_ref() == Some(last)).then_some(first)
        };
        if let Some(to) = wrap_to {
            ev.prevent_default();
            focus(to);
        }
    }
}
