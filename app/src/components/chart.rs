//! Charts, drawn in the browser by ECharts through charming.
//!
//! ECharts (`/pkg/echarts.min.js`, about 330 KB gzip, vendored from npm when
//! the site is built) is fetched the first time a page with a chart is
//! shown, never with the main bundle. The server renders an empty labelled
//! box that the browser fills; a page prints the same figures as text
//! beside each chart, so nothing is only in the picture.

use charming::Chart;
use leptos::prelude::*;

use crate::i18n::{use_lang, T};

/// Where the site serves ECharts from.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const ECHARTS_URL: &str = "/pkg/echarts.min.js";

/// One chart. `chart` may change: the drawing is updated in place.
#[component]
pub fn EChart(
    /// Unique on the page: ECharts draws into the element with this id.
    id: String,
    /// What the chart shows, for screen readers.
    label: Signal<String>,
    chart: Signal<Chart>,
) -> impl IntoView {
    let lang = use_lang();
    let drawn = RwSignal::new(false);
    let failed = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    browser::draw(id.clone(), chart, drawn, failed);
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
    view! {
        // Sized by CSS: the policy allows no inline styles.
        <div class="chart" id=id role="img" aria-label=label
            data-drawn=move || drawn.get().to_string()></div>
        {move || failed.get().then(|| view! { <p class="field-error" role="alert">{lang.t(T::ChartUnavailable)}</p> })}
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use charming::{Chart, Echarts, WasmRenderer};
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::{prelude::*, JsCast};
    use wasm_bindgen_futures::JsFuture;

    use super::ECHARTS_URL;

    /// Frees an ECharts instance and its canvas (`instance.dispose()`).
    fn dispose(instance: &Echarts) {
        let this: &JsValue = instance;
        if let Ok(f) = js_sys::Reflect::get(this, &JsValue::from_str("dispose")) {
            if let Some(f) = f.dyn_ref::<js_sys::Function>() {
                let _ = f.call0(this);
            }
        }
    }

    thread_local! {
        /// Settles once ECharts has loaded (or failed to); shared by every chart.
        static LOADING: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
    }

    fn echarts_loaded() -> js_sys::Promise {
        LOADING.with(|l| {
            l.borrow_mut()
                .get_or_insert_with(|| {
                    js_sys::Promise::new(&mut |resolve, reject| {
                        let added = web_sys::window()
                            .and_then(|w| w.document())
                            .and_then(|d| Some((d.create_element("script").ok()?, d.head()?)))
                            .and_then(|(script, head)| {
                                let script: web_sys::HtmlScriptElement = script.unchecked_into();
                                script.set_src(ECHARTS_URL);
                                script.set_onload(Some(&resolve));
                                script.set_onerror(Some(&reject));
                                head.append_child(&script).ok()
                            });
                        if added.is_none() {
                            let _ = reject.call0(&JsValue::NULL);
                        }
                    })
                })
                .clone()
        })
    }

    pub(super) fn draw(
        id: String,
        chart: Signal<Chart>,
        drawn: RwSignal<bool>,
        failed: RwSignal<bool>,
    ) {
        let instance = SendWrapper::new(Rc::new(RefCell::new(None::<Echarts>)));
        let for_effect = instance.clone();
        Effect::new(move || {
            let option = chart.get();
            let (id, instance) = (id.clone(), for_effect.clone());
            leptos::task::spawn_local(async move {
                if JsFuture::from(echarts_loaded()).await.is_err() {
                    // Let the next chart try again.
                    LOADING.with(|l| l.borrow_mut().take());
                    failed.set(true);
                    return;
                }
                let mut current = instance.borrow_mut();
                match current.as_ref() {
                    Some(e) => WasmRenderer::update(e, &option),
                    None => match WasmRenderer::new_opt(None, None).render(&id, &option) {
                        Ok(e) => *current = Some(e),
                        Err(_) => {
                            failed.set(true);
                            return;
                        }
                    },
                }
                drawn.set(true);
            });
        });
        let for_resize = instance.clone();
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            if let Some(e) = for_resize.borrow().as_ref() {
                e.resize(JsValue::UNDEFINED);
            }
        });
        on_cleanup(move || {
            resize.remove();
            if let Some(e) = instance.borrow_mut().take() {
                dispose(&e);
            }
        });
    }
}
