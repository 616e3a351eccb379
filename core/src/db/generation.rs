//! The access generation: a number the database moves on, by trigger and
//! in the same transaction, with every change to what decides a request
//! (users, roles, permissions, bindings, settings, IP rules, a session
//! that ends or changes hands; see migration 0013). A request
//! with a session reads it afresh ([`Generation::fresh`]), so what a
//! replica keeps from earlier requests (sessions, principals, settings) is
//! used only while the number has not moved: a revoked grant or session
//! takes effect on the very next request, on every replica.
//!
//! Reading it is one tiny query, shared: a request starts a read of its
//! own while fewer than [`READS_IN_FLIGHT`] are under way; otherwise it
//! waits for the next read to start (which starts after it arrived, so it
//! sees every change committed before it), and one read serves every
//! request waiting for it. Under load that is a few reads per read's
//! duration, not one per request, and a request waits about one read.

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

/// At most this many reads of the generation at once.
pub const READS_IN_FLIGHT: u32 = 4;

#[derive(Debug, Default)]
struct ReadState {
    /// How many reads have been started (the number of the newest).
    started: u64,
    /// The highest read number anyone waits for.
    wanted: u64,
    /// Reads under way.
    in_flight: u32,
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
            if s.in_flight < READS_IN_FLIGHT {
                // A read of our own, starting now.
                s.in_flight += 1;
                s.started += 1;
                let (this, db, number) = (self.clone(), db.clone(), s.started);
                tokio::spawn(async move { this.read_while_wanted(db, number).await });
                s.started
            } else {
                // The reads under way may have started before we came:
                // wait for the next to start, when one of them is done.
                let need = s.started + 1;
                s.wanted = s.wanted.max(need);
                need
            }
        };
        let (_, found) = done
            .wait_for(|(finished, _)| *finished >= need)
            .await
            .map_err(|_| DbError::Other(sqlx::Error::PoolClosed))?
            .clone();
        found.map_err(|e| DbError::Other(sqlx::Error::Protocol(e)))
    }

    /// Reads (as read `number`, then as the next one wanted) until nobody
    /// waits for a read not yet started.
    async fn read_while_wanted(self, db: Db, mut number: u64) {
        loop {
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
            // Reads may end out of order: the last finished only moves
            // forward (a later read serves those waiting for an earlier).
            self.reads.done.send_if_modified(|last| {
                let newer = number > last.0;
                if newer {
                    *last = (number, found);
                }
                newer
            });
            if s.wanted > s.started {
                s.started += 1;
                number = s.started;
            } else {
                s.in_flight -= 1;
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
