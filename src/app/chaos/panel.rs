//! The Chaos section of the side panel: a row per switch, with its target (the
//! selected node when it is of the right kind, or one chosen from a list) and a button
//! that switches the fault on, or off again.

use super::Switch;
use crate::app::command::Command;
use crate::app::context::{Panel, PanelContext};
use crate::app::theme::palette;
use crate::app::theme::widgets::long_list_ui;
use crate::app::topology::graph::NodeKind;
use bevy_egui::egui::{self, RichText};

/// The target chosen for each switch (an index into its `targets`).
#[derive(Default)]
pub struct ChaosPanel {
    chosen: [usize; Switch::ALL.len()],
    /// The node selected when the targets last followed the selection.
    followed: Option<usize>,
}

impl ChaosPanel {
    /// A newly selected database, function or trigger becomes its switch's target.
    fn follow_selection(&mut self, cx: &PanelContext) {
        let Some(selected) = cx.view.selected_node else { return };
        if self.followed == Some(selected) {
            return;
        }
        self.followed = Some(selected);
        let Some(node) = cx.topology.and_then(|t| t.graph.nodes.get(selected)) else { return };
        let switch = match node.kind {
            NodeKind::Database => Switch::SlowDatabase,
            NodeKind::Function => Switch::FailFunction,
            NodeKind::Trigger(_) => Switch::Burst,
            _ => return,
        };
        let k = Switch::ALL.iter().position(|&s| s == switch).unwrap_or(0);
        self.chosen[k] = node.index;
    }
}

impl Panel for ChaosPanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        self.follow_selection(cx);
        ui.label(
            RichText::new("Break something while it runs (each switch is a timeline fault at the current time):")
                .small(),
        );
        let mut sent = Vec::new();
        egui::Grid::new("chaos-switches").num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
            for (k, switch) in Switch::ALL.into_iter().enumerate() {
                let p = cx.playback;
                let targets = switch.targets(&p.sim);
                if switch != Switch::ThrottleAccount && targets.is_empty() {
                    continue;
                }
                let chosen = self.chosen[k].min(targets.len().saturating_sub(1));
                let target = targets.get(chosen).cloned().unwrap_or_default();
                let on = switch.is_on(&p.sim, &p.scenario, &target);
                let text = if on { format!("Switch off: {}", switch.label()) } else { switch.label().to_string() };
                let mut button = egui::Button::new(RichText::new(text).strong());
                if on {
                    button = button.fill(palette::egui(palette::THROTTLED).gamma_multiply(0.5));
                }
                if ui.add(button).on_hover_text(switch.explain()).clicked() {
                    sent.push(switch.action(!on, &p.scenario, &target));
                }
                if targets.is_empty() {
                    ui.label(RichText::new("the whole account").small());
                } else {
                    let mut index = chosen;
                    egui::ComboBox::from_id_salt(("chaos-target", k)).selected_text(&target).show_ui(ui, |ui| {
                        long_list_ui(ui, targets.len(), |ui, i| {
                            ui.selectable_value(&mut index, i, &targets[i]);
                        });
                    });
                    self.chosen[k] = index;
                }
                ui.end_row();
            }
        });
        for action in sent {
            cx.send(Command::Inject(action));
        }
    }
}
