//! Principals kept between requests, each with the access generation it
//! was read at: one is used only while the generation has not moved, so
//! any change to a user, their roles or their grants (here or on another
//! replica) is seen by the very next request.

use std::{collections::HashMap, sync::RwLock};

use super::Identity;
use crate::{auth::Principal, Result};

/// More principals than this and the cache starts afresh.
const MAX_KEPT: usize = 10_000;

#[derive(Debug, Default)]
pub struct PrincipalCache(RwLock<HashMap<i64, (i64, Principal)>>);

impl PrincipalCache {
    fn get(&self, user_id: i64, generation: i64) -> Option<Principal> {
        let kept = self.0.read().ok()?;
        match kept.get(&user_id) {
            Some((at, p)) if *at == generation => Some(p.clone()),
            _ => None,
        }
    }

    fn put(&self, generation: i64, p: &Principal) {
        if let Ok(mut kept) = self.0.write() {
            if kept.len() >= MAX_KEPT {
                kept.clear();
            }
            kept.insert(p.user_id, (generation, p.clone()));
        }
    }
}

impl Identity<'_> {
    /// [`Identity::principal`] for a request whose session was just read
    /// (which read the access generation with it): kept from an earlier
    /// request while nothing that decides access has changed.
    pub async fn principal_for_request(&self, user_id: i64) -> Result<Option<Principal>> {
        let generation = self.generation.current();
        if generation > 0 {
            if let Some(p) = self.caches.principals.get(user_id, generation) {
                return Ok(Some(p));
            }
        }
        let p = self.principal(user_id).await?;
        if let (Some(p), true) = (&p, generation > 0) {
            self.caches.principals.put(generation, p);
        }
        Ok(p)
    }
}
