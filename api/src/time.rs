//! Instants as they cross the wire.
//!
//! The browser only displays times, so it gets RFC 3339 text and no date
//! library: that keeps chrono out of the WASM bundle. The server decodes
//! database timestamps into [`Timestamp`] through chrono.

use serde::{Deserialize, Serialize};

/// A UTC instant as RFC 3339 text, e.g. `2026-11-23T10:00:00.123456Z`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub String);

impl Timestamp {
    /// `YYYY-MM-DD HH:MM` (UTC), for tables.
    pub fn to_minutes(&self) -> String {
        self.0
            .get(..16)
            .map(|s| s.replacen('T', " ", 1))
            .unwrap_or_else(|| self.0.clone())
    }
}

#[cfg(feature = "sqlx")]
mod db {
    use chrono::{DateTime, SecondsFormat, Utc};

    use super::Timestamp;

    impl From<DateTime<Utc>> for Timestamp {
        fn from(t: DateTime<Utc>) -> Self {
            Timestamp(t.to_rfc3339_opts(SecondsFormat::Micros, true))
        }
    }

    impl<DB: sqlx::Database> sqlx::Type<DB> for Timestamp
    where
        DateTime<Utc>: sqlx::Type<DB>,
    {
        fn type_info() -> DB::TypeInfo {
            <DateTime<Utc> as sqlx::Type<DB>>::type_info()
        }

        fn compatible(ty: &DB::TypeInfo) -> bool {
            <DateTime<Utc> as sqlx::Type<DB>>::compatible(ty)
        }
    }

    impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for Timestamp
    where
        DateTime<Utc>: sqlx::Decode<'r, DB>,
    {
        fn decode(
            value: <DB as sqlx::Database>::ValueRef<'r>,
        ) -> Result<Self, sqlx::error::BoxDynError> {
            Ok(<DateTime<Utc> as sqlx::Decode<'r, DB>>::decode(value)?.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Timestamp;

    #[test]
    fn minutes_for_tables() {
        assert_eq!(
            Timestamp("2026-11-23T10:05:59.123456Z".into()).to_minutes(),
            "2026-11-23 10:05"
        );
        assert_eq!(Timestamp("bad".into()).to_minutes(), "bad");
    }
}
