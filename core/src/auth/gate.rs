//! The one gate every operation passes: [`authorize`] with the denial
//! recorded in the audit log, what a caller may read, and creation under
//! a parent the caller may not even know of.

use crate::{
    audit::{Event, Outcome},
    auth::{authorize, Authorized, Permission, Principal, Scope, Visibility},
    Error, Result, Services,
};

impl Services {
    /// [`authorize`], with a denial recorded against `target`.
    pub(crate) async fn authorize(
        &self,
        who: &Principal,
        permission: Permission,
        scope: Scope,
        target: &str,
    ) -> Result<Authorized> {
        let decision = authorize(who, permission, scope);
        if decision.is_err() {
            self.audit(Event::by(
                who,
                permission.key(),
                target,
                Some(scope),
                Outcome::Denied,
            ))
            .await;
        }
        decision
    }

    /// Where `who` may read under `permission`; refused (and audited) when
    /// nowhere. Lists and counts pass the result to [`tenant_filter`].
    pub(crate) async fn visible(
        &self,
        who: &Principal,
        permission: Permission,
        target: &str,
    ) -> Result<Visibility> {
        let v = who.visibility(permission);
        if v.is_empty() {
            self.audit(Event::by(
                who,
                permission.key(),
                target,
                None,
                Outcome::Denied,
            ))
            .await;
            return Err(Error::Forbidden);
        }
        Ok(v)
    }

    /// [`Services::authorize`] for creating something under `parent` (a
    /// domain or VDC). A parent the caller has nothing to do with, another
    /// tenant's or one that does not exist, is answered as missing, and the
    /// denial is recorded without anything the caller typed and outside
    /// that tenant's log.
    pub(crate) async fn authorize_under(
        &self,
        who: &Principal,
        permission: Permission,
        parent: Scope,
        target: &str,
    ) -> Result<Authorized> {
        if parent != Scope::Platform && !who.relates_to(parent) {
            let (kind, id) = parent.columns();
            let parent_target = format!("{kind}/{}", id.unwrap_or_default());
            self.audit(Event::by(
                who,
                permission.key(),
                &parent_target,
                None,
                Outcome::Denied,
            ))
            .await;
            return Err(Error::NotFound);
        }
        self.authorize(who, permission, parent, target).await
    }
}
