//! The one handle callers hold. Each product area is reached through its
//! own type, so a call names the room it lives in:
//! `services.identity().reset_password(..)`,
//! `services.tenancy().create_vdc(..)`, `services.clusters().list_nodes(..)`.
//! Every operation takes the caller's [`Principal`](crate::auth::Principal),
//! authorizes, validates, and then touches the database or a cluster.

use std::sync::Arc;

use crate::{
    audit::AuditLog,
    clusters::Clusters,
    db::{cached::Cached, generation::Generation, session_store::DbSessionStore, Db},
    identity::{
        hashing::{PasswordParams, Passwords},
        Identity,
    },
    tenancy::Tenancy,
};

/// Cheap to clone: every request takes a copy.
#[derive(Clone, Debug)]
pub struct Services(Arc<Shared>);

impl std::ops::Deref for Services {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What the services hold, shared by every copy.
#[derive(Debug)]
pub struct Shared {
    pub(crate) db: Db,
    pub(crate) passwords: Arc<Passwords>,
    pub(crate) caches: Arc<Caches>,
    /// Seals cluster credentials and other secrets at rest.
    pub(crate) keyring: Arc<crate::db::secrets::Keyring>,
    /// Per cluster id: its client and watch cache, kept between requests.
    pub(crate) cluster_caches: crate::clusters::handle::KeptClusters,
    /// The newest access generation seen; what is kept below is used only
    /// while it stands still.
    pub(crate) generation: Generation,
}

/// Rarely changed tables every request consults.
#[derive(Debug, Default)]
pub(crate) struct Caches {
    pub(crate) settings: Cached<std::collections::HashMap<String, String>>,
    pub(crate) ip_rules: Cached<Vec<crate::identity::ip_rules::Rule>>,
    pub(crate) principals: crate::identity::PrincipalCache,
}

impl Services {
    pub fn new(
        db: Db,
        password_params: PasswordParams,
        keyring: crate::db::secrets::Keyring,
    ) -> Result<Self, String> {
        Ok(Self(Arc::new(Shared {
            db,
            passwords: Arc::new(Passwords::new(password_params)?),
            caches: Arc::default(),
            keyring: Arc::new(keyring),
            cluster_caches: Default::default(),
            generation: Generation::default(),
        })))
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The session store, reporting the access generation it reads with
    /// each session to these services.
    pub fn session_store(&self) -> DbSessionStore {
        DbSessionStore::new(self.db.clone()).observing(self.generation.clone())
    }

    /// Accounts, roles and grants, sessions, sign-in and its policies.
    pub fn identity(&self) -> Identity<'_> {
        Identity(self)
    }

    /// Domains and VDCs: the tenant units.
    pub fn tenancy(&self) -> Tenancy<'_> {
        Tenancy(self)
    }

    /// Registered clusters, their nodes and overviews.
    pub fn clusters(&self) -> Clusters<'_> {
        Clusters(self)
    }

    /// Reading and exporting the audit log.
    pub fn audit_log(&self) -> AuditLog<'_> {
        AuditLog(self)
    }
}
