//! Tenancy through Berth: domains, VDCs and their quotas. Run against
//! SQLite, PostgreSQL and MariaDB alike (each test gets its own fresh
//! database per dialect), and against the simulator where a cluster takes
//! part.

#[path = "../common/mod.rs"]
mod common;

mod app_spaces;
mod domains_and_vdcs;
mod lifecycle;
mod quotas;
mod reconciler;
