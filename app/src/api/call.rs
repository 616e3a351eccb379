//! [`Call`]: a page's handle on one server function it calls on demand
//! (create, save, delete), in place of Leptos's `ServerAction`.
//!
//! A `ServerAction<S>` builds the whole reactive action (its signals, its
//! dispatch, its futures, about sixty functions) once for every server
//! function, which came to 6 to 9 KB of WASM per server function. A `Call`
//! runs every server function through one action whose input is the
//! encoded request and whose answer is type-erased, so that machinery
//! exists once; what is left per server function is encoding its
//! arguments and decoding its answer. The request on the wire is the one
//! `server_fn` sends (a `POST` of the arguments as JSON to the function's
//! path, answers and errors in [`berth_api::codec::Json`]).

use std::{any::Any, marker::PhantomData, sync::Arc};

use berth_api::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Serialize};

/// A decoded answer, of the type its server function returns.
type Answer = Arc<dyn Any + Send + Sync>;

/// One server function call, encoded.
#[derive(Clone)]
struct Request {
    path: &'static str,
    body: String,
    /// Decodes this server function's answer.
    decode: fn(&str) -> Result<Answer, AppError>,
}

/// A server function `S` that a page calls when the user acts: its last
/// answer, whether a call is under way, and how many have finished.
pub struct Call<S> {
    action: Action<Request, Result<Answer, AppError>>,
    kind: PhantomData<fn() -> S>,
}

impl<S> Clone for Call<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Call<S> {}

impl<S> Default for Call<S>
where
    S: ServerFn<Error = AppError> + Serialize,
    S::Output: DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Call<S>
where
    S: ServerFn<Error = AppError> + Serialize,
    S::Output: DeserializeOwned + Clone + Send + Sync + 'static,
{
    pub fn new() -> Self {
        Call {
            action: new_action(),
            kind: PhantomData,
        }
    }

    /// Calls the server function with `input`.
    pub fn dispatch(&self, input: S) {
        match serde_json::to_string(&input) {
            Ok(body) => {
                self.action.dispatch(Request {
                    path: S::PATH,
                    body,
                    decode: decode::<S::Output>,
                });
            }
            Err(e) => self.action.value().set(Some(Err(unwritable(e)))),
        }
    }

    /// The last call's answer, once it has come (`None` before the first,
    /// and after [`Call::clear`]).
    pub fn value(&self) -> Signal<Option<Result<S::Output, AppError>>> {
        let value = self.action.value();
        Signal::derive(move || {
            value.with(|v| {
                v.as_ref().map(|r| match r {
                    Ok(answer) => Ok(answer
                        .downcast_ref::<S::Output>()
                        .expect("a call's answer has its server function's type")
                        .clone()),
                    Err(e) => Err(e.clone()),
                })
            })
        })
    }
}

impl<S> Call<S> {
    /// The last call failed: why.
    pub fn error(&self) -> Signal<Option<AppError>> {
        let value = self.action.value();
        Signal::derive(move || value.with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned())))
    }

    /// The last call succeeded (tracked).
    pub fn succeeded(&self) -> bool {
        self.action.value().with(|v| matches!(v, Some(Ok(_))))
    }

    /// Forgets the last answer (a form opened again shows no old error).
    pub fn clear(&self) {
        self.action.value().set(None);
    }

    /// A call is under way.
    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    /// How many calls have finished.
    pub fn version(&self) -> RwSignal<usize> {
        self.action.version()
    }
}

/// The one action every [`Call`] runs on (not generic, so built once).
fn new_action() -> Action<Request, Result<Answer, AppError>> {
    Action::new(|request: &Request| send(request.clone()))
}

fn decode<T: DeserializeOwned + Send + Sync + 'static>(text: &str) -> Result<Answer, AppError> {
    serde_json::from_str::<T>(text)
        .map(|v| Arc::new(v) as Answer)
        .map_err(unreadable)
}

/// An answer that does not read as its type, as `server_fn` reports it.
pub(super) fn unreadable(e: serde_json::Error) -> AppError {
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
    AppError::from_server_fn_error(ServerFnErrorErr::Deserialization(e.to_string()))
}

/// Arguments or an answer that do not encode, as `server_fn` reports it.
pub(super) fn unwritable(e: serde_json::Error) -> AppError {
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
    AppError::from_server_fn_error(ServerFnErrorErr::Serialization(e.to_string()))
}

/// Sends the request as `server_fn`'s browser client does and decodes the
/// answer, or the error the server answered with.
fn send(request: Request) -> impl std::future::Future<Output = Result<Answer, AppError>> + Send {
    let Request { path, body, decode } = request;
    async move { decode(&post(path, body).await?) }
}

/// `POST`s `body` (JSON) to the server function at `path`, as `server_fn`'s
/// browser client does: the answer's text, or the error the server
/// answered with.
#[cfg(feature = "hydrate")]
pub(super) fn post(
    path: &'static str,
    body: String,
) -> impl std::future::Future<Output = Result<String, AppError>> + Send {
    use leptos::server_fn::{
        client::{browser::BrowserClient, Client},
        error::FromServerFnError,
        redirect::call_redirect_hook,
        request::{browser::BrowserRequest, ClientReq},
        response::ClientRes,
        Bytes,
    };
    const JSON: &str = "application/json";
    send_wrapper::SendWrapper::new(async move {
        let req = <BrowserRequest as ClientReq<AppError>>::try_new_post_bytes(
            path,
            JSON,
            JSON,
            Bytes::from(body),
        )?;
        let res = <BrowserClient as Client<AppError>>::send(req).await?;
        let status = ClientRes::<AppError>::status(&res);
        let location = ClientRes::<AppError>::location(&res);
        let redirected = ClientRes::<AppError>::has_redirect(&res);
        let text = ClientRes::<AppError>::try_into_string(res).await?;
        if (400..=599).contains(&status) {
            return Err(AppError::de(Bytes::from(text)));
        }
        if (300..=399).contains(&status) || redirected {
            call_redirect_hook(&location);
        }
        Ok(text)
    })
}

/// On the server a page never posts: its calls run in the browser.
#[cfg(not(feature = "hydrate"))]
pub(super) fn post(
    path: &'static str,
    body: String,
) -> impl std::future::Future<Output = Result<String, AppError>> + Send {
    let _ = (path, body);
    std::future::ready(Err(AppError::Unavailable))
}
