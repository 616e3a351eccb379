//! Pieces of queries that lists share: text search and paging.

use berth_api::{ListQuery, Page};
use sea_query::{Condition, Expr, Func, IntoColumnRef, LikeExpr, SelectStatement};

use crate::{
    auth::Visibility,
    db::{AnyRow, Db, DbResult},
};

/// `lower(col) LIKE %search%` over any of `cols`, with LIKE wildcards in the
/// search text taken literally. `None` when there is nothing to search for.
pub fn search<C: IntoColumnRef + Copy>(cols: &[C], search: &str) -> Option<Condition> {
    let needle = search.trim().to_lowercase();
    if needle.is_empty() {
        return None;
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
    Some(any)
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
