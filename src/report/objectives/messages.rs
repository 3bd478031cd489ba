//! Objectives on work handed between nodes: nothing lost, nothing done twice or wrong,
//! queues and streams not falling behind, and the limits of databases and third-party
//! APIs respected.

use super::ObjectiveResult;
use super::helpers::{at_most, none_at_all};
use crate::report::Report;
use crate::sim::kernel::time::SimDuration;

pub(super) fn no_message_lost(report: &Report, allow_dlq: bool) -> ObjectiveResult {
    let (lost, reasons) = lost_messages(report, allow_dlq);
    let label = if allow_dlq { "work lost (poison in a DLQ allowed)" } else { "work lost or dead-lettered" };
    none_at_all(label, lost, || reasons.join("; "))
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

pub(super) fn no_duplicates(report: &Report) -> ObjectiveResult {
    let n = report.duplicates;
    none_at_all("duplicate side effects", n, || {
        format!(
            "{n} side effects done twice: a message was delivered again (a retry, or a visibility timeout shorter than the handler) to a function without an idempotency store"
        )
    })
}

pub(super) fn no_wrong_results(report: &Report) -> ObjectiveResult {
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

pub(super) fn queue_age(report: &Report, queue: &str, bound: SimDuration) -> ObjectiveResult {
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
fn explain_queue_age(report: &Report, q: &crate::report::QueueReport) -> String {
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

/// How far a stream's consumer fell behind, at its worst.
pub(super) fn stream_age(report: &Report, stream: &str, bound: SimDuration) -> ObjectiveResult {
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

pub(super) fn db_connections(report: &Report, database: &str, bound: u32) -> ObjectiveResult {
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

/// No request refused with 429 by a third-party API.
pub(super) fn api_limit_respected(report: &Report, api: &str) -> ObjectiveResult {
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
