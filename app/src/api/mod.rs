//! Server functions: the typed calls from pages to the server.
//!
//! Each is a thin adapter (see [`backend`]): take the caller and the
//! services from the request, call one service method, convert the result.
//! Authorization happens inside that service method, never here.

#[cfg(feature = "ssr")]
pub mod backend;
mod call;
mod query;

pub use call::Call;
pub use query::Query;

/// A server function with what it requires of its caller declared beside
/// it. The server's endpoint registry and the authorization matrix are
/// built from these declarations (see `berth_core::auth::endpoint`); the
/// macro also gives every server function Berth's one wire encoding
/// ([`berth_api::codec::Json`]), so none can be declared with another:
///
/// ```ignore
/// endpoint! {
///     needs: Permission(DomainRead),
///     #[server(prefix = "/api", endpoint = "domains/list")]
///     pub async fn list_domains(query: ListQuery) -> Result<Page<Domain>, AppError> { .. }
/// }
/// ```
macro_rules! endpoint {
    (
        needs: $kind:ident $(($perm:ident))?,
        #[server(prefix = "/api", endpoint = $path:literal)]
        $item:item
    ) => {
        #[server(
            prefix = "/api",
            endpoint = $path,
            input = berth_api::codec::Json,
            output = berth_api::codec::Json
        )]
        $item

        #[cfg(feature = "ssr")]
        berth_core::declare_endpoint!("POST", concat!("/api/", $path), $kind $(($perm))?);
    };
}
pub(crate) use endpoint;
