//! Challenge objectives: what a run must achieve. Every bound is inclusive: "at most"
//! (`at_most: 0` means none at all), or "at least" for `Served` and `ServedShare`,
//! which keep a design from passing by serving nobody. How each is measured and explained is the report's
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
    /// No work lost: nothing expired from a queue, dropped after its last retry, skipped
    /// by a stream, left in a workflow execution that ended failed (neither done nor
    /// undone), or written to /tmp instead of a bucket (lost with its environment). Dead-lettered messages and events count as lost; with `allow_dlq`, a
    /// dead-letter queue may hold poison messages, those that could never succeed, and
    /// only those (a transient failure dead-lettered is work a human must redo).
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
    /// The share of a route's requests that were served: succeeded over finished ones,
    /// summed over the triggers listed (the alternative entries of one route, such as
    /// one design's trigger and another's). A route that received nothing fails
    /// (switching it off is not serving it), and so does one with more than 1% of its
    /// requests unfinished at the end (it is backed up, not caught mid-flight).
    /// `ServedShare(of: ["telemetry"], at_least: 0.999)`.
    ServedShare { of: Vec<String>, at_least: f64 },
    /// How far a stream's consumer fell behind at its worst: the age of the oldest record
    /// not yet processed (the iterator age).
    StreamAge { stream: String, at_most: SimDuration },
    /// No function holds a permission it did not use in the run (of one function, or of
    /// every function whose role is modelled). `*` holds them all.
    LeastPrivilege {
        #[serde(default)]
        of: Option<String>,
    },
    /// The resources a compromised function could reach, at most.
    BlastRadius { of: String, at_most: u32 },
    /// Requests a third-party API refused with 429 Too Many Requests: its limit is the
    /// provider's, and respecting it (not retrying into it) is the design's job.
    ApiLimitRespected { api: String },
    /// Reads and writes of data outside its residency (must be none): of one database or
    /// bucket, or (no `of`) of every one that has a residency.
    DataResidency {
        #[serde(default)]
        of: Option<String>,
    },
    /// Every request of the flow reaches every required effect, none twice (unless the
    /// flow allows at-least-once), and at least `on_time` of them (0..1) all within the
    /// flow's deadline: graded by correlation id, whatever the design in between.
    Flow { name: String, on_time: f64 },
    /// Failed and timed-out invocations over invocations, of one function or (no `of`)
    /// all of them: failures behind a queue, a bus, a bucket or a workflow count too.
    FailedRuns {
        #[serde(default)]
        of: Option<String>,
        at_most: f64,
    },
    /// The player named the incident's cause (node and mechanism) as the challenge's
    /// `diagnosis` block has it (`faaslab run --answer NODE:CAUSE`, or the app's
    /// Diagnose panel). No answer, or another one, fails.
    Diagnosis,
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
            Objective::ServedShare { of, at_least } => {
                if of.is_empty() {
                    push("name at least one trigger: of: [\"api\"]".into());
                }
                for t in of.iter().filter(|t| !trigger(t)) {
                    push(format!("no trigger {}", quoted(t)));
                }
                if !fraction(*at_least) {
                    push(format!("at_least is a fraction in 0..1, got {}", crate::sim::kernel::num(*at_least)));
                }
            }
            Objective::FailedRuns { of, at_most } => {
                if let Some(of) = of.as_deref().filter(|f| !function(f)) {
                    push(format!("no function {}", quoted(of)));
                }
                if !fraction(*at_most) {
                    push(format!("at_most is a fraction in 0..1, got {}", crate::sim::kernel::num(*at_most)));
                }
            }
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
            Objective::LeastPrivilege { of: Some(of) } | Objective::BlastRadius { of, .. } if !function(of) => {
                push(format!("no function {}", quoted(of)));
            }
            Objective::StreamAge { stream, .. } if index_of(&config.streams, stream).is_none() => {
                push(format!("no stream {}", quoted(stream)));
            }
            Objective::ApiLimitRespected { api } if index_of(&config.apis, api).is_none() => {
                push(format!("no third-party API {}", quoted(api)));
            }
            Objective::DataResidency { of } => {
                let resident = |d: Option<&String>| d.is_some();
                let held: Vec<&str> =
                    (config.databases.iter().filter(|d| resident(d.residency.as_ref())).map(|d| d.name.as_str()))
                        .chain(
                            config.buckets.iter().filter(|b| resident(b.residency.as_ref())).map(|b| b.name.as_str()),
                        )
                        .collect();
                match of {
                    _ if held.is_empty() => push("no database or bucket of the scenario has a residency".into()),
                    Some(of) if !held.contains(&of.as_str()) => {
                        push(format!("{} is no database or bucket with a residency ({})", quoted(of), held.join(", ")))
                    }
                    _ => {}
                }
            }
            Objective::Flow { name, on_time } => {
                if index_of(&config.flows, name).is_none() {
                    let known: Vec<String> = config.flows.iter().map(|f| quoted(&f.name)).collect();
                    push(match known.is_empty() {
                        true => format!("no flow {} (the scenario has no flows)", quoted(name)),
                        false => format!("no flow {} (flows: {})", quoted(name), known.join(", ")),
                    });
                }
                if !fraction(*on_time) {
                    push(format!("on_time is a fraction in 0..1, got {}", crate::sim::kernel::num(*on_time)));
                }
            }
            Objective::QueueAge { queue, .. } if index_of(&config.queues, queue).is_none() => {
                push(format!("no queue {}", quoted(queue)));
            }
            _ => {}
        }
    }
}
