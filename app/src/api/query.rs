//! [`Query`]: what a page reads from one server function, in place of a
//! Leptos `Resource` per answer type.
//!
//! A `Resource<T>` builds its whole reactive machinery (an async derived
//! signal, its futures, its hydration and drop glue) once for every `T`:
//! 6 to 8 KB of WASM per answer type. Every `Query` is one resource of the
//! same type, holding the answer as JSON text (`RawValue`); it is decoded
//! into its server function's answer type only where it is read. On the
//! server the query runs the server function's body, as calling the server
//! function would; the answer travels to the browser in the page, as any
//! resource's does, so the page hydrates without asking again. In the
//! browser it sends the request `server_fn` sends (a `POST` of the
//! arguments as JSON to the function's path).

use std::{
    future::{Future, IntoFuture},
    marker::PhantomData,
    pin::Pin,
    sync::Arc,
};

use berth_api::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::value::RawValue;

use super::call::unreadable;

/// An answer as JSON text, or why there is none.
type Answer = Result<Box<RawValue>, AppError>;

type Fetching = Pin<Box<dyn Future<Output = Answer> + Send>>;

/// One server function call, encoded: what a query's resource depends on.
#[derive(Clone)]
struct Request {
    path: &'static str,
    body: String,
    /// Changes when the page wants the same request answered again.
    version: usize,
    /// Runs the server function's body (on the server only).
    #[cfg(feature = "ssr")]
    run: Arc<dyn Fn() -> Fetching + Send + Sync>,
}

impl Request {
    /// No call: the source has nothing to ask for.
    fn nothing(version: usize) -> Self {
        Request {
            path: "",
            body: String::new(),
            version,
            #[cfg(feature = "ssr")]
            run: Arc::new(|| Box::pin(std::future::ready(Err(AppError::NotFound))) as Fetching),
        }
    }
}

impl PartialEq for Request {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path && self.body == other.body && self.version == other.version
    }
}

/// A server function `S` whose answer a page shows: asked again whenever
/// the arguments its source gives change. `.await` it (inside a
/// `Suspense` or `Transition`) for the answer.
pub struct Query<S> {
    resource: Resource<Answer>,
    kind: PhantomData<fn() -> S>,
}

impl<S> Clone for Query<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Query<S> {}

impl<S> Query<S>
where
    S: ServerFn<Error = AppError> + Serialize + Clone + Send + Sync + 'static,
    S::Output: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    /// Asks `S` with the arguments `source` gives (a reactive closure).
    pub fn new(source: impl Fn() -> S + Send + Sync + 'static) -> Self {
        Self::reloading(|| 0, source)
    }

    /// As [`Query::new`], and asks again, with the same arguments,
    /// whenever `version` changes (for example after a save).
    pub fn reloading(
        version: impl Fn() -> usize + Send + Sync + 'static,
        source: impl Fn() -> S + Send + Sync + 'static,
    ) -> Self {
        Self::when(version, move || Some(source()))
    }

    /// As [`Query::reloading`], but asks nothing while `source` gives
    /// `None` (nothing chosen yet): the answer is then "not found", which
    /// the page shows as nothing chosen.
    pub fn when(
        version: impl Fn() -> usize + Send + Sync + 'static,
        source: impl Fn() -> Option<S> + Send + Sync + 'static,
    ) -> Self {
        let request = move || {
            let version = version();
            let Some(input) = source() else {
                return Request::nothing(version);
            };
            Request {
                path: S::PATH,
                // Berth's arguments always encode; an empty body would be
                // refused by the server with a readable error.
                body: serde_json::to_string(&input).unwrap_or_default(),
                version,
                #[cfg(feature = "ssr")]
                run: Arc::new(move || {
                    let input = input.clone();
                    Box::pin(async move { encode(input.run_body().await) }) as Fetching
                }),
            }
        };
        Query {
            resource: new_resource(Arc::new(request)),
            kind: PhantomData,
        }
    }

    /// The answer so far (tracked): `None` until the first has come.
    pub fn get(&self) -> Option<Result<S::Output, AppError>> {
        self.resource.with(|a| a.as_ref().map(read))
    }
}

impl<S> Query<S> {
    /// Why the last answer failed, if it did (tracked; `None` until the
    /// first answer, then the last answer's while a reload is under way).
    pub fn error(&self) -> Signal<Option<AppError>> {
        let resource = self.resource;
        Signal::derive(move || {
            resource.with(|a| a.as_ref().and_then(|a| a.as_ref().err().cloned()))
        })
    }
}

impl<S> IntoFuture for Query<S>
where
    S: ServerFn<Error = AppError> + 'static,
    S::Output: DeserializeOwned + Send + 'static,
{
    type Output = Result<S::Output, AppError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        let answer = self.resource.into_future();
        Box::pin(async move { read(&answer.await) })
    }
}

/// The one resource every [`Query`] is (not generic, so built once).
fn new_resource(request: Arc<dyn Fn() -> Request + Send + Sync>) -> Resource<Answer> {
    Resource::new(move || request(), fetch)
}

fn read<T: DeserializeOwned>(answer: &Answer) -> Result<T, AppError> {
    match answer {
        Ok(raw) => serde_json::from_str(raw.get()).map_err(unreadable),
        Err(e) => Err(e.clone()),
    }
}

#[cfg(feature = "ssr")]
fn encode<T: Serialize>(answer: Result<T, AppError>) -> Answer {
    serde_json::value::to_raw_value(&answer?).map_err(super::call::unwritable)
}

/// On the server: runs the server function's body.
#[cfg(feature = "ssr")]
fn fetch(request: Request) -> Fetching {
    (request.run)()
}

/// In the browser: asks the server, as `server_fn`'s client does.
#[cfg(not(feature = "ssr"))]
fn fetch(request: Request) -> Fetching {
    Box::pin(async move {
        if request.path.is_empty() {
            return Err(AppError::NotFound);
        }
        let text = super::call::post(request.path, request.body).await?;
        RawValue::from_string(text).map_err(unreadable)
    })
}
