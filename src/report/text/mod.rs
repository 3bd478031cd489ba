//! The text report: plain sentences a student can read, numbers with their units. The
//! run as a whole is written here (requests, latency, delivery, cost); each part's own
//! paragraph (function, queue, database, API, flow, workflow) in `parts`.

mod parts;

use super::Report;
use crate::sim::kernel::time::SimDuration;
use parts::{function, services};
use std::fmt::Write;

fn pct(x: f64) -> String {
    if x == 0.0 {
        "0%".into()
    } else if x < 0.001 {
        format!("{:.3}%", x * 100.0)
    } else {
        format!("{:.2}%", x * 100.0)
    }
}

fn ms(x: f64) -> String {
    if x >= 10_000.0 {
        format!("{:.1} s", x / 1000.0)
    } else if x >= 100.0 {
        format!("{x:.0} ms")
    } else {
        format!("{x:.1} ms")
    }
}

fn usd(x: f64) -> String {
    if x == 0.0 {
        "$0".into()
    } else if x < 0.01 {
        format!("${x:.6}")
    } else {
        format!("${x:.2}")
    }
}

/// "1 cold start", "2 cold starts": a count with its noun (every report and
/// command says its counts this way).
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

fn span(secs: f64) -> String {
    SimDuration::from_secs_f64(secs.round()).to_string()
}

pub(super) fn render(r: &Report) -> String {
    let mut out = String::new();
    let o = &mut out;
    if let (Some(at), Some(of)) = (r.stopped_at_seconds, r.run_seconds) {
        let _ = writeln!(o, "Stopped at {} of {}: this report covers the run up to then.\n", span(at), span(of));
    }
    for refused in &r.not_applied {
        let _ = writeln!(o, "Not applied: {refused}");
    }
    summary(o, r);
    for f in &r.functions {
        let _ = writeln!(o);
        function(o, f);
    }
    services(o, r);
    if !r.workflows.is_empty() && !r.buses.is_empty() {
        orchestration_vs_choreography(o, r);
    }
    delivery(o, r);
    cost(o, r);
    out
}

/// The run, requests, cold starts, latency and concurrency.
fn summary(o: &mut String, r: &Report) {
    let warm =
        if r.warmup_seconds > 0.0 { format!(" after a {} warm-up", span(r.warmup_seconds)) } else { String::new() };
    let _ = writeln!(o, "Scenario \"{}\" (seed {}): {} measured{warm}", r.scenario, r.seed, span(r.simulated_seconds));
    let _ = writeln!(o);
    let q = &r.requests;
    let _ = writeln!(
        o,
        "Requests     {} arrived: {} succeeded, {} failed, {} throttled (429), {} timed out, {} still in flight",
        q.arrived, q.succeeded, q.failed, q.throttled, q.timed_out, q.in_flight
    );
    let invocations: u64 = r.functions.iter().map(|f| f.invocations).sum();
    let _ = writeln!(
        o,
        "Cold starts  {} of {} invocations ({}) waited for a new environment to start",
        r.cold_starts,
        invocations,
        pct(r.cold_start_ratio)
    );
    let l = &r.latency_ms;
    if r.triggers.iter().any(|t| t.latency_ms.max > 0.0) {
        let _ = writeln!(
            o,
            "Latency      as the caller sees it: p50 {}, p95 {}, p99 {}, max {} (mean {})",
            ms(l.p50),
            ms(l.p95),
            ms(l.p99),
            ms(l.max),
            ms(l.mean)
        );
    } else {
        let _ = writeln!(o, "Latency      no synchronous caller waits in this scenario (see the queues below)");
    }
    if let Some(c) = &r.completion {
        let _ = writeln!(
            o,
            "Completion   end to end, first trigger to last effect: p50 {}, p99 {}, max {} ({} of {} requests done, {} with failed work, {} still in flight)",
            ms(c.ms.p50),
            ms(c.ms.p99),
            ms(c.ms.max),
            c.completed,
            c.requests,
            c.completed_failed,
            c.in_flight
        );
        if c.not_followed > 0 {
            let _ = writeln!(
                o,
                "             {} requests not followed (they arrived while a million others had work open)",
                c.not_followed
            );
        }
    }
    let peak = count(r.max_concurrency, "request", "requests");
    let _ = writeln!(o, "Concurrency  peak {peak} in flight at once");
}

/// The same process as a workflow and as bus events, side by side.
fn orchestration_vs_choreography(o: &mut String, r: &Report) {
    let _ = writeln!(o);
    let _ = writeln!(o, "Orchestration vs choreography");
    for w in &r.workflows {
        let done = w.succeeded + w.compensated + w.failed;
        let _ = writeln!(
            o,
            "  workflow \"{}\": every execution's status is known ({} of {} finished, {} compensated); \
             it costs {} in transitions and takes p50 {} end to end",
            w.name,
            done,
            w.started,
            w.compensated,
            usd(w.transitions_usd),
            ms(w.duration_ms.p50)
        );
    }
    for b in &r.buses {
        let _ = writeln!(
            o,
            "  bus \"{}\": {} events fanned out to {} deliveries at no transition cost, but no one place \
             knows whether a given order completed (look at each consumer's errors and DLQ)",
            b.name, b.published, b.deliveries
        );
    }
}

/// Payload limits, schedule overlaps, asynchronous events and at-least-once delivery.
fn delivery(o: &mut String, r: &Report) {
    if r.payload_rejected + r.claim_checks > 0 {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Payloads     {} rejected as too large; {} passed by reference through a bucket (claim check)",
            r.payload_rejected, r.claim_checks
        );
    }
    for t in &r.triggers {
        let Some(w) = &t.websocket else { continue };
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "WebSocket \"{}\" on {}: {} connections opened, {:.0} open on average ({} at the peak), {:.0} connection-minutes",
            t.name, w.held_by, w.connections_opened, w.avg_open, w.peak_open, w.connection_minutes
        );
        let _ = writeln!(
            o,
            "             {} messages received, {} copies delivered; API Gateway bills {} messages (32 KB increments) {} and the connection-minutes {}",
            w.messages,
            w.delivered,
            w.billed_messages,
            usd(w.messages_usd),
            usd(w.connection_minutes_usd)
        );
    }
    for t in r.triggers.iter().filter(|t| t.client_timeouts + t.client_retries > 0) {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Client \"{}\": {} attempts abandoned unanswered, {} retries of the same request (each ran the function again)",
            t.name, t.client_timeouts, t.client_retries
        );
    }
    for t in r.triggers.iter().filter(|t| t.overlaps > 0) {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Schedule \"{}\": {} runs started while the previous one was still running",
            t.name, t.overlaps
        );
    }
    if r.async_events.async_events > 0 || !r.queues.is_empty() {
        let a = &r.async_events;
        let _ = writeln!(o);
        if a.async_events > 0 {
            let _ = writeln!(
                o,
                "Async events {} accepted: {} succeeded, {} retries, {} throttled and re-queued, {} to the on-failure queue, {} dropped",
                a.async_events, a.async_succeeded, a.async_retries, a.async_throttled, a.async_to_dlq, a.async_dropped
            );
            if a.async_over_limit > 0 {
                let _ = writeln!(
                    o,
                    "             {} of them given up on arrival: {} events were already waiting, the most a run holds (faaslab's bound, not the platform's)",
                    a.async_over_limit,
                    crate::sim::services::async_invoke::MAX_WAITING_ASYNC
                );
            }
            if a.async_handed_on > 0 {
                let _ = writeln!(
                    o,
                    "             {} more failed every retry and were handed on to an on-failure queue with a consumer, to be tried again there",
                    a.async_handed_on
                );
            }
        }
        let _ = writeln!(
            o,
            "Delivery     {}; {} duplicate side effects; {} duplicates suppressed by idempotency; {} dead-lettered",
            count(r.retries, "retry/redelivery", "retries/redeliveries"),
            r.duplicates,
            r.duplicates_suppressed,
            r.dlq
        );
    }
    if r.loops_stopped > 0 {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Loops        {} events stopped by recursive loop detection: a chain of invocations went 16 hops deep \
             (a function triggering itself again through an invoke, a queue, a bus, a bucket, a stream or a workflow); \
             AWS Lambda stops such loops the same way, and the wiring is the bug to fix",
            r.loops_stopped
        );
    }
}

/// What the run cost, per month, and the always-on fleet it is compared with.
fn cost(o: &mut String, r: &Report) {
    let c = &r.cost;
    let _ = writeln!(o);
    let free = if c.free_tier { ", free tier applied" } else { "" };
    let fleet = if c.moved_to_fleet_instances > 0 {
        format!(
            ", {} for the routes moved off functions {}",
            count(c.moved_to_fleet_instances, "server", "servers"),
            usd(c.moved_to_fleet_usd)
        )
    } else {
        String::new()
    };
    let websocket =
        if c.websocket_usd > 0.0 { format!(", WebSocket API {}", usd(c.websocket_usd)) } else { String::new() };
    let _ = writeln!(
        o,
        "Cost         {} for {} (requests {}, compute {}, provisioned {}{fleet}{websocket}{free})",
        usd(c.total_usd),
        span(r.simulated_seconds),
        usd(c.requests_usd),
        usd(c.compute_usd),
        usd(c.provisioned_usd)
    );
    if c.ephemeral_usd > 0.0 {
        let _ = writeln!(o, "             of which /tmp above the free 512 MB {}", usd(c.ephemeral_usd));
    }
    if c.snapstart_cache_usd + c.snapstart_restore_usd > 0.0 {
        let _ = writeln!(
            o,
            "             of which SnapStart {} (snapshot cache {}, restores {})",
            usd(c.snapstart_cache_usd + c.snapstart_restore_usd),
            usd(c.snapstart_cache_usd),
            usd(c.snapstart_restore_usd)
        );
    }
    let _ = writeln!(o, "             about {} a month at this traffic (730 h)", usd(c.per_month_usd));
    let _ = writeln!(
        o,
        "Server fleet {} sized for the peak: {} for the same time, {} a month",
        count(c.server_fleet_instances, "always-on instance", "always-on instances"),
        usd(c.server_fleet_usd),
        usd(c.server_fleet_per_month_usd)
    );
}
#[cfg(test)]
mod tests {
    use crate::report::Report;
    use crate::sim::Simulation;

    fn text_of(name: &str) -> String {
        let scenario = crate::scenario::built_in(name).expect("built in").expect("valid");
        let mut sim = Simulation::new(scenario.config);
        sim.run_to_end();
        Report::of(&sim, name).to_text()
    }

    #[test]
    fn parts_nothing_used_take_one_line_and_counts_of_one_are_singular() {
        // The job times out at 15 minutes before it sends a chunk: five functions, two
        // queues and a workflow of the split-up design are never used.
        let text = text_of("nightly-job");
        assert!(text.contains("Function \"plan-chunks\" (Python, 512 MB): not invoked\n"), "{text}");
        assert!(text.contains("Queue \"chunks\": nothing sent\n"), "{text}");
        assert!(text.contains("Workflow \"nightly\": no execution started\n"), "{text}");
        assert!(text.contains("3 invocations, 1 cold start (33.33%); cold start p50"), "{text}");
        assert!(text.contains("peak 1 request in flight at once"), "{text}");
        // No percentile of an empty histogram is printed as if it were a measured zero.
        assert!(!text.contains("p50 0.0 ms, p99 0.0 ms"), "{text}");
        let dlq = text_of("dlq-redrive");
        assert!(
            dlq.contains("deepest 1922 messages, oldest waited 1490.6 s; nothing received; holds 1922 dead letters"),
            "{dlq}"
        );
        assert!(text_of("config-and-secrets").contains("its value was rotated 1 time (RotateSecret)"));
        let brief = text_of("brief-order-placement");
        assert!(brief.contains("API \"payments\" (100 a second, bursts of 100): not called\n"), "{brief}");
    }
}
