//! Data transfer objects: what lists and forms show and send, one module
//! per product area; lists and their queries are shared.

mod audit;
mod clusters;
mod identity;
mod tenancy;

pub use audit::*;
pub use clusters::*;
pub use identity::*;
pub use tenancy::*;

use serde::{Deserialize, Serialize};

pub use crate::time::Timestamp;

/// One page of a list, with the total the filter matches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// Paging and free-text search for any list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub search: String,
    /// 1-based.
    #[serde(default)]
    pub page: u32,
    #[serde(default)]
    pub per_page: u32,
}

impl ListQuery {
    pub const DEFAULT_PER_PAGE: u32 = 20;
    pub const MAX_PER_PAGE: u32 = 200;

    pub fn page(&self) -> u32 {
        self.page.max(1)
    }

    pub fn per_page(&self) -> u32 {
        match self.per_page {
            0 => Self::DEFAULT_PER_PAGE,
            n => n.min(Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page() - 1) * u64::from(self.per_page())
    }
}
