//! Pieces of queries that lists share: text search and paging.

use berth_api::{ListQuery, Page};
use sea_query::{Condition, Expr, Func, IntoColumnRef, LikeExpr, SelectStatement};

use crate::{
    auth::Visibility,
    db::{AnyRow, Db, DbResult},
};

/// `lower(col) LIKE %search%` over any of `cols`, with LIKE wildcards in the
/// search text taken literally. `None` when there is nothing to search for;
/// text no one would type in a search box (too long, control characters)
/// is refused on `field`.
pub fn search<C: IntoColumnRef + Copy>(
    field: &str,
    cols: &[C],
    search: &str,
) -> crate::Result<Option<Condition>> {
    check_search(field, search)?;
    let needle = search.trim().to_lowercase();
    if needle.is_empty() {
        return Ok(None);
    }
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let mut any = Condition::any();
    for col in cols {
        any = any.add(
            Expr::expr(Func::lower(Expr::col(*col)))
                .like(LikeExpr::new(pattern.clone()).escape('\\')),
        );
    }
    Ok(Some(any))
}

/// The rule every search text follows, for lists filtered in memory too.
pub fn check_search(field: &str, search: &str) -> crate::Result<()> {
    let mut fields = vec![];
    berth_api::validate::search(field, search, &mut fields);
    crate::Error::check(fields)
}

/// The tenant filter: rows whose domain is visible, or (when the table has
/// one) whose VDC is. `None` when everything is visible.
pub fn tenant_filter<D, V>(v: &Visibility, domain_col: D, vdc_col: Option<V>) -> Option<Condition>
where
    D: IntoColumnRef,
    V: IntoColumnRef,
{
    match v {
        Visibility::All => None,
        Visibility::Tenants { domains, vdcs } => {
            let mut any =
                Condition::any().add(Expr::col(domain_col).is_in(domains.iter().copied()));
            if let Some(col) = vdc_col {
                any = any.add(Expr::col(col).is_in(vdcs.iter().copied()));
            }
            Some(any)
        }
    }
}

/// The tenant filter for rows that record a scope in a kind and an id
/// column (role bindings, audit records): those at a visible domain, at a
/// visible VDC, or at a VDC of a visible domain. `None` when everything is
/// visible.
pub fn scope_filter<K, I>(v: &Visibility, kind_col: K, id_col: I) -> Option<Condition>
where
    K: IntoColumnRef + Copy,
    I: IntoColumnRef + Copy,
{
    use crate::db::schema::Vdcs;
    let Visibility::Tenants { domains, vdcs } = v else {
        return None;
    };
    let kind = |k: &str| Expr::col(kind_col).eq(k);
    let vdcs_of_domains = sea_query::Query::select()
        .column(Vdcs::Id)
        .from(Vdcs::Table)
        .and_where(Expr::col(Vdcs::DomainId).is_in(domains.iter().copied()))
        .to_owned();
    Some(
        Condition::any()
            .add(kind("domain").and(Expr::col(id_col).is_in(domains.iter().copied())))
            .add(kind("vdc").and(Expr::col(id_col).is_in(vdcs.iter().copied())))
            .add(kind("vdc").and(Expr::col(id_col).in_subquery(vdcs_of_domains))),
    )
}

/// [`scope_filter`] for role bindings.
pub fn binding_filter(v: &Visibility) -> Option<Condition> {
    use crate::db::schema::RoleBindings;
    scope_filter(
        v,
        (RoleBindings::Table, RoleBindings::ScopeKind),
        (RoleBindings::Table, RoleBindings::ScopeId),
    )
}

/// Runs `select` for one page and `count` for the total matching.
pub async fn page<T: AnyRow>(
    db: &Db,
    mut select: SelectStatement,
    count: SelectStatement,
    q: &ListQuery,
) -> DbResult<Page<T>> {
    select.limit(u64::from(q.per_page())).offset(q.offset());
    let items = db.fetch_all(&select).await?;
    let total: i64 = db.fetch_scalar(&count).await?;
    Ok(Page {
        items,
        total,
        page: q.page(),
        per_page: q.per_page(),
    })
}
