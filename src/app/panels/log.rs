//! The latest lines of the simulation's event log.

use crate::app::playback::Playback;
use crate::sim::log::{LogEntry, LogKind, Outcome};
use bevy_egui::egui::{self, RichText};

const LINES: usize = 14;

pub fn log_ui(ui: &mut egui::Ui, p: &Playback) {
    let sim = &p.sim;
    let lines: Vec<&LogEntry> = sim.log.entries().rev().take(LINES).collect();
    if lines.is_empty() {
        ui.label("nothing yet");
    }
    for e in lines {
        let function = sim.functions().get(e.function as usize).map_or("?", |f| f.name());
        let what = match e.kind {
            LogKind::Arrived => "arrived".to_string(),
            LogKind::ColdStartBegan => "cold start began".to_string(),
            LogKind::ColdStartDone { took } => format!("cold start done ({took})"),
            LogKind::Started { warm: true } => "started warm".to_string(),
            LogKind::Started { warm: false } => "started".to_string(),
            LogKind::Finished { outcome: Outcome::Succeeded, latency } => format!("finished ({latency})"),
            LogKind::Finished { outcome, latency } => format!("{outcome:?} ({latency})"),
            LogKind::Throttled { reason } => format!("throttled: {}", reason.explain()),
            LogKind::Expired { idle_for } => format!("env {} expired after {idle_for} idle", e.env),
        };
        let request = if e.request == 0 { String::new() } else { format!(" #{}", e.request) };
        ui.label(RichText::new(format!("{} {function}{request} {what}", e.time)).monospace().small());
    }
}
