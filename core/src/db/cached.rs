//! A value read from the database and kept for a few seconds, while the
//! access generation stands still (see [`super::generation`]), and dropped
//! on every local change. Another replica's change applies on the next
//! request that reads the generation, and within the TTL whatever happens.

use std::{
    future::Future,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use crate::Result;

/// How long another replica's change may take to apply here.
pub const TTL: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Cached<T>(RwLock<Option<(Instant, i64, Arc<T>)>>);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self(RwLock::new(None))
    }
}

impl<T> Cached<T> {
    /// The kept value, if kept at `generation` less than [`TTL`] ago, or a
    /// fresh one from `load`.
    pub async fn get<F: Future<Output = Result<T>>>(
        &self,
        generation: i64,
        load: impl FnOnce() -> F,
    ) -> Result<Arc<T>> {
        if let Ok(kept) = self.0.read() {
            if let Some((at, kept_at, value)) = kept.as_ref() {
                if at.elapsed() < TTL && *kept_at == generation {
                    return Ok(value.clone());
                }
            }
        }
        let value = Arc::new(load().await?);
        if let Ok(mut kept) = self.0.write() {
            *kept = Some((Instant::now(), generation, value.clone()));
        }
        Ok(value)
    }

    pub fn forget(&self) {
        if let Ok(mut kept) = self.0.write() {
            *kept = None;
        }
    }
}
