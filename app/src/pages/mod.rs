//! One module per page.

pub mod clusters;
pub mod domains;
pub mod login;
pub mod not_found;
pub mod overview;
pub mod vdcs;
