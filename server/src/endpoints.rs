//! The registry of every HTTP endpoint a client can call, with what it
//! requires of its caller: gathered from the declarations beside each
//! server function (`endpoint!` in the app) and each route of the server
//! (`routes!`). The authorization matrix test walks it, and fails when a
//! server function exists that declares nothing, so no endpoint can appear
//! without being checked for every role and tenant.

pub use berth_core::auth::endpoint::{Endpoint, Needs};

/// Every declared endpoint, by path.
pub fn endpoints() -> Vec<Endpoint> {
    berth_core::auth::endpoint::declared()
}

/// Server functions the app registers that declare nothing.
pub fn unregistered_server_fns() -> Vec<String> {
    let declared = endpoints();
    server_fn_paths()
        .into_iter()
        .filter(|p| !declared.iter().any(|e| e.path == p))
        .collect()
}

/// Paths declared more than once.
pub fn declared_twice() -> Vec<&'static str> {
    let declared = endpoints();
    let mut twice: Vec<&'static str> = declared
        .windows(2)
        .filter(|w| (w[0].path, w[0].method) == (w[1].path, w[1].method))
        .map(|w| w[0].path)
        .collect();
    twice.dedup();
    twice
}

/// Every server function path the app registers.
pub fn server_fn_paths() -> Vec<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .collect()
}
