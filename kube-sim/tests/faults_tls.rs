//! Fault injection and authentication, as clients see them through kube-rs:
//! slow and failing answers, dropped connections, watches that close or
//! expire; and a TLS simulator that lets in only a bearer token or a client
//! certificate from its CA, and is refused by clients that do not trust it.

mod common;

use std::time::{Duration, Instant};

use berth_kube_sim::faults::{Effect, Fault};
use berth_kube_sim::tls::{self, Security};
use berth_kube_sim::{SimConfig, Simulator};
use common::{api_error, sim_client};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{Namespace, Node};
use kube::api::{Api, ListParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

#[tokio::test]
async fn injected_faults_reach_the_client() {
    let (sim, client) = sim_client(SimConfig::default());
    let nodes: Api<Node> = Api::all(client.clone());
    sim.faults().add(
        Fault::always(Effect::Error { code: 503 })
            .on_path("/nodes")
            .times(1),
    );
    let e = api_error(nodes.list(&ListParams::default()).await, "injected 503");
    assert_eq!((e.code, e.reason.as_str()), (503, "ServiceUnavailable"));
    assert!(
        nodes.list(&ListParams::default()).await.is_ok(),
        "the fault was used up"
    );

    sim.faults().add(
        Fault::always(Effect::Latency { millis: 300 })
            .on_method("GET")
            .times(1),
    );
    let started = Instant::now();
    assert!(nodes.list(&ListParams::default()).await.is_ok());
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "no latency"
    );

    sim.faults()
        .add(Fault::always(Effect::DropConnection).times(1));
    match nodes.list(&ListParams::default()).await {
        Err(kube::Error::Api(s)) => panic!("a dropped connection is no API answer: {s:?}"),
        Err(_) => {}
        Ok(_) => panic!("a dropped connection gave a list"),
    }

    sim.faults()
        .add(Fault::always(Effect::Gone).on_watch().times(1));
    let mut gone = nodes
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .boxed();
    match gone.try_next().await {
        Ok(Some(WatchEvent::Error(s))) => assert_eq!(s.code, 410),
        other => panic!("expected a 410 event, got {other:?}"),
    }

    sim.faults().add(
        Fault::always(Effect::CloseWatch { after_events: 2 })
            .on_watch()
            .times(1),
    );
    let events: Vec<_> = nodes
        .watch(&WatchParams::default(), "0")
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .collect()
        .await;
    assert_eq!(events.len(), 2, "the watch closed after two events");

    sim.faults().add(Fault::always(Effect::Error { code: 500 }));
    assert_eq!(
        api_error(nodes.list(&ListParams::default()).await, "500").code,
        500
    );
    sim.faults().clear();
    assert!(nodes.list(&ListParams::default()).await.is_ok(), "cleared");
}

fn ca() -> (String, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| panic!("{e}"));
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap_or_else(|e| panic!("{e}"));
    (cert.pem(), Issuer::new(params, key))
}

fn signed(issuer: &Issuer<'static, KeyPair>, names: Vec<String>) -> (String, String) {
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let mut params = CertificateParams::new(names.clone()).unwrap_or_else(|e| panic!("{e}"));
    // A client certificate names its user (CN) and groups (O), as kubeadm's admin certificate does.
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        names.first().cloned().unwrap_or_default(),
    );
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "system:masters");
    let cert = params
        .signed_by(&key, issuer)
        .unwrap_or_else(|e| panic!("{e}"));
    (cert.pem(), key.serialize_pem())
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A client for `url` trusting `ca`, authenticating with the kubeconfig `user` fields given.
async fn client(url: &str, ca: Option<&str>, user: &[(&str, String)]) -> Client {
    let ca = ca
        .map(|c| format!("\n    certificate-authority-data: {}", b64(c)))
        .unwrap_or_default();
    let user: String = user
        .iter()
        .map(|(k, v)| format!("\n    {k}: {v}"))
        .collect();
    let yaml = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {url}{ca}\nusers:\n- name: u\n  user:{}\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n",
        if user.is_empty() { " {}".to_string() } else { user }
    );
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap_or_else(|e| panic!("{e}: {yaml}"));
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    Client::try_from(config).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn tls_simulator_admits_tokens_and_client_certificates_only() {
    let (server_ca, server_issuer) = ca();
    let (cert_pem, key_pem) = signed(&server_issuer, vec!["127.0.0.1".into(), "localhost".into()]);
    let (client_ca, client_issuer) = ca();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "https://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let sim = Simulator::new(SimConfig::default());
    let security = Security {
        cert_pem,
        key_pem,
        client_ca_pem: Some(client_ca),
        token: Some("s3cret".into()),
    };
    tokio::spawn(tls::serve(sim, listener, security));

    let with_token = |t: &str| vec![("token", t.to_string())];
    let good = client(&url, Some(&server_ca), &with_token("s3cret")).await;
    let nodes: Api<Node> = Api::all(good.clone());
    assert_eq!(
        nodes
            .list(&ListParams::default())
            .await
            .map(|l| l.items.len())
            .ok(),
        Some(3)
    );

    let wrong = client(&url, Some(&server_ca), &with_token("guess")).await;
    let refused = api_error(
        Api::<Node>::all(wrong.clone())
            .list(&ListParams::default())
            .await,
        "wrong token",
    );
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (401, "Unauthorized")
    );
    // The version is public, as on a real API server.
    assert!(wrong.apiserver_version().await.is_ok());

    let (client_cert, client_key) = signed(&client_issuer, vec!["berth".into()]);
    let certified = client(
        &url,
        Some(&server_ca),
        &[
            ("client-certificate-data", b64(&client_cert)),
            ("client-key-data", b64(&client_key)),
        ],
    )
    .await;
    let namespaces: Api<Namespace> = Api::all(certified);
    assert!(namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(serde_json::json!({"metadata": {"name": "by-cert"}}))
                .unwrap_or_else(|e| panic!("{e}"))
        )
        .await
        .is_ok());

    // A certificate outside system:masters holds what RBAC grants its user (CN) and groups (O).
    let (jane_cert, jane_key) = {
        let key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
        let mut params =
            CertificateParams::new(vec!["jane".to_string()]).unwrap_or_else(|e| panic!("{e}"));
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "jane");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "dev");
        let cert = params
            .signed_by(&key, &client_issuer)
            .unwrap_or_else(|e| panic!("{e}"));
        (cert.pem(), key.serialize_pem())
    };
    let jane = client(
        &url,
        Some(&server_ca),
        &[
            ("client-certificate-data", b64(&jane_cert)),
            ("client-key-data", b64(&jane_key)),
        ],
    )
    .await;
    let as_jane: Api<Namespace> = Api::all(jane);
    match as_jane.list(&ListParams::default()).await {
        Err(kube::Error::Api(s)) => {
            assert_eq!(s.code, 403);
            assert_eq!(
                s.message,
                r#"namespaces is forbidden: User "jane" cannot list resource "namespaces" in API group "" at the cluster scope"#
            );
        }
        other => panic!("jane may not list namespaces yet: {other:?}"),
    }
    let bindings: Api<k8s_openapi::api::rbac::v1::ClusterRoleBinding> =
        Api::all(namespaces.clone().into_client());
    bindings
        .create(
            &PostParams::default(),
            &serde_json::from_value(serde_json::json!({
                "metadata": {"name": "dev-view"},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "dev"}],
            }))
            .unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        as_jane.list(&ListParams::default()).await.is_ok(),
        "view, bound to her group, lets jane list"
    );

    let (stranger_cert, stranger_key) = signed(&ca().1, vec!["mallory".into()]);
    let stranger = client(
        &url,
        Some(&server_ca),
        &[
            ("client-certificate-data", b64(&stranger_cert)),
            ("client-key-data", b64(&stranger_key)),
        ],
    )
    .await;
    let e = Api::<Node>::all(stranger)
        .list(&ListParams::default())
        .await;
    assert!(e.is_err(), "a certificate from another CA was let in");

    // A client that does not trust the server's CA fails in the handshake.
    let untrusting = client(&url, None, &with_token("s3cret")).await;
    match Api::<Node>::all(untrusting)
        .list(&ListParams::default())
        .await
    {
        Err(kube::Error::Api(s)) => panic!("expected a TLS failure, got an API answer: {s:?}"),
        Err(e) => {
            let text = format!("{e:?}");
            assert!(
                text.contains("UnknownIssuer") || text.contains("certificate"),
                "{text}"
            );
        }
        Ok(_) => panic!("an untrusted server was accepted"),
    }
}
