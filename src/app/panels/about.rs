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
        ui.scope(|ui| {
            // A solid bar: egui's floating one stays hidden until hovered, and a long
            // description then looked cut off mid-sentence.
            ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
            egui::ScrollArea::vertical().id_salt("description").max_height(height).show(ui, |ui| {
                ui.label(&scenario.description);
            });
        });
    }
}

/// Milliseconds under ten seconds, seconds under ten minutes, then minutes.
pub(crate) fn duration_text(ms: f64) -> String {
    if ms < 10_000.0 {
        format!("{ms:.0} ms")
    } else if ms < 600_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{:.1} min", ms / 60_000.0)
    }
}

/// Requests, outcomes, cold starts, caller latency and a pipeline's end-to-end
/// completion so far.
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
        // There, the number that matters is how long the pipeline's work took: from
        // the first trigger to the last effect of each request.
        let latency = sim.latency();
        let measured = latency.count() > 0;
        let work = sim.completion_totals();
        let pipeline = work.asynchronous_items > 0;
        if measured || !pipeline {
            for (name, q) in [("caller latency p50", 0.5), ("caller latency p95", 0.95), ("caller latency p99", 0.99)] {
                rows.push((name, if measured { format!("{:.0} ms", latency.quantile_ms(q)) } else { "n/a".into() }));
            }
        }
        if pipeline {
            let done = sim.completion();
            let at = |q: f64| if done.count() == 0 { "n/a".to_string() } else { duration_text(done.quantile_ms(q)) };
            rows.push(("end-to-end p50", at(0.5)));
            rows.push(("end-to-end p99", at(0.99)));
            rows.push(("end-to-end max", if done.count() == 0 { "n/a".into() } else { duration_text(done.max_ms()) }));
            rows.push(("work done / in flight", format!("{} / {}", work.completed, work.in_flight)));
        }
        // During a warm-up the counts stay at zero while traffic flows on the topology:
        // say why (they restart when measuring starts).
        if sim.now() < sim.warmup_end() {
            ui.weak(format!(
                "Warm-up: counted from {}.",
                sim.warmup_end().since(crate::sim::kernel::time::SimTime::ZERO)
            ));
        }
        values_ui(ui, "numbers", &rows);
    }
}
