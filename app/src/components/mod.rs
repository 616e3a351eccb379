//! Building blocks shared by pages.

mod chart;
mod common;
mod layout;
mod live;

pub use chart::EChart;
pub use common::*;
pub use layout::{encode, holds, IfHeld, LanguageSwitch, Me, Shell};
pub use live::follow_changes;
