//! The cluster registry against real TLS API servers (the simulator serving
//! HTTPS with token and client-certificate authentication), on SQLite,
//! PostgreSQL and MariaDB: registration by token, certificate and
//! kubeconfig, connection failures named by field, credentials sealed at
//! rest and resealed when the key rotates, health polling.

#[allow(unused_imports)]
use super::common;

use super::common::{operator, services, FAST};

use berth_api::{ClusterInput, ClusterMethod, ErrorCode};
use berth_core::{db::secrets::Keyring, db_test, testing::TestDb, Error, Services};
use berth_kube_sim::faults::{Effect, Fault};
use berth_kube_sim::tls::{self, Security};
use berth_kube_sim::{SimConfig, Simulator};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

const TOKEN: &str = "cluster-admin-token-42";

struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new() -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    fn sign(&self, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        // The cluster reads the user (CN) and groups (O) from a client
        // certificate; kubeadm's admin certificate is in `system:masters`.
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            names.first().copied().unwrap_or_default(),
        );
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "system:masters");
        (
            params.signed_by(&key, &self.issuer).unwrap().pem(),
            key.serialize_pem(),
        )
    }
}

/// A simulated cluster on HTTPS that admits `TOKEN` and certificates from `clients`.
struct TlsCluster {
    url: String,
    server_ca: Ca,
    clients: Ca,
    sim: Simulator,
}

async fn tls_cluster() -> TlsCluster {
    let server_ca = Ca::new();
    let clients = Ca::new();
    let (cert_pem, key_pem) = server_ca.sign(&["127.0.0.1", "localhost"]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let sim = Simulator::new(SimConfig::nodes(2));
    let security = Security {
        cert_pem,
        key_pem,
        client_ca_pem: Some(clients.pem.clone()),
        token: Some(TOKEN.into()),
    };
    tokio::spawn(tls::serve(sim.clone(), listener, security));
    TlsCluster {
        url,
        server_ca,
        clients,
        sim,
    }
}

fn by_token(name: &str, c: &TlsCluster, token: &str) -> ClusterInput {
    ClusterInput {
        name: name.into(),
        method: ClusterMethod::Token,
        api_url: c.url.clone(),
        token: token.into(),
        ca_cert: c.server_ca.pem.clone(),
        ..Default::default()
    }
}

fn field(e: Error) -> (String, ErrorCode, String) {
    match e {
        Error::Validation(mut f) if f.len() == 1 => {
            let f = f.remove(0);
            (f.field, f.code, f.message)
        }
        other => panic!("expected one field error, got {other:?}"),
    }
}

async fn sealed_column(t: &TestDb, name: &str) -> String {
    use sea_query::{Expr, Query};
    let row: Option<(String,)> =
        t.db.fetch_optional(
            Query::select()
                .column(berth_core::db::schema::Clusters::AccessSealed)
                .from(berth_core::db::schema::Clusters::Table)
                .and_where(Expr::col(berth_core::db::schema::Clusters::Name).eq(name)),
        )
        .await
        .unwrap();
    row.unwrap().0
}

db_test!(
    registers_by_token_with_credentials_sealed_at_rest,
    |t: TestDb| async move {
        let c = tls_cluster().await;
        let s = services(&t, berth_core::testing::keyring()).await;
        let ops = operator(&s).await;
        let created = s
            .clusters()
            .create_cluster(&ops, by_token("prod", &c, TOKEN))
            .await
            .unwrap();
        assert_eq!(created.health, "healthy");
        assert_eq!(created.node_count, Some(2));
        assert_eq!(created.auth_kind, "token");
        assert!(created.version.contains("berth-sim"));
        let sealed = sealed_column(&t, "prod").await;
        assert!(sealed.starts_with("v1.test."), "{sealed}");
        assert!(
            !sealed.contains(TOKEN) && !sealed.contains("BEGIN CERTIFICATE"),
            "stored in clear: {sealed}"
        );
        let access = s.clusters().cluster_access(created.id).await.unwrap();
        assert_eq!(access.ca_pem.trim(), c.server_ca.pem.trim());
        let listed = s.clusters().list_clusters(&ops).await.unwrap();
        assert_eq!(
            listed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["prod"]
        );
        let again = s
            .clusters()
            .create_cluster(&ops, by_token("prod", &c, TOKEN))
            .await
            .unwrap_err();
        assert_eq!(field(again).1, ErrorCode::Taken);
    }
);

db_test!(
    connection_failures_are_named_by_field_and_save_nothing,
    |t: TestDb| async move {
        let c = tls_cluster().await;
        let s = services(&t, berth_core::testing::keyring()).await;
        let ops = operator(&s).await;
        let (f, code, message) = field(
            s.clusters()
                .create_cluster(&ops, by_token("wrong", &c, "guess"))
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (f.as_str(), code),
            ("token", ErrorCode::ClusterCredentials),
            "{message}"
        );
        let untrusted = ClusterInput {
            ca_cert: String::new(),
            ..by_token("untrusted", &c, TOKEN)
        };
        let (f, code, message) = field(
            s.clusters()
                .create_cluster(&ops, untrusted)
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (f.as_str(), code),
            ("ca_cert", ErrorCode::ClusterCertificate),
            "{message}"
        );
        // A port nothing listens on.
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let gone = ClusterInput {
            api_url: format!("https://{closed}"),
            ..by_token("gone", &c, TOKEN)
        };
        let (f, code, message) = field(s.clusters().create_cluster(&ops, gone).await.unwrap_err());
        assert_eq!(
            (f.as_str(), code),
            ("api_url", ErrorCode::ClusterUnreachable),
            "{message}"
        );
        // Berth's words, not the socket's.
        assert_eq!(
            message,
            "nothing answered at the API URL: check the address and that Berth can reach it"
        );
        let plain = ClusterInput {
            api_url: c.url.replace("https://", "http://"),
            ..by_token("plain", &c, TOKEN)
        };
        let (f, _, message) = field(s.clusters().create_cluster(&ops, plain).await.unwrap_err());
        assert_eq!(f, "api_url", "{message}");
        let missing = ClusterInput {
            token: String::new(),
            ..by_token("missing", &c, "")
        };
        let (f, code, _) = field(
            s.clusters()
                .create_cluster(&ops, missing)
                .await
                .unwrap_err(),
        );
        assert_eq!((f.as_str(), code), ("token", ErrorCode::Required));
        let bad_name = by_token("Not_A_Name", &c, TOKEN);
        assert_eq!(
            field(
                s.clusters()
                    .create_cluster(&ops, bad_name)
                    .await
                    .unwrap_err()
            )
            .0,
            "name"
        );
        assert!(
            s.clusters().list_clusters(&ops).await.unwrap().is_empty(),
            "a refused cluster was stored"
        );
    }
);

db_test!(
    registers_by_certificate_and_kubeconfig_then_edits_and_deletes,
    |t: TestDb| async move {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let c = tls_cluster().await;
        let s = services(&t, berth_core::testing::keyring()).await;
        let ops = operator(&s).await;
        let (cert, key) = c.clients.sign(&["berth"]);
        let by_cert = ClusterInput {
            name: "certified".into(),
            method: ClusterMethod::Certificate,
            api_url: c.url.clone(),
            client_cert: cert.clone(),
            client_key: key.clone(),
            ca_cert: c.server_ca.pem.clone(),
            ..Default::default()
        };
        let created = s.clusters().create_cluster(&ops, by_cert).await.unwrap();
        assert_eq!(created.auth_kind, "client_certificate");
        // A certificate from another CA is refused.
        let (stranger, stranger_key) = Ca::new().sign(&["mallory"]);
        let refused = ClusterInput {
            name: "stranger".into(),
            method: ClusterMethod::Certificate,
            api_url: c.url.clone(),
            client_cert: stranger,
            client_key: stranger_key,
            ca_cert: c.server_ca.pem.clone(),
            ..Default::default()
        };
        let (f, code, message) = field(
            s.clusters()
                .create_cluster(&ops, refused)
                .await
                .unwrap_err(),
        );
        assert_eq!(
            (f.as_str(), code),
            ("client_cert", ErrorCode::ClusterCredentials),
            "{message}"
        );

        let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: admin\n  user:\n    token: {TOKEN}\n- name: cert\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: as-admin\n  context: {{cluster: sim, user: admin}}\n- name: as-cert\n  context: {{cluster: sim, user: cert}}\ncurrent-context: as-admin\n",
        c.url,
        b64(&c.server_ca.pem),
        b64(&cert),
        b64(&key)
    );
        let contexts = s
            .clusters()
            .kubeconfig_contexts(&ops, &kubeconfig)
            .await
            .unwrap();
        assert_eq!(contexts.contexts, ["as-admin", "as-cert"]);
        assert_eq!(contexts.current.as_deref(), Some("as-admin"));
        let from_file = ClusterInput {
            name: "from-file".into(),
            method: ClusterMethod::Kubeconfig,
            kubeconfig: kubeconfig.clone(),
            context: "as-cert".into(),
            ..Default::default()
        };
        let imported = s.clusters().create_cluster(&ops, from_file).await.unwrap();
        assert_eq!(imported.auth_kind, "client_certificate");
        assert_eq!(imported.api_url, c.url);
        let no_context = ClusterInput {
            name: "x".into(),
            method: ClusterMethod::Kubeconfig,
            kubeconfig,
            context: "nope".into(),
            ..Default::default()
        };
        assert_eq!(
            field(
                s.clusters()
                    .create_cluster(&ops, no_context)
                    .await
                    .unwrap_err()
            )
            .0,
            "context"
        );

        // Editing with blank secrets keeps them (the connection still works).
        let edit = ClusterInput {
            name: "ignored".into(),
            description: "Production".into(),
            method: ClusterMethod::Certificate,
            api_url: c.url.clone(),
            ..Default::default()
        };
        let edited = s
            .clusters()
            .update_cluster(&ops, created.id, edit)
            .await
            .unwrap();
        assert_eq!(
            (edited.name.as_str(), edited.description.as_str()),
            ("certified", "Production")
        );
        s.clusters()
            .delete_cluster(&ops, imported.id)
            .await
            .unwrap();
        let names: Vec<String> = s
            .clusters()
            .list_clusters(&ops)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["certified"]);
    }
);

db_test!(
    rotating_the_key_reseals_every_credential,
    |t: TestDb| async move {
        let c = tls_cluster().await;
        let (a, b) = (Keyring::generate_key("a"), Keyring::generate_key("b"));
        let old = services(&t, Keyring::new(&a, &[]).unwrap()).await;
        let ops = operator(&old).await;
        let id = old
            .clusters()
            .create_cluster(&ops, by_token("prod", &c, TOKEN))
            .await
            .unwrap()
            .id;
        assert!(sealed_column(&t, "prod").await.starts_with("v1.a."));
        // Start with b current and a kept as previous: everything is resealed under b.
        let rotating = Services::new(
            t.db.clone(),
            FAST,
            Keyring::new(&b, std::slice::from_ref(&a)).unwrap(),
        )
        .unwrap();
        assert_eq!(
            rotating
                .clusters()
                .reseal_cluster_credentials()
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            rotating
                .clusters()
                .reseal_cluster_credentials()
                .await
                .unwrap(),
            0,
            "nothing left to reseal"
        );
        assert!(sealed_column(&t, "prod").await.starts_with("v1.b."));
        // Then a can go.
        let rotated = Services::new(t.db.clone(), FAST, Keyring::new(&b, &[]).unwrap()).unwrap();
        let access = rotated.clusters().cluster_access(id).await.unwrap();
        assert_eq!(
            access.credentials,
            berth_core::kube::Credentials::Token {
                token: TOKEN.into()
            }
        );
        // A process that only has the old key cannot open it, and says which key it lacks.
        let stale = Services::new(t.db.clone(), FAST, Keyring::new(&a, &[]).unwrap()).unwrap();
        let e = stale.clusters().cluster_access(id).await.unwrap_err();
        assert!(e.to_string().contains("\"b\""), "{e}");
    }
);

db_test!(
    health_polling_records_what_each_cluster_answers,
    |t: TestDb| async move {
        let c = tls_cluster().await;
        let s = services(&t, berth_core::testing::keyring()).await;
        let ops = operator(&s).await;
        let id = s
            .clusters()
            .create_cluster(&ops, by_token("prod", &c, TOKEN))
            .await
            .unwrap()
            .id;
        c.sim
            .faults()
            .add(Fault::always(Effect::Error { code: 401 }).on_path("/nodes"));
        assert_eq!(s.clusters().refresh_cluster_health().await.unwrap(), 0);
        let polled = s.clusters().list_clusters(&ops).await.unwrap().remove(0);
        assert_eq!(polled.health, "unauthorized", "{}", polled.health_message);
        assert!(polled.checked_at.is_some());
        assert_eq!(polled.node_count, None);
        c.sim.faults().clear();
        let checked = s.clusters().check_cluster(&ops, id).await.unwrap();
        assert_eq!(
            (checked.health.as_str(), checked.node_count),
            ("healthy", Some(2))
        );
    }
);

db_test!(
    a_clusters_credentials_cannot_be_aimed_at_another_server,
    |t: TestDb| async move {
        let c = tls_cluster().await;
        let elsewhere = tls_cluster().await;
        let s = services(&t, berth_core::testing::keyring()).await;
        let ops = operator(&s).await;
        let created = s
            .clusters()
            .create_cluster(&ops, by_token("aimed", &c, TOKEN))
            .await
            .unwrap();
        // Each change of where the stored token would go needs it typed again.
        let blank_token = |edit: &dyn Fn(&mut ClusterInput)| {
            let mut input = by_token("aimed", &c, "");
            input.ca_cert = String::new();
            edit(&mut input);
            input
        };
        type Move<'a> = Box<dyn Fn(&mut ClusterInput) + 'a>;
        let moves: [(&str, Move); 3] = [
            (
                "a new API URL",
                Box::new(|i: &mut ClusterInput| {
                    i.api_url = elsewhere.url.clone();
                    i.ca_cert = elsewhere.server_ca.pem.clone();
                }),
            ),
            (
                "a new CA",
                Box::new(|i: &mut ClusterInput| i.ca_cert = elsewhere.server_ca.pem.clone()),
            ),
            (
                "no certificate check",
                Box::new(|i: &mut ClusterInput| i.insecure = true),
            ),
        ];
        for (what, change) in &moves {
            let e = s
                .clusters()
                .update_cluster(&ops, created.id, blank_token(change.as_ref()))
                .await
                .unwrap_err();
            let (f, code, message) = field(e);
            assert_eq!((f.as_str(), code), ("token", ErrorCode::Required), "{what}");
            assert!(message.contains("again"), "{message}");
        }
        let unchanged = s.clusters().list_clusters(&ops).await.unwrap();
        assert_eq!(unchanged[0].api_url, c.url);
        // With the token typed again the move is tested like a new
        // registration (the other server knows no such token).
        let mut moved = by_token("aimed", &elsewhere, "a-guessed-token");
        moved.ca_cert = elsewhere.server_ca.pem.clone();
        let (f, code, _) = field(
            s.clusters()
                .update_cluster(&ops, created.id, moved)
                .await
                .unwrap_err(),
        );
        assert_eq!((f.as_str(), code), ("token", ErrorCode::ClusterCredentials));
        // Blank at the same address still keeps it.
        let same = blank_token(&|_: &mut ClusterInput| {});
        s.clusters()
            .update_cluster(&ops, created.id, same)
            .await
            .unwrap();
    }
);
