//! Clusters through Berth, against the simulator (over HTTPS where the
//! registry is concerned), on SQLite, PostgreSQL and MariaDB.

#[path = "../common/mod.rs"]
mod common;

mod nodes;
mod overview;
mod registry;
