//! One cluster, looked up once per request: its row, a client kept from
//! request to request (made again only when the cluster's address or
//! credentials change) and its watch cache (started on first use).
//!
//! The map of kept clients is locked only to read or swap an entry, never
//! across a database query or a network call, and a watch cache starts
//! under its own cluster's cell: a cluster that does not answer holds up
//! its own pages and nobody else's.

use std::{collections::HashMap, sync::Arc};

use berth_api::ClusterSummary;
use kube::Client;
use sea_query::Expr;

use super::{
    access::{select_clusters, AccessRow},
    Clusters,
};
use crate::db::schema::Clusters as ClusterTable;
use crate::{
    kube::{self as cluster, cache::ClusterCache},
    Error, Result,
};

/// What is kept of one cluster between requests.
pub struct Kept {
    /// The row's address and sealed credentials when the client was made.
    fingerprint: String,
    client: Client,
    cache: tokio::sync::OnceCell<Arc<ClusterCache>>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("cache", &self.cache.get().is_some())
            .finish_non_exhaustive()
    }
}

/// Kept clusters, by id.
pub type KeptClusters = std::sync::Mutex<HashMap<i64, Arc<Kept>>>;

/// One cluster for the length of a request.
pub struct ClusterHandle {
    /// The cluster's row as the pages show it.
    pub summary: ClusterSummary,
    kept: Arc<Kept>,
}

/// The cluster's row: what the pages show and its sealed access, in one read.
#[derive(sqlx::FromRow)]
struct HandleRow {
    #[sqlx(flatten)]
    summary: ClusterSummary,
    access_sealed: String,
}

use crate::kube::unavailable;

fn fingerprint(row: &AccessRow) -> String {
    format!("{}\n{}\n{}", row.api_url, row.insecure, row.access_sealed)
}

impl ClusterHandle {
    pub fn client(&self) -> Client {
        self.kept.client.clone()
    }

    /// The watch cache, started (and waited for) on first use.
    pub async fn cache(&self) -> Result<Arc<ClusterCache>> {
        self.kept
            .cache
            .get_or_try_init(|| ClusterCache::start(self.kept.client.clone()))
            .await
            .cloned()
            .map_err(unavailable)
    }

    /// The watch cache if it is running already.
    pub fn running_cache(&self) -> Option<Arc<ClusterCache>> {
        self.kept.cache.get().cloned()
    }
}

impl Clusters<'_> {
    /// Cluster `id`: one read of its row, and what is kept of it if its
    /// access is unchanged.
    pub(crate) async fn handle(&self, id: i64) -> Result<ClusterHandle> {
        let HandleRow {
            summary,
            access_sealed,
        } = self
            .db
            .fetch_optional(
                select_clusters()
                    .column(ClusterTable::AccessSealed)
                    .and_where(Expr::col(ClusterTable::Id).eq(id)),
            )
            .await?
            .ok_or(Error::NotFound)?;
        let row = AccessRow {
            id: summary.id,
            name: summary.name.clone(),
            api_url: summary.api_url.clone(),
            insecure: summary.insecure,
            embedded: summary.embedded,
            access_sealed,
        };
        let print = fingerprint(&row);
        let kept = self.kept(id).filter(|k| k.fingerprint == print);
        let kept = match kept {
            Some(k) => k,
            None => {
                let client = cluster::client_for(&self.open_access(&row)?).map_err(unavailable)?;
                let made = Arc::new(Kept {
                    fingerprint: print,
                    client,
                    cache: tokio::sync::OnceCell::new(),
                });
                // Another request may have made one meanwhile: keep one.
                let mut all = self.kept_clusters()?;
                match all.get(&id) {
                    Some(k) if k.fingerprint == made.fingerprint => Arc::clone(k),
                    _ => {
                        all.insert(id, Arc::clone(&made));
                        made
                    }
                }
            }
        };
        Ok(ClusterHandle { summary, kept })
    }

    fn kept_clusters(&self) -> Result<std::sync::MutexGuard<'_, HashMap<i64, Arc<Kept>>>> {
        self.cluster_caches
            .lock()
            .map_err(|_| Error::Internal("kept clusters lock poisoned".into()))
    }

    fn kept(&self, id: i64) -> Option<Arc<Kept>> {
        self.kept_clusters().ok()?.get(&id).cloned()
    }

    /// Forgets what is kept of a cluster (its access changed or it was
    /// removed); its watches stop when the last request using them ends.
    pub(crate) fn forget_cluster(&self, id: i64) {
        if let Ok(mut all) = self.kept_clusters() {
            all.remove(&id);
        }
    }
}
