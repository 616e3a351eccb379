//! The words of the audit log's pages, in English and Simplified Chinese.

crate::i18n::texts! {
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
    Target => ("Target", "对象"),
    Details => ("Details", "详情"),
    NoAudit => ("No records yet.", "暂无记录。"),
}
