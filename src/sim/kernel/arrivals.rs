//! Arrival processes: when requests (or events) enter the system.

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

/// Bursts and trace minutes of up to this many arrivals are drawn at once and sorted;
/// larger ones are drawn in order one at a time (the same distribution in constant
/// memory: a burst of 900 million no longer needs 7 GB).
pub const DRAWN_AT_ONCE: u64 = 1 << 16;

/// `n` independent uniform times in `[start, start + width)`, generated in increasing
/// order without holding them: each next one is the minimum of the uniforms left,
/// drawn through the log of the share of the interval still ahead (Renyi's spacings).
#[derive(Clone, Debug)]
struct InOrder {
    start: SimTime,
    width: u64,
    left: u64,
    /// ln(1 - u) of the last time drawn, u in [0, 1) its place in the interval.
    log_ahead: f64,
    /// Trace minutes keep every time strictly inside the minute.
    clamp: bool,
    next: Option<SimTime>,
}

impl InOrder {
    fn new(start: SimTime, width: u64, n: u64, clamp: bool, rng: &mut RngStream) -> InOrder {
        let mut g = InOrder { start, width, left: n, log_ahead: 0.0, clamp, next: None };
        g.advance(rng);
        g
    }

    fn advance(&mut self, rng: &mut RngStream) {
        self.next = (self.left > 0).then(|| {
            self.log_ahead -= rng.exponential(1.0) / self.left as f64;
            self.left -= 1;
            let u = -self.log_ahead.exp_m1();
            let mut at = (u * self.width as f64) as u64;
            if self.clamp {
                at = at.min(self.width.saturating_sub(1));
            }
            self.start + SimDuration(at)
        });
    }

    fn pop(&mut self, rng: &mut RngStream) -> Option<SimTime> {
        let next = self.next?;
        self.advance(rng);
        Some(next)
    }
}

/// Generates successive arrival times of one process.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct ArrivalGenerator {
    // In declaration order (`repr(C)`): what a Poisson draw reads and writes first,
    // then the arrivals' kind and rate (the head of `spec`), so that a trigger's next
    // arrival touches one or two cache lines (issue 16: many functions).
    /// Multiplies every rate (a live knob; 1.0 = as written).
    pub rate_scale: f64,
    /// The last arrival returned, and its exact (unrounded) time in microseconds: gaps
    /// carry their fractional part, so times are rounded once, not gap by gap (700 000
    /// a second rounded gap by gap made 1 000 000).
    last_exact: f64,
    last: Option<SimTime>,
    spec: Arrivals,
    next_burst: SimTime,
    /// Arrivals drawn ahead: the current burst, or the current minute of a trace.
    burst_pending: VecDeque<SimTime>,
    /// A burst or trace minute too large to draw ahead, generated in order instead.
    in_order: Option<InOrder>,
    base_next: Option<SimTime>,
    /// The next entry of an `At` list, or the next trace minute to draw (only one
    /// minute is held at a time).
    next_index: usize,
    /// `Constant`: the k-th arrival since `origin` is at `origin + k / rate` exactly.
    origin: f64,
    count: u64,
    constant_rate: f64,
}

impl ArrivalGenerator {
    pub fn new(spec: Arrivals) -> ArrivalGenerator {
        let next_burst = match &spec {
            Arrivals::Burst { every, .. } => SimTime(every.0),
            _ => SimTime::MAX,
        };
        ArrivalGenerator {
            spec,
            rate_scale: 1.0,
            next_burst,
            burst_pending: VecDeque::new(),
            in_order: None,
            base_next: None,
            next_index: 0,
            last: None,
            last_exact: 0.0,
            origin: 0.0,
            count: 0,
            constant_rate: 0.0,
        }
    }

    /// Where a process continues from, in microseconds: the exact time of the last
    /// arrival if `now` is that arrival, else `now`.
    #[inline]
    fn exact_from(&self, now: SimTime) -> f64 {
        if self.last == Some(now) { self.last_exact } else { now.0 as f64 }
    }

    /// An arrival at exact time `us`, rounded to the nearest microsecond.
    #[inline]
    fn emit(&mut self, us: f64) -> SimTime {
        let t = SimTime(crate::sim::kernel::time::round_micros(us));
        self.last = Some(t);
        self.last_exact = us;
        t
    }

    pub fn spec(&self) -> &Arrivals {
        &self.spec
    }

    /// The next time of the group drawn ahead (a burst or a trace minute), if any.
    fn group_front(&self) -> Option<SimTime> {
        match &self.in_order {
            Some(g) => g.next,
            None => self.burst_pending.front().copied(),
        }
    }

    fn group_pop(&mut self, rng: &mut RngStream) -> Option<SimTime> {
        match &mut self.in_order {
            Some(g) => {
                let next = g.pop(rng);
                if g.next.is_none() {
                    self.in_order = None;
                }
                next
            }
            None => self.burst_pending.pop_front(),
        }
    }

    /// Draws the next group: `n` uniform times in `[start, start + width)`, sorted.
    fn draw_group(&mut self, start: SimTime, width: u64, n: u64, clamp: bool, rng: &mut RngStream) {
        if n > DRAWN_AT_ONCE {
            self.in_order = Some(InOrder::new(start, width, n, clamp, rng));
            return;
        }
        let mut times: Vec<SimTime> = (0..n)
            .map(|_| {
                let at = (rng.unit() * width as f64) as u64;
                start + SimDuration(if clamp { at.min(width - 1) } else { at })
            })
            .collect();
        times.sort_unstable();
        self.burst_pending.extend(times);
    }

    /// The arrival after the one at `now` (the previous arrival, or zero at the start);
    /// `None` when there are no more.
    #[inline]
    pub fn next_after(&mut self, now: SimTime, rng: &mut RngStream) -> Option<SimTime> {
        // Poisson arrivals, the common case, inline into the arrival's handling: the
        // call of the whole match cost a fifth of a Poisson draw's instructions.
        if let Arrivals::Poisson { rate } = self.spec {
            let from = self.exact_from(now);
            return poisson_after(from, rate * self.rate_scale, rng).map(|us| self.emit(us));
        }
        self.next_after_other(now, rng)
    }

    fn next_after_other(&mut self, now: SimTime, rng: &mut RngStream) -> Option<SimTime> {
        let scale = self.rate_scale;
        match &self.spec {
            Arrivals::Poisson { rate } => {
                let from = self.exact_from(now);
                poisson_after(from, rate * scale, rng).map(|us| self.emit(us))
            }
            Arrivals::Constant { rate } => {
                let r = rate * scale;
                if r <= 0.0 {
                    return None;
                }
                if self.constant_rate != r || self.last != Some(now) {
                    (self.origin, self.count, self.constant_rate) = (now.0 as f64, 0, r);
                }
                self.count += 1;
                let us = self.origin + self.count as f64 * 1e6 / r;
                Some(self.emit(us))
            }
            Arrivals::Steps { steps } => {
                // Memoryless: draw within the current step; if the draw crosses into the
                // next step, restart from that step's start at its own rate.
                let mut t = self.exact_from(now);
                loop {
                    // Steps are in increasing time: the last one started by `t`.
                    let started = steps.partition_point(|s| s.at.0 as f64 <= t);
                    let i = started.checked_sub(1);
                    let rate = i.map_or(0.0, |i| steps[i].rate) * scale;
                    let boundary = steps.get(started).map(|s| s.at.0 as f64);
                    match (poisson_after(t, rate, rng), boundary) {
                        (Some(c), Some(b)) if c < b => return Some(self.emit(c)),
                        (Some(c), None) => return Some(self.emit(c)),
                        (_, Some(b)) => t = b,
                        (None, None) => return None,
                    }
                }
            }
            Arrivals::Diurnal { mean, amplitude, period, peak_at } => {
                // Thinning (Lewis and Shedler): candidates at the peak rate, kept with
                // probability rate(t) / peak.
                let (mean, amplitude) = (*mean, *amplitude);
                let peak = mean * (1.0 + amplitude) * scale;
                let (period, phase) = (period.as_secs_f64(), peak_at.as_secs_f64());
                let mut t = self.exact_from(now);
                for _ in 0..1_000_000 {
                    t = poisson_after(t, peak, rng)?;
                    let x = TAU * (t / 1e6 - phase) / period;
                    let rate = mean * (1.0 + amplitude * x.cos()) * scale;
                    if rng.unit() * peak < rate {
                        return Some(self.emit(t));
                    }
                }
                Some(self.emit(t))
            }
            Arrivals::At { times } => {
                let next = times.get(self.next_index).map(|d| SimTime(d.0));
                self.next_index += 1;
                next
            }
            Arrivals::Every { period, offset } => {
                let k = self.next_index as u64;
                self.next_index += 1;
                Some(SimTime(offset.unwrap_or(*period).0.saturating_add(period.0.saturating_mul(k))))
            }
            Arrivals::Daily { times } => {
                let k = self.next_index;
                self.next_index += 1;
                let day = (k / times.len().max(1)) as u64;
                times.get(k % times.len().max(1)).map(|t| SimTime(DAY.0 * day + t.0))
            }
            Arrivals::Burst { base, every, size, within } => {
                // The next burst is drawn ahead; the background's next arrival is kept
                // until used (memoryless, so drawing it from `now` is exact).
                let (base, every, size, within) = (*base, *every, *size, *within);
                if self.group_front().is_none() && self.next_burst != SimTime::MAX {
                    let start = self.next_burst;
                    let n = (f64::from(size) * scale).round() as u64;
                    self.draw_group(start, within.0, n, false, rng);
                    self.next_burst = start + every;
                }
                if self.base_next.is_none() {
                    let from = self.exact_from(now);
                    self.base_next = poisson_after(from, base * scale, rng).map(|us| self.emit(us));
                }
                match (self.group_front(), self.base_next) {
                    (Some(burst), Some(background)) if background < burst => self.base_next.take(),
                    (Some(_), _) => self.group_pop(rng),
                    (None, _) => self.base_next.take(),
                }
            }
            Arrivals::Trace { per_minute } => {
                let minutes = per_minute.len();
                while self.group_front().is_none() && self.next_index < minutes {
                    let Arrivals::Trace { per_minute } = &self.spec else { break };
                    let k = self.next_index;
                    self.next_index += 1;
                    let n = if scale == 1.0 {
                        u64::from(per_minute[k])
                    } else {
                        (f64::from(per_minute[k]) * scale).round() as u64
                    };
                    let start = SimTime(k as u64 * TRACE_MINUTE.0);
                    // Clamped: a (float) edge never leaves its minute.
                    self.draw_group(start, TRACE_MINUTE.0, n, true, rng);
                }
                self.group_pop(rng)
            }
        }
    }
}

/// The exact time (microseconds) of a Poisson process's next arrival after `from`.
#[inline]
fn poisson_after(from: f64, rate: f64, rng: &mut RngStream) -> Option<f64> {
    (rate > 0.0).then(|| from + rng.exponential(1.0 / rate) * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_until(spec: Arrivals, secs: u64) -> Vec<SimTime> {
        let mut g = ArrivalGenerator::new(spec);
        let mut rng = RngStream::new(9, "arrivals-test");
        let end = SimTime(secs * 1_000_000);
        let mut out = Vec::new();
        let mut t = SimTime::ZERO;
        while let Some(next) = g.next_after(t, &mut rng) {
            if next >= end {
                break;
            }
            assert!(next >= t, "time went backwards");
            out.push(next);
            t = next;
        }
        out
    }

    #[test]
    fn poisson_count_matches_rate() {
        let n = count_until(Arrivals::Poisson { rate: 50.0 }, 2000).len() as f64;
        // Mean 100 000, sd 316.
        assert!((n - 100_000.0).abs() < 1300.0, "{n}");
    }

    #[test]
    fn constant_is_evenly_spaced() {
        let v = count_until(Arrivals::Constant { rate: 4.0 }, 10);
        assert_eq!(v.len(), 39); // 0.25, 0.5, ..., 9.75
        assert!(v.windows(2).all(|w| w[1].0 - w[0].0 == 250_000));
    }

    #[test]
    fn rates_are_right_at_any_magnitude() {
        // Gaps carry their fractional part: 700 000 a second is 7.0 M in 10 s (rounding
        // each 1.43 us gap to 1 us made 10 M), and a rate of 3 lands on exact thirds.
        let v = count_until(Arrivals::Constant { rate: 700_000.0 }, 10);
        assert_eq!(v.len(), 6_999_999); // the 7 000 000th is at 10 s, the end
        let v = count_until(Arrivals::Constant { rate: 3.0 }, 2);
        assert_eq!(v.iter().map(|t| t.0).collect::<Vec<_>>(), [333_333, 666_667, 1_000_000, 1_333_333, 1_666_667]);
        // Poisson at 2.5 M/s for 2 s: 5 M within sampling noise (sd 2236; it was 28% over).
        let n = count_until(Arrivals::Poisson { rate: 2_500_000.0 }, 2).len() as f64;
        assert!((n - 5e6).abs() < 12_000.0, "{n}");
        // The same for steps, the diurnal shape and a burst's background.
        let steps = Arrivals::Steps { steps: vec![Step { at: SimDuration::ZERO, rate: 2_500_000.0 }] };
        let n = count_until(steps, 2).len() as f64;
        assert!((n - 5e6).abs() < 12_000.0, "{n}");
        let diurnal = Arrivals::Diurnal {
            mean: 2_500_000.0,
            amplitude: 0.0,
            period: SimDuration::from_secs(100),
            peak_at: SimDuration::ZERO,
        };
        let n = count_until(diurnal, 2).len() as f64;
        assert!((n - 5e6).abs() < 12_000.0, "{n}");
        let burst = Arrivals::Burst {
            base: 2_500_000.0,
            every: SimDuration::from_secs(100),
            size: 0,
            within: SimDuration::ZERO,
        };
        let n = count_until(burst, 2).len() as f64;
        assert!((n - 5e6).abs() < 12_000.0, "{n}");
    }

    #[test]
    fn steps_follow_the_schedule() {
        let spec = Arrivals::Steps {
            steps: vec![
                Step { at: SimDuration::from_secs(100), rate: 10.0 },
                Step { at: SimDuration::from_secs(200), rate: 100.0 },
                Step { at: SimDuration::from_secs(300), rate: 0.0 },
            ],
        };
        let v = count_until(spec, 400);
        let in_window = |a: u64, b: u64| v.iter().filter(|t| t.0 >= a * 1_000_000 && t.0 < b * 1_000_000).count();
        assert_eq!(in_window(0, 100), 0);
        assert!((in_window(100, 200) as f64 - 1000.0).abs() < 130.0);
        assert!((in_window(200, 300) as f64 - 10_000.0).abs() < 400.0);
        assert_eq!(in_window(300, 400), 0);
    }

    #[test]
    fn diurnal_peaks_and_troughs() {
        let spec = Arrivals::Diurnal {
            mean: 10.0,
            amplitude: 0.9,
            period: SimDuration::from_secs(1000),
            peak_at: SimDuration::from_secs(250),
        };
        let v = count_until(spec.clone(), 1000);
        let near = |c: u64| v.iter().filter(|t| t.0.abs_diff(c * 1_000_000) < 50_000_000).count() as f64;
        // Rate at the peak 19/s, at the trough 1/s (100 s windows: ~1870 vs ~130).
        assert!(near(250) > 1700.0, "{}", near(250));
        assert!(near(750) < 250.0, "{}", near(750));
        assert!((v.len() as f64 - spec.expected_count(SimDuration::from_secs(1000))).abs() < 400.0);
    }

    #[test]
    fn bursts_arrive_on_schedule_over_the_background() {
        let spec = Arrivals::Burst {
            base: 1.0,
            every: SimDuration::from_secs(60),
            size: 500,
            within: SimDuration::from_secs(2),
        };
        let v = count_until(spec, 300);
        // Four bursts (60, 120, 180, 240) of 500, plus ~300 background.
        assert!((v.len() as f64 - 2300.0).abs() < 60.0, "{}", v.len());
        let in_burst = v.iter().filter(|t| (t.0 / 1_000_000) % 60 < 2 && t.0 >= 60_000_000).count();
        assert!(in_burst >= 2000);
    }

    #[test]
    fn a_trace_replays_each_minute_count_exactly_within_its_minute() {
        let per_minute = vec![3, 0, 250, 1, 0, 0, 7];
        let v = count_until(Arrivals::Trace { per_minute: per_minute.clone().into() }, 3600);
        assert_eq!(v.len(), 261);
        for (k, &n) in per_minute.iter().enumerate() {
            let (a, b) = (k as u64 * 60_000_000, (k as u64 + 1) * 60_000_000);
            assert_eq!(v.iter().filter(|t| t.0 >= a && t.0 < b).count(), n as usize, "minute {k}");
        }
        // Uniform within the minute: the 250 of minute 2 split about evenly between halves
        // (binomial, sd 7.9; 4 sd).
        let first_half = v.iter().filter(|t| t.0 >= 120_000_000 && t.0 < 150_000_000).count() as f64;
        assert!((first_half - 125.0).abs() < 32.0, "{first_half}");
    }

    #[test]
    fn a_trace_holds_one_minute_at_a_time_and_is_reproducible() {
        let spec = Arrivals::Trace { per_minute: vec![1000, 1000, 1000].into() };
        let mut g = ArrivalGenerator::new(spec.clone());
        let mut rng = RngStream::new(9, "arrivals-test");
        let first = g.next_after(SimTime::ZERO, &mut rng).unwrap();
        assert_eq!(g.burst_pending.len(), 999, "only the current minute is drawn ahead");
        assert!(g.in_order.is_none());
        assert!(first.0 < 60_000_000);
        assert_eq!(count_until(spec.clone(), 600), count_until(spec, 600), "same seed, same times");
    }

    #[test]
    fn huge_bursts_and_minutes_come_in_order_without_being_held() {
        // 2 million arrivals in one trace minute and in one burst: never held at once,
        // in order, inside their interval, and uniform (each tenth holds a tenth).
        for spec in [
            Arrivals::Trace { per_minute: vec![0, 2_000_000].into() },
            Arrivals::Burst {
                base: 0.0,
                every: SimDuration::from_secs(60),
                size: 2_000_000,
                within: SimDuration::from_secs(60),
            },
        ] {
            let mut g = ArrivalGenerator::new(spec.clone());
            let mut rng = RngStream::new(4, "in-order");
            let (mut n, mut last, mut tenths) = (0u64, SimTime::ZERO, [0u64; 10]);
            while let Some(t) = g.next_after(last, &mut rng) {
                if t.0 >= 120_000_000 {
                    break;
                }
                assert!(t >= last && t.0 >= 60_000_000, "{spec:?}: {t:?} after {last:?}");
                assert!(g.burst_pending.is_empty(), "nothing is drawn ahead");
                tenths[((t.0 - 60_000_000) / 6_000_000) as usize] += 1;
                last = t;
                n += 1;
            }
            assert_eq!(n, 2_000_000, "{spec:?}");
            // Binomial(2M, 0.1): sd 424; 5 sd.
            assert!(tenths.iter().all(|&c| c.abs_diff(200_000) < 2_200), "{spec:?}: {tenths:?}");
        }
    }

    #[test]
    fn trace_expectation_peak_and_validation() {
        let spec = Arrivals::Trace { per_minute: vec![60, 120, 0, 30].into() };
        assert_eq!(spec.expected_count(SimDuration::from_secs(240)), 210.0);
        assert_eq!(spec.expected_count(SimDuration::from_secs(90)), 120.0); // 60 + half of 120
        assert_eq!(spec.peak_rate(), 2.0); // 120 in a minute
        assert!(spec.problems().is_empty());
        let empty = Arrivals::Trace { per_minute: vec![].into() };
        assert_eq!(empty.problems()[0].0, "per_minute");
        assert_eq!(empty.peak_rate(), 0.0);
        // A rate knob scales each minute's count (rounded); 1.0 is the trace as written.
        let mut g = ArrivalGenerator::new(Arrivals::Trace { per_minute: vec![10, 10].into() });
        g.rate_scale = 0.5;
        let mut rng = RngStream::new(1, "x");
        let mut n = 0;
        let mut t = SimTime::ZERO;
        while let Some(next) = g.next_after(t, &mut rng) {
            t = next;
            n += 1;
        }
        assert_eq!(n, 10);
    }
}
