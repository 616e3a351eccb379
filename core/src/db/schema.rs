//! Table and column names, for sea-query. One enum per table.

use sea_query::Iden;

/// The `id` column every table has.
#[derive(Iden, Clone, Copy)]
pub struct Id;

#[derive(Iden, Clone, Copy)]
pub enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Disabled,
    CreatedAt,
    Email,
    Phone,
    DomainId,
    MustChangePassword,
    PasswordChangedAt,
    TotpSecret,
    TotpEnabled,
    TotpLastStep,
    TotpPendingSecret,
}

#[derive(Iden, Clone, Copy)]
pub enum PasswordHistory {
    Table,
    Id,
    UserId,
    PasswordHash,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum Roles {
    Table,
    Id,
    Name,
    RoleType,
    Builtin,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RoleBindings {
    Table,
    Id,
    UserId,
    RoleId,
    ScopeKind,
    ScopeId,
    CreatedAt,
    Source,
}

#[derive(Iden, Clone, Copy)]
pub enum Sessions {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
    PublicId,
}

#[derive(Iden, Clone, Copy)]
pub enum Domains {
    Table,
    Id,
    Name,
    DisplayName,
    Description,
    CreatedAt,
    QuotaVersion,
}

#[derive(Iden, Clone, Copy)]
pub enum Vdcs {
    Table,
    Id,
    DomainId,
    Name,
    DisplayName,
    Description,
    Status,
    CreatedAt,
    QuotaVersion,
}

/// App spaces: one namespace each, in one VDC on one cluster.
#[derive(Iden, Clone, Copy)]
pub enum AppSpaces {
    Table,
    Id,
    VdcId,
    ClusterId,
    Name,
    DisplayName,
    Description,
    State,
    Message,
    Adopted,
    CreatedAt,
    UpdatedAt,
}

/// What each domain, VDC and app space may use on each cluster.
#[derive(Iden, Clone, Copy)]
pub enum Quotas {
    Table,
    Id,
    OwnerKind,
    OwnerId,
    ParentId,
    ClusterId,
    Resource,
    Amount,
}

#[derive(Iden, Clone, Copy)]
pub enum Clusters {
    Table,
    Id,
    Name,
    Description,
    ApiUrl,
    AuthKind,
    AccessSealed,
    Insecure,
    Embedded,
    Health,
    HealthMessage,
    Version,
    NodeCount,
    CheckedAt,
    CreatedAt,
    UpdatedAt,
    OvercommitPercent,
    IngressNamespace,
    QuotaVersion,
}

#[derive(Iden, Clone, Copy)]
pub enum AuditEvents {
    Table,
    Id,
    At,
    UserId,
    Username,
    Source,
    Action,
    Target,
    ScopeKind,
    ScopeId,
    Outcome,
    RequestId,
    Details,
}

#[derive(Iden, Clone, Copy)]
pub enum RolePermissions {
    Table,
    RoleId,
    Permission,
}

#[derive(Iden, Clone, Copy)]
pub enum Settings {
    Table,
    Name,
    Value,
}

#[derive(Iden, Clone, Copy)]
pub enum LoginFailures {
    Table,
    Id,
    Username,
    Source,
    At,
}

#[derive(Iden, Clone, Copy)]
pub enum IpRules {
    Table,
    Id,
    DomainId,
    Action,
    Cidr,
    Description,
    CreatedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
}

#[derive(Iden, Clone, Copy)]
pub enum LeaderLeases {
    Table,
    Name,
    Holder,
    RenewedAt,
    ExpiresAt,
}

#[derive(Iden, Clone, Copy)]
pub enum SsoIdentities {
    Table,
    Id,
    Issuer,
    Subject,
    UserId,
    CreatedAt,
}
