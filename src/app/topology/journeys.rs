//! Requests' journeys, read from the simulation's event log (arrival, start, finish or
//! throttle) so the view can move a dot per request between its event times. HTTP
//! requests travel from their arrival; invocations by a queue, bus, bucket, stream or
//! schedule from their start; a new attempt of an invocation that failed is a retry.

use crate::app::AppSystems;
use crate::app::playback::Playback;
use crate::sim::kernel::log::{LogKind, Outcome};
use crate::sim::kernel::time::{SimDuration, SimTime};
use bevy::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Journeys>().add_systems(Update, follow_log.in_set(AppSystems::SyncView));
}

/// Journeys kept at most (the oldest go first); bounds memory at high rates.
const MAX_JOURNEYS: usize = 20_000;
/// Dots take at least this much real time to cross an edge, so that requests of a few
/// milliseconds are still seen at 1x.
const MIN_CROSSING_REAL_SECS: f64 = 0.8;

/// How a request ended, which is its dot's colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Warm,
    ColdStart,
    Throttled,
    /// Failed or timed out.
    Failed,
    /// A retry (of an asynchronous invocation or a queue message) that succeeded.
    Retried,
}

#[derive(Clone, Copy, Debug)]
pub struct Journey {
    pub function: u32,
    pub arrived: SimTime,
    pub cold: bool,
    /// A new attempt after a failed one.
    pub retry: bool,
    /// When it finished or was refused, and how.
    pub ended: Option<(SimTime, Fate)>,
}

#[derive(Resource, Default)]
pub struct Journeys {
    /// By request id, so the oldest are first.
    pub by_request: BTreeMap<u64, Journey>,
    /// Requests whose last attempt failed: their next start is a retry.
    failed: BTreeSet<u64>,
    seen: u64,
    generation: u32,
}

/// The most the dots may lag behind the clock: at high speeds a dot per request is a
/// blur anyway, and dots minutes behind the numbers would mislead.
const MAX_LAG_SECS: f64 = 5.0;

/// The view shows requests this much simulated time late, stretched to at least this
/// long, so a dot's whole journey is known when it is drawn.
pub fn replay_lag(speed: f64) -> SimDuration {
    SimDuration::from_secs_f64((speed * MIN_CROSSING_REAL_SECS).min(MAX_LAG_SECS))
}

impl Journey {
    /// Where the dot is along its edge at `now` (0 = at the trigger, 1 = at the
    /// function), or `None` when it is not (or no longer) shown.
    pub fn progress(&self, now: SimTime, lag: SimDuration) -> Option<f32> {
        let shown_at = now.0.checked_sub(lag.0)?;
        let since = shown_at.checked_sub(self.arrived.0)? as f64;
        let end = self.ended.map_or(now, |(t, _)| t);
        let span = end.0.saturating_sub(self.arrived.0).max(lag.0).max(1) as f64;
        let p = since / span;
        (p < 1.0 || self.ended.is_none()).then_some(p.min(0.999) as f32)
    }

    pub fn fate(&self) -> Option<Fate> {
        self.ended.map(|(_, f)| f)
    }
}

fn follow_log(playback: Res<Playback>, mut journeys: ResMut<Journeys>) {
    let sim = &playback.sim;
    if journeys.generation != playback.generation {
        *journeys = Journeys { generation: playback.generation, ..default() };
    }
    let total = sim.log.total();
    let new = (total - journeys.seen.min(total)) as usize;
    journeys.seen = total;
    let entries: Vec<_> = sim.log.entries().rev().take(new).collect();
    for e in entries.into_iter().rev() {
        let at = e.time;
        match e.kind {
            LogKind::Arrived => {
                let j = Journey { function: e.function, arrived: at, cold: false, retry: false, ended: None };
                journeys.by_request.insert(e.request, j);
            }
            LogKind::ColdStartBegan => {
                if let Some(j) = journeys.by_request.get_mut(&e.request) {
                    j.cold = true;
                }
            }
            LogKind::Started { warm } => {
                // An HTTP request already travels; anything else starts its journey here.
                let running = journeys.by_request.get(&e.request).is_some_and(|j| j.ended.is_none());
                if !running {
                    let retry = journeys.failed.remove(&e.request);
                    let j = Journey { function: e.function, arrived: at, cold: !warm, retry, ended: None };
                    journeys.by_request.insert(e.request, j);
                }
            }
            LogKind::Throttled { .. } => {
                if let Some(j) = journeys.by_request.get_mut(&e.request) {
                    j.ended = Some((at, Fate::Throttled));
                }
            }
            LogKind::Finished { outcome, .. } => {
                let failed = matches!(outcome, Outcome::Failed | Outcome::TimedOut);
                if let Some(j) = journeys.by_request.get_mut(&e.request) {
                    let fate = match outcome {
                        _ if failed => Fate::Failed,
                        _ if j.retry => Fate::Retried,
                        _ if j.cold => Fate::ColdStart,
                        _ => Fate::Warm,
                    };
                    j.ended = Some((at, fate));
                }
                if failed {
                    journeys.failed.insert(e.request);
                    // Bounded: a request retried after this many later failures is
                    // drawn as a first attempt.
                    if journeys.failed.len() > MAX_JOURNEYS {
                        journeys.failed.pop_first();
                    }
                }
            }
            // An access denied fails the invocation: its Finished says so. A handler's own
            // lines change no journey.
            LogKind::ColdStartDone { .. }
            | LogKind::Expired { .. }
            | LogKind::AccessDenied { .. }
            | LogKind::Handler { .. } => {}
        }
    }
    // Forget what has been drawn to its end, and anything far too old (a finish the
    // bounded log dropped before it was read).
    let now = sim.now();
    let lag = replay_lag(playback.speed);
    let stale = SimTime(now.0.saturating_sub(lag.0.saturating_mul(4) + 600_000_000));
    journeys.by_request.retain(|_, j| j.progress(now, lag).is_some() || j.arrived.0 + lag.0 > now.0);
    journeys.by_request.retain(|_, j| j.arrived > stale);
    while journeys.by_request.len() > MAX_JOURNEYS {
        journeys.by_request.pop_first();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dot_crosses_in_at_least_the_lag_and_disappears_after() {
        let lag = SimDuration::from_secs(1);
        let j = Journey {
            function: 0,
            arrived: SimTime(0),
            cold: false,
            retry: false,
            ended: Some((SimTime(100_000), Fate::Warm)),
        };
        assert_eq!(j.progress(SimTime(500_000), lag), None); // not shown yet
        assert_eq!(j.progress(SimTime(1_000_000), lag), Some(0.0));
        assert!((j.progress(SimTime(1_500_000), lag).unwrap() - 0.5).abs() < 1e-6);
        assert_eq!(j.progress(SimTime(2_000_000), lag), None); // arrived: gone
    }

    #[test]
    fn an_unfinished_request_never_reaches_the_end() {
        let lag = SimDuration::from_secs(1);
        let j = Journey { function: 0, arrived: SimTime(0), cold: true, retry: false, ended: None };
        let p = j.progress(SimTime(100_000_000), lag).unwrap();
        assert!(p < 1.0);
    }
}
