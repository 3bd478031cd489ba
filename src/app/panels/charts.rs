//! Charts over simulated time: latency percentiles, cold starts, concurrency against
//! its limit, throttles and errors, queues, database connections and cumulative cost.
//! This module says what each chart shows and which are on; `chart_plot` draws them.

use super::chart_plot::{ChartData, Curve, curve, plot_ui};
use crate::app::command::{Command, Export};
use crate::app::context::{Panel, PanelContext};
use crate::app::history::RunHistory;
use crate::app::theme::palette;
use crate::sim::Simulation;
use crate::sim::kernel::metrics::SeriesPoint;
use crate::sim::kernel::theory::erlang_b_throttles;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use bevy_egui::egui::{self, Color32, RichText};

/// The charts on offer, in the order of their toggles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    Latency,
    Completion,
    ColdStarts,
    Concurrency,
    Problems,
    Queues,
    Database,
    Cost,
}

impl Chart {
    pub const ALL: [Chart; 8] = [
        Chart::Latency,
        Chart::Completion,
        Chart::ColdStarts,
        Chart::Concurrency,
        Chart::Problems,
        Chart::Queues,
        Chart::Database,
        Chart::Cost,
    ];

    pub(super) fn title(self) -> &'static str {
        match self {
            Chart::Latency => "Invocation latency (ms)",
            Chart::Completion => "End-to-end completion (s)",
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
            Chart::Completion => "end to end",
            Chart::ColdStarts => "cold starts",
            Chart::Concurrency => "concurrency",
            Chart::Problems => "throttles, errors",
            Chart::Queues => "queues",
            Chart::Database => "database",
            Chart::Cost => "cost",
        }
    }

    /// The unit of its y axis, also in hover labels.
    pub(super) fn unit(self) -> &'static str {
        match self {
            Chart::Latency => "ms",
            Chart::Completion => "seconds",
            Chart::ColdStarts => "% of requests",
            Chart::Concurrency => "requests in flight",
            Chart::Problems => "requests per bucket",
            Chart::Queues => "messages / seconds",
            Chart::Database => "connections",
            Chart::Cost => "USD",
        }
    }
}

/// The most queues or databases a chart draws: past a handful their legend is a wall
/// and their lines a tangle (5 000 queues took 0.2 s a frame to chart).
pub const MOST_NODES_CHARTED: usize = 6;

/// The indices of the `MOST_NODES_CHARTED` nodes of largest `peak` (the first of equal
/// ones), in their order, and the note that says so when some are left out.
fn most_charted(peaks: impl ExactSizeIterator<Item = u64>, what: &str, plural: &str) -> (Vec<usize>, Option<String>) {
    let count = peaks.len();
    if count <= MOST_NODES_CHARTED {
        return ((0..count).collect(), None);
    }
    let mut ranked: Vec<(u64, usize)> = peaks.enumerate().map(|(i, peak)| (peak, i)).collect();
    ranked.select_nth_unstable_by(MOST_NODES_CHARTED - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<usize> = ranked[..MOST_NODES_CHARTED].iter().map(|&(_, i)| i).collect();
    kept.sort_unstable();
    (kept, Some(format!("the {MOST_NODES_CHARTED} {what} of {count} {plural}")))
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
        Chart::Completion => {
            // First trigger to last effect of the requests whose work ended in the bucket.
            for (name, q, colour) in [("p50", 0.5, c(palette::IDLE)), ("p99", 0.99, red)] {
                let points = series_points(sim, |p| p.completion.quantile_ms(q).map(|ms| ms / 1000.0));
                data.curves.push(curve(name, colour, points));
            }
        }
        Chart::ColdStarts => {
            data.curves.push(curve("cold starts", c(palette::COLD), series_points(sim, cold_start_percent)));
        }
        Chart::Concurrency => {
            let mean = series_points(sim, |p| Some(p.concurrency));
            data.curves.push(curve("in flight (mean)", c(palette::BUSY), mean));
            // Theory beside the measurement: Little's law, completions per second x
            // their time in flight, should lie on the measured mean.
            let width = sim.series.width().as_secs_f64();
            let little = series_points(sim, |p| Some(p.in_flight_secs / width));
            let theory = Color32::from_gray(230);
            data.curves.push(Curve { dashed: true, ..curve("Little's law: λ × W", theory, little) });
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
            // One function held to a reserved limit is a loss system: Erlang B predicts
            // its throttles from the offered load (over a minute either side).
            if let [f] = sim.functions()
                && f.model.spec.reserved_concurrency.is_some()
            {
                let width = sim.series.width().as_secs_f64();
                let predicted = erlang_b_throttles(sim.series.points(), width, sim.concurrency_limit(0));
                let line: Vec<[f64; 2]> = predicted
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| v.map(|v| [(i as f64 + 1.0) * width, v]))
                    .collect();
                let theory = Color32::from_gray(230);
                data.curves.push(Curve { dashed: true, ..curve("Erlang B prediction", theory, line) });
            }
        }
        Chart::Queues => {
            let width = sim.series.width().as_secs_f64();
            let colours = [c(palette::PROVISIONED), c(palette::INITIALIZING), c(palette::IDLE), c(palette::BUSY)];
            let (kept, note) = most_charted(sim.queues().iter().map(|q| q.max_depth), "deepest", "queues");
            data.note = note;
            for (i, q) in kept.into_iter().map(|i| (i, &sim.queues()[i])) {
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
            let peaks = sim.databases().iter().map(|d| u64::from(d.peak_connections));
            let (kept, note) = most_charted(peaks, "busiest", "databases");
            data.note = note;
            for (i, d) in kept.into_iter().map(|i| (i, &sim.databases()[i])) {
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

/// Which charts show (toggles above them).
#[derive(Default)]
pub struct ChartsPanel {
    shown: Vec<Chart>,
    /// The chart shown alone at full width (its title was clicked).
    enlarged: Option<Chart>,
    /// The scenario the defaults were chosen for.
    chosen_for: Option<u32>,
}

fn is_http(spec: &TriggerSpec) -> bool {
    matches!(spec, TriggerSpec::Http { .. })
}

/// Whether a request's work can outlive its first invocation: a trigger that is not a
/// waiting caller, or a queue, bus, stream or workflow to hand work on to.
pub fn has_pipeline(sim: &Simulation) -> bool {
    let config = sim.config();
    sim.triggers().iter().any(|t| !is_http(&t.spec))
        || !(config.queues.is_empty() && config.buses.is_empty() && config.streams.is_empty())
        || !config.workflows.is_empty()
        || sim.functions().iter().any(|f| {
            f.model
                .spec
                .calls
                .iter()
                .any(|c| matches!(c, crate::sim::function::Call::Invoke { asynchronous: true, .. }))
        })
}

/// Charts shown side by side at most: more would be too narrow to read.
const MOST_SHOWN: usize = 4;
/// The narrowest a chart may be (points): a narrower panel (presenter mode's large
/// text, a small window) shows the first charts chosen that fit.
const NARROWEST_CHART: f32 = 240.0;

impl ChartsPanel {
    /// Which charts show (as many as fit), and the export buttons.
    fn toggles_ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
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
            ui.separator();
            for (label, what, hover) in [
                ("⬇ CSV", Export::SeriesCsv, "the time series of these charts, a row a bucket"),
                ("⬇ JSON", Export::SeriesJson, "the same series as JSON"),
                ("📷 PNG", Export::WindowPng, "a picture of the window, for slides"),
                (
                    "🎞 GIF",
                    Export::TopologyGif,
                    "the topology for the next 10 simulated seconds, an animated GIF for slides and chat",
                ),
            ] {
                if ui.small_button(label).on_hover_text(hover).clicked() {
                    cx.send(Command::Export(what));
                }
            }
        });
    }

    /// A scenario's first charts: latency (when a caller waits), end-to-end
    /// completion (when work goes on asynchronously), cost always, and what its nodes
    /// have.
    fn defaults(sim: &Simulation) -> Vec<Chart> {
        let mut charts = Vec::new();
        if sim.triggers().iter().any(|t| t.spec.target_kind() == TargetKind::Function && is_http(&t.spec)) {
            charts.push(Chart::Latency);
        }
        if has_pipeline(sim) {
            charts.push(Chart::Completion);
        }
        // A function held to a reserved limit throttles: its chart carries Erlang B.
        if sim.functions().iter().any(|f| f.model.spec.reserved_concurrency.is_some()) {
            charts.push(Chart::Problems);
        }
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
        // A phone's screen shows the first chart, without the choice and export row.
        if !cx.view.narrow {
            self.toggles_ui(ui, cx);
        }
        if self.shown.is_empty() {
            return;
        }
        // A phone's screen: one chart (its toggles row runs wider than the screen).
        let fit = if cx.view.narrow { 1 } else { ((ui.available_width() / NARROWEST_CHART) as usize).max(1) };
        self.enlarged = self.enlarged.filter(|c| self.shown.contains(c));
        let shown: Vec<Chart> = match self.enlarged {
            Some(chart) => vec![chart],
            None => self.shown.iter().copied().take(fit).collect(),
        };
        if self.enlarged.is_none() && shown.len() < self.shown.len() && !cx.view.narrow {
            let text = format!("{fit} of the {} charts chosen fit: turn one off to see the next", self.shown.len());
            ui.label(RichText::new(text).small());
        }
        // Below each chart's title.
        let plot_height = (ui.available_height() - ui.text_style_height(&egui::TextStyle::Body) - 12.0).max(80.0);
        ui.columns(shown.len(), |columns| {
            for (column, chart) in columns.iter_mut().zip(shown) {
                let data = chart_data(chart, &p.sim, history);
                if plot_ui(column, &format!("chart-{chart:?}"), chart.title(), chart.unit(), data, plot_height) {
                    self.enlarged = if self.enlarged.is_some() { None } else { Some(chart) };
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chart_names_its_unit_on_its_y_axis() {
        for chart in Chart::ALL {
            assert!(!chart.unit().is_empty(), "{chart:?} has no unit on its y axis");
        }
    }

    #[test]
    fn past_a_handful_of_queues_the_deepest_are_charted_and_the_legend_says_so() {
        let (kept, note) = most_charted([3, 9, 0, 9, 1, 7, 7, 2, 8].into_iter(), "deepest", "queues");
        // The six largest, the first of equal ones, in the nodes' order.
        assert_eq!(kept, [0, 1, 3, 5, 6, 8]);
        assert_eq!(note.as_deref(), Some("the 6 deepest of 9 queues"));
        assert_eq!(most_charted([0; 6].into_iter(), "deepest", "queues"), ((0..6).collect(), None));
        assert_eq!(most_charted([0; 7].into_iter(), "deepest", "queues").0, [0, 1, 2, 3, 4, 5]);

        // 20 queues, each drained by its own function; only q13 gets a burst.
        let n = 20;
        let functions: Vec<String> =
            (0..n).map(|i| format!("(name: \"f{i}\", runtime: Go, duration: Constant(value: \"100ms\"))")).collect();
        let queues: Vec<String> = (0..n)
            .map(|i| format!("(name: \"q{i}\", consumer: (function: \"f{i}\", batch_size: 1, max_concurrency: 2))"))
            .collect();
        let triggers: Vec<String> = (0..n)
            .map(|i| {
                let rate = if i == 13 {
                    "Burst(base: 1.0, every: \"10s\", size: 500, within: \"1s\")"
                } else {
                    "Poisson(rate: 1.0)"
                };
                format!("Producer(name: \"p{i}\", queue: \"q{i}\", arrivals: {rate})")
            })
            .collect();
        let text = format!(
            "Scenario(name: \"many queues\", duration: \"1m\", functions: [{}], queues: [{}], triggers: [{}])",
            functions.join(", "),
            queues.join(", "),
            triggers.join(", ")
        );
        let config = crate::scenario::Scenario::parse(&text, "many queues").unwrap().config;
        let mut sim = crate::app::playback::new_simulation(config);
        sim.step_until(crate::sim::kernel::time::SimTime(30_000_000), u64::MAX);
        let data = chart_data(Chart::Queues, &sim, &RunHistory::default());
        assert_eq!(data.curves.len(), 2 * MOST_NODES_CHARTED, "depth and oldest age of each");
        assert!(data.curves.iter().any(|c| c.name == "q13 depth"), "the burst's queue is the deepest");
        assert_eq!(data.note.as_deref(), Some("the 6 deepest of 20 queues"));
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
            // Requests are followed to the end of their work where the scenario can
            // make asynchronous work (a synchronous one's completion is its latency);
            // only a pipeline that hands work on gets the chart by default.
            let work = sim.completion_totals();
            assert_eq!(has(Chart::Completion), work.arrived > work.not_followed, "{name}");
            assert_eq!(has_pipeline(&sim), name == "sqs-worker");
        }
        let sqs = crate::scenario::built_in("sqs-worker").unwrap().unwrap();
        let sim = crate::app::playback::new_simulation(sqs.config.clone());
        assert_eq!(ChartsPanel::defaults(&sim)[0], Chart::Completion);
    }
}
