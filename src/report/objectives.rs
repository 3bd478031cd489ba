//! Challenge objectives: what a run must achieve, and how each is measured. Every
//! bound is inclusive: "at most" (`at_most: 0` means none at all), or "at least" for
//! `Served`, which keeps a design from passing by serving nobody. Each result
//! carries the measured value, the bound, and for a failure a sentence naming the node
//! and the mechanism most likely responsible (the app's "why did it fail").

use super::Report;
use crate::sim::Simulation;
use crate::sim::config::{Problem, SimConfig};
use crate::sim::kernel::time::SimDuration;
use crate::sim::names::index_of;
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

/// How one objective went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveResult {
    /// The objective in words ("p99 latency of api").
    pub label: String,
    pub passed: bool,
    pub measured: f64,
    pub bound: f64,
    /// The measured value and the bound with units ("412 ms", "300 ms").
    pub measured_text: String,
    pub bound_text: String,
    /// For a failure: the node and mechanism most likely responsible.
    pub why: Option<String>,
}

fn ms(x: f64) -> String {
    if x >= 10_000.0 { format!("{:.1} s", x / 1000.0) } else { format!("{x:.0} ms") }
}

fn percent(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
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
                    push(format!("no trigger or function \"{of}\""));
                }
                if !(*percentile > 0.0 && *percentile < 100.0) {
                    push(format!("percentile must be between 0 and 100, such as 99, got {percentile}"));
                }
            }
            Objective::ColdStartRatio { of, at_most } => {
                if let Some(of) = of.as_deref().filter(|f| !function(f)) {
                    push(format!("no function \"{of}\""));
                }
                if !fraction(*at_most) {
                    push(format!("at_most is a fraction in 0..1, got {at_most}"));
                }
            }
            Objective::Served { of: Some(of), .. } if !trigger(of) => push(format!("no trigger \"{of}\"")),
            Objective::ErrorRatio { of, at_most } | Objective::ThrottleRatio { of, at_most } => {
                if let Some(of) = of.as_deref().filter(|t| !trigger(t)) {
                    push(format!("no trigger \"{of}\""));
                }
                if !fraction(*at_most) {
                    push(format!("at_most is a fraction in 0..1, got {at_most}"));
                }
            }
            Objective::DbConnections { database, .. } if index_of(&config.databases, database).is_none() => {
                push(format!("no database \"{database}\""));
            }
            Objective::CostPerMonth { at_most } if !(at_most.is_finite() && *at_most >= 0.0) => {
                push(format!("at_most is a cost in USD, at least 0, got {at_most}"));
            }
            Objective::QueueAge { queue, .. } if index_of(&config.queues, queue).is_none() => {
                push(format!("no queue \"{queue}\""));
            }
            _ => {}
        }
    }

    /// Measures the objective on a finished run.
    pub fn evaluate(&self, sim: &Simulation, report: &Report) -> ObjectiveResult {
        let mut why = None;
        if let Objective::Served { of, at_least } = self {
            let (label, r) = requests_of(report, of.as_deref(), "requests served");
            let served = r.succeeded;
            if served < *at_least {
                why = Some(format!(
                    "{served} of {} arrived requests succeeded: a path that is switched off, throttled or failing does no work",
                    r.arrived
                ));
            }
            return ObjectiveResult {
                label,
                passed: served >= *at_least,
                measured: served as f64,
                bound: *at_least as f64,
                measured_text: served.to_string(),
                bound_text: format!("at least {at_least}"),
                why,
            };
        }
        let (label, measured, bound, measured_text, bound_text) = match self {
            Objective::Latency { of, percentile, at_most } => {
                let q = percentile / 100.0;
                let trigger = sim.triggers().iter().position(|t| t.spec.name() == of);
                let (measured, what) = match trigger {
                    Some(t) => (sim.triggers()[t].latency.quantile_ms(q), "latency"),
                    None => {
                        let f = sim.functions().iter().position(|f| f.name() == of).unwrap_or(0);
                        (sim.functions()[f].durations.quantile_ms(q), "handler time")
                    }
                };
                let bound = at_most.as_secs_f64() * 1000.0;
                if measured > bound {
                    why = Some(explain_latency(sim, report, of));
                }
                (format!("p{percentile} {what} of {of}"), measured, bound, ms(measured), ms(bound))
            }
            Objective::ColdStartRatio { of, at_most } => {
                let (label, measured) = match of {
                    Some(of) => {
                        let f = report.functions.iter().find(|f| f.name == *of);
                        (format!("cold starts of {of}"), f.map_or(0.0, |f| f.cold_start_ratio))
                    }
                    None => ("cold starts".to_string(), report.cold_start_ratio),
                };
                if measured > *at_most {
                    why = report.functions.iter().filter(|f| of.as_ref().is_none_or(|o| *o == f.name)).max_by(|a, b| a.cold_start_ratio.total_cmp(&b.cold_start_ratio)).map(|f| {
                        format!(
                            "{}: {} of {} invocations started a new environment (p50 {} each): idle environments expired before the next request, or traffic outgrew the warm pool",
                            f.name, f.cold_starts, f.invocations, ms(f.cold_start_ms.p50)
                        )
                    });
                }
                (label, measured, *at_most, percent(measured), percent(*at_most))
            }
            Objective::ErrorRatio { of, at_most } => {
                let (label, r) = requests_of(report, of.as_deref(), "errors");
                let measured = ratio(r.failed + r.timed_out, r.arrived);
                if measured > *at_most {
                    why = Some(explain_errors(report));
                }
                (label, measured, *at_most, percent(measured), percent(*at_most))
            }
            Objective::ThrottleRatio { of, at_most } => {
                let (label, r) = requests_of(report, of.as_deref(), "throttles");
                let measured = ratio(r.throttled, r.arrived);
                if measured > *at_most {
                    why = Some(explain_throttles(report));
                }
                (label, measured, *at_most, percent(measured), percent(*at_most))
            }
            Objective::NoMessageLost { allow_dlq } => {
                let (lost, reasons) = lost_messages(report, *allow_dlq);
                if lost > 0 {
                    why = Some(reasons.join("; "));
                }
                let label = if *allow_dlq { "messages lost (DLQ allowed)" } else { "messages lost or dead-lettered" };
                (label.to_string(), lost as f64, 0.0, lost.to_string(), "0".to_string())
            }
            Objective::DbConnections { database, at_most } => {
                let d = report.databases.iter().find(|d| d.name == *database);
                let peak = d.map_or(0, |d| d.peak_connections);
                if peak > *at_most
                    && let Some(d) = d
                {
                    why = Some(format!(
                        "{}: {} connections opened at the peak (limit {}), {} refused: each concurrent environment holds its own connection; a pooler or a queue in front caps them",
                        d.name, d.peak_connections, d.max_connections, d.connection_errors
                    ));
                }
                (
                    format!("peak connections of {database}"),
                    peak as f64,
                    *at_most as f64,
                    peak.to_string(),
                    at_most.to_string(),
                )
            }
            Objective::CostPerMonth { at_most } => {
                let measured = report.cost.per_month_usd;
                if measured > *at_most {
                    let c = &report.cost;
                    let monthly =
                        |usd: f64| usd / report.simulated_seconds.max(1e-9) * crate::sim::kernel::cost::MONTH_SECS;
                    why = Some(format!(
                        "per month: compute ${:.2}, requests ${:.2}, provisioned concurrency ${:.2} (over {:.0} s measured)",
                        monthly(c.compute_usd),
                        monthly(c.requests_usd),
                        monthly(c.provisioned_usd),
                        report.simulated_seconds
                    ));
                }
                ("cost per month".to_string(), measured, *at_most, format!("${measured:.2}"), format!("${at_most:.2}"))
            }
            Objective::NoDuplicates => {
                let n = report.duplicates;
                if n > 0 {
                    why = Some(format!(
                        "{n} side effects done twice: a message was delivered again (a retry, or a visibility timeout shorter than the handler) to a function without an idempotency store"
                    ));
                }
                ("duplicate side effects".to_string(), n as f64, 0.0, n.to_string(), "0".to_string())
            }
            Objective::NoWrongResults => {
                let n = report.wrong_results;
                if n > 0 {
                    let f = report.functions.iter().max_by_key(|f| f.wrong_results).map_or("", |f| f.name.as_str());
                    why = Some(format!(
                        "{f}: {n} results computed from in-memory state a new environment did not have: state kept in a function's memory is lost at every cold start and not shared between environments"
                    ));
                }
                ("wrong results".to_string(), n as f64, 0.0, n.to_string(), "0".to_string())
            }
            Objective::QueueAge { queue, at_most } => {
                let q = report.queues.iter().find(|q| q.name == *queue);
                let measured = q.map_or(0.0, |q| q.max_oldest_age_s);
                let bound = at_most.as_secs_f64();
                if measured > bound
                    && let Some(q) = q
                {
                    why = Some(format!(
                        "{}: up to {} messages waited (peak depth); the consumer drained slower than producers sent: raise its concurrency or batch size, or make it faster",
                        q.name, q.max_depth
                    ));
                }
                (
                    format!("oldest message age of {queue}"),
                    measured,
                    bound,
                    format!("{measured:.1} s"),
                    format!("{bound:.1} s"),
                )
            }
            Objective::Served { .. } => unreachable!("handled above: its bound is a minimum"),
        };
        ObjectiveResult { label, passed: measured <= bound, measured, bound, measured_text, bound_text, why }
    }
}

fn requests_of<'a>(report: &'a Report, of: Option<&str>, what: &str) -> (String, &'a super::RequestsReport) {
    match of.and_then(|o| report.triggers.iter().find(|t| t.name == o)) {
        Some(t) => (format!("{what} of {}", t.name), &t.requests),
        None => (what.to_string(), &report.requests),
    }
}

fn explain_latency(sim: &Simulation, report: &Report, of: &str) -> String {
    let rtt = sim.triggers().iter().find(|t| t.spec.name() == of).map_or(SimDuration::ZERO, |t| t.network_rtt);
    let network = if rtt > SimDuration::ZERO {
        format!(
            "; every request also crosses the network between the clients' region and the function's ({rtt} round trip)"
        )
    } else {
        String::new()
    };
    format!("{}{network}", explain_handler(report, of))
}

fn explain_handler(report: &Report, of: &str) -> String {
    let target = report.triggers.iter().find(|t| t.name == of).map_or(of, |t| t.target.as_str());
    let Some(f) = report.functions.iter().find(|f| f.name == target) else {
        return format!("{of}: requests waited on what it calls (queues, databases or other functions)");
    };
    let mut causes = Vec::new();
    if f.cold_starts > 0 {
        causes.push(format!("{} cold starts of p50 {} each", f.cold_starts, ms(f.cold_start_ms.p50)));
    }
    causes.push(format!("handler p99 {} at {} MB", ms(f.duration_ms.p99), f.memory_mb));
    if f.throttles > 0 {
        causes.push(format!("{} throttled", f.throttles));
    }
    format!("{}: {}", f.name, causes.join(", "))
}

fn explain_errors(report: &Report) -> String {
    let worst = report.functions.iter().max_by_key(|f| f.errors + f.timeouts);
    match worst {
        Some(f) if f.timeouts > 0 => format!(
            "{}: {} invocations hit the {}-MB function's timeout and {} failed: the work takes longer than the limit allows",
            f.name, f.timeouts, f.memory_mb, f.errors
        ),
        Some(f) if f.errors > 0 => format!(
            "{}: {} invocations failed (its own errors or a failing call) and were not retried to success",
            f.name, f.errors
        ),
        _ => "requests failed on a call to a service (a refused database connection or an oversized payload)".into(),
    }
}

fn explain_throttles(report: &Report) -> String {
    let worst = report.functions.iter().max_by_key(|f| f.throttles);
    match worst {
        Some(f) => {
            let t = &f.throttles_by_reason;
            format!(
                "{}: {} throttled at a limit of {} concurrent ({} by its reserved concurrency, {} by the account's shared pool, {} by the scaling rate)",
                f.name, f.throttles, f.concurrency_limit, t.reserved_concurrency, t.account_concurrency, t.scaling_rate
            )
        }
        None => "no function ran".into(),
    }
}

/// Messages lost, and a reason per place that lost some.
fn lost_messages(report: &Report, allow_dlq: bool) -> (u64, Vec<String>) {
    let mut lost = 0;
    let mut reasons = Vec::new();
    for q in &report.queues {
        if q.expired > 0 {
            lost += q.expired;
            reasons.push(format!(
                "{}: {} messages expired after the retention period (retried with no DLQ)",
                q.name, q.expired
            ));
        }
        if !allow_dlq && q.to_dlq > 0 {
            lost += q.to_dlq;
            reasons.push(format!(
                "{}: {} messages went to its dead-letter queue after too many receives",
                q.name, q.to_dlq
            ));
        }
    }
    let a = &report.async_events;
    if a.async_dropped > 0 {
        lost += a.async_dropped;
        reasons
            .push(format!("{} asynchronous events failed every retry with no on-failure destination", a.async_dropped));
    }
    if !allow_dlq && a.async_to_dlq > 0 {
        lost += a.async_to_dlq;
        reasons.push(format!("{} asynchronous events went to an on-failure queue", a.async_to_dlq));
    }
    for s in &report.streams {
        if s.skipped > 0 {
            lost += s.skipped;
            reasons.push(format!("{}: {} stream records skipped (too old, or their batch gave up)", s.name, s.skipped));
        }
    }
    (lost, reasons)
}

/// Every objective of a run, in order.
pub fn evaluate_all(objectives: &[Objective], sim: &Simulation, report: &Report) -> Vec<ObjectiveResult> {
    objectives.iter().map(|o| o.evaluate(sim, report)).collect()
}

/// The graded challenge as text: one line per objective, then the verdict; on failure
/// why, and the hints meant for after a failed attempt; on success the debrief.
pub fn challenge_text(challenge: &crate::scenario::challenge::Challenge, grades: &[ObjectiveResult]) -> String {
    let mut out = format!("Challenge: {}\n", challenge.goal.trim());
    for g in grades {
        let mark = if g.passed { "pass" } else { "FAIL" };
        out += &format!("  [{mark}] {}: {} (at most {})\n", g.label, g.measured_text, g.bound_text);
        if let Some(why) = &g.why {
            out += &format!("         why: {why}\n");
        }
    }
    let failed = grades.iter().filter(|g| !g.passed).count();
    if failed == 0 {
        out += &format!("Passed: all {} objectives met.\n\nDebrief: {}\n", grades.len(), challenge.debrief.trim());
    } else {
        out += &format!("Failed: {failed} of {} objectives not met.\n", grades.len());
        for h in challenge.hints.iter().filter(|h| h.on_failure) {
            out += &format!("Hint: {}\n", h.text.trim());
        }
    }
    out
}
