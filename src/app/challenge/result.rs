//! The result window at the end of an attempt: the objectives, why each failed one
//! failed, and the debrief (folded away after a failure: it tells the answer).

use super::ChallengeMode;
use super::panel::objectives_ui;
use crate::app::playback::Playback;
use crate::report::objectives::ObjectiveResult;
use crate::scenario::challenge::Challenge;
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw);
}

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

fn result_ui(ui: &mut egui::Ui, challenge: &Challenge, grades: &[ObjectiveResult], passed: bool) {
    objectives_ui(ui, grades);
    if !passed {
        ui.separator();
        ui.label(RichText::new("Why it failed").strong());
        for g in grades.iter().filter(|g| !g.passed) {
            ui.label(RichText::new(&g.label).strong());
            ui.label(g.why.as_deref().unwrap_or("no explanation recorded"));
        }
        ui.weak(next_step(challenge));
    }
    ui.separator();
    if passed {
        ui.label(RichText::new("Debrief").strong());
        ui.label(challenge.debrief.trim());
    } else {
        // The debrief tells the answer: after a failure it waits, folded, for whoever
        // wants it rather than spoiling the next attempt (the CLI prints hints then).
        egui::CollapsingHeader::new("Debrief (tells the answer)")
            .id_salt("challenge-debrief")
            .default_open(false)
            .show(ui, |ui| ui.label(challenge.debrief.trim()));
    }
    // A diagnosis exercise tells its answer only once it is passed.
    if let (true, Some(d)) = (passed, &challenge.diagnosis) {
        ui.label(RichText::new(format!("The cause: {}", d.answer())).strong());
        ui.label(format!("What showed it first: {}", d.first_signal.trim()));
    }
}

/// What to do after a failed attempt: turn a knob, or (a brief, which allows none)
/// change the design.
pub(super) fn next_step(challenge: &Challenge) -> &'static str {
    if challenge.knobs.is_empty() {
        "Change the design (its file, or the design canvas) and run it again."
    } else {
        "Change a knob and press Start attempt."
    }
}
