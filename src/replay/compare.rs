//! Simulating a trace once per keep-alive setting and summarising each run.

use super::parse::{CsvProblem, ReplayError, Source, Trace, TraceFunction};
use super::{ProgressFn, REPLAY_RUNTIME, Tally};
use crate::report::Report;
use crate::sim::Simulation;
use crate::sim::config::{Account, MAX_CONCURRENCY_LIMIT, ScalingRate, SimConfig};
use crate::sim::function::{FunctionSpec, KeepAlive};
use crate::sim::kernel::arrivals::{Arrivals, TRACE_MINUTE};
use crate::sim::kernel::cost::invoice;
use crate::sim::kernel::time::SimDuration;
use crate::sim::trigger::TriggerSpec;
use serde::Serialize;

/// What one run measured, for all functions or for one.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Outcome {
    /// Requests replayed (the trace's count, exactly).
    pub arrived: u64,
    /// Invocations that started (those still starting at the end are not counted).
    pub invocations: u64,
    pub cold_starts: u64,
    /// Cold starts over invocations, in percent.
    pub cold_start_percent: f64,
    /// Warm environments waiting for a request: time-weighted average idle
    /// environments x memory (GB) x the window.
    pub idle_gb_seconds: f64,
    /// The customer's bill for the window: requests plus billed GB-s (init included).
    pub cost_usd: f64,
    /// Always 0: the limits are set so that they cannot bind (see `build_config`).
    pub throttled: u64,
}

/// One keep-alive setting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SettingResult {
    pub keep_alive: SimDuration,
    pub keep_alive_seconds: f64,
    pub total: Outcome,
    pub busiest: Option<Outcome>,
    pub rarest: Option<Outcome>,
}

/// A function singled out in the comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunctionInfo {
    /// Its name in the simulation (a prefix of its hash).
    pub name: String,
    pub hash_function: String,
    pub trigger: String,
    pub invocations: u64,
    /// Trace functions with exactly this many invocations, itself included.
    pub functions_with_this_count: usize,
    pub memory_mb: u32,
    /// Mean execution time in milliseconds (of the distribution used).
    pub mean_duration_ms: f64,
}

/// The whole comparison, as printed (text) or serialised (JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    pub seed: u64,
    pub minutes: usize,
    pub functions: usize,
    pub invocations: u64,
    pub durations_from_file: usize,
    pub memory_from_file: usize,
    /// The trace function with the most invocations (first in file order on a tie;
    /// none when nothing is invoked).
    pub busiest: Option<FunctionInfo>,
    /// The one with the fewest, among those invoked at least once.
    pub rarest: Option<FunctionInfo>,
    pub settings: Vec<SettingResult>,
}

/// Simulation names: the first 8 characters of the function's hash, made unique.
pub fn function_names(trace: &Trace) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(trace.functions.len());
    // A set, not a scan of the names so far: 50 000 functions took seconds.
    let mut taken = std::collections::HashSet::with_capacity(trace.functions.len());
    for f in &trace.functions {
        let short: String = f.function.chars().take(8).collect();
        let name = if taken.contains(&short) { format!("{short}-line{}", f.line) } else { short };
        taken.insert(name.clone());
        names.push(name);
    }
    names
}

/// One function and one HTTP trigger replaying its counts per trace function, every
/// function with the same fixed keep-alive.
pub fn build_config(trace: &Trace, keep_alive: SimDuration, seed: u64) -> SimConfig {
    // The replay measures keep-alive, not throttling, so no limit may bind. A function
    // cannot have more environments at once than requests it has received, so a
    // concurrency limit and a scaling burst of the trace's total can never be reached
    // (capped at the most a run accepts: a million requests at once, which a trace of
    // per-minute counts does not come near; a throttle would show in the result).
    let never_binds = u32::try_from(trace.total_invocations()).unwrap_or(u32::MAX).clamp(1, MAX_CONCURRENCY_LIMIT);
    let names = function_names(trace);
    let functions = trace
        .functions
        .iter()
        .zip(&names)
        .map(|(f, name)| {
            let mut spec = FunctionSpec::new(name, REPLAY_RUNTIME, f.memory_mb, f.duration.clone());
            spec.keep_alive = KeepAlive::Fixed(keep_alive);
            // Measured on the function as it ran: no memory/CPU rescaling.
            spec.duration_at_mb = f.memory_mb;
            std::sync::Arc::new(spec)
        })
        .collect();
    let triggers = trace
        .functions
        .iter()
        .zip(&names)
        // The counts are shared, not copied: the runs of every keep-alive setting read the same.
        .map(|(f, name)| TriggerSpec::http(name, name, Arrivals::Trace { per_minute: f.per_minute.clone() }).into())
        .collect();
    let account = Account {
        concurrency_limit: never_binds,
        scaling_rate: ScalingRate { environments: never_binds, per: SimDuration::from_secs(10) },
        free_tier: false,
        ..Account::default()
    };
    let duration = SimDuration(TRACE_MINUTE.0 * trace.minutes as u64);
    SimConfig { account, functions, triggers, ..SimConfig::empty(seed, duration) }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 }
}

/// Runs one setting and summarises it, telling `tally` how far it is as it goes.
fn run_setting(
    trace: &Trace,
    keep_alive: SimDuration,
    seed: u64,
    picks: [Option<usize>; 2],
    tally: &Tally,
) -> SettingResult {
    let config = build_config(trace, keep_alive, seed);
    let mut sim = Simulation::with_log_capacity(config, 0);
    let never = std::sync::atomic::AtomicBool::new(false);
    let mut told = 0;
    sim.run_with(&never, |p| {
        tally.add(p.now.0 - told);
        told = p.now.0;
    });
    tally.add(sim.now().0.saturating_sub(told));
    let report = Report::of(&sim, "trace replay");
    let window = sim.measured_window();
    let per_function: Vec<Outcome> = report
        .functions
        .iter()
        .zip(sim.functions())
        .map(|(r, f)| Outcome {
            arrived: r.arrived,
            invocations: r.invocations,
            cold_starts: r.cold_starts,
            cold_start_percent: percent(r.cold_starts, r.invocations),
            idle_gb_seconds: r.avg_idle * f64::from(r.memory_mb) / 1024.0 * window.as_secs_f64(),
            cost_usd: invoice(&[(f.model.spec.architecture, f.usage)], window, false).total_usd(),
            throttled: r.throttles,
        })
        .collect();
    let mut total = Outcome::default();
    for o in &per_function {
        total.arrived += o.arrived;
        total.invocations += o.invocations;
        total.cold_starts += o.cold_starts;
        total.idle_gb_seconds += o.idle_gb_seconds;
        total.throttled += o.throttled;
    }
    total.cold_start_percent = percent(total.cold_starts, total.invocations);
    total.cost_usd = report.cost.total_usd;
    let [busiest, rarest] = picks.map(|i| i.map(|i| per_function[i].clone()));
    SettingResult { keep_alive, keep_alive_seconds: keep_alive.as_secs_f64(), total, busiest, rarest }
}

fn info(trace: &Trace, names: &[String], i: usize) -> FunctionInfo {
    let f: &TraceFunction = &trace.functions[i];
    FunctionInfo {
        name: names[i].clone(),
        hash_function: f.function.clone(),
        trigger: f.trigger.clone(),
        invocations: f.invocations(),
        functions_with_this_count: trace.functions.iter().filter(|g| g.invocations() == f.invocations()).count(),
        memory_mb: f.memory_mb,
        mean_duration_ms: f.duration.mean_secs() * 1000.0,
    }
}

/// Simulates the trace once per keep-alive setting (in parallel: the runs are
/// independent, each a pure function of trace, setting and seed).
pub fn compare(trace: &Trace, keep_alives: &[SimDuration], seed: u64) -> Result<Comparison, ReplayError> {
    compare_watched(trace, keep_alives, seed, None)
}

/// `compare`, telling `progress` how much of the trace its settings have simulated.
pub fn compare_watched(
    trace: &Trace,
    keep_alives: &[SimDuration],
    seed: u64,
    progress: Option<ProgressFn>,
) -> Result<Comparison, ReplayError> {
    let mut problems: Vec<CsvProblem> = Vec::new();
    for keep_alive in keep_alives {
        for p in build_config(trace, *keep_alive, seed).problems() {
            let message = format!("keep-alive {keep_alive}: {}: {}", p.path, p.message);
            problems.push(CsvProblem { file: "replay".into(), line: None, message });
        }
    }
    if keep_alives.is_empty() {
        problems.push(CsvProblem { file: "replay".into(), line: None, message: "no keep-alive setting given".into() });
    }
    if !problems.is_empty() {
        return Err(ReplayError { problems });
    }
    let counts: Vec<u64> = trace.functions.iter().map(TraceFunction::invocations).collect();
    // On a tie the first in file order: max_by_key keeps the last of equals (so scan
    // in reverse), min_by_key the first.
    let busiest = (0..counts.len()).rev().filter(|&i| counts[i] > 0).max_by_key(|&i| counts[i]);
    let rarest = (0..counts.len()).filter(|&i| counts[i] > 0).min_by_key(|&i| counts[i]);
    // At most one run per core at a time: each holds its own copy of the trace.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut settings = Vec::with_capacity(keep_alives.len());
    let tally = &Tally::new(keep_alives.len(), trace, progress);
    for chunk in keep_alives.chunks(cores) {
        std::thread::scope(|scope| {
            let runs: Vec<_> = chunk
                .iter()
                .map(|&keep_alive| scope.spawn(move || run_setting(trace, keep_alive, seed, [busiest, rarest], tally)))
                .collect();
            settings.extend(runs.into_iter().map(|run| run.join().expect("a replay run panicked")));
        });
    }
    let names = function_names(trace);
    let count_from =
        |source: fn(&TraceFunction) -> Source| trace.functions.iter().filter(|f| source(f) == Source::File).count();
    Ok(Comparison {
        seed,
        minutes: trace.minutes,
        functions: trace.functions.len(),
        invocations: trace.total_invocations(),
        durations_from_file: count_from(|f| f.duration_source),
        memory_from_file: count_from(|f| f.memory_source),
        busiest: busiest.map(|i| info(trace, &names, i)),
        rarest: rarest.map(|i| info(trace, &names, i)),
        settings,
    })
}
