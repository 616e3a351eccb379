//! The permission catalogue and role types.
//!
//! A permission is a typed key such as `vdc.create`. Each role type (from
//! the source documents: operations admin, domain admin, VDC admin, VDC
//! user) has a locked built-in role holding all of its type's permissions.

use serde::{Deserialize, Serialize};

macro_rules! permissions {
    ($($variant:ident => $key:literal,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission { $($variant,)* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$variant,)*];

            /// The stable key stored in custom roles and audit records.
            pub fn key(self) -> &'static str {
                match self { $(Permission::$variant => $key,)* }
            }

            pub fn from_key(key: &str) -> Option<Permission> {
                match key { $($key => Some(Permission::$variant),)* _ => None }
            }
        }
    };
}

permissions! {
    OverviewRead => "overview.read",
    DomainRead => "domain.read",
    DomainCreate => "domain.create",
    DomainUpdate => "domain.update",
    DomainDelete => "domain.delete",
    VdcRead => "vdc.read",
    VdcCreate => "vdc.create",
    VdcUpdate => "vdc.update",
    VdcDelete => "vdc.delete",
    ClusterRead => "cluster.read",
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleType {
    OperationsAdmin,
    DomainAdmin,
    VdcAdmin,
    VdcUser,
}

impl RoleType {
    pub fn key(self) -> &'static str {
        match self {
            RoleType::OperationsAdmin => "operations_admin",
            RoleType::DomainAdmin => "domain_admin",
            RoleType::VdcAdmin => "vdc_admin",
            RoleType::VdcUser => "vdc_user",
        }
    }

    pub fn from_key(key: &str) -> Option<RoleType> {
        [
            RoleType::OperationsAdmin,
            RoleType::DomainAdmin,
            RoleType::VdcAdmin,
            RoleType::VdcUser,
        ]
        .into_iter()
        .find(|t| t.key() == key)
    }

    /// Every permission a role of this type may hold; the built-in role of
    /// the type holds exactly these.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            RoleType::OperationsAdmin => Permission::ALL,
            RoleType::DomainAdmin => &[OverviewRead, DomainRead, VdcRead, VdcCreate, VdcUpdate, VdcDelete],
            RoleType::VdcAdmin => &[OverviewRead, VdcRead, VdcUpdate],
            RoleType::VdcUser => &[OverviewRead, VdcRead],
        }
    }

    /// The name of this type's locked built-in role.
    pub fn builtin_role_name(self) -> &'static str {
        match self {
            RoleType::OperationsAdmin => "operations-admin",
            RoleType::DomainAdmin => "domain-admin",
            RoleType::VdcAdmin => "vdc-admin",
            RoleType::VdcUser => "vdc-user",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p.key()), "duplicate key {}", p.key());
            assert_eq!(Permission::from_key(p.key()), Some(*p));
        }
        assert_eq!(Permission::from_key("nope"), None);
    }

    #[test]
    fn narrower_types_hold_subsets_of_the_operations_admin() {
        for t in [RoleType::DomainAdmin, RoleType::VdcAdmin, RoleType::VdcUser] {
            assert!(t.permissions().len() < RoleType::OperationsAdmin.permissions().len());
            assert_eq!(RoleType::from_key(t.key()), Some(t));
        }
    }
}
