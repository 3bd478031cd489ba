//! The latest lines of the simulation's event log.

use crate::app::playback::Playback;
use crate::sim::log::{LogEntry, LogKind, Outcome};
use crate::sim::time::SimDuration;
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
        let what = describe(e);
        let request = if e.request == 0 { String::new() } else { format!(" #{}", e.request) };
        ui.label(RichText::new(format!("{} {function}{request} {what}", e.time)).monospace().small());
    }
}

fn ms(d: SimDuration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// One log entry in words (without its time and function).
pub fn describe(e: &LogEntry) -> String {
    match e.kind {
        LogKind::Arrived => "arrived".to_string(),
        LogKind::ColdStartBegan => "cold start began".to_string(),
        LogKind::ColdStartDone { took } => format!("cold start done ({})", ms(took)),
        LogKind::Started { warm: true } => "started warm".to_string(),
        LogKind::Started { warm: false } => "started".to_string(),
        LogKind::Finished { outcome: Outcome::Succeeded, latency } => format!("finished ({})", ms(latency)),
        LogKind::Finished { outcome, latency } => format!("{outcome:?} ({})", ms(latency)),
        LogKind::Throttled { reason } => format!("throttled: {}", reason.explain()),
        LogKind::Expired { idle_for } => {
            format!("env {} expired after {:.0} s idle", e.env, idle_for.as_secs_f64())
        }
    }
}
