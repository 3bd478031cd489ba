//! A/B compare: run B is the same scenario with the same seed and knobs of its own,
//! advanced in lockstep with run A (the one the canvas shows). B's knobs are here; A's
//! are the side panel's. The charts overlay A (solid) and B (dashed).

use super::chart_plot::{ChartData, Curve, plot_ui};
use super::charts::{Chart, chart_data};
use super::knobs::KnobsPanel;
use crate::app::command::Command;
use crate::app::context::{Panel, PanelContext};
use crate::app::history::{History, RunHistory};
use crate::app::theme::palette::{RUN_A, RUN_B};
use crate::app::theme::widgets::error_ui;
use crate::sim::Simulation;
use bevy_egui::egui::{self, RichText};

#[derive(Default)]
pub struct ComparePanel {
    knobs: KnobsPanel,
}

const B_KNOBS_WIDTH: f32 = 330.0;

/// A's and B's curves of `chart` in one: names prefixed, B's dashed.
fn overlay(chart: Chart, a: (&Simulation, &RunHistory), b: (&Simulation, &RunHistory), keep: &[&str]) -> ChartData {
    let mut data = ChartData::default();
    for (run, (sim, history), dashed, colour) in [("A", a, false, RUN_A), ("B", b, true, RUN_B)] {
        let curves = chart_data(chart, sim, history).curves;
        for c in curves.into_iter().filter(|c| keep.contains(&c.name.as_str())) {
            data.curves.push(Curve { name: format!("{run} {}", c.name), dashed, colour, ..c });
        }
    }
    data
}

impl Panel for ComparePanel {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let (p, history) = (cx.playback, cx.history);
        let Some(b) = &p.compare else {
            ui.label(
                "Run a second configuration of this scenario beside the first: same seed, same arrivals, \
                 knobs of its own. Both start again from zero and advance together; the charts overlay them.",
            );
            ui.horizontal(|ui| {
                if ui.button(RichText::new("Start A/B comparison").strong()).clicked() {
                    cx.send(Command::Compare(true));
                }
                if let Some(what) = reference_of(&p.scenario)
                    && ui
                        .button(RichText::new(format!("Compare with {what}")).strong())
                        .on_hover_text("run B is the answer: same seed, same arrivals, side by side")
                        .clicked()
                {
                    cx.send(Command::CompareWithReference);
                }
            });
            return;
        };
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(B_KNOBS_WIDTH);
                ui.horizontal(|ui| {
                    ui.label(RichText::new("Knobs of run B").strong());
                    if ui.button("Stop comparing").clicked() {
                        cx.send(Command::Compare(false));
                    }
                });
                ui.label(RichText::new("Run A's knobs are in the side panel.").small());
                if let Some(against) = &b.against {
                    ui.label(RichText::new(format!("Run B is {against}.")).color(RUN_B));
                }
                egui::ScrollArea::vertical().id_salt("b-knobs").show(ui, |ui| {
                    numbers_ui(ui, &p.sim, &b.sim, history);
                    ui.add_space(6.0);
                    ui.push_id("run-b", |ui| {
                        for (name, value) in self.knobs.knobs_ui(ui, &b.sim, None) {
                            cx.send(Command::SetCompareKnob { name, value });
                        }
                        error_ui(ui, b.last_error.as_deref());
                    });
                });
            });
            ui.separator();
            let plot_height = (ui.available_height() - ui.text_style_height(&egui::TextStyle::Body) - 12.0).max(80.0);
            let a = (&p.sim, &history.shown);
            let b = (&b.sim, &history.compared);
            let charts = [
                (Chart::Latency, &["p99"][..]),
                (Chart::ColdStarts, &["cold starts"][..]),
                (Chart::Cost, &["serverless"][..]),
            ];
            ui.columns(charts.len(), |columns| {
                for (column, (chart, keep)) in columns.iter_mut().zip(charts) {
                    let _ = plot_ui(
                        column,
                        &format!("compare-{chart:?}"),
                        chart.title(),
                        chart.unit(),
                        overlay(chart, a, b, keep),
                        plot_height,
                    );
                }
            });
        });
    }
}

/// A and B side by side in numbers.
fn numbers_ui(ui: &mut egui::Ui, a: &Simulation, b: &Simulation, history: &History) {
    let cold = |sim: &Simulation| {
        let cold: u64 = sim.functions().iter().map(|f| f.counters.cold_starts).sum();
        let all: u64 = sim.functions().iter().map(|f| f.counters.invocations).sum();
        if all == 0 { 0.0 } else { 100.0 * cold as f64 / all as f64 }
    };
    let cost = |h: &RunHistory| h.samples.last().map_or(0.0, |s| s.serverless_usd);
    egui::Grid::new("a-b-numbers").num_columns(3).striped(true).show(ui, |ui| {
        ui.label("");
        ui.label(RichText::new("A (solid)").color(RUN_A).strong());
        ui.label(RichText::new("B (dashed)").color(RUN_B).strong());
        ui.end_row();
        let mut row = |name: &str, a: String, b: String| {
            ui.label(name);
            ui.label(RichText::new(a).monospace());
            ui.label(RichText::new(b).monospace());
            ui.end_row();
        };
        row(
            "latency p99",
            format!("{:.0} ms", a.latency().quantile_ms(0.99)),
            format!("{:.0} ms", b.latency().quantile_ms(0.99)),
        );
        row("cold starts", format!("{:.2}%", cold(a)), format!("{:.2}%", cold(b)));
        let (qa, qb) = (a.requests(), b.requests());
        row("throttled", qa.throttled.to_string(), qb.throttled.to_string());
        row("errors", (qa.failed + qa.timed_out).to_string(), (qb.failed + qb.timed_out).to_string());
        row("cost so far", format!("${:.4}", cost(&history.shown)), format!("${:.4}", cost(&history.compared)));
        // A design's requirements: each flow's requests graded on time so far.
        for (fa, fb) in a.flows().iter().zip(b.flows()) {
            let on_time = |sim: &Simulation, f: &crate::sim::services::flows::FlowState| {
                let t = f.totals(sim.now());
                if t.graded() == 0 {
                    "n/a".to_string()
                } else {
                    format!("{:.2}%", 100.0 * t.on_time as f64 / t.graded() as f64)
                }
            };
            row(&format!("{} on time", fa.spec.name), on_time(a, fa), on_time(b, fb));
        }
    });
}

/// What the scenario's reference is, when it has one ("the reference design").
fn reference_of(scenario: &crate::scenario::Scenario) -> Option<&'static str> {
    let challenge = scenario.challenge.as_ref()?;
    if challenge.reference_design.is_some() {
        Some("the reference design")
    } else if !challenge.reference.is_empty() {
        Some("the reference settings")
    } else {
        None
    }
}
