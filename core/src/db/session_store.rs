//! tower-sessions storage in Berth's own database.
//!
//! Sessions live in the `sessions` table so that Berth replicas stay
//! stateless. The signed-in user's id is kept in its own column so a user's
//! sessions can be listed and revoked without decoding every row.
//!
//! The cookie's session id is never stored: rows are keyed by its SHA-256
//! ([`stored_id`]), so a copy of the table cannot be replayed as cookies.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use async_trait::async_trait;
use sea_query::{Alias, Expr, InsertStatement, Query};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, SessionStore},
};

use super::{
    generation::{self, Generation},
    schema::Sessions,
    Db, DbError,
};

/// Session data keys. The user id also has its own column.
pub const USER_ID_KEY: &str = "user_id";
/// A random id naming the session to its owner (never the cookie value).
pub const PUBLIC_ID_KEY: &str = "public_id";
/// Client address and browser at sign-in.
pub const SOURCE_KEY: &str = "source";
pub const AGENT_KEY: &str = "agent";
/// When the user signed in, and when the session was last used (unix seconds).
pub const SIGNED_IN_KEY: &str = "signed_in";
pub const LAST_SEEN_KEY: &str = "last_seen";
/// A sign-in waiting for its second factor: the user, and when the
/// password step passed (unix seconds). Not a signed-in session.
pub const PENDING_USER_KEY: &str = "pending_user";
pub const PENDING_AT_KEY: &str = "pending_at";
/// Set when the sign-in's second factor was checked by the single sign-on
/// provider (its ID token said so): Berth's own enrolment is not asked for.
pub const MFA_BY_PROVIDER_KEY: &str = "mfa_by_provider";

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
    generation: Generation,
    kept: Arc<Kept>,
}

/// More signed-in sessions than this and the store keeps none for a while.
const MAX_KEPT: usize = 50_000;

/// Signed-in sessions read or written by this process, each with the
/// access generation it was current at: used only while the generation
/// has not moved, which every session's end or change of user moves.
#[derive(Debug, Default)]
struct Kept(RwLock<HashMap<String, (i64, Record)>>);

impl Kept {
    fn get(&self, key: &str, generation: i64) -> Option<Record> {
        let now = time::OffsetDateTime::now_utc();
        match self.0.read().ok()?.get(key) {
            Some((at, r)) if *at == generation && r.expiry_date > now => Some(r.clone()),
            _ => None,
        }
    }

    fn has(&self, key: &str) -> bool {
        self.0.read().is_ok_and(|k| k.contains_key(key))
    }

    /// Keeps a signed-in session; forgets one that is not.
    fn put(&self, key: String, generation: i64, record: &Record) {
        let Ok(mut kept) = self.0.write() else { return };
        if generation == 0 || !record.data.contains_key(USER_ID_KEY) {
            kept.remove(&key);
            return;
        }
        if kept.len() >= MAX_KEPT {
            kept.clear();
        }
        kept.insert(key, (generation, record.clone()));
    }

    fn forget(&self, key: &str) {
        if let Ok(mut kept) = self.0.write() {
            kept.remove(key);
        }
    }
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            generation: Generation::default(),
            kept: Arc::default(),
        }
    }

    /// Reports the access generation read with each session to `generation`
    /// (the services' own, so their caches follow it).
    pub fn observing(mut self, generation: Generation) -> Self {
        self.generation = generation;
        self
    }

    /// Deletes every expired session; returns how many.
    pub async fn delete_expired(&self) -> Result<u64, DbError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.db
            .execute(
                Query::delete()
                    .from_table(Sessions::Table)
                    .and_where(Expr::col(Sessions::ExpiresAt).lt(now)),
            )
            .await
    }
}

/// What the `id` column holds for a session id: its SHA-256, in hex (64
/// characters, the column's width).
pub fn stored_id(id: &Id) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(id.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

#[derive(sqlx::FromRow)]
struct Row {
    data: String,
    expires_at: i64,
    generation: i64,
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh random id collides with negligible probability; on the
        // rare unique violation, draw another.
        let generation = self.generation.current();
        loop {
            match self.insert(record).await {
                Err(DbError::UniqueViolation) => record.id = Id::default(),
                Ok(()) => {
                    self.kept.put(stored_id(&record.id), generation, record);
                    return Ok(());
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    /// Updates an existing session only: a request finishing after the
    /// session was deleted (sign-out) must not bring it back.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record.data)
            .map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let user_id = record.data.get(USER_ID_KEY).and_then(|v| v.as_i64());
        // The generation before the write: what is kept is never newer
        // than the database.
        let generation = self.generation.current();
        let key = stored_id(&record.id);
        let updated = self
            .db
            .execute(
                Query::update()
                    .table(Sessions::Table)
                    .values([
                        (Sessions::UserId, user_id.into()),
                        (Sessions::PublicId, public_id(record).into()),
                        (Sessions::Data, data.into()),
                        (
                            Sessions::ExpiresAt,
                            record.expiry_date.unix_timestamp().into(),
                        ),
                    ])
                    .and_where(Expr::col(Sessions::Id).eq(key.clone())),
            )
            .await
            .map_err(backend)?;
        if updated == 0 {
            self.kept.forget(&key);
        } else {
            self.kept.put(key, generation, record);
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let key = stored_id(id);
        if self.kept.has(&key) {
            // One shared read of the generation says whether it still holds.
            let generation = self.generation.fresh(&self.db).await.map_err(backend)?;
            if let Some(mut record) = self.kept.get(&key, generation) {
                record.id = *id;
                return Ok(Some(record));
            }
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let row: Option<Row> = self
            .db
            .fetch_optional(
                Query::select()
                    .columns([Sessions::Data, Sessions::ExpiresAt])
                    .expr_as(generation::subquery(), Alias::new("generation"))
                    .from(Sessions::Table)
                    .and_where(Expr::col(Sessions::Id).eq(key.clone()))
                    .and_where(Expr::col(Sessions::ExpiresAt).gt(now)),
            )
            .await
            .map_err(backend)?;
        let Some(row) = row else {
            self.kept.forget(&key);
            return Ok(None);
        };
        self.generation.observe(row.generation);
        let data = serde_json::from_str(&row.data)
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date =
            time::OffsetDateTime::from_unix_timestamp(row.expires_at).map_err(backend)?;
        let record = Record {
            id: *id,
            data,
            expiry_date,
        };
        self.kept.put(key, row.generation, &record);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.kept.forget(&stored_id(id));
        self.db
            .execute(
                Query::delete()
                    .from_table(Sessions::Table)
                    .and_where(Expr::col(Sessions::Id).eq(stored_id(id))),
            )
            .await
            .map(|_| ())
            .map_err(backend)
    }
}

impl DbSessionStore {
    async fn insert(&self, record: &Record) -> Result<(), DbError> {
        let q = insert_statement(record).map_err(|e| DbError::Other(sqlx::Error::Protocol(e)))?;
        self.db.execute(&q).await.map(|_| ())
    }
}

fn insert_statement(record: &Record) -> Result<InsertStatement, String> {
    let data = serde_json::to_string(&record.data).map_err(|e| e.to_string())?;
    let user_id = record.data.get(USER_ID_KEY).and_then(|v| v.as_i64());
    let mut q = Query::insert();
    q.into_table(Sessions::Table)
        .columns([
            Sessions::Id,
            Sessions::UserId,
            Sessions::Data,
            Sessions::ExpiresAt,
            Sessions::PublicId,
        ])
        .values([
            stored_id(&record.id).into(),
            user_id.into(),
            data.into(),
            record.expiry_date.unix_timestamp().into(),
            public_id(record).into(),
        ])
        .map_err(|e| e.to_string())?;
    Ok(q)
}

fn public_id(record: &Record) -> Option<String> {
    record
        .data
        .get(PUBLIC_ID_KEY)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}
