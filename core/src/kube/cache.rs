//! Watch caches: per cluster, kube-runtime reflector stores of the objects
//! list pages need (nodes, pods and namespaces), kept current by watches that relist
//! when the API server answers 410 Gone and reconnect with backoff after
//! errors. Pages read the stores, sparing the API servers; every change is
//! also broadcast, for pages that update live.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Node, Pod};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Api, Client, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::broadcast;
use tokio::task::AbortHandle;

use crate::kube::ConnectError;

/// How long a new cache may take to fill before the cluster counts as unreachable.
pub const FILL_DEADLINE: Duration = Duration::from_secs(10);

/// One change seen by a cache's watches.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// `node`, `pod` or `namespace`.
    pub kind: &'static str,
    pub namespace: Option<String>,
    pub name: String,
}

/// The caches of one cluster. Dropping it stops its watches.
pub struct ClusterCache {
    pub nodes: Store<Node>,
    pub pods: Store<Pod>,
    pub namespaces: Store<Namespace>,
    changes: broadcast::Sender<Change>,
    tasks: Vec<AbortHandle>,
}

impl Debug for ClusterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterCache")
            .field("nodes", &self.nodes.state().len())
            .field("pods", &self.pods.state().len())
            .field("namespaces", &self.namespaces.state().len())
            .finish()
    }
}

impl Drop for ClusterCache {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn reflect<K>(
    api: Api<K>,
    kind: &'static str,
    tx: broadcast::Sender<Change>,
) -> (Store<K>, AbortHandle)
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone + Send + Sync,
{
    let (reader, writer) = reflector::store();
    let stream = reflector::reflector(writer, watcher(api, watcher::Config::default()))
        .default_backoff()
        .touched_objects();
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(item) = stream.next().await {
            match item {
                Ok(obj) => {
                    // Nobody listening is fine.
                    let _ = tx.send(Change {
                        kind,
                        namespace: obj.namespace(),
                        name: obj.name_any(),
                    });
                }
                Err(e) => {
                    tracing::debug!(error = %e, kind, "watch interrupted; it resumes with backoff")
                }
            }
        }
    });
    (reader, task.abort_handle())
}

impl ClusterCache {
    /// Starts the watches and waits (at most [`FILL_DEADLINE`]) for the first full lists.
    pub async fn start(client: Client) -> Result<Arc<ClusterCache>, ConnectError> {
        let (tx, _) = broadcast::channel(4096);
        let (nodes, a) = reflect(Api::<Node>::all(client.clone()), "node", tx.clone());
        let (pods, b) = reflect(Api::<Pod>::all(client.clone()), "pod", tx.clone());
        let (namespaces, c) = reflect(Api::<Namespace>::all(client), "namespace", tx.clone());
        let cache = Arc::new(ClusterCache {
            nodes,
            pods,
            namespaces,
            changes: tx,
            tasks: vec![a, b, c],
        });
        let filled = tokio::time::timeout(FILL_DEADLINE, async {
            cache.nodes.wait_until_ready().await.is_ok()
                && cache.pods.wait_until_ready().await.is_ok()
                && cache.namespaces.wait_until_ready().await.is_ok()
        })
        .await;
        match filled {
            Ok(true) => Ok(cache),
            _ => Err(ConnectError::Unreachable(format!(
                "the cluster's nodes, pods and namespaces could not be listed within {} s",
                FILL_DEADLINE.as_secs()
            ))),
        }
    }

    /// Waits (at most two seconds) until the cached node has caught up with
    /// `resource_version`, so a page reloading after a change sees it.
    pub async fn wait_for_node(&self, name: &str, resource_version: &str) {
        let wanted: u64 = resource_version.parse().unwrap_or(0);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        let mut changes = self.subscribe();
        loop {
            let seen = self
                .nodes
                .get(&reflector::ObjectRef::new(name))
                .and_then(|n| n.resource_version())
                .and_then(|rv| rv.parse::<u64>().ok())
                .unwrap_or(0);
            if seen >= wanted {
                return;
            }
            match tokio::time::timeout_at(deadline, changes.recv()).await {
                Err(_) | Ok(Err(broadcast::error::RecvError::Closed)) => return,
                Ok(_) => {}
            }
        }
    }

    /// Every change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.changes.subscribe()
    }
}
