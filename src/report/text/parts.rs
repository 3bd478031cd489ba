//! One paragraph per part of the system: each function, and each queue, database,
//! bus, bucket, stream, API, flow and workflow.

use super::{count, ms, pct, span, usd};
use crate::report::{FlowReport, FunctionReport, Report, ResidencyReport};
use std::fmt::Write;

/// One paragraph per queue, database, bus, bucket, stream and workflow.
pub(super) fn services(o: &mut String, r: &Report) {
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

pub(super) fn function(o: &mut String, f: &FunctionReport) {
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
fn flow(o: &mut String, f: &FlowReport) {
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
