//! JSON-lines exports of a run's structured log and sampled traces, with node names.

use crate::sim::Simulation;
use crate::sim::function::Call;
use crate::sim::kernel::log::{HandlerLine, LogEntry, LogKind};
use crate::sim::kernel::time::SimDuration;
use crate::sim::kernel::trace::{Span, SpanKind};
use serde_json::json;
use std::fmt::Write;

fn function_name(sim: &Simulation, i: u32) -> &str {
    sim.functions().get(i as usize).map_or("", |f| f.name())
}

/// The kept log entries, one JSON object a line, oldest first.
pub fn log_jsonl(sim: &Simulation) -> String {
    let mut out = String::new();
    for e in sim.log.entries() {
        let mut line = json!({
            "time_s": e.time.as_secs_f64(),
            "request": e.request,
            "function": function_name(sim, e.function),
            "env": if e.env == u32::MAX { None } else { Some(e.env) },
            "event": e.kind,
        });
        // A handler's own line also carries what a log search reads: its level and text.
        if let LogKind::Handler { level, .. } = e.kind {
            line["level"] = json!(level);
            line["message"] = json!(handler_message(sim, e));
        }
        let _ = writeln!(out, "{line}");
    }
    out
}

/// A handler's log line as its text: the `Log` step's message with the time the
/// request had spent, or the error context (which call failed, how, after how long).
/// Empty for the platform's own events.
pub fn handler_message(sim: &Simulation, e: &LogEntry) -> String {
    let LogKind::Handler { line, .. } = e.kind else { return String::new() };
    let calls = sim.functions().get(e.function as usize).map(|f| &f.model.spec.calls[..]).unwrap_or_default();
    let call = |k: u32| calls.get(k as usize);
    let ms = |d: SimDuration| format!("{:.0} ms", d.as_millis_f64());
    match line {
        HandlerLine::Step { call: k, elapsed } => match call(k) {
            Some(Call::Log { message, .. }) => format!("{message} (elapsed {})", ms(elapsed)),
            _ => String::new(),
        },
        HandlerLine::CallFailed { call: k, failure, took } => {
            let what = call(k).map_or_else(String::new, Call::describe);
            format!("call {} ({what}) failed after {}: {}", k + 1, ms(took), failure.explain())
        }
        HandlerLine::TimedOut { call: k, took } => {
            let what = call(k).map_or_else(String::new, Call::describe);
            format!("timed out during call {} ({what}), {} into it", k + 1, ms(took))
        }
    }
}

/// The name of the node a span happened at (trigger, function, queue or database).
pub fn span_node_name<'a>(sim: &'a Simulation, span: &Span) -> &'a str {
    match span.kind {
        SpanKind::Request => sim.triggers().get(span.node as usize).map_or("", |t| t.spec.name()),
        SpanKind::ColdStart | SpanKind::Attempt | SpanKind::AccessDenied => function_name(sim, span.node),
        SpanKind::QueueWait => sim.queues().get(span.node as usize).map_or("", |q| q.name()),
        SpanKind::Query => sim.databases().get(span.node as usize).map_or("", |d| d.name()),
    }
}

/// The spans of sampled requests, one JSON object a line, grouped by trace.
pub fn traces_jsonl(sim: &Simulation) -> String {
    let mut spans: Vec<_> = sim.traces.spans().copied().collect();
    spans.sort_by_key(|s| (s.trace, s.start, s.end));
    let mut out = String::new();
    for s in spans {
        let node = span_node_name(sim, &s);
        let line = json!({
            "trace": s.trace,
            "span": s.kind,
            "node": node,
            "start_s": s.start.as_secs_f64(),
            "end_s": s.end.as_secs_f64(),
            "duration_ms": s.end.since(s.start).as_millis_f64(),
            "outcome": s.outcome,
        });
        let _ = writeln!(out, "{line}");
    }
    out
}

/// The run's whole-system time series as CSV, one row per series bucket (the app's
/// charts): the bucket's start and width in seconds, counts in the bucket, the mean
/// and peak requests in flight, mean environments (busy and idle), and the bucket's
/// latency percentiles in ms (empty when nothing completed). The last row is the
/// bucket under way at the end: its counts, without the means (empty).
pub fn series_csv(sim: &Simulation) -> String {
    use std::fmt::Write;
    let series = &sim.series;
    let width = series.width().as_secs_f64();
    let mut out = String::from(
        "start_s,width_s,arrivals,completed,throttled,errors,timeouts,cold_starts,concurrency_mean,concurrency_max,environments,busy,idle,latency_p50_ms,latency_p99_ms\n",
    );
    let ms = |q: Option<f64>| q.map_or(String::new(), |v| format!("{v:.3}"));
    let counts = |p: &crate::sim::kernel::metrics::SeriesPoint| {
        format!("{},{},{},{},{},{}", p.arrivals, p.completed, p.throttled, p.errors, p.timeouts, p.cold_starts)
    };
    for (i, p) in series.points().iter().enumerate() {
        let _ = writeln!(
            out,
            "{},{},{},{:.3},{},{:.3},{:.3},{:.3},{},{}",
            series.start_of(i).as_secs_f64(),
            width,
            counts(p),
            p.concurrency,
            p.max_concurrency,
            p.environments,
            p.busy,
            p.idle,
            ms(p.latency.quantile_ms(0.5)),
            ms(p.latency.quantile_ms(0.99)),
        );
    }
    let now = &series.current;
    let start = series.start_of(series.points().len()).as_secs_f64();
    let (p50, p99) = (ms(now.latency.quantile_ms(0.5)), ms(now.latency.quantile_ms(0.99)));
    let _ = writeln!(out, "{start},{width},{},,,,,,{p50},{p99}", counts(now));
    out
}

/// The same series as JSON: an array of one object per row of `series_csv`, keyed by
/// its header, numbers as numbers and empty cells as null (for notebooks and slides).
pub fn series_json(sim: &Simulation) -> String {
    let csv = series_csv(sim);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let rows: Vec<serde_json::Value> = lines
        .map(|line| {
            let cells = header.iter().zip(line.split(',')).map(|(key, cell)| {
                let value = match cell.parse::<u64>() {
                    Ok(count) => Some(serde_json::Number::from(count)),
                    Err(_) => cell.parse::<f64>().ok().and_then(serde_json::Number::from_f64),
                };
                (key.to_string(), value.map_or(serde_json::Value::Null, serde_json::Value::Number))
            });
            serde_json::Value::Object(cells.collect())
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())
}
