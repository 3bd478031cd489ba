//! The text report: plain sentences a student can read, numbers with their units.

use super::{FunctionReport, Report, ResidencyReport};
use crate::sim::kernel::time::SimDuration;
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

/// "1 cold start", "2 cold starts": a count with its noun.
fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
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

/// One paragraph per queue, database, bus, bucket, stream and workflow.
fn services(o: &mut String, r: &Report) {
    for q in &r.queues {
        let _ = writeln!(o);
        if q.sent + q.received + q.still_queued + q.redriven + q.dead_letters == 0 {
            let _ = writeln!(o, "Queue \"{}\": nothing sent", q.name);
            continue;
        }
        let _ = writeln!(
            o,
            "Queue \"{}\": {} sent, {} received ({} redelivered), {} deleted, {} to the DLQ, {} expired, {} still queued",
            q.name, q.sent, q.received, q.redelivered, q.deleted, q.to_dlq, q.expired, q.still_queued
        );
        // The wait is measured at a first receive: a queue nobody received from has none.
        let wait = if q.received > 0 {
            format!("wait before receive p50 {}, p99 {}", ms(q.wait_ms.p50), ms(q.wait_ms.p99))
        } else {
            "nothing received".into()
        };
        let _ = writeln!(
            o,
            "  deepest {}, oldest waited {:.1} s; {wait}{}",
            count(q.max_depth, "message", "messages"),
            q.max_oldest_age_s,
            if q.dead_letters > 0 {
                format!("; holds {}", count(q.dead_letters, "dead letter", "dead letters"))
            } else {
                String::new()
            }
        );
        if q.redriven > 0 || q.redriven_out > 0 {
            let _ = writeln!(
                o,
                "  redrive: {} moved back into it from its DLQ ({} poison), {} moved out of it to their source",
                q.redriven, q.redriven_poison, q.redriven_out
            );
        }
    }
    for d in &r.databases {
        let _ = writeln!(o);
        let pooler = d.pooler_pool_size.map_or(String::from("no pooler"), |n| format!("a pooler with {n} connections"));
        let _ = writeln!(
            o,
            "Database \"{}\" ({pooler}): peak {} of {} connections (average {:.1}), {} connections refused",
            d.name, d.peak_connections, d.max_connections, d.avg_connections, d.connection_errors
        );
        if d.queries > 0 {
            let _ = writeln!(
                o,
                "  {}: p50 {}, p99 {} as the functions saw them",
                count(d.queries, "query", "queries"),
                ms(d.query_ms.p50),
                ms(d.query_ms.p99)
            );
        } else {
            let _ = writeln!(o, "  no queries");
        }
        residency_lines(o, d.residency.as_ref());
    }
    for b in &r.buses {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Bus \"{}\": {} events published, {} deliveries to targets, {} matched no rule",
            b.name, b.published, b.deliveries, b.unmatched
        );
    }
    for b in &r.buckets {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Bucket \"{}\": {} objects created ({:.1} MB), {} notifications{}",
            b.name,
            b.objects_created,
            b.stored_kb / 1024.0,
            b.notifications,
            if b.loops_stopped > 0 {
                format!(
                    "; RECURSIVE LOOP: a function writes into the bucket that triggers it ({} stopped by loop detection)",
                    b.loops_stopped
                )
            } else {
                String::new()
            }
        );
        residency_lines(o, b.residency.as_ref());
    }
    for s in &r.streams {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "Stream \"{}\" ({} shards): {} records, {} processed in order, {} skipped, {} pending; {} of {} batches failed",
            s.name, s.shards, s.records, s.processed, s.skipped, s.pending, s.failed_batches, s.batches
        );
        let _ =
            writeln!(o, "  iterator age: at most {:.1} s behind (now {:.1} s)", s.max_iterator_age_s, s.iterator_age_s);
    }
    for a in &r.apis {
        let _ = writeln!(o);
        let limit = if a.rate_limit_per_second > 0.0 {
            format!("{} a second, bursts of {}", a.rate_limit_per_second, a.burst)
        } else {
            "no rate limit".into()
        };
        if a.requests == 0 {
            let _ = writeln!(o, "API \"{}\" ({limit}): not called", a.name);
            continue;
        }
        let _ = writeln!(
            o,
            "API \"{}\" ({limit}): {}: {} answered, {} refused with 429, {} errors; {} retries, {} calls gave up",
            a.name,
            count(a.requests, "request", "requests"),
            a.succeeded,
            a.throttled,
            a.errors,
            a.retries,
            a.gave_up
        );
        if a.declined > 0 {
            let _ = writeln!(o, "  {} declined for good (not retried: each failed its invocation)", a.declined);
        }
        let _ = writeln!(
            o,
            "  response p50 {}, p99 {}; at most {} in flight",
            ms(a.latency_ms.p50),
            ms(a.latency_ms.p99),
            a.peak_in_flight
        );
        if a.rotations > 0 {
            let _ = writeln!(o, "  its value was rotated {} (RotateSecret)", count(a.rotations, "time", "times"));
        }
    }
    for f in &r.flows {
        flow(o, f);
    }
    for w in &r.workflows {
        let _ = writeln!(o);
        if w.started == 0 {
            let _ = writeln!(o, "Workflow \"{}\": no execution started", w.name);
            continue;
        }
        let _ = writeln!(
            o,
            "Workflow \"{}\": {} executions: {} succeeded, {} compensated, {} failed, {} running; {} transitions ({}), {} task retries",
            w.name,
            w.started,
            w.succeeded,
            w.compensated,
            w.failed,
            w.running,
            w.transitions,
            usd(w.transitions_usd),
            w.task_retries
        );
        if w.started > w.running {
            let _ = writeln!(o, "  execution time p50 {}, p99 {}", ms(w.duration_ms.p50), ms(w.duration_ms.p99));
        }
    }
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

fn function(o: &mut String, f: &FunctionReport) {
    let _ = write!(o, "Function \"{}\" ({}, {} MB)", f.name, f.runtime, f.memory_mb);
    // A function nothing called and that held no environment: one line, not a block of zeros.
    if f.invocations == 0 && f.throttles == 0 && f.avg_environments == 0.0 {
        let _ = writeln!(o, ": not invoked");
        return;
    }
    let _ = writeln!(o);
    let starts = if f.cold_starts > 0 {
        format!("; cold start p50 {}, p99 {}", ms(f.cold_start_ms.p50), ms(f.cold_start_ms.p99))
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "  {}, {} ({}){starts}",
        count(f.invocations, "invocation", "invocations"),
        count(f.cold_starts, "cold start", "cold starts"),
        pct(f.cold_start_ratio),
    );
    let t = &f.throttles_by_reason;
    let mut causes = Vec::new();
    for (n, why) in [
        (t.reserved_concurrency, "reserved concurrency full"),
        (t.account_concurrency, "account limit reached"),
        (t.scaling_rate, "scaling too fast"),
    ] {
        if n > 0 {
            causes.push(format!("{n} {why}"));
        }
    }
    let causes = if causes.is_empty() { String::new() } else { format!(" ({})", causes.join(", ")) };
    let (errors, timeouts) = (count(f.errors, "error", "errors"), count(f.timeouts, "timeout", "timeouts"));
    let _ = writeln!(o, "  {} throttled{causes}, {errors}, {timeouts}", f.throttles);
    let _ = writeln!(
        o,
        "  environments on average {:.1}: {:.1} busy, {:.1} idle and warm, {:.1} starting; peak {} in flight of a limit of {}",
        f.avg_environments, f.avg_busy, f.avg_idle, f.avg_initializing, f.max_concurrency, f.concurrency_limit
    );
    if f.cache_hits + f.cache_misses > 0 {
        let hits = f.cache_hits as f64 / (f.cache_hits + f.cache_misses) as f64;
        let _ = writeln!(
            o,
            "  in-memory cache: {} hits, {} misses ({:.1}% hits: every new environment starts empty)",
            f.cache_hits,
            f.cache_misses,
            100.0 * hits
        );
    }
    if f.wrong_results > f.snapshot_shared_state {
        let _ = writeln!(
            o,
            "  {} wrong results: local state was missing (a new environment, or another one than the user's last)",
            f.wrong_results - f.snapshot_shared_state
        );
    }
    if f.restores > 0 {
        let _ = writeln!(
            o,
            "  SnapStart: {} cold starts restored the snapshot (no init ran); {} results used state every restored environment shares (a seed, an id made at init); {} requests failed on a connection the snapshot left stale",
            f.restores, f.snapshot_shared_state, f.stale_connections
        );
    }
    if f.api_cache_hits > 0 || f.stale_secrets > 0 {
        let _ = writeln!(
            o,
            "  cached configuration: {} reads answered from the environment's memory; {} requests failed on a rotated secret",
            f.api_cache_hits, f.stale_secrets
        );
    }
    tmp_lines(o, f);
    if let Some(l) = &f.logged {
        let _ = writeln!(
            o,
            "  its Log steps wrote {} info, {} warning and {} error lines (the log holds them with their correlation ids)",
            l.info, l.warn, l.error
        );
    }
    let d = &f.duration_ms;
    let billed = match &f.billing {
        Some(billing) => format!("billed {billing}"),
        None => format!("{:.1} GB-s billed", f.gb_seconds),
    };
    if f.invocations > 0 {
        let _ = writeln!(o, "  handler time p50 {}, p95 {}, p99 {} ({billed})", ms(d.p50), ms(d.p95), ms(d.p99));
    } else {
        let _ = writeln!(o, "  no handler ran ({billed})");
    }
    if f.per_environment_concurrency > 1 {
        let _ = writeln!(
            o,
            "  up to {} requests share one environment (its vCPUs and connections): the counts above are environments",
            f.per_environment_concurrency
        );
    }
}

/// A function's /tmp: its size, what it held, the downloads, and results kept there.
fn tmp_lines(o: &mut String, f: &FunctionReport) {
    let Some(size) = f.ephemeral_mb else { return };
    let _ = writeln!(o, "  /tmp {size} MB, at most {:.0} MB held by one environment", f.tmp_peak_mb);
    if f.tmp_downloads + f.tmp_file_hits > 0 {
        let _ = writeln!(
            o,
            "  /tmp file: {} downloads ({:.1} GB), {} requests found it already there (a warm environment)",
            f.tmp_downloads, f.tmp_download_gb, f.tmp_file_hits
        );
    }
    if f.tmp_full > 0 {
        let _ = writeln!(o, "  {} invocations failed: /tmp was full (No space left on device)", f.tmp_full);
    }
    if f.tmp_results_written > 0 {
        let _ = writeln!(
            o,
            "  {} results written to /tmp instead of a bucket: {} LOST with their reclaimed environments, {} still there at the end (lost with theirs)",
            f.tmp_results_written, f.tmp_results_lost, f.tmp_results_held
        );
    }
}

/// A resource's residency rule and who broke it.
fn residency_lines(o: &mut String, residency: Option<&ResidencyReport>) {
    let Some(r) = residency else { return };
    let stored = if r.stored_outside { " (STORED OUTSIDE IT: every access breaks residency)" } else { "" };
    let _ = writeln!(
        o,
        "  residency {}, stored in {}{stored}: {} accesses broke residency",
        r.residency, r.region, r.violations
    );
    for v in &r.by_function {
        let _ = writeln!(o, "    {} ({}): {} accesses", v.function, v.region, v.accesses);
    }
}

/// A flow: what became of its requests, effect by effect, and where the incomplete
/// ones stopped.
fn flow(o: &mut String, f: &super::FlowReport) {
    let _ = writeln!(o);
    let once = if f.at_least_once { "at least once" } else { "exactly once" };
    let _ = writeln!(
        o,
        "Flow \"{}\" (every effect within {}, {once}): {}: {} on time, {} late, {} incomplete, {} with duplicates; {} poison, {} still in flight",
        f.name,
        span(f.within_s),
        count(f.requests, "request", "requests"),
        f.on_time,
        f.late,
        f.incomplete,
        f.duplicated,
        f.poison,
        f.in_flight
    );
    if f.not_followed > 0 {
        let _ = writeln!(
            o,
            "  {} more requests not followed nor graded (they arrived while the requests being followed held {} MB)",
            f.not_followed,
            crate::sim::services::flows::MAX_FOLLOWED_BYTES >> 20
        );
    }
    if f.parts > 1 {
        let _ = writeln!(o, "  each request fans out into {} parts; every effect is due once per part", f.parts);
    }
    if f.declined > 0 || f.unwanted > 0 {
        let _ = writeln!(
            o,
            "  {} requests declined (graded by the effects marked 'when ... declines'); {} caused an effect their outcome forbids",
            f.declined, f.unwanted
        );
    }
    for e in &f.effects {
        let _ = write!(
            o,
            "  {}: {} on time, {} late, {} missing, {} twice",
            e.effect, e.on_time, e.late, e.missing, e.duplicated
        );
        if e.parts_missing > 0 {
            let _ = write!(o, " ({} parts missing)", e.parts_missing);
        }
        if e.unwanted > 0 {
            let _ = write!(o, ", {} where its outcome forbids it", e.unwanted);
        }
        let _ = writeln!(o);
    }
    if !f.stopped_at.is_empty() {
        let stops: Vec<String> = f.stopped_at.iter().take(5).map(|s| format!("{} ({})", s.node, s.requests)).collect();
        let _ = writeln!(o, "  incomplete requests stopped at: {}", stops.join(", "));
    }
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
