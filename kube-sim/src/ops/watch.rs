//! WATCH: a stream of `{"type", "object"}` lines, as the API server sends.
//!
//! Without a resourceVersion (or `0`) the stream starts with an `ADDED` for
//! every matching object; with one, it replays the change log after it, or
//! answers a single `ERROR` event with a 410 Gone Status when the log no
//! longer reaches back that far (the client relists). Live changes follow.
//! With `allowWatchBookmarks`, idle streams get `BOOKMARK` events carrying
//! the current resourceVersion. A reader too slow for the change broadcast
//! gets 410 too. The stream ends after `timeoutSeconds`.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use futures::{stream, Stream, StreamExt};
use serde_json::{json, Value};
use tokio::sync::broadcast::{error::RecvError, Receiver};

use super::{with_type, Cluster, ListOptions};
use crate::{
    resources::ResourceType,
    status::ApiError,
    store::{Change, EventType},
};

/// How a watch was asked for.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub list: ListOptions,
    /// `resourceVersion`; `None` or 0: start with the current objects.
    pub resource_version: Option<u64>,
    pub bookmarks: bool,
    pub bookmark_every: Duration,
    pub timeout: Duration,
    /// `sendInitialEvents=true` (a watch-list): the current objects first,
    /// whatever the resourceVersion, then a bookmark annotated
    /// `k8s.io/initial-events-end`.
    pub initial_events: bool,
}

fn line(event: &str, object: &Value) -> Bytes {
    let mut text = json!({ "type": event, "object": object }).to_string();
    text.push('\n');
    Bytes::from(text)
}

pub(crate) fn gone(resource_version: u64) -> Bytes {
    let status = ApiError {
        code: 410,
        reason: "Expired",
        message: format!("too old resource version: {resource_version}"),
        details: None,
    };
    line("ERROR", &status.to_json())
}

struct Live {
    rt: &'static ResourceType,
    namespace: Option<String>,
    list: ListOptions,
    rx: Receiver<Change>,
    bookmarks: bool,
    bookmark_every: Duration,
    last_rv: u64,
    deadline: tokio::time::Instant,
    done: bool,
}

/// The event a filtered watch sends for a change, as kube-apiserver's
/// watch cache does: a modified object that enters the selection is
/// `ADDED`; one that leaves it is `DELETED` (its previous state at the
/// change's resourceVersion); others pass as they are or not at all.
fn filtered(
    change: &Change,
    rt: &'static ResourceType,
    namespace: Option<&str>,
    list: &ListOptions,
) -> Option<(EventType, Value)> {
    if change.resource != rt {
        return None;
    }
    let obj = change.object.as_ref();
    let in_ns = |o: &Value| {
        namespace
            .is_none_or(|ns| o.pointer("/metadata/namespace").and_then(Value::as_str) == Some(ns))
    };
    let passes = |o: &Value| in_ns(o) && list.labels.matches(o) && list.fields.matches(o);
    let now = passes(obj);
    match (&change.event, change.previous.as_deref()) {
        (EventType::Modified, Some(before)) => match (passes(before), now) {
            (true, true) => Some((EventType::Modified, obj.clone())),
            (false, true) => Some((EventType::Added, obj.clone())),
            (true, false) => {
                let mut last = before.clone();
                if let Some(m) = last.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.insert(
                        "resourceVersion".into(),
                        json!(change.resource_version.to_string()),
                    );
                }
                Some((EventType::Deleted, last))
            }
            (false, false) => None,
        },
        (event, _) => now.then(|| (*event, obj.clone())),
    }
}

impl Live {
    fn bookmark(&self) -> Bytes {
        line(
            "BOOKMARK",
            &json!({
                "apiVersion": self.rt.api_version(),
                "kind": self.rt.kind,
                "metadata": { "resourceVersion": self.last_rv.to_string() },
            }),
        )
    }

    /// The next line to send, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if self.done {
                return None;
            }
            let wait = if self.bookmarks {
                self.bookmark_every
            } else {
                self.deadline
                    .saturating_duration_since(tokio::time::Instant::now())
            };
            let received = tokio::select! {
                r = self.rx.recv() => Some(r),
                _ = tokio::time::sleep(wait) => None,
                _ = tokio::time::sleep_until(self.deadline) => { self.done = true; return None; }
            };
            match received {
                None if self.bookmarks => return Some(self.bookmark()),
                None => continue,
                Some(Ok(change)) => {
                    self.last_rv = change.resource_version;
                    if let Some((event, object)) =
                        filtered(&change, self.rt, self.namespace.as_deref(), &self.list)
                    {
                        return Some(line(event.as_str(), &with_type(self.rt, object)));
                    }
                }
                Some(Err(RecvError::Lagged(_))) => {
                    self.done = true;
                    return Some(gone(self.last_rv));
                }
                Some(Err(RecvError::Closed)) => return None,
            }
        }
    }
}

impl Cluster {
    /// WATCH a type (in a namespace, or everywhere with `None`).
    pub fn watch(
        self: &Arc<Self>,
        rt: &'static ResourceType,
        namespace: Option<&str>,
        opts: WatchOptions,
    ) -> Result<
        impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Send + 'static,
        ApiError,
    > {
        let store = self.lock();
        // Subscribed under the lock: nothing falls between the snapshot and
        // the live changes.
        let rx = store.subscribe();
        let current = store.resource_version();
        let matches = |obj: &Value| opts.list.labels.matches(obj) && opts.list.fields.matches(obj);
        let mut expired = false;
        let from = opts
            .resource_version
            .filter(|rv| *rv > 0 && !opts.initial_events);
        let mut backlog: Vec<Bytes> = match from {
            None => store
                .list(rt, namespace)
                .filter(|(_, o)| matches(o))
                .map(|(_, o)| line(EventType::Added.as_str(), &with_type(rt, o.clone())))
                .collect(),
            Some(rv) => match store.changes_since(rv) {
                None => {
                    expired = true;
                    vec![gone(rv)]
                }
                Some(changes) => changes
                    .iter()
                    .filter_map(|c| filtered(c, rt, namespace, &opts.list))
                    .map(|(event, object)| line(event.as_str(), &with_type(rt, object)))
                    .collect(),
            },
        };
        if opts.initial_events {
            backlog.push(line(
                "BOOKMARK",
                &json!({
                    "apiVersion": rt.api_version(),
                    "kind": rt.kind,
                    "metadata": {
                        "resourceVersion": current.to_string(),
                        "annotations": { "k8s.io/initial-events-end": "true" },
                    },
                }),
            ));
        }
        drop(store);
        let live = Live {
            rt,
            namespace: namespace.map(str::to_owned),
            list: opts.list,
            rx,
            bookmarks: opts.bookmarks,
            bookmark_every: opts.bookmark_every,
            last_rv: current,
            deadline: tokio::time::Instant::now() + opts.timeout,
            done: expired,
        };
        let tail = stream::unfold(live, |mut live| async move {
            live.next().await.map(|bytes| (bytes, live))
        });
        Ok(stream::iter(backlog).chain(tail).map(Ok))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{resources, selectors::LabelSelector, store::CHANGE_LOG_CAPACITY};

    fn opts(resource_version: Option<u64>) -> WatchOptions {
        WatchOptions {
            list: ListOptions::default(),
            resource_version,
            bookmarks: false,
            bookmark_every: Duration::from_millis(50),
            timeout: Duration::from_secs(30),
            initial_events: false,
        }
    }

    async fn next_json<S: Stream<Item = Result<Bytes, std::convert::Infallible>> + Unpin>(
        s: &mut S,
    ) -> Option<Value> {
        let item = tokio::time::timeout(Duration::from_secs(5), s.next())
            .await
            .expect("an event in time")?;
        let Ok(bytes) = item;
        Some(serde_json::from_slice(&bytes).expect("one JSON event per line"))
    }

    fn namespace(name: &str, team: &str) -> Value {
        json!({"metadata": {"name": name, "labels": {"team": team}}})
    }

    #[tokio::test]
    async fn a_resource_version_older_than_the_log_is_gone() {
        let cluster = Arc::new(Cluster::new());
        let ns = resources::core("namespaces").unwrap();
        cluster.seed(ns, None, namespace("first", "a")).unwrap();
        for i in 0..CHANGE_LOG_CAPACITY {
            let mut store = cluster.lock();
            store.put(
                ns,
                crate::store::ObjectKey::new(None, "churn"),
                json!({"metadata": {"name": "churn", "labels": {"i": i.to_string()}}}),
            );
        }
        let mut s = Box::pin(cluster.watch(ns, None, opts(Some(1))).unwrap());
        let event = next_json(&mut s).await.unwrap();
        assert_eq!(event["type"], "ERROR");
        assert_eq!(event["object"]["code"], 410);
        assert_eq!(event["object"]["reason"], "Expired");
        assert!(
            next_json(&mut s).await.is_none(),
            "the stream ends after 410"
        );
    }

    #[tokio::test]
    async fn current_objects_first_then_live_changes_filtered_with_bookmarks() {
        let cluster = Arc::new(Cluster::new());
        let ns = resources::core("namespaces").unwrap();
        cluster.seed(ns, None, namespace("red-1", "red")).unwrap();
        cluster.seed(ns, None, namespace("blue-1", "blue")).unwrap();
        let mut o = opts(None);
        o.list.labels = LabelSelector::parse("team=red").unwrap();
        o.bookmarks = true;
        let mut s = Box::pin(cluster.watch(ns, None, o).unwrap());
        let first = next_json(&mut s).await.unwrap();
        assert_eq!(
            (
                first["type"].as_str(),
                first["object"]["metadata"]["name"].as_str()
            ),
            (Some("ADDED"), Some("red-1"))
        );
        assert_eq!(first["object"]["kind"], "Namespace");
        cluster.seed(ns, None, namespace("blue-2", "blue")).unwrap();
        cluster.seed(ns, None, namespace("red-2", "red")).unwrap();
        let next = next_json(&mut s).await.unwrap();
        assert_eq!(
            next["object"]["metadata"]["name"], "red-2",
            "blue-2 is filtered out"
        );
        // Idle: a bookmark with the current resourceVersion.
        let bookmark = next_json(&mut s).await.unwrap();
        assert_eq!(bookmark["type"], "BOOKMARK");
        let rv = cluster.lock().resource_version().to_string();
        assert_eq!(bookmark["object"]["metadata"]["resourceVersion"], rv);
    }

    #[tokio::test]
    async fn a_watch_ends_at_its_timeout() {
        let cluster = Arc::new(Cluster::new());
        let ns = resources::core("namespaces").unwrap();
        let mut o = opts(None);
        o.timeout = Duration::from_millis(100);
        let mut s = Box::pin(cluster.watch(ns, None, o).unwrap());
        assert!(next_json(&mut s).await.is_none());
    }
}
