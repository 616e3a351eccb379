//! Pieces of queries that lists share: text search and paging.

use berth_api::{ListQuery, Page};
use sea_query::{Condition, Expr, Func, IntoColumnRef, LikeExpr, SelectStatement};

use crate::db::{AnyRow, Db, DbResult};

/// `lower(col) LIKE %search%` over any of `cols`, with LIKE wildcards in the
/// search text taken literally. `None` when there is nothing to search for.
pub fn search<C: IntoColumnRef + Copy>(cols: &[C], search: &str) -> Option<Condition> {
    let needle = search.trim().to_lowercase();
    if needle.is_empty() {
        return None;
    }
    let escaped = needle.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let mut any = Condition::any();
    for col in cols {
        any = any.add(Expr::expr(Func::lower(Expr::col(*col))).like(LikeExpr::new(pattern.clone()).escape('\\')));
    }
    Some(any)
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
