//! The design canvas driven headless by its actions, as the panel and the picker send
//! them: a new design from the picker, edits, a refused wiring, undo and redo, Run into
//! the playback, Save.

use super::{DesignAction, DesignCanvas};
use crate::app::command::Command;
use crate::app::playback::Playback;
use crate::design::{self, DesignDoc, Kind, Node};
use crate::scenario::Scenario;
use crate::sim::function::Runtime;
use bevy::prelude::*;

fn app() -> App {
    crate::app::tests::headless(Scenario::default_scenario(), 10.0)
}

fn act(app: &mut App, action: DesignAction) {
    app.world_mut().write_message(action);
    app.update();
}

fn edit(app: &mut App, command: design::Command) {
    act(app, DesignAction::Edit(command));
}

fn canvas(app: &App) -> &DesignCanvas {
    app.world().resource::<DesignCanvas>()
}

fn doc(app: &App) -> &DesignDoc {
    canvas(app).doc.as_ref().expect("a design")
}

fn n(kind: Kind, name: &str) -> Node {
    Node::new(kind, name)
}

/// A new design from the picker, with one worker connected to the upload bucket.
fn started() -> App {
    let mut app = app();
    app.world_mut().write_message(Command::NewDesign { brief: "brief-image-upload".into() });
    app.update();
    edit(
        &mut app,
        design::Command::AddFunction {
            name: "process".into(),
            runtime: Runtime::Python,
            memory_mb: 1024,
            duration: design::parse_dist("Constant(value: \"100ms\")").expect("valid"),
        },
    );
    edit(&mut app, design::Command::Wire { from: n(Kind::Bucket, "images"), to: n(Kind::Function, "process") });
    app
}

#[test]
fn new_design_from_the_picker_opens_the_canvas_and_edits_undo_and_redo() {
    let mut app = started();
    assert!(canvas(&app).open);
    assert_eq!(doc(&app).brief_name(), "brief-image-upload");
    assert_eq!(doc(&app).parts().connect.len(), 1);
    assert!(canvas(&app).problems.is_empty(), "{:?}", canvas(&app).problems);
    // A wiring that means nothing is refused; the message says what is allowed.
    edit(&mut app, design::Command::Wire { from: n(Kind::Function, "process"), to: n(Kind::Trigger, "uploads") });
    let message = canvas(&app).message.clone().expect("refused");
    assert!(message.contains("a function is wired to what it calls"), "{message}");
    assert_eq!(doc(&app).parts().functions[0].calls.len(), 0);
    // The inspector's edit shows its problem at once, on the node.
    let process = n(Kind::Function, "process");
    edit(&mut app, design::Command::SetField { node: process.clone(), field: "memory".into(), value: "64".into() });
    assert_eq!(canvas(&app).message, None);
    let problems = doc(&app).node_problems(&process, &canvas(&app).problems);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].path, "functions[0].memory_mb");
    act(&mut app, DesignAction::Undo);
    assert!(canvas(&app).problems.is_empty());
    act(&mut app, DesignAction::Undo);
    assert!(doc(&app).parts().connect.is_empty());
    act(&mut app, DesignAction::Redo);
    assert_eq!(doc(&app).parts().connect.len(), 1);
    // Selecting a node that is then deleted drops the selection.
    act(&mut app, DesignAction::Select(Some(process.clone())));
    assert_eq!(canvas(&app).selected, Some(process.clone()));
    edit(&mut app, design::Command::Delete { node: process });
    assert_eq!(canvas(&app).selected, None);
    assert!(doc(&app).parts().connect.is_empty(), "its wires went with it");
}

#[test]
fn run_plays_the_design_merged_with_its_brief_in_the_playback() {
    let mut app = started();
    let generation = app.world().resource::<Playback>().scenario_generation;
    act(&mut app, DesignAction::Run);
    let p = app.world().resource::<Playback>();
    assert_eq!(p.scenario_generation, generation + 1);
    assert_eq!(p.scenario.name, "My design for image upload pipeline");
    assert!(p.scenario.challenge.is_some(), "the brief's challenge grades it");
    assert_eq!(p.scenario.config.functions[0].name, "process");
    assert_eq!(
        p.scenario.config.buckets.iter().find(|b| b.name == "images").and_then(|b| b.notify.clone()),
        Some("process".into())
    );
    assert!(!canvas(&app).open, "the run is shown; the design is kept");
    act(&mut app, DesignAction::Show(true));
    assert!(canvas(&app).open && canvas(&app).doc.is_some());
    // A design with problems does not run, and says why.
    edit(
        &mut app,
        design::Command::SetField { node: n(Kind::Function, "process"), field: "memory".into(), value: "64".into() },
    );
    act(&mut app, DesignAction::Run);
    assert!(canvas(&app).message.as_deref().is_some_and(|m| m.contains("cannot run yet (1 problem,")));
    assert_eq!(app.world().resource::<Playback>().scenario_generation, generation + 1);
}

#[test]
fn save_writes_a_design_file_that_reopens_as_drawn() {
    let mut app = started();
    let path = std::env::temp_dir().join(format!("faaslab-canvas-test-{}.ron", std::process::id()));
    let path_text = path.display().to_string();
    act(&mut app, DesignAction::Save { path: path_text.clone() });
    assert!(canvas(&app).message.as_deref().is_some_and(|m| m.starts_with("Saved to")), "{:?}", canvas(&app).message);
    let text = std::fs::read_to_string(&path).expect("written");
    std::fs::remove_file(&path).ok();
    let reopened = DesignDoc::from_scenario_text(&text, &path_text).expect("a design");
    assert_eq!(reopened.design(), doc(&app).design());
    assert_eq!(reopened.positions(), doc(&app).positions());
    // The command line runs the same file.
    assert!(Scenario::parse(&text, &path_text).is_ok());
}

#[test]
fn a_design_link_opens_the_canvas_on_the_same_design_and_plays_it() {
    let drawing = started();
    let fragment = super::share_fragment(doc(&drawing)).expect("a small design has a link");
    let drawn = doc(&drawing).to_ron();
    let link = crate::share::SharedRun::decode(&fragment).unwrap();
    let opening = crate::app::playback::Opening::new(Scenario::default_scenario(), Some(&fragment)).unwrap();
    let mut other = crate::app::tests::headless(opening.opened, 10.0);
    super::open_link(&mut other, &fragment).unwrap();
    assert!(canvas(&other).open);
    assert_eq!(doc(&other).to_ron(), drawn, "the link reopens the design as drawn");
    // Half drawn (the worker does none of the effects yet, but it runs): the merged scenario plays.
    assert_eq!(link.open().unwrap().name, doc(&drawing).scenario().unwrap().name);
    // A scenario's link opens no canvas.
    let mut plain = app();
    super::open_link(
        &mut plain,
        &crate::share::SharedRun {
            source: crate::share::ScenarioSource::BuiltIn("default".into()),
            seed: None,
            knobs: Vec::new(),
        }
        .encode(),
    )
    .unwrap();
    assert!(canvas(&plain).doc.is_none());
}

#[test]
fn a_flawed_design_is_compared_with_the_reference_design_on_the_same_arrivals() {
    let scenario = crate::scenario::built_in("image-upload-one-function").unwrap().unwrap();
    let mut app = crate::app::tests::headless(scenario, 200.0);
    app.update();
    app.world_mut().write_message(Command::CompareWithReference);
    for _ in 0..20 {
        app.update();
    }
    let p = app.world().resource::<Playback>();
    let b = p.compare.as_ref().expect("comparing with the reference");
    assert_eq!(b.against.as_deref(), Some("the reference design image-upload-reference"));
    let names =
        |sim: &crate::sim::Simulation| sim.functions().iter().map(|f| f.model.spec.name.clone()).collect::<Vec<_>>();
    let reference = crate::scenario::built_in("image-upload-reference").unwrap().unwrap();
    let reference_names: Vec<String> = reference.config.functions.iter().map(|f| f.name.clone()).collect();
    assert_eq!(names(&b.sim), reference_names, "run B is the reference design");
    assert_ne!(names(&p.sim), names(&b.sim));
    assert!(p.sim.now().0 > 0 && b.sim.now() == p.sim.now());
    // The brief's uploads are the same arrivals in both runs (same seed, same trigger).
    assert_eq!(p.sim.requests().arrived, b.sim.requests().arrived);
    assert_eq!(p.sim.flows().len(), 1);
    assert_eq!(b.sim.flows().len(), 1);
}
