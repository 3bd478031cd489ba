//! Grading: the running attempt's objectives now and then, and once at its end; a
//! restart is a new attempt, another scenario a new challenge.

use super::ChallengeMode;
use crate::app::AppSystems;
use crate::app::playback::Playback;
use crate::report::Report;
use crate::report::objectives::evaluate_all;
use bevy::prelude::*;

/// Real seconds between live gradings (a report walks every node: not every frame).
const GRADE_EVERY_SECS: f64 = 0.5;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, grade.in_set(AppSystems::SyncView));
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
    if mode.graded_answer != challenge.answer {
        // A diagnosis submitted (or changed): graded again, also after the run's end.
        mode.graded_answer.clone_from(&challenge.answer);
        mode.finished = None;
        mode.dismissed = false;
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
    mode.grades = evaluate_all(challenge, &playback.sim, &report);
    if finished {
        let passed = mode.grades.iter().all(|g| g.passed);
        if !passed {
            mode.failed_attempts += 1;
        }
        mode.finished = Some(passed);
    }
}
