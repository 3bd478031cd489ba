//! The challenge in the side panel (in place of the free knobs): goal, timer, live
//! objectives, the allowed knobs, hints and the attempt buttons.

use super::ChallengeMode;
use crate::app::command::Command;
use crate::app::context::{Panel, PanelContext};
use crate::app::playback::Playback;
use crate::app::theme::knob::{Bounds, named_knob_ui};
use crate::app::theme::palette;
use crate::app::theme::widgets::error_ui;
use crate::report::objectives::ObjectiveResult;
use crate::scenario::challenge::{AllowedKnob, Challenge};
use crate::sim::kernel::time::SimTime;
use bevy_egui::egui::{self, RichText};

impl Panel for ChallengeMode {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let p = cx.playback;
        let Some(challenge) = &p.scenario.challenge else { return };
        ui.label(RichText::new(challenge.goal.trim()).strong());
        ui.add_space(4.0);
        timer_ui(ui, p, self);
        if p.sim.now() < p.sim.warmup_end() {
            ui.weak(format!("Warm-up: measuring from {}.", p.sim.warmup_end().since(SimTime::ZERO)));
        } else {
            objectives_ui(ui, &self.grades);
        }
        ui.add_space(4.0);
        ui.label(RichText::new("Your knobs").strong());
        if challenge.knobs.is_empty() {
            ui.weak("none: this challenge is answered by a design (its file, or the design canvas)");
        }
        for allowed in &challenge.knobs {
            if let Some(c) = knob_ui(ui, p, allowed) {
                cx.send(c);
            }
        }
        error_ui(ui, p.last_error.as_deref());
        hints_ui(ui, challenge, p, self.failed_attempts);
        ui.add_space(4.0);
        ui.horizontal_wrapped(|ui| {
            if ui.button("Start attempt").on_hover_text("Run again from time zero with these knobs").clicked() {
                cx.send(Command::Restart { new_seed: false });
            }
            if ui.button("Show the answer").on_hover_text("Apply the reference solution (for teachers)").clicked() {
                for (name, value) in &challenge.reference {
                    cx.send(Command::SetKnob { name: name.clone(), value: value.clone(), challenge: true });
                }
                // A diagnosis exercise's answer is its diagnosis, as `--reference` gives it.
                if let Some(d) = &challenge.diagnosis {
                    cx.send(Command::Diagnose(d.answer().to_string()));
                }
                cx.send(Command::Restart { new_seed: false });
            }
            if ui.button("Free play").on_hover_text("Leave the challenge: every knob unlocked").clicked() {
                self.active = false;
            }
        });
    }
}

fn timer_ui(ui: &mut egui::Ui, p: &Playback, mode: &ChallengeMode) {
    let (now, end) = (p.sim.now().as_secs_f64(), p.sim.end().as_secs_f64());
    let clock = |s: f64| format!("{}:{:02}", (s / 60.0) as u64, (s % 60.0) as u64);
    let text = format!("{} of {} simulated, {} real", clock(now), clock(end), clock(mode.real_secs));
    ui.add(egui::ProgressBar::new((now / end.max(1e-9)) as f32).text(text));
    // Under the bar: inside it, the count ran past the side panel's edge.
    if mode.failed_attempts > 0 {
        ui.weak(format!("{} so far", crate::report::count(mode.failed_attempts, "failed attempt", "failed attempts")));
    }
}

/// The objectives with their verdict, measured value and bound.
pub(super) fn objectives_ui(ui: &mut egui::Ui, grades: &[ObjectiveResult]) {
    // Each objective's value under its name: the side panel has a maximum width, and a
    // flow's value is long; a third column wrapped it a word a line.
    egui::Grid::new("objectives").num_columns(2).striped(true).show(ui, |ui| {
        for g in grades {
            let (mark, colour) = if g.passed { ("PASS", palette::PASS) } else { ("FAIL", palette::FAIL) };
            ui.label(RichText::new(mark).strong().color(colour));
            ui.vertical(|ui| {
                ui.label(&g.label);
                ui.label(RichText::new(format!("{} / {}", g.measured_text, g.bound_text)).monospace());
            });
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
    let now = p.sim.now().since(SimTime::ZERO);
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
