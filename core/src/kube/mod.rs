//! Cluster access through kube-rs.
//!
//! Berth talks to every cluster, real or the embedded simulator, through the
//! same code: a `kube::Client` built from the registered endpoint and its
//! credentials ([`Access`]). Connection failures are sorted into what the
//! operator can act on ([`ConnectError`]): an address that does not answer,
//! a certificate that is not trusted, credentials that are refused.

pub mod cache;
pub mod pods;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use berth_api::{Detail, ErrorCode, FieldError};
use k8s_openapi::api::core::v1::Node;
use kube::api::ListParams;
use kube::config::{AuthInfo, Kubeconfig};
use kube::{Api, Client, Config};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::Error;

/// A Kubernetes object name that came from outside (a page, an API
/// call), checked as the API server checks it: a DNS-1123 subdomain of at
/// most 253 characters. Only such names go into a cluster's URLs, where
/// they need no escaping, so `n1/status` or `n1?watch=true` can never name
/// another resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectName(String);

impl ObjectName {
    pub fn parse(field: &str, value: &str) -> Result<ObjectName, Vec<berth_api::FieldError>> {
        let mut fields = vec![];
        berth_api::validate::dns1123_subdomain(field, value, &mut fields);
        if fields.is_empty() {
            Ok(ObjectName(value.to_owned()))
        } else {
            Err(fields)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How Berth proves itself to a cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Credentials {
    /// No credentials (the embedded simulator, or an open test cluster).
    #[default]
    None,
    /// A bearer token (e.g. a ServiceAccount token).
    Token { token: String },
    /// A client certificate and its private key (PEM).
    ClientCertificate { cert_pem: String, key_pem: String },
}

impl Credentials {
    /// `none`, `token` or `client_certificate`.
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::Token { .. } => "token",
            Credentials::ClientCertificate { .. } => "client_certificate",
        }
    }
}

/// Everything needed to reach one cluster. The secret parts are sealed at rest.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// `https://host:port` (or `http://` for the embedded simulator).
    pub api_url: String,
    /// The CA that signs the API server's certificate (PEM); empty: the system roots.
    #[serde(default)]
    pub ca_pem: String,
    /// Skip verifying the server's certificate (must be asked for explicitly).
    #[serde(default)]
    pub insecure: bool,
    #[serde(default)]
    pub credentials: Credentials,
}

/// Why a cluster could not be used, sorted by what the operator can fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// The URL, CA, certificate or key is malformed.
    #[error("{field}: {detail}")]
    Invalid { field: &'static str, detail: Detail },
    /// Nothing answered at the address (refused, no route, DNS, timeout).
    #[error("cannot reach the API server: {0}")]
    Unreachable(String),
    /// TLS failed: the server's certificate is not trusted, or ours was refused.
    #[error("TLS handshake failed: {0}")]
    BadCertificate(String),
    /// The API server answered 401: the credentials are not accepted.
    #[error("the cluster refused these credentials (401 Unauthorized)")]
    Unauthorized,
    /// The API server answered 403: the credentials lack a permission Berth needs.
    #[error("these credentials may not {0}")]
    Forbidden(String),
    /// Anything else the API server answered.
    #[error("the API server answered {0}")]
    Other(String),
}

impl ConnectError {
    /// The stable health word shown for a cluster: `unreachable`,
    /// `bad_certificate`, `unauthorized`, `forbidden` or `error`.
    pub fn health(&self) -> &'static str {
        match self {
            ConnectError::Unreachable(_) => "unreachable",
            ConnectError::BadCertificate(_) => "bad_certificate",
            ConnectError::Unauthorized => "unauthorized",
            ConnectError::Forbidden(_) => "forbidden",
            ConnectError::Invalid { .. } | ConnectError::Other(_) => "error",
        }
    }

    /// What the user is told of it.
    pub fn problem(&self) -> berth_api::ClusterProblem {
        use berth_api::ClusterProblem as P;
        match self {
            ConnectError::Unreachable(_) => P::Unreachable,
            ConnectError::BadCertificate(_) => P::BadCertificate,
            ConnectError::Unauthorized => P::Unauthorized,
            ConnectError::Forbidden(_) => P::Forbidden,
            ConnectError::Invalid { .. } | ConnectError::Other(_) => P::Error,
        }
    }
}

/// What a live probe of a cluster found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub version: String,
    pub node_count: u32,
}

fn pem_certs(pem: &str, field: &'static str) -> Result<Vec<Vec<u8>>, ConnectError> {
    let certs: Vec<Vec<u8>> = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|c| c.map(|c| c.as_ref().to_vec()))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            tracing::info!(field, error = %e, "PEM refused");
            ConnectError::Invalid {
                field,
                detail: Detail::NotPemCertificate,
            }
        })?;
    if certs.is_empty() {
        return Err(ConnectError::Invalid {
            field,
            detail: Detail::NotPemCertificate,
        });
    }
    Ok(certs)
}

/// A kube client for `access`; fails only on malformed input.
pub fn client_for(access: &Access) -> Result<Client, ConnectError> {
    let url = access
        .api_url
        .parse::<http::Uri>()
        .ok()
        .filter(|u| matches!(u.scheme_str(), Some("https") | Some("http")) && u.host().is_some())
        .ok_or(ConnectError::Invalid {
            field: "api_url",
            detail: Detail::ApiUrlForm,
        })?;
    let mut config = Config::new(url);
    config.connect_timeout = Some(Duration::from_secs(3));
    config.read_timeout = Some(Duration::from_secs(10));
    // kube's default retries 429, 503 and 504 fifteen times with backoff
    // growing to minutes: a cluster answering 503 would hold a portal
    // request that long. Berth answers "unavailable" at once; the person,
    // or the reconciler's next pass, tries again.
    config.default_retry = false;
    config.accept_invalid_certs = access.insecure;
    if !access.ca_pem.trim().is_empty() {
        config.root_cert = Some(pem_certs(&access.ca_pem, "ca_cert")?);
    }
    config.auth_info = match &access.credentials {
        Credentials::None => AuthInfo::default(),
        Credentials::Token { token } => {
            // It becomes an HTTP header: visible ASCII only, or the client
            // refuses it much later, less politely.
            if !token.trim().bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConnectError::Invalid {
                    field: "token",
                    detail: Detail::TokenCharacters,
                });
            }
            AuthInfo {
                token: Some(SecretString::from(token.trim().to_string())),
                ..Default::default()
            }
        }
        Credentials::ClientCertificate { cert_pem, key_pem } => {
            pem_certs(cert_pem, "client_cert")?;
            if !key_pem.contains("PRIVATE KEY-----") {
                return Err(ConnectError::Invalid {
                    field: "client_key",
                    detail: Detail::NotPemKey,
                });
            }
            AuthInfo {
                client_certificate_data: Some(STANDARD.encode(cert_pem)),
                client_key_data: Some(SecretString::from(STANDARD.encode(key_pem))),
                ..Default::default()
            }
        }
    };
    Client::try_from(config).map_err(|e| classify(&e))
}

/// The one mapping of a failed call on a registered cluster to Berth's
/// error: a missing object is not found; a write refused because the
/// object changed meanwhile (409) says to reload; a write the API server
/// finds invalid (400, 422) is a field error on `field`; anything else
/// (the cluster does not answer, refuses Berth's credentials, ...) is
/// unavailable, its cause logged, never shown.
pub fn api_error(e: kube::Error, field: &'static str) -> Error {
    match e {
        kube::Error::Api(s) if s.code == 404 => Error::NotFound,
        kube::Error::Api(s) if s.code == 409 => changed(),
        kube::Error::Api(s) if s.code == 422 || s.code == 400 => {
            Error::Validation(vec![FieldError::detailed(
                field,
                ErrorCode::Invalid,
                Detail::ClusterRefused { message: s.message },
            )])
        }
        other => unavailable(classify(&other)),
    }
}

/// The object changed in the cluster while Berth was changing it.
pub fn changed() -> Error {
    Error::conflict(
        ErrorCode::Changed,
        "it changed while this was being saved: reload it and try again",
    )
}

/// A cluster that cannot be used now: the cause goes to the log (and the
/// cluster's health), the caller is told the cluster is unavailable.
pub fn unavailable(e: ConnectError) -> Error {
    Error::ClusterUnavailable(e)
}

/// Sorts a kube error by what the operator can do about it.
pub fn classify(e: &kube::Error) -> ConnectError {
    if let kube::Error::Api(s) = e {
        return match s.code {
            401 => ConnectError::Unauthorized,
            403 => ConnectError::Forbidden(s.message.clone()),
            _ => ConnectError::Other(format!("{} {}", s.code, s.message)),
        };
    }
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let lower = chain.to_lowercase();
    if lower.contains("received fatal alert") {
        // The server ended the handshake: it refused our client certificate.
        return ConnectError::Unauthorized;
    }
    let tls = [
        "certificate",
        "unknownissuer",
        "tls",
        "handshake",
        "invalid peer",
    ];
    let net = [
        "connection refused",
        "connect",
        "dns",
        "timed out",
        "timeout",
        "no route",
        "unreachable",
        "resolve",
    ];
    if tls.iter().any(|w| lower.contains(w)) {
        ConnectError::BadCertificate(summary(&chain))
    } else if net.iter().any(|w| lower.contains(w)) {
        ConnectError::Unreachable(summary(&chain))
    } else {
        ConnectError::Other(summary(&chain))
    }
}

/// The most telling part of an error chain (its last link, which names the cause).
fn summary(chain: &str) -> String {
    chain
        .rsplit(": ")
        .find(|s| !s.trim().is_empty())
        .unwrap_or(chain)
        .trim()
        .to_string()
}

/// Asks the API server for its version and lists the nodes: the connection
/// test before a cluster is saved, and the health check after.
#[tracing::instrument(skip_all, fields(api_url = %access.api_url))]
pub async fn probe(access: &Access) -> Result<Probe, ConnectError> {
    let client = client_for(access)?;
    let version = client.apiserver_version().await.map_err(|e| classify(&e))?;
    let nodes: Api<Node> = Api::all(client);
    let list = nodes
        .list_metadata(&ListParams::default())
        .await
        .map_err(|e| match classify(&e) {
            ConnectError::Forbidden(_) => ConnectError::Forbidden("list nodes".into()),
            other => other,
        })?;
    Ok(Probe {
        version: version.git_version,
        node_count: u32::try_from(list.items.len()).unwrap_or(u32::MAX),
    })
}

/// The contexts of a kubeconfig, and which is current.
pub fn kubeconfig_contexts(yaml: &str) -> Result<(Vec<String>, Option<String>), ConnectError> {
    let kc = parse_kubeconfig(yaml)?;
    Ok((
        kc.contexts.iter().map(|c| c.name.clone()).collect(),
        kc.current_context,
    ))
}

fn parse_kubeconfig(yaml: &str) -> Result<Kubeconfig, ConnectError> {
    if yaml.trim().is_empty() {
        return Err(ConnectError::Invalid {
            field: "kubeconfig",
            detail: Detail::NoKubeconfig,
        });
    }
    let kc = Kubeconfig::from_yaml(yaml).map_err(|e| {
        tracing::info!(error = %e, "kubeconfig refused");
        ConnectError::Invalid {
            field: "kubeconfig",
            detail: Detail::NotKubeconfig,
        }
    })?;
    if kc.contexts.is_empty() {
        return Err(ConnectError::Invalid {
            field: "kubeconfig",
            detail: Detail::NoContexts,
        });
    }
    Ok(kc)
}

fn decode(field: &'static str, what: &str, b64: &str) -> Result<String, ConnectError> {
    STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ConnectError::Invalid {
            field,
            detail: Detail::NotBase64Pem { what: what.into() },
        })
}

/// The access a kubeconfig gives through `context` (empty: its current
/// context). Only what can be stored is accepted: embedded certificate and
/// key data or a token; file references and exec plugins are refused by name.
pub fn access_from_kubeconfig(yaml: &str, context: &str) -> Result<Access, ConnectError> {
    let kc = parse_kubeconfig(yaml)?;
    let wanted = if context.trim().is_empty() {
        kc.current_context.clone().unwrap_or_default()
    } else {
        context.trim().to_string()
    };
    let names: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
    let ctx = kc
        .contexts
        .iter()
        .find(|c| c.name == wanted)
        .and_then(|c| c.context.as_ref())
        .ok_or_else(|| ConnectError::Invalid {
            field: "context",
            detail: Detail::NoSuchContext {
                wanted: wanted.clone(),
                known: names.iter().map(|n| n.to_string()).collect(),
            },
        })?;
    let refuse = |field: &'static str, detail: Detail| Err(ConnectError::Invalid { field, detail });
    let Some(cluster) = kc
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.as_ref())
    else {
        return refuse(
            "context",
            Detail::MissingCluster {
                context: wanted.clone(),
                cluster: ctx.cluster.clone(),
            },
        );
    };
    if cluster.certificate_authority.is_some() {
        return refuse("kubeconfig", Detail::CaIsFile);
    }
    let ca_pem = match &cluster.certificate_authority_data {
        Some(d) => decode("kubeconfig", "certificate-authority-data", d)?,
        None => String::new(),
    };
    let user_name = ctx.user.clone().unwrap_or_default();
    let user = kc
        .auth_infos
        .iter()
        .find(|u| u.name == user_name)
        .and_then(|u| u.auth_info.clone())
        .unwrap_or_default();
    if user.exec.is_some() || user.auth_provider.is_some() {
        return refuse(
            "kubeconfig",
            Detail::CredentialPlugin {
                user: user_name.clone(),
            },
        );
    }
    if user.token_file.is_some() || user.client_certificate.is_some() || user.client_key.is_some() {
        return refuse(
            "kubeconfig",
            Detail::CredentialFiles {
                user: user_name.clone(),
            },
        );
    }
    if user.username.is_some() || user.password.is_some() {
        return refuse("kubeconfig", Detail::BasicAuth);
    }
    let credentials = match (
        &user.token,
        &user.client_certificate_data,
        &user.client_key_data,
    ) {
        (Some(t), _, _) => Credentials::Token {
            token: t.expose_secret().to_string(),
        },
        (None, Some(cert), Some(key)) => Credentials::ClientCertificate {
            cert_pem: decode("kubeconfig", "client-certificate-data", cert)?,
            key_pem: decode("kubeconfig", "client-key-data", key.expose_secret())?,
        },
        (None, Some(_), None) => {
            return refuse(
                "kubeconfig",
                Detail::CertWithoutKey {
                    user: user_name.clone(),
                },
            )
        }
        _ => Credentials::None,
    };
    Ok(Access {
        api_url: cluster.server.clone().unwrap_or_default(),
        ca_pem,
        insecure: cluster.insecure_skip_tls_verify.unwrap_or(false),
        credentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI=
- name: dev
  cluster:
    server: https://dev:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: abc.def
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
contexts:
- name: prod-admin
  context: {cluster: prod, user: admin}
- name: dev-plugin
  context: {cluster: dev, user: plugin}
current-context: prod-admin
";

    #[test]
    fn reads_contexts_and_refuses_what_cannot_be_stored() {
        let (names, current) = kubeconfig_contexts(KUBECONFIG).unwrap();
        assert_eq!(names, ["prod-admin", "dev-plugin"]);
        assert_eq!(current.as_deref(), Some("prod-admin"));
        let access = access_from_kubeconfig(KUBECONFIG, "").unwrap();
        assert_eq!(access.api_url, "https://10.0.0.1:6443");
        assert_eq!(
            access.credentials,
            Credentials::Token {
                token: "abc.def".into()
            }
        );
        assert!(access.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let plugin = access_from_kubeconfig(KUBECONFIG, "dev-plugin").unwrap_err();
        assert!(
            matches!(
                &plugin,
                ConnectError::Invalid {
                    field: "kubeconfig",
                    detail: Detail::CredentialPlugin { .. }
                }
            ),
            "{plugin:?}"
        );
        let missing = access_from_kubeconfig(KUBECONFIG, "nope").unwrap_err();
        assert!(
            matches!(&missing, ConnectError::Invalid { field: "context", detail } if detail.to_string().contains("prod-admin, dev-plugin"))
        );
        assert!(matches!(
            access_from_kubeconfig("not: [yaml", ""),
            Err(ConnectError::Invalid {
                field: "kubeconfig",
                ..
            })
        ));
    }

    #[test]
    fn malformed_access_names_the_field() {
        let bad_url = Access {
            api_url: "10.0.0.1".into(),
            ..Default::default()
        };
        assert!(matches!(
            client_for(&bad_url),
            Err(ConnectError::Invalid {
                field: "api_url",
                ..
            })
        ));
        let bad_ca = Access {
            api_url: "https://a:6443".into(),
            ca_pem: "junk".into(),
            ..Default::default()
        };
        assert!(matches!(
            client_for(&bad_ca),
            Err(ConnectError::Invalid {
                field: "ca_cert",
                ..
            })
        ));
    }
}
