//! One signature for every panel, as egui's demo `View::ui` and rerun's viewer
//! context: a panel is a struct holding only its own UI state, and its `ui` gets the
//! shared state in a `PanelContext`: the run to read, the viewer's choices, and an
//! outbox for the commands it asks of the playback.

use super::command::Command;
use super::history::History;
use super::playback::Playback;
use super::progress::ProgressState;
use super::topology::graph::NodeKind;
use super::topology::nodes::Topology;
use super::view_state::ViewState;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui;

/// A panel, a window or a section of one.
pub trait Panel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext);
}

/// What every panel is given.
pub struct PanelContext<'a> {
    /// The run, read only: panels change it through `commands`.
    pub playback: &'a Playback,
    /// Samples of the run (and of run B) for the charts.
    pub history: &'a History,
    /// The topology's graph, once built.
    pub topology: Option<&'a Topology>,
    pub view: &'a mut ViewState,
    /// Challenges passed (the picker shows them).
    pub progress: &'a ProgressState,
    /// Commands for the playback, sent when the frame's panels are drawn.
    pub commands: Vec<Command>,
}

impl PanelContext<'_> {
    pub fn send(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// The function selected on the canvas, if the selected node is one.
    pub fn selected_function(&self) -> Option<usize> {
        let node = self.topology?.graph.nodes.get(self.view.selected_node?)?;
        (node.kind == NodeKind::Function).then_some(node.index)
    }
}

/// The resources a `PanelContext` borrows, for the system that draws the panels.
#[derive(SystemParam)]
pub struct PanelResources<'w> {
    playback: Res<'w, Playback>,
    history: Res<'w, History>,
    topology: Option<Res<'w, Topology>>,
    view: ResMut<'w, ViewState>,
    progress: Res<'w, ProgressState>,
}

impl PanelResources<'_> {
    pub fn context(&mut self) -> PanelContext<'_> {
        PanelContext {
            playback: &self.playback,
            history: &self.history,
            topology: self.topology.as_deref(),
            view: &mut self.view,
            progress: &self.progress,
            commands: Vec::new(),
        }
    }
}
