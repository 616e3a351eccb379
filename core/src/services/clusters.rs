//! The cluster registry: clusters Berth manages, with their credentials
//! sealed at rest, a connection test before anything is saved, and health
//! as the poller last found it.

use berth_api::{
    validate, ClusterInput, ClusterMethod, ClusterSummary, ErrorCode, FieldError,
    KubeconfigContexts,
};
use chrono::Utc;
use futures::future::join_all;
use sea_query::{Expr, OnConflict, Order, Query, SelectStatement};
use serde::{Deserialize, Serialize};

use super::Services;
use crate::{
    auth::{Permission, Principal, Scope},
    cluster::{self, Access, ConnectError, Credentials, Probe},
    db::{schema::Clusters, DbError},
    Error, Result,
};

/// What the sealed column holds (the URL and the insecure flag are plain).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Sealed {
    #[serde(default)]
    ca_pem: String,
    #[serde(default)]
    credentials: Credentials,
}

/// The associated data that binds sealed access to its column.
const SEAL_CONTEXT: &str = "berth/clusters.access_sealed";

#[derive(sqlx::FromRow)]
struct AccessRow {
    id: i64,
    name: String,
    api_url: String,
    insecure: bool,
    embedded: bool,
    access_sealed: String,
}

fn select_clusters() -> SelectStatement {
    Query::select()
        .columns([
            Clusters::Id,
            Clusters::Name,
            Clusters::Description,
            Clusters::ApiUrl,
            Clusters::AuthKind,
            Clusters::Insecure,
            Clusters::Embedded,
            Clusters::Health,
            Clusters::HealthMessage,
            Clusters::Version,
            Clusters::NodeCount,
            Clusters::CheckedAt,
            Clusters::CreatedAt,
        ])
        .from(Clusters::Table)
        .to_owned()
}

fn validate_names(input: &ClusterInput) -> Vec<FieldError> {
    let mut errors = validate::named_object(&input.name, &input.name, &input.description, true);
    // The display name is the name itself here; report only name and description.
    errors.retain(|e| e.field != "display_name");
    check_access_fields(input, &mut errors);
    errors
}

/// Bounds and characters of what a cluster form carries, checked before
/// any of it is parsed or sent anywhere.
fn check_access_fields(input: &ClusterInput, errors: &mut Vec<FieldError>) {
    validate::text("api_url", input.api_url.trim(), 2048, errors);
    validate::text("context", &input.context, 253, errors);
    validate::text("token", input.token.trim(), validate::SECRET_MAX, errors);
    for (field, value, max) in [
        ("kubeconfig", &input.kubeconfig, validate::KUBECONFIG_MAX),
        ("client_cert", &input.client_cert, validate::SECRET_MAX),
        ("client_key", &input.client_key, validate::SECRET_MAX),
        ("ca_cert", &input.ca_cert, validate::SECRET_MAX),
    ] {
        let before = errors.len();
        validate::max_chars(field, value, max, errors);
        if errors.len() == before {
            validate::printable(field, value, true, errors);
        }
    }
}

/// The field a connection failure belongs beside, for the way the cluster was given.
fn connect_error(e: ConnectError, method: ClusterMethod) -> Error {
    let kubeconfig = method == ClusterMethod::Kubeconfig;
    let (field, code) = match &e {
        ConnectError::Invalid { field, .. } => (*field, ErrorCode::Invalid),
        ConnectError::Unreachable(_) | ConnectError::Other(_) => (
            if kubeconfig { "kubeconfig" } else { "api_url" },
            ErrorCode::ClusterUnreachable,
        ),
        ConnectError::BadCertificate(_) => (
            if kubeconfig { "kubeconfig" } else { "ca_cert" },
            ErrorCode::ClusterCertificate,
        ),
        ConnectError::Unauthorized | ConnectError::Forbidden(_) => {
            let field = match method {
                ClusterMethod::Kubeconfig => "kubeconfig",
                ClusterMethod::Token => "token",
                ClusterMethod::Certificate => "client_cert",
            };
            (field, ErrorCode::ClusterCredentials)
        }
    };
    let message = match e {
        ConnectError::Invalid { message, .. } => message,
        other => other.to_string(),
    };
    Error::field(field, code, message)
}

/// The access the form describes; blank secrets on edit keep `current`'s.
fn access_from_input(input: &ClusterInput, current: Option<&Access>) -> Result<Access> {
    let required = |field: &str, value: &str| -> Option<FieldError> {
        value.trim().is_empty().then(|| FieldError {
            field: field.into(),
            code: ErrorCode::Required,
            message: format!("{field} is required"),
        })
    };
    // Stored secrets are kept only while they go where they went before:
    // a new address, CA or certificate check needs them entered again, so
    // nobody can aim a cluster's credentials at a server of their own.
    let re_aimed = current.is_some_and(|c| {
        input.method == ClusterMethod::Kubeconfig
            || c.api_url != input.api_url.trim()
            || (!input.ca_cert.trim().is_empty() && input.ca_cert.trim() != c.ca_pem.trim())
            || c.insecure != input.insecure
    });
    let stored = current.filter(|_| !re_aimed).map(|a| &a.credentials);
    // A blank secret on edit keeps what is stored.
    let given_or_kept = |given: &str, kept: Option<&String>| match given.trim() {
        "" => kept.cloned().unwrap_or_default(),
        g => g.to_string(),
    };
    let check = |fields: &[(&str, &str)]| {
        Error::check(
            fields
                .iter()
                .filter_map(|(f, v)| required(f, v))
                .map(|mut e| {
                    if re_aimed && e.field != "api_url" {
                        e.message = format!(
                            "enter {} again: the API URL, CA or certificate check changed",
                            e.field
                        );
                    }
                    e
                })
                .collect(),
        )
    };
    let mut access = match input.method {
        ClusterMethod::Kubeconfig => {
            check(&[("kubeconfig", &input.kubeconfig)])?;
            cluster::access_from_kubeconfig(&input.kubeconfig, &input.context)
                .map_err(|e| connect_error(e, input.method))?
        }
        ClusterMethod::Token => {
            let kept = match stored {
                Some(Credentials::Token { token }) => Some(token),
                _ => None,
            };
            let token = given_or_kept(&input.token, kept);
            check(&[("api_url", &input.api_url), ("token", &token)])?;
            Access {
                api_url: input.api_url.trim().to_string(),
                credentials: Credentials::Token { token },
                ..Default::default()
            }
        }
        ClusterMethod::Certificate => {
            let (kept_cert, kept_key) = match stored {
                Some(Credentials::ClientCertificate { cert_pem, key_pem }) => {
                    (Some(cert_pem), Some(key_pem))
                }
                _ => (None, None),
            };
            let cert = given_or_kept(&input.client_cert, kept_cert);
            let key = given_or_kept(&input.client_key, kept_key);
            check(&[
                ("api_url", &input.api_url),
                ("client_cert", &cert),
                ("client_key", &key),
            ])?;
            Access {
                api_url: input.api_url.trim().to_string(),
                credentials: Credentials::ClientCertificate {
                    cert_pem: cert,
                    key_pem: key,
                },
                ..Default::default()
            }
        }
    };
    if input.method != ClusterMethod::Kubeconfig {
        access.ca_pem = match input.ca_cert.trim() {
            "" => current.map(|c| c.ca_pem.clone()).unwrap_or_default(),
            ca => ca.to_string(),
        };
        access.insecure = input.insecure;
    } else {
        access.insecure |= input.insecure;
    }
    if access.api_url.starts_with("http://") && access.credentials != Credentials::None {
        return Err(Error::field(
            "api_url",
            ErrorCode::Invalid,
            "credentials are only sent over https://",
        ));
    }
    Ok(access)
}

impl Services {
    fn seal_access(&self, access: &Access) -> Result<String> {
        let sealed = Sealed {
            ca_pem: access.ca_pem.clone(),
            credentials: access.credentials.clone(),
        };
        let json = serde_json::to_vec(&sealed).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(self.keyring.seal(&json, SEAL_CONTEXT))
    }

    fn open_access(&self, row: &AccessRow) -> Result<Access> {
        let sealed: Sealed = if row.access_sealed.is_empty() {
            Sealed::default()
        } else {
            let plain = self
                .keyring
                .open(&row.access_sealed, SEAL_CONTEXT)
                .map_err(|e| Error::Internal(format!("cluster {}: {e}", row.name)))?;
            serde_json::from_slice(&plain).map_err(|e| Error::Internal(e.to_string()))?
        };
        Ok(Access {
            api_url: row.api_url.clone(),
            ca_pem: sealed.ca_pem,
            insecure: row.insecure,
            credentials: sealed.credentials,
        })
    }

    async fn access_rows(&self, id: Option<i64>) -> Result<Vec<AccessRow>> {
        let mut q = Query::select()
            .columns([
                Clusters::Id,
                Clusters::Name,
                Clusters::ApiUrl,
                Clusters::Insecure,
                Clusters::Embedded,
                Clusters::AccessSealed,
            ])
            .from(Clusters::Table)
            .to_owned();
        if let Some(id) = id {
            q.and_where(Expr::col(Clusters::Id).eq(id));
        }
        Ok(self.db.fetch_all(&q).await?)
    }

    pub(super) async fn find_cluster(&self, id: i64) -> Result<ClusterSummary> {
        self.db
            .fetch_optional(select_clusters().and_where(Expr::col(Clusters::Id).eq(id)))
            .await?
            .ok_or(Error::NotFound)
    }

    /// A cluster operators may edit or remove: not the embedded one, which Berth manages.
    async fn registered_cluster(&self, id: i64) -> Result<AccessRow> {
        let row = self
            .access_rows(Some(id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        if row.embedded {
            return Err(Error::conflict(
                ErrorCode::Invalid,
                "the embedded cluster is managed by Berth",
            ));
        }
        Ok(row)
    }

    /// The access to a cluster by id, credentials opened (for cluster work).
    pub async fn cluster_access(&self, id: i64) -> Result<Access> {
        let row = self
            .access_rows(Some(id))
            .await?
            .pop()
            .ok_or(Error::NotFound)?;
        self.open_access(&row)
    }

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
        self.audited(who, proof, &target, self.insert_cluster(input))
            .await
    }

    async fn insert_cluster(&self, input: ClusterInput) -> Result<ClusterSummary> {
        Error::check(validate_names(&input))?;
        let access = access_from_input(&input, None)?;
        let probe = cluster::probe(&access)
            .await
            .map_err(|e| connect_error(e, input.method))?;
        let now = Utc::now();
        let insert = Query::insert()
            .into_table(Clusters::Table)
            .columns([
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
            ])
            .values_panic([
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
            ])
            .to_owned();
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
        self.audited(who, proof, &target, async {
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
            self.forget_cluster_cache(id).await;
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
        self.audited(who, proof, &target, async {
            self.registered_cluster(id).await?;
            self.db
                .execute(
                    Query::delete()
                        .from_table(Clusters::Table)
                        .and_where(Expr::col(Clusters::Id).eq(id)),
                )
                .await?;
            self.forget_cluster_cache(id).await;
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

    /// Seals again, under the current key, every credential sealed with an
    /// older one (run at start-up, so a rotated key can then be dropped).
    /// Returns how many were resealed.
    pub async fn reseal_cluster_credentials(&self) -> Result<usize> {
        let mut count = 0;
        for row in self.access_rows(None).await? {
            if row.access_sealed.is_empty() || !self.keyring.needs_resealing(&row.access_sealed) {
                continue;
            }
            let access = self.open_access(&row)?;
            self.db
                .execute(
                    Query::update()
                        .table(Clusters::Table)
                        .value(Clusters::AccessSealed, self.seal_access(&access)?)
                        .and_where(Expr::col(Clusters::Id).eq(row.id))
                        .and_where(Expr::col(Clusters::AccessSealed).eq(row.access_sealed.clone())),
                )
                .await?;
            count += 1;
        }
        Ok(count)
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
        let mut q = Query::insert();
        q.into_table(Clusters::Table)
            .columns([
                Clusters::Name,
                Clusters::Description,
                Clusters::ApiUrl,
                Clusters::Embedded,
                Clusters::CreatedAt,
                Clusters::UpdatedAt,
            ])
            .values_panic([
                name.into(),
                "Simulated cluster for demos and tests (berth-kube-sim)".into(),
                api_url.into(),
                true.into(),
                now.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::column(Clusters::Name)
                    .update_columns([Clusters::ApiUrl, Clusters::UpdatedAt])
                    .to_owned(),
            );
        self.db.execute(&q).await?;
        // Its health is known at once: it runs in this process.
        let rows = self.access_rows(None).await?;
        if let Some(row) = rows.iter().find(|r| r.name == name) {
            self.forget_cluster_cache(row.id).await;
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
