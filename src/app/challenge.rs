//! Challenge mode: the scenario's objectives with live pass/fail, the knobs the
//! challenge allows (the rest are locked), hints that unlock with time or after a
//! failed attempt, a timer, and a result screen with the debrief and, for each failed
//! objective, the node and mechanism responsible.

use super::AppSystems;
use super::command::Command;
use super::panels::named_knobs::{Bounds, named_knob_ui};
use super::playback::Playback;
use crate::report::Report;
use crate::report::objectives::{ObjectiveResult, evaluate_all};
use crate::scenario::challenge::{AllowedKnob, Challenge};
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

/// Real seconds between live gradings (a report walks every node: not every frame).
const GRADE_EVERY_SECS: f64 = 0.5;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ChallengeMode>().add_systems(Update, grade.in_set(AppSystems::SyncView));
}

pub(super) fn ui_plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw);
}

/// Where the player is in the challenge.
#[derive(Resource)]
pub struct ChallengeMode {
    /// Off for free play (every knob unlocked); on by default for a challenge.
    pub active: bool,
    /// The objectives as they stand in the current attempt.
    pub grades: Vec<ObjectiveResult>,
    /// Set when an attempt reaches its end.
    pub finished: Option<bool>,
    pub failed_attempts: u32,
    /// The playback generation the grades belong to (a restart is a new attempt).
    generation: u32,
    graded_at: f64,
    /// Real seconds the attempt has been played.
    pub real_secs: f64,
    /// The result window was closed by the player.
    dismissed: bool,
    /// The scenario the mode belongs to: another one from the picker starts afresh.
    scenario_generation: u32,
}

impl Default for ChallengeMode {
    fn default() -> Self {
        ChallengeMode {
            active: true,
            grades: Vec::new(),
            finished: None,
            failed_attempts: 0,
            generation: u32::MAX,
            graded_at: f64::NEG_INFINITY,
            real_secs: 0.0,
            dismissed: false,
            scenario_generation: 0,
        }
    }
}

/// Grades the running attempt now and then, and once at its end.
fn grade(time: Res<Time<Real>>, playback: Res<Playback>, mut mode: ResMut<ChallengeMode>) {
    let Some(challenge) = &playback.scenario.challenge else { return };
    let now = time.elapsed_secs_f64();
    if mode.scenario_generation != playback.scenario_generation {
        *mode = ChallengeMode { scenario_generation: playback.scenario_generation, ..ChallengeMode::default() };
    }
    if mode.generation != playback.generation {
        mode.generation = playback.generation;
        mode.finished = None;
        mode.dismissed = false;
        mode.real_secs = 0.0;
        mode.graded_at = f64::NEG_INFINITY;
    }
    if playback.playing && !playback.sim.is_finished() {
        mode.real_secs += time.delta_secs_f64();
    }
    let finished = playback.sim.is_finished();
    if mode.finished.is_some() || (!finished && now - mode.graded_at < GRADE_EVERY_SECS) {
        return;
    }
    mode.graded_at = now;
    let report = Report::of(&playback.sim, &playback.scenario.name);
    mode.grades = evaluate_all(&challenge.objectives, &playback.sim, &report);
    if finished {
        let passed = mode.grades.iter().all(|g| g.passed);
        if !passed {
            mode.failed_attempts += 1;
        }
        mode.finished = Some(passed);
    }
}

/// The result window at the end of an attempt.
fn draw(mut contexts: EguiContexts, playback: Res<Playback>, mut mode: ResMut<ChallengeMode>) -> Result {
    let Some(challenge) = &playback.scenario.challenge else { return Ok(()) };
    if !mode.active {
        // Free play: the side panel's knobs section offers the way back.
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    if let (Some(passed), false) = (mode.finished, mode.dismissed) {
        let mut open = true;
        egui::Window::new(if passed { "Challenge passed" } else { "Challenge failed" })
            .id(egui::Id::new("challenge-result"))
            .open(&mut open)
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
            .default_width(560.0)
            .show(ctx, |ui| result_ui(ui, challenge, &mode.grades, passed));
        if !open {
            mode.dismissed = true;
        }
    }
    Ok(())
}

/// The challenge in the side panel (in place of the free knobs): goal, timer, live
/// objectives, the allowed knobs, hints and the attempt buttons.
pub fn panel_ui(ui: &mut egui::Ui, playback: &Playback, mode: &mut ChallengeMode) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(challenge) = &playback.scenario.challenge else { return commands };
    ui.label(RichText::new(challenge.goal.trim()).strong());
    ui.add_space(4.0);
    timer_ui(ui, playback, mode);
    let warming = playback.sim.now() < playback.sim.warmup_end();
    if warming {
        ui.weak(format!(
            "Warm-up: measuring from {}.",
            playback.sim.warmup_end().since(crate::sim::kernel::time::SimTime::ZERO)
        ));
    } else {
        objectives_ui(ui, &mode.grades);
    }
    ui.add_space(4.0);
    ui.label(RichText::new("Your knobs").strong());
    for allowed in &challenge.knobs {
        if let Some(c) = knob_ui(ui, playback, allowed) {
            commands.push(c);
        }
    }
    if let Some(e) = &playback.last_error {
        ui.colored_label(Color32::from_rgb(230, 120, 90), e);
    }
    hints_ui(ui, challenge, playback, mode.failed_attempts);
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        if ui.button("Start attempt").on_hover_text("Run again from time zero with these knobs").clicked() {
            commands.push(Command::Restart { new_seed: false });
        }
        if ui.button("Show the answer").on_hover_text("Apply the reference solution (for teachers)").clicked() {
            commands.extend(challenge.reference.iter().map(|(name, value)| Command::SetKnob {
                name: name.clone(),
                value: value.clone(),
                challenge: true,
            }));
            commands.push(Command::Restart { new_seed: false });
        }
        if ui.button("Free play").on_hover_text("Leave the challenge: every knob unlocked").clicked() {
            mode.active = false;
        }
    });
    commands
}

fn timer_ui(ui: &mut egui::Ui, p: &Playback, mode: &ChallengeMode) {
    let (now, end) = (p.sim.now().as_secs_f64(), p.sim.end().as_secs_f64());
    let clock = |s: f64| format!("{}:{:02}", (s / 60.0) as u64, (s % 60.0) as u64);
    let mut text = format!("{} of {} simulated, {} real", clock(now), clock(end), clock(mode.real_secs));
    if mode.failed_attempts > 0 {
        text += &format!("; {} failed attempt(s)", mode.failed_attempts);
    }
    ui.add(egui::ProgressBar::new((now / end.max(1e-9)) as f32).text(text));
}

fn objectives_ui(ui: &mut egui::Ui, grades: &[ObjectiveResult]) {
    egui::Grid::new("objectives").num_columns(3).striped(true).show(ui, |ui| {
        for g in grades {
            let (mark, colour) = if g.passed {
                ("PASS", Color32::from_rgb(90, 200, 120))
            } else {
                ("FAIL", Color32::from_rgb(235, 90, 80))
            };
            ui.label(RichText::new(mark).strong().color(colour));
            ui.label(&g.label);
            ui.label(RichText::new(format!("{} / {}", g.measured_text, g.bound_text)).monospace());
            ui.end_row();
        }
    });
    if grades.is_empty() {
        ui.label("grading...");
    }
}

/// One allowed knob as a widget, within the challenge's range; returns the change.
fn knob_ui(ui: &mut egui::Ui, p: &Playback, allowed: &AllowedKnob) -> Option<Command> {
    let bounds = Bounds { min: allowed.min, max: allowed.max, step: allowed.step };
    let value = named_knob_ui(ui, p.sim.config(), &allowed.knob, &bounds)?;
    Some(Command::SetKnob { name: allowed.knob.clone(), value, challenge: true })
}

fn hints_ui(ui: &mut egui::Ui, challenge: &Challenge, p: &Playback, failed_attempts: u32) {
    let now = p.sim.now().since(crate::sim::kernel::time::SimTime::ZERO);
    let unlocked: Vec<&str> = challenge
        .hints
        .iter()
        .filter(|h| {
            let by_time = h.after.is_some_and(|a| now >= a);
            let by_failure = h.on_failure && failed_attempts > 0;
            let always = h.after.is_none() && !h.on_failure;
            by_time || by_failure || always
        })
        .map(|h| h.text.trim())
        .collect();
    let locked = challenge.hints.len() - unlocked.len();
    if unlocked.is_empty() && locked == 0 {
        return;
    }
    ui.separator();
    ui.label(RichText::new("Hints").strong());
    for h in unlocked {
        ui.label(format!("- {h}"));
    }
    if locked > 0 {
        ui.weak(format!("{locked} more unlock with time or after a failed attempt"));
    }
}

fn result_ui(ui: &mut egui::Ui, challenge: &Challenge, grades: &[ObjectiveResult], passed: bool) {
    objectives_ui(ui, grades);
    if !passed {
        ui.separator();
        ui.label(RichText::new("Why it failed").strong());
        for g in grades.iter().filter(|g| !g.passed) {
            ui.label(RichText::new(&g.label).strong());
            ui.label(g.why.as_deref().unwrap_or("no explanation recorded"));
        }
        ui.weak("Change a knob and press Start attempt.");
    }
    ui.separator();
    ui.label(RichText::new("Debrief").strong());
    ui.label(challenge.debrief.trim());
}
