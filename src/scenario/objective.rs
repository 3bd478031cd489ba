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

    /// The requirement in plain words, for a list a candidate reads before any run
    /// (the design canvas): "p99 latency of readers at most 200ms".
    pub fn requirement(&self) -> String {
        let of_all = |of: &Option<String>, all: &str| of.as_deref().map_or(all.to_string(), |o| o.to_string());
        match self {
            Objective::Latency { of, percentile, at_most } => {
                format!("p{} latency of {of} at most {at_most}", crate::sim::kernel::num(*percentile))
            }
            Objective::ColdStartRatio { of, at_most } => {
                format!("cold starts of {} at most {}", of_all(of, "every function"), percent(*at_most))
            }
            Objective::ErrorRatio { of, at_most } => {
                format!("errors and timeouts of {} at most {}", of_all(of, "every trigger"), percent(*at_most))
            }
            Objective::ThrottleRatio { of, at_most } => {
                format!("throttles (429) of {} at most {}", of_all(of, "every trigger"), percent(*at_most))
            }
            Objective::NoMessageLost { allow_dlq: false } => "no work lost or dead-lettered".into(),
            Objective::NoMessageLost { allow_dlq: true } => {
                "no work lost (a dead-letter queue may hold poison messages, and only those)".into()
            }
            Objective::DbConnections { database, at_most } => {
                format!("never more than {at_most} connections open to {database}")
            }
            Objective::CostPerMonth { at_most } => format!("at most ${at_most:.2} a month"),
            Objective::NoDuplicates => "no side effect done twice".into(),
            Objective::NoWrongResults => "no result computed from missing local state".into(),
            Objective::QueueAge { queue, at_most } => format!("no message waits in {queue} longer than {at_most}"),
            Objective::Served { of, at_least } => {
                format!("at least {at_least} requests of {} served", of_all(of, "every trigger"))
            }
            Objective::ServedShare { of, at_least } => {
                format!("at least {} of the requests of {} served", percent(*at_least), of.join(" or "))
            }
            Objective::StreamAge { stream, at_most } => {
                format!("the consumer of {stream} at most {at_most} behind")
            }
            Objective::LeastPrivilege { of } => {
                format!("no permission unused by {}", of_all(of, "any function"))
            }
            Objective::BlastRadius { of, at_most } => format!("{of} can reach at most {at_most} resources"),
            Objective::ApiLimitRespected { api } => format!("no call refused by {api} with 429 (its rate limit)"),
            Objective::DataResidency { of } => {
                format!("no data of {} read or written outside its residency", of_all(of, "any store"))
            }
            Objective::Flow { name, on_time } => format!(
                "flow {name}: every request reaches every effect, at least {} of them on time",
                percent(*on_time)
            ),
            Objective::FailedRuns { of, at_most } => {
                format!("failed runs of {} at most {}", of_all(of, "every function"), percent(*at_most))
            }
            Objective::Diagnosis => "name the node and the mechanism behind the incident".into(),
        }
    }
}

/// A fraction as a percentage without trailing zeros: 0.001 is "0.1%", 0.99 "99%".
fn percent(x: f64) -> String {
    let text = format!("{:.3}", x * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_read_as_words() {
        let latency =
            Objective::Latency { of: "readers".into(), percentile: 99.0, at_most: SimDuration::from_millis(200) };
        assert_eq!(latency.requirement(), "p99 latency of readers at most 200ms");
        let errors = Objective::ErrorRatio { of: Some("readers".into()), at_most: 0.001 };
        assert_eq!(errors.requirement(), "errors and timeouts of readers at most 0.1%");
        let flow = Objective::Flow { name: "upload".into(), on_time: 0.99 };
        assert_eq!(flow.requirement(), "flow upload: every request reaches every effect, at least 99% of them on time");
        assert_eq!(Objective::CostPerMonth { at_most: 300.0 }.requirement(), "at most $300.00 a month");
        assert_eq!(percent(0.998), "99.8%");
        // Every objective of every library challenge reads as words, not as the format.
        for (name, text) in crate::scenario::LIBRARY {
            let scenario = crate::scenario::Scenario::parse(text, name).expect("valid");
            for o in scenario.challenge.iter().flat_map(|c| &c.objectives) {
                let words = o.requirement();
                let format_words = ["at_most", "at_least", "of:", "on_time", "\""];
                assert!(!words.is_empty() && !format_words.iter().any(|w| words.contains(w)), "{name}: {words}");
            }
        }
    }
}
