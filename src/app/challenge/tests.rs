//! Headless tests of challenge mode and timeline captions (MinimalPlugins, no window).

use super::ChallengeMode;
use crate::app::captions::Captions;
use crate::app::command::Command;
use crate::app::playback::Playback;
use crate::scenario::Scenario;
use crate::sim::kernel::time::SimDuration;
use crate::sim::timeline::{TimelineAction, TimelineEntry};
use bevy::prelude::*;

use crate::app::tests::{headless, play_to_end};

/// A knob change as the challenge panel (`challenge: true`) or free play sends it.
fn knob(name: &str, value: &str, challenge: bool) -> Command {
    Command::SetKnob { name: name.into(), value: value.into(), challenge }
}

fn last_error(app: &App) -> Option<String> {
    app.world().resource::<Playback>().last_error.clone()
}

#[test]
fn a_failed_attempt_then_a_passing_one_with_an_allowed_knob() {
    let scenario = crate::scenario::built_in("memory-power-tuning").unwrap().unwrap();
    let mut app = headless(scenario, 1000.0);
    play_to_end(&mut app);
    let mode = app.world().resource::<ChallengeMode>();
    assert_eq!(mode.finished, Some(false), "128 MB is too slow");
    assert_eq!(mode.failed_attempts, 1);
    let latency = &mode.grades[0];
    assert!(!latency.passed && latency.why.as_deref().is_some_and(|w| w.contains("resize")));
    // A locked knob is refused with the reason; an allowed one applies.
    app.world_mut().write_message(knob("resize.timeout", "5s", true));
    app.update();
    let error = last_error(&app).unwrap_or_default();
    assert!(error.contains("locked"), "{error}");
    app.world_mut().write_message(knob("resize.memory", "1536", true));
    app.world_mut().write_message(Command::Restart { new_seed: false });
    app.update();
    let p = app.world().resource::<Playback>();
    assert_eq!(p.sim.config().functions[0].memory_mb, 1536);
    assert!(p.sim.now().0 < 1_000_000_000, "a new attempt starts from zero");
    assert_eq!(app.world().resource::<ChallengeMode>().finished, None);
    play_to_end(&mut app);
    let mode = app.world().resource::<ChallengeMode>();
    assert_eq!(mode.finished, Some(true), "{:?}", mode.grades);
    assert_eq!(mode.failed_attempts, 1);
}

#[test]
fn another_scenario_from_the_picker_starts_its_challenge_afresh() {
    let scenario = crate::scenario::built_in("memory-power-tuning").unwrap().unwrap();
    let mut app = headless(scenario, 1000.0);
    play_to_end(&mut app);
    app.world_mut().resource_mut::<ChallengeMode>().active = false;
    assert_eq!(app.world().resource::<ChallengeMode>().failed_attempts, 1);
    let next = crate::scenario::built_in("database-storm").unwrap().unwrap();
    app.world_mut().write_message(Command::OpenScenario(Box::new(next)));
    app.update();
    app.update();
    let mode = app.world().resource::<ChallengeMode>();
    assert_eq!((mode.failed_attempts, mode.finished, mode.active), (0, None, true));
}

#[test]
fn free_play_knobs_by_name_reach_the_simulation_live_or_by_restart() {
    let scenario = crate::scenario::built_in("database-storm").unwrap().unwrap();
    let mut app = headless(scenario, 10.0);
    for _ in 0..20 {
        app.update();
    }
    assert!(app.world().resource::<Playback>().sim.now().0 > 0);
    // The pooler is not a live knob: the run restarts with it.
    app.world_mut().write_message(knob("orders-db.pooler", "40", false));
    app.update();
    let p = app.world().resource::<Playback>();
    assert_eq!(p.last_error, None);
    assert_eq!(p.sim.config().databases[0].pooler.as_ref().map(|p| p.pool_size), Some(40));
    assert!(p.sim.now().0 < 1_000_000_000, "restarted from zero, at {:?}", p.sim.now());
    // Switched off again ("none"), and a timeout the challenge does not allow.
    app.world_mut().write_message(knob("orders-db.pooler", "none", false));
    app.world_mut().write_message(knob("orders-api.timeout", "5s", false));
    app.update();
    let p = app.world().resource::<Playback>();
    assert_eq!(p.last_error, None);
    assert!(p.sim.config().databases[0].pooler.is_none());
    assert_eq!(p.sim.config().functions[0].timeout, SimDuration::from_secs(5));
    // The same knob from the challenge panel is locked.
    app.world_mut().write_message(knob("orders-api.timeout", "6s", true));
    app.update();
    let error = last_error(&app);
    assert!(error.as_deref().is_some_and(|e| e.contains("locked")), "{error:?}");
    assert_eq!(app.world().resource::<Playback>().sim.config().functions[0].timeout, SimDuration::from_secs(5));
}

#[test]
fn out_of_range_challenge_knobs_are_refused() {
    let scenario = crate::scenario::built_in("memory-power-tuning").unwrap().unwrap();
    let mut app = headless(scenario, 1.0);
    app.world_mut().write_message(knob("resize.memory", "20000", true));
    app.update();
    let error = last_error(&app);
    assert!(error.as_deref().is_some_and(|e| e.contains("128..10240")), "{error:?}");
    assert_eq!(app.world().resource::<Playback>().sim.config().functions[0].memory_mb, 128);
}

#[test]
fn captions_appear_on_time_and_can_pause_the_playback() {
    let mut scenario = Scenario::default_scenario();
    let caption = |secs, text: &str| TimelineEntry {
        at: SimDuration::from_secs(secs),
        action: TimelineAction::Caption(text.into()),
    };
    scenario.config.timeline = vec![caption(2, "first"), caption(4, "second")];
    let mut app = headless(scenario, 10.0);
    app.world_mut().resource_mut::<Captions>().pause_at_each = true;
    for _ in 0..20 {
        app.update();
    }
    let p = app.world().resource::<Playback>();
    assert_eq!(p.sim.caption().map(|(_, t)| t), Some("first"));
    assert!(!p.playing, "paused at the caption");
    let paused_at = p.sim.now();
    app.update();
    assert_eq!(app.world().resource::<Playback>().sim.now(), paused_at);
    app.world_mut().write_message(Command::TogglePlay);
    for _ in 0..20 {
        app.update();
    }
    let p = app.world().resource::<Playback>();
    assert_eq!(p.sim.caption().map(|(_, t)| t), Some("second"));
    assert!(!p.playing);
}

#[test]
fn after_a_failure_a_brief_asks_for_a_design_change_and_a_knob_challenge_for_a_knob() {
    let next = |name: &str| {
        let scenario = crate::scenario::built_in(name).unwrap().unwrap();
        super::result::next_step(scenario.challenge.as_ref().unwrap())
    };
    assert!(next("memory-power-tuning").contains("Change a knob"));
    // A brief allows no knobs: its answer is a design.
    assert!(next("read-api-defaults").contains("Change the design"));
    assert!(next("brief-image-upload").contains("Change the design"));
}
