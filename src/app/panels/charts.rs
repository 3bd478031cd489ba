//! Charts over simulated time: latency percentiles, cold starts, concurrency against
//! its limit, throttles and errors, queues, database connections and cumulative cost.
//! Curves are smoothed so they read at a glance; the raw values, drawn faintly under
//! them, are what hovering shows.

use crate::app::context::{Panel, PanelContext};
use crate::app::history::RunHistory;
use crate::app::theme::palette;
use crate::sim::Simulation;
use crate::sim::kernel::metrics::SeriesPoint;
use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{ColorConflictHandling, Corner, HLine, HoverPosition, Legend, Line, LineStyle, Plot, PlotPoints};

/// The charts on offer, in the order of their toggles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Latency,
    ColdStarts,
    Concurrency,
    Problems,
    Queues,
    Database,
    Cost,
}

impl Chart {
    pub const ALL: [Chart; 7] = [
        Chart::Latency,
        Chart::ColdStarts,
        Chart::Concurrency,
        Chart::Problems,
        Chart::Queues,
        Chart::Database,
        Chart::Cost,
    ];

    fn title(self) -> &'static str {
        match self {
            Chart::Latency => "Invocation latency (ms)",
            Chart::ColdStarts => "Cold starts (% of requests)",
            Chart::Concurrency => "Concurrency vs limit",
            Chart::Problems => "Throttles and errors (per bucket)",
            Chart::Queues => "Queue depth and oldest age",
            Chart::Database => "DB connections vs max",
            Chart::Cost => "Cumulative cost (USD)",
        }
    }

    fn toggle_name(self) -> &'static str {
        match self {
            Chart::Latency => "latency",
            Chart::ColdStarts => "cold starts",
            Chart::Concurrency => "concurrency",
            Chart::Problems => "throttles, errors",
            Chart::Queues => "queues",
            Chart::Database => "database",
            Chart::Cost => "cost",
        }
    }

    /// The unit hover labels give values in.
    fn unit(self) -> &'static str {
        match self {
            Chart::Latency => "ms",
            Chart::ColdStarts => "%",
            Chart::Cost => "USD",
            _ => "",
        }
    }
}

/// One curve of a chart.
pub struct Curve {
    pub name: String,
    pub colour: Color32,
    pub points: Vec<[f64; 2]>,
    /// Drawn smoothed over the raw values (gauges and rates); cumulative curves are not.
    pub smooth: bool,
    pub dashed: bool,
}

/// What a chart draws: curves and horizontal limits (a concurrency or connection cap).
#[derive(Default)]
pub struct ChartData {
    pub curves: Vec<Curve>,
    pub limits: Vec<(String, f64, Color32)>,
}

fn curve(name: impl Into<String>, colour: Color32, points: Vec<[f64; 2]>) -> Curve {
    Curve { name: name.into(), colour, points, smooth: true, dashed: false }
}

/// A per-bucket value of the simulation's series, at each bucket's end time.
fn series_points(sim: &Simulation, value: impl Fn(&SeriesPoint) -> Option<f64>) -> Vec<[f64; 2]> {
    let width = sim.series.width().as_secs_f64();
    sim.series
        .points()
        .iter()
        .enumerate()
        .filter_map(|(i, p)| value(p).map(|v| [(i as f64 + 1.0) * width, v]))
        .collect()
}

/// Cold starts per request finished in the bucket; a bucket where environments start
/// for requests that finish later counts at most 100%.
pub fn cold_start_percent(p: &SeriesPoint) -> Option<f64> {
    let requests = p.completed.max(p.cold_starts);
    (requests > 0).then(|| 100.0 * p.cold_starts as f64 / requests as f64)
}

/// The curves of `chart` for one run (`history`: its sampled cost and connections).
pub fn chart_data(chart: Chart, sim: &Simulation, history: &RunHistory) -> ChartData {
    let c = palette::egui;
    let red = c(palette::THROTTLED);
    let mut data = ChartData::default();
    match chart {
        Chart::Latency => {
            for (name, q, colour) in
                [("p50", 0.5, c(palette::IDLE)), ("p95", 0.95, c(palette::BUSY)), ("p99", 0.99, red)]
            {
                data.curves.push(curve(name, colour, series_points(sim, |p| p.latency.quantile_ms(q))));
            }
        }
        Chart::ColdStarts => {
            data.curves.push(curve("cold starts", c(palette::COLD), series_points(sim, cold_start_percent)));
        }
        Chart::Concurrency => {
            let mean = series_points(sim, |p| Some(p.concurrency));
            data.curves.push(curve("in flight (mean)", c(palette::BUSY), mean));
            let peak = series_points(sim, |p| Some(p.max_concurrency as f64));
            data.curves.push(Curve { dashed: true, ..curve("in flight (peak)", c(palette::INITIALIZING), peak) });
            data.curves.push(curve("environments", c(palette::IDLE), series_points(sim, |p| Some(p.environments))));
            // One function: its own limit; several: the account's.
            let limit = match sim.functions().len() {
                1 => sim.concurrency_limit(0),
                _ => sim.config().account.concurrency_limit,
            };
            data.limits.push(("limit".into(), f64::from(limit), red));
        }
        Chart::Problems => {
            data.curves.push(curve("throttled", red, series_points(sim, |p| Some(p.throttled as f64))));
            let errors = series_points(sim, |p| Some(p.errors as f64));
            data.curves.push(curve("errors", c(palette::FAILED), errors));
            let timeouts = series_points(sim, |p| Some(p.timeouts as f64));
            data.curves.push(curve("timeouts", c(palette::BUSY), timeouts));
        }
        Chart::Queues => {
            let width = sim.series.width().as_secs_f64();
            let colours = [c(palette::PROVISIONED), c(palette::INITIALIZING), c(palette::IDLE), c(palette::BUSY)];
            for (i, q) in sim.queues().iter().enumerate() {
                let colour = colours[i % colours.len()];
                let at = |k: usize| (k as f64 + 1.0) * width;
                let h = q.history.points();
                let depth = h.iter().enumerate().map(|(k, p)| [at(k), p[0]]).collect();
                let age = h.iter().enumerate().map(|(k, p)| [at(k), p[1]]).collect();
                data.curves.push(curve(format!("{} depth", q.name()), colour, depth));
                data.curves.push(Curve { dashed: true, ..curve(format!("{} oldest (s)", q.name()), colour, age) });
            }
        }
        Chart::Database => {
            let colours = [c(palette::INITIALIZING), c(palette::PROVISIONED), c(palette::IDLE)];
            for (i, d) in sim.databases().iter().enumerate() {
                let colour = colours[i % colours.len()];
                let points = history.samples.iter().filter_map(|s| Some([s.t, f64::from(*s.db_connections.get(i)?)]));
                data.curves.push(curve(format!("{} connections", d.name()), colour, points.collect()));
                data.limits.push((format!("{} max", d.name()), f64::from(d.spec.max_connections), red));
            }
        }
        Chart::Cost => {
            let serverless = history.samples.iter().map(|s| [s.t, s.serverless_usd]).collect();
            let fleet = history.samples.iter().map(|s| [s.t, s.fleet_usd]).collect();
            data.curves.push(Curve { smooth: false, ..curve("serverless", c(palette::BUSY), serverless) });
            data.curves.push(Curve { smooth: false, dashed: true, ..curve("server fleet", c(palette::EDGE), fleet) });
        }
    }
    data
}

/// A centred moving average over `2 * half + 1` points (fewer at the ends).
pub fn smooth(points: &[[f64; 2]], half: usize) -> Vec<[f64; 2]> {
    (0..points.len())
        .map(|i| {
            let window = &points[i.saturating_sub(half)..(i + half + 1).min(points.len())];
            let mean = window.iter().map(|p| p[1]).sum::<f64>() / window.len() as f64;
            [points[i][0], mean]
        })
        .collect()
}

/// Points averaged over: enough to calm bucket-to-bucket noise, few enough to keep a
/// spike's shape.
const SMOOTHING_HALF_WINDOW: usize = 2;

/// A limit far above every curve would flatten them against the axis: below this share
/// of the limit it is named in the title instead of drawn.
const LIMIT_SHOWN_FROM: f64 = 0.1;

/// Draws one chart; `id` must be unique in the window.
pub fn plot_ui(ui: &mut egui::Ui, id: &str, chart: Chart, mut data: ChartData, height: f32) {
    let peak = data.curves.iter().flat_map(|c| c.points.iter().map(|p| p[1])).fold(0.0, f64::max);
    let (drawn, far): (Vec<_>, Vec<_>) = data.limits.drain(..).partition(|(_, y, _)| peak >= y * LIMIT_SHOWN_FROM);
    data.limits = drawn;
    let mut title = chart.title().to_string();
    for (name, y, _) in far {
        title += &format!(" ({name} {y:.0}, far above)");
    }
    ui.label(RichText::new(title).strong());
    let unit = chart.unit();
    let hover = move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint { plot_name, position, .. } if !plot_name.is_empty() => {
            Some(format!("{plot_name}: {:.2} {unit}\nat {:.1} s", position.y, position.x))
        }
        _ => None,
    };
    Plot::new(id)
        .height(height)
        .legend(Legend::default().position(Corner::LeftTop).color_conflict_handling(ColorConflictHandling::PickFirst))
        .x_axis_label("simulated seconds")
        .include_y(0.0)
        .label_formatter(hover)
        .show(ui, |plot| {
            for (name, y, colour) in data.limits {
                plot.hline(HLine::new(name, y).color(colour).style(LineStyle::dashed_dense()));
            }
            for c in data.curves {
                let style = if c.dashed { LineStyle::dashed_loose() } else { LineStyle::Solid };
                if c.smooth {
                    // First, so the legend takes its colour.
                    let smoothed = smooth(&c.points, SMOOTHING_HALF_WINDOW);
                    let line = Line::new(c.name.clone(), PlotPoints::from(smoothed));
                    plot.line(line.color(c.colour).width(2.5).style(style).allow_hover(false));
                    // The raw values: faint, and what hovering reads.
                    let raw = Line::new(c.name, PlotPoints::from(c.points));
                    plot.line(raw.color(c.colour.gamma_multiply(0.35)).width(1.0).style(style));
                } else {
                    plot.line(Line::new(c.name, PlotPoints::from(c.points)).color(c.colour).width(2.5).style(style));
                }
            }
        });
}

/// Which charts show (toggles above them).
#[derive(Default)]
pub struct ChartsPanel {
    shown: Vec<Chart>,
    /// The scenario the defaults were chosen for.
    chosen_for: Option<u32>,
}

/// Charts shown side by side at most: more would be too narrow to read.
const MOST_SHOWN: usize = 4;
/// The narrowest a chart may be (points): a narrower panel (presenter mode's large
/// text, a small window) shows the first charts chosen that fit.
const NARROWEST_CHART: f32 = 240.0;

impl ChartsPanel {
    /// A scenario's first charts: latency and cost always, and what its nodes have.
    fn defaults(sim: &Simulation) -> Vec<Chart> {
        let mut charts = vec![Chart::Latency];
        if !sim.queues().is_empty() {
            charts.push(Chart::Queues);
        }
        if !sim.databases().is_empty() {
            charts.push(Chart::Database);
        }
        charts.extend([Chart::ColdStarts, Chart::Concurrency]);
        charts.truncate(MOST_SHOWN - 1);
        charts.push(Chart::Cost);
        charts
    }
}

impl Panel for ChartsPanel {
    /// The charts fill what is left of the panel below their toggles.
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let (p, history) = (cx.playback, &cx.history.shown);
        if self.chosen_for != Some(p.scenario_generation) {
            self.chosen_for = Some(p.scenario_generation);
            self.shown = Self::defaults(&p.sim);
        }
        ui.horizontal_wrapped(|ui| {
            ui.label("Show:");
            for chart in Chart::ALL {
                let mut on = self.shown.contains(&chart);
                if ui.toggle_value(&mut on, chart.toggle_name()).changed() {
                    if on {
                        self.shown.push(chart);
                        if self.shown.len() > MOST_SHOWN {
                            self.shown.remove(0);
                        }
                    } else {
                        self.shown.retain(|&c| c != chart);
                    }
                    // Keep the toggles' order on screen.
                    self.shown.sort_by_key(|c| Chart::ALL.iter().position(|a| a == c));
                }
            }
            ui.label(RichText::new("(hover a curve for its raw values)").small());
        });
        if self.shown.is_empty() {
            return;
        }
        let fit = ((ui.available_width() / NARROWEST_CHART) as usize).max(1);
        let shown: Vec<Chart> = self.shown.iter().copied().take(fit).collect();
        if shown.len() < self.shown.len() {
            let text = format!("{fit} of the {} charts chosen fit: turn one off to see the next", self.shown.len());
            ui.label(RichText::new(text).small());
        }
        // Below each chart's title.
        let plot_height = (ui.available_height() - ui.text_style_height(&egui::TextStyle::Body) - 12.0).max(80.0);
        ui.columns(shown.len(), |columns| {
            for (column, chart) in columns.iter_mut().zip(shown) {
                let data = chart_data(chart, &p.sim, history);
                plot_ui(column, &format!("chart-{chart:?}"), chart, data, plot_height);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_averages_neighbours_and_keeps_times() {
        let points: Vec<[f64; 2]> = (0..5).map(|i| [i as f64, if i == 2 { 10.0 } else { 0.0 }]).collect();
        let s = smooth(&points, 1);
        assert_eq!(s.iter().map(|p| p[0]).collect::<Vec<_>>(), [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!((s[2][1] - 10.0 / 3.0).abs() < 1e-12);
        assert_eq!(s[0][1], 0.0);
        assert!((s[1][1] - 10.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn every_chart_has_data_for_a_scenario_with_queues_and_a_database() {
        for name in ["database-storm", "sqs-worker"] {
            let scenario = crate::scenario::built_in(name).expect("in the library").expect("valid");
            let mut sim = crate::app::playback::new_simulation(scenario.config.clone());
            let mut history = RunHistory::default();
            for second in 1..=60u64 {
                sim.step_until(crate::sim::kernel::time::SimTime(second * 1_000_000), u64::MAX);
                history.follow(&sim, 0.0);
            }
            for chart in [Chart::Latency, Chart::Concurrency, Chart::Cost] {
                let data = chart_data(chart, &sim, &history);
                assert!(data.curves.iter().all(|c| !c.points.is_empty()), "{name}: {chart:?}");
            }
            let has = |chart| chart_data(chart, &sim, &history).curves.iter().any(|c| !c.points.is_empty());
            assert_eq!(has(Chart::Queues), !sim.queues().is_empty(), "{name}");
            assert_eq!(has(Chart::Database), !sim.databases().is_empty(), "{name}");
        }
    }
}
