//! Progress in the app, headless: a pass in challenge mode is recorded with the run's
//! own numbers, saved, reloaded; the reference runs once for the star; a design counts
//! on its brief; free play and failures do not count; a bad file is kept aside.

use super::{ProgressState, Store};
use crate::app::challenge::ChallengeMode;
use crate::app::playback::Playback;
use crate::app::tests::{headless, play_to_end};
use crate::headless::{RunOptions, run};
use crate::progress::load;
use crate::report::Report;
use crate::scenario::{Scenario, built_in};
use bevy::prelude::*;
use std::path::{Path, PathBuf};

fn file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faaslab-app-progress-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    dir.join("progress.json")
}

/// The app on `scenario`, its record kept at `path`.
fn app_with(scenario: Scenario, path: &Path) -> App {
    let mut app = headless(scenario, 1000.0);
    app.insert_resource(ProgressState::open(Store::File(path.to_path_buf())));
    app
}

/// Plays to the end, then until the reference run (if any) has finished.
fn finish(app: &mut App) {
    play_to_end(app);
    for _ in 0..1000 {
        app.update();
        if app.world().resource::<ProgressState>().reference.is_none() {
            return;
        }
    }
    panic!("the reference run finishes");
}

fn tuning(memory: &str) -> Scenario {
    let mut s = built_in("memory-power-tuning").unwrap().unwrap();
    s.set_challenge_knob("resize.memory", memory).unwrap();
    s
}

/// The reference's cost on the scenario's own seed, as `faaslab run --reference` has it.
fn reference_cost(name: &str) -> f64 {
    let s = built_in(name).unwrap().unwrap();
    run(s, &RunOptions { reference: true, ..RunOptions::default() }).unwrap().report.cost.per_month_usd
}

#[test]
fn a_pass_is_saved_with_its_numbers_and_a_cheaper_one_than_the_reference_earns_the_star() {
    let path = file("star");
    // The reference's own setting (1536 MB) passes, but ties with the reference: no star.
    let mut app = app_with(tuning("1536"), &path);
    finish(&mut app);
    let p = app.world().resource::<Playback>();
    assert_eq!(app.world().resource::<ChallengeMode>().finished, Some(true));
    let cost = Report::of(&p.sim, &p.scenario.name).cost.per_month_usd;
    let saved = load(&path);
    assert_eq!(saved.problem, None);
    let c = saved.progress.get("memory-power-tuning").expect("recorded under the library name");
    let seed = p.scenario.config.seed;
    assert_eq!((c.best.seed, c.best.cost_per_month_usd), (seed, cost));
    assert_eq!(c.best.knobs, [("resize.memory".to_string(), "1536".to_string())]);
    let latency = c.best.latency.as_ref().expect("the challenge grades a latency");
    assert_eq!(latency.label, "p99 latency of uploads");
    assert_eq!(c.reference_by_seed.get(&seed), Some(&reference_cost("memory-power-tuning")));
    assert_eq!(cost, c.reference_by_seed[&seed], "the app's run of the reference's knobs is the headless one");
    assert!(!c.star);
    // 1408 MB passes for less (the audit's cheapest): the new best, with the star, and
    // the reference is not run again for the same seed.
    let mut app = app_with(tuning("1408"), &path);
    finish(&mut app);
    let reloaded = ProgressState::open(Store::File(path.to_path_buf()));
    assert_eq!(reloaded.message, None);
    let c = reloaded.progress.get("memory-power-tuning").unwrap();
    assert!(c.star, "{c:?}");
    assert!(c.best.cost_per_month_usd < c.reference_by_seed[&seed]);
    assert_eq!(c.best.knobs[0].1, "1408");
    assert_eq!(c.cheapest_by_seed.len(), 1);
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

#[test]
fn a_design_counts_on_its_brief_and_free_play_and_failures_do_not_count() {
    let path = file("design");
    let (name, _) =
        crate::scenario::DESIGNS.iter().find(|(n, _)| n.ends_with("-reference")).expect("a reference design");
    let design = built_in(name).unwrap().unwrap();
    let brief = crate::progress::challenge_key(&design).unwrap();
    let mut app = app_with(design, &path);
    finish(&mut app);
    assert_eq!(app.world().resource::<ChallengeMode>().finished, Some(true), "{name} passes its brief");
    let c = load(&path).progress.get(&brief).cloned().expect("recorded on the brief");
    // The brief's reference is this very design: same seed, same cost, no star.
    assert_eq!(c.reference_by_seed.get(&c.best.seed), Some(&c.best.cost_per_month_usd));
    assert!(!c.star);
    // The naive start fails: nothing recorded.
    let other = file("naive");
    let mut app = app_with(built_in("memory-power-tuning").unwrap().unwrap(), &other);
    finish(&mut app);
    assert_eq!(app.world().resource::<ChallengeMode>().finished, Some(false));
    assert!(!other.exists() && app.world().resource::<ProgressState>().progress.challenges.is_empty());
    // Free play: any knob may turn, so a pass there is not a challenge's.
    let mut app = app_with(tuning("1536"), &other);
    app.world_mut().resource_mut::<ChallengeMode>().active = false;
    finish(&mut app);
    assert!(!other.exists());
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

#[test]
fn a_corrupted_record_is_kept_aside_and_said_so_and_the_next_pass_starts_a_new_one() {
    let path = file("corrupt");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "not json").unwrap();
    let mut app = app_with(tuning("1536"), &path);
    let message = app.world().resource::<ProgressState>().message.clone().expect("a message");
    assert!(message.contains("progress.json.bad"), "{message}");
    assert_eq!(std::fs::read_to_string(path.with_file_name("progress.json.bad")).unwrap(), "not json");
    finish(&mut app);
    assert!(load(&path).progress.get("memory-power-tuning").is_some());
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}

#[test]
fn the_record_exports_as_json() {
    use crate::app::command::{Command, Export};
    use crate::app::export::ExportDir;
    let path = file("export");
    let dir = path.parent().unwrap().join("out");
    std::fs::create_dir_all(&dir).unwrap();
    let mut app = app_with(tuning("1536"), &path);
    app.insert_resource(ExportDir(dir.clone()));
    finish(&mut app);
    app.world_mut().write_message(Command::Export(Export::ProgressJson));
    app.update();
    let text = std::fs::read_to_string(dir.join("faaslab-progress.json")).expect("written");
    let exported = crate::progress::Progress::from_json(&text).unwrap();
    assert_eq!(exported, load(&path).progress);
    assert!(text.contains("\"memory-power-tuning\""));
    std::fs::remove_dir_all(path.parent().unwrap()).ok();
}
