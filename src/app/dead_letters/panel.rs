//! The dead-letter window: while a queue with a DLQ (or a DLQ) is selected, what waits
//! in the DLQ, why, and a Redrive button per source queue.

use super::{ROWS, dead_letters, dlq_of, redrive_now};
use crate::app::command::Command;
use crate::app::context::{Panel, PanelContext};
use crate::app::theme::palette;
use crate::app::theme::widgets::values_ui;
use crate::app::topology::graph::NodeKind;
use bevy_egui::egui::{self, RichText};

/// A window below the node's details. `challenge_mode`: the Redrive button is a knob
/// change, limited to the challenge's allowed knobs as the challenge's own sliders are.
pub struct DeadLettersWindow {
    pub challenge_mode: bool,
}

impl Panel for DeadLettersWindow {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let Some(topology) = cx.topology else { return };
        let Some(node) = cx.view.selected_node.and_then(|i| topology.graph.nodes.get(i)) else { return };
        if node.kind != NodeKind::Queue {
            return;
        }
        let sim = &cx.playback.sim;
        let Some(dlq) = dlq_of(sim, node.index) else { return };
        let view = dead_letters(sim, dlq);
        let mut redrive = None;
        egui::Window::new(format!("Dead letters: {}", view.dlq))
            .id(egui::Id::new("dead-letters"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -12.0))
            .resizable(false)
            .show(ui.ctx(), |ui| {
                let reasons: Vec<String> = view.by_reason.iter().map(|(r, n)| format!("{n} {}", r.word())).collect();
                values_ui(
                    ui,
                    "dead-letter-counts",
                    &[
                        ("waiting", view.waiting.to_string()),
                        ("why", if reasons.is_empty() { "-".into() } else { reasons.join(", ") }),
                    ],
                );
                for source in &view.sources {
                    ui.horizontal(|ui| {
                        if let Some(left) = source.redriving {
                            ui.label(format!("Redriving into {}: {left} left to move", source.queue));
                        } else {
                            let button = egui::Button::new(format!("Redrive {} to {}", source.waiting, source.queue));
                            let clicked = ui
                                .add_enabled(source.waiting > 0, button)
                                .on_hover_text(
                                    "Move these dead letters back to their source queue as new messages (received zero times). Fix what failed them first, or they come straight back.",
                                )
                                .clicked();
                            if clicked {
                                redrive = Some(source.queue.clone());
                            }
                        }
                    });
                }
                if view.rows.is_empty() {
                    return;
                }
                ui.separator();
                let shown = if view.waiting as usize > ROWS { format!(" (the oldest {ROWS})") } else { String::new() };
                ui.label(RichText::new(format!("Messages, oldest first{shown}")).strong());
                egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
                    egui::Grid::new("dead-letter-rows").num_columns(5).striped(true).show(ui, |ui| {
                        for title in ["message", "why", "received", "waited", "from"] {
                            ui.label(RichText::new(title).strong());
                        }
                        ui.end_row();
                        for row in &view.rows {
                            ui.label(RichText::new(format!("#{}", row.id)).monospace());
                            let why = row.reason.map_or("-", |r| r.word());
                            ui.label(RichText::new(why).color(palette::egui(palette::FAILED)));
                            ui.label(RichText::new(row.receives.to_string()).monospace());
                            ui.label(RichText::new(format!("{:.0} s", row.waited.as_secs_f64())).monospace());
                            ui.label(&row.from);
                            ui.end_row();
                        }
                    });
                });
            });
        if let Some(queue) = redrive {
            let (name, value) = redrive_now(sim, &queue);
            cx.send(Command::SetKnob { name, value, challenge: self.challenge_mode });
        }
    }
}
