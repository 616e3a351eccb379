//! What each HTTP endpoint requires of its caller, declared beside the
//! endpoint itself (a server function in the app, a route in the server)
//! and gathered here at link time. The server's registry and the
//! authorization matrix read [`declared`]; nothing keeps a second list.

use berth_api::permission::Permission;

/// What an endpoint requires of its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    /// Anyone, signed in or not.
    Nobody,
    /// Any signed-in user.
    Session,
    /// A signed-in user holding this permission where the object lives.
    Permission(Permission),
}

/// One endpoint: its method, its path and what it requires.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
}

inventory::collect!(Endpoint);

/// Every declared endpoint, by path then method.
pub fn declared() -> Vec<Endpoint> {
    let mut all: Vec<Endpoint> = inventory::iter::<Endpoint>.into_iter().copied().collect();
    all.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
    all
}

/// Declares an endpoint beside its handler:
/// `declare_endpoint!("GET", "/healthz", Nobody);`
#[macro_export]
macro_rules! declare_endpoint {
    ($method:expr, $path:expr, $kind:ident $(($perm:ident))?) => {
        $crate::inventory::submit! {
            $crate::auth::endpoint::Endpoint {
                method: $method,
                path: $path,
                needs: $crate::auth::endpoint::Needs::$kind $(($crate::auth::Permission::$perm))?,
            }
        }
    };
}
