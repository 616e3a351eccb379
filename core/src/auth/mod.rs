//! Who is calling, and what they may do.
//!
//! [`authorize`] is the only way to obtain an [`Authorized`] proof, and every
//! service method that acts on data asks for one first. Rights are held
//! through role bindings (role + scope); a binding at a scope covers
//! everything beneath it (platform > domain > VDC).

// The catalogue lives in `berth-api`, so the browser shows the same tree
// the server enforces.
pub use berth_api::permission::{Permission, RoleType, ScopeKind, CATALOGUE};

pub mod endpoint;
mod gate;

use crate::{Error, Result};

/// Where a binding applies, or where an action takes place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Platform,
    Domain(i64),
    Vdc { domain_id: i64, vdc_id: i64 },
}

impl Scope {
    /// Whether a binding at `self` reaches an action at `target`.
    pub fn covers(self, target: Scope) -> bool {
        match (self, target) {
            (Scope::Platform, _) => true,
            (Scope::Domain(d), Scope::Domain(t)) => d == t,
            (Scope::Domain(d), Scope::Vdc { domain_id, .. }) => d == domain_id,
            (Scope::Vdc { vdc_id: a, .. }, Scope::Vdc { vdc_id: b, .. }) => a == b,
            _ => false,
        }
    }

    /// The scope of something homed in a domain, or in none (the
    /// platform's): a user, an IP rule.
    pub fn home(domain_id: Option<i64>) -> Scope {
        domain_id.map_or(Scope::Platform, Scope::Domain)
    }

    /// Which of the three levels the scope is.
    pub fn kind(self) -> ScopeKind {
        match self {
            Scope::Platform => ScopeKind::Platform,
            Scope::Domain(_) => ScopeKind::Domain,
            Scope::Vdc { .. } => ScopeKind::Vdc,
        }
    }

    /// The `(scope_kind, scope_id)` columns a scope is stored as (a VDC by
    /// its own id; its domain follows from the VDC row).
    pub fn columns(self) -> (&'static str, Option<i64>) {
        match self {
            Scope::Platform => ("platform", None),
            Scope::Domain(id) => ("domain", Some(id)),
            Scope::Vdc { vdc_id, .. } => ("vdc", Some(vdc_id)),
        }
    }

    /// The scope stored as `(kind, id)`, with a VDC's domain from its row;
    /// `None` for a row that names no scope Berth knows.
    pub fn from_columns(kind: &str, id: Option<i64>, vdc_domain_id: Option<i64>) -> Option<Scope> {
        match (kind, id) {
            ("platform", _) => Some(Scope::Platform),
            ("domain", Some(id)) => Some(Scope::Domain(id)),
            ("vdc", Some(vdc_id)) => Some(Scope::Vdc {
                domain_id: vdc_domain_id?,
                vdc_id,
            }),
            _ => None,
        }
    }

    /// The domain a scope lies in (none for the platform).
    pub fn domain(self) -> Option<i64> {
        match self {
            Scope::Platform => None,
            Scope::Domain(d) | Scope::Vdc { domain_id: d, .. } => Some(d),
        }
    }
}

/// One role held by a user at one scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub role_name: String,
    pub role_type: RoleType,
    pub permissions: Vec<Permission>,
    pub scope: Scope,
}

/// Where a request came from, for audit records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub request_id: String,
    /// The client's address as the server sees it.
    pub source: Option<String>,
    /// The public id of the session the request came in.
    pub session: Option<String>,
}

/// The signed-in user making this request, with everything needed to
/// decide on it and to record the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The user's home domain (none for platform staff): its login IP
    /// rules apply to them.
    pub domain_id: Option<i64>,
    pub bindings: Vec<Binding>,
    pub request: RequestMeta,
    /// Set by an operator's reset or a password past the policy's maximum
    /// age: until it is changed, the user may do nothing else.
    pub must_change_password: bool,
    /// The operators' policy asks this user for a second factor, and they
    /// have not set one up: until they do, they may do nothing else.
    pub must_enroll_2fa: bool,
}

/// A task a signed-in user must finish before anything else: changing a
/// password that must be changed, setting up a required second factor.
/// Decided here, so every entry point (server functions, routes, a REST
/// API, workers) inherits it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hold {
    ChangePassword,
    EnrollSecondFactor,
}

/// What a signed-in user does to their own account: no permission needed,
/// but a [`Hold`] lets through only what finishes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnAccount {
    ChangePassword,
    SecondFactor,
    Sessions,
}

impl Hold {
    pub fn allows(self, what: OwnAccount) -> bool {
        matches!(
            (self, what),
            (Hold::ChangePassword, OwnAccount::ChangePassword)
                | (Hold::EnrollSecondFactor, OwnAccount::SecondFactor)
        )
    }

    /// The page where the task is done.
    pub fn page(self) -> &'static str {
        match self {
            Hold::ChangePassword => "/account/password",
            Hold::EnrollSecondFactor => "/account/2fa",
        }
    }
}

/// An address as compared with networks: IPv4 written as IPv6
/// (`::ffff:a.b.c.d`) is the IPv4 address.
pub fn canonical_ip(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// Which tenants' objects a principal may see under one read permission:
/// the one tenant filter every list, count and search applies in the data
/// layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Held at platform scope: everything.
    All,
    /// Held at these domains (and everything in them) and these VDCs.
    Tenants { domains: Vec<i64>, vdcs: Vec<i64> },
}

impl Visibility {
    pub fn is_empty(&self) -> bool {
        matches!(self, Visibility::Tenants { domains, vdcs } if domains.is_empty() && vdcs.is_empty())
    }
}

impl Principal {
    /// The task this user must finish first, if any (a password change
    /// comes before setting up a second factor).
    pub fn hold(&self) -> Option<Hold> {
        if self.must_change_password {
            Some(Hold::ChangePassword)
        } else if self.must_enroll_2fa {
            Some(Hold::EnrollSecondFactor)
        } else {
            None
        }
    }

    /// Every permission held at any scope, as keys, sorted: what pages
    /// offer. Each call is still decided by [`authorize`] at its scope.
    pub fn permission_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self
            .bindings
            .iter()
            .flat_map(|b| b.permissions.iter().map(|p| p.key().to_owned()))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Whether any of this principal's bindings sits at, above or inside
    /// `scope`: a tenant the caller has something to do with. Outside of
    /// those, Berth answers as if the object did not exist.
    pub fn relates_to(&self, scope: Scope) -> bool {
        self.bindings
            .iter()
            .any(|b| b.scope.covers(scope) || scope.covers(b.scope))
    }

    /// Where this principal holds `permission`.
    pub fn visibility(&self, permission: Permission) -> Visibility {
        if self.hold().is_some() {
            return Visibility::Tenants {
                domains: vec![],
                vdcs: vec![],
            };
        }
        let (mut domains, mut vdcs) = (vec![], vec![]);
        for b in self
            .bindings
            .iter()
            .filter(|b| b.permissions.contains(&permission))
        {
            match b.scope {
                Scope::Platform => return Visibility::All,
                Scope::Domain(d) => domains.push(d),
                Scope::Vdc { vdc_id, .. } => vdcs.push(vdc_id),
            }
        }
        Visibility::Tenants { domains, vdcs }
    }
}

/// Proof that a principal was allowed `permission` at `scope`. Only
/// [`authorize`] makes one, and every permissioned write takes one: the
/// write says which permission and which scope it touches
/// ([`Authorized::expect`]), so a proof made for another permission, or
/// for another tenant than the row written, fails at once in debug builds
/// and tests.
#[derive(Debug)]
pub struct Authorized {
    user_id: i64,
    permission: Permission,
    scope: Scope,
}

impl Authorized {
    pub fn user_id(&self) -> i64 {
        self.user_id
    }
    pub fn permission(&self) -> Permission {
        self.permission
    }
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The check a write makes of its proof: granted for `permission`, at
    /// a scope that covers `target` (the scope of what is written). In
    /// release builds it costs nothing; in debug builds and tests a
    /// mismatch panics with both sides named.
    #[track_caller]
    pub fn expect(&self, permission: Permission, target: Scope) {
        debug_assert!(
            self.permission == permission && self.scope.covers(target),
            "a write of {} at {target:?} was handed the proof of {} at {:?}",
            permission.key(),
            self.permission.key(),
            self.scope,
        );
    }
}

/// The one authorization decision. Denials are logged with the permission
/// and scope asked for.
pub fn authorize(
    principal: &Principal,
    permission: Permission,
    scope: Scope,
) -> Result<Authorized> {
    let allowed = principal.hold().is_none()
        && principal
            .bindings
            .iter()
            .any(|b| b.scope.covers(scope) && b.permissions.contains(&permission));
    if allowed {
        Ok(Authorized {
            user_id: principal.user_id,
            permission,
            scope,
        })
    } else {
        tracing::info!(user = %principal.username, permission = permission.key(), ?scope, "denied");
        Err(Error::Forbidden)
    }
}

/// The decision on a user's own account: always theirs, unless a hold
/// keeps them to another task.
pub fn authorize_own(principal: &Principal, what: OwnAccount) -> Result<()> {
    match principal.hold() {
        Some(hold) if !hold.allows(what) => {
            tracing::info!(user = %principal.username, ?hold, ?what, "held");
            Err(Error::Forbidden)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(bindings: Vec<Binding>) -> Principal {
        Principal {
            user_id: 7,
            username: "u".into(),
            display_name: "U".into(),
            domain_id: None,
            bindings,
            request: RequestMeta::default(),
            must_change_password: false,
            must_enroll_2fa: false,
        }
    }

    fn binding(role_type: RoleType, scope: Scope) -> Binding {
        Binding {
            role_name: "r".into(),
            role_type,
            permissions: role_type.permissions().to_vec(),
            scope,
        }
    }

    #[test]
    fn a_write_refuses_the_proof_of_another_permission_or_tenant() {
        let admin = principal(vec![binding(RoleType::DomainAdmin, Scope::Domain(1))]);
        let proof = authorize(&admin, Permission::VdcCreate, Scope::Domain(1)).unwrap();
        let vdc = Scope::Vdc {
            domain_id: 1,
            vdc_id: 5,
        };
        // Its own permission, at its scope or under it: passes.
        proof.expect(Permission::VdcCreate, Scope::Domain(1));
        proof.expect(Permission::VdcCreate, vdc);
        let misuse = [
            (Permission::VdcDelete, Scope::Domain(1)),
            (Permission::VdcCreate, Scope::Domain(2)),
            (
                Permission::VdcCreate,
                Scope::Vdc {
                    domain_id: 2,
                    vdc_id: 9,
                },
            ),
            (Permission::VdcCreate, Scope::Platform),
        ];
        for (permission, target) in misuse {
            let caught = std::panic::catch_unwind(|| proof.expect(permission, target));
            assert!(caught.is_err(), "{} at {target:?} passed", permission.key());
        }
    }

    #[test]
    fn operations_admin_may_do_anything_anywhere() {
        let p = principal(vec![binding(RoleType::OperationsAdmin, Scope::Platform)]);
        for perm in Permission::ALL {
            let proof = authorize(
                &p,
                *perm,
                Scope::Vdc {
                    domain_id: 1,
                    vdc_id: 2,
                },
            )
            .unwrap();
            assert_eq!(proof.permission(), *perm);
            assert_eq!(proof.user_id(), 7);
        }
    }

    #[test]
    fn visibility_collects_the_scopes_holding_a_permission() {
        let p = principal(vec![
            binding(RoleType::DomainAdmin, Scope::Domain(3)),
            binding(
                RoleType::VdcUser,
                Scope::Vdc {
                    domain_id: 4,
                    vdc_id: 9,
                },
            ),
        ]);
        assert_eq!(
            p.visibility(Permission::VdcRead),
            Visibility::Tenants {
                domains: vec![3],
                vdcs: vec![9]
            }
        );
        assert_eq!(
            p.visibility(Permission::DomainRead),
            Visibility::Tenants {
                domains: vec![3],
                vdcs: vec![]
            }
        );
        assert!(p.visibility(Permission::ClusterRead).is_empty());
        let ops = principal(vec![binding(RoleType::OperationsAdmin, Scope::Platform)]);
        assert_eq!(ops.visibility(Permission::VdcRead), Visibility::All);
    }

    #[test]
    fn no_binding_means_forbidden() {
        let p = principal(vec![]);
        assert!(matches!(
            authorize(&p, Permission::DomainRead, Scope::Platform),
            Err(Error::Forbidden)
        ));
    }

    #[test]
    fn a_binding_reaches_only_its_own_subtree() {
        let p = principal(vec![Binding {
            role_name: "r".into(),
            role_type: RoleType::OperationsAdmin,
            permissions: vec![Permission::VdcRead],
            scope: Scope::Domain(1),
        }]);
        assert!(authorize(
            &p,
            Permission::VdcRead,
            Scope::Vdc {
                domain_id: 1,
                vdc_id: 9
            }
        )
        .is_ok());
        assert!(authorize(
            &p,
            Permission::VdcRead,
            Scope::Vdc {
                domain_id: 2,
                vdc_id: 9
            }
        )
        .is_err());
        assert!(authorize(&p, Permission::VdcRead, Scope::Platform).is_err());
        assert!(authorize(&p, Permission::VdcDelete, Scope::Domain(1)).is_err());
    }
}
