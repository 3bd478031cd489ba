//! Keep-alive policies on a trace, as Shahrad et al. evaluate them ("Serverless in the
//! Wild", USENIX ATC 2020, the cold starts vs wasted memory figure): for each policy
//! setting, the 75th percentile over applications of the application's cold-start
//! percentage, and the wasted memory time (memory x time an environment is loaded but
//! idle), normalised to fixed 10-minute keep-alive.
//!
//! A dedicated model, not the full simulator: only what decides warm or cold is kept.
//! Each function's minute counts arrive at uniform random times within their minute
//! (seeded per function, as `faaslab replay` does), each request runs for a draw from the
//! function's execution-time distribution, and an application (all functions with the
//! same owner and HashApp: Azure loads an app, with all its functions, into an instance)
//! has a pool of environments: a request takes the most recently used warm idle one
//! (as the simulator does) or starts a new one, a cold start that adds `COLD_START`
//! before the run. No throttling, no network, no billing: `faaslab replay
//! --keep-alive` runs those. The policy decides how long an idle environment stays
//! loaded (see `policy`). Events are taken in time order across the whole trace, so
//! the greedy-dual policy's budget, shared by all apps, is respected at every moment.
//!
//! Memory: arrivals are generated a minute at a time per function, so a run holds the
//! trace's counts, one minute of arrivals per function, and the environments alive at
//! once, never the day's requests.

use super::parse::Trace;
use super::policy::{IdleHistogram, Pattern, Policy, PolicyFamily};
use crate::sim::kernel::arrivals::TRACE_MINUTE;
use crate::sim::kernel::dist::Sampler;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::SimDuration;
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A cold start's delay before the run: the simulator's medians for the replay's runtime
/// (Node.js), 120 ms placing and starting the sandbox + 140 ms runtime start (see
/// `Runtime::start_median_secs`). Constant here: it only delays a run's end.
pub const COLD_START: SimDuration = SimDuration::from_millis(260);

/// One policy setting's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyResult {
    /// The setting, spelled as `--policy` takes it.
    pub policy: String,
    pub family: PolicyFamily,
    pub invocations: u64,
    pub cold_starts: u64,
    /// Over all invocations.
    pub cold_start_percent: f64,
    /// The paper's y axis: the 75th percentile (nearest rank) over the applications
    /// invoked at least once of their cold starts over invocations, in percent.
    pub p75_app_cold_start_percent: f64,
    /// Memory x time environments were loaded but idle, in GB-s (within the trace).
    pub wasted_gb_seconds: f64,
    /// The paper's x axis: `wasted_gb_seconds` over fixed 10-minute keep-alive's.
    pub wasted_memory_normalised: f64,
    /// The most environments alive at once (busy, idle or waiting to be pre-warmed).
    pub peak_environments: u64,
    /// Hybrid: how many apps ended in each of the policy's cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hybrid_apps: Option<HybridApps>,
    /// Greedy-dual: idle environments evicted to stay within the budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evictions: Option<u64>,
    /// Each invoked app's cold-start percentage, in trace order (for charts; not in JSON).
    #[serde(skip)]
    pub app_cold_start_percent: Vec<f64>,
}

/// The hybrid policy's last decision per app (apps that never went idle are in none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HybridApps {
    pub histogram: usize,
    pub not_representative: usize,
    pub out_of_bounds: usize,
}

/// All policy settings on one trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyComparison {
    pub seed: u64,
    pub minutes: usize,
    pub functions: usize,
    pub apps: usize,
    pub invocations: u64,
    /// The setting wasted memory is normalised to (run even when not asked for).
    pub baseline: String,
    pub results: Vec<PolicyResult>,
}

/// What every run shares: which app each function belongs to, the apps' memory, and
/// each function's execution-time sampler.
struct Prepared {
    app_of: Vec<u32>,
    app_memory_mb: Vec<u32>,
    durations: Vec<Sampler>,
}

fn prepare(trace: &Trace) -> Prepared {
    let mut index: HashMap<(&str, &str), u32> = HashMap::new();
    let mut app_memory_mb: Vec<u32> = Vec::new();
    let mut app_of = Vec::with_capacity(trace.functions.len());
    for f in &trace.functions {
        let next = index.len() as u32;
        let app = *index.entry((f.owner.as_str(), f.app.as_str())).or_insert(next);
        if app == next {
            app_memory_mb.push(f.memory_mb);
        }
        // The memory file is per app already; the largest if functions disagree.
        app_memory_mb[app as usize] = app_memory_mb[app as usize].max(f.memory_mb);
        app_of.push(app);
    }
    let durations = trace.functions.iter().map(|f| Sampler::new(&f.duration)).collect();
    Prepared { app_of, app_memory_mb, durations }
}

/// One function's arrivals, a minute at a time: minute k's count at independent
/// uniform times in [60k s, 60(k+1) s), sorted.
struct Arrivals {
    per_minute: Arc<[u32]>,
    minute: usize,
    buffer: Vec<u64>,
    next: usize,
    rng: RngStream,
}

impl Arrivals {
    fn new(per_minute: Arc<[u32]>, seed: u64, function: usize) -> Arrivals {
        let rng = RngStream::new(seed, &format!("keep-alive-arrivals/{function}"));
        Arrivals { per_minute, minute: 0, buffer: Vec::new(), next: 0, rng }
    }

    fn next(&mut self) -> Option<u64> {
        while self.next == self.buffer.len() {
            let &count = self.per_minute.get(self.minute)?;
            let start = self.minute as u64 * TRACE_MINUTE.0;
            self.buffer.clear();
            for _ in 0..count {
                let offset = (self.rng.unit() * TRACE_MINUTE.0 as f64) as u64;
                self.buffer.push(start + offset.min(TRACE_MINUTE.0 - 1));
            }
            self.buffer.sort_unstable();
            self.next = 0;
            self.minute += 1;
        }
        self.next += 1;
        Some(self.buffer[self.next - 1])
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EnvState {
    Busy,
    Idle,
    Free,
}

/// One environment: when idle, loaded (warm) from `warm_from` until `warm_until`.
#[derive(Clone, Copy)]
struct Env {
    app: u32,
    state: EnvState,
    warm_from: u64,
    warm_until: u64,
    /// Greedy-dual's priority (as f64 bits: priorities are >= 0, so the bits order them).
    priority: u64,
}

struct App {
    memory_mb: u32,
    /// Idle environments in the order they went idle (most recently used last).
    idle: Vec<u32>,
    busy: u32,
    /// The latest end of a finished run (the start of the current idle time).
    last_end: u64,
    invocations: u64,
    cold_starts: u64,
    histogram: Option<IdleHistogram>,
    pattern: Option<Pattern>,
}

struct Run<'a> {
    policy: Policy,
    prepared: &'a Prepared,
    end: u64,
    envs: Vec<Env>,
    free: Vec<u32>,
    apps: Vec<App>,
    /// Runs in progress: (end, environment).
    busy: BinaryHeap<Reverse<(u64, u32)>>,
    /// Greedy-dual: idle environments by (priority, id), and their memory.
    cache: BTreeSet<(u64, u32)>,
    cache_mb: u64,
    clock: f64,
    evictions: u64,
    /// Wasted memory in MB x microseconds: an integer, so the sum is exact.
    wasted_mb_us: u128,
    alive: u64,
    peak_alive: u64,
    duration_rngs: Vec<RngStream>,
}

impl Run<'_> {
    /// Memory-time an idle environment was loaded, up to `until`.
    fn waste(&mut self, id: u32, until: u64) {
        let env = self.envs[id as usize];
        let stop = env.warm_until.min(until).min(self.end);
        if stop > env.warm_from {
            let mb = self.apps[env.app as usize].memory_mb;
            self.wasted_mb_us += u128::from(stop - env.warm_from) * u128::from(mb);
        }
    }

    fn release(&mut self, id: u32) {
        self.envs[id as usize].state = EnvState::Free;
        self.free.push(id);
        self.alive -= 1;
    }

    /// A run ends: its environment goes idle, and the policy says for how long it stays.
    fn finish_run(&mut self, at: u64, id: u32) {
        let a = self.envs[id as usize].app as usize;
        let app = &mut self.apps[a];
        app.busy -= 1;
        app.last_end = app.last_end.max(at);
        let (warm_from, warm_until) = match self.policy {
            Policy::Fixed { keep_alive } => (at, at.saturating_add(keep_alive.0)),
            Policy::Hybrid { range } => {
                let w = app.histogram.as_ref().map(|h| h.windows(range)).unwrap_or(super::policy::HybridWindows {
                    pattern: Pattern::NotRepresentative,
                    prewarm: SimDuration::ZERO,
                    until: range,
                });
                app.pattern = Some(w.pattern);
                (at + w.prewarm.0, at + w.until.0)
            }
            Policy::GreedyDual { .. } => (at, u64::MAX),
        };
        app.idle.push(id);
        let memory_mb = app.memory_mb;
        let frequency = app.invocations;
        let env = &mut self.envs[id as usize];
        env.state = EnvState::Idle;
        env.warm_from = warm_from;
        env.warm_until = warm_until;
        if let Policy::GreedyDual { budget_mb } = self.policy {
            // FaasCache: priority = clock + frequency x cost / size.
            let priority = self.clock + frequency as f64 * COLD_START.as_secs_f64() / (f64::from(memory_mb) / 1024.0);
            env.priority = priority.to_bits();
            self.cache.insert((env.priority, id));
            self.cache_mb += u64::from(memory_mb);
            while self.cache_mb > budget_mb {
                let Some((bits, victim)) = self.cache.pop_first() else { break };
                self.clock = f64::from_bits(bits);
                self.evictions += 1;
                self.waste(victim, at);
                let app = &mut self.apps[self.envs[victim as usize].app as usize];
                self.cache_mb -= u64::from(app.memory_mb);
                app.idle.retain(|&e| e != victim);
                self.release(victim);
            }
        }
    }

    fn finish_runs_until(&mut self, t: u64) {
        while let Some(&Reverse((at, id))) = self.busy.peek() {
            if at > t {
                break;
            }
            self.busy.pop();
            self.finish_run(at, id);
        }
    }

    fn arrive(&mut self, t: u64, function: usize) {
        self.finish_runs_until(t);
        let a = self.prepared.app_of[function] as usize;
        let app = &mut self.apps[a];
        if let Some(h) = &mut app.histogram
            && app.invocations > 0
        {
            // The app's idle time: from the end of its last run to this request (none
            // while one of its runs is still going).
            let idle = if app.busy > 0 { 0 } else { t.saturating_sub(app.last_end) };
            h.record(SimDuration(idle));
        }
        app.invocations += 1;
        // Environments whose window has closed are unloaded (their waste ends there).
        let mut i = 0;
        while i < self.apps[a].idle.len() {
            let id = self.apps[a].idle[i];
            if self.envs[id as usize].warm_until <= t {
                self.waste(id, t);
                self.apps[a].idle.remove(i);
                self.release(id);
            } else {
                i += 1;
            }
        }
        let envs = &self.envs;
        let warm = self.apps[a].idle.iter().rposition(|&id| envs[id as usize].warm_from <= t);
        let (id, start) = match warm {
            Some(i) => {
                let id = self.apps[a].idle.remove(i);
                self.waste(id, t);
                if matches!(self.policy, Policy::GreedyDual { .. }) {
                    self.cache.remove(&(self.envs[id as usize].priority, id));
                    self.cache_mb -= u64::from(self.apps[a].memory_mb);
                }
                (id, t)
            }
            None => {
                self.apps[a].cold_starts += 1;
                // An environment waiting to be pre-warmed is loaded now instead (it held
                // no memory yet, so it wasted none).
                let id = match self.apps[a].idle.pop() {
                    Some(id) => id,
                    None => {
                        self.alive += 1;
                        self.peak_alive = self.peak_alive.max(self.alive);
                        match self.free.pop() {
                            Some(id) => id,
                            None => {
                                self.envs.push(Env {
                                    app: 0,
                                    state: EnvState::Free,
                                    warm_from: 0,
                                    warm_until: 0,
                                    priority: 0,
                                });
                                (self.envs.len() - 1) as u32
                            }
                        }
                    }
                };
                self.envs[id as usize].app = a as u32;
                (id, t + COLD_START.0)
            }
        };
        self.envs[id as usize].state = EnvState::Busy;
        self.apps[a].busy += 1;
        let run = self.prepared.durations[function].sample(&mut self.duration_rngs[function]);
        self.busy.push(Reverse((start + run.0, id)));
    }
}

/// Runs one policy over the whole trace.
fn run_policy(trace: &Trace, prepared: &Prepared, policy: Policy, seed: u64) -> PolicyResult {
    let apps = prepared
        .app_memory_mb
        .iter()
        .map(|&memory_mb| App {
            memory_mb,
            idle: Vec::new(),
            busy: 0,
            last_end: 0,
            invocations: 0,
            cold_starts: 0,
            histogram: match policy {
                Policy::Hybrid { range } => Some(IdleHistogram::new(range)),
                _ => None,
            },
            pattern: None,
        })
        .collect();
    let duration_rngs =
        (0..trace.functions.len()).map(|i| RngStream::new(seed, &format!("keep-alive-durations/{i}"))).collect();
    let mut run = Run {
        policy,
        prepared,
        end: trace.minutes as u64 * TRACE_MINUTE.0,
        envs: Vec::new(),
        free: Vec::new(),
        apps,
        busy: BinaryHeap::new(),
        cache: BTreeSet::new(),
        cache_mb: 0,
        clock: 0.0,
        evictions: 0,
        wasted_mb_us: 0,
        alive: 0,
        peak_alive: 0,
        duration_rngs,
    };
    // Every function's next arrival, earliest first (ties: the first function in the file).
    let mut streams: Vec<Arrivals> =
        trace.functions.iter().enumerate().map(|(i, f)| Arrivals::new(f.per_minute.clone(), seed, i)).collect();
    let mut next: BinaryHeap<Reverse<(u64, usize)>> =
        streams.iter_mut().enumerate().filter_map(|(i, s)| s.next().map(|t| Reverse((t, i)))).collect();
    while let Some(Reverse((t, f))) = next.pop() {
        run.arrive(t, f);
        if let Some(t) = streams[f].next() {
            next.push(Reverse((t, f)));
        }
    }
    // Runs that end inside the trace go idle; whatever is still loaded at its end
    // wasted memory up to it.
    run.finish_runs_until(run.end);
    for a in 0..run.apps.len() {
        for id in std::mem::take(&mut run.apps[a].idle) {
            run.waste(id, run.end);
        }
    }
    summarise(&run, policy)
}

fn summarise(run: &Run, policy: Policy) -> PolicyResult {
    let invocations: u64 = run.apps.iter().map(|a| a.invocations).sum();
    let cold_starts: u64 = run.apps.iter().map(|a| a.cold_starts).sum();
    let app_cold_start_percent: Vec<f64> = run
        .apps
        .iter()
        .filter(|a| a.invocations > 0)
        .map(|a| 100.0 * a.cold_starts as f64 / a.invocations as f64)
        .collect();
    let hybrid_apps = matches!(policy, Policy::Hybrid { .. }).then(|| {
        let mut counts = HybridApps::default();
        for a in &run.apps {
            match a.pattern {
                Some(Pattern::Histogram) => counts.histogram += 1,
                Some(Pattern::NotRepresentative) => counts.not_representative += 1,
                Some(Pattern::OutOfBounds) => counts.out_of_bounds += 1,
                None => {}
            }
        }
        counts
    });
    PolicyResult {
        policy: policy.to_string(),
        family: policy.family(),
        invocations,
        cold_starts,
        cold_start_percent: if invocations == 0 { 0.0 } else { 100.0 * cold_starts as f64 / invocations as f64 },
        p75_app_cold_start_percent: percentile(&app_cold_start_percent, 0.75),
        wasted_gb_seconds: run.wasted_mb_us as f64 / 1024.0 / 1e6,
        wasted_memory_normalised: 0.0,
        peak_environments: run.peak_alive,
        hybrid_apps,
        evictions: matches!(policy, Policy::GreedyDual { .. }).then_some(run.evictions),
        app_cold_start_percent,
    }
}

/// The nearest-rank percentile (the smallest value with at least `p` of the values at
/// or below it); 0 for none.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs every policy setting (and fixed 10-minute keep-alive, the baseline, if it is
/// not among them: it is listed first then) on `threads` threads. Each run is a pure
/// function of the trace, the policy and the seed, and lands in its own slot, so the
/// result is the same for any number of threads. `progress` hears (done, total).
pub fn compare_policies(
    trace: &Trace,
    policies: &[Policy],
    seed: u64,
    threads: usize,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<PolicyComparison, String> {
    if policies.is_empty() {
        return Err("--policy: no policy setting given".into());
    }
    let mut settings = policies.to_vec();
    if !settings.contains(&Policy::BASELINE) {
        settings.insert(0, Policy::BASELINE);
    }
    let prepared = prepare(trace);
    let slots: Mutex<Vec<Option<PolicyResult>>> = Mutex::new(vec![None; settings.len()]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, settings.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&policy) = settings.get(i) else { break };
                    let result = run_policy(trace, &prepared, policy, seed);
                    slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                    let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if let Some(report) = progress {
                        report(finished, settings.len());
                    }
                }
            });
        }
    });
    let mut results: Vec<PolicyResult> =
        slots.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect();
    let baseline =
        results.iter().find(|r| r.policy == Policy::BASELINE.to_string()).map_or(0.0, |r| r.wasted_gb_seconds);
    for r in &mut results {
        r.wasted_memory_normalised = if baseline > 0.0 { r.wasted_gb_seconds / baseline } else { 0.0 };
    }
    Ok(PolicyComparison {
        seed,
        minutes: trace.minutes,
        functions: trace.functions.len(),
        apps: prepared.app_memory_mb.len(),
        invocations: trace.total_invocations(),
        baseline: Policy::BASELINE.to_string(),
        results,
    })
}

impl PolicyComparison {
    /// One row per policy setting, for a student; `source` names the invocations file.
    pub fn to_text(&self, source: &str) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let o = &mut out;
        let _ = writeln!(
            o,
            "Keep-alive policies on {source}: {} apps ({} functions), {} minutes, {} invocations (seed {})",
            self.apps, self.functions, self.minutes, self.invocations, self.seed
        );
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<20}{:>14}{:>13}{:>14}{:>14}{:>14}{:>11}",
            "policy", "p75 app cold", "cold starts", "cold-start %", "wasted GB-s", "vs fixed:10m", "peak envs"
        );
        for r in &self.results {
            let _ = writeln!(
                o,
                "{:<20}{:>13.2}%{:>13}{:>13.3}%{:>14.0}{:>14.3}{:>11}",
                r.policy,
                r.p75_app_cold_start_percent,
                r.cold_starts,
                r.cold_start_percent,
                r.wasted_gb_seconds,
                r.wasted_memory_normalised,
                r.peak_environments
            );
        }
        let _ = writeln!(o);
        for r in &self.results {
            if let Some(h) = r.hybrid_apps {
                let _ = writeln!(
                    o,
                    "{}: apps on their histogram {}, not representative (kept for the range) {}, out of bounds (forecast) {}",
                    r.policy, h.histogram, h.not_representative, h.out_of_bounds
                );
            }
            if let Some(e) = r.evictions {
                let _ = writeln!(o, "{}: {e} idle environments evicted to stay within the budget", r.policy);
            }
        }
        let _ = writeln!(
            o,
            "\np75 app cold: the 75th percentile over apps of each app's cold starts / invocations.\n\
             Wasted: memory x time environments were loaded but idle, and that over {}'s.",
            self.baseline
        );
        out
    }

    /// Pretty JSON (stable key order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::parse::{CsvFile, parse};

    fn trace(rows: &str, minutes: usize) -> Trace {
        let header: Vec<String> = (0..minutes).map(|m| m.to_string()).collect();
        let text = format!("HashOwner,HashApp,HashFunction,Trigger,{}\n{rows}", header.join(","));
        let mut t = parse(CsvFile { name: "t", text: &text }, None, None).unwrap();
        for f in &mut t.functions {
            f.memory_mb = 1024;
            f.duration = crate::sim::kernel::dist::Dist::constant(SimDuration::from_secs(1));
        }
        t
    }

    fn row(app: &str, counts: &[u32]) -> String {
        let cells: Vec<String> = counts.iter().map(u32::to_string).collect();
        format!("o,{app},f{app},http,{}\n", cells.join(","))
    }

    fn one(t: &Trace, policy: Policy) -> PolicyResult {
        compare_policies(t, &[policy], 7, 1, None)
            .unwrap()
            .results
            .into_iter()
            .find(|r| r.policy == policy.to_string())
            .unwrap()
    }

    #[test]
    fn a_single_request_is_one_cold_start_and_then_the_keep_alive_is_wasted() {
        // One request in minute 0 of a 60-minute trace, 1 GB, 1 s run: one cold start,
        // then 10 minutes idle and loaded = 600 GB-s exactly.
        let mut counts = vec![0; 60];
        counts[0] = 1;
        let t = trace(&row("a", &counts), 60);
        let r = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) });
        assert_eq!((r.invocations, r.cold_starts, r.peak_environments), (1, 1, 1));
        assert_eq!(r.wasted_gb_seconds, 600.0);
        assert_eq!(r.wasted_memory_normalised, 1.0);
        // The trace ends before a 2-hour keep-alive would: the waste stops at its end,
        // 3600 s minus the request's arrival, cold start and run.
        let long = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(7200) });
        assert!(long.wasted_gb_seconds > 3600.0 - 61.3 && long.wasted_gb_seconds < 3600.0 - 1.26, "{long:?}");
    }

    #[test]
    fn requests_closer_than_the_keep_alive_are_warm() {
        // One request a minute for 30 minutes: the first is cold, the rest find the
        // environment warm under 10-minute keep-alive (gaps under 2 minutes); under a
        // 1-second keep-alive almost every one is cold.
        let t = trace(&row("a", &[1; 30]), 30);
        assert_eq!(one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) }).cold_starts, 1);
        assert!(one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(1) }).cold_starts >= 29);
    }

    #[test]
    fn hybrid_pre_warms_a_periodic_app_and_holds_no_memory_in_between() {
        // A request every 20 minutes for 8 hours (24 requests). Fixed 10-minute keep-alive:
        // all 24 cold, 10 min wasted after each. Hybrid: after MIN_IDLE_TIMES idle times
        // the histogram says bin 19 (a ~19-minute idle time): pre-warm at 17.1 min, keep
        // to 22 min. Only the first requests (before the pattern is learnt) are cold,
        // and each later wait wastes at most 22 - 17.1 = 4.9 minutes.
        let counts: Vec<u32> = (0..480).map(|m| u32::from(m % 20 == 0)).collect();
        let t = trace(&row("a", &counts), 480);
        let fixed = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) });
        let hybrid = one(&t, Policy::Hybrid { range: SimDuration::from_secs(4 * 3600) });
        assert_eq!(fixed.cold_starts, 24);
        assert!(hybrid.cold_starts <= 2, "{hybrid:?}");
        assert_eq!(hybrid.hybrid_apps, Some(HybridApps { histogram: 1, not_representative: 0, out_of_bounds: 0 }));
        assert!(hybrid.wasted_memory_normalised < 1.0, "{hybrid:?}");
    }

    #[test]
    fn greedy_dual_keeps_idle_memory_within_its_budget() {
        // Two 1 GB apps, requests alternating every few minutes, with a budget of one
        // environment: every idle environment beyond the first is evicted at once.
        let a: Vec<u32> = (0..120).map(|m| u32::from(m % 6 == 0)).collect();
        let b: Vec<u32> = (0..120).map(|m| u32::from(m % 6 == 3)).collect();
        let t = trace(&(row("a", &a) + &row("b", &b)), 120);
        let tight = one(&t, Policy::GreedyDual { budget_mb: 1024 });
        let roomy = one(&t, Policy::GreedyDual { budget_mb: 2048 });
        // Room for both: only the two first requests are cold, nothing is evicted.
        assert_eq!((roomy.cold_starts, roomy.evictions), (2, Some(0)));
        // Room for one: the two apps keep evicting each other.
        assert!(tight.cold_starts > 20, "{tight:?}");
        assert_eq!(tight.evictions, Some(tight.cold_starts - 1));
        // At most 1 GB idle at any time: the waste is at most 1 GB x the trace.
        assert!(tight.wasted_gb_seconds <= 7200.0);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let rows: String = (0..12)
            .map(|i| row(&format!("a{i}"), &(0..90).map(|m| ((m * (i + 3)) % 7 % 3) as u32).collect::<Vec<_>>()))
            .collect();
        let t = trace(&rows, 90);
        let policies =
            crate::replay::policy::parse_policies("fixed:1m,fixed:20m,hybrid,hybrid:1h,greedy-dual:3GB").unwrap();
        let one_thread = compare_policies(&t, &policies, 3, 1, None).unwrap();
        let three = compare_policies(&t, &policies, 3, 3, None).unwrap();
        assert_eq!(one_thread, three);
        assert_eq!(one_thread.results.len(), 6, "the baseline is added first");
        assert_eq!(one_thread.results[0].policy, "fixed:10m");
        // Conservation: every request of the trace is served once under every policy.
        assert!(one_thread.results.iter().all(|r| r.invocations == t.total_invocations()));
    }

    #[test]
    fn nearest_rank_percentile() {
        assert_eq!(percentile(&[], 0.75), 0.0);
        assert_eq!(percentile(&[5.0], 0.75), 5.0);
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 0.75), 3.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.75), 4.0);
    }
}
