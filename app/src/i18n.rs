//! English and Simplified Chinese for every string the UI shows.
//!
//! The language is chosen on the server (cookie `berth_lang`, then
//! `Accept-Language`), written into `<html lang>`, and read back from there
//! when the page hydrates, so both sides render the same words. Every key
//! must have both translations: the table below will not compile otherwise.

use berth_api::{AppError, ErrorCode};
use leptos::prelude::*;

pub const LANG_COOKIE: &str = "berth_lang";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// Parses a language tag such as `zh-CN`, `zh`, `en-US`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .trim()
            .split(['-', '_', ';'])
            .next()?
            .to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language for a request: the cookie if set, else the first
    /// supported language in `Accept-Language` (by quality), else English.
    pub fn negotiate(cookie_header: Option<&str>, accept_language: Option<&str>) -> Lang {
        let from_cookie = cookie_header.and_then(|c| {
            c.split(';')
                .filter_map(|kv| kv.trim().split_once('='))
                .find(|(k, _)| *k == LANG_COOKIE)
                .and_then(|(_, v)| Lang::from_tag(v))
        });
        from_cookie
            .or_else(|| {
                let mut prefs: Vec<(f32, Lang)> = accept_language?
                    .split(',')
                    .filter_map(|part| {
                        let mut it = part.split(';');
                        let lang = Lang::from_tag(it.next()?)?;
                        let q = it
                            .find_map(|p| p.trim().strip_prefix("q="))
                            .and_then(|q| q.parse::<f32>().ok())
                            .unwrap_or(1.0);
                        Some((q, lang))
                    })
                    .collect();
                prefs.sort_by(|a, b| b.0.total_cmp(&a.0));
                prefs.first().map(|p| p.1)
            })
            .unwrap_or_default()
    }

    pub fn t(self, key: T) -> &'static str {
        text(self, key)
    }

    /// A translated template with `{}` replaced by `args` in order.
    pub fn fmt(self, key: T, args: &[&str]) -> String {
        let mut out = self.t(key).to_owned();
        for a in args {
            out = out.replacen("{}", a, 1);
        }
        out
    }

    /// What to tell a person about an error.
    pub fn error(self, e: &AppError) -> String {
        match e {
            AppError::Unauthenticated => self.t(T::ErrUnauthenticated).into(),
            AppError::Forbidden => self.t(T::ErrForbidden).into(),
            AppError::NotFound => self.t(T::ErrNotFound).into(),
            AppError::Conflict { code, message } => match code {
                ErrorCode::HasChildren => self.t(T::ErrHasChildren).into(),
                ErrorCode::WouldLockOut => self.t(T::FieldWouldLockOut).into(),
                ErrorCode::RoleInUse => {
                    let holders = message.split_once(": ").map_or("", |(_, h)| h);
                    self.fmt(T::ErrRoleInUse, &[holders])
                }
                _ => message.clone(),
            },
            AppError::Validation { .. } => self.t(T::ErrValidation).into(),
            AppError::Locked { retry_after_secs } => self.locked(*retry_after_secs),
            AppError::Unavailable => self.t(T::ErrUnavailable).into(),
            AppError::Internal { request_id } => self.fmt(T::ErrInternal, &[request_id]),
            AppError::Transport { .. } => self.t(T::ErrTransport).into(),
        }
    }

    /// The lockout message, in whole minutes (at least one).
    pub fn locked(self, retry_after_secs: i64) -> String {
        let minutes = ((retry_after_secs + 59) / 60).max(1);
        self.fmt(T::ErrLocked, &[&minutes.to_string()])
    }

    /// What to show beside a rejected field.
    pub fn field_error(self, code: ErrorCode) -> &'static str {
        self.t(match code {
            ErrorCode::Required => T::FieldRequired,
            ErrorCode::TooLong => T::FieldTooLong,
            ErrorCode::Dns1123Label => T::FieldDns1123,
            ErrorCode::Taken => T::FieldTaken,
            ErrorCode::NotFound => T::FieldNotFound,
            ErrorCode::HasChildren => T::ErrHasChildren,
            ErrorCode::Invalid => T::FieldInvalid,
            ErrorCode::OutOfRange => T::FieldOutOfRange,
            ErrorCode::PasswordTooShort => T::PwTooShort,
            ErrorCode::PasswordNoUpper => T::PwNoUpper,
            ErrorCode::PasswordNoLower => T::PwNoLower,
            ErrorCode::PasswordNoDigit => T::PwNoDigit,
            ErrorCode::PasswordNoSymbol => T::PwNoSymbol,
            ErrorCode::PasswordContainsUsername => T::PwContainsUsername,
            ErrorCode::PasswordReused => T::PwReused,
            ErrorCode::WrongPassword => T::PwWrongCurrent,
            ErrorCode::WouldLockOut => T::FieldWouldLockOut,
            ErrorCode::WrongCode => T::FieldWrongCode,
            ErrorCode::RoleInUse => T::ErrRoleInUse,
            ErrorCode::ClusterUnreachable => T::FieldClusterUnreachable,
            ErrorCode::ClusterCertificate => T::FieldClusterCertificate,
            ErrorCode::ClusterCredentials => T::FieldClusterCredentials,
        })
    }

    /// What to show beside a rejected field: the translated reason, and for
    /// connection failures the server's detail (what the API server said).
    pub fn field_message(self, f: &berth_api::FieldError) -> String {
        match f.code {
            ErrorCode::ClusterUnreachable
            | ErrorCode::ClusterCertificate
            | ErrorCode::ClusterCredentials => {
                format!("{}: {}", self.field_error(f.code), f.message)
            }
            ErrorCode::Invalid | ErrorCode::Taken
                if DETAILED_FIELDS.contains(&f.field.as_str()) =>
            {
                format!("{}: {}", self.field_error(f.code), f.message)
            }
            code => self.field_error(code).to_owned(),
        }
    }
}

/// Fields whose rejections carry a precise detail from the server (which
/// certificate, which label) that the translated reason alone would lose.
const DETAILED_FIELDS: &[&str] = &[
    "api_url",
    "kubeconfig",
    "context",
    "ca_cert",
    "client_cert",
    "client_key",
    "labels",
    "taints",
];

/// The language of the current page.
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// Decides the page language once, when the app starts rendering.
pub fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .map(|parts| {
                let header =
                    |name: http::HeaderName| parts.headers.get(name).and_then(|v| v.to_str().ok());
                Lang::negotiate(
                    header(http::header::COOKIE),
                    header(http::header::ACCEPT_LANGUAGE),
                )
            })
            .unwrap_or_default()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Lang::from_tag(&l))
            .unwrap_or_default()
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Lang::default()
    }
}

macro_rules! texts {
    ($($key:ident => ($en:literal, $zh:literal),)*) => {
        /// A translatable string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($key,)* }

        impl T {
            pub const ALL: &'static [T] = &[$(T::$key,)*];
        }

        fn text(lang: Lang, key: T) -> &'static str {
            match (lang, key) {
                $((Lang::En, T::$key) => $en, (Lang::Zh, T::$key) => $zh,)*
            }
        }
    };
}

texts! {
    Brand => ("Berth", "Berth"),
    Tagline => ("Multi-tenant Kubernetes portal", "多租户 Kubernetes 管理平台"),
    AreaTenancy => ("Tenancy", "租户"),
    AreaInfrastructure => ("Infrastructure", "基础设施"),
    NavOverview => ("Overview", "概览"),
    NavDomains => ("Domains", "域"),
    NavVdcs => ("VDCs", "虚拟数据中心"),
    NavClusters => ("Clusters", "集群"),
    MainNavigation => ("Main navigation", "主导航"),
    SignIn => ("Sign in", "登录"),
    SignInTitle => ("Sign in to Berth", "登录 Berth"),
    SignOut => ("Sign out", "退出登录"),
    Username => ("Username", "用户名"),
    Password => ("Password", "密码"),
    InvalidCredentials => ("Invalid username or password.", "用户名或密码错误。"),
    SignedInAs => ("Signed in as", "当前用户"),
    UserMenu => ("User menu", "用户菜单"),
    Language => ("Language", "语言"),
    Search => ("Search", "搜索"),
    SearchPlaceholder => ("Search by name", "按名称搜索"),
    Loading => ("Loading…", "加载中…"),
    NoMatches => ("Nothing matches your search.", "没有符合搜索条件的结果。"),
    NoDomains => ("No domains yet. Create the first one.", "还没有域，请创建第一个。"),
    NoVdcs => ("No VDCs yet. Create the first one.", "还没有虚拟数据中心，请创建第一个。"),
    NoClusters => ("No clusters registered.", "尚未注册集群。"),
    Create => ("Create", "创建"),
    Edit => ("Edit", "编辑"),
    Delete => ("Delete", "删除"),
    Save => ("Save", "保存"),
    Cancel => ("Cancel", "取消"),
    Saving => ("Saving…", "保存中…"),
    Name => ("Name", "名称"),
    NameHint => ("Lower-case letters, digits and '-'; cannot be changed later.", "小写字母、数字和“-”，创建后不可修改。"),
    DisplayName => ("Display name", "显示名称"),
    Description => ("Description", "描述"),
    Domain => ("Domain", "域"),
    AllDomains => ("All domains", "全部域"),
    ChooseDomain => ("Choose a domain", "请选择域"),
    Status => ("Status", "状态"),
    StatusActive => ("Active", "正常"),
    StatusSuspended => ("Suspended", "已暂停"),
    Created => ("Created", "创建时间"),
    Actions => ("Actions", "操作"),
    VdcCount => ("VDCs", "虚拟数据中心数"),
    NewDomain => ("New domain", "新建域"),
    EditDomain => ("Edit domain", "编辑域"),
    NewVdc => ("New VDC", "新建虚拟数据中心"),
    EditVdc => ("Edit VDC", "编辑虚拟数据中心"),
    ConfirmDeleteTitle => ("Delete {}?", "删除 {}？"),
    ConfirmDeleteBody => ("This cannot be undone.", "此操作无法撤销。"),
    PageOf => ("Page {} of {}", "第 {} 页，共 {} 页"),
    TotalItems => ("{} in total", "共 {} 项"),
    Previous => ("Previous", "上一页"),
    Next => ("Next", "下一页"),
    Pagination => ("Pagination", "分页"),
    ApiUrl => ("API endpoint", "API 地址"),
    Version => ("Version", "版本"),
    Nodes => ("Nodes", "节点"),
    Reachability => ("Reachability", "连通性"),
    Reachable => ("Reachable", "可达"),
    NewCluster => ("Register cluster", "注册集群"),
    EditCluster => ("Edit cluster", "编辑集群"),
    Authentication => ("Authentication", "认证方式"),
    Health => ("Health", "健康状态"),
    CheckNow => ("Check now", "立即检查"),
    EmbeddedCluster => ("Managed by Berth", "由 Berth 管理"),
    Insecure => ("TLS not verified", "未校验 TLS"),
    AuthToken => ("Bearer token", "令牌"),
    AuthCertificate => ("Client certificate", "客户端证书"),
    AuthNone => ("None", "无"),
    HealthHealthy => ("Healthy", "健康"),
    HealthUnknown => ("Not checked yet", "尚未检查"),
    HealthUnreachable => ("Unreachable", "不可达"),
    HealthBadCertificate => ("Certificate not trusted", "证书不受信任"),
    HealthUnauthorized => ("Credentials refused", "凭据被拒绝"),
    HealthError => ("Error", "错误"),
    CheckedAt => ("Checked {}", "检查于 {}"),
    ConnectBy => ("Connect with", "连接方式"),
    ByKubeconfig => ("From a kubeconfig", "通过 kubeconfig"),
    ByToken => ("API endpoint and token", "API 地址与令牌"),
    ByCertificate => ("API endpoint and client certificate", "API 地址与客户端证书"),
    Kubeconfig => ("Kubeconfig", "Kubeconfig 内容"),
    KubeconfigHint => ("Paste the file, or choose it below. Credentials must be embedded (no exec plugins or file paths).", "粘贴文件内容或在下方选择文件。凭据须内嵌（不支持 exec 插件或文件路径）。"),
    KubeconfigFile => ("Kubeconfig file", "Kubeconfig 文件"),
    ReadContexts => ("Read contexts", "读取上下文"),
    Context => ("Context", "上下文"),
    ApiUrlHint => ("For example https://10.0.0.1:6443", "例如 https://10.0.0.1:6443"),
    Token => ("Token", "令牌"),
    TokenHint => ("A ServiceAccount token with cluster access.", "具有集群访问权限的 ServiceAccount 令牌。"),
    CaCert => ("CA certificate (PEM)", "CA 证书（PEM）"),
    CaHint => ("The CA that signed the API server's certificate. Leave empty to use the system's trusted roots.", "签发 API 服务器证书的 CA。留空则使用系统信任的根证书。"),
    ClientCert => ("Client certificate (PEM)", "客户端证书（PEM）"),
    ClientKey => ("Client key (PEM)", "客户端私钥（PEM）"),
    PemHint => ("PEM text, starting with -----BEGIN", "PEM 文本，以 -----BEGIN 开头"),
    KeepSecretHint => ("Stored encrypted. Leave empty to keep the current value.", "已加密保存。留空则保留当前值。"),
    InsecureLabel => ("Do not verify the API server's certificate (unsafe)", "不校验 API 服务器证书（不安全）"),
    TestedBeforeSaving => ("The connection is tested before the cluster is saved. Credentials are stored encrypted.", "保存前会测试连接。凭据加密存储。"),
    FieldClusterUnreachable => ("Cannot reach the API server", "无法连接 API 服务器"),
    FieldClusterCertificate => ("The server's certificate is not trusted", "服务器证书不受信任"),
    FieldClusterCredentials => ("The cluster refused these credentials", "集群拒绝了这些凭据"),
    NavNodes => ("Nodes", "节点管理"),
    Cluster => ("Cluster", "集群"),
    NodeSearchHint => ("Search by name, or by label as key=value.", "按名称搜索，或按标签 key=value 搜索。"),
    DrainDone => ("Drain finished: {} pods evicted, {} DaemonSet pods left in place, {} failed.", "排空完成：驱逐 {} 个 Pod，保留 {} 个 DaemonSet Pod，失败 {} 个。"),
    NoNodes => ("No nodes match.", "没有匹配的节点。"),
    Roles => ("Roles", "角色"),
    Cpu => ("CPU", "CPU（核）"),
    Memory => ("Memory", "内存"),
    Pods => ("Pods", "Pod 数"),
    NodeReady => ("Ready", "就绪"),
    NodeNotReady => ("Not ready", "未就绪"),
    Cordoned => ("Cordoned", "已封锁"),
    Maintenance => ("Maintenance", "维护中"),
    Cordon => ("Cordon", "封锁"),
    Uncordon => ("Uncordon", "解除封锁"),
    Drain => ("Drain", "排空"),
    DrainTitle => ("Drain {}?", "排空 {}？"),
    DrainBody => ("The node is cordoned and every pod on it except DaemonSet pods is evicted, to be recreated elsewhere by its controller.", "节点将被封锁，除 DaemonSet Pod 外的所有 Pod 将被驱逐，并由其控制器在其他节点重建。"),
    EnterMaintenance => ("Maintenance on", "进入维护"),
    LeaveMaintenance => ("Maintenance off", "退出维护"),
    MaintenanceTitle => ("Put {} into maintenance?", "将 {} 置于维护模式？"),
    MaintenanceBody => ("The node is cordoned and tainted berth.io/maintenance, so no new pods are placed on it. Pods already there keep running; drain it to move them.", "节点将被封锁并加上 berth.io/maintenance 污点，不再调度新 Pod。已有 Pod 继续运行；如需迁移请排空。"),
    Conditions => ("Conditions", "状态条件"),
    PodsOnNode => ("Pods on this node ({})", "本节点上的 Pod（{}）"),
    DaemonPod => ("DaemonSet", "守护进程集"),
    Labels => ("Labels", "标签"),
    LabelsHint => ("One per line: key=value", "每行一个：key=value"),
    SaveLabels => ("Save labels", "保存标签"),
    Taints => ("Taints", "污点"),
    TaintsHint => ("One per line: key=value:Effect (NoSchedule, PreferNoSchedule or NoExecute)", "每行一个：key=value:Effect（NoSchedule、PreferNoSchedule 或 NoExecute）"),
    SaveTaints => ("Save taints", "保存污点"),
    Unreachable => ("Unreachable", "不可达"),
    ClusterOverviewOf => ("Overview of {}", "{} 概览"),
    BackToClusters => ("All clusters", "全部集群"),
    ViewNodes => ("Nodes of this cluster", "查看本集群节点"),
    Platform => ("Platform", "平台"),
    NodesReadyFigure => ("{} of {} ready", "{} / {} 个就绪"),
    NodesNotReadyList => ("Not ready: {}", "未就绪：{}"),
    NodeReadiness => ("Node readiness", "节点就绪情况"),
    ResourcesHeading => ("Capacity and requests", "容量与请求"),
    ResourcesHint => ("Capacity is what the nodes have; allocatable is what they offer pods after system reservations; requested is what scheduled pods have asked for.", "容量为节点总资源；可分配为扣除系统预留后可供 Pod 使用的资源；已请求为已调度 Pod 申请的资源。"),
    Capacity => ("Capacity", "容量"),
    Allocatable => ("Allocatable", "可分配"),
    Requested => ("Requested", "已请求"),
    Gpu => ("GPU", "GPU（卡）"),
    CpuCores => ("CPU (cores)", "CPU（核）"),
    MemoryGib => ("Memory (GiB)", "内存（GiB）"),
    ResourceFigures => ("capacity {}, allocatable {}, requested {} ({} of allocatable)", "容量 {}，可分配 {}，已请求 {}（占可分配的 {}）"),
    ChartOf => ("{}: {}", "{}：{}"),
    UnitCores => ("{} cores", "{} 核"),
    NoGpus => ("No node offers GPUs.", "没有节点提供 GPU。"),
    Namespaces => ("Namespaces", "命名空间"),
    Namespace => ("Namespace", "命名空间"),
    NoNamespacesMatch => ("No namespaces match.", "没有匹配的命名空间。"),
    RecentWarnings => ("Recent warnings", "最近告警事件"),
    WarningsShown => ("The latest {} of {} warning events.", "显示 {} 条最新告警事件，共 {} 条。"),
    NoWarnings => ("No warning events.", "没有告警事件。"),
    EventLastSeen => ("Last seen", "最近发生"),
    Object => ("Object", "对象"),
    Reason => ("Reason", "原因"),
    Message => ("Message", "消息"),
    Count => ("Count", "次数"),
    ChartUnavailable => ("The chart could not be drawn (charting library not loaded); the figures are shown as text.", "图表无法绘制（图表库未加载）；数据以文字显示。"),
    Welcome => ("Welcome, {}", "欢迎，{}"),
    OverviewIntro => ("Your platform at a glance.", "平台概况一览。"),
    NotFoundPage => ("Page not found.", "页面不存在。"),
    BackHome => ("Back to the overview", "返回概览"),
    ErrUnauthenticated => ("Your session has ended. Please sign in again.", "会话已结束，请重新登录。"),
    ErrForbidden => ("You do not have permission for this.", "您没有执行此操作的权限。"),
    ErrNotFound => ("It no longer exists.", "对象不存在。"),
    ErrHasChildren => ("This domain still has VDCs; delete them first.", "该域下仍有虚拟数据中心，请先删除它们。"),
    ErrValidation => ("Some fields need attention.", "部分字段需要修改。"),
    ErrLocked => ("Too many failed sign-ins. Try again in {} minutes.", "登录失败次数过多，请在 {} 分钟后重试。"),
    ErrUnavailable => ("The service is unavailable; try again shortly.", "服务暂不可用，请稍后重试。"),
    ErrInternal => ("Internal error (request id {}).", "内部错误（请求 ID {}）。"),
    ErrTransport => ("Could not reach the server.", "无法连接服务器。"),
    FieldRequired => ("This field is required.", "此项为必填项。"),
    FieldTooLong => ("This is too long.", "内容过长。"),
    FieldDns1123 => ("Use lower-case letters, digits and '-', starting and ending with a letter or digit (at most 63).", "只能包含小写字母、数字和“-”，并以字母或数字开头和结尾（最多 63 个字符）。"),
    FieldTaken => ("This name is already taken.", "该名称已被使用。"),
    FieldNotFound => ("Choose an existing item.", "请选择已存在的项。"),
    FieldInvalid => ("This value is invalid.", "该值无效。"),
    FieldOutOfRange => ("This number is out of the allowed range.", "该数值超出允许范围。"),
    PwTooShort => ("The password is shorter than the policy allows.", "密码长度不满足密码策略。"),
    PwNoUpper => ("The password needs an upper-case letter.", "密码需要包含大写字母。"),
    PwNoLower => ("The password needs a lower-case letter.", "密码需要包含小写字母。"),
    PwNoDigit => ("The password needs a digit.", "密码需要包含数字。"),
    PwNoSymbol => ("The password needs a symbol.", "密码需要包含符号。"),
    PwContainsUsername => ("The password must not contain the username.", "密码不能包含用户名。"),
    PwReused => ("This password was used recently; choose another.", "该密码近期使用过，请换一个。"),
    PwWrongCurrent => ("The current password is wrong.", "当前密码不正确。"),
    RuleMinLength => ("At least {} characters", "至少 {} 个字符"),
    RuleUpper => ("An upper-case letter", "包含大写字母"),
    RuleLower => ("A lower-case letter", "包含小写字母"),
    RuleDigit => ("A digit", "包含数字"),
    RuleSymbol => ("A symbol (not a letter or digit)", "包含符号（字母和数字以外的字符）"),
    RuleNoUsername => ("Does not contain your username", "不包含用户名"),
    RuleHistory => ("Not one of your last {} passwords", "不能与最近 {} 次使用过的密码相同"),
    RuleMet => ("met", "已满足"),
    RuleNotMet => ("not met", "未满足"),
    PasswordRules => ("Password rules", "密码规则"),
    ChangePassword => ("Change password", "修改密码"),
    CurrentPassword => ("Current password", "当前密码"),
    NewPassword => ("New password", "新密码"),
    RepeatPassword => ("Repeat the new password", "再次输入新密码"),
    PasswordsDiffer => ("The two new passwords differ.", "两次输入的新密码不一致。"),
    MustChangePassword => ("Your password must be changed before you go on.", "继续使用前必须修改密码。"),
    PasswordChanged => ("Your password has been changed. Your other sessions have ended.", "密码已修改，您的其他会话已结束。"),
    AreaAdministration => ("Administration", "系统管理"),
    NavSecurity => ("Security", "安全"),
    PasswordPolicy => ("Password policy", "密码策略"),
    MinLength => ("Minimum length (8 to 128)", "最小长度（8 到 128）"),
    RequireUpper => ("Require an upper-case letter", "要求包含大写字母"),
    RequireLower => ("Require a lower-case letter", "要求包含小写字母"),
    RequireDigit => ("Require a digit", "要求包含数字"),
    RequireSymbol => ("Require a symbol", "要求包含符号"),
    ForbidUsername => ("Must not contain the username", "不得包含用户名"),
    HistoryCount => ("Earlier passwords that may not be reused (0 to 24)", "不可重复使用的历史密码数（0 到 24）"),
    MaxAgeDays => ("Maximum age in days, then a change is required (0: never)", "密码最长有效天数，到期须修改（0 表示永不过期）"),
    Saved => ("Saved.", "已保存。"),
    AddressRefused => ("Signing in from your network address is not allowed.", "不允许从您当前的网络地址登录。"),
    IpRules => ("Login IP rules", "登录 IP 规则"),
    IpRulesIntro => ("Deny rules always win. Where a scope has allow rules, only their networks may sign in. Domain rules apply to the users of that domain.", "拒绝规则始终优先。某范围内存在允许规则时，仅允许这些网络登录。域规则适用于该域的用户。"),
    NoIpRules => ("No rules: every address may sign in.", "暂无规则：任何地址均可登录。"),
    NewIpRule => ("New IP rule", "新建 IP 规则"),
    RuleScope => ("Applies to", "适用范围"),
    WholePlatform => ("The whole platform", "整个平台"),
    RuleAction => ("Action", "动作"),
    ActionAllow => ("Allow", "允许"),
    ActionDeny => ("Deny", "拒绝"),
    Network => ("Network (CIDR or address)", "网络（CIDR 或地址）"),
    NavAudit => ("Audit log", "审计日志"),
    Filters => ("Filters", "筛选"),
    AuditActionHint => ("Part of an action, such as auth.login or vdc.", "操作名称的一部分，例如 auth.login 或 vdc."),
    Outcome => ("Outcome", "结果"),
    AnyOutcome => ("Any outcome", "全部结果"),
    OutcomeAllowed => ("Allowed", "已允许"),
    OutcomeDenied => ("Denied", "已拒绝"),
    OutcomeFailed => ("Failed", "失败"),
    FromDate => ("From", "开始日期"),
    ToDate => ("To", "结束日期"),
    ApplyFilters => ("Apply filters", "应用筛选"),
    ExportCsv => ("Export CSV", "导出 CSV"),
    Time => ("Time", "时间"),
    Address => ("Address", "地址"),
    Target => ("Target", "对象"),
    Details => ("Details", "详情"),
    NoAudit => ("No records yet.", "暂无记录。"),
    SecondFactorTitle => ("Two-factor sign-in", "双因素登录"),
    SecondFactorHint => ("Enter the 6-digit code from your authenticator app, or one of your recovery codes.", "请输入身份验证器应用中的 6 位验证码，或一个恢复码。"),
    SecondFactorExpired => ("The sign-in took too long. Please sign in again.", "登录超时，请重新登录。"),
    Code => ("Code", "验证码"),
    Verify => ("Verify", "验证"),
    BackToSignIn => ("Back to sign-in", "返回登录"),
    TwoFactor => ("Two-factor sign-in", "双因素登录"),
    TwoFactorIntro => ("A code from an authenticator app on your phone, asked for after your password.", "登录时在密码之后，还需输入手机身份验证器应用生成的验证码。"),
    TwoFactorOn => ("Two-factor sign-in is on.", "双因素登录已开启。"),
    TwoFactorRequired => ("Your organisation requires two-factor sign-in for your account.", "您的组织要求您的账户使用双因素登录。"),
    SetUpTwoFactor => ("Set up two-factor sign-in", "设置双因素登录"),
    ScanQr => ("Scan this code with your authenticator app, then enter the code it shows.", "请用身份验证器应用扫描此二维码，然后输入其显示的验证码。"),
    QrAlt => ("QR code for your authenticator app", "身份验证器应用的二维码"),
    OrTypeSecret => ("Or type this key:", "或手动输入此密钥："),
    RecoveryCodes => ("Recovery codes", "恢复码"),
    RecoveryCodesHint => ("Each works once if you lose your phone. Keep them somewhere safe: they are not shown again.", "丢失手机时每个恢复码可使用一次。请妥善保存，它们不会再次显示。"),
    TurnOffTwoFactor => ("Turn off two-factor sign-in", "关闭双因素登录"),
    MoveTwoFactor => ("Move two-factor sign-in to a new device", "将双因素登录迁移到新设备"),
    CurrentCode => ("Code from your current authenticator", "当前验证器中的验证码"),
    TwoFactorPolicy => ("Two-factor sign-in policy", "双因素登录策略"),
    RequiredForRoleTypes => ("Required for holders of these role types", "以下角色类型的用户必须使用"),
    RequiredForDomains => ("Required for the users of these domains", "以下域的用户必须使用"),
    RoleTypeOperationsAdmin => ("Operations admin", "运维管理员"),
    RoleTypeDomainAdmin => ("Domain admin", "域管理员"),
    RoleTypeVdcAdmin => ("VDC admin", "虚拟数据中心管理员"),
    RoleTypeVdcUser => ("VDC user", "虚拟数据中心用户"),
    ErrRoleInUse => ("This role is still granted; revoke it first: {}", "该角色仍被授予，请先撤销：{}"),
    NavUsers => ("Users", "用户"),
    NavRoles => ("Roles", "角色"),
    NewRole => ("New role", "新建角色"),
    EditRole => ("Edit role", "编辑角色"),
    RoleTypeColumn => ("Role type", "角色类型"),
    PermissionCount => ("Permissions", "权限数"),
    GrantCount => ("Granted", "授予次数"),
    BuiltIn => ("Built-in", "内置"),
    Permissions => ("Permissions", "权限"),
    SearchPermissions => ("Search permissions", "搜索权限"),
    ExpandAll => ("Expand all", "全部展开"),
    CollapseAll => ("Collapse all", "全部折叠"),
    SelectedCount => ("{} selected", "已选 {} 项"),
    NewUser => ("New user", "新建用户"),
    NoUsers => ("No users yet.", "还没有用户。"),
    Email => ("E-mail", "电子邮箱"),
    Phone => ("Phone", "电话"),
    StatusDisabled => ("Disabled", "已禁用"),
    MustChangeBadge => ("Must change password", "须修改密码"),
    RolesOf => ("Roles of", "角色："),
    ResetPassword => ("Reset password", "重置密码"),
    EditUserTitle => ("Edit user {}", "编辑用户 {}"),
    ResetPasswordOf => ("Reset the password of {}", "重置 {} 的密码"),
    Enable => ("Enable", "启用"),
    Disable => ("Disable", "禁用"),
    DisableUserTitle => ("Disable {}?", "禁用 {}？"),
    DisableUserBody => ("They are signed out everywhere and cannot sign in until enabled again.", "该用户将在所有设备上退出登录，重新启用前无法登录。"),
    EndSessions => ("End sessions", "结束会话"),
    EndSessionsTitle => ("End every session of {}?", "结束 {} 的所有会话？"),
    EndSessionsBody => ("They are signed out everywhere and must sign in again.", "该用户将在所有设备上退出登录，需要重新登录。"),
    NoDomainPlatformStaff => ("None (platform staff)", "无（平台人员）"),
    FirstPassword => ("First password", "初始密码"),
    FirstPasswordHint => ("The user must change it at the first sign-in.", "用户首次登录时必须修改。"),
    RolesOfUser => ("Roles of {}", "{} 的角色"),
    NoGrants => ("No roles granted.", "尚未授予角色。"),
    Revoke => ("Revoke", "撤销"),
    GrantRole => ("Grant a role", "授予角色"),
    Grant => ("Grant", "授予"),
    ChooseVdc => ("Choose a VDC", "请选择虚拟数据中心"),
    Close => ("Close", "关闭"),
    MySessions => ("My sessions", "我的会话"),
    MySessionsIntro => ("Where you are signed in. End any session you do not recognise.", "您当前登录的位置。如有不认识的会话，请将其结束。"),
    Browser => ("Browser", "浏览器"),
    SignedInAt => ("Signed in", "登录时间"),
    LastSeen => ("Last used", "最近使用"),
    ThisSession => ("This session", "当前会话"),
    EndSession => ("End session", "结束会话"),
    LockedAccounts => ("Locked sign-in names", "已锁定的登录名"),
    NoLocks => ("Nothing is locked.", "当前没有锁定。"),
    LockedForMinutes => ("locked for {} more minutes", "还将锁定 {} 分钟"),
    LiftLock => ("Lift the lock", "解除锁定"),
    SignInWithSso => ("Sign in with single sign-on", "使用单点登录"),
    SsoRefused => ("Single sign-on did not succeed. Try again, or ask your administrator.", "单点登录未成功。请重试，或联系管理员。"),
    SsoUnlinked => ("An account with this name exists in Berth and is not linked to your single sign-on account. Ask an operator to link them.", "Berth 中已有同名账户，且未与您的单点登录账户关联。请联系运维管理员关联。"),
    LocalLoginOff => ("Sign-in with a Berth password is turned off; use single sign-on.", "已关闭 Berth 密码登录，请使用单点登录。"),
    FieldWrongCode => ("The code is wrong or already used.", "验证码错误或已被使用。"),
    FieldWouldLockOut => ("This rule would refuse your own address.", "该规则会拒绝您当前的地址。"),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_wins_then_accept_language_by_quality() {
        assert_eq!(
            Lang::negotiate(Some("a=b; berth_lang=zh-CN"), Some("en")),
            Lang::Zh
        );
        assert_eq!(
            Lang::negotiate(None, Some("fr;q=1, en;q=0.5, zh-CN;q=0.8")),
            Lang::Zh
        );
        assert_eq!(Lang::negotiate(None, Some("de")), Lang::En);
        assert_eq!(Lang::negotiate(Some("berth_lang=xx"), None), Lang::En);
    }

    #[test]
    fn every_text_is_translated() {
        for key in T::ALL {
            let (en, zh) = (Lang::En.t(*key), Lang::Zh.t(*key));
            assert!(!en.is_empty() && !zh.is_empty(), "{key:?}");
            assert_eq!(
                en.matches("{}").count(),
                zh.matches("{}").count(),
                "{key:?} placeholders"
            );
            if !matches!(key, T::Brand) {
                assert_ne!(en, zh, "{key:?} is not translated");
            }
        }
    }
}
