//! `faaslab sweep`: the same scenario once per value of one knob, side by side. Memory
//! power tuning is the classic use: duration falls as memory (and CPU) grows, the
//! price per millisecond rises, and the cheapest size is rarely the largest.
//! Runs are independent, so they spread over all cores.

use crate::report::Report;
use crate::report::objectives::evaluate_all;
use crate::scenario::Scenario;
use crate::scenario::objective::Objective;
use crate::sim::Simulation;
use crate::sim::knobs;
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepRow {
    pub value: String,
    /// Mean and p99 handler time of the function the knob belongs to (or the first).
    pub duration_mean_ms: f64,
    pub duration_p99_ms: f64,
    /// End-to-end latency over every request.
    pub latency_p99_ms: f64,
    pub cold_start_ratio: f64,
    pub errors: u64,
    pub throttled: u64,
    pub cost_per_month_usd: f64,
    /// Cost per million invocations of that function.
    pub cost_per_million_usd: f64,
    /// The challenge's first latency objective, measured (`None` without one).
    pub objective_latency_ms: Option<f64>,
    /// Whether every challenge objective passed (`None` without a challenge).
    pub passed: Option<bool>,
}

/// A sweep's rows in the order of the values, plus which was cheapest and fastest.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub scenario: String,
    pub knob: String,
    pub rows: Vec<SweepRow>,
    pub cheapest: usize,
    /// Fastest as the caller sees it: by the challenge's latency objective when it has
    /// one, else by the end-to-end p99, else (no caller waits) by the handler's mean.
    pub fastest: usize,
    /// What `fastest` was judged by, in words.
    pub fastest_by: String,
}

/// The most values a sweep runs: each is a whole run, and each holds a copy of the
/// scenario until the sweep ends (a command line can carry hundreds of thousands).
pub const MAX_VALUES: usize = 1000;

/// Parses `NAME=V1,V2,...`.
pub fn parse_param(text: &str) -> Result<(String, Vec<String>), String> {
    let (name, values) = knobs::split_setting(text).map_err(|e| format!("--param: {e}"))?;
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).filter(|v| !v.is_empty()).collect();
    if values.is_empty() {
        return Err(format!("--param: no values after \"{name}=\" (write {name}=V1,V2,...)"));
    }
    if values.len() > MAX_VALUES {
        return Err(format!("--param: {} values; a sweep runs at most {MAX_VALUES}, each a whole run", values.len()));
    }
    Ok((name.to_string(), values))
}

/// Runs `scenario` once per value (checked up front: a bad value fails before any run).
/// `progress` hears (done, total) after each run.
pub fn run(
    scenario: &Scenario,
    name: &str,
    values: &[String],
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Sweep, String> {
    let mut configured = Vec::with_capacity(values.len());
    for value in values {
        let mut s = scenario.clone();
        s.set_knob(name, value)?;
        configured.push(s);
    }
    let config = scenario.config.clone();
    let id = knobs::resolve(&config, name)?;
    // The function whose handler time the table shows.
    let function = if id.owner() == knobs::Owner::Function { id.index } else { 0 };
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let rows: Mutex<Vec<Option<SweepRow>>> = Mutex::new(vec![None; values.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, values.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(s) = configured.get(i) else { break };
                    let row = run_one(s, &values[i], function);
                    rows.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(row);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, values.len());
                }
            });
        }
    });
    let rows: Vec<SweepRow> =
        rows.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(|r| r.expect("every run ran")).collect();
    Ok(Sweep::from_rows(scenario, name, rows))
}

/// One run of a sweep: `scenario` (already configured with `value`) to its end, as a row
/// describing `function`. No threads, so the web build can call it too.
pub fn run_one(scenario: &Scenario, value: &str, function: usize) -> SweepRow {
    let mut sim = Simulation::with_log_capacity(scenario.config.clone(), 0);
    sim.run_to_end();
    let report = Report::of(&sim, &scenario.name);
    let f = report.functions.get(function);
    let invocations = f.map_or(0, |f| f.invocations);
    // The function's own cost: its GB-seconds and requests at the scenario's prices.
    let function_cost = if f.is_some() { crate::report::function_cost_usd(&sim, function) } else { 0.0 };
    let grades = scenario.challenge.as_ref().map(|c| evaluate_all(c, &sim, &report));
    let passed = grades.as_ref().map(|g| g.iter().all(|r| r.passed));
    // The first latency objective's measure (`None` when it served nobody).
    let objective_latency_ms = scenario.challenge.as_ref().zip(grades.as_ref()).and_then(|(c, g)| {
        let i = c.objectives.iter().position(|o| matches!(o, Objective::Latency { .. }))?;
        (g[i].measured_text != "no requests served").then_some(g[i].measured)
    });
    SweepRow {
        value: value.to_string(),
        duration_mean_ms: f.map_or(0.0, |f| f.duration_ms.mean),
        duration_p99_ms: f.map_or(0.0, |f| f.duration_ms.p99),
        latency_p99_ms: report.latency_ms.p99,
        cold_start_ratio: report.cold_start_ratio,
        errors: report.requests.failed + report.requests.timed_out,
        throttled: report.requests.throttled,
        cost_per_month_usd: report.cost.per_month_usd,
        cost_per_million_usd: if invocations == 0 { 0.0 } else { function_cost / invocations as f64 * 1e6 },
        objective_latency_ms,
        passed,
    }
}

impl Sweep {
    /// A sweep of `scenario` over `knob` from its rows, in the order of the values:
    /// marks the cheapest, and the fastest as the caller sees it.
    pub fn from_rows(scenario: &Scenario, knob: &str, rows: Vec<SweepRow>) -> Sweep {
        let best = |key: &dyn Fn(&SweepRow) -> f64| {
            (0..rows.len()).min_by(|&a, &b| key(&rows[a]).total_cmp(&key(&rows[b]))).unwrap_or(0)
        };
        let cheapest = best(&|r| r.cost_per_million_usd);
        let latency_objective = scenario.challenge.as_ref().and_then(|c| {
            c.objectives.iter().find_map(|o| match o {
                Objective::Latency { of, percentile, .. } => {
                    Some(format!("p{percentile} latency of {of} (the challenge's)"))
                }
                _ => None,
            })
        });
        let (fastest, fastest_by) = if let Some(label) = latency_objective {
            (best(&|r| r.objective_latency_ms.unwrap_or(f64::INFINITY)), label)
        } else if rows.iter().any(|r| r.latency_p99_ms > 0.0) {
            (best(&|r| r.latency_p99_ms), "end-to-end p99 latency".to_string())
        } else {
            (best(&|r| r.duration_mean_ms), "mean handler time (no caller waits)".to_string())
        };
        Sweep { scenario: scenario.name.clone(), knob: knob.to_string(), rows, cheapest, fastest, fastest_by }
    }

    pub fn to_text(&self) -> String {
        let mut out = format!("Sweep of {} over \"{}\" ({} runs)\n\n", self.knob, self.scenario, self.rows.len());
        let challenge = self.rows.iter().any(|r| r.passed.is_some());
        out += &format!(
            "{:>10} {:>12} {:>12} {:>12} {:>8} {:>8} {:>9} {:>12} {:>12}{}\n",
            "value",
            "mean ms",
            "p99 ms",
            "e2e p99 ms",
            "cold %",
            "errors",
            "throttled",
            "$/M invoc.",
            "$/month",
            if challenge { "  challenge" } else { "" }
        );
        for (i, r) in self.rows.iter().enumerate() {
            let mut marks = Vec::new();
            if i == self.cheapest {
                marks.push("cheapest");
            }
            if i == self.fastest {
                marks.push("fastest");
            }
            let verdict = match r.passed {
                Some(true) => "  pass",
                Some(false) => "  FAIL",
                None => "",
            };
            let line = format!(
                "{:>10} {:>12.1} {:>12.1} {:>12.1} {:>8.2} {:>8} {:>9} {:>12.4} {:>12.2}{verdict}  {}\n",
                r.value,
                r.duration_mean_ms,
                r.duration_p99_ms,
                r.latency_p99_ms,
                r.cold_start_ratio * 100.0,
                r.errors,
                r.throttled,
                r.cost_per_million_usd,
                r.cost_per_month_usd,
                marks.join(", ")
            );
            out += line.trim_end();
            out.push('\n');
        }
        out += &format!("\nfastest: by {}; cheapest: by cost per million invocations\n", self.fastest_by);
        out
    }
}
