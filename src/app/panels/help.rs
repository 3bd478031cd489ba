//! The help overlay: every keyboard shortcut.

use crate::app::context::{Panel, PanelContext};
use crate::app::view_state::PanelId;
use bevy_egui::egui::{self, RichText};

/// A window over everything, while `ViewState::help` is on.
pub struct Help;

impl Panel for Help {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        if cx.view.help {
            cx.view.help = help_ui(ui.ctx());
        }
    }
}

/// Whether it is still open.
fn help_ui(ctx: &egui::Context) -> bool {
    let mut open = true;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(0.0, 0.0))
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts").num_columns(2).striped(true).show(ui, |ui| {
                let mut row = |key: &str, what: &str| {
                    ui.label(RichText::new(key).monospace().strong());
                    ui.label(what);
                    ui.end_row();
                };
                row("space", "play / pause");
                row(".", "step 100 ms of simulated time");
                row("←  →", "10 s back / forward in time (the same run, your knob changes included)");
                row("+  -", "faster / slower");
                row("r", "restart (same seed, knobs kept)");
                row("f", "presenter mode (large text, fewer panels)");
                for (k, panel) in PanelId::ALL.iter().enumerate() {
                    row(&(k + 1).to_string(), &format!("show / hide: {}", panel.title()));
                }
                row("0", "fit the topology to the view");
                row("drag, wheel", "pan and zoom the topology");
                row("click a node", "its details (knobs follow a function)");
                row("? or h", "this help");
            });
        });
    open
}
