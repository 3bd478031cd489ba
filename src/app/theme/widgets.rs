//! Small widgets several panels share, so they look alike everywhere.

use super::palette;
use bevy_egui::egui::{self, Color32, RichText};

/// A colour sample: a square (environments) or a dot (requests), as in the topology.
fn swatch_ui(ui: &mut egui::Ui, colour: Color32, round: bool) {
    let size = ui.text_style_height(&egui::TextStyle::Body);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    if round {
        ui.painter().circle_filled(rect.center(), size * 0.4, colour);
    } else {
        ui.painter().rect_filled(rect.shrink(size * 0.1), 2.0, colour);
    }
}

/// A legend: a swatch and a name for each colour (small text where `small`).
pub fn swatches_ui(ui: &mut egui::Ui, items: &[(Color32, &str)], round: bool, small: bool) {
    for &(colour, name) in items {
        swatch_ui(ui, colour, round);
        ui.label(if small { RichText::new(name).small() } else { RichText::new(name) });
    }
}

/// Names and values in two columns, the values in monospace.
pub fn values_ui(ui: &mut egui::Ui, id: &str, rows: &[(&str, String)]) {
    egui::Grid::new(id).num_columns(2).striped(true).show(ui, |ui| {
        for (name, value) in rows {
            ui.label(*name);
            ui.label(RichText::new(value).monospace());
            ui.end_row();
        }
    });
}

/// Why the last change was refused, if it was.
pub fn error_ui(ui: &mut egui::Ui, error: Option<&str>) {
    if let Some(error) = error {
        ui.colored_label(palette::ERROR_TEXT, error);
    }
}

/// The rows of a drop-down list (inside `ComboBox::show_ui`), laid out only where they
/// are in view: egui lays out every row of a list each frame it is open, and a scenario
/// may have 20 000 functions.
pub fn long_list_ui(ui: &mut egui::Ui, count: usize, mut row: impl FnMut(&mut egui::Ui, usize)) {
    let spacing = ui.spacing();
    let height =
        (ui.text_style_height(&egui::TextStyle::Button) + 2.0 * spacing.button_padding.y).max(spacing.interact_size.y);
    egui::ScrollArea::vertical().max_height(spacing.combo_height).show_rows(ui, height, count, |ui, rows| {
        for i in rows {
            row(ui, i);
        }
    });
}
