//! `faaslab audit`: the whole space of a challenge's solutions. Every corner of the
//! allowed knobs' ranges and a number of seeded random settings are run (on all cores)
//! and graded; the audit reports how many pass, the cheapest and the fastest passing
//! settings, and every passing setting a reviewer would reject:
//! - a route not served: a trigger (or a group of alternatives a `ServedShare` names)
//!   that received requests as written receives none, or serves under 90% of them;
//! - a dead letter that is not poison: a message or event that failed transiently and
//!   was parked for a human instead of retried;
//! - a duplicate side effect (a challenge that tolerates them says `allow_duplicates`);
//! - work lost behind an asynchronous hop: an event dropped after its retries, a
//!   message expired, a stream record skipped, a workflow execution ended failed;
//! - results kept only in /tmp (lost with their environment), or a /tmp paid for at
//!   more than twice what any environment held in it, for over 5% of its compute.
//!
//! A challenge that a rejected setting passes is a defect of the challenge: CI audits
//! every library challenge and fails on any.

use crate::report::Report;
use crate::report::objectives::evaluate_all;
use crate::scenario::Scenario;
use crate::scenario::challenge::{AllowedKnob, Challenge};
use crate::scenario::objective::Objective;
use crate::sim::Simulation;
use crate::sim::kernel::rng::RngStream;
use crate::sim::knobs::{self, KnobId, Unit};
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How an audit explores.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    /// Random settings besides the corners.
    pub samples: usize,
    /// Parallel runs.
    pub threads: usize,
    /// Seed of the random settings (the runs use the scenario's own seed).
    pub seed: u64,
    /// At most this many corners are run; past it, twice the samples are drawn instead.
    pub max_corners: usize,
}

/// The most random settings an audit draws: each is a whole run (100 000 take under a
/// minute for the default scenario on 2 cores, about half an hour for database-storm),
/// and every setting is held until the end (100 million asked for had taken 4.7 GB
/// within 10 s, before the first run).
pub const MAX_SAMPLES: usize = 100_000;

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions { samples: 200, threads: 1, seed: 1, max_corners: 1024 }
    }
}
/// A route serving less than this share of what it finished is not served.
const SERVED_AT_LEAST: f64 = 0.9;

/// One setting of the allowed knobs, run and graded.
#[derive(Clone, Debug, Serialize)]
pub struct AuditRun {
    /// The knob settings, in the challenge's order.
    pub setting: Vec<(String, String)>,
    pub passed: bool,
    pub cost_per_month_usd: f64,
    /// The challenge's first latency objective (ms), or the end-to-end p99.
    pub latency_ms: f64,
    /// What a reviewer would object to, whether or not the grade noticed.
    pub red_flags: Vec<String>,
}

/// The space of a challenge's solutions.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    pub scenario: String,
    /// Settings run (corners, random samples, the reference), and those the
    /// configuration refused (a knob combination the model does not accept).
    pub runs: usize,
    pub corners: usize,
    pub refused: usize,
    pub passing: usize,
    pub cheapest: Option<AuditRun>,
    pub fastest: Option<AuditRun>,
    /// Passing settings with red flags: each is a hole in the challenge.
    pub rejected: Vec<AuditRun>,
    /// What "fastest" was judged by.
    pub latency_by: String,
}

/// The values a knob's exploration uses: its corners, and a draw from its domain.
struct Domain {
    name: String,
    corners: Vec<String>,
    /// Numeric domain (min, max, step, whole numbers) when not discrete.
    range: Option<(f64, f64, Option<f64>, bool)>,
    /// The numeric domain also takes `none`.
    none: bool,
}

impl Domain {
    fn of(allowed: &AllowedKnob, id: KnobId, scenario: &Scenario) -> Domain {
        let config = &scenario.config;
        let name = allowed.knob.clone();
        if let Some(values) = &allowed.values {
            return Domain { name, corners: values.clone(), range: None, none: false };
        }
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect();
        match id.unit() {
            Unit::Toggle => Domain { name, corners: words(&["off", "on"]), range: None, none: false },
            Unit::Choice(choices) => Domain { name, corners: words(choices), range: None, none: false },
            Unit::Name { of, or_none } => {
                let mut corners: Vec<String> = of.names(config).into_iter().map(String::from).collect();
                if or_none {
                    corners.insert(0, "none".into());
                }
                Domain { name, corners, range: None, none: false }
            }
            unit => {
                let (free_min, free_max) = (id.knob.range)(config);
                let (lo, hi) = (allowed.min.unwrap_or(free_min), allowed.max.unwrap_or(free_max));
                let whole = matches!(unit, Unit::Count | Unit::CountOrNone | Unit::Megabytes | Unit::Duration);
                let text = |x: f64| format_value(unit, snap(x, lo, hi, allowed.step, whole));
                let mut corners = vec![text(lo), text(hi)];
                corners.dedup();
                // A count that may be none (a pooler, a reservation): none is a corner too.
                let none = matches!(unit, Unit::CountOrNone | Unit::FractionOrOff);
                if none {
                    corners.insert(0, "none".into());
                }
                Domain { name, corners, range: Some((lo, hi, allowed.step, whole)), none }
            }
        }
    }

    fn draw(&self, rng: &mut RngStream, unit: Unit) -> String {
        match self.range {
            Some(_) if self.none && rng.unit() < 0.2 => "none".into(),
            Some((lo, hi, step, whole)) => format_value(unit, snap(lo + (hi - lo) * rng.unit(), lo, hi, step, whole)),
            None => {
                let i = ((rng.unit() * self.corners.len() as f64) as usize).min(self.corners.len() - 1);
                self.corners[i].clone()
            }
        }
    }
}

/// `x` on the knob's grid: a multiple of `step` above `lo` (whole where the unit is),
/// within `lo..=hi`.
fn snap(x: f64, lo: f64, hi: f64, step: Option<f64>, whole: bool) -> f64 {
    let mut v = match step {
        Some(s) if s > 0.0 => lo + ((x - lo) / s).round() * s,
        _ => x,
    };
    if whole {
        v = v.round();
    }
    while v > hi + 1e-9 {
        v -= step.unwrap_or(1.0);
    }
    v.max(lo)
}

fn format_value(unit: Unit, x: f64) -> String {
    match unit {
        Unit::Duration => format!("{}s", x.round()),
        Unit::Count | Unit::CountOrNone | Unit::Megabytes => format!("{}", x.round()),
        _ => format!("{x}"),
    }
}

/// Every combination of the knobs' corners (in a fixed order), or `None` past `max`.
fn corners(domains: &[Domain], max: usize) -> Option<Vec<Vec<String>>> {
    let count = domains.iter().try_fold(1usize, |n, d| n.checked_mul(d.corners.len().max(1)))?;
    if count > max {
        return None;
    }
    let mut all: Vec<Vec<String>> = vec![Vec::new()];
    for d in domains {
        all = all
            .into_iter()
            .flat_map(|prefix| d.corners.iter().map(move |c| [prefix.clone(), vec![c.clone()]].concat()))
            .collect();
    }
    Some(all)
}

/// Audits `scenario`'s challenge; `progress` hears (done, total).
pub fn run(
    scenario: &Scenario,
    options: &AuditOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Audit, String> {
    let Some(mut challenge) = scenario.challenge.clone() else {
        return Err(format!("scenario \"{}\" has no challenge to audit", scenario.name));
    };
    if options.samples > MAX_SAMPLES {
        return Err(format!(
            "--samples: at most {MAX_SAMPLES} random settings (each is a whole run), got {}",
            options.samples
        ));
    }
    // A brief is answered by a design: audit its reference design's settings.
    if challenge.reference_design.is_some() {
        let mut design = scenario.clone();
        design.apply_reference()?;
        if let Some(c) = &mut design.challenge {
            c.reference_design = None;
        }
        return run(&design, options, progress);
    }
    // A diagnosis is not a knob: every setting is graded with the right answer, so the
    // audit asks what it always asks (which knob settings pass, and how).
    challenge.answer = challenge.diagnosis.as_ref().map(|d| d.answer());
    let challenge = &challenge;
    let mut domains = Vec::new();
    let mut units = Vec::new();
    for k in &challenge.knobs {
        let id = knobs::resolve(&scenario.config, &k.knob)?;
        domains.push(Domain::of(k, id, scenario));
        units.push(id.unit());
    }
    let corner_settings = corners(&domains, options.max_corners);
    let corner_count = corner_settings.as_ref().map_or(0, Vec::len);
    let mut settings: Vec<Vec<String>> = corner_settings.unwrap_or_default();
    let mut rng = RngStream::new(options.seed, &format!("audit/{}", scenario.name));
    // Too many corners to run them all: twice the random samples instead.
    // No knobs at all (a brief's design, a diagnosis exercise): its one setting needs no samples.
    let extra = match (domains.is_empty(), corner_count) {
        (true, _) => 0,
        (false, 0) => options.samples * 2,
        (false, _) => options.samples,
    };
    for _ in 0..extra {
        settings.push(domains.iter().zip(&units).map(|(d, u)| d.draw(&mut rng, *u)).collect());
    }
    // The reference too: it must pass, and cleanly.
    let reference: Vec<String> = domains
        .iter()
        .map(|d| {
            challenge
                .reference
                .iter()
                .find(|(n, _)| *n == d.name)
                .map_or_else(|| scenario_value(scenario, &d.name), |(_, v)| v.clone())
        })
        .collect();
    settings.push(reference);
    let baseline = Report::of(&run_to_end(scenario), &scenario.name);
    let groups = route_groups(scenario, challenge);
    let total = settings.len();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Option<AuditRun>>>> = Mutex::new(vec![None; total]);
    std::thread::scope(|scope| {
        for _ in 0..options.threads.clamp(1, total.max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(values) = settings.get(i) else { break };
                    let run = run_setting(scenario, challenge, &domains, values, &baseline, &groups);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(run);
                    progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                }
            });
        }
    });
    let runs: Vec<Option<AuditRun>> = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every run ran"))
        .collect();
    let refused = runs.iter().filter(|r| r.is_none()).count();
    let ran: Vec<AuditRun> = runs.into_iter().flatten().collect();
    let passing: Vec<&AuditRun> = ran.iter().filter(|r| r.passed).collect();
    let pick =
        |key: fn(&AuditRun) -> f64| passing.iter().min_by(|a, b| key(a).total_cmp(&key(b))).map(|r| (*r).clone());
    let mut rejected: Vec<AuditRun> =
        passing.iter().filter(|r| !r.red_flags.is_empty()).map(|r| (*r).clone()).collect();
    rejected.dedup_by(|a, b| a.setting == b.setting);
    Ok(Audit {
        scenario: scenario.name.clone(),
        runs: total,
        corners: corner_count,
        refused,
        passing: passing.len(),
        cheapest: pick(|r| r.cost_per_month_usd),
        // Among the settings where a caller waits (a design whose callers never wait,
        // such as a workflow alone, measures 0 ms and is not "fastest").
        fastest: passing
            .iter()
            .filter(|r| r.latency_ms > 0.0)
            .min_by(|a, b| a.latency_ms.total_cmp(&b.latency_ms))
            .map(|r| (*r).clone()),
        rejected,
        latency_by: latency_label(challenge),
    })
}

/// The value a knob has in the scenario as written.
fn scenario_value(scenario: &Scenario, knob: &str) -> String {
    scenario.knob_value(knob).unwrap_or_default()
}

fn run_to_end(scenario: &Scenario) -> Simulation {
    let mut sim = Simulation::with_log_capacity(scenario.config.clone(), 0);
    sim.run_to_end();
    sim
}

/// The routes a reviewer checks: each `ServedShare` objective's triggers as one group
/// (alternatives of one route), and every other trigger on its own.
fn route_groups(scenario: &Scenario, challenge: &Challenge) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = challenge
        .objectives
        .iter()
        .filter_map(|o| match o {
            Objective::ServedShare { of, .. } => Some(of.clone()),
            _ => None,
        })
        .collect();
    for t in &scenario.config.triggers {
        if !groups.iter().any(|g| g.iter().any(|n| n == t.name())) {
            groups.push(vec![t.name().to_string()]);
        }
    }
    groups
}

fn latency_label(challenge: &Challenge) -> String {
    challenge
        .objectives
        .iter()
        .find_map(|o| match o {
            Objective::Latency { of, percentile, .. } => Some(format!("p{percentile} latency of {of}")),
            _ => None,
        })
        .unwrap_or_else(|| "end-to-end p99 latency".into())
}

/// Runs one setting; `None` when the configuration refuses it.
fn run_setting(
    scenario: &Scenario,
    challenge: &Challenge,
    domains: &[Domain],
    values: &[String],
    baseline: &Report,
    groups: &[Vec<String>],
) -> Option<AuditRun> {
    let mut s = scenario.clone();
    for (d, v) in domains.iter().zip(values) {
        s.set_challenge_knob(&d.name, v).ok()?;
    }
    let sim = run_to_end(&s);
    let report = Report::of(&sim, &s.name);
    let grades = evaluate_all(challenge, &sim, &report);
    let passed = grades.iter().all(|g| g.passed);
    let latency_ms = challenge
        .objectives
        .iter()
        .position(|o| matches!(o, Objective::Latency { .. }))
        .map_or(report.latency_ms.p99, |i| grades[i].measured);
    Some(AuditRun {
        setting: domains.iter().map(|d| d.name.clone()).zip(values.iter().cloned()).collect(),
        passed,
        cost_per_month_usd: report.cost.per_month_usd,
        latency_ms,
        red_flags: red_flags(&report, baseline, groups, challenge),
    })
}

/// What a reviewer would object to in a run, whatever its grade.
pub fn red_flags(report: &Report, baseline: &Report, groups: &[Vec<String>], challenge: &Challenge) -> Vec<String> {
    let mut flags = Vec::new();
    let requests = |r: &Report, group: &[String]| {
        r.triggers.iter().filter(|t| group.contains(&t.name)).fold((0, 0, 0), |(a, s, f), t| {
            (a + t.requests.arrived, s + t.requests.succeeded, f + t.requests.in_flight)
        })
    };
    for group in groups {
        let (was, _, _) = requests(baseline, group);
        let (arrived, succeeded, unfinished) = requests(report, group);
        let name = group.join(" or ");
        if was > 0 && arrived == 0 {
            flags.push(format!("route not served: {name} receives nothing (switched off)"));
        } else if arrived > unfinished && (succeeded as f64) < SERVED_AT_LEAST * (arrived - unfinished) as f64 {
            flags.push(format!(
                "route not served: {name} served {succeeded} of {} finished requests",
                arrived - unfinished
            ));
        }
    }
    let transient: u64 = report.queues.iter().map(|q| q.transient_dead_lettered()).sum::<u64>()
        + report.async_events.async_to_dlq
        + report.streams.iter().map(|s| s.skipped_to_dlq - s.skipped_poison_to_dlq).sum::<u64>();
    if transient > 0 {
        flags.push(format!("non-poison dead letters: {transient} messages or events that a retry would have served"));
    }
    if report.duplicates > 0 && !challenge.allow_duplicates {
        flags.push(format!("duplicates: {} side effects done twice", report.duplicates));
    }
    let mut lost = Vec::new();
    let a = &report.async_events;
    if a.async_dropped > 0 {
        lost.push(format!("{} async events dropped", a.async_dropped));
    }
    let expired: u64 = report.queues.iter().map(|q| q.expired).sum();
    if expired > 0 {
        lost.push(format!("{expired} messages expired"));
    }
    // Records given up to an on-failure destination are there, not lost (and counted
    // above when they were not poison).
    let skipped: u64 = report.streams.iter().map(|s| s.skipped - s.skipped_to_dlq).sum();
    if skipped > 0 {
        lost.push(format!("{skipped} stream records skipped"));
    }
    let failed: u64 = report.workflows.iter().map(|w| w.failed).sum();
    if failed > 0 {
        lost.push(format!("{failed} workflow executions ended failed"));
    }
    if !lost.is_empty() {
        flags.push(format!("work lost behind an asynchronous hop: {}", lost.join(", ")));
    }
    for f in &report.functions {
        let kept = f.tmp_results_lost + f.tmp_results_held;
        if kept > 0 {
            flags.push(format!("results kept only in /tmp: {kept} of {}'s, lost with their environments", f.name));
        }
        if let Some(flag) = tmp_oversized(f) {
            flags.push(flag);
        }
    }
    flags
}

/// A /tmp paid for and not filled: more than twice what any environment held, at a
/// price above 5% of the function's compute price (at AWS's prices a large /tmp on a
/// large function is a rounding error; on a 128 MB function 10 GB of it is 14% more).
fn tmp_oversized(f: &crate::report::FunctionReport) -> Option<String> {
    use crate::sim::kernel::cost::{Architecture, FREE_EPHEMERAL_MB, Prices};
    let size = f.ephemeral_mb?;
    let prices = Prices::for_arch(Architecture::X86);
    let extra = f64::from(size.saturating_sub(FREE_EPHEMERAL_MB));
    let share = extra * prices.ephemeral_per_gb_second / (f64::from(f.memory_mb) * prices.per_gb_second);
    (f64::from(size) > 2.0 * f.tmp_peak_mb && share > 0.05).then(|| {
        format!(
            "/tmp oversized: {} pays for {size} MB ({:.0}% on top of its compute) and held at most {:.0} MB",
            f.name,
            share * 100.0,
            f.tmp_peak_mb
        )
    })
}

impl Audit {
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "Audit of \"{}\": {} settings run ({} corners of the allowed knobs, {} random, and the reference), {} refused by the model\n",
            self.scenario,
            self.runs,
            self.corners,
            self.runs - self.corners - 1,
            self.refused
        );
        out += &format!("Passing: {} of {}\n", self.passing, self.runs - self.refused);
        let setting = |r: &AuditRun| match r.setting.is_empty() {
            // A challenge without knobs (a diagnosis exercise) has one setting.
            true => "the scenario as written (no knobs)".to_string(),
            false => r.setting.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "),
        };
        if let Some(c) = &self.cheapest {
            out += &format!("Cheapest passing: ${:.2} a month: {}\n", c.cost_per_month_usd, setting(c));
        }
        if let Some(f) = &self.fastest {
            out += &format!("Fastest passing ({}): {:.0} ms: {}\n", self.latency_by, f.latency_ms, setting(f));
        }
        if self.rejected.is_empty() {
            out += "No passing setting a reviewer would reject.\n";
        } else {
            out += &format!(
                "{} passing settings a reviewer would reject (holes in the challenge):\n",
                self.rejected.len()
            );
            for r in &self.rejected {
                out += &format!("  {}\n    {}\n", setting(r), r.red_flags.join("; "));
            }
        }
        out
    }
}
