//! A scenario run without a window, as `faaslab run` does it: the options a run starts
//! from (the reference solution, knob settings, seed, duration), the run to its end,
//! and its grades. The command line, the browser's `?report` page and the tests share
//! it, so a run means the same thing everywhere.

use crate::report::Report;
use crate::report::objectives::{ObjectiveResult, evaluate_all};
use crate::scenario::Scenario;
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs::split_setting;
use crate::sim::{Progress, RunEnd, Simulation};
use std::sync::atomic::AtomicBool;

/// How to set up and run a scenario. `Default` runs it as written, without a log.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Apply the challenge's reference solution first.
    pub reference: bool,
    /// Knob settings as typed (`api.memory=1024`), applied in order after the reference.
    pub settings: Vec<String>,
    pub seed: Option<u64>,
    /// Another length of run; timeline entries at or past the new end are left out.
    pub duration: Option<SimDuration>,
    /// Grade the run against the scenario's challenge; `settings` may then only turn
    /// the challenge's allowed knobs, within their ranges.
    pub challenge: bool,
    /// Log entries kept (0: no log and no traces, the fastest).
    pub log_capacity: usize,
    /// A diagnosis challenge's answer as typed (`inventory-db:slow-dependency`); it
    /// replaces the reference's.
    pub answer: Option<String>,
}

/// A finished run.
pub struct Outcome {
    /// The scenario as it ran (options applied).
    pub scenario: Scenario,
    pub sim: Simulation,
    pub report: Report,
    /// The challenge's objectives, when the options asked for grading.
    pub grades: Option<Vec<ObjectiveResult>>,
    /// The run was stopped before its end (its report covers the run so far).
    pub stopped: bool,
}

impl Outcome {
    /// Whether an objective failed (never, without grading).
    pub fn failed(&self) -> bool {
        self.grades.as_ref().is_some_and(|g| g.iter().any(|r| !r.passed))
    }
}

impl RunOptions {
    /// Applies the options to `scenario`: the reference, then each setting in order,
    /// the seed and the duration. Messages name the command line's option at fault.
    pub fn prepare(&self, scenario: &mut Scenario) -> Result<(), String> {
        if self.challenge && scenario.challenge.is_none() {
            return Err(format!("--challenge: scenario \"{}\" has no challenge section", scenario.name));
        }
        if self.reference {
            scenario.apply_reference().map_err(|e| format!("--reference: {e}"))?;
        }
        for text in &self.settings {
            let (name, value) = split_setting(text).map_err(|e| format!("--set: {e}"))?;
            let result =
                if self.challenge { scenario.set_challenge_knob(name, value) } else { scenario.set_knob(name, value) };
            result.map_err(|e| format!("--set {text}: {e}"))?;
        }
        if let Some(text) = &self.answer {
            if !self.challenge {
                return Err("--answer: a diagnosis is graded with --challenge".into());
            }
            let Some(challenge) = &mut scenario.challenge else {
                return Err("--answer: this scenario has no challenge".into());
            };
            challenge.give_answer(&scenario.config, text).map_err(|e| format!("--answer {text}: {e}"))?;
        }
        if let Some(seed) = self.seed {
            scenario.config.seed = seed;
        }
        if let Some(duration) = self.duration {
            scenario.config.duration = duration;
            // A shortened run never reaches the timeline entries past its new end
            // (as with arrival steps): they are left out, not an error.
            scenario.config.timeline.retain(|e| e.at < duration);
            let problems = scenario.config.problems();
            if !problems.is_empty() {
                // "--duration: duration: ..." would say the same thing twice.
                let lines: Vec<String> = problems
                    .iter()
                    .map(|p| match p.path.as_str() {
                        "duration" => format!("--duration: {}", p.message),
                        path => format!("--duration: {path}: {}", p.message),
                    })
                    .collect();
                return Err(lines.join("\n"));
            }
        }
        Ok(())
    }
}

/// Prepares `scenario` with `options`, runs it to its end and grades it if asked.
pub fn run(scenario: Scenario, options: &RunOptions) -> Result<Outcome, String> {
    run_watched(scenario, options, &AtomicBool::new(false), |_| {})
}

/// As `run`, calling `progress` about ten times a second of work and stopping early
/// when `stop` is raised (Ctrl-C on the command line). A stopped run is graded like a
/// finished one on what it saw, and its report says where it stopped.
pub fn run_watched(
    mut scenario: Scenario,
    options: &RunOptions,
    stop: &AtomicBool,
    progress: impl FnMut(&Progress),
) -> Result<Outcome, String> {
    options.prepare(&mut scenario)?;
    let mut sim = Simulation::with_log_capacity(scenario.config.clone(), options.log_capacity);
    let stopped = sim.run_with(stop, progress) == RunEnd::Stopped;
    let report = Report::of(&sim, &scenario.name);
    let grades = match (&scenario.challenge, options.challenge) {
        (Some(c), true) => Some(evaluate_all(c, &sim, &report)),
        _ => None,
    };
    Ok(Outcome { scenario, sim, report, grades, stopped })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tuning() -> Scenario {
        crate::scenario::built_in("memory-power-tuning").expect("in the library").expect("valid")
    }

    #[test]
    fn options_apply_in_order_and_say_which_one_is_wrong() {
        let mut s = tuning();
        let options = RunOptions {
            reference: true,
            settings: vec!["resize.memory=2048".into()],
            seed: Some(9),
            duration: Some(SimDuration::from_secs(600)),
            ..RunOptions::default()
        };
        options.prepare(&mut s).unwrap();
        assert_eq!((s.config.functions[0].memory_mb, s.config.seed), (2048, 9), "--set after --reference");
        assert_eq!(s.config.duration, SimDuration::from_secs(600));
        let locked =
            RunOptions { challenge: true, settings: vec!["resize.timeout=5s".into()], ..RunOptions::default() };
        assert!(locked.prepare(&mut tuning()).unwrap_err().starts_with("--set resize.timeout=5s: "));
        let bare = RunOptions { settings: vec!["resize.memory".into()], ..RunOptions::default() };
        assert!(bare.prepare(&mut tuning()).unwrap_err().starts_with("--set: "));
        let mut plain = crate::scenario::built_in("keep-alive-steady-state").expect("in the library").expect("valid");
        let graded = RunOptions { challenge: true, ..RunOptions::default() };
        assert!(graded.prepare(&mut plain).unwrap_err().starts_with("--challenge: "));
    }

    #[test]
    fn a_stopped_run_reports_where_it_stopped_and_a_watched_one_is_the_same_run() {
        use std::sync::atomic::Ordering;
        let options = RunOptions { duration: Some(SimDuration::from_secs(600)), ..RunOptions::default() };
        let plain = run(tuning(), &options).unwrap();
        let mut calls = 0;
        let watched = run_watched(tuning(), &options, &AtomicBool::new(false), |p| {
            calls += 1;
            assert!(p.now <= p.end);
        })
        .unwrap();
        assert!(calls >= 1 && !watched.stopped);
        assert_eq!(watched.report.to_json(), plain.report.to_json(), "watching changes nothing");
        // Raised after the first slice: the run stops there, with a report of the run so far.
        let stop = AtomicBool::new(false);
        let long = RunOptions { duration: Some(SimDuration::from_secs(100 * 3600)), ..RunOptions::default() };
        let stopped = run_watched(tuning(), &long, &stop, |_| stop.store(true, Ordering::Relaxed)).unwrap();
        assert!(stopped.stopped);
        let at = stopped.report.stopped_at_seconds.expect("a stopped run says where");
        assert!(at > 0.0 && at < 100.0 * 3600.0, "stopped at {at} s");
        assert!(stopped.report.to_text().starts_with("Stopped at "), "{}", stopped.report.to_text());
    }

    #[test]
    fn a_graded_run_says_whether_it_failed() {
        let short = Some(SimDuration::from_secs(300));
        let naive = run(tuning(), &RunOptions { challenge: true, duration: short, ..RunOptions::default() }).unwrap();
        assert!(naive.failed(), "128 MB is too slow");
        let ungraded = run(tuning(), &RunOptions { duration: short, ..RunOptions::default() }).unwrap();
        assert!(ungraded.grades.is_none() && !ungraded.failed());
    }
}
