//! The design canvas (issue 13, section 3): draw a system for a brief, see its
//! problems as you edit, and run it in the playback like any scenario. The document and
//! its rules are `crate::design::DesignDoc` (no UI there); this plugin keeps the one
//! being drawn, applies `DesignAction`s to it (from the canvas's panel, the shortcuts,
//! and the picker's `Command::NewDesign`), and `panel` draws it over the topology.

mod panel;
#[cfg(test)]
mod tests;

use super::AppSystems;
use super::command::Command;
use crate::design::{self, DesignDoc, Node};
use crate::scenario::Diagnostic;
use crate::share::{ScenarioSource, SharedRun};
use bevy::prelude::*;

/// The design state and its actions (no window needed: the headless tests use it).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<DesignCanvas>()
        .add_message::<DesignAction>()
        .add_systems(Update, (take_new_designs, apply_actions).chain().in_set(AppSystems::Input));
}

/// The canvas's drawing and its keyboard shortcuts (need egui and a keyboard).
pub(super) fn ui_plugin(app: &mut App) {
    app.add_plugins(panel::plugin);
}

/// What the canvas panel and the shortcuts ask of the design.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum DesignAction {
    /// A new, empty design for this brief (a library brief's name).
    New {
        brief: String,
    },
    /// An edit of the design (its own undo step).
    Edit(design::Command),
    Undo,
    Redo,
    /// Merge the design with its brief and play it (charts, traces, the challenge).
    Run,
    /// Write the design file (natively to this path; on the web, a download by its name).
    Save {
        path: String,
    },
    /// The path Save writes to, as typed.
    SetSavePath(String),
    /// Show (`true`) or hide the canvas; the design is kept.
    Show(bool),
    /// Select a node for the inspector (or nothing).
    Select(Option<Node>),
    /// Start wiring from this node: the next node chosen is its target.
    WireFrom(Option<Node>),
}

/// The design being drawn and the canvas's view of it.
#[derive(Resource, Default)]
pub struct DesignCanvas {
    pub doc: Option<DesignDoc>,
    /// The canvas is shown over the topology.
    pub open: bool,
    pub selected: Option<Node>,
    /// Wiring in progress: the node the next chosen node is wired from.
    pub wire_from: Option<Node>,
    /// Why the last action was refused, or what it did (saved where).
    pub message: Option<String>,
    /// The merged design's problems, worked out again after every change.
    pub problems: Vec<Diagnostic>,
    /// Where Save writes.
    pub save_path: String,
}

impl DesignCanvas {
    /// Works the problems out again (after the design changed).
    fn recheck(&mut self) {
        self.problems = self.doc.as_ref().map(DesignDoc::check).unwrap_or_default();
        // A selection or wiring that names a node no longer there is dropped.
        if let Some(doc) = &self.doc {
            for slot in [&mut self.selected, &mut self.wire_from] {
                if slot.as_ref().is_some_and(|n| doc.owner(n).is_none()) {
                    *slot = None;
                }
            }
        }
    }

    /// Applies one action; a refusal is kept in `message`.
    pub fn apply(&mut self, action: DesignAction, sent: &mut Vec<Command>) {
        let result = self.try_apply(action, sent);
        self.message = match result {
            Ok(done) => done,
            Err(e) => Some(e),
        };
    }

    fn try_apply(&mut self, action: DesignAction, sent: &mut Vec<Command>) -> Result<Option<String>, String> {
        if let DesignAction::New { brief } = &action {
            let doc = DesignDoc::new(brief, "new design").map_err(|e| e.to_string())?;
            *self = DesignCanvas {
                doc: Some(doc),
                open: true,
                save_path: default_save_path(brief),
                ..DesignCanvas::default()
            };
            self.recheck();
            return Ok(None);
        }
        let Some(doc) = self.doc.as_mut() else {
            return Err("no design: choose \"New design\" under a brief in the scenario picker".into());
        };
        let mut done = None;
        match action {
            DesignAction::New { .. } => unreachable!("handled above"),
            DesignAction::Edit(command) => {
                // A chosen node after "wire from" completes the wiring.
                doc.apply(command)?;
            }
            DesignAction::Undo => {
                if !doc.undo() {
                    return Err("nothing to undo".into());
                }
            }
            DesignAction::Redo => {
                if !doc.redo() {
                    return Err("nothing to redo".into());
                }
            }
            DesignAction::Run => {
                let scenario = doc.scenario().map_err(|e| {
                    let problems = crate::report::count(e.diagnostics.len() as u64, "problem", "problems");
                    format!("the design cannot run yet ({problems}, listed under Problems)")
                })?;
                sent.push(Command::OpenScenario(Box::new(scenario)));
                self.open = false;
            }
            DesignAction::Save { path } => {
                done = Some(save(doc, path.trim())?);
                self.save_path = path;
            }
            DesignAction::SetSavePath(path) => self.save_path = path,
            DesignAction::Show(open) => self.open = open,
            DesignAction::Select(node) => self.selected = node,
            DesignAction::WireFrom(node) => self.wire_from = node,
        }
        self.recheck();
        Ok(done)
    }
}

/// Opens a design file on the canvas (`faaslab gui --design FILE`).
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn open_file(app: &mut App, path: &std::path::Path) -> Result<(), String> {
    let doc = DesignDoc::load(path).map_err(|e| e.to_string())?;
    open_doc(app, doc, path.display().to_string());
    Ok(())
}

/// Where a design for `brief` is saved unless the user says otherwise.
pub(super) fn default_save_path(brief: &str) -> String {
    format!("my-{}-design.ron", brief.trim_start_matches("brief-"))
}

/// Opens a design on the canvas (a file, or a share link's), saved to `save_path`.
pub(super) fn open_doc(app: &mut App, doc: DesignDoc, save_path: String) {
    let mut canvas = DesignCanvas { doc: Some(doc), open: true, save_path, ..DesignCanvas::default() };
    canvas.recheck();
    app.insert_resource(canvas);
}

/// A share link of a design opens the canvas on it (a link of a scenario: nothing
/// to do here; the playback opens it).
pub(super) fn open_link(app: &mut App, fragment: &str) -> Result<(), String> {
    if let Some(doc) = SharedRun::decode(fragment)?.design()? {
        let save_path = default_save_path(doc.brief_name());
        open_doc(app, doc, save_path);
    }
    Ok(())
}

/// The design's share link (the part after `#`), or why it cannot have one.
pub(super) fn share_fragment(doc: &DesignDoc) -> Result<String, String> {
    SharedRun { source: ScenarioSource::Design(doc.to_ron()), seed: None, knobs: Vec::new() }.encode_for_sharing()
}

/// Writes the design file; says where.
#[cfg(not(target_arch = "wasm32"))]
fn save(doc: &DesignDoc, path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err("type a path to save the design to, such as my-design.ron".into());
    }
    std::fs::write(path, doc.to_ron()).map_err(|e| format!("could not save to {path}: {e}"))?;
    Ok(format!("Saved to {path}: open it with `faaslab run {path} --challenge` or the picker's file field."))
}

/// Downloads the design file (the page has no file system).
#[cfg(target_arch = "wasm32")]
fn save(doc: &DesignDoc, path: &str) -> Result<String, String> {
    let name = std::path::Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or("design.ron");
    super::web::download(name, &doc.to_ron())?;
    Ok(format!("Downloaded {name}."))
}

/// The picker's "New design" (a playback command) becomes a design action.
fn take_new_designs(mut commands: MessageReader<Command>, mut actions: MessageWriter<DesignAction>) {
    for command in commands.read() {
        if let Command::NewDesign { brief } = command {
            actions.write(DesignAction::New { brief: brief.clone() });
        }
    }
}

fn apply_actions(
    mut actions: MessageReader<DesignAction>,
    mut canvas: ResMut<DesignCanvas>,
    mut sent: MessageWriter<Command>,
) {
    let mut commands = Vec::new();
    for action in actions.read() {
        canvas.apply(action.clone(), &mut commands);
    }
    sent.write_batch(commands);
}
