//! Fault injection: rules a test adds to make the API server slow, answer
//! errors, drop connections, close watch streams early or expire watches
//! with 410 Gone, for chosen requests and a chosen number of times. Rules
//! are added in-process ([`crate::Simulator::faults`]) or over HTTP
//! (`POST /__sim/faults` with a [`Fault`] as JSON, `DELETE /__sim/faults`).

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a fault does to a matching request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum Effect {
    /// Waits this long before answering.
    Latency {
        /// Milliseconds.
        millis: u64,
    },
    /// Answers a `Status` error with this code (429 carries `Retry-After: 1`).
    Error {
        /// HTTP status code, e.g. 500, 503, 429.
        code: u16,
    },
    /// Starts the answer, then breaks the connection (the body fails).
    DropConnection,
    /// A watch ends (cleanly) after this many events.
    CloseWatch {
        /// Events sent before the stream ends.
        after_events: usize,
    },
    /// A watch answers at once with an ERROR event carrying 410 Expired.
    Gone,
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// Only requests whose path contains this (e.g. `/pods`, `namespaces/team-a`); empty: all.
    #[serde(default)]
    pub path_contains: String,
    /// Only this method (`GET`, `POST`, ...); empty: any.
    #[serde(default)]
    pub method: String,
    /// Only watch requests (`?watch=true`).
    #[serde(default)]
    pub watch_only: bool,
    /// How many matching requests it applies to; absent: every one until cleared.
    #[serde(default)]
    pub times: Option<u32>,
    /// What it does.
    pub effect: Effect,
}

impl Fault {
    /// A fault with `effect` on every request until cleared.
    pub fn always(effect: Effect) -> Self {
        Fault {
            path_contains: String::new(),
            method: String::new(),
            watch_only: false,
            times: None,
            effect,
        }
    }

    /// Only requests whose path contains `s`.
    pub fn on_path(mut self, s: &str) -> Self {
        self.path_contains = s.to_string();
        self
    }

    /// Only requests with `method`.
    pub fn on_method(mut self, method: &str) -> Self {
        self.method = method.to_ascii_uppercase();
        self
    }

    /// Only watch requests.
    pub fn on_watch(mut self) -> Self {
        self.watch_only = true;
        self
    }

    /// Applies to the next `n` matching requests only.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &str, path: &str, watch: bool) -> bool {
        (self.path_contains.is_empty() || path.contains(&self.path_contains))
            && (self.method.is_empty() || self.method.eq_ignore_ascii_case(method))
            && (!self.watch_only || watch)
    }
}

/// The fault rules of one simulated cluster.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<Fault>>,
}

/// What to do to one request, after every matching rule has had its say.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Total latency to add.
    pub latency: Duration,
    /// An error to answer with instead.
    pub error: Option<u16>,
    /// Break the connection.
    pub drop: bool,
    /// End a watch after this many events.
    pub close_watch_after: Option<usize>,
    /// Expire a watch at once.
    pub gone: bool,
}

impl Faults {
    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a rule.
    pub fn add(&self, fault: Fault) {
        self.rules().push(fault);
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.rules().clear();
    }

    /// The rules in force.
    pub fn list(&self) -> Vec<Fault> {
        self.rules().clone()
    }

    /// The plan for a request, spending one use of each counted rule that matches.
    pub fn plan(&self, method: &str, path: &str, watch: bool) -> Plan {
        let mut plan = Plan::default();
        let mut rules = self.rules();
        if rules.is_empty() || path.starts_with("/__sim") {
            return plan;
        }
        for f in rules.iter_mut().filter(|f| f.matches(method, path, watch)) {
            if f.times == Some(0) {
                continue;
            }
            if let Some(n) = f.times.as_mut() {
                *n -= 1;
            }
            match &f.effect {
                Effect::Latency { millis } => plan.latency += Duration::from_millis(*millis),
                Effect::Error { code } => plan.error = plan.error.or(Some(*code)),
                Effect::DropConnection => plan.drop = true,
                Effect::CloseWatch { after_events } if watch => {
                    plan.close_watch_after = Some(*after_events)
                }
                Effect::Gone if watch => plan.gone = true,
                Effect::CloseWatch { .. } | Effect::Gone => {}
            }
        }
        rules.retain(|f| f.times != Some(0));
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_rules_run_out_and_match_their_requests() {
        let faults = Faults::default();
        faults.add(
            Fault::always(Effect::Error { code: 503 })
                .on_path("/pods")
                .on_method("get")
                .times(2),
        );
        faults.add(Fault::always(Effect::Latency { millis: 5 }));
        faults.add(Fault::always(Effect::Gone).on_watch().times(1));
        let p = faults.plan("GET", "/api/v1/namespaces/a/pods", false);
        assert_eq!(p.error, Some(503));
        assert_eq!(p.latency, Duration::from_millis(5));
        assert!(!p.gone, "a plain GET is no watch");
        assert_eq!(
            faults
                .plan("POST", "/api/v1/namespaces/a/pods", false)
                .error,
            None
        );
        assert_eq!(faults.plan("GET", "/api/v1/pods", true).error, Some(503));
        assert!(faults.list().iter().all(|f| f.effect != Effect::Gone));
        assert_eq!(
            faults.plan("GET", "/api/v1/pods", false).error,
            None,
            "used up"
        );
        assert_eq!(faults.list().len(), 1);
        faults.clear();
        assert_eq!(faults.plan("GET", "/x", false), Plan::default());
    }
}
