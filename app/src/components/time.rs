//! Times as people read them: in the browser's own time zone, saying which.
//! The server, which does not know the reader's zone, renders UTC and says
//! so; once the page runs, the browser shows its local time instead.

use berth_api::Timestamp;
use leptos::prelude::*;

/// `YYYY-MM-DD HH:MM` and the zone: `UTC` from the server, the browser's
/// offset (`UTC+8`) once hydrated, with the zone's name as a tooltip.
#[component]
pub fn Time(at: Timestamp) -> impl IntoView {
    let shown = RwSignal::new(format!("{} UTC", at.to_minutes()));
    let zone = RwSignal::new("UTC".to_owned());
    #[cfg(feature = "hydrate")]
    {
        let iso = at.0.clone();
        Effect::new(move || {
            if let Some((text, name)) = browser::local(&iso) {
                shown.set(text);
                zone.set(name);
            }
        });
    }
    view! { <time datetime=at.0 title=move || zone.get()>{move || shown.get()}</time> }
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsValue;

    /// The local time of an RFC 3339 instant, and the zone's name.
    pub(super) fn local(iso: &str) -> Option<(String, String)> {
        let d = js_sys::Date::new(&JsValue::from_str(iso));
        if d.get_time().is_nan() {
            return None;
        }
        // Minutes east of UTC (JavaScript counts them west).
        let east = -(d.get_timezone_offset() as i32);
        let offset = match (east / 60, (east % 60).abs()) {
            (0, 0) => "UTC".to_owned(),
            (h, 0) => format!("UTC{h:+}"),
            (h, m) if east < 0 && h == 0 => format!("UTC-0:{m:02}"),
            (h, m) => format!("UTC{h:+}:{m:02}"),
        };
        let text = format!(
            "{:04}-{:02}-{:02} {:02}:{:02} {offset}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
        );
        let options =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
                .resolved_options();
        let name = js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
            .ok()
            .and_then(|z| z.as_string())
            .unwrap_or_else(|| offset.clone());
        Some((text, name))
    }
}
