//! Progress across challenges in the app (issue 17): when an attempt in challenge mode
//! passes, its cost and main latency are recorded (`crate::progress`, the pure record)
//! and saved, natively in a small JSON file and in the browser in local storage. The
//! first pass on a seed also runs the challenge's reference solution on that seed, a
//! slice of events a frame, for the star (a pass cheaper than the reference). The
//! picker shows the record; the About panel exports it as JSON (`app/export`).
//! Free play and A/B comparisons do not count: only the challenge's own knobs do.

#[cfg(test)]
mod tests;

use super::AppSystems;
use super::challenge::ChallengeMode;
use super::playback::Playback;
use crate::progress::{Attempt, Progress, challenge_key};
use crate::report::Report;
use crate::report::objectives::evaluate_all;
use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::config::SimConfig;
use bevy::prelude::*;

/// The record and its storage (no window needed: the headless tests use it). The app
/// inserts the user's record (`ProgressState::open_default`) before this runs; without
/// one the record is kept in memory only.
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ProgressState>()
        .add_systems(Update, (record_pass, run_reference).chain().after(AppSystems::SyncView));
}

/// Events of the reference run handled per frame (a few milliseconds of work, so the
/// frame rate holds while it runs).
const REFERENCE_EVENTS_PER_FRAME: u64 = 100_000;

/// Where the record is kept.
#[derive(Clone, Debug, PartialEq)]
pub enum Store {
    /// Not kept (tests, and a machine without a home directory).
    Memory,
    /// A JSON file (native; the browser has none).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    File(std::path::PathBuf),
    /// The browser's local storage.
    #[cfg(target_arch = "wasm32")]
    LocalStorage,
}

#[derive(Resource)]
pub struct ProgressState {
    pub progress: Progress,
    pub store: Store,
    /// Something the user should know (a bad file moved aside, a save that failed).
    pub message: Option<String>,
    /// False when the stored record could not be moved aside: never written then.
    writable: bool,
    /// The (scenario generation, generation) of the attempt last recorded.
    recorded: Option<(u32, u32)>,
    /// The reference solution running for the star.
    pub reference: Option<ReferenceRun>,
}

impl Default for ProgressState {
    fn default() -> ProgressState {
        ProgressState {
            progress: Progress::default(),
            store: Store::Memory,
            message: None,
            writable: true,
            recorded: None,
            reference: None,
        }
    }
}

/// The challenge's reference on the seed of a pass, run to its end.
pub struct ReferenceRun {
    pub key: String,
    pub seed: u64,
    sim: Simulation,
    name: String,
}

impl ProgressState {
    /// The record kept in `store`, read now (a bad one is moved aside, and said so).
    pub fn open(store: Store) -> ProgressState {
        let (progress, message, writable) = match &store {
            Store::Memory => (Progress::default(), None, true),
            Store::File(path) => {
                let loaded = crate::progress::load(path);
                (loaded.progress, loaded.problem, loaded.writable)
            }
            #[cfg(target_arch = "wasm32")]
            Store::LocalStorage => match super::web::load_progress() {
                Ok(progress) => (progress, None, true),
                Err(e) => (Progress::default(), Some(e), true),
            },
        };
        ProgressState { progress, store, message, writable, ..ProgressState::default() }
    }

    /// The user's record: `crate::progress::default_path` natively, local storage in
    /// the browser.
    pub fn open_default() -> ProgressState {
        #[cfg(target_arch = "wasm32")]
        return ProgressState::open(Store::LocalStorage);
        #[cfg(not(target_arch = "wasm32"))]
        ProgressState::open(crate::progress::default_path().map_or(Store::Memory, Store::File))
    }

    /// Writes the record (merged with what is stored now); a failure becomes the message.
    fn save(&mut self) {
        if !self.writable {
            return;
        }
        let result = match &self.store {
            Store::Memory => Ok(self.progress.clone()),
            Store::File(path) => crate::progress::save(path, &self.progress),
            #[cfg(target_arch = "wasm32")]
            Store::LocalStorage => super::web::save_progress(&self.progress),
        };
        match result {
            Ok(merged) => self.progress = merged,
            Err(e) => self.message = Some(e),
        }
    }

    /// Records the passing attempt of `scenario` (run `sim`) and starts the reference on
    /// its seed when its cost there is not known yet.
    fn record(&mut self, scenario: &Scenario, base: &Scenario, sim: &Simulation) {
        let (Some(key), Some(challenge)) = (challenge_key(scenario), &scenario.challenge) else { return };
        let report = Report::of(sim, &scenario.name);
        let grades = evaluate_all(challenge, sim, &report);
        let attempt = Attempt::of(scenario, &report, &grades);
        let seed = attempt.seed;
        let recorded = self.progress.record(&key, &scenario.name, attempt);
        self.save();
        if recorded.needs_reference && self.reference.as_ref().is_none_or(|r| (r.key.as_str(), r.seed) != (&key, seed))
        {
            match reference_config(&key, base, seed) {
                Ok((config, name)) => {
                    let sim = Simulation::with_log_capacity(config, 0);
                    self.reference = Some(ReferenceRun { key, seed, sim, name });
                }
                Err(e) => self.message = Some(format!("The reference solution could not be run for the star: {e}")),
            }
        }
    }
}

/// The configuration the reference solution runs with on `seed`: the library's
/// challenge as written (a brief's reference design), else the scenario as opened.
fn reference_config(key: &str, base: &Scenario, seed: u64) -> Result<(SimConfig, String), String> {
    let mut scenario = match crate::scenario::built_in(key) {
        Some(Ok(s)) => s,
        Some(Err(e)) => return Err(e.to_string()),
        None => base.clone(),
    };
    scenario.apply_reference()?;
    scenario.config.seed = seed;
    Ok((scenario.config, scenario.name))
}

/// A finished attempt that passed in challenge mode is recorded once.
fn record_pass(playback: Res<Playback>, mode: Res<ChallengeMode>, mut state: ResMut<ProgressState>) {
    let attempt = (playback.scenario_generation, playback.generation);
    if !mode.active || mode.finished != Some(true) || state.recorded == Some(attempt) || !playback.sim.is_finished() {
        return;
    }
    // Both runs of a comparison are on screen: it is not an attempt of its own.
    if playback.compare.is_some() {
        return;
    }
    state.recorded = Some(attempt);
    state.record(&playback.scenario, &playback.base, &playback.sim);
}

/// Advances the reference run by a slice; at its end its cost settles the star.
fn run_reference(mut state: ResMut<ProgressState>) {
    let Some(run) = &mut state.reference else { return };
    let end = run.sim.end();
    if !run.sim.step_until(end, REFERENCE_EVENTS_PER_FRAME).reached_deadline {
        return;
    }
    let cost = Report::of(&run.sim, &run.name).cost.per_month_usd;
    let (key, seed) = (run.key.clone(), run.seed);
    state.reference = None;
    state.progress.record_reference(&key, seed, cost);
    state.save();
}

/// The message about the record (a bad file moved aside, a failed save), until closed.
pub(super) fn ui_plugin(app: &mut App) {
    app.add_systems(bevy_egui::EguiPrimaryContextPass, message_ui);
}

fn message_ui(mut contexts: bevy_egui::EguiContexts, mut state: ResMut<ProgressState>) -> Result {
    use bevy_egui::egui;
    let Some(message) = state.message.clone() else { return Ok(()) };
    let mut close = false;
    egui::Window::new("Progress")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 80.0))
        .show(contexts.ctx_mut()?, |ui| {
            ui.set_max_width(480.0);
            ui.label(message);
            close = ui.button("OK").clicked();
        });
    if close {
        state.message = None;
    }
    Ok(())
}

/// One challenge's mark in the picker: a tick, the best cost per month and latency,
/// and a star when a pass beat the reference's cost ("" when not passed).
pub fn mark(progress: &Progress, key: &str) -> Option<(String, String)> {
    let c = progress.get(key)?;
    let star = if c.star { " ★" } else { "" };
    let short = format!("✔ ${:.2}/mo{star}", c.best.cost_per_month_usd);
    let mut long = format!("Passed. Best attempt (seed {}): ${:.2} a month", c.best.seed, c.best.cost_per_month_usd);
    if let Some(l) = &c.best.latency {
        long += &format!(", {}: {:.0} ms", l.label, l.ms);
    }
    let knobs: Vec<String> = c.best.knobs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    if !knobs.is_empty() {
        long += &format!("\nwith {}", knobs.join(", "));
    }
    long += if c.star {
        "\n★ cheaper than the reference solution on the same seed"
    } else if c.reference_by_seed.is_empty() {
        "\n(the reference's cost is not known yet: no star)"
    } else {
        "\nno star yet: pass for less than the reference solution costs on the same seed"
    };
    Some((short, long))
}
