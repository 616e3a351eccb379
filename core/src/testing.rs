//! Test support: a fresh database per test on each dialect.
//!
//! Each [`TestDb`] creates its own database (a SQLite file, or a new
//! PostgreSQL / MariaDB database named `berth_t_<random>`), runs the
//! migrations, and drops it again when the value is dropped. Servers come
//! from `BERTH_TEST_POSTGRES_URL` / `BERTH_TEST_MYSQL_URL`, defaulting to
//! this machine's local services. A server that does not answer fails the
//! test: nothing is skipped silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use crate::db::{Db, Dialect};

pub fn postgres_admin_url() -> String {
    std::env::var("BERTH_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn mysql_admin_url() -> String {
    std::env::var("BERTH_TEST_MYSQL_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into())
}

/// Replaces the database part of a server URL.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..host_end], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A keyring with a fresh random key, for tests' services.
pub fn keyring() -> crate::db::secrets::Keyring {
    crate::db::secrets::Keyring::new(&crate::db::secrets::Keyring::generate_key("test"), &[])
        .unwrap()
}

pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(dialect: Dialect) -> TestDb {
        let name = format!("berth_t_{}", uuid::Uuid::new_v4().simple());
        let (url, cleanup) = match dialect {
            Dialect::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Dialect::Postgres => {
                let admin = postgres_admin_url();
                let pool = sqlx::PgPool::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin} is required for tests: {e}"));
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                (
                    with_database(&admin, &name),
                    Cleanup::Database {
                        admin_url: admin,
                        name,
                    },
                )
            }
            Dialect::MySql => {
                let admin = mysql_admin_url();
                let pool = sqlx::MySqlPool::connect(&admin)
                    .await
                    .unwrap_or_else(|e| panic!("MariaDB at {admin} is required for tests: {e}"));
                sqlx::query(&format!(
                    "CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                ))
                .execute(&pool)
                .await
                .unwrap();
                pool.close().await;
                (
                    with_database(&admin, &name),
                    Cleanup::Database {
                        admin_url: admin,
                        name,
                    },
                )
            }
        };
        let db = Db::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        TestDb { db, url, cleanup }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let cleanup = std::mem::replace(&mut self.cleanup, Cleanup::File(PathBuf::new()));
        // Drop cannot await; a short-lived runtime on its own thread does
        // the async teardown whatever runtime the test used.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            // The pool belongs to the test's runtime and is left alone here;
            // PostgreSQL's FORCE ends its connections, MariaDB drops a
            // database whose connections are idle.
            rt.block_on(async move {
                match cleanup {
                    Cleanup::File(path) => {
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                        }
                    }
                    Cleanup::Database { admin_url, name } => {
                        if admin_url.starts_with("mysql") {
                            if let Ok(pool) = sqlx::MySqlPool::connect(&admin_url).await {
                                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                                    .execute(&pool)
                                    .await;
                            }
                        } else if let Ok(pool) = sqlx::PgPool::connect(&admin_url).await {
                            let _ = sqlx::query(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .execute(&pool)
                            .await;
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// Generates one `#[tokio::test]` per dialect from one async test body
/// taking a [`TestDb`].
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                ($body)($crate::testing::TestDb::new($crate::db::Dialect::Sqlite).await).await
            }
            #[tokio::test]
            async fn postgres() {
                ($body)($crate::testing::TestDb::new($crate::db::Dialect::Postgres).await).await
            }
            #[tokio::test]
            async fn mariadb() {
                ($body)($crate::testing::TestDb::new($crate::db::Dialect::MySql).await).await
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@h:3306/", "x"),
            "mysql://root@h:3306/x"
        );
        assert_eq!(
            with_database("mysql://root@h:3306", "x"),
            "mysql://root@h:3306/x"
        );
        assert_eq!(
            with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
    }
}
