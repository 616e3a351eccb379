//! Identity and access, run against SQLite, PostgreSQL and MariaDB alike:
//! each test gets its own fresh database per dialect. The `attacker_*`
//! modules try it as someone inside one tenant would (issue 11).

#[path = "../common/mod.rs"]
mod common;

mod attacker;
mod attacker_input;
mod attacker_sign_in;
mod attacker_tenants;
mod attacker_users;
mod holds;
mod roles_and_grants;
mod second_factor_and_sso;
mod sign_in;
mod users;
