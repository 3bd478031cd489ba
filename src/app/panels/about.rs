//! The scenario's name and description, and the live numbers of the run.

use crate::app::playback::Playback;
use bevy_egui::egui::{self, RichText};

pub fn scenario_ui(ui: &mut egui::Ui, p: &Playback, presenter: bool) {
    ui.heading(&p.scenario.name);
    if !p.scenario.summary.is_empty() {
        ui.label(RichText::new(&p.scenario.summary).italics());
    }
    ui.add_space(4.0);
    let height = if presenter { f32::INFINITY } else { 180.0 };
    egui::ScrollArea::vertical().id_salt("description").max_height(height).show(ui, |ui| {
        ui.label(&p.scenario.description);
    });
}

pub fn numbers_ui(ui: &mut egui::Ui, p: &Playback) {
    let q = p.sim.requests();
    let latency = &p.sim.latency;
    egui::Grid::new("numbers").num_columns(2).striped(true).show(ui, |ui| {
        let mut row = |name: &str, value: String| {
            ui.label(name);
            ui.label(RichText::new(value).monospace());
            ui.end_row();
        };
        row("requests arrived", q.arrived.to_string());
        row("succeeded", q.succeeded.to_string());
        row("throttled (429)", q.throttled.to_string());
        row("failed / timed out", format!("{} / {}", q.failed, q.timed_out));
        let cold: u64 = p.sim.functions().iter().map(|f| f.counters.cold_starts).sum();
        let invocations: u64 = p.sim.functions().iter().map(|f| f.counters.invocations).sum();
        let pct = if invocations == 0 { 0.0 } else { 100.0 * cold as f64 / invocations as f64 };
        row("cold starts", format!("{cold} ({pct:.2}%)"));
        // Latency is what a waiting caller sees: none during the warm-up, and none at
        // all when every trigger is asynchronous (storage events, queues, schedules).
        let measured = latency.count() > 0;
        for (name, q) in [("caller latency p50", 0.5), ("caller latency p95", 0.95), ("caller latency p99", 0.99)] {
            let value = if measured { format!("{:.0} ms", latency.quantile_ms(q)) } else { "n/a".into() };
            row(name, value);
        }
    });
}
