//! English and Simplified Chinese for every string the UI shows.
//!
//! The language is chosen on the server (cookie `berth_lang`, then
//! `Accept-Language`), written into `<html lang>`, and read back from there
//! when the page hydrates, so both sides render the same words. Every key
//! must have both translations: [`texts!`] will not compile otherwise.
//! Each area's words live in its own `i18n.rs`; this file holds the shell's
//! and those several areas share.

use berth_api::{AppError, ClusterProblem, Detail, ErrorCode};
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

    /// A catalogue's label (permissions, quota resources) in this language.
    pub fn label(self, l: berth_api::permission::Label) -> &'static str {
        match self {
            Lang::En => l.en,
            Lang::Zh => l.zh,
        }
    }

    pub fn t(self, key: Text) -> &'static str {
        match self {
            Lang::En => key.en,
            Lang::Zh => key.zh,
        }
    }

    /// A translated template with `{}` replaced by `args` in order.
    pub fn fmt(self, key: Text, args: &[&str]) -> String {
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
                ErrorCode::Changed => self.t(T::ErrChanged).into(),
                ErrorCode::RoleInUse => {
                    let holders = message.split_once(": ").map_or("", |(_, h)| h);
                    self.fmt(T::ErrRoleInUse, &[holders])
                }
                _ => message.clone(),
            },
            AppError::Validation { .. } => self.t(T::ErrValidation).into(),
            AppError::Locked { retry_after_secs } => self.locked(*retry_after_secs),
            AppError::Unavailable => self.t(T::ErrUnavailable).into(),
            AppError::ClusterUnavailable { problem } => self
                .t(match problem {
                    ClusterProblem::Unreachable => T::ErrClusterUnreachable,
                    ClusterProblem::BadCertificate => T::ErrClusterCertificate,
                    ClusterProblem::Unauthorized => T::ErrClusterCredentials,
                    ClusterProblem::Forbidden => T::ErrClusterForbidden,
                    ClusterProblem::Error => T::ErrClusterError,
                })
                .into(),
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
            ErrorCode::PasswordUnchanged => T::PwUnchanged,
            ErrorCode::Changed => T::ErrChanged,
            ErrorCode::WrongPassword => T::PwWrongCurrent,
            ErrorCode::WouldLockOut => T::FieldWouldLockOut,
            ErrorCode::WrongCode => T::FieldWrongCode,
            ErrorCode::RoleInUse => T::ErrRoleInUse,
            ErrorCode::ClusterUnreachable => T::FieldClusterUnreachable,
            ErrorCode::ClusterCertificate => T::FieldClusterCertificate,
            ErrorCode::ClusterCredentials => T::FieldClusterCredentials,
            ErrorCode::NotQuantity => T::FieldNotQuantity,
            ErrorCode::NotWhole => T::FieldNotWhole,
            ErrorCode::QuotaExceeded => T::FieldQuotaExceeded,
            ErrorCode::BelowAllocated => T::FieldBelowAllocated,
        })
    }

    /// What to show beside a rejected field: Berth's precise reason where
    /// it gave one (which label, which context), else the translated reason
    /// for its code; never what a connection or parser said.
    pub fn field_message(self, f: &berth_api::FieldError) -> String {
        match &f.detail {
            Some(d) => self.detail(d),
            None => self.field_error(f.code).to_owned(),
        }
    }

    /// A precise reason, in this language.
    pub fn detail(self, d: &Detail) -> String {
        use Detail as D;
        match d {
            D::NotPemCertificate => self.t(T::DetailNotPemCertificate).into(),
            D::NotPemKey => self.t(T::DetailNotPemKey).into(),
            D::ApiUrlForm => self.t(T::DetailApiUrlForm).into(),
            D::TokenCharacters => self.t(T::DetailTokenCharacters).into(),
            D::NoKubeconfig => self.t(T::DetailNoKubeconfig).into(),
            D::NotKubeconfig => self.t(T::DetailNotKubeconfig).into(),
            D::NoContexts => self.t(T::DetailNoContexts).into(),
            D::NotBase64Pem { what } => self.fmt(T::DetailNotBase64Pem, &[what.as_str()]),
            D::NoSuchContext { wanted, known } => self.fmt(
                T::DetailNoSuchContext,
                &[wanted.as_str(), &known.join(", ")],
            ),
            D::MissingCluster { context, cluster } => self.fmt(
                T::DetailMissingCluster,
                &[context.as_str(), cluster.as_str()],
            ),
            D::CaIsFile => self.t(T::DetailCaIsFile).into(),
            D::CredentialPlugin { user } => self.fmt(T::DetailCredentialPlugin, &[user.as_str()]),
            D::CredentialFiles { user } => self.fmt(T::DetailCredentialFiles, &[user.as_str()]),
            D::BasicAuth => self.t(T::DetailBasicAuth).into(),
            D::CertWithoutKey { user } => self.fmt(T::DetailCertWithoutKey, &[user.as_str()]),
            D::Key { key, .. } => self.fmt(T::DetailKey, &[key.as_str()]),
            D::Value { value, .. } => self.fmt(T::DetailValue, &[value.as_str()]),
            D::TaintEffect { effect } => self.fmt(T::DetailTaintEffect, &[effect.as_str()]),
            D::ClusterRefused { message } => self.fmt(T::DetailClusterRefused, &[message.as_str()]),
            D::Twice { what } => self.fmt(T::DetailTwice, &[what.as_str()]),
            D::QuotaExceeded {
                parent,
                asked,
                limit,
                given,
                left,
                ..
            } => {
                let parent = self.t(match parent.as_str() {
                    "cluster" => T::QuotaParentCluster,
                    "domain" => T::QuotaParentDomain,
                    _ => T::QuotaParentVdc,
                });
                self.fmt(
                    T::DetailQuotaExceeded,
                    &[asked.as_str(), parent, limit, given, left],
                )
            }
            D::BelowAllocated { asked, held, .. } => {
                self.fmt(T::DetailBelowAllocated, &[asked.as_str(), held])
            }
        }
    }
}

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

/// One string in both languages. Written once, in the `i18n.rs` of the
/// area whose pages show it (or below, when several areas do), as
/// `T::Name`: [`texts!`] makes each an associated constant of [`T`], so a
/// page carries only the strings it uses and a name cannot be defined twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

/// The namespace of every translatable string: `T::SignIn`.
#[derive(Clone, Copy, Debug)]
pub struct T;

/// Defines translatable strings as `T::Key`, with both translations; the
/// module also gets `ALL`, its strings, for the translation check.
macro_rules! texts {
    ($($key:ident => ($en:literal, $zh:literal),)*) => {
        #[allow(non_upper_case_globals)]
        impl $crate::i18n::T {
            $(pub const $key: $crate::i18n::Text = $crate::i18n::Text { en: $en, zh: $zh };)*
        }

        /// This module's strings, for the translation check.
        #[cfg(test)]
        pub(crate) const ALL: &[(&str, $crate::i18n::Text)] =
            &[$((stringify!($key), $crate::i18n::T::$key),)*];
    };
}
pub(crate) use texts;

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
    Menu => ("Menu", "菜单"),
    SkipToContent => ("Skip to content", "跳到正文"),
    SignIn => ("Sign in", "登录"),
    SignOut => ("Sign out", "退出登录"),
    Username => ("Username", "用户名"),
    SignedInAs => ("Signed in as", "当前用户"),
    UserMenu => ("User menu", "用户菜单"),
    Language => ("Language", "语言"),
    Search => ("Search", "搜索"),
    SearchPlaceholder => ("Search by name", "按名称搜索"),
    Loading => ("Loading…", "加载中…"),
    NoMatches => ("Nothing matches your search.", "没有符合搜索条件的结果。"),
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
    ChooseDomain => ("Choose a domain", "请选择域"),
    Status => ("Status", "状态"),
    StatusActive => ("Active", "正常"),
    Created => ("Created", "创建时间"),
    Actions => ("Actions", "操作"),
    ConfirmDeleteTitle => ("Delete {}?", "删除 {}？"),
    ConfirmDeleteBody => ("This cannot be undone.", "此操作无法撤销。"),
    PageOf => ("Page {} of {}", "第 {} 页，共 {} 页"),
    TotalItems => ("{} in total", "共 {} 项"),
    Previous => ("Previous", "上一页"),
    Next => ("Next", "下一页"),
    Pagination => ("Pagination", "分页"),
    Reachability => ("Reachability", "连通性"),
    Reachable => ("Reachable", "可达"),
    FieldClusterUnreachable => ("Cannot reach the API server: check the address and that Berth can reach it.", "无法连接 API 服务器：请检查地址，并确认 Berth 能访问它。"),
    FieldClusterCertificate => ("The server's certificate is not trusted: give the cluster's CA certificate.", "服务器证书不受信任：请提供集群的 CA 证书。"),
    FieldNotQuantity => ("Not a quantity: write it as Kubernetes does, such as 500m, 2, 1.5, 512Mi or 2Gi.", "不是有效的数量：请按 Kubernetes 的写法填写，例如 500m、2、1.5、512Mi 或 2Gi。"),
    FieldNotWhole => ("Must be a whole number.", "必须是整数。"),
    FieldQuotaExceeded => ("More than is left.", "超出剩余额度。"),
    FieldBelowAllocated => ("Less than is already given out or in use.", "低于已分配或已使用的量。"),
    QuotaParentCluster => ("cluster", "集群"),
    QuotaParentDomain => ("domain", "域"),
    QuotaParentVdc => ("VDC", "虚拟数据中心"),
    DetailQuotaExceeded => ("Asked {}; the {} has {}, {} of it given to others: {} left.", "申请 {}；该{}共有 {}，已分配给其他 {}，剩余 {}。"),
    DetailBelowAllocated => ("Asked {}, but {} is already given out or in use.", "申请 {}，但已分配或已使用 {}。"),
    FieldClusterCredentials => ("The cluster refused these credentials: check the token or certificate and what it may do.", "集群拒绝了这些凭据：请检查令牌或证书及其权限。"),
    NavNodes => ("Nodes", "节点管理"),
    Unreachable => ("Unreachable", "不可达"),
    Platform => ("Platform", "平台"),
    ChartUnavailable => ("The chart could not be drawn (charting library not loaded); the figures are shown as text.", "图表无法绘制（图表库未加载）；数据以文字显示。"),
    NotFoundPage => ("Page not found.", "页面不存在。"),
    BackHome => ("Back to the overview", "返回概览"),
    ErrUnauthenticated => ("Your session has ended. Please sign in again.", "会话已结束，请重新登录。"),
    ErrForbidden => ("You do not have permission for this.", "您没有执行此操作的权限。"),
    ErrNotFound => ("It no longer exists.", "对象不存在。"),
    ErrHasChildren => ("It still holds VDCs or app spaces; delete those first.", "其中仍有虚拟数据中心或应用空间，请先删除它们。"),
    ErrValidation => ("Some fields need attention.", "部分字段需要修改。"),
    ErrLocked => ("Too many failed sign-ins. Try again in {} minutes.", "登录失败次数过多，请在 {} 分钟后重试。"),
    DetailNotPemCertificate => ("Not a PEM certificate: paste the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.", "不是 PEM 证书：请粘贴从 -----BEGIN CERTIFICATE----- 到 -----END CERTIFICATE----- 的全部文本。"),
    DetailNotPemKey => ("Not a PEM private key: paste the text from -----BEGIN ... PRIVATE KEY----- to -----END ... PRIVATE KEY-----.", "不是 PEM 私钥：请粘贴从 -----BEGIN ... PRIVATE KEY----- 到 -----END ... PRIVATE KEY----- 的全部文本。"),
    DetailApiUrlForm => ("The API URL must look like https://host:port.", "API 地址应形如 https://主机:端口。"),
    DetailTokenCharacters => ("A token holds only visible ASCII characters; check that nothing else was pasted with it.", "令牌只能包含可见的 ASCII 字符；请检查是否粘贴了多余内容。"),
    DetailNoKubeconfig => ("Paste or upload a kubeconfig.", "请粘贴或上传 kubeconfig。"),
    DetailNotKubeconfig => ("Not a kubeconfig: paste the YAML file kubectl uses (with clusters, users and contexts).", "不是 kubeconfig：请粘贴 kubectl 使用的 YAML 文件（包含 clusters、users 和 contexts）。"),
    DetailNoContexts => ("The kubeconfig has no contexts.", "该 kubeconfig 中没有任何上下文（context）。"),
    DetailNotBase64Pem => ("The kubeconfig's \"{}\" is not base64-encoded PEM.", "kubeconfig 中的 “{}” 不是 base64 编码的 PEM。"),
    DetailNoSuchContext => ("No context named \"{}\"; the kubeconfig has: {}.", "没有名为 “{}” 的上下文；该 kubeconfig 中有：{}。"),
    DetailMissingCluster => ("Context \"{}\" names cluster \"{}\", which the kubeconfig lacks.", "上下文 “{}” 指向集群 “{}”，但该 kubeconfig 中没有这个集群。"),
    DetailCaIsFile => ("The cluster's CA is a file path; embed it as certificate-authority-data.", "集群的 CA 是一个文件路径；请改为以 certificate-authority-data 内嵌。"),
    DetailCredentialPlugin => ("User \"{}\" gets credentials from a plugin; Berth needs a token or a client certificate.", "用户 “{}” 通过插件获取凭据；Berth 需要令牌或客户端证书。"),
    DetailCredentialFiles => ("User \"{}\" refers to files; embed the token or certificate data.", "用户 “{}” 引用了文件；请内嵌令牌或证书数据。"),
    DetailBasicAuth => ("Kubernetes no longer supports basic authentication; use a token or a client certificate.", "Kubernetes 已不再支持基本认证；请使用令牌或客户端证书。"),
    DetailCertWithoutKey => ("User \"{}\" has a client certificate but no key.", "用户 “{}” 有客户端证书但没有私钥。"),
    DetailKey => ("Key \"{}\" is not valid: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit, optionally after a lower-case DNS prefix and '/'.", "键 “{}” 无效：最多 63 个字母、数字、“-”、“_”或“.”，以字母或数字开头和结尾，前面可带小写 DNS 前缀和“/”。"),
    DetailValue => ("Value \"{}\" is not valid: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit.", "值 “{}” 无效：可以为空，或最多 63 个字母、数字、“-”、“_”或“.”，以字母或数字开头和结尾。"),
    DetailTaintEffect => ("Taint effect \"{}\" is not one of NoSchedule, PreferNoSchedule, NoExecute.", "污点效果 “{}” 不是 NoSchedule、PreferNoSchedule、NoExecute 之一。"),
    DetailClusterRefused => ("The cluster refused this value: {}", "集群拒绝了该值：{}"),
    DetailTwice => ("\"{}\" appears twice.", "“{}” 出现了两次。"),
    ErrClusterUnreachable => ("The cluster does not answer at its address. Check that its API server is running and that Berth can reach it, then reload this page.", "集群在其地址上没有响应。请确认其 API 服务器正在运行且 Berth 能访问到它，然后重新加载本页。"),
    ErrClusterCertificate => ("Berth cannot make a secure connection to the cluster: its certificate is not trusted, or it refused Berth's. Check the CA certificate and client certificate in the cluster's settings.", "Berth 无法与集群建立安全连接：集群证书不受信任，或集群拒绝了 Berth 的证书。请检查集群设置中的 CA 证书和客户端证书。"),
    ErrClusterCredentials => ("The cluster refuses Berth's credentials. Give the cluster a valid token or client certificate in its settings.", "集群拒绝了 Berth 的凭据。请在集群设置中提供有效的令牌或客户端证书。"),
    ErrClusterForbidden => ("Berth's credentials for this cluster lack a permission this needs. Ask the cluster's administrator to grant it.", "Berth 在此集群上的凭据缺少此操作所需的权限。请联系集群管理员授予该权限。"),
    ErrClusterError => ("The cluster answered with an error. Try again shortly; if it persists, the server log has the details.", "集群返回了错误。请稍后重试；如果问题持续，请查看服务器日志了解详情。"),
    ErrUnavailable => ("The service is unavailable; try again shortly.", "服务暂不可用，请稍后重试。"),
    ErrChanged => ("It changed while this was being saved: reload it and try again.", "保存期间它已被修改：请刷新后重试。"),
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
    PwUnchanged => ("This is your current password; choose a new one.", "这是当前密码，请设置一个新密码。"),
    PwWrongCurrent => ("The current password is wrong.", "当前密码不正确。"),
    ChangePassword => ("Change password", "修改密码"),
    AreaAdministration => ("Administration", "系统管理"),
    NavSecurity => ("Security", "安全"),
    RuleAction => ("Action", "动作"),
    NavAudit => ("Audit log", "审计日志"),
    Address => ("Address", "地址"),
    TwoFactor => ("Two-factor sign-in", "双因素登录"),
    ErrRoleInUse => ("This role is still granted; revoke it first: {}", "该角色仍被授予，请先撤销：{}"),
    NavUsers => ("Users", "用户"),
    NavRoles => ("Roles", "角色"),
    Close => ("Close", "关闭"),
    MySessions => ("My sessions", "我的会话"),
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
    fn a_failed_connection_reads_as_what_to_do_never_as_what_the_socket_said() {
        let backend = [
            "tcp connect error: Connection refused (os error 111)",
            "invalid peer certificate: BadEncoding",
            "missing field `clusters` at line 3 column 5",
        ];
        for code in [
            ErrorCode::ClusterUnreachable,
            ErrorCode::ClusterCertificate,
            ErrorCode::ClusterCredentials,
        ] {
            for lang in [Lang::En, Lang::Zh] {
                for message in backend {
                    let f = berth_api::FieldError {
                        field: "api_url".into(),
                        code,
                        message: message.into(),
                        detail: None,
                    };
                    let shown = lang.field_message(&f);
                    assert_eq!(shown, lang.field_error(code), "{code:?} in {lang:?}");
                    assert!(!shown.contains("os error") && !shown.contains("BadEncoding"));
                }
            }
        }
    }

    #[test]
    fn a_cluster_that_cannot_be_used_says_why_and_what_to_do() {
        use ClusterProblem as P;
        let problems = [
            P::Unreachable,
            P::BadCertificate,
            P::Unauthorized,
            P::Forbidden,
            P::Error,
        ];
        for lang in [Lang::En, Lang::Zh] {
            let shown: std::collections::BTreeSet<String> = problems
                .iter()
                .map(|&problem| lang.error(&AppError::ClusterUnavailable { problem }))
                .collect();
            assert_eq!(shown.len(), problems.len(), "one message per problem");
            assert!(!shown.contains(&lang.error(&AppError::Unavailable)));
        }
    }

    #[test]
    fn every_text_is_translated() {
        let all = [
            ALL,
            crate::identity::i18n::ALL,
            crate::tenancy::i18n::ALL,
            crate::clusters::i18n::ALL,
            crate::audit::i18n::ALL,
        ];
        for (key, text) in all.into_iter().flatten() {
            let (en, zh) = (Lang::En.t(*text), Lang::Zh.t(*text));
            assert!(!en.is_empty() && !zh.is_empty(), "{key}");
            assert_eq!(
                en.matches("{}").count(),
                zh.matches("{}").count(),
                "{key} placeholders"
            );
            if *key != "Brand" {
                assert_ne!(en, zh, "{key} is not translated");
            }
        }
    }
}
