//! The simulation's structured event log: its latest lines (a side section), and the
//! whole kept log with filters by function, level, kind and text (a bottom tab).

use crate::app::context::{Panel, PanelContext};
use crate::app::theme::palette;
use crate::app::theme::widgets::long_list_ui;
use crate::app::view_state::{BottomTab, ViewState};
use crate::report::export::handler_message;
use crate::sim::Simulation;
use crate::sim::kernel::log::{LogEntry, LogKind, LogLevel, Outcome};
use crate::sim::kernel::time::SimDuration;
use bevy_egui::egui::{self, RichText};

const LINES: usize = 14;

/// The latest lines of the log (a side section).
pub struct EventLog;

impl Panel for EventLog {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let sim = &cx.playback.sim;
        let lines: Vec<&LogEntry> = sim.log.entries().rev().take(LINES).collect();
        // Faults switched on or off, newest first, above the lines since (the latest
        // three, so a burst of requests does not push them out at once).
        let red = palette::egui(palette::THROTTLED);
        for (at, action) in cx.playback.faults().rev().take(3) {
            let text = format!("{at} FAULT {}", crate::app::chaos::describe(action));
            ui.label(RichText::new(text).monospace().small().color(red));
        }
        if lines.is_empty() {
            ui.label("nothing yet");
        }
        for e in lines {
            ui.label(RichText::new(line(sim, e)).monospace().small());
        }
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
        LogKind::AccessDenied { call } => format!("AccessDenied: the role does not allow call {}", call + 1),
        // Its text is in the function's spec: `line` writes it.
        LogKind::Handler { level, .. } => format!("{level:?} (the handler's own line)"),
    }
}

/// How serious a log entry is, for filtering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    /// Refused (throttled) requests, and a handler's warnings.
    Warn,
    /// Failed or timed-out invocations, and a handler's error lines.
    Error,
}

pub fn level(kind: &LogKind) -> Level {
    match kind.level() {
        LogLevel::Info => Level::Info,
        LogLevel::Warn => Level::Warn,
        LogLevel::Error => Level::Error,
    }
}

/// A kind the filter offers: its name and the test it applies.
type KindFilter = (&'static str, fn(&LogKind) -> bool);

/// The kinds the filter offers.
const KINDS: [KindFilter; 7] = [
    ("handler's own lines", |k| matches!(k, LogKind::Handler { .. })),
    ("arrived", |k| matches!(k, LogKind::Arrived)),
    ("cold start", |k| matches!(k, LogKind::ColdStartBegan | LogKind::ColdStartDone { .. })),
    ("started", |k| matches!(k, LogKind::Started { .. })),
    ("finished", |k| matches!(k, LogKind::Finished { .. })),
    ("throttled", |k| matches!(k, LogKind::Throttled { .. })),
    ("env expired", |k| matches!(k, LogKind::Expired { .. })),
];

/// The structured log, filtered by function, level, kind and text (the bottom tab: the
/// filter is its state).
pub struct LogFilter {
    /// `None`: every function.
    pub function: Option<usize>,
    /// Shown levels: info, warn, error.
    pub levels: [bool; 3],
    /// Index into `KINDS`; `None`: every kind.
    pub kind: Option<usize>,
    /// Case-insensitive text the line must contain.
    pub text: String,
}

impl Default for LogFilter {
    fn default() -> Self {
        LogFilter { function: None, levels: [true; 3], kind: None, text: String::new() }
    }
}

impl LogFilter {
    /// Whether `e` passes; `line` is its text, made only when a text filter needs it.
    pub fn passes(&self, e: &LogEntry, line: impl FnOnce() -> String) -> bool {
        let level_shown = match level(&e.kind) {
            Level::Info => self.levels[0],
            Level::Warn => self.levels[1],
            Level::Error => self.levels[2],
        };
        level_shown
            && self.function.is_none_or(|f| e.function as usize == f)
            && self.kind.is_none_or(|k| KINDS[k].1(&e.kind))
            && (self.text.is_empty() || line().to_lowercase().contains(&self.text.to_lowercase()))
    }
}

/// One entry as a line of the log panel.
pub fn line(sim: &Simulation, e: &LogEntry) -> String {
    let function = sim.functions().get(e.function as usize).map_or("?", |f| f.name());
    let request = if e.request == 0 { String::new() } else { format!(" #{}", e.request) };
    if let LogKind::Handler { level, .. } = e.kind {
        return format!("{} {function}{request} {level:?}: {}", e.time, handler_message(sim, e));
    }
    format!("{} {function}{request} {}", e.time, describe(e))
}

impl Panel for LogFilter {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        filtered_log_ui(ui, &cx.playback.sim, self, cx.view);
    }
}

fn filtered_log_ui(ui: &mut egui::Ui, sim: &Simulation, filter: &mut LogFilter, view: &mut ViewState) {
    ui.horizontal_wrapped(|ui| {
        let name = |f: Option<usize>| f.and_then(|i| sim.functions().get(i)).map_or("every function", |f| f.name());
        egui::ComboBox::from_id_salt("log-function").selected_text(name(filter.function)).show_ui(ui, |ui| {
            ui.selectable_value(&mut filter.function, None, "every function");
            long_list_ui(ui, sim.functions().len(), |ui, i| {
                ui.selectable_value(&mut filter.function, Some(i), sim.functions()[i].name());
            });
        });
        let kind = filter.kind.map_or("every event", |k| KINDS[k].0);
        egui::ComboBox::from_id_salt("log-kind").selected_text(kind).show_ui(ui, |ui| {
            ui.selectable_value(&mut filter.kind, None, "every event");
            for (k, (name, _)) in KINDS.iter().enumerate() {
                ui.selectable_value(&mut filter.kind, Some(k), *name);
            }
        });
        ui.checkbox(&mut filter.levels[0], "info");
        ui.checkbox(&mut filter.levels[1], RichText::new("warnings").color(palette::egui(palette::THROTTLED)));
        ui.checkbox(&mut filter.levels[2], RichText::new("errors").color(palette::egui(palette::FAILED)));
        ui.add(
            egui::TextEdit::singleline(&mut filter.text).hint_text("text, such as #120 or 429").desired_width(180.0),
        );
    });
    // Newest first; lines are made only for the rows on screen (and for a text filter).
    let shown: Vec<&LogEntry> = sim.log.entries().rev().filter(|e| filter.passes(e, || line(sim, e))).collect();
    ui.label(
        RichText::new(format!(
            "{} of the latest {} entries ({} logged in all)",
            shown.len(),
            sim.log.entries().count(),
            sim.log.total()
        ))
        .small(),
    );
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("log-lines")
        .max_height(ui.available_height())
        .auto_shrink([false, false])
        .show_rows(ui, row_height, shown.len(), |ui, rows| {
            for e in &shown[rows] {
                ui.horizontal(|ui| {
                    let mut text = RichText::new(line(sim, e)).monospace();
                    match level(&e.kind) {
                        Level::Warn => text = text.color(palette::egui(palette::THROTTLED)),
                        Level::Error => text = text.color(palette::egui(palette::FAILED)),
                        Level::Info => {}
                    }
                    ui.label(text);
                    if e.request != 0 && sim.traces.sampled(e.request) && ui.small_button("trace").clicked() {
                        view.selected_trace = Some(e.request);
                        view.bottom_tab = BottomTab::Traces;
                    }
                });
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::SimTime;

    fn entry(kind: LogKind, function: u32) -> LogEntry {
        LogEntry { time: SimTime(1_000_000), kind, function, env: 0, request: 42 }
    }

    #[test]
    fn the_filter_combines_function_level_kind_and_text() {
        let failed = entry(LogKind::Finished { outcome: Outcome::Failed, latency: SimDuration::from_millis(5) }, 1);
        let arrived = entry(LogKind::Arrived, 0);
        let mut filter = LogFilter::default();
        assert!(filter.passes(&failed, || "x".into()) && filter.passes(&arrived, || "x".into()));
        filter.function = Some(1);
        assert!(filter.passes(&failed, String::new) && !filter.passes(&arrived, String::new));
        filter.levels = [true, true, false];
        assert!(!filter.passes(&failed, String::new), "errors hidden");
        filter = LogFilter { kind: Some(1), ..LogFilter::default() };
        assert!(filter.passes(&arrived, String::new) && !filter.passes(&failed, String::new));
        filter = LogFilter { text: "API #42".into(), ..LogFilter::default() };
        assert!(filter.passes(&arrived, || "00:00:01 api #42 arrived".into()));
        assert!(!filter.passes(&arrived, || "00:00:01 worker #42 arrived".into()));
    }

    #[test]
    fn the_handlers_own_lines_filter_by_their_level_and_kind() {
        use crate::sim::kernel::log::{HandlerLine, LogLevel};
        let line = HandlerLine::Step { call: 2, elapsed: SimDuration::from_millis(1200) };
        let warning = entry(LogKind::Handler { level: LogLevel::Warn, line }, 0);
        assert_eq!(level(&warning.kind), Level::Warn);
        let handlers_only = LogFilter { kind: Some(0), ..LogFilter::default() };
        assert!(handlers_only.passes(&warning, String::new));
        assert!(!handlers_only.passes(&entry(LogKind::Arrived, 0), String::new));
        let no_warnings = LogFilter { levels: [true, false, true], ..LogFilter::default() };
        assert!(!no_warnings.passes(&warning, String::new));
    }
}
