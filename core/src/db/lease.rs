//! One leader for background work, through a lease row in the database:
//! whoever holds an unexpired lease of a name is its leader, renews it well
//! before it expires, and stops its work when a renewal fails. Another
//! process takes the lease over once it has expired, so a leader that dies
//! is replaced within one lease time (plus one renewal interval).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sea_query::{Cond, Expr, Query};

use crate::db::{schema::LeaderLeases, Db, DbError};

/// A lease on one name, held (or wanted) by one process.
#[derive(Clone, Debug)]
pub struct Lease {
    db: Db,
    name: String,
    holder: String,
    ttl: Duration,
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Lease {
    /// A lease on `name` for `holder` (unique per process), lasting `ttl` per renewal.
    pub fn new(db: Db, name: &str, holder: &str, ttl: Duration) -> Lease {
        Lease {
            db,
            name: name.to_owned(),
            holder: holder.to_owned(),
            ttl,
        }
    }

    /// How long a lease lasts without renewal.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Who this process is, as written in the lease.
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes or renews the lease; `true` when this process holds it now.
    pub async fn try_hold(&self) -> Result<bool, DbError> {
        let now = unix_ms();
        let until = now + i64::try_from(self.ttl.as_millis()).unwrap_or(i64::MAX / 2);
        let renewed = self
            .db
            .execute(
                Query::update()
                    .table(LeaderLeases::Table)
                    .values([
                        (LeaderLeases::Holder, self.holder.clone().into()),
                        (LeaderLeases::RenewedAt, now.into()),
                        (LeaderLeases::ExpiresAt, until.into()),
                    ])
                    .and_where(Expr::col(LeaderLeases::Name).eq(self.name.clone()))
                    .cond_where(
                        Cond::any()
                            .add(Expr::col(LeaderLeases::Holder).eq(self.holder.clone()))
                            .add(Expr::col(LeaderLeases::ExpiresAt).lt(now)),
                    ),
            )
            .await?;
        if renewed == 1 {
            return Ok(true);
        }
        let insert = crate::db::insert_row(
            LeaderLeases::Table,
            [
                LeaderLeases::Name,
                LeaderLeases::Holder,
                LeaderLeases::RenewedAt,
                LeaderLeases::ExpiresAt,
            ],
            [
                self.name.clone().into(),
                self.holder.clone().into(),
                now.into(),
                until.into(),
            ],
        );
        match self.db.execute(&insert).await {
            Ok(_) => Ok(true),
            Err(DbError::UniqueViolation) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Gives the lease up at once (on a clean shutdown), so another process
    /// need not wait for it to expire.
    pub async fn release(&self) -> Result<(), DbError> {
        self.db
            .execute(
                Query::update()
                    .table(LeaderLeases::Table)
                    .value(LeaderLeases::ExpiresAt, 0i64)
                    .and_where(Expr::col(LeaderLeases::Name).eq(self.name.clone()))
                    .and_where(Expr::col(LeaderLeases::Holder).eq(self.holder.clone())),
            )
            .await?;
        Ok(())
    }

    /// The current holder of the lease, if it has not expired.
    pub async fn current_holder(&self) -> Result<Option<String>, DbError> {
        let row: Option<(String,)> = self
            .db
            .fetch_optional(
                Query::select()
                    .column(LeaderLeases::Holder)
                    .from(LeaderLeases::Table)
                    .and_where(Expr::col(LeaderLeases::Name).eq(self.name.clone()))
                    .and_where(Expr::col(LeaderLeases::ExpiresAt).gte(unix_ms())),
            )
            .await?;
        Ok(row.map(|r| r.0))
    }
}
