//! The egui panels: playback controls, the scenario's description and live numbers,
//! each function's environment pool, and charts over simulated time.

use super::playback::Playback;
use crate::sim::function::EnvState;
use crate::sim::pool::FunctionState;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};
use egui_plot::{Legend, Line, Plot, PlotPoints};

pub fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw);
}

const STARTING: Color32 = Color32::from_rgb(86, 156, 214);
const BUSY: Color32 = Color32::from_rgb(230, 150, 40);
const IDLE: Color32 = Color32::from_rgb(90, 180, 110);
const PROVISIONED: Color32 = Color32::from_rgb(170, 120, 220);
const SPEEDS: [f64; 7] = [1.0, 2.0, 5.0, 10.0, 100.0, 500.0, 1000.0];

fn draw(mut contexts: EguiContexts, mut playback: ResMut<Playback>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "faaslab-root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    egui::Panel::top("controls").show(&mut root, |ui| controls_ui(ui, &mut playback));
    egui::Panel::left("about").default_size(380.0).show(&mut root, |ui| about_ui(ui, &playback));
    egui::CentralPanel::default().show(&mut root, |ui| {
        pools_ui(ui, &playback);
        ui.separator();
        charts_ui(ui, &playback);
    });
    Ok(())
}

fn controls_ui(ui: &mut egui::Ui, p: &mut Playback) {
    ui.horizontal(|ui| {
        let label = if p.playing { "Pause" } else { "Play" };
        if ui.button(label).clicked() {
            p.playing = !p.playing;
        }
        if ui.button("Step 100 ms").clicked() {
            p.advance(crate::sim::time::SimDuration::from_millis(100), u64::MAX);
        }
        if ui.button("Restart").clicked() {
            let seed = p.seed;
            p.restart(seed);
        }
        if ui.button("New seed").clicked() {
            let seed = p.seed.wrapping_add(1);
            p.restart(seed);
        }
        ui.separator();
        ui.label("Speed");
        for s in SPEEDS {
            if ui.selectable_label(p.speed == s, format!("{s}x")).clicked() {
                p.speed = s;
            }
        }
        ui.separator();
        ui.label(RichText::new(format!("t = {} of {}", p.sim.now(), p.sim.end())).monospace());
        if p.falling_behind {
            ui.colored_label(Color32::YELLOW, "falling behind: simulated time runs slower than asked");
        }
        if p.sim.is_finished() {
            ui.colored_label(Color32::LIGHT_GREEN, "run finished");
        }
    });
}

fn about_ui(ui: &mut egui::Ui, p: &Playback) {
    ui.heading(&p.scenario.name);
    if !p.scenario.summary.is_empty() {
        ui.label(RichText::new(&p.scenario.summary).italics());
    }
    ui.add_space(6.0);
    egui::ScrollArea::vertical().max_height(260.0).show(ui, |ui| ui.label(&p.scenario.description));
    ui.separator();
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
        row("latency p50", format!("{:.0} ms", latency.quantile_ms(0.5)));
        row("latency p95", format!("{:.0} ms", latency.quantile_ms(0.95)));
        row("latency p99", format!("{:.0} ms", latency.quantile_ms(0.99)));
    });
}

/// One box per environment, coloured by state; a stacked bar when there are too many.
fn pools_ui(ui: &mut egui::Ui, p: &Playback) {
    for (i, f) in p.sim.functions().iter().enumerate() {
        let limit = p.sim.concurrency_limit(i);
        ui.label(
            RichText::new(format!(
                "{}  ({}, {} MB): {} environments, {} in flight of a limit of {}",
                f.name(),
                f.model.spec.runtime.label(),
                f.model.spec.memory_mb,
                f.environments(),
                f.in_flight(),
                limit
            ))
            .strong(),
        );
        environment_boxes_ui(ui, f);
        ui.horizontal(|ui| {
            for (colour, name) in
                [(STARTING, "starting (cold)"), (BUSY, "busy"), (IDLE, "idle, warm"), (PROVISIONED, "provisioned")]
            {
                ui.colored_label(colour, "■");
                ui.label(name);
            }
        });
        ui.add_space(8.0);
    }
}

fn environment_boxes_ui(ui: &mut egui::Ui, f: &FunctionState) {
    const SIZE: f32 = 14.0;
    const GAP: f32 = 3.0;
    let width = ui.available_width();
    let per_row = ((width + GAP) / (SIZE + GAP)).max(1.0) as usize;
    let colours: Vec<Color32> = f
        .environment_slots()
        .map(|(_, env)| match env.state {
            EnvState::Initializing => STARTING,
            EnvState::Busy => BUSY,
            EnvState::Idle if env.provisioned => PROVISIONED,
            EnvState::Idle => IDLE,
        })
        .collect();
    if colours.len() > per_row * 4 {
        // Too many to read one by one: a stacked bar of the three states.
        let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 22.0), egui::Sense::hover());
        let total = colours.len() as f32;
        let mut x = rect.left();
        for (count, colour) in [(f.initializing, STARTING), (f.busy, BUSY), (f.idle_count, IDLE)] {
            let w = rect.width() * count as f32 / total;
            ui.painter().rect_filled(
                egui::Rect::from_min_size(egui::pos2(x, rect.top()), egui::vec2(w, 22.0)),
                2.0,
                colour,
            );
            x += w;
        }
        return;
    }
    let rows = colours.len().div_ceil(per_row).max(1);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, rows as f32 * (SIZE + GAP)), egui::Sense::hover());
    for (k, colour) in colours.iter().enumerate() {
        let (row, col) = (k / per_row, k % per_row);
        let min = rect.min + egui::vec2(col as f32 * (SIZE + GAP), row as f32 * (SIZE + GAP));
        ui.painter().rect_filled(egui::Rect::from_min_size(min, egui::vec2(SIZE, SIZE)), 2.0, *colour);
    }
}

fn charts_ui(ui: &mut egui::Ui, p: &Playback) {
    let series = &p.sim.series;
    let width = series.width().as_secs_f64();
    let points = series.points();
    let at = |i: usize| (i as f64 + 1.0) * width;
    let line = |name: &str, colour: Color32, value: &dyn Fn(&crate::sim::metrics::SeriesPoint) -> Option<f64>| {
        let pts: PlotPoints = points.iter().enumerate().filter_map(|(i, pt)| value(pt).map(|v| [at(i), v])).collect();
        Line::new(name, pts).color(colour)
    };
    let half = (ui.available_height() / 2.0 - 10.0).max(120.0);
    ui.label("End-to-end latency per time bucket (ms)");
    Plot::new("latency").height(half).legend(Legend::default()).x_axis_label("simulated seconds").show(ui, |plot| {
        plot.line(line("p50", IDLE, &|pt| pt.latency.quantile_ms(0.5)));
        plot.line(line("p95", BUSY, &|pt| pt.latency.quantile_ms(0.95)));
        plot.line(line("p99", Color32::from_rgb(220, 80, 80), &|pt| pt.latency.quantile_ms(0.99)));
    });
    ui.label("Environments and traffic");
    Plot::new("pool").height(half).legend(Legend::default()).x_axis_label("simulated seconds").show(ui, |plot| {
        plot.line(line("environments", IDLE, &|pt| Some(pt.environments)));
        plot.line(line("busy", BUSY, &|pt| Some(pt.busy)));
        plot.line(line("cold starts per bucket", STARTING, &|pt| Some(pt.cold_starts as f64)));
        plot.line(line("throttles per bucket", Color32::from_rgb(220, 80, 80), &|pt| Some(pt.throttled as f64)));
    });
}
