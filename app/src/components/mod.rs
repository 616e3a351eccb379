//! Building blocks shared by pages.

mod common;
mod layout;

pub use common::*;
pub use layout::{encode, holds, IfHeld, LanguageSwitch, Me, Shell};
