//! Live pages: what a cluster's watch cache sees reaches open pages as
//! server-sent events (`/live/cluster-changes`), and pages reload what they
//! show.

use std::time::Duration;

use leptos::prelude::*;

/// Bumps `live` (at most once per `every`) while the server reports changes
/// in cluster `cluster`'s watch cache; the stream follows the chosen cluster
/// and closes with the page.
pub fn follow_changes(cluster: Signal<Option<i64>>, live: RwSignal<u32>, every: Duration) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::reactive::owner::on_cleanup;
        use send_wrapper::SendWrapper;
        use wasm_bindgen::{closure::Closure, JsCast};

        type Source = SendWrapper<(
            web_sys::EventSource,
            Closure<dyn FnMut(web_sys::MessageEvent)>,
        )>;
        let current: StoredValue<Option<Source>> = StoredValue::new(None);
        let waiting = RwSignal::new(false);
        Effect::new(move || {
            let id = cluster.get();
            current.update_value(|c| {
                if let Some(old) = c.take() {
                    old.0.close();
                }
            });
            let Some(id) = id else { return };
            let Ok(source) =
                web_sys::EventSource::new(&format!("/live/cluster-changes?cluster_id={id}"))
            else {
                return;
            };
            let on_change = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |_: web_sys::MessageEvent| {
                    if !waiting.get_untracked() {
                        waiting.set(true);
                        set_timeout(
                            move || {
                                waiting.set(false);
                                live.update(|n| *n += 1);
                            },
                            every,
                        );
                    }
                },
            );
            let _ = source
                .add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
            current.set_value(Some(SendWrapper::new((source, on_change))));
        });
        on_cleanup(move || {
            current.update_value(|c| {
                if let Some(old) = c.take() {
                    old.0.close();
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (cluster, live, every);
}
