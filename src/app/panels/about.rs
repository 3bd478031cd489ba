//! The scenario's name and description, and the live numbers of the run.

use crate::app::context::{Panel, PanelContext};
use crate::app::theme::widgets::values_ui;
use bevy_egui::egui::{self, RichText};

/// The scenario's name, summary and description.
pub struct About;

impl Panel for About {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let scenario = &cx.playback.scenario;
        ui.heading(&scenario.name);
        if !scenario.summary.is_empty() {
            ui.label(RichText::new(&scenario.summary).italics());
        }
        ui.add_space(4.0);
        let height = if cx.view.presenter { f32::INFINITY } else { 180.0 };
        egui::ScrollArea::vertical().id_salt("description").max_height(height).show(ui, |ui| {
            ui.label(&scenario.description);
        });
    }
}

/// Requests, outcomes, cold starts and caller latency so far.
pub struct Numbers;

impl Panel for Numbers {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let sim = &cx.playback.sim;
        let q = sim.requests();
        let cold: u64 = sim.functions().iter().map(|f| f.counters.cold_starts).sum();
        let invocations: u64 = sim.functions().iter().map(|f| f.counters.invocations).sum();
        let pct = if invocations == 0 { 0.0 } else { 100.0 * cold as f64 / invocations as f64 };
        let mut rows = vec![
            ("requests arrived", q.arrived.to_string()),
            ("succeeded", q.succeeded.to_string()),
            ("throttled (429)", q.throttled.to_string()),
            ("failed / timed out", format!("{} / {}", q.failed, q.timed_out)),
            ("cold starts", format!("{cold} ({pct:.2}%)")),
        ];
        // Latency is what a waiting caller sees: none during the warm-up, and none at
        // all when every trigger is asynchronous (storage events, queues, schedules).
        let latency = sim.latency();
        let measured = latency.count() > 0;
        for (name, q) in [("caller latency p50", 0.5), ("caller latency p95", 0.95), ("caller latency p99", 0.99)] {
            rows.push((name, if measured { format!("{:.0} ms", latency.quantile_ms(q)) } else { "n/a".into() }));
        }
        values_ui(ui, "numbers", &rows);
    }
}
