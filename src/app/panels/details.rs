//! The details of the selected node: its parameters, its counters, its latest log
//! lines and traces, in a window that closes with its cross (or a click on empty canvas).

use super::log::line;
use crate::app::context::{Panel, PanelContext};
use crate::app::playback::Playback;
use crate::app::theme::widgets::values_ui;
use crate::app::topology::graph::{NodeKind, TriggerKind};
use crate::app::topology::nodes::{Topology, badge_text};
use crate::app::view_state::{BottomTab, ViewState};
use crate::sim::function::KeepAlive;
use crate::sim::kernel::trace::{Span, SpanKind};
use crate::sim::trigger::TargetKind;
use bevy_egui::egui::{self, RichText};

const LOG_LINES: usize = 10;
const TRACES: usize = 8;

/// A window beside the topology while a node is selected.
pub struct Details;

impl Panel for Details {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let Some(topology) = cx.topology else { return };
        details_ui(ui.ctx(), cx.playback, topology, cx.view);
    }
}

fn details_ui(ctx: &egui::Context, p: &Playback, topology: &Topology, view: &mut ViewState) {
    let Some(node) = view.selected_node.and_then(|i| topology.graph.nodes.get(i)) else { return };
    let mut open = true;
    egui::Window::new(format!("Details: {}", node.name))
        .id(egui::Id::new("node-details"))
        .open(&mut open)
        .anchor(egui::Align2::RIGHT_TOP, egui::vec2(-12.0, 90.0))
        .resizable(false)
        .show(ctx, |ui| match node.kind {
            NodeKind::Function => {
                function_ui(ui, p, node.index);
                traces_ui(ui, p, node.index, view);
            }
            NodeKind::Trigger(kind) => trigger_ui(ui, p, node.index, kind),
            kind => {
                ui.label(crate::app::topology::nodes::subtitle(&p.sim, kind, node.index));
            }
        });
    if !open {
        view.selected_node = None;
    }
}

fn function_ui(ui: &mut egui::Ui, p: &Playback, function: usize) {
    let sim = &p.sim;
    let f = &sim.functions()[function];
    let spec = &f.model.spec;
    let keep_alive = match &spec.keep_alive {
        KeepAlive::Fixed(d) => d.to_string(),
        KeepAlive::Random(dist) => format!("random {dist:?}"),
    };
    let c = &f.counters;
    values_ui(
        ui,
        "function-details",
        &[
            ("runtime", spec.runtime.label().to_string()),
            ("memory", format!("{} MB", spec.memory_mb)),
            ("timeout", spec.timeout.to_string()),
            ("keep-alive", keep_alive),
            ("reserved", spec.reserved_concurrency.map_or("none (shares the account)".into(), |r| r.to_string())),
            ("provisioned", spec.provisioned_concurrency.to_string()),
            ("concurrency limit now", sim.concurrency_limit(function).to_string()),
            ("environments", format!("{} ({} busy, {} starting)", f.environments(), f.busy, f.initializing)),
            ("invocations", c.invocations.to_string()),
            ("cold starts", c.cold_starts.to_string()),
            (
                "throttled",
                format!(
                    "{} (reserved {}, account {}, scaling {})",
                    c.throttled(),
                    c.throttled_reserved,
                    c.throttled_account,
                    c.throttled_scaling
                ),
            ),
            ("errors / timeouts", format!("{} / {}", c.failed, c.timed_out)),
            (
                "duration p50 / p99",
                format!("{:.0} / {:.0} ms", f.durations.quantile_ms(0.5), f.durations.quantile_ms(0.99)),
            ),
        ],
    );
    let badge = badge_text(sim, function);
    if !badge.is_empty() {
        ui.label(RichText::new(format!("Dropped or failed here: {badge}")).strong());
    }
    ui.separator();
    ui.label(RichText::new("Latest log lines").strong());
    let lines = sim.log.entries().rev().filter(|e| e.function as usize == function).take(LOG_LINES);
    for e in lines {
        ui.label(RichText::new(line(sim, e)).monospace().small());
    }
}

/// Traces passing through the function, newest first; a click opens one's waterfall.
fn traces_ui(ui: &mut egui::Ui, p: &Playback, function: usize, view: &mut ViewState) {
    let mut traces: Vec<u64> = Vec::new();
    let through = |s: &&Span| matches!(s.kind, SpanKind::Attempt | SpanKind::ColdStart) && s.node as usize == function;
    for s in p.sim.traces.spans().rev().filter(through) {
        if !traces.contains(&s.trace) {
            traces.push(s.trace);
        }
        if traces.len() == TRACES {
            break;
        }
    }
    if traces.is_empty() {
        return;
    }
    ui.separator();
    ui.label(RichText::new("Latest traces (click for the waterfall)").strong());
    ui.horizontal_wrapped(|ui| {
        for trace in traces {
            if ui.link(format!("#{trace}")).clicked() {
                view.selected_trace = Some(trace);
                view.bottom_tab = BottomTab::Traces;
            }
        }
    });
}

fn trigger_ui(ui: &mut egui::Ui, p: &Playback, trigger: usize, kind: TriggerKind) {
    let t = &p.sim.triggers()[trigger];
    let sends = match t.spec.target_kind() {
        TargetKind::Function => "invokes",
        TargetKind::Queue => "sends to queue",
        TargetKind::Bus => "publishes on bus",
        TargetKind::Bucket => "uploads into bucket",
        TargetKind::Stream => "changes flow into stream",
        TargetKind::Workflow => "starts workflow",
    };
    let c = &t.counters;
    let latency = if kind.synchronous() {
        format!("{:.0} / {:.0} ms", t.latency.quantile_ms(0.5), t.latency.quantile_ms(0.99))
    } else {
        "n/a (no caller waits)".to_string()
    };
    values_ui(
        ui,
        "trigger-details",
        &[
            ("kind", kind.description().into()),
            (sends, t.spec.target().to_string()),
            ("arrivals", format!("{:?}", t.arrivals.spec())),
            ("rate multiplier", format!("{:.2}x", t.arrivals.rate_scale)),
            ("arrived", c.arrived.to_string()),
            ("succeeded", c.succeeded.to_string()),
            (if kind.synchronous() { "throttled (429)" } else { "throttled" }, c.throttled.to_string()),
            ("failed / timed out", format!("{} / {}", c.failed, c.timed_out)),
            ("caller latency p50 / p99", latency),
        ],
    );
}
