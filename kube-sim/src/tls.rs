//! Serving over HTTPS with authentication, as a real API server does:
//! a bearer token, a client certificate signed by a configured CA, or both;
//! any other request (but `/version` and the health checks) is answered
//! 401 Unauthorized. For testing how clients handle credentials, bad
//! certificates and refused tokens.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::status::ApiError;
use crate::Simulator;

/// How a TLS simulator proves itself and whom it lets in.
#[derive(Debug, Clone, Default)]
pub struct Security {
    /// The server's certificate chain (PEM).
    pub cert_pem: String,
    /// The server's private key (PEM).
    pub key_pem: String,
    /// Client certificates signed by this CA (PEM) are accepted.
    pub client_ca_pem: Option<String>,
    /// `Authorization: Bearer <token>` with this token is accepted.
    pub token: Option<String>,
}

/// A self-signed certificate for `127.0.0.1` and `localhost`, and its key (PEM).
pub fn self_signed() -> Result<(String, String), String> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    let cert = rcgen::generate_simple_self_signed(names).map_err(|e| e.to_string())?;
    Ok((cert.cert.pem(), cert.signing_key.serialize_pem()))
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(security: &Security) -> Result<ServerConfig, String> {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(security.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| format!("server certificate: {e}"))?;
    let key = PrivateKeyDer::from_pem_slice(security.key_pem.as_bytes())
        .map_err(|e| format!("server key: {e}"))?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match &security.client_ca_pem {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                roots
                    .add(c.map_err(|e| format!("client CA: {e}"))?)
                    .map_err(|e| format!("client CA: {e}"))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .allow_unauthenticated()
                .build()
                .map_err(|e| format!("client CA: {e}"))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| format!("server certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn open_path(path: &str) -> bool {
    matches!(
        path,
        "/version" | "/healthz" | "/livez" | "/readyz" | "/version/"
    )
}

fn unauthorized() -> Response {
    ApiError {
        code: 401,
        reason: "Unauthorized",
        message: "Unauthorized".into(),
        details: None,
    }
    .into_response()
}

/// Serves `sim` on `listener` over TLS until the future is dropped.
pub async fn serve(
    sim: Simulator,
    listener: TcpListener,
    security: Security,
) -> std::io::Result<()> {
    let config = server_config(&security).map_err(std::io::Error::other)?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let token = security.token.map(|t| format!("Bearer {t}"));
    let certs_allowed = security.client_ca_pem.is_some();
    let open = token.is_none() && !certs_allowed;
    loop {
        let (tcp, _) = listener.accept().await?;
        let acceptor = acceptor.clone();
        let router = sim.router();
        let cluster = std::sync::Arc::clone(sim.cluster());
        let token = token.clone();
        tokio::spawn(async move {
            // A failed handshake (an untrusted or missing certificate) is the client's to report.
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let peer = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| crate::auth::certificate_user(c.as_ref()));
            let has_cert = tls
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            let service = tower::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let router = router.clone();
                let presented = req
                    .headers()
                    .get(http::header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                // A service account's token is accepted as a real API server accepts it.
                let service_account = presented
                    .as_deref()
                    .and_then(|p| p.strip_prefix("Bearer "))
                    .is_some_and(|t| crate::auth::token_user(&cluster, t).is_some());
                let allowed = open
                    || open_path(req.uri().path())
                    || (certs_allowed && has_cert)
                    || (token.is_some() && presented == token)
                    || service_account;
                let mut req = req.map(Body::new);
                if let Some(user) = peer.clone().filter(|_| certs_allowed) {
                    req.extensions_mut()
                        .insert(crate::auth::CertificateUser(user));
                }
                async move {
                    if !allowed {
                        return Ok::<_, Infallible>(unauthorized());
                    }
                    router.oneshot(req).await
                }
            });
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection_with_upgrades(
                    TokioIo::new(tls),
                    TowerToHyperService::new(service),
                )
                .await;
        });
    }
}
