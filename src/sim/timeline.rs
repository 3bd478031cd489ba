//! A scenario's timeline: changes scripted at simulated times, so a classroom demo
//! tells the same story every time. Captions narrate, `Set` turns a knob as a user
//! would, and faults break something (a slow database, a failing dependency). The
//! simulation runs them as events, so the CLI and the app see the same run.

use crate::sim::config::{Problem, SimConfig, index_of};
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs;
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};

/// One scripted change: `(at: "2m", action: Caption("Traffic triples"))`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub at: SimDuration,
    pub action: TimelineAction,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum TimelineAction {
    /// A narration caption, shown until the next one.
    Caption(String),
    /// Turns a knob as `--set` would: `Set(knob: "checkout.rate", value: "3")`. Only
    /// knobs that can change during a run (see `Knob::live`).
    Set { knob: String, value: String },
    /// A database's queries take `factor` times as long (1 puts it back).
    SlowDatabase { database: String, factor: f64 },
    /// A function's invocations fail with this probability, as when a dependency it
    /// calls is down (0 heals it).
    FailFunction { function: String, error_rate: f64 },
}

/// The largest slow-down a fault may inject.
const MAX_SLOWDOWN: f64 = 1000.0;

/// Problems with a timeline (called by `SimConfig::problems`).
pub(crate) fn problems(config: &SimConfig, out: &mut Vec<Problem>) {
    for (i, entry) in config.timeline.iter().enumerate() {
        let mut push = |field: &str, message: String| {
            let path = if field.is_empty() { format!("timeline[{i}]") } else { format!("timeline[{i}].{field}") };
            out.push(Problem { path, message });
        };
        if entry.at >= config.duration {
            push("at", format!("at {} is not before the end of the run ({})", entry.at, config.duration));
        }
        match &entry.action {
            TimelineAction::Caption(text) if text.trim().is_empty() => {
                push("action", "a caption needs some text".into());
            }
            TimelineAction::Caption(_) => {}
            TimelineAction::Set { knob: name, value } => match knobs::parse(config, name, value) {
                Err(e) => push("action", e),
                Ok(change) if !change.id.is_live() => push(
                    "action",
                    format!("knob \"{name}\" cannot change during a run (only before it starts, with --set)"),
                ),
                Ok(_) => {
                    // The value must also be one the model accepts (memory within range...).
                    let mut without_timeline = SimConfig { timeline: Vec::new(), ..config.clone() };
                    if let Err(e) = knobs::set(&mut without_timeline, name, value) {
                        push("action", e);
                    }
                }
            },
            TimelineAction::SlowDatabase { database, factor } => {
                if index_of(&config.databases, database).is_none() {
                    push("action", format!("no database \"{database}\""));
                }
                if !(factor.is_finite() && *factor > 0.0 && *factor <= MAX_SLOWDOWN) {
                    push("action", format!("factor must be above 0 and at most {MAX_SLOWDOWN}, got {factor}"));
                }
            }
            TimelineAction::FailFunction { function, error_rate } => {
                if index_of(&config.functions, function).is_none() {
                    push("action", format!("no function \"{function}\""));
                }
                if !(0.0..=1.0).contains(error_rate) {
                    push("action", format!("error_rate is a fraction in 0..1, got {error_rate}"));
                }
            }
        }
    }
}

impl Simulation {
    pub(crate) fn schedule_timeline(&mut self) {
        for (i, entry) in self.config.timeline.iter().enumerate() {
            self.queue.schedule(crate::sim::kernel::time::SimTime(entry.at.0), Event::Timeline { index: i as u32 });
        }
    }

    pub(crate) fn on_timeline(&mut self, index: u32) {
        let entry = self.config.timeline[index as usize].clone();
        let result = match &entry.action {
            TimelineAction::Caption(_) => {
                self.caption = Some(index);
                Ok(())
            }
            TimelineAction::Set { knob, value } => self.set_knob(knob, value),
            TimelineAction::SlowDatabase { database, factor } => {
                let d = index_of(&self.config.databases, database).unwrap_or(0) as usize;
                self.services.databases[d].slowdown = *factor;
                Ok(())
            }
            TimelineAction::FailFunction { function, error_rate } => {
                let f = index_of(&self.config.functions, function).unwrap_or(0) as usize;
                self.set_error_rate(f, *error_rate)
            }
        };
        // Validated before the run; a knob a user changed since may still refuse it.
        if let Err(e) = result {
            self.timeline_refused.push(format!("timeline[{index}] at {}: not applied: {e}", entry.at));
        }
    }

    /// The caption shown now (the last one whose time has come), with its time.
    pub fn caption(&self) -> Option<(SimDuration, &str)> {
        let entry = &self.config.timeline[self.caption? as usize];
        match &entry.action {
            TimelineAction::Caption(text) => Some((entry.at, text.as_str())),
            _ => None,
        }
    }
}
