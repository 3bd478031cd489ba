//! The replay comparison as a table a student can read: one column per keep-alive.

use super::compare::{Comparison, FunctionInfo, Outcome, SettingResult};
use super::{DEFAULT_DURATION_MS, DEFAULT_MEMORY_MB};
use crate::report::count;
use crate::sim::kernel::time::SimDuration;
use std::fmt::Write;

const LABEL: usize = 28;
const CELL: usize = 13;

fn usd(x: f64) -> String {
    if x == 0.0 {
        "$0".into()
    } else if x < 1.0 {
        format!("${x:.6}")
    } else {
        format!("${x:.4}")
    }
}

/// One row: a label, then one cell per setting.
fn row(out: &mut String, label: &str, settings: &[SettingResult], cell: impl Fn(&SettingResult) -> String) {
    let _ = write!(out, "  {label:<width$}", width = LABEL - 2);
    for s in settings {
        let _ = write!(out, "{:>CELL$}", cell(s));
    }
    out.push('\n');
}

/// The four measured rows of one group (all functions, the busiest, the rarest).
fn group(out: &mut String, title: &str, settings: &[SettingResult], pick: fn(&SettingResult) -> Option<&Outcome>) {
    let _ = writeln!(out, "{title}");
    let value = |f: fn(&Outcome) -> String| move |s: &SettingResult| pick(s).map_or("-".into(), f);
    row(out, "cold starts", settings, value(|o| o.cold_starts.to_string()));
    row(out, "cold-start %", settings, value(|o| format!("{:.2}%", o.cold_start_percent)));
    row(out, "idle memory-time (GB-s)", settings, value(|o| format!("{:.1}", o.idle_gb_seconds)));
    row(out, "cost", settings, value(|o| usd(o.cost_usd)));
}

fn describe(role: &str, f: &FunctionInfo) -> String {
    let count = count(f.invocations, "invocation", "invocations");
    let count = match f.functions_with_this_count {
        1 => count,
        n => format!("{count}, the first of {n} with as many"),
    };
    format!(
        "{role}: {} ({count}; {} trigger, {} MB, mean run {:.0} ms)",
        f.name, f.trigger, f.memory_mb, f.mean_duration_ms
    )
}

pub(super) fn render(c: &Comparison, source: &str) -> String {
    let mut out = String::new();
    let o = &mut out;
    let window = SimDuration::from_secs(60 * c.minutes as u64);
    let _ = writeln!(
        o,
        "Trace replay of {source}: {} functions, {} minutes ({window}), {} (seed {})",
        c.functions,
        c.minutes,
        count(c.invocations, "invocation", "invocations"),
        c.seed
    );
    // Without a file (or with none of its rows matching) say how to give one.
    let times = match c.durations_from_file {
        0 => format!("none from a file (--durations FILE), all at the default {DEFAULT_DURATION_MS} ms"),
        n => format!(
            "from the durations file for {n} functions ({} at the default {DEFAULT_DURATION_MS} ms)",
            c.functions - n
        ),
    };
    let memory = match c.memory_from_file {
        0 => format!("none from a file (--memory FILE), all at the default {DEFAULT_MEMORY_MB} MB"),
        n => format!("for {n} ({} at the default {DEFAULT_MEMORY_MB} MB)", c.functions - n),
    };
    let _ = writeln!(o, "Execution times: {times}; memory: {memory}");
    let _ = writeln!(o);
    let _ = write!(o, "{:<LABEL$}", "keep-alive");
    for s in &c.settings {
        let _ = write!(o, "{:>CELL$}", s.keep_alive.to_string());
    }
    o.push('\n');
    group(o, &format!("All {} functions", c.functions), &c.settings, |s| Some(&s.total));
    if let Some(f) = &c.busiest {
        group(o, &describe("Busiest", f), &c.settings, |s| s.busiest.as_ref());
    }
    if let Some(f) = &c.rarest {
        group(o, &describe("Rarest", f), &c.settings, |s| s.rarest.as_ref());
    }
    let throttled: u64 = c.settings.iter().map(|s| s.total.throttled).sum();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "Idle memory-time: warm environments waiting for a request (average idle environments x memory x {window}).\n\
         The provider pays for it, not the customer; a longer keep-alive buys fewer cold starts with it.\n\
         Cost: what the customer is billed (requests + GB-s, cold-start init included). Throttled: {throttled}."
    );
    out
}
