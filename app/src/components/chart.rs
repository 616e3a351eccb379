//! Charts, drawn in the browser by ECharts.
//!
//! ECharts (`/pkg/echarts.min.js`, cut down by `tools/echarts` to the
//! charts Berth draws) is fetched the first time a page with a chart is
//! shown, never with the main bundle. A page describes a chart as an
//! ECharts option ([`ChartOption`], plain JSON built with
//! `serde_json::json!`), which reaches ECharts through `JSON.parse`: no
//! chart library is compiled into the WASM. The server renders an empty
//! labelled box that the browser fills; a page prints the same figures as
//! text beside each chart, so nothing is only in the picture.

use leptos::prelude::*;

use crate::i18n::{use_lang, T};

/// Where the site serves ECharts from.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const ECHARTS_URL: &str = "/pkg/echarts.min.js";

/// An ECharts option (<https://echarts.apache.org/en/option.html>): what
/// one chart draws.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartOption(pub serde_json::Value);

impl Default for ChartOption {
    /// Nothing drawn (ECharts refuses `null`).
    fn default() -> Self {
        ChartOption(serde_json::Value::Object(serde_json::Map::new()))
    }
}

/// One chart. `chart` may change: the drawing is updated in place.
#[component]
pub fn EChart(
    /// Unique on the page: ECharts draws into the element with this id.
    id: String,
    /// What the chart shows, for screen readers.
    label: Signal<String>,
    chart: Signal<ChartOption>,
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

    use js_sys::{Array, Function, Reflect};
    use leptos::prelude::*;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::{prelude::*, JsCast};
    use wasm_bindgen_futures::JsFuture;

    use super::{ChartOption, ECHARTS_URL};

    /// `this.method(...args)`.
    fn call(this: &JsValue, method: &str, args: &[&JsValue]) -> Result<JsValue, JsValue> {
        let f: Function = Reflect::get(this, &JsValue::from_str(method))?.dyn_into()?;
        f.apply(this, &args.iter().copied().collect::<Array>())
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

    /// Draws `option` into the element `id`, into `instance` if it is
    /// there already (`echarts.init(element)`, then `setOption`).
    fn render(
        id: &str,
        option: &ChartOption,
        instance: &mut Option<JsValue>,
    ) -> Result<(), JsValue> {
        let option = js_sys::JSON::parse(&option.0.to_string())?;
        if instance.is_none() {
            let element = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id(id))
                .ok_or_else(|| JsValue::from_str("no chart element"))?;
            let echarts = Reflect::get(&js_sys::global(), &JsValue::from_str("echarts"))?;
            *instance = Some(call(&echarts, "init", &[&element])?);
        }
        if let Some(chart) = instance.as_ref() {
            // Not merged with what was drawn: the option says it all.
            call(chart, "setOption", &[&option, &JsValue::TRUE])?;
        }
        Ok(())
    }

    pub(super) fn draw(
        id: String,
        chart: Signal<ChartOption>,
        drawn: RwSignal<bool>,
        failed: RwSignal<bool>,
    ) {
        let instance = SendWrapper::new(Rc::new(RefCell::new(None::<JsValue>)));
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
                match render(&id, &option, &mut instance.borrow_mut()) {
                    Ok(()) => drawn.set(true),
                    Err(_) => failed.set(true),
                }
            });
        });
        let for_resize = instance.clone();
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            if let Some(chart) = for_resize.borrow().as_ref() {
                let _ = call(chart, "resize", &[]);
            }
        });
        on_cleanup(move || {
            resize.remove();
            if let Some(chart) = instance.borrow_mut().take() {
                // Frees the instance and its canvas.
                let _ = call(&chart, "dispose", &[]);
            }
        });
    }
}
