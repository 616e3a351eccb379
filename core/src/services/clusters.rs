//! The cluster registry: clusters Berth manages, probed live for the list.

use berth_api::ClusterSummary;
use chrono::Utc;
use futures::future::join_all;
use sea_query::{Expr, OnConflict, Order, Query};

use super::Services;
use crate::{
    auth::{Permission, Principal, Scope},
    cluster,
    db::schema::Clusters,
    Result,
};

#[derive(sqlx::FromRow)]
struct ClusterRow {
    id: i64,
    name: String,
    api_url: String,
}

impl Services {
    /// Every registered cluster with its version, node count and whether it
    /// answered, probed concurrently.
    pub async fn list_clusters(&self, who: &Principal) -> Result<Vec<ClusterSummary>> {
        self.authorize(who, Permission::ClusterRead, Scope::Platform, "clusters")
            .await?;
        let rows: Vec<ClusterRow> = self
            .db
            .fetch_all(
                Query::select()
                    .columns([Clusters::Id, Clusters::Name, Clusters::ApiUrl])
                    .from(Clusters::Table)
                    .order_by(Clusters::Name, Order::Asc),
            )
            .await?;
        Ok(join_all(rows.into_iter().map(|row| async move {
            let probe = cluster::probe(&row.api_url).await;
            let (version, node_count, error) = match probe {
                Ok(p) => (Some(p.version), Some(p.node_count), None),
                Err(e) => (None, None, Some(e)),
            };
            ClusterSummary {
                id: row.id,
                name: row.name,
                api_url: row.api_url,
                reachable: error.is_none(),
                version,
                node_count,
                error,
            }
        }))
        .await)
    }

    /// Registers (or re-points) the embedded simulated cluster. It listens
    /// on a new port at every start, so its URL is updated each time.
    pub async fn register_embedded_cluster(&self, name: &str, api_url: &str) -> Result<()> {
        let existing: Option<bool> = self
            .db
            .fetch_optional::<(bool,)>(
                Query::select()
                    .column(Clusters::Embedded)
                    .from(Clusters::Table)
                    .and_where(Expr::col(Clusters::Name).eq(name)),
            )
            .await?
            .map(|(embedded,)| embedded);
        if existing == Some(false) {
            tracing::warn!(
                name,
                "a registered cluster has the embedded cluster's name; leaving it alone"
            );
            return Ok(());
        }
        let mut q = Query::insert();
        q.into_table(Clusters::Table)
            .columns([
                Clusters::Name,
                Clusters::ApiUrl,
                Clusters::Embedded,
                Clusters::CreatedAt,
            ])
            .values_panic([name.into(), api_url.into(), true.into(), Utc::now().into()])
            .on_conflict(
                OnConflict::column(Clusters::Name)
                    .update_column(Clusters::ApiUrl)
                    .to_owned(),
            );
        self.db.execute(&q).await?;
        Ok(())
    }

    /// Removes the embedded cluster's entry if present (used when the
    /// embedded simulator is turned off).
    pub async fn forget_embedded_clusters(&self) -> Result<()> {
        self.db
            .execute(
                Query::delete()
                    .from_table(Clusters::Table)
                    .and_where(Expr::col(Clusters::Embedded).eq(true)),
            )
            .await?;
        Ok(())
    }
}
