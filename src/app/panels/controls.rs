//! The top bar: play, pause, step, speed, restart, presenter mode and help; and the
//! colour legend shared by the topology and the charts.

use crate::app::command::{Command, SPEEDS};
use crate::app::playback::Playback;
use crate::app::topology::palette;
use crate::app::view_state::ViewState;
use crate::sim::time::SimDuration;
use bevy_egui::egui::{self, Color32, RichText};

/// How far one press of "step" (or `.`) advances.
pub const STEP: SimDuration = SimDuration::from_millis(100);

/// Lays itself out in the caller's row (which also holds the scenario picker).
pub fn controls_ui(ui: &mut egui::Ui, p: &Playback, view: &mut ViewState) -> Vec<Command> {
    let mut out = Vec::new();
    let label = if p.playing { "⏸ Pause" } else { "▶ Play" };
    if ui.button(label).on_hover_text("space").clicked() {
        out.push(Command::TogglePlay);
    }
    if ui.button("Step 100 ms").on_hover_text(".").clicked() {
        out.push(Command::Step(STEP));
    }
    if ui.button("⟲ Restart").on_hover_text("r: same seed, knobs kept").clicked() {
        out.push(Command::Restart { new_seed: false });
    }
    if ui.button("New seed").clicked() {
        out.push(Command::Restart { new_seed: true });
    }
    ui.separator();
    ui.label("Speed").on_hover_text("+ and -: simulated seconds per real second");
    for s in SPEEDS {
        if ui.selectable_label((p.speed - s).abs() < 1e-9, format!("{s}x")).clicked() {
            out.push(Command::SetSpeed(s));
        }
    }
    ui.separator();
    ui.label(RichText::new(format!("t = {} of {}", p.sim.now(), p.sim.end())).monospace().strong());
    if p.falling_behind {
        ui.colored_label(Color32::YELLOW, "falling behind: simulated time runs slower than asked");
    }
    if p.sim.is_finished() {
        ui.colored_label(Color32::LIGHT_GREEN, "run finished");
    }
    ui.separator();
    ui.toggle_value(&mut view.presenter, "Presenter [f]");
    ui.toggle_value(&mut view.help, "Help [?]");
    out
}

pub fn legend_ui(ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("Environments:").strong());
        for (colour, name) in [
            (palette::INITIALIZING, "starting (cold)"),
            (palette::BUSY, "busy"),
            (palette::IDLE, "idle, warm"),
            (palette::PROVISIONED, "provisioned"),
        ] {
            swatch_ui(ui, palette::egui(colour), false);
            ui.label(name);
        }
        ui.separator();
        ui.label(RichText::new("Requests:").strong());
        for (colour, name) in [
            (palette::WARM, "warm"),
            (palette::COLD, "cold start"),
            (palette::THROTTLED, "throttled (429)"),
            (palette::FAILED, "error / timeout"),
        ] {
            swatch_ui(ui, palette::egui(colour), true);
            ui.label(name);
        }
    });
}

/// A colour sample: a square (environments) or a dot (requests), as in the topology.
pub fn swatch_ui(ui: &mut egui::Ui, colour: Color32, round: bool) {
    let size = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    if round {
        ui.painter().circle_filled(rect.center(), size * 0.4, colour);
    } else {
        ui.painter().rect_filled(rect.shrink(size * 0.1), 2.0, colour);
    }
}
