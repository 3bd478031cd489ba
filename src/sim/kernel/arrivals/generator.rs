//! Drawing arrival times: one generator per trigger, in order and in constant memory
//! (bursts and trace minutes of any size are drawn lazily).

use super::*;

/// Bursts and trace minutes of up to this many arrivals are drawn at once and sorted;
/// larger ones are drawn in order one at a time (the same distribution in constant
/// memory: a burst of 900 million no longer needs 7 GB).
pub const DRAWN_AT_ONCE: u64 = 1 << 16;

/// `n` independent uniform times in `[start, start + width)`, generated in increasing
/// order without holding them: each next one is the minimum of the uniforms left,
/// drawn through the log of the share of the interval still ahead (Renyi's spacings).
#[derive(Clone, Debug)]
pub(crate) struct InOrder {
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
    pub(crate) fn new(start: SimTime, width: u64, n: u64, clamp: bool, rng: &mut RngStream) -> InOrder {
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

    pub(crate) fn pop(&mut self, rng: &mut RngStream) -> Option<SimTime> {
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
    pub(super) burst_pending: VecDeque<SimTime>,
    /// A burst or trace minute too large to draw ahead, generated in order instead.
    pub(super) in_order: Option<InOrder>,
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
    /// The bytes from the start that a Poisson draw reads and writes: all before
    /// `next_burst`.
    pub(crate) const HOT_BYTES: usize = std::mem::offset_of!(ArrivalGenerator, next_burst);

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
    /// `None` when there are no more. Always inlined (six callers): left to the
    /// compiler, it stayed a call once the arrival's own calls were inlined, 0.9% of
    /// case (a)'s instructions.
    #[inline(always)]
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
