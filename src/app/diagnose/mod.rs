//! The Diagnose panel of an observability exercise (a challenge with a `diagnosis`
//! block): pick the node and the mechanism behind the incident, Submit, and the
//! challenge's grading takes the answer (`Command::Diagnose`), also after the run has
//! ended. The right answer stays hidden until the result window's debrief.

#[cfg(test)]
mod tests;

use crate::app::command::Command;
use crate::app::context::{Panel, PanelContext};
use crate::app::theme::palette;
use crate::scenario::diagnosis::{Cause, node_names};
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<DiagnosePanel>();
}

/// The pickers' choices (UI state only: the submitted answer lives in the challenge).
#[derive(Resource, Default)]
pub struct DiagnosePanel {
    pub node: Option<String>,
    pub cause: Option<Cause>,
}

impl DiagnosePanel {
    /// Whether the open scenario asks for a diagnosis (the panel is shown only then).
    pub fn asked(cx: &PanelContext) -> bool {
        cx.playback.scenario.challenge.as_ref().is_some_and(|c| c.diagnosis.is_some())
    }

    /// The command Submit sends, once a node and a cause are picked.
    pub fn submission(&self) -> Option<Command> {
        Some(Command::Diagnose(format!("{}:{}", self.node.as_ref()?, self.cause?)))
    }
}

impl Panel for DiagnosePanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let scenario = &cx.playback.scenario;
        let Some(challenge) = &scenario.challenge else { return };
        ui.label(
            "Which node is the incident's cause, and by which mechanism? Read the traces, the log and the numbers.",
        );
        let nodes = node_names(&scenario.config);
        // A node picked in another scenario (the picker opened this one) is no choice here.
        if self.node.as_deref().is_some_and(|n| !nodes.contains(&n)) {
            self.node = None;
        }
        egui::Grid::new("diagnose").num_columns(2).show(ui, |ui| {
            ui.label("Node");
            let shown = self.node.as_deref().unwrap_or("pick a node");
            egui::ComboBox::from_id_salt("diagnose-node").selected_text(shown).show_ui(ui, |ui| {
                for n in &nodes {
                    ui.selectable_value(&mut self.node, Some(n.to_string()), *n);
                }
            });
            ui.end_row();
            ui.label("Mechanism");
            let shown = self.cause.map_or("pick a mechanism", Cause::word);
            egui::ComboBox::from_id_salt("diagnose-cause").selected_text(shown).show_ui(ui, |ui| {
                for c in Cause::ALL {
                    ui.selectable_value(&mut self.cause, Some(c), c.word());
                }
            });
            ui.end_row();
        });
        let submission = self.submission();
        let button = ui.add_enabled(submission.is_some(), egui::Button::new("Submit diagnosis"));
        if let (true, Some(command)) = (button.clicked(), submission) {
            cx.send(command);
        }
        match &challenge.answer {
            Some(given) => {
                ui.label(RichText::new(format!("Submitted: {given}")).color(palette::egui(palette::BUSY)));
                if !cx.playback.sim.is_finished() {
                    ui.weak("It is graded when the run ends (change it until then, or after).");
                }
            }
            None => {
                ui.weak("No diagnosis submitted yet.");
            }
        }
    }
}
