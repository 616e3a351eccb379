//! The access generation: a number the database moves on, by trigger and
//! in the same transaction, with every change to what decides a request
//! (users, roles, permissions, bindings, settings, IP rules, a session
//! that ends or changes hands; see migration 0013). A request
//! with a session reads it afresh ([`Generation::fresh`]), so what a
//! replica keeps from earlier requests (sessions, principals, settings) is
//! used only while the number has not moved: a revoked grant or session
//! takes effect on the very next request, on every replica.
//!
//! Reading it is one tiny query, shared: requests that arrive while a
//! read is under way wait for the next one (which starts after they
//! arrived, so it sees every change committed before them), and one read
//! serves them all. Under load that is one read per read's duration, not
//! one per request.

use std::sync::{
    atomic::{AtomicI64, Ordering},
    Arc, Mutex,
};

use sea_query::{Alias, Expr, Query, SelectStatement, SimpleExpr, SubQueryStatement};
use tokio::sync::watch;

use super::{Db, DbError, DbResult};

/// The newest generation this process has seen (it only moves forward),
/// and the shared fresh read.
#[derive(Clone, Debug, Default)]
pub struct Generation {
    seen: Arc<AtomicI64>,
    reads: Arc<Reads>,
}

/// Reads started and finished, in order.
#[derive(Debug)]
struct Reads {
    state: Mutex<ReadState>,
    /// The last read finished: its number and what it found.
    done: watch::Sender<(u64, Result<i64, String>)>,
}

#[derive(Debug, Default)]
struct ReadState {
    /// How many reads have been started.
    started: u64,
    /// The highest read number anyone waits for.
    wanted: u64,
    running: bool,
}

impl Default for Reads {
    fn default() -> Self {
        Self {
            state: Mutex::default(),
            done: watch::channel((0, Ok(0))).0,
        }
    }
}

fn select() -> SelectStatement {
    Query::select()
        .column(Alias::new("value"))
        .from(Alias::new("access_generation"))
        .and_where(Expr::col(Alias::new("id")).eq(1))
        .to_owned()
}

impl Generation {
    /// Records a generation read from the database.
    pub fn observe(&self, value: i64) {
        self.seen.fetch_max(value, Ordering::SeqCst);
    }

    /// The newest generation seen (0 before any).
    pub fn current(&self) -> i64 {
        self.seen.load(Ordering::SeqCst)
    }

    /// The generation as of now: from a read that started after this call.
    pub async fn fresh(&self, db: &Db) -> DbResult<i64> {
        let mut done = self.reads.done.subscribe();
        let need = {
            let mut s = self.reads.state.lock().map_err(|_| poisoned())?;
            // A read under way may have started before we came: wait for
            // the one after it.
            let need = s.started + 1;
            s.wanted = s.wanted.max(need);
            if !s.running {
                s.running = true;
                s.started += 1;
                let (this, db) = (self.clone(), db.clone());
                tokio::spawn(async move { this.read_while_wanted(db).await });
            }
            need
        };
        let (_, found) = done
            .wait_for(|(finished, _)| *finished >= need)
            .await
            .map_err(|_| DbError::Other(sqlx::Error::PoolClosed))?
            .clone();
        found.map_err(|e| DbError::Other(sqlx::Error::Protocol(e)))
    }

    /// Reads until nobody waits for a later read.
    async fn read_while_wanted(self, db: Db) {
        loop {
            let number = match self.reads.state.lock() {
                Ok(s) => s.started,
                Err(_) => return,
            };
            let found = db
                .fetch_scalar::<i64>(&select())
                .await
                .map_err(|e| e.to_string());
            if let Ok(g) = &found {
                self.observe(*g);
            }
            let Ok(mut s) = self.reads.state.lock() else {
                return;
            };
            let _previous = self.reads.done.send_replace((number, found));
            if s.wanted > number {
                s.started += 1;
            } else {
                s.running = false;
                return;
            }
        }
    }
}

fn poisoned() -> DbError {
    DbError::Other(sqlx::Error::Protocol("generation lock poisoned".into()))
}

/// `(SELECT value FROM access_generation WHERE id = 1)`, to read the
/// generation in the same statement as something else.
pub fn subquery() -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(select())))
}
