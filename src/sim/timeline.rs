//! A scenario's timeline: changes scripted at simulated times, so a classroom demo
//! tells the same story every time. Captions narrate, `Set` turns a knob as a user
//! would, and faults break something (a slow database, a failing dependency). The
//! simulation runs them as events, so the CLI and the app see the same run.

use crate::sim::kernel::time::SimDuration;
use crate::sim::names::index_of;
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
    /// The value an API serves changes (a secret rotated in a parameter store): answers
    /// environments cached before now are stale (see `ApiCache`).
    RotateSecret { api: String },
    /// An operator redrives the queue's dead-letter queue: its messages move back to
    /// the queue (at the queue's `redrive_rate`), as new messages.
    Redrive { queue: String },
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
            TimelineAction::RotateSecret { api } => {
                let a = index_of(&self.config.apis, api).unwrap_or(0) as usize;
                self.services.apis[a].version += 1;
                Ok(())
            }
            TimelineAction::Redrive { queue } => {
                let q = index_of(&self.config.queues, queue).unwrap_or(0) as usize;
                self.redrive(q).map(|_| ())
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
