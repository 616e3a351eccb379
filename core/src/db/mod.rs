//! The data layer's one entry point: a pool for whichever of SQLite,
//! PostgreSQL or MariaDB `DATABASE_URL` names.
//!
//! Repositories build each statement once with sea-query; [`Db`] renders it
//! for the connected dialect and runs it. No query text is kept per dialect.
//! Only the migrations differ, one folder per dialect under `migrations/`.

pub(crate) mod cached;
pub mod generation;
pub mod lease;
pub mod query;
pub mod schema;
pub mod secrets;
pub mod session_store;
pub mod tx;

use std::{str::FromStr, time::Duration};

use sea_query::{
    InsertStatement, IntoIden, MysqlQueryBuilder, PostgresQueryBuilder, Query, SimpleExpr,
    SqliteQueryBuilder,
};
use sea_query_binder::SqlxBinder;
use sqlx::{
    mysql::{MySqlPool, MySqlPoolOptions, MySqlRow},
    postgres::{PgPool, PgPoolOptions, PgRow},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow},
    FromRow,
};

/// An INSERT of one row into `table`: one value per column, which the
/// array lengths make sure of (sea-query's panicking variant would on a
/// mismatch; here none can be written).
pub fn insert_row<C: IntoIden + 'static, const N: usize>(
    table: impl IntoIden + 'static,
    columns: [C; N],
    values: [SimpleExpr; N],
) -> InsertStatement {
    let mut q = Query::insert();
    q.into_table(table).columns(columns);
    // `values` refuses only a count unlike the columns', ruled out above.
    let _counted = q.values(values);
    q
}

/// An INSERT of several rows, as [`insert_row`]; none when there are none.
pub fn insert_rows<C: IntoIden + 'static, const N: usize>(
    table: impl IntoIden + 'static,
    columns: [C; N],
    rows: impl IntoIterator<Item = [SimpleExpr; N]>,
) -> Option<InsertStatement> {
    let mut q = Query::insert();
    q.into_table(table).columns(columns);
    let mut any = false;
    for row in rows {
        let _counted = q.values(row);
        any = true;
    }
    any.then_some(q)
}

/// Which SQL dialect a [`Db`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

impl Dialect {
    pub fn from_url(url: &str) -> Option<Dialect> {
        let scheme = url.split(':').next()?;
        match scheme {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            _ => None,
        }
    }
}

/// A database failure, normalised across dialects.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unique constraint violated")]
    UniqueViolation,
    #[error("foreign key constraint violated")]
    ForeignKeyViolation,
    /// The transaction lost a race for locks (a deadlock, a serialization
    /// failure, a database busy past its timeout): running it again may
    /// succeed.
    #[error("transaction conflict: {0}")]
    Retry(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL scheme (use sqlite://, postgres:// or mysql://)")]
    UnsupportedUrl,
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return DbError::UniqueViolation;
            }
            if db.is_foreign_key_violation() {
                return DbError::ForeignKeyViolation;
            }
            let mysql_lock = db
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .is_some_and(|m| matches!(m.number(), 1205 | 1213));
            // PostgreSQL's serialization failure and deadlock; SQLite's
            // BUSY, LOCKED and BUSY_SNAPSHOT.
            let code = db.code();
            if mysql_lock
                || matches!(
                    code.as_deref(),
                    Some("40001" | "40P01" | "5" | "6" | "517" | "261")
                )
            {
                return DbError::Retry(e);
            }
        }
        DbError::Other(e)
    }
}

pub type DbResult<T> = Result<T, DbError>;

/// A row type every dialect can decode.
pub trait AnyRow:
    for<'r> FromRow<'r, SqliteRow>
    + for<'r> FromRow<'r, PgRow>
    + for<'r> FromRow<'r, MySqlRow>
    + Send
    + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow>
        + for<'r> FromRow<'r, PgRow>
        + for<'r> FromRow<'r, MySqlRow>
        + Send
        + Unpin
{
}

/// A scalar every dialect can decode (counts, ids, flags).
pub trait AnyScalar:
    sqlx::Type<sqlx::Sqlite>
    + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
    + sqlx::Type<sqlx::Postgres>
    + for<'r> sqlx::Decode<'r, sqlx::Postgres>
    + sqlx::Type<sqlx::MySql>
    + for<'r> sqlx::Decode<'r, sqlx::MySql>
    + Send
    + Unpin
{
}
impl<T> AnyScalar for T where
    T: sqlx::Type<sqlx::Sqlite>
        + for<'r> sqlx::Decode<'r, sqlx::Sqlite>
        + sqlx::Type<sqlx::Postgres>
        + for<'r> sqlx::Decode<'r, sqlx::Postgres>
        + sqlx::Type<sqlx::MySql>
        + for<'r> sqlx::Decode<'r, sqlx::MySql>
        + Send
        + Unpin
{
}

/// A connection pool to one of the three supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

macro_rules! dispatch {
    ($db:expr, $stmt:expr, |$sql:ident, $values:ident, $pool:ident| $body:expr) => {
        match $db {
            Db::Sqlite($pool) => {
                let ($sql, $values) = $stmt.build_sqlx(SqliteQueryBuilder);
                $body
            }
            Db::Postgres($pool) => {
                let ($sql, $values) = $stmt.build_sqlx(PostgresQueryBuilder);
                $body
            }
            Db::MySql($pool) => {
                let ($sql, $values) = $stmt.build_sqlx(MysqlQueryBuilder);
                $body
            }
        }
    };
}

impl Db {
    /// Connects to `url`. A SQLite file is created if missing.
    ///
    /// A pooled connection is not pinged before each use (sqlx's default):
    /// that ping doubled the round trips of every query, the access
    /// generation's read on each request among them. A connection the
    /// server dropped fails its next query, and the pool replaces it.
    pub async fn connect(url: &str) -> DbResult<Db> {
        let acquire = Duration::from_secs(10);
        Ok(
            match Dialect::from_url(url).ok_or(DbError::UnsupportedUrl)? {
                Dialect::Sqlite => {
                    let opts = SqliteConnectOptions::from_str(url)?
                        .create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(10));
                    Db::Sqlite(
                        SqlitePoolOptions::new()
                            .max_connections(8)
                            .test_before_acquire(false)
                            .acquire_timeout(acquire)
                            .connect_with(opts)
                            .await?,
                    )
                }
                Dialect::Postgres => Db::Postgres(
                    PgPoolOptions::new()
                        .max_connections(16)
                        .test_before_acquire(false)
                        .acquire_timeout(acquire)
                        .connect(url)
                        .await?,
                ),
                Dialect::MySql => Db::MySql(
                    MySqlPoolOptions::new()
                        .max_connections(16)
                        .test_before_acquire(false)
                        .acquire_timeout(acquire)
                        .connect(url)
                        .await?,
                ),
            },
        )
    }

    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
            Db::MySql(_) => Dialect::MySql,
        }
    }

    /// Applies this dialect's migrations (idempotent).
    pub async fn migrate(&self) -> DbResult<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("../migrations/sqlite").run(p).await?,
            Db::Postgres(p) => sqlx::migrate!("../migrations/postgres").run(p).await?,
            Db::MySql(p) => sqlx::migrate!("../migrations/mysql").run(p).await?,
        }
        Ok(())
    }

    /// True when the database answers and every migration is applied.
    pub async fn ready(&self) -> bool {
        let expected = match self {
            Db::Sqlite(_) => sqlx::migrate!("../migrations/sqlite").iter().count(),
            Db::Postgres(_) => sqlx::migrate!("../migrations/postgres").iter().count(),
            Db::MySql(_) => sqlx::migrate!("../migrations/mysql").iter().count(),
        };
        let q = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE";
        let applied: Result<i64, sqlx::Error> = match self {
            Db::Sqlite(p) => sqlx::query_scalar(q).fetch_one(p).await,
            Db::Postgres(p) => sqlx::query_scalar(q).fetch_one(p).await,
            Db::MySql(p) => sqlx::query_scalar(q).fetch_one(p).await,
        };
        matches!(applied, Ok(n) if usize::try_from(n).ok() == Some(expected))
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
            Db::MySql(p) => p.close().await,
        }
    }

    pub async fn fetch_all<T: AnyRow>(&self, stmt: &impl SqlxBinder) -> DbResult<Vec<T>> {
        Ok(dispatch!(self, stmt, |sql, values, pool| {
            sqlx::query_as_with::<_, T, _>(&sql, values)
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn fetch_optional<T: AnyRow>(&self, stmt: &impl SqlxBinder) -> DbResult<Option<T>> {
        Ok(dispatch!(self, stmt, |sql, values, pool| {
            sqlx::query_as_with::<_, T, _>(&sql, values)
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn fetch_scalar<T: AnyScalar>(&self, stmt: &impl SqlxBinder) -> DbResult<T> {
        Ok(dispatch!(self, stmt, |sql, values, pool| {
            sqlx::query_scalar_with::<_, T, _>(&sql, values)
                .fetch_one(pool)
                .await?
        }))
    }

    /// Runs an UPDATE or DELETE; returns the number of rows it touched.
    pub async fn execute(&self, stmt: &impl SqlxBinder) -> DbResult<u64> {
        Ok(dispatch!(self, stmt, |sql, values, pool| {
            sqlx::query_with(&sql, values)
                .execute(pool)
                .await?
                .rows_affected()
        }))
    }

    /// Runs an INSERT into a table with an `id` key and returns the new id
    /// (`RETURNING id` where the dialect has it, the insert id on MariaDB).
    pub async fn insert(&self, stmt: InsertStatement) -> DbResult<i64> {
        let mut stmt = stmt;
        match self {
            Db::MySql(p) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                let done = sqlx::query_with(&sql, values).execute(p).await?;
                i64::try_from(done.last_insert_id())
                    .map_err(|_| DbError::Other(sqlx::Error::RowNotFound))
            }
            Db::Sqlite(_) | Db::Postgres(_) => {
                stmt.returning_col(schema::Id);
                self.fetch_scalar(&stmt).await
            }
        }
    }
}
