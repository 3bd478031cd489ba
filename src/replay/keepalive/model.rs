//! One keep-alive policy setting run over a whole trace.
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

use super::{COLD_START, HybridApps, PolicyResult, percentile};
use crate::replay::Tally;
use crate::replay::parse::Trace;
use crate::replay::policy::{IdleHistogram, Pattern, Policy};
use crate::sim::kernel::arrivals::{DRAWN_AT_ONCE, InOrder, TRACE_MINUTE};
use crate::sim::kernel::dist::Sampler;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::sync::Arc;

/// What every run shares: which app each function belongs to, the apps' memory, and
/// each function's execution-time sampler.
pub(super) struct Prepared {
    app_of: Vec<u32>,
    pub(super) app_memory_mb: Vec<u32>,
    durations: Vec<Sampler>,
}

pub(super) fn prepare(trace: &Trace) -> Prepared {
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
/// uniform times in [60k s, 60(k+1) s), sorted. A minute of more than `DRAWN_AT_ONCE`
/// is generated in order instead (a minute of a billion would need 8 GB at once).
struct Arrivals {
    per_minute: Arc<[u32]>,
    minute: usize,
    buffer: Vec<u64>,
    next: usize,
    in_order: Option<InOrder>,
    rng: RngStream,
}

impl Arrivals {
    fn new(per_minute: Arc<[u32]>, seed: u64, function: usize) -> Arrivals {
        let rng = RngStream::new(seed, &format!("keep-alive-arrivals/{function}"));
        Arrivals { per_minute, minute: 0, buffer: Vec::new(), next: 0, in_order: None, rng }
    }

    fn next(&mut self) -> Option<u64> {
        if let Some(g) = &mut self.in_order {
            match g.pop(&mut self.rng) {
                Some(t) => return Some(t.0),
                None => self.in_order = None,
            }
        }
        while self.next == self.buffer.len() {
            let &count = self.per_minute.get(self.minute)?;
            let start = self.minute as u64 * TRACE_MINUTE.0;
            self.minute += 1;
            self.buffer.clear();
            self.next = 0;
            if u64::from(count) > DRAWN_AT_ONCE {
                let mut g = InOrder::new(SimTime(start), TRACE_MINUTE.0, count.into(), true, &mut self.rng);
                let first = g.pop(&mut self.rng);
                self.in_order = Some(g);
                return first.map(|t| t.0);
            }
            for _ in 0..count {
                let offset = (self.rng.unit() * TRACE_MINUTE.0 as f64) as u64;
                self.buffer.push(start + offset.min(TRACE_MINUTE.0 - 1));
            }
            self.buffer.sort_unstable();
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
    /// When the trace needed more than `MAX_ENVIRONMENTS` at once (the run stops there).
    overflow_at: Option<u64>,
}

/// The most environments a policy run keeps at once: an account's concurrency is at
/// most this, and about 100 bytes each bound a run's memory (a minute of a billion
/// one-second requests would otherwise need 17 million, 1.7 GB).
pub(super) const MAX_ENVIRONMENTS: usize = crate::sim::config::MAX_CONCURRENCY_LIMIT as usize;

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
                let w =
                    app.histogram.as_ref().map(|h| h.windows(range)).unwrap_or(crate::replay::policy::HybridWindows {
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
        if warm.is_none() && self.apps[a].idle.is_empty() && self.free.is_empty() && self.envs.len() >= MAX_ENVIRONMENTS
        {
            self.overflow_at = Some(t);
            return;
        }
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
pub(super) fn run_policy(
    trace: &Trace,
    prepared: &Prepared,
    policy: Policy,
    seed: u64,
    tally: &Tally,
) -> Result<PolicyResult, String> {
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
        overflow_at: None,
        duration_rngs,
    };
    // Every function's next arrival, earliest first (ties: the first function in the file).
    let mut streams: Vec<Arrivals> =
        trace.functions.iter().enumerate().map(|(i, f)| Arrivals::new(f.per_minute.clone(), seed, i)).collect();
    let mut next: BinaryHeap<Reverse<(u64, usize)>> =
        streams.iter_mut().enumerate().filter_map(|(i, s)| s.next().map(|t| Reverse((t, i)))).collect();
    // Trace time told to `tally`, a minute at a time.
    let mut told = 0;
    while let Some(Reverse((t, f))) = next.pop() {
        if t >= told + TRACE_MINUTE.0 {
            tally.add(t - told);
            told = t;
        }
        run.arrive(t, f);
        if let Some(at) = run.overflow_at {
            return Err(format!(
                "policy {policy}: the trace needs more than {MAX_ENVIRONMENTS} environments at once (minute {} of the trace); a replay runs at most that many, the highest account concurrency limit faaslab accepts",
                at / TRACE_MINUTE.0
            ));
        }
        if let Some(t) = streams[f].next() {
            next.push(Reverse((t, f)));
        }
    }
    // Runs that end inside the trace go idle; whatever is still loaded at its end
    // wasted memory up to it.
    tally.add(run.end.saturating_sub(told));
    run.finish_runs_until(run.end);
    for a in 0..run.apps.len() {
        for id in std::mem::take(&mut run.apps[a].idle) {
            run.waste(id, run.end);
        }
    }
    Ok(summarise(&run, policy))
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
