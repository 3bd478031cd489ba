//! Grading: each challenge objective (`scenario::objective`) measured on a finished run.
//! Each result carries the measured value, the bound, and for a failure a sentence
//! naming the node and the mechanism most likely responsible (the app's "why did it
//! fail").

use super::Report;
use crate::scenario::challenge::Challenge;
use crate::scenario::diagnosis::{Answer, Diagnosis};
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
            Objective::ServedShare { of, at_least } => served_share(report, of, *at_least),
            Objective::FailedRuns { of, at_most } => failed_runs(report, of.as_deref(), *at_most),
            Objective::ApiLimitRespected { api } => api_limit_respected(report, api),
            Objective::StreamAge { stream, at_most } => stream_age(report, stream, *at_most),
            Objective::LeastPrivilege { of } => least_privilege(report, of.as_deref()),
            Objective::BlastRadius { of, at_most } => blast_radius(report, of, *at_most),
            Objective::DataResidency { of } => data_residency(report, of.as_deref()),
            Objective::Flow { name, on_time } => flow(report, name, *on_time),
            // Graded against the player's answer, which the challenge holds (`evaluate_all`).
            Objective::Diagnosis => diagnosis(None, None),
        }
    }
}

/// The player's diagnosis against the right one. A wrong answer is named wrong, and
/// the right one is kept for the debrief.
fn diagnosis(right: Option<&Diagnosis>, given: Option<&Answer>) -> ObjectiveResult {
    let passed = right.is_some_and(|r| given.is_some_and(|g| *g == r.answer()));
    let why = match given {
        _ if passed => None,
        None => Some(
            "no diagnosis given: name the node and the mechanism behind the incident, `--answer NODE:CAUSE` (or the app's Diagnose panel)"
                .to_string(),
        ),
        Some(g) => Some(format!(
            "{g} is not what happened: look for what changed when the latency did (a trace's slow span, the handler's log lines around it, each node's metrics before and after), not for what is always slow"
        )),
    };
    ObjectiveResult {
        label: "diagnosis of the incident".into(),
        passed,
        measured: f64::from(u8::from(passed)),
        bound: 1.0,
        measured_text: given.map_or_else(|| "no answer".to_string(), Answer::to_string),
        bound_text: "must be the node and mechanism that caused it".into(),
        why,
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
    let bound_text = format!("at most {bound_text}");
    ObjectiveResult { label, passed, measured, bound, measured_text, bound_text, why }
}

/// A count that must be zero ("duplicate side effects: 3 (at most 0)").
fn none_at_all(label: &str, n: u64, why: impl FnOnce() -> String) -> ObjectiveResult {
    at_most(label.to_string(), (n as f64, 0.0), (n.to_string(), "0".to_string()), || Some(why()))
}

fn latency(sim: &Simulation, report: &Report, of: &str, percentile: f64, bound: SimDuration) -> ObjectiveResult {
    let q = percentile / 100.0;
    let trigger = sim.triggers().iter().position(|t| t.spec.name() == of);
    let (histogram, what) = match trigger {
        Some(t) => (&sim.triggers()[t].latency, "latency"),
        None => {
            let f = sim.functions().iter().position(|f| f.name() == of).unwrap_or(0);
            (&sim.functions()[f].durations, "handler time")
        }
    };
    let label = format!("p{percentile} {what} of {of}");
    let bound = bound.as_secs_f64() * 1000.0;
    if histogram.count() == 0 {
        // A route that served nobody has no latency, and must not pass at 0 ms.
        let why = format!(
            "{of} served no requests in the measured window: a route switched off, or everything in front of it failing, is not fast"
        );
        return ObjectiveResult {
            label,
            passed: false,
            measured: 0.0,
            bound,
            measured_text: "no requests served".into(),
            bound_text: format!("at most {}", ms(bound)),
            why: Some(why),
        };
    }
    let measured = histogram.quantile_ms(q);
    at_most(label, (measured, bound), (ms(measured), ms(bound)), || Some(explain_latency(sim, report, of)))
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
            let empty = f.cold_starts - f.cold_starts_scaling_out;
            let cause = if f.cold_starts_scaling_out >= empty {
                format!(
                    "{} of them while every warm environment was busy: the traffic outgrew the warm pool (provisioned concurrency, or a smoother ramp, keeps up)",
                    f.cold_starts_scaling_out
                )
            } else {
                format!(
                    "{empty} of them found no environment at all: the pool had expired while idle (keep-alive) or had not started yet"
                )
            };
            format!(
                "{}: {} of {} invocations started a new environment (p50 {} each); {cause}",
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
    let label = if allow_dlq { "work lost (poison in a DLQ allowed)" } else { "work lost or dead-lettered" };
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
        let mut extra = String::new();
        if c.moved_to_fleet_usd > 0.0 {
            extra += &format!(", servers ${:.2}", monthly(c.moved_to_fleet_usd));
        }
        if c.websocket_usd > 0.0 {
            extra += &format!(", WebSocket API messages and connection minutes ${:.2}", monthly(c.websocket_usd));
        }
        if c.ephemeral_usd > 0.0 {
            extra += &format!(", /tmp above 512 MB ${:.2}", monthly(c.ephemeral_usd));
        }
        if c.snapstart_cache_usd + c.snapstart_restore_usd > 0.0 {
            extra += &format!(
                ", SnapStart cache ${:.2} and restores ${:.2}",
                monthly(c.snapstart_cache_usd),
                monthly(c.snapstart_restore_usd)
            );
        }
        Some(format!(
            "per month: compute ${:.2}, requests ${:.2}, provisioned concurrency ${:.2}{extra} (over {:.0} s measured)",
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
        let worst = report.functions.iter().max_by_key(|f| f.wrong_results);
        let f = worst.map_or("", |f| f.name.as_str());
        if let Some(w) = worst.filter(|w| w.snapshot_shared_state > 0) {
            return format!(
                "{f}: {} results used state captured in its SnapStart snapshot (a random seed or an id made at init), the same in every environment restored from it: re-seed in an after-restore hook (restore_hook), or make it in the handler",
                w.snapshot_shared_state
            );
        }
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
        q.map(|q| explain_queue_age(report, q))
    })
}

/// Why messages grew old: batches that cannot finish, poison messages cycling, or a
/// consumer slower than its producers.
fn explain_queue_age(report: &Report, q: &super::QueueReport) -> String {
    let consumer = report.functions.iter().find(|f| f.name == q.consumer);
    if let Some(f) = consumer.filter(|f| f.timeouts > 0) {
        let advice = if q.batch_size > 1 {
            "a batch's messages are processed one after another, so a smaller batch (not a bigger one) finishes in time"
        } else {
            "each message takes longer than the function may run"
        };
        return format!(
            "{}: {} of its consumer's runs hit {}'s {} s timeout and their messages came back: {advice}",
            q.name, f.timeouts, f.name, f.timeout_s
        );
    }
    if q.redelivered_poison > 0 && q.to_dlq_poison == 0 {
        return format!(
            "{}: poison messages came back every visibility timeout ({} receives of messages that fail every time){}",
            q.name,
            q.redelivered_poison,
            if q.dlq_attached {
                ": they never reach max receives"
            } else {
                ": no dead-letter queue is attached to take them"
            }
        );
    }
    format!(
        "{}: up to {} messages waited (peak depth); the consumer drained slower than producers sent: raise its concurrency or batch size, or make it faster",
        q.name, q.max_depth
    )
}

/// An "at least" objective: the work still gets done.
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

/// Requests still unfinished at the end, past this share of a route's arrivals, mean
/// the route is backed up rather than caught mid-flight.
const STRAGGLERS: f64 = 0.01;

/// An "at least" objective on a route's share served: succeeded over finished requests.
/// A route that received nothing fails (switched off is not served), and so does one
/// whose unfinished requests at the end are more than stragglers (it is backed up).
fn served_share(report: &Report, of: &[String], at_least: f64) -> ObjectiveResult {
    let routes: Vec<&super::TriggerReport> = report.triggers.iter().filter(|t| of.contains(&t.name)).collect();
    let sum = |f: fn(&super::RequestsReport) -> u64| routes.iter().map(|t| f(&t.requests)).sum::<u64>();
    let (arrived, succeeded, unfinished) = (sum(|r| r.arrived), sum(|r| r.succeeded), sum(|r| r.in_flight));
    let share = ratio(succeeded, arrived - unfinished);
    let backed_up = unfinished as f64 > STRAGGLERS * arrived as f64;
    let label = format!("served share of {}", of.join(" or "));
    let passed = arrived > unfinished && share >= at_least && !backed_up;
    let why = (!passed).then(|| {
        if arrived == 0 {
            return format!(
                "{} received no requests: a route that is switched off serves nobody (its clients still exist)",
                of.join(" and ")
            );
        }
        if backed_up {
            return format!(
                "{unfinished} of {arrived} requests were still unfinished at the end: the route is backed up (a queue or a stream behind it is not keeping up)"
            );
        }
        let mut lost = Vec::new();
        for t in &routes {
            let r = &t.requests;
            let mut parts = Vec::new();
            for (n, what) in [(r.failed, "failed"), (r.throttled, "throttled"), (r.timed_out, "timed out")] {
                if n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            if !parts.is_empty() {
                lost.push(format!("{}: {}", t.name, parts.join(", ")));
            }
        }
        let failed: u64 = routes.iter().map(|t| t.requests.failed).sum();
        let cause = if failed > 0 { format!(" ({})", explain_errors(report)) } else { String::new() };
        format!("not served: {}{cause}", lost.join("; "))
    });
    ObjectiveResult {
        label,
        passed,
        measured: share,
        bound: at_least,
        measured_text: if arrived == 0 { "no requests".into() } else { percent(share) },
        bound_text: format!("at least {}", percent(at_least)),
        why,
    }
}

/// Permissions held but never used, over the functions whose role is modelled.
fn least_privilege(report: &Report, of: Option<&str>) -> ObjectiveResult {
    let roles: Vec<(&str, &super::PermissionsReport)> = report
        .functions
        .iter()
        .filter(|f| of.is_none_or(|o| o == f.name))
        .filter_map(|f| f.permissions.as_ref().map(|p| (f.name.as_str(), p)))
        .collect();
    let unused: usize = roles.iter().map(|(_, p)| p.unused.len()).sum();
    let label = match of {
        Some(f) => format!("permissions {f} never used"),
        None => "permissions never used".to_string(),
    };
    none_at_all(&label, unused as u64, || {
        let parts: Vec<String> = roles
            .iter()
            .filter(|(_, p)| !p.unused.is_empty())
            .map(|(f, p)| {
                let shown: Vec<&str> = p.unused.iter().take(6).map(String::as_str).collect();
                let more = p.unused.len().saturating_sub(6);
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                format!("{f} holds {}{more} without using them", shown.join(", "))
            })
            .collect();
        format!("{}: a role should grant exactly what the function calls", parts.join("; "))
    })
}

/// How many resources a compromised function could reach.
fn blast_radius(report: &Report, of: &str, bound: u32) -> ObjectiveResult {
    let f = report.functions.iter().find(|f| f.name == of);
    let reach = f.and_then(|f| f.permissions.as_ref()).map_or(0, |p| p.reach.len());
    let label = format!("resources {of} could reach");
    at_most(label, (reach as f64, f64::from(bound)), (reach.to_string(), bound.to_string()), || {
        let p = f.and_then(|f| f.permissions.as_ref())?;
        Some(format!(
            "{of}'s role ({}) reaches {}: if the function were compromised, all of it would be",
            p.granted.join(", "),
            p.reach.join(", ")
        ))
    })
}

/// How far a stream's consumer fell behind, at its worst.
fn stream_age(report: &Report, stream: &str, bound: SimDuration) -> ObjectiveResult {
    let s = report.streams.iter().find(|s| s.name == stream);
    let measured = s.map_or(0.0, |s| s.max_iterator_age_s);
    let bound = bound.as_secs_f64();
    let label = format!("iterator age of {stream}");
    at_most(label, (measured, bound), (format!("{measured:.1} s"), format!("{bound:.1} s")), || {
        s.map(|s| {
            if s.failed_batches > 0 {
                format!(
                    "{}: {} batches failed and were retried while the records behind them waited (a shard stays blocked until its batch succeeds): bisect a failing batch to isolate the bad record, and give up after a few retries to an on-failure destination",
                    s.name, s.failed_batches
                )
            } else {
                format!("{}: the consumer processed records slower than they were written", s.name)
            }
        })
    })
}

/// Accesses to data outside its residency: none allowed.
fn data_residency(report: &Report, of: Option<&str>) -> ObjectiveResult {
    let databases = report.databases.iter().map(|d| (&d.name, d.residency.as_ref()));
    let buckets = report.buckets.iter().map(|b| (&b.name, b.residency.as_ref()));
    let rules: Vec<(&String, &super::ResidencyReport)> = databases
        .chain(buckets)
        .filter(|(name, _)| of.is_none_or(|o| o == name.as_str()))
        .filter_map(|(name, r)| r.map(|r| (name, r)))
        .collect();
    let violations = rules.iter().map(|(_, r)| r.violations).sum();
    let label = match of {
        Some(of) => format!("accesses to {of} outside its residency"),
        None => "accesses to data outside its residency".to_string(),
    };
    none_at_all(&label, violations, || {
        let broken = rules.iter().filter(|(_, r)| r.violations > 0);
        let sentences: Vec<String> = broken
            .map(|(name, r)| {
                if r.stored_outside {
                    format!(
                        "{name} must stay in {} but is stored in {}: every access breaks residency",
                        r.residency, r.region
                    )
                } else {
                    let who: Vec<String> = r
                        .by_function
                        .iter()
                        .map(|v| format!("{} ({}) {} times", v.function, v.region, v.accesses))
                        .collect();
                    format!("{name} must stay in {}, and functions outside it used it: {}", r.residency, who.join(", "))
                }
            })
            .collect();
        sentences.join("; ")
            + ": process the data where it lives, with a function deployed in a region inside its residency"
    })
}

/// No request refused with 429 by a third-party API.
fn api_limit_respected(report: &Report, api: &str) -> ObjectiveResult {
    let a = report.apis.iter().find(|a| a.name == api);
    let refused = a.map_or(0, |a| a.throttled);
    none_at_all(&format!("requests {api} refused with 429"), refused, || {
        let Some(a) = a else { return String::new() };
        let limit = if a.rate_limit_per_second > 0.0 {
            format!("its limit of {} a second (bursts of {})", a.rate_limit_per_second, a.burst)
        } else {
            format!("its limit of {} requests at once", a.max_concurrency.unwrap_or(0))
        };
        let remedy = match a.cache_ttl_s {
            Some(ttl) => format!(
                "its callers read a value that rarely changes, cached for {ttl:.0} s: one read per environment per TTL is what a longer TTL cuts"
            ),
            None => "callers sent faster than the provider accepts; a queue with a bounded consumer in front of it sets the pace".into(),
        };
        format!(
            "{api}: {refused} of {} requests were over {limit} ({} calls gave up after their retries): {remedy}",
            a.requests, a.gave_up
        )
    })
}

/// Failed and timed-out invocations over invocations: behind any hop, not only where
/// a caller waits.
fn failed_runs(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let functions: Vec<&super::FunctionReport> =
        report.functions.iter().filter(|f| of.is_none_or(|o| o == f.name)).collect();
    let failed: u64 = functions.iter().map(|f| f.errors + f.timeouts).sum();
    let invocations: u64 = functions.iter().map(|f| f.invocations).sum();
    let measured = ratio(failed, invocations);
    let label = match of {
        Some(f) => format!("failed runs of {f}"),
        None => "failed runs (every function)".to_string(),
    };
    at_most(label, (measured, bound), (percent(measured), percent(bound)), || {
        let worst = functions.iter().max_by_key(|f| f.errors + f.timeouts)?;
        Some(if worst.timeouts > 0 {
            format!(
                "{}: {} of {} runs hit its {} s timeout ({} more failed): the work of one invocation takes longer than its limit",
                worst.name, worst.timeouts, worst.invocations, worst.timeout_s, worst.errors
            )
        } else {
            format!("{}: {} of {} runs failed", worst.name, worst.errors, worst.invocations)
        })
    })
}

fn requests_of<'a>(report: &'a Report, of: Option<&str>, what: &str) -> (String, &'a super::RequestsReport) {
    match of.and_then(|o| report.triggers.iter().find(|t| t.name == o)) {
        Some(t) => (format!("{what} of {}", t.name), &t.requests),
        None => (what.to_string(), &report.requests),
    }
}

fn explain_latency(sim: &Simulation, report: &Report, of: &str) -> String {
    let trigger = sim.triggers().iter().find(|t| t.spec.name() == of);
    let rtt = trigger.map_or(SimDuration::ZERO, |t| t.network_rtt);
    let mut network = String::new();
    if rtt > SimDuration::ZERO {
        network += &format!(
            "; every request also crosses the network between the clients' region and the function's ({rtt} round trip)"
        );
    }
    if let Some(t) = trigger.filter(|t| !t.on_fleet)
        && let crate::sim::trigger::TriggerSpec::Http { invoke_overhead: Some(overhead), .. } = &t.spec
    {
        let shape = match overhead {
            crate::sim::kernel::dist::Dist::LogNormal { median: Some(m), p99: Some(p), .. } => {
                format!("median {m}, p99 {p}")
            }
            _ => format!("a mean of {:.1} ms", overhead.mean_secs() * 1000.0),
        };
        network += &format!(
            "; every request also passes the API gateway and Lambda's invoke path ({shape}, with its jitter): \
             no memory size or provisioned concurrency removes it, a server the clients reach directly does"
        );
    }
    let function = trigger.map_or(of, |t| t.spec.target());
    for (queries, database, round_trip) in cross_region_queries(sim.config(), function) {
        network += &format!(
            "; each request makes {queries} {} to {database} in another region, a {round_trip} round trip each",
            if queries == 1 { "query" } else { "queries" }
        );
    }
    format!("{}{network}", explain_handler(report, of))
}

/// The queries `function` makes to databases in another region than its own: (queries
/// per request, database, round trip).
fn cross_region_queries(config: &crate::sim::config::SimConfig, function: &str) -> Vec<(u32, String, SimDuration)> {
    let Some(f) = config.functions.iter().find(|f| f.name == function) else { return Vec::new() };
    let home = &config.account.region;
    let here = f.region.as_ref().unwrap_or(home);
    let mut out: Vec<(u32, String, SimDuration)> = Vec::new();
    for call in &f.calls {
        let crate::sim::function::Call::Query { database, count, .. } = call else { continue };
        let Some(d) = config.databases.iter().find(|d| d.name == *database) else { continue };
        let rtt = config.account.rtt(here, d.region.as_ref().unwrap_or(home));
        if rtt == SimDuration::ZERO {
            continue;
        }
        match out.iter_mut().find(|(_, name, _)| name == database) {
            Some(entry) => entry.0 += count,
            None => out.push((*count, database.clone(), rtt)),
        }
    }
    out
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
    if f.tmp_downloads > 0 {
        causes.push(format!(
            "{} downloads of its /tmp file ({:.1} GB) inside those handler times (a file not kept, or a new environment)",
            f.tmp_downloads, f.tmp_download_gb
        ));
    }
    if f.throttles > 0 {
        causes.push(format!("{} throttled", f.throttles));
    }
    format!("{}: {}", f.name, causes.join(", "))
}

fn explain_errors(report: &Report) -> String {
    let denied =
        report.functions.iter().filter_map(|f| Some((f, f.permissions.as_ref()?))).find(|(_, p)| p.access_denied > 0);
    if let Some((f, p)) = denied {
        // A role fixed during the run (a timeline `Set`) lacks nothing at the end.
        let lacks = if p.missing.is_empty() {
            "lacked a statement for part of the run".to_string()
        } else {
            format!("lacks {}", p.missing.join(", "))
        };
        return format!(
            "{}: {} calls failed with AccessDenied: its role {lacks} (a permission missing from a deployment fails every request that needs it)",
            f.name, p.access_denied,
        );
    }
    if let Some(f) = report.functions.iter().find(|f| f.stale_secrets > 0) {
        return format!(
            "{}: {} requests failed on a secret rotated after its environments cached it: they kept the old one until their cache expired (re-read the secret when it stops working)",
            f.name, f.stale_secrets
        );
    }
    if let Some(f) = report.functions.iter().filter(|f| f.tmp_full > 0).max_by_key(|f| f.tmp_full) {
        return format!(
            "{}: {} invocations failed with No space left on device: /tmp ({} MB) could not hold what they wrote there",
            f.name,
            f.tmp_full,
            f.ephemeral_mb.unwrap_or(crate::sim::function::MIN_EPHEMERAL_MB)
        );
    }
    if let Some(a) = report.apis.iter().filter(|a| a.gave_up > 0).max_by_key(|a| a.gave_up) {
        return format!(
            "{}: {} calls gave up after {} refusals (429) and {} errors, failing their invocations",
            a.name, a.gave_up, a.throttled, a.errors
        );
    }
    let worst = report.functions.iter().max_by_key(|f| f.errors + f.timeouts);
    match worst {
        Some(f) if f.timeouts > 0 => format!(
            "{}: {} invocations hit the {}-MB function's timeout and {} failed: the work takes longer than the limit allows",
            f.name, f.timeouts, f.memory_mb, f.errors
        ),
        Some(f) if f.errors > 0 => {
            let mut why = format!(
                "{}: {} invocations failed (its own errors or a failing call) and were not retried to success",
                f.name, f.errors
            );
            if let Some(d) =
                report.databases.iter().filter(|d| d.connection_errors > 0).max_by_key(|d| d.connection_errors)
            {
                why.push_str(&format!(
                    "; {} refused {} connections at its limit of {} (every environment opens its own)",
                    d.name, d.connection_errors, d.max_connections
                ));
            }
            why
        }
        _ => {
            let refused: u64 = report.databases.iter().map(|d| d.connection_errors).sum();
            let mut causes = Vec::new();
            if refused > 0 {
                let d = report.databases.iter().max_by_key(|d| d.connection_errors).map_or("", |d| d.name.as_str());
                causes.push(format!("{refused} database connections refused ({d} was at its limit)"));
            }
            if report.payload_rejected > 0 {
                causes.push(format!("{} payloads over the size limit rejected", report.payload_rejected));
            }
            if causes.is_empty() {
                "requests failed on a call to another service".into()
            } else {
                format!("requests failed on their calls: {}", causes.join("; "))
            }
        }
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

/// Work lost, and a reason per place that lost some.
fn lost_messages(report: &Report, allow_dlq: bool) -> (u64, Vec<String>) {
    let mut lost = 0;
    let mut reasons = Vec::new();
    for q in &report.queues {
        if q.expired > 0 {
            lost += q.expired;
            let received = q.expired - q.expired_unreceived;
            let mut why = Vec::new();
            if q.expired_unreceived > 0 {
                why.push(format!("{} before any consumer received them", q.expired_unreceived));
            }
            if received > 0 && q.dlq_attached {
                why.push(format!(
                    "{received} while still failing, before reaching the dead-letter queue (max receives times the visibility timeout outlasts the retention)"
                ));
            } else if received > 0 {
                why.push(format!("{received} after failing again and again, with no dead-letter queue attached"));
            }
            reasons.push(format!(
                "{}: {} messages expired at the end of the retention period: {}",
                q.name,
                q.expired,
                why.join("; ")
            ));
        }
        // A message redriven back from the DLQ is no longer there (it is served, or
        // dead-lettered again and counted once).
        let transient = q.transient_dead_lettered();
        let dead = if allow_dlq { transient } else { q.dead_lettered() };
        if dead > 0 {
            lost += dead;
            reasons.push(if allow_dlq {
                format!(
                    "{}: {transient} messages went to its dead-letter queue that were not poison (a retry would have succeeded) and are still there: a dead-letter queue is for messages that can never succeed; allow more receives, or redrive them once what failed them is fixed",
                    q.name
                )
            } else {
                format!("{}: {dead} messages went to its dead-letter queue after too many receives", q.name)
            });
        }
    }
    let a = &report.async_events;
    if a.async_dropped > 0 {
        lost += a.async_dropped;
        reasons
            .push(format!("{} asynchronous events failed every retry with no on-failure destination", a.async_dropped));
    }
    if a.async_to_dlq > 0 {
        // Asynchronous events carry no poison: each failed transiently, every try.
        lost += a.async_to_dlq;
        reasons.push(format!(
            "{} asynchronous events went to an on-failure queue after failing every retry{}",
            a.async_to_dlq,
            if allow_dlq {
                " (their failures were transient: more retries, or idempotent steps, would have served them)"
            } else {
                ""
            }
        ));
    }
    for s in &report.streams {
        let parked = if allow_dlq { s.skipped_poison_to_dlq } else { 0 };
        let skipped = s.skipped - parked;
        if skipped > 0 {
            lost += skipped;
            let to_dlq = s.skipped_to_dlq - parked;
            let mut why = format!("{}: {skipped} stream records skipped", s.name);
            if to_dlq > 0 {
                why +=
                    &format!(" ({to_dlq} of them, not poison, parked in the on-failure destination with their batch)");
            } else {
                why += " (too old, or their batch gave up with no on-failure destination)";
            }
            reasons.push(why);
        }
    }
    for f in &report.functions {
        let kept = f.tmp_results_lost + f.tmp_results_held;
        if kept > 0 {
            lost += kept;
            reasons.push(format!(
                "{}: {kept} results written to /tmp instead of a bucket ({} lost when their environments were reclaimed, {} still in /tmp at the end, to be lost with theirs): /tmp lasts as long as its environment",
                f.name, f.tmp_results_lost, f.tmp_results_held
            ));
        }
    }
    for w in &report.workflows {
        if w.failed > 0 {
            lost += w.failed;
            reasons.push(format!(
                "workflow {}: {} executions ended failed, neither completed nor compensated (a step failed its last retry with no catch)",
                w.name, w.failed
            ));
        }
    }
    (lost, reasons)
}

/// Every objective of a challenge on a run, in order (a `Diagnosis` against the
/// player's answer the challenge holds).
pub fn evaluate_all(challenge: &Challenge, sim: &Simulation, report: &Report) -> Vec<ObjectiveResult> {
    let graded = |o: &Objective| match o {
        Objective::Diagnosis => diagnosis(challenge.diagnosis.as_ref(), challenge.answer.as_ref()),
        _ => o.evaluate(sim, report),
    };
    challenge.objectives.iter().map(graded).collect()
}

/// The graded challenge as text: one line per objective, then the verdict; on failure
/// why, and the hints meant for after a failed attempt; on success the debrief.
pub fn challenge_text(challenge: &Challenge, grades: &[ObjectiveResult]) -> String {
    let mut out = format!("Challenge: {}\n", challenge.goal.trim());
    for g in grades {
        let mark = if g.passed { "pass" } else { "FAIL" };
        out += &format!("  [{mark}] {}: {} ({})\n", g.label, g.measured_text, g.bound_text);
        if let Some(why) = &g.why {
            out += &format!("         why: {why}\n");
        }
    }
    let failed = grades.iter().filter(|g| !g.passed).count();
    if failed == 0 {
        out += &format!("Passed: all {} objectives met.\n\nDebrief: {}\n", grades.len(), challenge.debrief.trim());
        if let Some(d) = &challenge.diagnosis {
            out += &format!("The cause: {}. What showed it first: {}\n", d.answer(), d.first_signal.trim());
        }
    } else {
        out += &format!("Failed: {failed} of {} objectives not met.\n", grades.len());
        // Every hint, in order: the ones the app shows with time and after a failure.
        for h in &challenge.hints {
            out += &format!("Hint: {}\n", h.text.trim());
        }
    }
    out
}

/// Every request of a flow reaches each required effect, once, and enough on time.
fn flow(report: &Report, name: &str, on_time: f64) -> ObjectiveResult {
    let label = format!("requests of {name} reaching every effect");
    let Some(f) = report.flows.iter().find(|f| f.name == name) else {
        let why = Some(format!("no flow {name} in the run"));
        let (measured_text, bound_text) = ("no flow".to_string(), String::new());
        return ObjectiveResult { label, passed: false, measured: 0.0, bound: on_time, measured_text, bound_text, why };
    };
    let graded = f.graded();
    let measured = ratio(f.on_time, graded);
    let passed = graded > 0 && f.incomplete == 0 && f.duplicated == 0 && f.unwanted == 0 && measured >= on_time;
    let within = ms(f.within_s * 1000.0);
    let measured_text = format!("{} of {graded} on time ({})", f.on_time, percent(measured));
    let bound_text = format!("all, {} within {within}, none twice", percent(on_time));
    let why = (!passed).then(|| explain_flow(f, on_time, &report.triggers));
    ObjectiveResult { label, passed, measured, bound: on_time, measured_text, bound_text, why }
}

/// The failure of a flow in words: which effects are missing for how many requests and
/// where they stopped, which were done twice, which came late.
fn explain_flow(f: &super::FlowReport, on_time: f64, triggers: &[super::TriggerReport]) -> String {
    let graded = f.graded();
    if graded == 0 {
        return format!(
            "no request of {} could be graded ({} arrived, {} poison, {} still within {} s at the end): does anything serve it?",
            f.name, f.requests, f.poison, f.in_flight, f.within_s
        );
    }
    let mut parts = Vec::new();
    if f.incomplete > 0 {
        let missing: Vec<String> = (f.effects.iter().filter(|e| e.missing > 0))
            .map(|e| match e.parts_missing {
                0 => format!("{} missing for {}", e.effect, e.missing),
                parts => format!("{} missing for {} ({parts} of their parts never done)", e.effect, e.missing),
            })
            .collect();
        let stops: Vec<String> = f.stopped_at.iter().take(3).map(|s| format!("{} ({})", s.node, s.requests)).collect();
        parts.push(format!(
            "{} of {graded} requests never reached every effect: {}; they stopped at {}",
            f.incomplete,
            missing.join(", "),
            stops.join(", ")
        ));
        let served_none = f.on_time + f.late == 0;
        if f.stopped_at.iter().any(|s| s.node.starts_with("unwired ")) || served_none {
            parts.push(
                "nothing served some of them: connect the trigger (or the bucket it uploads into) to a function of the design".into(),
            );
        }
    }
    if f.duplicated > 0 {
        let twice: Vec<String> = (f.effects.iter().filter(|e| e.duplicated > 0))
            .map(|e| format!("{} for {}", e.effect, e.duplicated))
            .collect();
        parts.push(format!(
            "{} requests had an effect done twice ({}): a retry or redelivery repeated it; an idempotency key makes the repeat a no-op",
            f.duplicated,
            twice.join(", ")
        ));
        let retried: Vec<String> = (triggers.iter().filter(|t| t.client_retries > 0))
            .map(|t| {
                format!(
                    "{} sent {} retries after giving up on an answer ({} timeouts)",
                    t.name, t.client_retries, t.client_timeouts
                )
            })
            .collect();
        if !retried.is_empty() {
            parts.push(format!(
                "{}: a client that gives up does not stop the function, so each retry did the work again",
                retried.join(", ")
            ));
        }
    }
    if f.unwanted > 0 {
        let forbidden: Vec<String> =
            (f.effects.iter().filter(|e| e.unwanted > 0)).map(|e| format!("{} for {}", e.effect, e.unwanted)).collect();
        parts.push(format!(
            "{} requests caused an effect their outcome forbids ({}): a step ran before the outcome was known, or the compensation ran for a request that succeeded",
            f.unwanted,
            forbidden.join(", ")
        ));
    }
    if ratio(f.on_time, graded) < on_time {
        let late: Vec<String> =
            (f.effects.iter().filter(|e| e.late > 0)).map(|e| format!("{} for {}", e.effect, e.late)).collect();
        parts.push(format!(
            "only {} on time (at least {} wanted); late: {}",
            percent(ratio(f.on_time, graded)),
            percent(on_time),
            if late.is_empty() { "none, but too few completed".to_string() } else { late.join(", ") }
        ));
    }
    parts.join("; ")
}
