//! Building blocks shared by pages.

mod chart;
mod common;
mod focus;
mod layout;
mod list_actions;
mod live;
pub mod not_found;
mod time;
mod waiting;

pub use chart::{ChartOption, EChart};
pub use common::*;
pub use focus::{focus_by_id, focus_on_open, keep_tab_inside};
pub use layout::{encode, held_permissions, holds, IfAnyHeld, IfHeld, LanguageSwitch, Me, Shell};
pub use list_actions::{ListActions, ListCall};
pub use live::follow_changes;
pub use time::Time;
pub use waiting::{suspense, transition, AfterMount, Waiting};
