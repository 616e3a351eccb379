//! Hydrates the server-rendered HTML into a live Leptos app.
//!
//! Hydration is asynchronous: a page split out of the main WASM (see
//! `app/src/routes.rs`) is fetched before its part of the page hydrates.
//! When everything has hydrated, `<html>` gets `data-hydrated`, which the
//! browser tests wait for.

use leptos::prelude::document;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        let app = leptos::mount::hydrate_from_async(body, berth_app::App).await;
        app.forget();
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("data-hydrated", "");
        }
    });
}
