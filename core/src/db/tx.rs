//! Transactions: several statements that take effect together or not at
//! all (a role and its permissions, later an approval and its effects, a
//! charge and its ledger row). Dropping a [`Tx`] without `commit` rolls it
//! back.

use sea_query::{InsertStatement, MysqlQueryBuilder, PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_binder::SqlxBinder;
use sqlx::{MySql, Postgres, Sqlite, Transaction};

use super::{schema, AnyRow, AnyScalar, Db, DbError, DbResult};

pub enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
    MySql(Transaction<'static, MySql>),
}

macro_rules! on_tx {
    ($tx:expr, $stmt:expr, |$sql:ident, $values:ident, $conn:ident| $body:expr) => {
        match $tx {
            Tx::Sqlite(t) => {
                let ($sql, $values) = $stmt.build_sqlx(SqliteQueryBuilder);
                let $conn = &mut **t;
                $body
            }
            Tx::Postgres(t) => {
                let ($sql, $values) = $stmt.build_sqlx(PostgresQueryBuilder);
                let $conn = &mut **t;
                $body
            }
            Tx::MySql(t) => {
                let ($sql, $values) = $stmt.build_sqlx(MysqlQueryBuilder);
                let $conn = &mut **t;
                $body
            }
        }
    };
}

impl Db {
    pub async fn begin(&self) -> DbResult<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
            Db::MySql(p) => Tx::MySql(p.begin().await?),
        })
    }
}

impl Tx {
    pub async fn commit(self) -> DbResult<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
            Tx::MySql(t) => t.commit().await?,
        }
        Ok(())
    }

    pub async fn execute(&mut self, stmt: &impl SqlxBinder) -> DbResult<u64> {
        Ok(on_tx!(self, stmt, |sql, values, conn| {
            sqlx::query_with(&sql, values)
                .execute(conn)
                .await?
                .rows_affected()
        }))
    }

    pub async fn fetch_all<T: AnyRow>(&mut self, stmt: &impl SqlxBinder) -> DbResult<Vec<T>> {
        Ok(on_tx!(self, stmt, |sql, values, conn| {
            sqlx::query_as_with::<_, T, _>(&sql, values)
                .fetch_all(conn)
                .await?
        }))
    }

    pub async fn fetch_scalar<T: AnyScalar>(&mut self, stmt: &impl SqlxBinder) -> DbResult<T> {
        Ok(on_tx!(self, stmt, |sql, values, conn| {
            sqlx::query_scalar_with::<_, T, _>(&sql, values)
                .fetch_one(conn)
                .await?
        }))
    }

    /// An INSERT returning the new `id`, as [`Db::insert`].
    pub async fn insert(&mut self, mut stmt: InsertStatement) -> DbResult<i64> {
        match self {
            Tx::MySql(t) => {
                let (sql, values) = stmt.build_sqlx(MysqlQueryBuilder);
                let done = sqlx::query_with(&sql, values).execute(&mut **t).await?;
                i64::try_from(done.last_insert_id())
                    .map_err(|_| DbError::Other(sqlx::Error::RowNotFound))
            }
            Tx::Sqlite(_) | Tx::Postgres(_) => {
                stmt.returning_col(schema::Id);
                self.fetch_scalar(&stmt).await
            }
        }
    }
}
