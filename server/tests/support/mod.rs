//! spawn_app: a Berth server on a random port over its own fresh database.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use berth_core::{
    auth::{RoleType, Scope},
    db::Dialect,
    testing::TestDb,
    Services,
};
use berth_server::{start, Config};
use reqwest::{redirect::Policy, Client, StatusCode};
use secrecy::SecretString;
use serde_json::Value;

pub const ADMIN_PASSWORD: &str = "admin-test-password";

pub struct TestApp {
    pub base: String,
    pub services: Services,
    pub db: TestDb,
    /// This server's own data directory (its generated secret key), never
    /// inside the source tree; removed with the app.
    pub data_dir: std::path::PathBuf,
    /// The settings it was started with.
    env: HashMap<&'static str, String>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

#[derive(Default)]
pub struct Options {
    pub embedded_cluster: bool,
    pub public_url: Option<&'static str>,
    pub trusted_proxies: Option<&'static str>,
    /// Any other settings.
    pub env: &'static [(&'static str, &'static str)],
}

pub async fn spawn_app(dialect: Dialect) -> TestApp {
    spawn_app_with(dialect, Options::default()).await
}

pub async fn spawn_app_with(dialect: Dialect, opts: Options) -> TestApp {
    let db = TestDb::new(dialect).await;
    let site = std::env::temp_dir().join("berth-test-site");
    let data_dir =
        std::env::temp_dir().join(format!("berth-test-data-{}", uuid::Uuid::new_v4().simple()));
    let mut env: HashMap<&'static str, String> = HashMap::from([
        ("DATABASE_URL", db.url.clone()),
        ("BERTH_ADDR", "127.0.0.1:0".into()),
        ("BERTH_DATA_DIR", data_dir.display().to_string()),
        ("BERTH_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("BERTH_SITE_ROOT", site.display().to_string()),
        ("BERTH_EMBEDDED_CLUSTER", opts.embedded_cluster.to_string()),
        ("BERTH_ARGON2_MEMORY_KIB", "1024".into()),
        ("BERTH_ARGON2_ITERATIONS", "1".into()),
    ]);
    if let Some(url) = opts.public_url {
        env.insert("BERTH_PUBLIC_URL", url.into());
    }
    if let Some(proxies) = opts.trusted_proxies {
        env.insert("BERTH_TRUSTED_PROXIES", proxies.into());
    }
    for (k, v) in opts.env {
        env.insert(k, (*v).into());
    }
    let (base, services) = serve(&env).await;
    TestApp {
        base,
        services,
        db,
        data_dir,
        env,
    }
}

/// Starts a Berth with these settings; its base URL and services.
async fn serve(env: &HashMap<&'static str, String>) -> (String, Services) {
    let config = Config::load(|k| env.get(k).cloned()).unwrap();
    let portal = start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let services = portal.services.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            portal
                .router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (format!("http://{addr}"), services)
}

/// A client with its own cookie jar that does not follow redirects.
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    /// Another Berth on the same database and data directory, as a second
    /// replica behind a load balancer would be; its base URL. (Cookies do
    /// not tell ports apart, so a client signed in here is signed in there.)
    pub async fn replica(&self) -> String {
        serve(&self.env).await.0
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Signs in through the HTML form endpoint; returns the redirect target.
    pub async fn login(&self, client: &Client, username: &str, password: &str) -> String {
        let res = client
            .post(self.url("/auth/login"))
            .form(&[("username", username), ("password", password), ("next", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "login answers with a redirect"
        );
        res.headers()["location"].to_str().unwrap().to_owned()
    }

    pub async fn admin(&self) -> Client {
        let c = client();
        assert_eq!(self.login(&c, "admin", ADMIN_PASSWORD).await, "/");
        c
    }

    /// A signed-in user holding no role at all.
    pub async fn user_without_roles(&self, username: &str) -> Client {
        self.user_with_role(username, None).await
    }

    pub async fn user_with_role(&self, username: &str, role: Option<(RoleType, Scope)>) -> Client {
        let pw = format!("{username}-password");
        self.services
            .identity()
            .create_user_with_role(username, username, &SecretString::from(pw.clone()), role)
            .await
            .unwrap();
        let c = client();
        assert_eq!(self.login(&c, username, &pw).await, "/");
        c
    }

    /// Calls a server function with a JSON body; returns status and body.
    pub async fn call(
        &self,
        client: &Client,
        endpoint: &str,
        body: Value,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let res = client
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, json, headers)
    }
}

/// One `#[tokio::test]` per database dialect.
#[macro_export]
macro_rules! http_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                ($body)(support::spawn_app(berth_core::db::Dialect::Sqlite).await).await
            }
            #[tokio::test]
            async fn postgres() {
                ($body)(support::spawn_app(berth_core::db::Dialect::Postgres).await).await
            }
            #[tokio::test]
            async fn mariadb() {
                ($body)(support::spawn_app(berth_core::db::Dialect::MySql).await).await
            }
        }
    };
}
