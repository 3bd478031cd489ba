//! Headless tests of the Diagnose panel's answer reaching the challenge's grading.

use super::DiagnosePanel;
use crate::app::challenge::ChallengeMode;
use crate::app::command::Command;
use crate::app::playback::Playback;
use crate::app::tests::{headless, play_to_end};
use crate::scenario::diagnosis::Cause;
use bevy::prelude::*;

fn incident() -> App {
    let scenario = crate::scenario::built_in("incident-checkout-latency").unwrap().unwrap();
    headless(scenario, 1000.0)
}

fn verdict(app: &App) -> (Option<bool>, u32) {
    let mode = app.world().resource::<ChallengeMode>();
    (mode.finished, mode.failed_attempts)
}

#[test]
fn a_submitted_diagnosis_is_graded_after_the_run_and_a_wrong_one_fails() {
    let mut app = incident();
    play_to_end(&mut app);
    assert_eq!(verdict(&app), (Some(false), 1), "no answer yet");
    // The panel's pickers make the command; a wrong answer is graded as a failure.
    let wrong = DiagnosePanel { node: Some("payments".into()), cause: Some(Cause::RetryStorm) };
    app.world_mut().write_message(wrong.submission().unwrap());
    app.update();
    app.update();
    assert_eq!(verdict(&app), (Some(false), 2));
    let grade = &app.world().resource::<ChallengeMode>().grades[0];
    assert_eq!(grade.measured_text, "payments:retry-storm");
    assert!(!grade.why.as_deref().unwrap_or_default().contains("inventory-db"), "the answer stays hidden");
    let right = DiagnosePanel { node: Some("inventory-db".into()), cause: Some(Cause::SlowDependency) };
    app.world_mut().write_message(right.submission().unwrap());
    app.update();
    app.update();
    assert_eq!(verdict(&app), (Some(true), 2));
}

#[test]
fn an_unknown_node_is_refused_with_the_valid_ones() {
    let mut app = incident();
    assert!(DiagnosePanel { node: None, cause: Some(Cause::ColdStarts) }.submission().is_none(), "pick both");
    app.world_mut().write_message(Command::Diagnose("inventory:slow-dependency".into()));
    app.update();
    let error = app.world().resource::<Playback>().last_error.clone().unwrap_or_default();
    assert!(error.contains("no node \"inventory\"") && error.contains("inventory-db"), "{error}");
    let challenge = app.world().resource::<Playback>().scenario.challenge.clone().unwrap();
    assert_eq!(challenge.answer, None);
}
