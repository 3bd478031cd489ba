//! The power-tuning view: pick a function, sweep its memory in the background, and see
//! duration (mean and p99) and cost per million invocations for each size, with the
//! cheapest and the fastest marked.

use super::{MEMORY_SIZES, PowerTuning, SweepJob};
use crate::app::context::{Panel, PanelContext};
use crate::app::theme::palette::{self, CHEAPEST, FASTEST};
use crate::app::theme::widgets::long_list_ui;
use crate::sweep::{Sweep, SweepRow};
use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{ColorConflictHandling, Corner, Legend, Line, MarkerShape, Plot, PlotPoint, Points, Text};

const TABLE_WIDTH: f32 = 470.0;

/// Sizes are evenly spaced on the x axis, by their place in `MEMORY_SIZES` (roughly a
/// doubling each), and labelled with their megabytes.
fn x_of(mb: u32) -> f64 {
    MEMORY_SIZES.iter().position(|&m| m == mb).unwrap_or(0) as f64
}

impl Panel for PowerTuning {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let p = cx.playback;
        let functions = &p.scenario.config.functions;
        if functions.is_empty() {
            ui.label("This scenario has no function to tune.");
            return;
        }
        if self.job.as_ref().is_some_and(|j| j.scenario_generation != p.scenario_generation) {
            self.job = None; // swept another scenario
        }
        self.function = self.function.min(functions.len() - 1);
        let sweep = self.job.as_ref().and_then(|j| j.sweep(&p.scenario));
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(TABLE_WIDTH);
                ui.horizontal(|ui| {
                    egui::ComboBox::from_id_salt("tuned-function")
                        .selected_text(&functions[self.function].name)
                        .show_ui(ui, |ui| {
                            long_list_ui(ui, functions.len(), |ui, i| {
                                ui.selectable_value(&mut self.function, i, &functions[i].name);
                            });
                        });
                    let running = self.job.as_ref().is_some_and(|j| !j.finished());
                    let label = if running { "Restart sweep" } else { "Run memory sweep" };
                    if ui.button(RichText::new(label).strong()).clicked() {
                        self.job = Some(SweepJob::start(&p.scenario, self.function, p.scenario_generation));
                    }
                });
                ui.label(
                    RichText::new(format!(
                        "The scenario with its knobs as set, once per size, each to its end ({} simulated).",
                        p.scenario.config.duration
                    ))
                    .small(),
                );
                match &self.job {
                    None => {
                        ui.label("Memory buys CPU: more memory runs faster but costs more per millisecond.");
                    }
                    Some(job) if !job.finished() => {
                        let done = job.done() as f32 / job.rows.len() as f32;
                        ui.add(egui::ProgressBar::new(done).text(format!(
                            "{} of {} sizes",
                            job.done(),
                            job.rows.len()
                        )));
                    }
                    Some(_) => {}
                }
                if let Some(job) = &self.job {
                    egui::ScrollArea::vertical()
                        .id_salt("power-table")
                        .show(ui, |ui| table_ui(ui, job, sweep.as_ref()));
                }
            });
            ui.separator();
            if let Some(job) = &self.job {
                charts_ui(ui, job, sweep.as_ref());
            }
        });
    }
}

fn table_ui(ui: &mut egui::Ui, job: &SweepJob, sweep: Option<&Sweep>) {
    egui::Grid::new("power-table").num_columns(5).striped(true).show(ui, |ui| {
        for title in ["memory", "mean", "p99", "$ / M invocations", ""] {
            ui.label(RichText::new(title).strong());
        }
        ui.end_row();
        for (i, row) in job.rows.iter().enumerate() {
            ui.label(RichText::new(format!("{} MB", MEMORY_SIZES[i])).monospace());
            let Some(row) = row else {
                ui.label("...");
                ui.end_row();
                continue;
            };
            ui.label(RichText::new(format!("{:.0} ms", row.duration_mean_ms)).monospace());
            ui.label(RichText::new(format!("{:.0} ms", row.duration_p99_ms)).monospace());
            ui.label(RichText::new(format!("${:.2}", row.cost_per_million_usd)).monospace());
            ui.horizontal(|ui| {
                if sweep.is_some_and(|s| s.cheapest == i) {
                    ui.label(RichText::new("cheapest").color(CHEAPEST).strong());
                }
                if sweep.is_some_and(|s| s.fastest == i) {
                    ui.label(RichText::new("fastest").color(FASTEST).strong());
                }
            });
            ui.end_row();
        }
    });
}

/// A plot over the swept sizes, labelled in megabytes.
fn sizes_plot(id: &str, height: f32) -> Plot<'static> {
    let mb_axis = |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
        let i = mark.value.round();
        let size = MEMORY_SIZES.get(i as usize).filter(|_| i >= 0.0 && (mark.value - i).abs() < 1e-6);
        size.map_or(String::new(), |mb| mb.to_string())
    };
    Plot::new(id)
        .height(height)
        .legend(Legend::default().position(Corner::RightTop).color_conflict_handling(ColorConflictHandling::PickFirst))
        .x_axis_label("memory (MB)")
        .x_axis_formatter(mb_axis)
        .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 2.0, 4.0]))
        .include_y(0.0)
}

/// One measure per size: a line with a dot per size, and the best size marked.
fn measure_ui(plot: &mut egui_plot::PlotUi, name: &str, points: Vec<[f64; 2]>, colour: Color32) {
    plot.line(Line::new(name, points.clone()).color(colour).width(2.5));
    plot.points(Points::new(name, points).color(colour).radius(3.0));
}

/// Marks size `index` at `value` as the best by some measure (`what`).
fn mark_best(plot: &mut egui_plot::PlotUi, index: usize, value: f64, what: &str, colour: Color32) {
    let at = [x_of(MEMORY_SIZES[index]), value];
    plot.points(Points::new(what, vec![at]).shape(MarkerShape::Circle).radius(7.0).color(colour));
    let label = RichText::new(format!("  {what}")).color(colour).strong().size(16.0);
    // Unnamed: the marker stands for it in the legend.
    plot.text(Text::new("", PlotPoint::new(at[0], at[1]), label).anchor(egui::Align2::LEFT_BOTTOM));
}

fn charts_ui(ui: &mut egui::Ui, job: &SweepJob, sweep: Option<&Sweep>) {
    let height = (ui.available_height() - ui.text_style_height(&egui::TextStyle::Body) - 12.0).max(80.0);
    let series = |value: fn(&SweepRow) -> f64| -> Vec<[f64; 2]> {
        job.rows.iter().zip(MEMORY_SIZES).filter_map(|(r, mb)| Some([x_of(mb), value(r.as_ref()?)])).collect()
    };
    let value_at = |i: usize, value: fn(&SweepRow) -> f64| job.rows[i].as_ref().map_or(0.0, value);
    ui.columns(2, |columns| {
        columns[0].label(RichText::new(format!("{}: handler duration (ms)", job.function_name)).strong());
        sizes_plot("power-duration", height).show(&mut columns[0], |plot| {
            measure_ui(plot, "mean", series(|r| r.duration_mean_ms), palette::egui(palette::BUSY));
            measure_ui(plot, "p99", series(|r| r.duration_p99_ms), palette::egui(palette::THROTTLED));
            if let Some(i) = sweep.map(|s| s.fastest) {
                mark_best(plot, i, value_at(i, |r| r.duration_mean_ms), "fastest", FASTEST);
            }
        });
        columns[1].label(RichText::new("Cost per million invocations (USD)").strong());
        sizes_plot("power-cost", height).show(&mut columns[1], |plot| {
            measure_ui(plot, "$ / M", series(|r| r.cost_per_million_usd), palette::egui(palette::IDLE));
            if let Some(i) = sweep.map(|s| s.cheapest) {
                mark_best(plot, i, value_at(i, |r| r.cost_per_million_usd), "cheapest", CHEAPEST);
            }
        });
    });
}
