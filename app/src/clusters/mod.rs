//! Clusters: the registry, each cluster's overview, nodes.

pub mod api;
pub mod i18n;
pub mod list;
pub mod nodes;
pub mod overview;

use crate::i18n::{Lang, T};

/// A status word Kubernetes reports (a namespace's or pod's phase, a
/// condition's status) in the reader's language; one it does not know
/// stays as Kubernetes wrote it.
pub(crate) fn kube_word(lang: Lang, word: &str) -> String {
    let text = match word {
        "Active" => T::PhaseActive,
        "Terminating" => T::PhaseTerminating,
        "Running" => T::PhaseRunning,
        "Pending" => T::PhasePending,
        "Succeeded" => T::PhaseSucceeded,
        "Failed" => T::PhaseFailed,
        "True" => T::ConditionTrue,
        "False" => T::ConditionFalse,
        "Unknown" => T::ConditionUnknown,
        other => return other.to_owned(),
    };
    lang.t(text).to_owned()
}
