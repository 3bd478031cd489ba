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
    /// The account's concurrency is cut to `share` of its limit (1 puts it back), as
    /// when AWS lowers a new or abused account's quota: functions without a
    /// reservation share what is left (reservations keep theirs).
    ThrottleAccount { share: f64 },
    /// A trigger's arrival rate is multiplied by `factor` for `lasting` (a campaign, a
    /// retry storm); `factor: 1` ends a burst under way. It takes effect from the
    /// trigger's next arrival, which was drawn at the old rate.
    Burst { trigger: String, factor: f64, lasting: SimDuration },
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
            action => self.apply_action(action),
        };
        // Validated before the run; a knob a user changed since may still refuse it.
        if let Err(e) = result {
            self.timeline_refused.push(format!("timeline[{index}] at {}: not applied: {e}", entry.at));
        }
    }

    /// Applies an action now (checked: see `faults.rs`, `Simulation::inject`).
    pub(crate) fn apply_action(&mut self, action: &TimelineAction) -> Result<(), String> {
        match action {
            TimelineAction::Caption(_) => Ok(()),
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
            TimelineAction::ThrottleAccount { share } => {
                self.throttle_account(*share);
                Ok(())
            }
            TimelineAction::Burst { trigger, factor, lasting } => {
                let t = self.triggers.iter().position(|t| t.spec.name() == trigger).unwrap_or(0);
                self.burst(t, *factor, *lasting);
                Ok(())
            }
        }
    }

    /// Cuts the account's shared concurrency to `share` of the account's limit (what
    /// reservations leave of it, at most), or puts it back (`share` 1). Requests in
    /// flight finish; new ones are throttled while the pool is above its new size.
    pub(crate) fn throttle_account(&mut self, share: f64) {
        let limit = self.config.account.concurrency_limit;
        let a = &mut self.account;
        a.unreserved_capacity += a.held_back;
        let cut = ((1.0 - share) * f64::from(limit)).round() as u32;
        a.held_back = cut.min(a.unreserved_capacity);
        a.unreserved_capacity -= a.held_back;
        a.throttle_share = share;
    }

    /// The share of the account's concurrency a `ThrottleAccount` fault left (1: none).
    pub fn account_throttle(&self) -> f64 {
        self.account.throttle_share
    }

    /// Multiplies a trigger's rate by `factor` until `lasting` from now (ending any
    /// burst under way first); `factor` 1 only ends one.
    pub(crate) fn burst(&mut self, trigger: usize, factor: f64, lasting: SimDuration) {
        let now = self.now;
        let t = &mut self.triggers[trigger];
        if let Some((scale, _)) = t.burst.take() {
            t.arrivals.rate_scale = scale;
        }
        if factor > 1.0 {
            let until = now + lasting;
            t.burst = Some((t.arrivals.rate_scale, until));
            t.arrivals.rate_scale *= factor;
            self.queue.schedule(until, Event::BurstEnd { trigger: trigger as u32 });
        }
    }

    pub(crate) fn on_burst_end(&mut self, trigger: u32) {
        let now = self.now;
        let t = &mut self.triggers[trigger as usize];
        // A burst ended early, or replaced by a later one, left a stale end behind.
        if let Some((scale, until)) = t.burst
            && until == now
        {
            t.arrivals.rate_scale = scale;
            t.burst = None;
        }
    }

    /// The end of a burst under way on a trigger, if any.
    pub fn burst_until(&self, trigger: usize) -> Option<crate::sim::kernel::time::SimTime> {
        self.triggers.get(trigger)?.burst.map(|(_, until)| until)
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
