//! Charts over simulated time: latency percentiles, and the pool against its traffic.

use crate::app::playback::Playback;
use crate::app::topology::palette;
use crate::sim::metrics::SeriesPoint;
use bevy_egui::egui::{self, Color32};
use egui_plot::{Corner, Legend, Line, Plot, PlotPoints};

/// `height`: the panel's, which the plots fill below their titles.
pub fn charts_ui(ui: &mut egui::Ui, p: &Playback, height: f32) {
    let series = &p.sim.series;
    let width = series.width().as_secs_f64();
    let points = series.points();
    let at = |i: usize| (i as f64 + 1.0) * width;
    let line = |name: &str, colour: Color32, value: &dyn Fn(&SeriesPoint) -> Option<f64>| {
        let pts: PlotPoints = points.iter().enumerate().filter_map(|(i, pt)| value(pt).map(|v| [at(i), v])).collect();
        Line::new(name, pts).color(colour).width(2.0)
    };
    let red = palette::egui(palette::THROTTLED);
    let height = (height - 40.0).max(80.0);
    ui.columns(2, |columns| {
        columns[0].label("End-to-end latency per time bucket (ms)");
        Plot::new("latency").height(height).legend(legend()).x_axis_label("simulated seconds").show(
            &mut columns[0],
            |plot| {
                plot.line(line("p50", palette::egui(palette::IDLE), &|pt| pt.latency.quantile_ms(0.5)));
                plot.line(line("p95", palette::egui(palette::BUSY), &|pt| pt.latency.quantile_ms(0.95)));
                plot.line(line("p99", red, &|pt| pt.latency.quantile_ms(0.99)));
            },
        );
        columns[1].label("Environments and traffic per time bucket");
        Plot::new("pool").height(height).legend(legend()).x_axis_label("simulated seconds").show(
            &mut columns[1],
            |plot| {
                plot.line(line("environments", palette::egui(palette::IDLE), &|pt| Some(pt.environments)));
                plot.line(line("busy", palette::egui(palette::BUSY), &|pt| Some(pt.busy)));
                let cold = palette::egui(palette::INITIALIZING);
                plot.line(line("cold starts", cold, &|pt| Some(pt.cold_starts as f64)));
                plot.line(line("throttles", red, &|pt| Some(pt.throttled as f64)));
            },
        );
    });
}

/// Top left: the newest values, on the right, stay uncovered.
fn legend() -> Legend {
    Legend::default().position(Corner::LeftTop)
}
