//! Arrival processes: when requests (or events) enter the system. This file holds
//! how a scenario describes them (`Arrivals`); `generator.rs` draws their times.

mod generator;
#[cfg(test)]
mod tests;

pub(crate) use generator::InOrder;
pub use generator::{ArrivalGenerator, DRAWN_AT_ONCE};

use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::f64::consts::TAU;

/// How requests arrive. Rates are per second.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Arrivals {
    /// Independent arrivals at a constant average rate.
    Poisson { rate: f64 },
    /// Exactly evenly spaced arrivals.
    Constant { rate: f64 },
    /// A Poisson rate that changes in steps: each step holds from its time until the
    /// next. Before the first step the rate is zero. A spike is a step up then down.
    Steps { steps: Vec<Step> },
    /// A daily (or any period) sinusoidal shape around a mean rate.
    Diurnal {
        mean: f64,
        /// 0 = flat, 1 = the rate touches zero at the trough.
        amplitude: f64,
        #[serde(default = "one_day")]
        period: SimDuration,
        /// When in the period the rate peaks.
        #[serde(default)]
        peak_at: SimDuration,
    },
    /// Requests at exactly these times (a scripted demo, or a test).
    At { times: Vec<SimDuration> },
    /// A fixed rate schedule: every `period`, the first at `offset` (default: one period).
    Every {
        period: SimDuration,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset: Option<SimDuration>,
    },
    /// Daily at these times of day (for example `["2h", "14h30m"]`).
    Daily { times: Vec<SimDuration> },
    /// A Poisson background rate plus bursts of `size` requests spread uniformly over
    /// `within`, every `every` (the first at `every`).
    Burst {
        #[serde(default)]
        base: f64,
        every: SimDuration,
        size: u32,
        #[serde(default = "one_second")]
        within: SimDuration,
    },
    /// Replay of a per-minute invocation-count trace: minute k's count arrives at that
    /// many independent uniform times within [60k s, 60(k+1) s) (Poisson arrivals
    /// conditioned on the count), so the replay has exactly the trace's total. (Shared,
    /// not copied, by the configuration and the run: a day of counts is 5.8 KB.)
    Trace { per_minute: std::sync::Arc<[u32]> },
}

/// The length of one bucket of a `Trace`.
pub const TRACE_MINUTE: SimDuration = SimDuration::from_secs(60);

/// One step of a `Steps` schedule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at: SimDuration,
    pub rate: f64,
}

const DAY: SimDuration = SimDuration::from_secs(86_400);

fn one_day() -> SimDuration {
    SimDuration::from_secs(86_400)
}
fn one_second() -> SimDuration {
    SimDuration::from_secs(1)
}

impl Arrivals {
    /// Problems with the parameters as (field, message); empty when valid.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut rate_ok = |field: &str, r: f64| {
            if !r.is_finite() || r < 0.0 {
                let r = crate::sim::kernel::num(r);
                out.push((field.to_string(), format!("a rate must be a number of requests per second >= 0, got {r}")));
            }
        };
        match self {
            Arrivals::Poisson { rate } | Arrivals::Constant { rate } => rate_ok("rate", *rate),
            Arrivals::Steps { steps } => {
                for (i, s) in steps.iter().enumerate() {
                    rate_ok(&format!("steps[{i}].rate"), s.rate);
                }
                // Steps after the end are allowed: a shortened run simply never reaches them.
                for (i, w) in steps.windows(2).enumerate() {
                    if w[1].at <= w[0].at {
                        out.push((format!("steps[{}].at", i + 1), "steps must be listed in increasing time".into()));
                    }
                }
            }
            Arrivals::Diurnal { mean, amplitude, period, .. } => {
                rate_ok("mean", *mean);
                if !(0.0..=1.0).contains(amplitude) {
                    let amplitude = crate::sim::kernel::num(*amplitude);
                    out.push(("amplitude".into(), format!("amplitude must be in 0..1, got {amplitude}")));
                }
                if period.0 == 0 {
                    out.push(("period".into(), "the period must be above zero".into()));
                }
            }
            Arrivals::At { times } => {
                if times.windows(2).any(|w| w[1] < w[0]) {
                    out.push(("times".into(), "list the times in order".into()));
                }
            }
            Arrivals::Every { period, .. } => {
                if period.0 < 1000 {
                    out.push(("period".into(), format!("a schedule period of at least 1ms, got {period}")));
                }
            }
            Arrivals::Daily { times } => {
                if times.is_empty() || times.windows(2).any(|w| w[1] <= w[0]) || times.iter().any(|t| t.0 >= DAY.0) {
                    out.push(("times".into(), "times of day in increasing order, each below 24h".into()));
                }
            }
            Arrivals::Burst { base, every, within, .. } => {
                rate_ok("base", *base);
                if every.0 == 0 {
                    out.push(("every".into(), "bursts need a period above zero".into()));
                }
                if within > every {
                    out.push(("within".into(), format!("a burst ({within}) must fit in its period ({every})")));
                }
            }
            Arrivals::Trace { per_minute } => {
                if per_minute.is_empty() {
                    out.push(("per_minute".into(), "a trace needs at least one minute of counts".into()));
                }
            }
        }
        out
    }

    /// Expected number of arrivals in `[0, run)`, to refuse runs that would not finish.
    pub fn expected_count(&self, run: SimDuration) -> f64 {
        let t = run.as_secs_f64();
        match self {
            Arrivals::Poisson { rate } | Arrivals::Constant { rate } => rate * t,
            Arrivals::Steps { steps } => steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let end = steps.get(i + 1).map_or(t, |n| n.at.as_secs_f64().min(t));
                    s.rate * (end - s.at.as_secs_f64()).max(0.0)
                })
                .sum(),
            Arrivals::Diurnal { mean, .. } => mean * t,
            Arrivals::At { times } => times.iter().filter(|d| d.0 < run.0).count() as f64,
            Arrivals::Every { period, .. } => t / period.as_secs_f64().max(1e-6),
            Arrivals::Daily { times } => times.len() as f64 * (t / DAY.as_secs_f64()).ceil(),
            Arrivals::Burst { base, every, size, .. } => {
                base * t + f64::from(*size) * (t / every.as_secs_f64().max(1e-6)).floor()
            }
            Arrivals::Trace { per_minute } => {
                // Arrivals are uniform within their minute: a minute cut by the end of the
                // run contributes the share of it that is inside.
                let minute = TRACE_MINUTE.as_secs_f64();
                per_minute
                    .iter()
                    .enumerate()
                    .map(|(k, &n)| f64::from(n) * ((t - k as f64 * minute) / minute).clamp(0.0, 1.0))
                    .sum()
            }
        }
    }

    /// The highest instantaneous rate (for charts and the server-fleet baseline).
    pub fn peak_rate(&self) -> f64 {
        match self {
            Arrivals::Poisson { rate } | Arrivals::Constant { rate } => *rate,
            Arrivals::Steps { steps } => steps.iter().map(|s| s.rate).fold(0.0, f64::max),
            Arrivals::Diurnal { mean, amplitude, .. } => mean * (1.0 + amplitude),
            Arrivals::At { times } => times.len() as f64,
            Arrivals::Every { period, .. } => 1.0 / period.as_secs_f64().max(1e-6),
            Arrivals::Daily { times } => times.len() as f64 / DAY.as_secs_f64(),
            Arrivals::Burst { base, size, within, .. } => base + f64::from(*size) / within.as_secs_f64().max(1e-6),
            Arrivals::Trace { per_minute } => {
                f64::from(per_minute.iter().copied().max().unwrap_or(0)) / TRACE_MINUTE.as_secs_f64()
            }
        }
    }
}
