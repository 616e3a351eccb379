//! The permission catalogue: every permission in the product, grouped as
//! area > group > permission, with English and Chinese labels and the
//! scopes a binding may grant it at.
//!
//! Areas built later (workloads, storage, config center, metering, billing,
//! approvals) are listed already, so custom roles can be designed now.
//! Keys are stable: they are stored in custom roles and audit records.

use serde::{Deserialize, Serialize};

/// Where a role binding can sit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScopeKind {
    Platform,
    Domain,
    Vdc,
}

/// A translated label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub en: &'static str,
    pub zh: &'static str,
}

#[derive(Debug)]
pub struct Area {
    pub key: &'static str,
    pub label: Label,
    pub groups: &'static [Group],
}

#[derive(Debug)]
pub struct Group {
    pub key: &'static str,
    pub label: Label,
    pub permissions: &'static [Permission],
}

macro_rules! catalogue {
    ($(
        area $akey:literal ($aen:literal, $azh:literal) {
            $(
                group $gkey:literal ($gen:literal, $gzh:literal) {
                    $( $perm:ident $pkey:literal [$($scope:ident)+] ($pen:literal, $pzh:literal), )+
                }
            )+
        }
    )+) => {
        /// A typed permission key such as `workload.scale`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission { $($($($perm,)+)+)+ }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$($($(Permission::$perm,)+)+)+];

            pub fn key(self) -> &'static str {
                match self { $($($(Permission::$perm => $pkey,)+)+)+ }
            }

            pub fn from_key(key: &str) -> Option<Permission> {
                match key { $($($($pkey => Some(Permission::$perm),)+)+)+ _ => None }
            }

            pub fn label(self) -> Label {
                match self { $($($(Permission::$perm => Label { en: $pen, zh: $pzh },)+)+)+ }
            }

            /// The scopes a binding may grant this permission at.
            pub fn scopes(self) -> &'static [ScopeKind] {
                use ScopeKind::*;
                match self { $($($(Permission::$perm => &[$($scope),+],)+)+)+ }
            }

            pub fn applies_at(self, kind: ScopeKind) -> bool {
                self.scopes().contains(&kind)
            }
        }

        /// The permission tree: area > group > permission.
        pub const CATALOGUE: &[Area] = &[$(
            Area {
                key: $akey,
                label: Label { en: $aen, zh: $azh },
                groups: &[$(
                    Group {
                        key: $gkey,
                        label: Label { en: $gen, zh: $gzh },
                        permissions: &[$(Permission::$perm,)+],
                    },
                )+],
            },
        )+];
    };
}

// Scopes: Platform, Domain, Vdc.
catalogue! {
    area "overview" ("Overview", "概览") {
        group "overview" ("Overview", "概览") {
            OverviewRead "overview.read" [Platform Domain Vdc] ("View the overview", "查看概览"),
        }
    }
    area "tenancy" ("Tenancy", "租户") {
        group "domains" ("Domains", "域") {
            DomainRead "domain.read" [Platform Domain] ("View domains", "查看域"),
            DomainCreate "domain.create" [Platform] ("Create domains", "创建域"),
            DomainUpdate "domain.update" [Platform] ("Edit domains", "编辑域"),
            DomainDelete "domain.delete" [Platform] ("Delete domains", "删除域"),
        }
        group "vdcs" ("VDCs", "虚拟数据中心") {
            VdcRead "vdc.read" [Platform Domain Vdc] ("View VDCs", "查看虚拟数据中心"),
            VdcCreate "vdc.create" [Platform Domain] ("Create VDCs", "创建虚拟数据中心"),
            VdcUpdate "vdc.update" [Platform Domain Vdc] ("Edit VDCs", "编辑虚拟数据中心"),
            VdcDelete "vdc.delete" [Platform Domain] ("Delete VDCs", "删除虚拟数据中心"),
            VdcSuspend "vdc.suspend" [Platform Domain] ("Suspend and resume VDCs", "暂停和恢复虚拟数据中心"),
        }
        group "quotas" ("Quotas", "配额") {
            QuotaRead "quota.read" [Platform Domain Vdc] ("View quotas", "查看配额"),
            QuotaUpdate "quota.update" [Platform Domain] ("Change quotas", "修改配额"),
        }
        group "members" ("Members", "成员") {
            MemberRead "member.read" [Platform Domain Vdc] ("View members", "查看成员"),
            MemberManage "member.manage" [Platform Domain Vdc] ("Add and remove members", "添加和移除成员"),
        }
    }
    area "identity" ("Identity and access", "身份与权限") {
        group "users" ("Users", "用户") {
            UserRead "user.read" [Platform Domain] ("View users", "查看用户"),
            UserCreate "user.create" [Platform Domain] ("Create users", "创建用户"),
            UserUpdate "user.update" [Platform Domain] ("Edit, disable and enable users", "编辑、禁用和启用用户"),
            UserPasswordReset "user.password.reset" [Platform Domain] ("Reset passwords", "重置密码"),
            UserDelete "user.delete" [Platform Domain] ("Delete users", "删除用户"),
        }
        group "roles" ("Roles", "角色") {
            RoleRead "role.read" [Platform Domain Vdc] ("View roles", "查看角色"),
            RoleManage "role.manage" [Platform] ("Create, edit and delete custom roles", "创建、编辑和删除自定义角色"),
            RoleBind "role.bind" [Platform Domain Vdc] ("Grant and revoke roles", "授予和撤销角色"),
        }
        group "security" ("Security", "安全") {
            SecurityPolicyRead "security.policy.read" [Platform Domain] ("View security policies", "查看安全策略"),
            SecurityPolicyUpdate "security.policy.update" [Platform Domain] ("Change password, 2FA and IP policies", "修改密码、双因素和 IP 策略"),
            SessionRevoke "session.revoke" [Platform Domain] ("End other users' sessions", "结束其他用户的会话"),
            LockoutLift "lockout.lift" [Platform] ("Lift account locks", "解除账户锁定"),
        }
        group "audit" ("Audit", "审计") {
            AuditRead "audit.read" [Platform Domain Vdc] ("View the audit log", "查看审计日志"),
            AuditExport "audit.export" [Platform Domain] ("Export the audit log", "导出审计日志"),
        }
    }
    area "infrastructure" ("Infrastructure", "基础设施") {
        group "clusters" ("Clusters", "集群") {
            ClusterRead "cluster.read" [Platform] ("View clusters", "查看集群"),
            ClusterCreate "cluster.create" [Platform] ("Register clusters", "注册集群"),
            ClusterUpdate "cluster.update" [Platform] ("Edit clusters", "编辑集群"),
            ClusterDelete "cluster.delete" [Platform] ("Remove clusters", "移除集群"),
        }
        group "nodes" ("Nodes", "节点") {
            NodeRead "node.read" [Platform] ("View nodes", "查看节点"),
            NodeCordon "node.cordon" [Platform] ("Cordon and uncordon nodes", "封锁和解除封锁节点"),
            NodeDrain "node.drain" [Platform] ("Drain nodes", "排空节点"),
            NodeLabel "node.label" [Platform] ("Edit node labels and taints", "编辑节点标签和污点"),
        }
    }
    area "applications" ("Applications", "应用") {
        group "app_spaces" ("App spaces", "应用空间") {
            AppSpaceRead "appspace.read" [Platform Domain Vdc] ("View app spaces", "查看应用空间"),
            AppSpaceCreate "appspace.create" [Platform Domain Vdc] ("Create app spaces", "创建应用空间"),
            AppSpaceUpdate "appspace.update" [Platform Domain Vdc] ("Edit app spaces", "编辑应用空间"),
            AppSpaceDelete "appspace.delete" [Platform Domain Vdc] ("Delete app spaces", "删除应用空间"),
        }
        group "workloads" ("Workloads", "工作负载") {
            WorkloadRead "workload.read" [Platform Domain Vdc] ("View workloads", "查看工作负载"),
            WorkloadCreate "workload.create" [Platform Domain Vdc] ("Deploy workloads", "部署工作负载"),
            WorkloadUpdate "workload.update" [Platform Domain Vdc] ("Edit workloads", "编辑工作负载"),
            WorkloadDelete "workload.delete" [Platform Domain Vdc] ("Delete workloads", "删除工作负载"),
            WorkloadScale "workload.scale" [Platform Domain Vdc] ("Scale workloads", "伸缩工作负载"),
            WorkloadRestart "workload.restart" [Platform Domain Vdc] ("Restart workloads", "重启工作负载"),
            WorkloadRollback "workload.rollback" [Platform Domain Vdc] ("Roll back workloads", "回滚工作负载"),
            PodLogRead "pod.log.read" [Platform Domain Vdc] ("Read container logs", "查看容器日志"),
            PodExec "pod.exec" [Platform Domain Vdc] ("Open a shell in containers", "进入容器终端"),
        }
        group "networking" ("Networking", "网络") {
            ServiceRead "service.read" [Platform Domain Vdc] ("View services", "查看服务"),
            ServiceManage "service.manage" [Platform Domain Vdc] ("Manage services", "管理服务"),
            IngressRead "ingress.read" [Platform Domain Vdc] ("View ingresses", "查看路由"),
            IngressManage "ingress.manage" [Platform Domain Vdc] ("Manage ingresses", "管理路由"),
            NetworkPolicyRead "networkpolicy.read" [Platform Domain Vdc] ("View network policies", "查看网络策略"),
            NetworkPolicyManage "networkpolicy.manage" [Platform Domain Vdc] ("Manage network policies", "管理网络策略"),
        }
    }
    area "storage" ("Storage", "存储") {
        group "classes" ("Storage classes", "存储类") {
            StorageClassRead "storage.class.read" [Platform Domain Vdc] ("View storage classes", "查看存储类"),
            StorageClassManage "storage.class.manage" [Platform] ("Manage storage classes", "管理存储类"),
        }
        group "volumes" ("Volumes", "存储卷") {
            VolumeRead "volume.read" [Platform Domain Vdc] ("View volumes", "查看存储卷"),
            VolumeCreate "volume.create" [Platform Domain Vdc] ("Create volumes", "创建存储卷"),
            VolumeExpand "volume.expand" [Platform Domain Vdc] ("Expand volumes", "扩容存储卷"),
            VolumeDelete "volume.delete" [Platform Domain Vdc] ("Delete volumes", "删除存储卷"),
        }
    }
    area "config" ("Config center", "配置中心") {
        group "config_maps" ("Config maps", "配置项") {
            ConfigMapRead "config.map.read" [Platform Domain Vdc] ("View config maps", "查看配置项"),
            ConfigMapWrite "config.map.write" [Platform Domain Vdc] ("Create and edit config maps", "创建和编辑配置项"),
        }
        group "secrets" ("Secrets", "保密字典") {
            ConfigSecretRead "config.secret.read" [Platform Domain Vdc] ("Read secret values", "读取保密字典的值"),
            ConfigSecretWrite "config.secret.write" [Platform Domain Vdc] ("Create and edit secrets", "创建和编辑保密字典"),
        }
    }
    area "billing" ("Metering and billing", "计量计费") {
        group "metering" ("Metering", "计量") {
            MeteringRead "metering.read" [Platform Domain Vdc] ("View usage", "查看用量"),
        }
        group "prices" ("Price plans", "价格方案") {
            PriceRead "billing.price.read" [Platform Domain Vdc] ("View price plans", "查看价格方案"),
            PriceManage "billing.price.manage" [Platform] ("Manage price plans", "管理价格方案"),
        }
        group "bills" ("Bills and wallets", "账单与钱包") {
            BillRead "billing.bill.read" [Platform Domain Vdc] ("View bills", "查看账单"),
            WalletRead "billing.wallet.read" [Platform Domain Vdc] ("View wallet balances", "查看钱包余额"),
            WalletTopup "billing.wallet.topup" [Platform] ("Top up wallets", "为钱包充值"),
            WalletAdjust "billing.wallet.adjust" [Platform] ("Adjust wallet balances", "调整钱包余额"),
        }
    }
    area "approvals" ("Approvals", "审批") {
        group "requests" ("Requests", "申请") {
            ApprovalRequestCreate "approval.request.create" [Platform Domain Vdc] ("Submit requests", "提交申请"),
            ApprovalRequestRead "approval.request.read" [Platform Domain Vdc] ("View requests", "查看申请"),
            ApprovalDecide "approval.decide" [Platform Domain] ("Approve or reject requests", "审批申请"),
        }
        group "flows" ("Approval flows", "审批流程") {
            ApprovalFlowManage "approval.flow.manage" [Platform] ("Configure approval flows", "配置审批流程"),
        }
    }
}

/// The four role types of the source documents, each with a locked
/// built-in role holding every permission of its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleType {
    OperationsAdmin,
    DomainAdmin,
    VdcAdmin,
    VdcUser,
}

/// What a VDC user may do: see, and run their own workloads day to day.
const VDC_USER: &[Permission] = {
    use Permission::*;
    &[
        OverviewRead,
        VdcRead,
        QuotaRead,
        MemberRead,
        AuditRead,
        AppSpaceRead,
        WorkloadRead,
        WorkloadScale,
        WorkloadRestart,
        PodLogRead,
        ServiceRead,
        IngressRead,
        NetworkPolicyRead,
        StorageClassRead,
        VolumeRead,
        ConfigMapRead,
        MeteringRead,
        PriceRead,
        BillRead,
        WalletRead,
        ApprovalRequestCreate,
        ApprovalRequestRead,
    ]
};

impl RoleType {
    pub const ALL: [RoleType; 4] = [
        RoleType::OperationsAdmin,
        RoleType::DomainAdmin,
        RoleType::VdcAdmin,
        RoleType::VdcUser,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RoleType::OperationsAdmin => "operations_admin",
            RoleType::DomainAdmin => "domain_admin",
            RoleType::VdcAdmin => "vdc_admin",
            RoleType::VdcUser => "vdc_user",
        }
    }

    pub fn from_key(key: &str) -> Option<RoleType> {
        RoleType::ALL.into_iter().find(|t| t.key() == key)
    }

    /// Where bindings of roles of this type sit.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            RoleType::OperationsAdmin => ScopeKind::Platform,
            RoleType::DomainAdmin => ScopeKind::Domain,
            RoleType::VdcAdmin | RoleType::VdcUser => ScopeKind::Vdc,
        }
    }

    /// Whether a role of this type may hold `p`: the built-in role holds
    /// exactly these, and a custom role a subset.
    pub fn allows(self, p: Permission) -> bool {
        match self {
            RoleType::OperationsAdmin => true,
            RoleType::DomainAdmin => p.applies_at(ScopeKind::Domain),
            RoleType::VdcAdmin => p.applies_at(ScopeKind::Vdc),
            RoleType::VdcUser => VDC_USER.contains(&p),
        }
    }

    /// Every permission of this type, in catalogue order.
    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(|p| self.allows(*p))
            .collect()
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
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_round_trip_and_are_well_formed() {
        let mut seen = HashSet::new();
        for p in Permission::ALL {
            assert!(seen.insert(p.key()), "duplicate key {}", p.key());
            assert_eq!(Permission::from_key(p.key()), Some(*p));
            assert!(
                p.key().chars().all(|c| c.is_ascii_lowercase() || c == '.'),
                "{}",
                p.key()
            );
            assert!(!p.scopes().is_empty());
            let l = p.label();
            assert!(
                !l.en.is_empty() && !l.zh.is_empty() && l.en != l.zh,
                "{} label",
                p.key()
            );
        }
        assert_eq!(Permission::from_key("nope"), None);
    }

    #[test]
    fn the_tree_holds_every_permission_exactly_once() {
        let in_tree: Vec<Permission> = CATALOGUE
            .iter()
            .flat_map(|a| a.groups.iter().flat_map(|g| g.permissions.iter().copied()))
            .collect();
        assert_eq!(in_tree.len(), Permission::ALL.len());
        assert_eq!(in_tree.iter().collect::<HashSet<_>>().len(), in_tree.len());
        for area in CATALOGUE {
            assert!(
                !area.label.zh.is_empty() && !area.groups.is_empty(),
                "{}",
                area.key
            );
        }
    }

    #[test]
    fn the_catalogue_covers_every_product_area() {
        let areas: Vec<&str> = CATALOGUE.iter().map(|a| a.key).collect();
        for needed in [
            "tenancy",
            "identity",
            "infrastructure",
            "applications",
            "storage",
            "config",
            "billing",
            "approvals",
        ] {
            assert!(areas.contains(&needed), "missing area {needed}");
        }
        for key in [
            "vdc.create",
            "workload.scale",
            "config.secret.read",
            "billing.wallet.topup",
            "approval.decide",
        ] {
            assert!(Permission::from_key(key).is_some(), "missing {key}");
        }
    }

    #[test]
    fn role_types_nest_and_stay_within_their_scopes() {
        let of = |t: RoleType| t.permissions().into_iter().collect::<HashSet<_>>();
        let (ops, domain, vdc_admin, vdc_user) = (
            of(RoleType::OperationsAdmin),
            of(RoleType::DomainAdmin),
            of(RoleType::VdcAdmin),
            of(RoleType::VdcUser),
        );
        assert_eq!(ops.len(), Permission::ALL.len());
        assert!(
            vdc_user.is_subset(&vdc_admin)
                && vdc_admin.is_subset(&domain)
                && domain.is_subset(&ops)
        );
        assert!(
            vdc_user.len() < vdc_admin.len()
                && vdc_admin.len() < domain.len()
                && domain.len() < ops.len()
        );
        for p in &vdc_admin {
            assert!(p.applies_at(ScopeKind::Vdc), "{}", p.key());
        }
        // Platform-only powers stay with operators.
        for p in [
            Permission::ClusterRead,
            Permission::DomainDelete,
            Permission::WalletTopup,
            Permission::RoleManage,
        ] {
            assert!(!domain.contains(&p), "{}", p.key());
        }
        for t in RoleType::ALL {
            assert_eq!(RoleType::from_key(t.key()), Some(t));
        }
    }
}
