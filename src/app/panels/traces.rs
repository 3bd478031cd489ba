//! Traces: the recent sampled requests (one in ten is traced), and a waterfall of the
//! selected one: each hop (the caller's wait, cold starts, attempts, queue waits,
//! database queries) as a bar on a shared time axis.

use crate::app::context::{Panel, PanelContext};
use crate::app::theme::palette;
use crate::app::theme::widgets::swatches_ui;
use crate::app::view_state::ViewState;
use crate::report::export::span_node_name;
use crate::sim::Simulation;
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimTime;
use crate::sim::kernel::trace::{Span, SpanKind};
use bevy_egui::egui::{self, Color32, RichText};
use std::collections::HashMap;

/// Traces listed at most (the newest).
const LISTED: usize = 400;
const LIST_WIDTH: f32 = 430.0;

#[derive(Default)]
pub struct TracesPanel {
    /// List only traces with a cold start, a retry, an error or a timeout.
    only_eventful: bool,
}

/// One request's trace in a line of the list.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSummary {
    pub trace: u64,
    pub start: SimTime,
    pub end: SimTime,
    pub spans: usize,
    pub attempts: usize,
    pub cold: bool,
    pub failed: bool,
}

impl TraceSummary {
    /// Something worth a look: a cold start, a retry, an error or a timeout.
    pub fn eventful(&self) -> bool {
        self.cold || self.failed || self.attempts > 1
    }
}

/// The kept traces, newest first.
pub fn summaries(sim: &Simulation) -> Vec<TraceSummary> {
    let mut by_trace: HashMap<u64, TraceSummary> = HashMap::new();
    for s in sim.traces.spans() {
        let t = by_trace.entry(s.trace).or_insert(TraceSummary {
            trace: s.trace,
            start: s.start,
            end: s.end,
            spans: 0,
            attempts: 0,
            cold: false,
            failed: false,
        });
        t.start = t.start.min(s.start);
        t.end = t.end.max(s.end);
        t.spans += 1;
        t.attempts += usize::from(s.kind == SpanKind::Attempt);
        t.cold |= s.kind == SpanKind::ColdStart;
        t.failed |= matches!(s.outcome, Some(Outcome::Failed | Outcome::TimedOut));
    }
    let mut list: Vec<TraceSummary> = by_trace.into_values().collect();
    list.sort_by_key(|t| std::cmp::Reverse((t.start, t.trace)));
    list
}

fn ms(from: SimTime, to: SimTime) -> f64 {
    to.since(from).as_millis_f64()
}

impl Panel for TracesPanel {
    /// The list and the waterfall scroll within the height left to them.
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let (sim, view) = (&cx.playback.sim, &mut *cx.view);
        let height = ui.available_height();
        if sim.traces.sample_every == 0 {
            ui.label("Tracing is off for this run.");
            return;
        }
        let all = summaries(sim);
        let listed: Vec<&TraceSummary> =
            all.iter().filter(|t| !self.only_eventful || t.eventful()).take(LISTED).collect();
        if view.selected_trace.is_none_or(|id| !all.iter().any(|t| t.trace == id)) {
            // Show something at once: the newest eventful trace, else the newest.
            view.selected_trace = all.iter().find(|t| t.eventful()).or(all.first()).map(|t| t.trace);
        }
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(LIST_WIDTH);
                ui.set_height(height);
                ui.horizontal(|ui| {
                    ui.label(RichText::new(format!("{} traced requests", all.len())).strong())
                        .on_hover_text(format!("one request in {} is traced", sim.traces.sample_every));
                    ui.checkbox(&mut self.only_eventful, "only cold, retried or failed");
                });
                list_ui(ui, &listed, view);
            });
            ui.separator();
            ui.vertical(|ui| match view.selected_trace {
                Some(id) => waterfall_ui(ui, sim, id),
                None => {
                    ui.label("No traced request yet.");
                }
            });
        });
    }
}

fn list_ui(ui: &mut egui::Ui, listed: &[&TraceSummary], view: &mut ViewState) {
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("trace-list")
        .max_height(ui.available_height())
        .auto_shrink([false, false])
        .show_rows(ui, row_height, listed.len(), |ui, rows| {
            for t in &listed[rows] {
                let mut notes = Vec::new();
                if t.cold {
                    notes.push("cold");
                }
                if t.attempts > 1 {
                    notes.push("retried");
                }
                if t.failed {
                    notes.push("failed");
                }
                let line = format!(
                    "#{:<8} {} {:>8.1} ms {:>2} spans {}",
                    t.trace,
                    t.start,
                    ms(t.start, t.end),
                    t.spans,
                    notes.join(", ")
                );
                let mut text = RichText::new(line).monospace();
                if t.failed {
                    text = text.color(palette::egui(palette::FAILED));
                } else if t.cold {
                    text = text.color(palette::egui(palette::COLD));
                }
                if ui.selectable_label(view.selected_trace == Some(t.trace), text).clicked() {
                    view.selected_trace = Some(t.trace);
                }
            }
        });
}

fn span_colour(s: &Span) -> Color32 {
    if matches!(s.outcome, Some(Outcome::Failed | Outcome::TimedOut)) {
        return palette::egui(palette::FAILED);
    }
    match s.kind {
        SpanKind::Request => Color32::from_rgb(120, 130, 150),
        SpanKind::ColdStart => palette::egui(palette::INITIALIZING),
        SpanKind::Attempt => palette::egui(palette::BUSY),
        SpanKind::QueueWait => palette::egui(palette::PROVISIONED),
        SpanKind::Query => Color32::from_rgb(80, 200, 200),
        SpanKind::AccessDenied => palette::egui(palette::FAILED),
    }
}

/// A span in words: what it was, where, and (for attempts) which try.
fn span_label(sim: &Simulation, s: &Span, attempt: usize) -> String {
    let node = span_node_name(sim, s);
    match s.kind {
        SpanKind::Request => format!("request from {node}"),
        SpanKind::ColdStart => format!("cold start {node}"),
        SpanKind::Attempt if attempt > 1 => format!("{node} (try {attempt})"),
        SpanKind::Attempt => node.to_string(),
        SpanKind::QueueWait => format!("wait in {node}"),
        SpanKind::Query => format!("query {node}"),
        SpanKind::AccessDenied => format!("AccessDenied in {node}"),
    }
}

/// A tick step (ms) of 1, 2 or 5 times a power of ten giving at most `max_ticks` ticks.
fn tick_step(total_ms: f64, max_ticks: f64) -> f64 {
    let raw = (total_ms / max_ticks).max(1e-3);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|k| k * power).find(|&s| s >= raw).unwrap_or(10.0 * power)
}

fn waterfall_ui(ui: &mut egui::Ui, sim: &Simulation, trace: u64) {
    let mut spans = sim.traces.of(trace);
    // The caller's wait first: it holds everything else.
    spans.sort_by_key(|s| (s.start, s.kind != SpanKind::Request, s.end));
    let Some(start) = spans.iter().map(|s| s.start).min() else {
        ui.label(format!("Trace #{trace} is no longer kept."));
        return;
    };
    let end = spans.iter().map(|s| s.end).max().unwrap_or(start);
    let total_ms = ms(start, end).max(0.001);
    ui.label(
        RichText::new(format!("Request #{trace}: {} spans over {total_ms:.1} ms, from {start}", spans.len())).strong(),
    );
    let row = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let legend_height = row + 4.0;
    let label_width = 200.0;
    egui::ScrollArea::vertical()
        .id_salt("waterfall")
        .max_height(ui.available_height() - legend_height)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            let width = ui.available_width().max(label_width + 100.0);
            let height = row * (spans.len() as f32 + 1.0);
            let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
            let painter = ui.painter_at(rect);
            let bars =
                egui::Rect::from_min_max(rect.min + egui::vec2(label_width, row), rect.max - egui::vec2(60.0, 0.0));
            let x_of = |t: SimTime| bars.left() + (ms(start, t) / total_ms) as f32 * bars.width();
            let text = ui.visuals().text_color();
            let font = egui::TextStyle::Body.resolve(ui.style());
            let small = egui::TextStyle::Small.resolve(ui.style());
            // The time axis: ticks and grid lines from the request's start.
            let step = tick_step(total_ms, 6.0);
            let mut tick = 0.0;
            while tick <= total_ms + 1e-9 {
                let x = bars.left() + (tick / total_ms) as f32 * bars.width();
                painter.line_segment(
                    [egui::pos2(x, bars.top()), egui::pos2(x, bars.bottom())],
                    egui::Stroke::new(1.0, Color32::from_gray(60)),
                );
                painter.text(
                    egui::pos2(x, rect.top()),
                    egui::Align2::CENTER_TOP,
                    format!("{tick} ms"),
                    small.clone(),
                    text,
                );
                tick += step;
            }
            let mut attempts: HashMap<u32, usize> = HashMap::new();
            for (i, s) in spans.iter().enumerate() {
                let attempt = if s.kind == SpanKind::Attempt {
                    let n = attempts.entry(s.node).or_default();
                    *n += 1;
                    *n
                } else {
                    0
                };
                let y = bars.top() + i as f32 * row;
                let label = span_label(sim, s, attempt);
                painter.text(
                    egui::pos2(rect.left(), y + row / 2.0),
                    egui::Align2::LEFT_CENTER,
                    &label,
                    font.clone(),
                    text,
                );
                // A zero-length span still shows as a sliver.
                let (x0, x1) = (x_of(s.start), x_of(s.end).max(x_of(s.start) + 2.0));
                let bar = egui::Rect::from_min_max(egui::pos2(x0, y + 3.0), egui::pos2(x1, y + row - 3.0));
                painter.rect_filled(bar, 2.0, span_colour(s));
                let took = ms(s.start, s.end);
                let note = match s.outcome {
                    Some(Outcome::Failed) => format!("{took:.1} ms, failed"),
                    Some(Outcome::TimedOut) => format!("{took:.1} ms, timed out"),
                    _ => format!("{took:.1} ms"),
                };
                painter.text(egui::pos2(x1 + 4.0, y + row / 2.0), egui::Align2::LEFT_CENTER, note, font.clone(), text);
            }
        });
    legend_ui(ui);
}

fn legend_ui(ui: &mut egui::Ui) {
    let colour =
        |kind| span_colour(&Span { trace: 0, kind, node: 0, start: SimTime::ZERO, end: SimTime::ZERO, outcome: None });
    let items = [
        (colour(SpanKind::Request), "caller waits"),
        (colour(SpanKind::ColdStart), "cold start"),
        (colour(SpanKind::Attempt), "function runs"),
        (colour(SpanKind::QueueWait), "queue wait"),
        (colour(SpanKind::Query), "database query"),
        (palette::egui(palette::FAILED), "failed or timed out"),
    ];
    ui.horizontal_wrapped(|ui| swatches_ui(ui, &items, false, true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(tick_step(100.0, 6.0), 20.0);
        assert_eq!(tick_step(1000.0, 6.0), 200.0);
        assert_eq!(tick_step(7.0, 6.0), 2.0);
        assert_eq!(tick_step(3.0, 6.0), 0.5);
    }

    #[test]
    fn a_run_keeps_traces_whose_spans_sit_inside_them() {
        let scenario = crate::scenario::Scenario::default_scenario();
        let mut sim = crate::app::playback::new_simulation(scenario.config.clone());
        sim.step_until(SimTime(60_000_000), u64::MAX);
        let list = summaries(&sim);
        assert!(list.len() > 10, "one request in ten is traced");
        assert!(list.windows(2).all(|w| w[0].start >= w[1].start), "newest first");
        for t in list.iter().take(20) {
            let spans = sim.traces.of(t.trace);
            assert_eq!(spans.len(), t.spans);
            assert!(spans.iter().all(|s| s.start >= t.start && s.end <= t.end));
        }
        assert!(list.iter().any(|t| t.cold), "the default scenario starts cold");
    }
}
