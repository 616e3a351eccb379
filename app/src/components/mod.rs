//! Building blocks shared by pages.

mod chart;
mod common;
mod layout;
mod list_actions;
mod live;
pub mod not_found;

pub use chart::EChart;
pub use common::*;
pub use layout::{encode, holds, IfHeld, LanguageSwitch, Me, Shell};
pub use list_actions::{ListActions, ListCall};
pub use live::follow_changes;
