//! How Berth reaches a registered cluster: the access a form describes,
//! its credentials sealed at rest and opened for cluster work, and
//! resealing under a rotated key.

use berth_api::{
    validate, ClusterInput, ClusterMethod, ClusterSummary, Detail, ErrorCode, FieldError,
};
use sea_query::{Expr, Query, SelectStatement};
use serde::{Deserialize, Serialize};

use crate::{
    db::schema::Clusters,
    kube::{self as cluster, Access, ConnectError, Credentials},
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
pub(super) struct AccessRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) api_url: String,
    pub(super) insecure: bool,
    pub(super) embedded: bool,
    pub(super) access_sealed: String,
}

pub(super) fn select_clusters() -> SelectStatement {
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
            Clusters::OvercommitPercent,
            Clusters::IngressNamespace,
        ])
        .from(Clusters::Table)
        .to_owned()
}

pub(super) fn validate_names(input: &ClusterInput) -> Vec<FieldError> {
    let mut errors = validate::named_object(&input.name, &input.name, &input.description, true);
    // The display name is the name itself here; report only name and description.
    errors.retain(|e| e.field != "display_name");
    check_access_fields(input, &mut errors);
    errors
}

/// Bounds and characters of what a cluster form carries, checked before
/// any of it is parsed or sent anywhere.
pub(super) fn check_access_fields(input: &ClusterInput, errors: &mut Vec<FieldError>) {
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
pub(super) fn connect_error(e: ConnectError, method: ClusterMethod) -> Error {
    let kubeconfig = method == ClusterMethod::Kubeconfig;
    let (field, code) = match &e {
        ConnectError::Invalid {
            field,
            detail: Detail::NoKubeconfig,
        } => (*field, ErrorCode::Required),
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
    // Berth's words for what went wrong and what to do; what the
    // connection said (an OS error, a TLS alert) goes to the log.
    let message = match e {
        ConnectError::Invalid { detail, .. } => {
            return Error::Validation(vec![FieldError::detailed(field, code, detail)])
        }
        other => {
            tracing::info!(error = %other, field, "cluster connection test failed");
            match other {
                ConnectError::Unreachable(_) => {
                    "nothing answered at the API URL: check the address and that Berth can reach it"
                        .into()
                }
                ConnectError::BadCertificate(_) => {
                    "the API server's certificate is not trusted: give the cluster's CA certificate"
                        .into()
                }
                ConnectError::Unauthorized => "the cluster refused these credentials".into(),
                ConnectError::Forbidden(what) => format!("these credentials may not {what}"),
                _ => "the API server did not accept the connection test".into(),
            }
        }
    };
    Error::field(field, code, message)
}

/// The access the form describes; blank secrets on edit keep `current`'s.
pub(super) fn access_from_input(input: &ClusterInput, current: Option<&Access>) -> Result<Access> {
    let required = |field: &str, value: &str| -> Option<FieldError> {
        value.trim().is_empty().then(|| FieldError {
            field: field.into(),
            code: ErrorCode::Required,
            message: format!("{field} is required"),
            detail: None,
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

impl super::Clusters<'_> {
    pub(super) fn seal_access(&self, access: &Access) -> Result<String> {
        let sealed = Sealed {
            ca_pem: access.ca_pem.clone(),
            credentials: access.credentials.clone(),
        };
        let json = serde_json::to_vec(&sealed).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(self.keyring.seal(&json, SEAL_CONTEXT))
    }

    pub(super) fn open_access(&self, row: &AccessRow) -> Result<Access> {
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

    pub(super) async fn access_rows(&self, id: Option<i64>) -> Result<Vec<AccessRow>> {
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
    pub(super) async fn registered_cluster(&self, id: i64) -> Result<AccessRow> {
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
}
