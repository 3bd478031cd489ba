//! Challenge mode: the scenario's objectives with live pass/fail (`grade`), the knobs
//! the challenge allows (the rest are locked), hints that unlock with time or after a
//! failed attempt, a timer (`panel`), and a result window with the debrief and, for each
//! failed objective, the node and mechanism responsible (`result`).

mod grade;
pub mod panel;
mod result;
#[cfg(test)]
mod tests;

use crate::report::objectives::ObjectiveResult;
use crate::scenario::diagnosis::Answer;
use bevy::prelude::*;

/// The mode and its grading (no window needed: the headless tests use it).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ChallengeMode>().add_plugins(grade::plugin);
}

/// The result window (needs egui).
pub(super) fn ui_plugin(app: &mut App) {
    app.add_plugins(result::plugin);
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
    /// When the grades were last worked out, in real seconds.
    graded_at: f64,
    /// Real seconds the attempt has been played.
    pub real_secs: f64,
    /// The result window was closed by the player.
    dismissed: bool,
    /// The scenario the mode belongs to: another one from the picker starts afresh.
    scenario_generation: u32,
    /// The diagnosis the grades were worked out with (a new one is graded again).
    graded_answer: Option<Answer>,
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
            graded_answer: None,
        }
    }
}
