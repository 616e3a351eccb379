//! Background work on one process: the holder of the `background-workers`
//! lease runs the workers; everyone else waits, renewing its bid every third
//! of the lease time, and takes over once the holder stops renewing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use berth_core::db::lease::Lease;
use tokio::task::JoinHandle;

/// Holds (or waits for) `lease` for good; while held, `start` has spawned
/// the workers, which are stopped the moment a renewal fails. `is_leader`
/// tells the rest of the process (and `/leaderz`) which side it is on.
pub async fn lead<F>(lease: Lease, is_leader: Arc<AtomicBool>, start: F)
where
    F: Fn() -> Vec<JoinHandle<()>>,
{
    let every = lease.ttl() / 3;
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let held = match lease.try_hold().await {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, "leader lease could not be renewed");
                false
            }
        };
        if held && workers.is_empty() {
            tracing::info!(
                holder = lease.holder(),
                "leading: background workers start here"
            );
            workers = start();
        } else if !held && !workers.is_empty() {
            tracing::warn!(
                holder = lease.holder(),
                "lost the leader lease: background workers stop"
            );
            for w in workers.drain(..) {
                w.abort();
            }
        }
        is_leader.store(held, Ordering::SeqCst);
        tokio::time::sleep(every).await;
    }
}
