//! Headless tests of the app: the simulation-facing plugins around a scenario, with
//! MinimalPlugins (no window, no renderer) and a fixed frame time.

use super::command::Command;
use super::playback::Playback;
use super::topology::nodes::FunctionNode;
use super::topology::pools::{BarSegment, EnvBox, max_boxes};
use crate::scenario::Scenario;
use crate::sim::kernel::time::{SimDuration, SimTime};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use std::time::Duration;

/// The app's simulation-facing plugins around `scenario` at `speed`, without a window,
/// each update one 50 ms frame (every feature's headless tests start here).
pub(super) fn headless(scenario: Scenario, speed: f64) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(50)));
    super::add_simulation_plugins(&mut app, scenario, speed);
    app
}

/// Updates until the run has ended, and once more: grading sees the finished run.
pub(super) fn play_to_end(app: &mut App) {
    for _ in 0..10_000 {
        app.update();
        if app.world().resource::<Playback>().sim.is_finished() {
            break;
        }
    }
    app.update();
}

/// The app around the default scenario at `speed`.
fn app(speed: f64) -> App {
    headless(Scenario::default_scenario(), speed)
}

/// A knob change as free play's panels send it.
fn knob(name: &str, value: &str) -> Command {
    Command::SetKnob { name: name.into(), value: value.into(), challenge: false }
}

fn playback(app: &App) -> &Playback {
    app.world().resource::<Playback>()
}

/// A key pressed for one frame (the shortcuts plugin and `ButtonInput` must be there).
fn press(app: &mut App, key: KeyCode) {
    let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
    keys.release_all();
    keys.clear();
    keys.press(key);
    app.update();
    // No InputPlugin here: end the key's "just pressed" frame by hand.
    app.world_mut().resource_mut::<ButtonInput<KeyCode>>().clear();
}

fn updates(app: &mut App, n: usize) {
    for _ in 0..n {
        app.update();
    }
}

#[test]
fn nodes_and_environment_boxes_match_the_simulation() {
    let mut app = app(100.0);
    updates(&mut app, 40); // about 200 simulated seconds: the pool has grown
    let functions = app.world_mut().query::<&FunctionNode>().iter(app.world()).count();
    assert_eq!(functions, playback(&app).sim.functions().len());
    // Boxes spawned this frame show from the next one.
    app.update();
    let environments = playback(&app).sim.functions()[0].environments() as usize;
    assert!(environments > 0);
    assert!(environments <= max_boxes(340.0), "the default scenario fits in boxes");
    let shown = app
        .world_mut()
        .query::<(&EnvBox, &Visibility)>()
        .iter(app.world())
        .filter(|(b, v)| b.function == 0 && **v != Visibility::Hidden)
        .count();
    // SyncView runs after Advance: the boxes show the state at the end of the frame.
    assert_eq!(shown, environments);
}

#[test]
fn a_knob_changes_the_running_simulation() {
    let mut app = app(10.0);
    updates(&mut app, 3);
    let generation = playback(&app).generation;
    app.world_mut().write_message(knob("api.memory", "2048"));
    app.world_mut().write_message(knob("api.provisioned", "7"));
    app.update();
    let f = &playback(&app).sim.functions()[0];
    assert_eq!(f.model.spec.memory_mb, 2048);
    assert_eq!(f.provisioned, 7);
    assert_eq!(playback(&app).generation, generation, "live knobs need no restart");
    // The scenario's configuration holds them too: a restart keeps them.
    assert_eq!(playback(&app).scenario.config.functions[0].memory_mb, 2048);
    // An out-of-range knob is refused with a reason, and the app keeps going.
    app.world_mut().write_message(knob("api.memory", "1"));
    app.update();
    assert!(playback(&app).last_error.as_deref().is_some_and(|e| e.contains("memory")));
    assert_eq!(playback(&app).sim.functions()[0].model.spec.memory_mb, 2048);
    assert_eq!(playback(&app).scenario.config.functions[0].memory_mb, 2048);
}

#[test]
fn pause_stops_simulated_time_and_step_advances_it() {
    let mut app = app(10.0);
    updates(&mut app, 5);
    let playing_at = playback(&app).sim.now();
    assert!(playing_at.0 > 0, "playing advances time");
    app.world_mut().write_message(Command::TogglePlay);
    app.update();
    let paused_at = playback(&app).sim.now();
    updates(&mut app, 10);
    assert_eq!(playback(&app).sim.now(), paused_at);
    app.world_mut().write_message(Command::Step(SimDuration::from_millis(100)));
    app.update();
    assert_eq!(playback(&app).sim.now().0, paused_at.0 + 100_000);
}

#[test]
fn restart_keeps_the_knobs_and_starts_from_zero() {
    let mut app = app(10.0);
    updates(&mut app, 5);
    let trigger = playback(&app).scenario.config.triggers[0].name().to_string();
    app.world_mut().write_message(knob(&format!("{trigger}.rate"), "3"));
    app.world_mut().write_message(knob("api.memory", "1024"));
    app.update();
    app.world_mut().write_message(Command::Restart { new_seed: false });
    app.update();
    let p = playback(&app);
    assert!(p.sim.now() <= crate::sim::kernel::time::SimTime(600_000));
    assert_eq!(p.sim.triggers()[0].arrivals.rate_scale, 3.0);
    assert_eq!(p.sim.functions()[0].model.spec.memory_mb, 1024);
    assert_eq!(p.generation, 1);
}

#[test]
fn a_large_pool_turns_into_a_stacked_bar() {
    let mut app = app(1.0);
    app.update();
    app.world_mut().write_message(knob("api.provisioned", "150"));
    updates(&mut app, 3);
    assert!(150 > max_boxes(340.0));
    let world = app.world_mut();
    let boxes = world.query::<(&EnvBox, &Visibility)>().iter(world).filter(|(_, v)| **v != Visibility::Hidden).count();
    let bars =
        world.query::<(&BarSegment, &Visibility)>().iter(world).filter(|(_, v)| **v != Visibility::Hidden).count();
    assert_eq!(boxes, 0);
    assert!(bars >= 1);
}

#[test]
fn shortcuts_pause_toggle_presenter_and_panels() {
    use super::view_state::{PanelId, ViewState};
    use bevy::input::ButtonInput;
    use bevy_egui::input::EguiWantsInput;
    let mut app = app(10.0);
    app.init_resource::<ButtonInput<KeyCode>>().init_resource::<EguiWantsInput>().add_plugins(super::shortcuts::plugin);
    app.update();
    // Input runs before ApplyCommands: a key acts in its own frame.
    press(&mut app, KeyCode::Space);
    assert!(!playback(&app).playing);
    press(&mut app, KeyCode::Equal);
    assert_eq!(playback(&app).speed, 100.0);
    use super::topology::layout::Style;
    use super::topology::nodes::Topology;
    assert_eq!(app.world().resource::<Topology>().style, Style::Normal);
    press(&mut app, KeyCode::KeyF);
    let view = app.world().resource::<ViewState>();
    assert!(view.presenter);
    // Presenter mode: the topology and the caption fill the screen, its nodes compact.
    assert!(PanelId::ALL.iter().all(|&p| !view.is_open(p)), "presenter mode starts with every panel folded");
    assert_eq!(app.world().resource::<Topology>().style, Style::Presenter);
    press(&mut app, KeyCode::Digit4);
    assert!(app.world().resource::<ViewState>().is_open(PanelId::Charts), "4 unfolds the charts");
    press(&mut app, KeyCode::KeyF);
    let view = app.world().resource::<ViewState>();
    assert!(
        view.is_open(PanelId::Knobs) && view.is_open(PanelId::Charts),
        "the working view's panels are as they were"
    );
    assert_eq!(app.world().resource::<Topology>().style, Style::Normal);
    press(&mut app, KeyCode::KeyH);
    assert!(app.world().resource::<ViewState>().help);
}

#[test]
fn opening_another_scenario_rebuilds_the_topology() {
    use super::topology::nodes::{Topology, TopologyEntity, TopologyNode};
    let mut app = app(10.0);
    updates(&mut app, 5);
    let node_count = |app: &mut App| app.world_mut().query::<&TopologyNode>().iter(app.world()).count();
    let first = node_count(&mut app);
    assert_eq!(first, app.world().resource::<Topology>().graph.nodes.len());
    let other = crate::scenario::built_in("orchestration-vs-choreography").expect("in the library").expect("valid");
    let expected = super::topology::graph::Graph::from_config(&other.config).nodes.len();
    assert_ne!(expected, first, "the test needs a scenario with another number of nodes");
    app.world_mut().write_message(Command::OpenScenario(Box::new(other.clone())));
    updates(&mut app, 3);
    assert_eq!(node_count(&mut app), expected);
    assert_eq!(playback(&app).scenario.name, other.name);
    assert!(playback(&app).sim.now().0 > 0, "the new scenario plays");
    // Pools of the old scenario's functions are gone: every pool entity belongs to a
    // function of the new one.
    let functions = playback(&app).sim.functions().len();
    let world = app.world_mut();
    assert!(world.query::<&EnvBox>().iter(world).all(|b| b.function < functions));
    assert!(world.query::<&BarSegment>().iter(world).all(|b| b.function < functions));
    let functions_shown = world.query::<&FunctionNode>().iter(world).count();
    assert_eq!(functions_shown, functions);
    assert!(world.query::<&TopologyEntity>().iter(world).count() >= expected * 2, "names and subtitles too");
}

#[test]
fn a_comparison_runs_b_in_lockstep_with_its_own_knobs() {
    let mut app = app(10.0);
    updates(&mut app, 3);
    app.world_mut().write_message(Command::Compare(true));
    let set_b = |name: &str, value: &str| Command::SetCompareKnob { name: name.into(), value: value.into() };
    app.world_mut().write_message(set_b("api.memory", "2048"));
    updates(&mut app, 10);
    let p = playback(&app);
    let b = p.compare.as_ref().expect("comparing");
    assert_eq!(p.generation, 1, "both runs started again from zero");
    assert!(p.sim.now().0 > 0);
    assert_eq!(b.sim.now(), p.sim.now(), "B advances to A's time");
    assert_eq!(b.sim.functions()[0].model.spec.memory_mb, 2048);
    assert_eq!(p.sim.functions()[0].model.spec.memory_mb, 512);
    // Same seed, same arrivals: both saw the same requests.
    assert_eq!(b.sim.requests().arrived, p.sim.requests().arrived);
    let history = app.world().resource::<super::history::History>();
    assert!(!history.compared.samples.is_empty());
    // Restart keeps both runs' knobs; stopping drops B.
    app.world_mut().write_message(Command::Restart { new_seed: false });
    app.update();
    assert_eq!(playback(&app).compare.as_ref().map(|b| b.sim.functions()[0].model.spec.memory_mb), Some(2048));
    // A knob of B that cannot change live restarts both runs, and only B has it.
    app.world_mut().write_message(set_b("account.concurrency", "500"));
    app.update();
    let p = playback(&app);
    assert_eq!(p.generation, 3);
    assert_eq!(p.compare.as_ref().map(|b| b.sim.config().account.concurrency_limit), Some(500));
    assert_eq!(p.sim.config().account.concurrency_limit, p.scenario.config.account.concurrency_limit);
    app.world_mut().write_message(Command::Compare(false));
    app.update();
    assert!(playback(&app).compare.is_none());
}

#[test]
fn a_restart_after_a_timeline_set_starts_from_the_scenarios_own_value() {
    use crate::sim::config::SimConfig;
    use crate::sim::timeline::TimelineAction;
    // At 5 minutes the timeline multiplies a trigger's rate by 4 (back to 1 at 8).
    let scenario = crate::scenario::built_in("local-state-and-caches").expect("in the library").expect("valid");
    let first_set = scenario.config.timeline.iter().find_map(|e| match &e.action {
        TimelineAction::Set { knob, value } => Some((e.at, knob.clone(), value.clone())),
        _ => None,
    });
    let Some((at, knob_name, value)) = first_set else { panic!("the scenario's timeline sets a knob") };
    assert_eq!((at.as_secs_f64(), knob_name.ends_with(".rate"), value.as_str()), (300.0, true, "4"));
    let trigger = knob_name.trim_end_matches(".rate").to_string();
    let rate = |config: &SimConfig| {
        config.rate_scale_of(config.triggers.iter().position(|t| t.name() == trigger).expect("the trigger"))
    };
    assert_eq!(rate(&scenario.config), 1.0);
    let function = format!("{}.memory", scenario.config.functions[0].name);
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(50)));
    super::add_simulation_plugins(&mut app, scenario, 100.0);
    // 5 simulated seconds a frame: 6 minutes in.
    updates(&mut app, 72);
    let p = playback(&app);
    assert!(p.sim.now().as_secs_f64() > 300.0 && p.sim.now().as_secs_f64() < 480.0);
    assert_eq!(rate(p.sim.config()), 4.0, "the timeline turned the knob");
    assert_eq!(rate(&p.scenario.config), 1.0, "in the run, not in the scenario");
    // A knob the viewer turns meanwhile is kept; the timeline's change is not.
    app.world_mut().write_message(knob(&function, "1024"));
    app.world_mut().write_message(Command::Restart { new_seed: false });
    app.update();
    let p = playback(&app);
    assert!(p.sim.now().as_secs_f64() < 10.0, "a new run");
    assert_eq!(rate(p.sim.config()), 1.0, "the restart starts from the scenario's own rate");
    assert_eq!(p.sim.config().functions[0].memory_mb, 1024);
}

#[test]
fn asynchronous_invocations_travel_and_retries_are_told_apart() {
    let scenario = crate::scenario::built_in("retries-and-idempotency").unwrap().unwrap();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(50)));
    super::add_simulation_plugins(&mut app, scenario, 100.0);
    let (mut journeys_seen, mut retries_seen) = (0, 0);
    for _ in 0..400 {
        app.update();
        let journeys = app.world().resource::<super::topology::journeys::Journeys>();
        journeys_seen = journeys_seen.max(journeys.by_request.len());
        retries_seen += journeys.by_request.values().filter(|j| j.retry).count();
    }
    // Every invocation here is asynchronous: none of them arrives over HTTP.
    assert!(journeys_seen > 0, "no dots for asynchronous invocations");
    let failed: u64 = playback(&app).sim.functions().iter().map(|f| f.counters.failed).sum();
    assert!(failed > 0, "the scenario fails attempts, which the platform retries");
    assert!(retries_seen > 0, "{failed} failed attempts, no retry drawn as such");
}

#[test]
fn a_trigger_pointed_at_another_function_is_drawn_to_it_and_a_plain_restart_redraws_nothing() {
    use super::topology::graph::NodeKind;
    use super::topology::nodes::{Topology, TopologyNode};
    let scenario = crate::scenario::built_in("function-chains").expect("in the library").expect("valid");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(50)));
    super::add_simulation_plugins(&mut app, scenario, 10.0);
    updates(&mut app, 3);
    let target_of_shoppers = |app: &App| {
        let graph = &app.world().resource::<Topology>().graph;
        let from = graph.nodes.iter().position(|n| matches!(n.kind, NodeKind::Trigger(_)) && n.name == "shoppers");
        let to = graph.edges.iter().find(|e| Some(e.0) == from).map(|e| e.1);
        to.map(|to| graph.nodes[to].name.clone())
    };
    let bodies = |app: &mut App| {
        let mut ids: Vec<Entity> =
            app.world_mut().query_filtered::<Entity, With<TopologyNode>>().iter(app.world()).collect();
        ids.sort();
        ids
    };
    assert_eq!(target_of_shoppers(&app).as_deref(), Some("checkout"));
    let before = bodies(&mut app);
    app.world_mut().write_message(Command::Restart { new_seed: true });
    updates(&mut app, 2);
    assert_eq!(bodies(&mut app), before, "the same graph: the same entities");
    // The target is not a live knob: the run restarts, and the edge follows it.
    app.world_mut().write_message(knob("shoppers.target", "place-order"));
    updates(&mut app, 2);
    assert_eq!(target_of_shoppers(&app).as_deref(), Some("place-order"));
    assert_ne!(bodies(&mut app), before);
}

#[test]
fn the_dead_letter_panel_lists_why_and_its_button_redrives_them() {
    use super::dead_letters::{dead_letters, dlq_of, redrive_now};
    use crate::sim::services::queue::redrive::FailReason;
    let scenario = crate::scenario::built_in("dlq-redrive").unwrap().unwrap();
    let mut app = App::new();
    app.add_plugins(MinimalPlugins).insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(50)));
    super::add_simulation_plugins(&mut app, scenario, 1.0);
    app.world_mut().resource_mut::<Playback>().advance(SimDuration::from_secs(17 * 60), u64::MAX);
    let sim = &playback(&app).sim;
    // Selecting the orders queue shows its DLQ; selecting the DLQ shows itself.
    assert_eq!((dlq_of(sim, 0), dlq_of(sim, 1)), (Some(1), Some(1)));
    let view = dead_letters(sim, 1);
    assert!(view.waiting > 1000, "the outage's orders wait there: {}", view.waiting);
    assert_eq!(view.rows.len(), super::dead_letters::ROWS);
    // The bad deploy's orders: AccessDenied after five receives, from the orders queue.
    let denied = view.by_reason.iter().find(|(r, _)| *r == FailReason::AccessDenied).map_or(0, |&(_, n)| n);
    assert!(denied * 10 > view.waiting * 9, "{:?}", view.by_reason);
    assert!(view.rows.iter().all(|r| r.receives == 5 && r.from == "orders"), "{:?}", view.rows[0]);
    assert_eq!(view.sources.len(), 1);
    assert_eq!((view.sources[0].waiting, view.sources[0].redriving), (view.waiting, None));
    // The button: a redrive now, through the challenge's allowed knob.
    let (name, value) = redrive_now(sim, "orders");
    app.world_mut().write_message(Command::SetKnob { name, value, challenge: true });
    app.update();
    let p = playback(&app);
    assert_eq!(p.last_error, None);
    assert_eq!(p.scenario.config.queues[0].redrive_at, SimDuration::from_secs(17 * 60));
    assert_eq!(p.sim.queues()[0].counters.redriven, view.sources[0].waiting, "all of them, at once");
    assert_eq!(dead_letters(&p.sim, 1).sources[0].waiting, 0);
}

#[test]
fn a_phones_screen_shows_the_compact_topology_and_the_charts_only() {
    use super::topology::layout::Style;
    use super::topology::nodes::Topology;
    use super::view_state::{PanelId, ViewState};
    let mut app = app(10.0);
    app.update();
    assert_eq!(app.world().resource::<Topology>().style, Style::Normal);
    // The panels set it when the window is narrower than 640 px.
    app.world_mut().resource_mut::<ViewState>().narrow = true;
    app.update();
    let view = app.world().resource::<ViewState>();
    let open: Vec<PanelId> = PanelId::ALL.into_iter().filter(|&p| view.is_open(p)).collect();
    assert_eq!(open, [PanelId::Charts]);
    assert_eq!(
        app.world().resource::<Topology>().style,
        Style::Presenter,
        "compact nodes, bands to the screen's shape"
    );
    app.world_mut().resource_mut::<ViewState>().narrow = false;
    app.update();
    assert!(app.world().resource::<ViewState>().is_open(PanelId::Knobs), "a wide window has its panels back");
}

/// Pauses, then steps to exactly `to` (the same moment in two apps, whatever their
/// frames were).
fn stop_at(app: &mut App, to: SimTime) {
    if playback(app).playing {
        app.world_mut().write_message(Command::TogglePlay);
        app.update();
    }
    let now = playback(app).sim.now();
    assert!(now <= to, "{now} is past {to}");
    app.world_mut().write_message(Command::Step(SimDuration(to.0 - now.0)));
    app.update();
    assert_eq!(playback(app).sim.now(), to);
}

/// Plays frames until simulated time `secs` is passed.
fn play_past(app: &mut App, secs: f64) {
    while playback(app).sim.now().as_secs_f64() <= secs {
        app.update();
    }
}

fn report_of(app: &App) -> String {
    let p = playback(app);
    crate::report::Report::of(&p.sim, &p.scenario.name).to_json()
}

fn at(secs: u64) -> SimTime {
    SimTime(SimDuration::from_secs(secs).0)
}

#[test]
fn going_back_in_time_and_playing_on_gives_the_straight_runs_numbers() {
    // Straight: to 400 s.
    let mut straight = app(100.0);
    play_past(&mut straight, 250.0);
    stop_at(&mut straight, at(400));
    // Played to about 300 s, back to 120 s, then on to 400 s.
    let mut scrubbed = app(100.0);
    play_past(&mut scrubbed, 300.0);
    let generation = playback(&scrubbed).generation;
    scrubbed.world_mut().write_message(Command::Seek(at(120)));
    scrubbed.update();
    let p = playback(&scrubbed);
    assert!(p.sim.now() >= at(120) && p.sim.now() < at(130), "{}", p.sim.now());
    assert_eq!((p.generation, p.run), (generation + 1, 0), "a jump, not a new run");
    // The charts' history holds nothing past the time gone back to.
    let history = scrubbed.world().resource::<super::history::History>();
    let last = history.shown.samples.last().expect("samples before 120 s are kept").t;
    assert!(last <= p.sim.now().as_secs_f64() && last > 100.0, "{last}");
    play_past(&mut scrubbed, 250.0);
    stop_at(&mut scrubbed, at(400));
    assert_eq!(report_of(&scrubbed), report_of(&straight));
    assert_eq!(playback(&scrubbed).sim.log.total(), playback(&straight).sim.log.total());
    assert_eq!(playback(&scrubbed).sim.requests().arrived, playback(&straight).sim.requests().arrived);
}

#[test]
fn a_knob_turned_live_happens_again_where_it_was_turned_after_going_back() {
    // Both apps turn memory to 2048 MB in the same frame (t0 about 60 s) and, later,
    // the reserved concurrency: the same moments, to the event.
    let run = |scrub: bool| {
        let mut app = app(100.0);
        play_past(&mut app, 60.0);
        app.world_mut().write_message(knob("api.memory", "2048"));
        app.update();
        play_past(&mut app, 200.0);
        app.world_mut().write_message(knob("api.provisioned", "3"));
        app.update();
        play_past(&mut app, 260.0);
        if scrub {
            // Between the two changes: the first is in, the second ahead (it happens
            // again at its time); then before both.
            app.world_mut().write_message(Command::Seek(at(150)));
            app.update();
            let p = playback(&app);
            assert_eq!(p.sim.functions()[0].model.spec.memory_mb, 2048);
            assert_eq!(p.sim.functions()[0].provisioned, 0);
            assert_eq!(p.tape.changes().len(), 2);
            play_past(&mut app, 230.0);
            assert_eq!(playback(&app).sim.functions()[0].provisioned, 3, "replayed at its time");
            app.world_mut().write_message(Command::Seek(at(30)));
            app.update();
            assert_eq!(playback(&app).sim.functions()[0].model.spec.memory_mb, 512);
            play_past(&mut app, 250.0);
        }
        stop_at(&mut app, at(450));
        app
    };
    let (straight, scrubbed) = (run(false), run(true));
    assert_eq!(report_of(&scrubbed), report_of(&straight));
    // The knobs as the viewer left them are the scenario's (a restart keeps them).
    assert_eq!(playback(&scrubbed).scenario.config.functions[0].memory_mb, 2048);
}

#[test]
fn a_knob_turned_after_going_back_starts_a_new_future() {
    let mut app = app(100.0);
    play_past(&mut app, 100.0);
    app.world_mut().write_message(knob("api.memory", "2048"));
    app.update();
    play_past(&mut app, 200.0);
    app.world_mut().write_message(Command::Seek(at(50)));
    app.update();
    let t0 = playback(&app).sim.now();
    app.world_mut().write_message(knob("api.memory", "1024"));
    app.update();
    let p = playback(&app);
    assert_eq!(p.tape.changes().len(), 1, "the change at 100 s is no longer ahead");
    assert_eq!(p.tape.changes()[0].at, t0);
    assert_eq!(p.tape.furthest, p.sim.now(), "nothing past the new change is on the tape");
    play_past(&mut app, 150.0);
    assert_eq!(playback(&app).sim.functions()[0].model.spec.memory_mb, 1024);
    // As a straight run with that one change at t0 (the step from 50 s took one
    // frame's worth of time, so t0 is a moment both can stop at).
    let mut straight = super::tests::app(100.0);
    play_past(&mut straight, 20.0);
    stop_at(&mut straight, t0);
    straight.world_mut().write_message(knob("api.memory", "1024"));
    straight.update();
    stop_at(&mut straight, at(300));
    stop_at(&mut app, at(300));
    assert_eq!(report_of(&app), report_of(&straight));
}

#[test]
fn after_going_back_the_caption_is_the_one_of_that_time_and_run_b_follows() {
    // A narrated scenario: its captions change along the run.
    let scenario = built_in_with_captions();
    let captions: Vec<(SimDuration, String)> = scenario
        .config
        .timeline
        .iter()
        .filter_map(|e| match &e.action {
            crate::sim::timeline::TimelineAction::Caption(text) => Some((e.at, text.clone())),
            _ => None,
        })
        .collect();
    assert!(captions.len() >= 3, "the test needs a scenario with several captions");
    let mut app = headless(scenario, 100.0);
    app.world_mut().write_message(Command::Compare(true));
    app.update();
    let last = captions.last().unwrap().0;
    play_past(&mut app, last.as_secs_f64() + 10.0);
    assert_eq!(playback(&app).sim.caption().map(|(_, t)| t.to_string()), Some(captions.last().unwrap().1.clone()));
    // Just after the second caption: that one, not the last.
    let second = SimTime(captions[1].0.0 + 1_000_000);
    app.world_mut().write_message(Command::TogglePlay);
    app.world_mut().write_message(Command::Seek(second));
    app.update();
    let p = playback(&app);
    assert_eq!(p.sim.now(), second);
    assert_eq!(p.sim.caption().map(|(_, t)| t.to_string()), Some(captions[1].1.clone()));
    let b = p.compare.as_ref().expect("still comparing");
    assert_eq!(b.sim.now(), second, "run B went back with A");
    assert_eq!(b.sim.requests().arrived, p.sim.requests().arrived);
    let history = app.world().resource::<super::history::History>();
    assert!(history.compared.samples.iter().all(|s| s.t <= second.as_secs_f64()));
}

/// A library scenario whose timeline narrates in several captions.
fn built_in_with_captions() -> Scenario {
    crate::scenario::LIBRARY
        .iter()
        .filter_map(|(name, _)| crate::scenario::built_in(name)?.ok())
        .find(|s| {
            let captions = s
                .config
                .timeline
                .iter()
                .filter(|e| matches!(e.action, crate::sim::timeline::TimelineAction::Caption(_)))
                .count();
            captions >= 3 && s.config.duration.as_secs_f64() <= 1800.0
        })
        .expect("a narrated scenario")
}

#[test]
fn the_arrow_keys_go_ten_seconds_back_and_forward() {
    use bevy::input::ButtonInput;
    use bevy_egui::input::EguiWantsInput;
    let mut app = app(100.0);
    app.init_resource::<ButtonInput<KeyCode>>().init_resource::<EguiWantsInput>().add_plugins(super::shortcuts::plugin);
    play_past(&mut app, 40.0);
    app.world_mut().write_message(Command::TogglePlay);
    app.update();
    let reached = playback(&app).sim.now();
    press(&mut app, KeyCode::ArrowLeft);
    press(&mut app, KeyCode::ArrowLeft);
    assert_eq!(playback(&app).sim.now().0, reached.0 - 20_000_000);
    press(&mut app, KeyCode::ArrowRight);
    assert_eq!(playback(&app).sim.now().0, reached.0 - 10_000_000);
    // Forward stops at the furthest time reached: it is not a fast-forward.
    press(&mut app, KeyCode::ArrowRight);
    press(&mut app, KeyCode::ArrowRight);
    assert_eq!(playback(&app).sim.now(), reached);
}
