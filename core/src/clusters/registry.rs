//! The cluster registry: clusters Berth manages, with their credentials
//! sealed at rest, a connection test before anything is saved, and health
//! as the poller last found it.

use berth_api::{
    validate, ClusterInput, ClusterMethod, ClusterSummary, ClusterTenancyInput, ErrorCode,
    FieldError, KubeconfigContexts,
};
use chrono::Utc;
use futures::future::join_all;
use sea_query::{Expr, OnConflict, Order, Query};

use crate::auth::Authorized;
use crate::{
    auth::{Permission, Principal, Scope},
    db::{schema::Clusters, DbError},
    kube::{self as cluster, ConnectError, Probe},
    Error, Result,
};

use super::access::{access_from_input, connect_error, select_clusters, validate_names, AccessRow};

impl super::Clusters<'_> {
    /// Every registered cluster with its health as last polled.
    pub async fn list_clusters(&self, who: &Principal) -> Result<Vec<ClusterSummary>> {
        self.authorize(who, Permission::ClusterRead, Scope::Platform, "clusters")
            .await?;
        Ok(self
            .db
            .fetch_all(select_clusters().order_by(Clusters::Name, Order::Asc))
            .await?)
    }

    /// The contexts of an uploaded kubeconfig, for the form's chooser.
    pub async fn kubeconfig_contexts(
        &self,
        who: &Principal,
        yaml: &str,
    ) -> Result<KubeconfigContexts> {
        self.authorize(who, Permission::ClusterCreate, Scope::Platform, "clusters")
            .await?;
        let mut fields = vec![];
        validate::max_chars("kubeconfig", yaml, validate::KUBECONFIG_MAX, &mut fields);
        Error::check(fields)?;
        let (contexts, current) = cluster::kubeconfig_contexts(yaml)
            .map_err(|e| connect_error(e, ClusterMethod::Kubeconfig))?;
        Ok(KubeconfigContexts { contexts, current })
    }

    /// Registers a cluster once a connection with the given access works.
    pub async fn create_cluster(
        &self,
        who: &Principal,
        input: ClusterInput,
    ) -> Result<ClusterSummary> {
        let target = format!("cluster/{}", input.name.trim());
        let proof = self
            .authorize(who, Permission::ClusterCreate, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            self.insert_cluster(proof, input).await
        })
        .await
    }

    async fn insert_cluster(
        &self,
        proof: &Authorized,
        input: ClusterInput,
    ) -> Result<ClusterSummary> {
        proof.expect(Permission::ClusterCreate, Scope::Platform);
        Error::check(validate_names(&input))?;
        let access = access_from_input(&input, None)?;
        let probe = cluster::probe(&access)
            .await
            .map_err(|e| connect_error(e, input.method))?;
        let now = Utc::now();
        let insert = crate::db::insert_row(
            Clusters::Table,
            [
                Clusters::Name,
                Clusters::Description,
                Clusters::ApiUrl,
                Clusters::AuthKind,
                Clusters::AccessSealed,
                Clusters::Insecure,
                Clusters::Embedded,
                Clusters::Health,
                Clusters::HealthMessage,
                Clusters::Version,
                Clusters::NodeCount,
                Clusters::CheckedAt,
                Clusters::CreatedAt,
                Clusters::UpdatedAt,
            ],
            [
                input.name.trim().into(),
                input.description.trim().into(),
                access.api_url.clone().into(),
                access.credentials.kind().into(),
                self.seal_access(&access)?.into(),
                access.insecure.into(),
                false.into(),
                "healthy".into(),
                "".into(),
                probe.version.into(),
                i64::from(probe.node_count).into(),
                now.into(),
                now.into(),
                now.into(),
            ],
        );
        let id = match self.db.insert(insert).await {
            Err(DbError::UniqueViolation) => {
                return Err(Error::field(
                    "name",
                    ErrorCode::Taken,
                    format!("a cluster named {} already exists", input.name.trim()),
                ))
            }
            other => other?,
        };
        self.find_cluster(id).await
    }

    /// Changes a cluster's description, address or credentials (tested first).
    pub async fn update_cluster(
        &self,
        who: &Principal,
        id: i64,
        input: ClusterInput,
    ) -> Result<ClusterSummary> {
        let target = format!("cluster/{id}");
        let proof = self
            .authorize(who, Permission::ClusterUpdate, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::ClusterUpdate, Scope::Platform);
            let row = self.registered_cluster(id).await?;
            let mut errors = validate_names(&input);
            errors.retain(|e| e.field != "name");
            Error::check(errors)?;
            let current = self.open_access(&row)?;
            let access = access_from_input(&input, Some(&current))?;
            let probe = cluster::probe(&access)
                .await
                .map_err(|e| connect_error(e, input.method))?;
            let now = Utc::now();
            self.db
                .execute(
                    Query::update()
                        .table(Clusters::Table)
                        .values([
                            (Clusters::Description, input.description.trim().into()),
                            (Clusters::ApiUrl, access.api_url.clone().into()),
                            (Clusters::AuthKind, access.credentials.kind().into()),
                            (Clusters::AccessSealed, self.seal_access(&access)?.into()),
                            (Clusters::Insecure, access.insecure.into()),
                            (Clusters::Health, "healthy".into()),
                            (Clusters::HealthMessage, "".into()),
                            (Clusters::Version, probe.version.into()),
                            (Clusters::NodeCount, i64::from(probe.node_count).into()),
                            (Clusters::CheckedAt, now.into()),
                            (Clusters::UpdatedAt, now.into()),
                        ])
                        .and_where(Expr::col(Clusters::Id).eq(id)),
                )
                .await?;
            self.forget_cluster(id);
            self.find_cluster(id).await
        })
        .await
    }

    /// Sets how a cluster is shared: the overcommit ratio domains' quotas
    /// are bounded by, and the ingress controller's namespace.
    pub async fn update_cluster_tenancy(
        &self,
        who: &Principal,
        id: i64,
        input: ClusterTenancyInput,
    ) -> Result<ClusterSummary> {
        let target = format!("cluster/{id}/tenancy");
        let proof = self
            .authorize(who, Permission::ClusterUpdate, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::ClusterUpdate, Scope::Platform);
            // The embedded cluster too: its sharing is the operators' choice.
            self.find_cluster(id).await?;
            let mut errors = vec![];
            if !(1..=1000).contains(&input.overcommit_percent) {
                errors.push(FieldError {
                    field: "overcommit_percent".into(),
                    code: ErrorCode::OutOfRange,
                    message: "overcommit_percent must be from 1 to 1000".into(),
                    detail: None,
                });
            }
            validate::dns1123_label("ingress_namespace", &input.ingress_namespace, &mut errors);
            Error::check(errors)?;
            self.db
                .execute(
                    Query::update()
                        .table(Clusters::Table)
                        .values([
                            (Clusters::OvercommitPercent, input.overcommit_percent.into()),
                            (Clusters::IngressNamespace, input.ingress_namespace.into()),
                            (Clusters::UpdatedAt, Utc::now().into()),
                        ])
                        .and_where(Expr::col(Clusters::Id).eq(id)),
                )
                .await?;
            self.find_cluster(id).await
        })
        .await
    }

    /// Removes a cluster from the registry (the cluster itself is untouched).
    pub async fn delete_cluster(&self, who: &Principal, id: i64) -> Result<()> {
        let target = format!("cluster/{id}");
        let proof = self
            .authorize(who, Permission::ClusterDelete, Scope::Platform, &target)
            .await?;
        self.audited(who, proof, &target, async |proof| {
            proof.expect(Permission::ClusterDelete, Scope::Platform);
            self.registered_cluster(id).await?;
            self.db
                .execute(
                    Query::delete()
                        .from_table(Clusters::Table)
                        .and_where(Expr::col(Clusters::Id).eq(id)),
                )
                .await?;
            self.forget_cluster(id);
            Ok(())
        })
        .await
    }

    /// Probes one cluster now and records what it found.
    pub async fn check_cluster(&self, who: &Principal, id: i64) -> Result<ClusterSummary> {
        self.authorize(
            who,
            Permission::ClusterRead,
            Scope::Platform,
            &format!("cluster/{id}"),
        )
        .await?;
        let row = self
            .access_rows(Some(id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        self.record_health(&row).await?;
        self.find_cluster(id).await
    }

    async fn record_health(&self, row: &AccessRow) -> Result<()> {
        let result: std::result::Result<Probe, ConnectError> = match self.open_access(row) {
            Ok(access) => cluster::probe(&access).await,
            Err(e) => Err(ConnectError::Other(e.to_string())),
        };
        let (health, message, version, nodes) = match result {
            Ok(p) => (
                "healthy",
                String::new(),
                Some(p.version),
                Some(i64::from(p.node_count)),
            ),
            Err(e) => (e.health(), e.to_string(), None, None),
        };
        let mut values = vec![
            (Clusters::Health, health.into()),
            (Clusters::HealthMessage, message.into()),
            (Clusters::NodeCount, nodes.into()),
            (Clusters::CheckedAt, Utc::now().into()),
        ];
        if let Some(v) = version {
            values.push((Clusters::Version, v.into()));
        }
        self.db
            .execute(
                Query::update()
                    .table(Clusters::Table)
                    .values(values)
                    .and_where(Expr::col(Clusters::Id).eq(row.id)),
            )
            .await?;
        Ok(())
    }

    /// The health poller's work: probes every cluster at once and records
    /// the results. Returns how many were healthy.
    pub async fn refresh_cluster_health(&self) -> Result<usize> {
        let rows = self.access_rows(None).await?;
        let results = join_all(rows.iter().map(|row| async move {
            let ok = self.record_health(row).await.is_ok();
            ok && self
                .find_cluster(row.id)
                .await
                .is_ok_and(|c| c.health == "healthy")
        }))
        .await;
        Ok(results.into_iter().filter(|ok| *ok).count())
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
        let now = Utc::now();
        let mut q = crate::db::insert_row(
            Clusters::Table,
            [
                Clusters::Name,
                Clusters::Description,
                Clusters::ApiUrl,
                Clusters::Embedded,
                Clusters::CreatedAt,
                Clusters::UpdatedAt,
            ],
            [
                name.into(),
                "Simulated cluster for demos and tests (berth-kube-sim)".into(),
                api_url.into(),
                true.into(),
                now.into(),
                now.into(),
            ],
        );
        q.on_conflict(
            OnConflict::column(Clusters::Name)
                .update_columns([Clusters::ApiUrl, Clusters::UpdatedAt])
                .to_owned(),
        );
        self.db.execute(&q).await?;
        // Its health is known at once: it runs in this process.
        let rows = self.access_rows(None).await?;
        if let Some(row) = rows.iter().find(|r| r.name == name) {
            self.forget_cluster(row.id);
            self.record_health(row).await?;
        }
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
