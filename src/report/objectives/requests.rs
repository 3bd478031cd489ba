//! Objectives on requests and invocations: latency, cold starts, errors, throttles,
//! failed runs and what was served, with the explanations of their failures (the slow
//! part of a route, what failed, what throttled).

use super::ObjectiveResult;
use super::helpers::{at_most, ms, percent, ratio};
use crate::report::Report;
use crate::sim::Simulation;
use crate::sim::kernel::time::SimDuration;

pub(super) fn latency(
    sim: &Simulation,
    report: &Report,
    of: &str,
    percentile: f64,
    bound: SimDuration,
) -> ObjectiveResult {
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

pub(super) fn cold_start_ratio(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
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

pub(super) fn error_ratio(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let (label, r) = requests_of(report, of, "errors");
    let measured = ratio(r.failed + r.timed_out, r.arrived);
    at_most(label, (measured, bound), (percent(measured), percent(bound)), || Some(explain_errors(report)))
}

pub(super) fn throttle_ratio(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let (label, r) = requests_of(report, of, "throttles");
    let measured = ratio(r.throttled, r.arrived);
    at_most(label, (measured, bound), (percent(measured), percent(bound)), || Some(explain_throttles(report)))
}

/// An "at least" objective: the work still gets done.
pub(super) fn served(report: &Report, of: Option<&str>, at_least: u64) -> ObjectiveResult {
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
pub(super) fn served_share(report: &Report, of: &[String], at_least: f64) -> ObjectiveResult {
    let routes: Vec<&crate::report::TriggerReport> = report.triggers.iter().filter(|t| of.contains(&t.name)).collect();
    let sum = |f: fn(&crate::report::RequestsReport) -> u64| routes.iter().map(|t| f(&t.requests)).sum::<u64>();
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

/// Failed and timed-out invocations over invocations: behind any hop, not only where
/// a caller waits.
pub(super) fn failed_runs(report: &Report, of: Option<&str>, bound: f64) -> ObjectiveResult {
    let functions: Vec<&crate::report::FunctionReport> =
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

fn requests_of<'a>(report: &'a Report, of: Option<&str>, what: &str) -> (String, &'a crate::report::RequestsReport) {
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
        && let crate::sim::trigger::TriggerSpec::Http { invoke_overhead: Some(overhead), .. } = &*t.spec
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
