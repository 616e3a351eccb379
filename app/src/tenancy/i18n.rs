//! The words of tenancy's pages, in English and Simplified Chinese.

crate::i18n::texts! {
    NoDomains => ("No domains yet. Create the first one.", "还没有域，请创建第一个。"),
    NoVdcs => ("No VDCs yet. Create the first one.", "还没有虚拟数据中心，请创建第一个。"),
    AllDomains => ("All domains", "全部域"),
    StatusSuspended => ("Suspended", "已暂停"),
    VdcCount => ("VDCs", "虚拟数据中心数"),
    NewDomain => ("New domain", "新建域"),
    EditDomain => ("Edit domain", "编辑域"),
    NewVdc => ("New VDC", "新建虚拟数据中心"),
    EditVdc => ("Edit VDC", "编辑虚拟数据中心"),
    Welcome => ("Welcome, {}", "欢迎，{}"),
    OverviewIntro => ("Your platform at a glance.", "平台概况一览。"),
}
