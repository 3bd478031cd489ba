//! Challenge objectives: what a run must achieve. Every bound is inclusive: "at most"
//! (`at_most: 0` means none at all), or "at least" for `Served`, which keeps a design
//! from passing by serving nobody. How each is measured and explained is the report's
//! (`report::objectives`).

use crate::sim::config::{Problem, SimConfig};
use crate::sim::kernel::time::SimDuration;
use crate::sim::names::{index_of, quoted};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Objective {
    /// A latency percentile of a trigger (as its callers see it) or of a function
    /// (handler time): `Latency(of: "api", percentile: 99, at_most: "300ms")`.
    Latency { of: String, percentile: f64, at_most: SimDuration },
    /// Cold starts over invocations, of one function or (no `of`) all of them.
    ColdStartRatio {
        #[serde(default)]
        of: Option<String>,
        at_most: f64,
    },
    /// Failed and timed-out requests over arrived ones, of a trigger or all triggers.
    ErrorRatio {
        #[serde(default)]
        of: Option<String>,
        at_most: f64,
    },
    /// Throttled (429) requests over arrived ones, of a trigger or all triggers.
    ThrottleRatio {
        #[serde(default)]
        of: Option<String>,
        at_most: f64,
    },
    /// Nothing expired from a queue, dropped after its last retry, or skipped by a
    /// stream; dead-lettered messages count as lost unless `allow_dlq`.
    NoMessageLost {
        #[serde(default)]
        allow_dlq: bool,
    },
    /// A database's peak open connections.
    DbConnections { database: String, at_most: u32 },
    /// The run's cost projected to a 730-hour month, in USD.
    CostPerMonth { at_most: f64 },
    /// No side effect done twice for the same event.
    NoDuplicates,
    /// No result computed with missing local state.
    NoWrongResults,
    /// The age of a queue's oldest message, at its worst.
    QueueAge { queue: String, at_most: SimDuration },
    /// Requests that succeeded, of a trigger or (no `of`) all triggers: the work
    /// still gets done (switching every path off must not pass).
    Served {
        #[serde(default)]
        of: Option<String>,
        at_least: u64,
    },
}

impl Objective {
    /// Problems with names and bounds, at `path` (such as `challenge.objectives[2]`).
    pub fn problems(&self, config: &SimConfig, path: &str, out: &mut Vec<Problem>) {
        let mut push = |message: String| out.push(Problem { path: path.to_string(), message });
        let trigger = |name: &str| config.triggers.iter().any(|t| t.name() == name);
        let function = |name: &str| index_of(&config.functions, name).is_some();
        let fraction = |x: f64| (0.0..=1.0).contains(&x);
        match self {
            Objective::Latency { of, percentile, .. } => {
                if !trigger(of) && !function(of) {
                    push(format!("no trigger or function {}", quoted(of)));
                }
                if !(*percentile > 0.0 && *percentile <= 100.0) {
                    let p = crate::sim::kernel::num(*percentile);
                    push(format!("a percentile above 0 and at most 100 (100 is the maximum), such as 99, got {p}"));
                }
            }
            Objective::ColdStartRatio { of, at_most } => {
                if let Some(of) = of.as_deref().filter(|f| !function(f)) {
                    push(format!("no function {}", quoted(of)));
                }
                if !fraction(*at_most) {
                    push(format!("at_most is a fraction in 0..1, got {}", crate::sim::kernel::num(*at_most)));
                }
            }
            Objective::Served { of: Some(of), .. } if !trigger(of) => push(format!("no trigger {}", quoted(of))),
            Objective::ErrorRatio { of, at_most } | Objective::ThrottleRatio { of, at_most } => {
                if let Some(of) = of.as_deref().filter(|t| !trigger(t)) {
                    push(format!("no trigger {}", quoted(of)));
                }
                if !fraction(*at_most) {
                    push(format!("at_most is a fraction in 0..1, got {}", crate::sim::kernel::num(*at_most)));
                }
            }
            Objective::DbConnections { database, .. } if index_of(&config.databases, database).is_none() => {
                push(format!("no database {}", quoted(database)));
            }
            Objective::CostPerMonth { at_most } if !(at_most.is_finite() && (0.0..=1e12).contains(at_most)) => {
                push(format!("at_most is a cost in USD, 0..1e12, got {}", crate::sim::kernel::num(*at_most)));
            }
            Objective::QueueAge { queue, .. } if index_of(&config.queues, queue).is_none() => {
                push(format!("no queue {}", quoted(queue)));
            }
            _ => {}
        }
    }
}
