//! Grading: each challenge objective (`scenario::objective`) measured on a finished run.
//! Each result carries the measured value, the bound, and for a failure a sentence
//! naming the node and the mechanism most likely responsible (the app's "why did it
//! fail").

use super::Report;
use crate::scenario::objective::Objective;
use crate::sim::Simulation;
use crate::sim::kernel::time::SimDuration;
use serde::Serialize;

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
    /// Measures the objective on a finished run.
    pub fn evaluate(&self, sim: &Simulation, report: &Report) -> ObjectiveResult {
        match self {
            Objective::Latency { of, percentile, at_most } => latency(sim, report, of, *percentile, *at_most),
            Objective::ColdStartRatio { of, at_most } => cold_start_ratio(report, of.as_deref(), *at_most),
            Objective::ErrorRatio { of, at_most } => error_ratio(report, of.as_deref(), *at_most),
            Objective::ThrottleRatio { of, at_most } => throttle_ratio(report, of.as_deref(), *at_most),
            Objective::NoMessageLost { allow_dlq } => no_message_lost(report, *allow_dlq),
            Objective::DbConnections { database, at_most } => db_connections(report, database, *at_most),
            Objective::CostPerMonth { at_most } => cost_per_month(report, *at_most),
            Objective::NoDuplicates => no_duplicates(report),
            Objective::NoWrongResults => no_wrong_results(report),
            Objective::QueueAge { queue, at_most } => queue_age(report, queue, *at_most),
            Objective::Served { of, at_least } => served(report, of.as_deref(), *at_least),
        }
    }
}

/// An "at most" objective's result: it passes when `measured <= bound`; `why` is asked
/// for only when it fails.
fn at_most(
    label: String,
    (measured, bound): (f64, f64),
    (measured_text, bound_text): (String, String),
    why: impl FnOnce() -> Option<String>,
) -> ObjectiveResult {
    let passed = measured <= bound;
    let why = if passed { None } else { why() };
    ObjectiveResult { label, passed, measured, bound, measured_text, bound_text, why }
}

/// A count that must be zero ("duplicate side effects: 3 (at most 0)").
fn none_at_all(label: &str, n: u64, why: impl FnOnce() -> String) -> ObjectiveResult {
    at_most(label.to_string(), (n as f64, 0.0), (n.to_string(), "0".to_string()), || Some(why()))
}

fn latency(sim: &Simulation, report: &Report, of: &str, percentile: f64, bound: SimDuration) -> ObjectiveResult {
    let q = percentile / 100.0;
    let trigger = sim.triggers().iter().position(|t| t.spec.name() == of);
    let (measured, what) = match trigger {
        Some(t) => (sim.triggers()[t].latency.quantile_ms(q), "latency"),
        None => {
            let f = sim.functions().iter().position(|f| f.name() == of).unwrap_or(0);
            (sim.functions()[f].durations.quantile_ms(q), "handler time")
        }
    };
    let bound = bound.as_secs_f64() * 1000.0;
    at_most(format!("p{percentile} {what} of {of}"), (measured, bound), (ms(measured), ms(bound)), || {
        Some(explain_latency(sim, report, of))
    })
}

fn cold_start_ratio(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let (label, measured) = match of {
        Some(of) => {
            let f = report.functions.iter().find(|f| f.name == of);
            (format!("cold starts of {of}"), f.map_or(0.0, |f| f.cold_start_ratio))
        }
        None => ("cold starts".to_string(), report.cold_start_ratio),
    };
    at_most(label, (measured, bound), (percent(measured), percent(bound)), || {
        let worst = report
            .functions
            .iter()
            .filter(|f| of.is_none_or(|o| o == f.name))
            .max_by(|a, b| a.cold_start_ratio.total_cmp(&b.cold_start_ratio));
        worst.map(|f| {
            format!(
                "{}: {} of {} invocations started a new environment (p50 {} each): idle environments expired before the next request, or traffic outgrew the warm pool",
                f.name,
                f.cold_starts,
                f.invocations,
                ms(f.cold_start_ms.p50)
            )
        })
    })
}

fn error_ratio(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let (label, r) = requests_of(report, of, "errors");
    let measured = ratio(r.failed + r.timed_out, r.arrived);
    at_most(label, (measured, bound), (percent(measured), percent(bound)), || Some(explain_errors(report)))
}

fn throttle_ratio(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let (label, r) = requests_of(report, of, "throttles");
    let measured = ratio(r.throttled, r.arrived);
    at_most(label, (measured, bound), (percent(measured), percent(bound)), || Some(explain_throttles(report)))
}

fn no_message_lost(report: &Report, allow_dlq: bool) -> ObjectiveResult {
    let (lost, reasons) = lost_messages(report, allow_dlq);
    let label = if allow_dlq { "messages lost (DLQ allowed)" } else { "messages lost or dead-lettered" };
    none_at_all(label, lost, || reasons.join("; "))
}

fn db_connections(report: &Report, database: &str, bound: u32) -> ObjectiveResult {
    let d = report.databases.iter().find(|d| d.name == database);
    let peak = d.map_or(0, |d| d.peak_connections);
    let label = format!("peak connections of {database}");
    at_most(label, (peak as f64, bound as f64), (peak.to_string(), bound.to_string()), || {
        d.map(|d| {
            format!(
                "{}: {} connections opened at the peak (limit {}), {} refused: each concurrent environment holds its own connection; a pooler or a queue in front caps them",
                d.name, d.peak_connections, d.max_connections, d.connection_errors
            )
        })
    })
}

fn cost_per_month(report: &Report, bound: f64) -> ObjectiveResult {
    let measured = report.cost.per_month_usd;
    let texts = (format!("${measured:.2}"), format!("${bound:.2}"));
    at_most("cost per month".to_string(), (measured, bound), texts, || {
        let c = &report.cost;
        let monthly = |usd: f64| usd / report.simulated_seconds.max(1e-9) * crate::sim::kernel::cost::MONTH_SECS;
        Some(format!(
            "per month: compute ${:.2}, requests ${:.2}, provisioned concurrency ${:.2} (over {:.0} s measured)",
            monthly(c.compute_usd),
            monthly(c.requests_usd),
            monthly(c.provisioned_usd),
            report.simulated_seconds
        ))
    })
}

fn no_duplicates(report: &Report) -> ObjectiveResult {
    let n = report.duplicates;
    none_at_all("duplicate side effects", n, || {
        format!(
            "{n} side effects done twice: a message was delivered again (a retry, or a visibility timeout shorter than the handler) to a function without an idempotency store"
        )
    })
}

fn no_wrong_results(report: &Report) -> ObjectiveResult {
    let n = report.wrong_results;
    none_at_all("wrong results", n, || {
        let f = report.functions.iter().max_by_key(|f| f.wrong_results).map_or("", |f| f.name.as_str());
        format!(
            "{f}: {n} results computed from in-memory state a new environment did not have: state kept in a function's memory is lost at every cold start and not shared between environments"
        )
    })
}

fn queue_age(report: &Report, queue: &str, bound: SimDuration) -> ObjectiveResult {
    let q = report.queues.iter().find(|q| q.name == queue);
    let measured = q.map_or(0.0, |q| q.max_oldest_age_s);
    let bound = bound.as_secs_f64();
    let label = format!("oldest message age of {queue}");
    at_most(label, (measured, bound), (format!("{measured:.1} s"), format!("{bound:.1} s")), || {
        q.map(|q| {
            format!(
                "{}: up to {} messages waited (peak depth); the consumer drained slower than producers sent: raise its concurrency or batch size, or make it faster",
                q.name, q.max_depth
            )
        })
    })
}

/// The one "at least" objective: the work still gets done.
fn served(report: &Report, of: Option<&str>, at_least: u64) -> ObjectiveResult {
    let (label, r) = requests_of(report, of, "requests served");
    let served = r.succeeded;
    let passed = served >= at_least;
    let why = (!passed).then(|| {
        format!(
            "{served} of {} arrived requests succeeded: a path that is switched off, throttled or failing does no work",
            r.arrived
        )
    });
    ObjectiveResult {
        label,
        passed,
        measured: served as f64,
        bound: at_least as f64,
        measured_text: served.to_string(),
        bound_text: format!("at least {at_least}"),
        why,
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
