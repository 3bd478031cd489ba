//! A pool's measurements: the counters of its requests, the time integrals of its
//! gauges (initializing, busy, idle, provisioned) kept with one addition per change,
//! and their totals over all pools, from which a tick closes the series bucket.

use super::FunctionState;
use crate::sim::kernel::metrics::TimeIntegral;
use crate::sim::kernel::time::{SimDuration, SimTime};

/// Counts over requests that arrived after the warm-up. In declaration order
/// (`repr(C)`): the first seven are those every invocation updates, one cache line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct FunctionCounters {
    /// Requests routed to the function.
    pub arrived: u64,
    /// Invocations that started (on a warm or a new environment).
    pub invocations: u64,
    pub cold_starts: u64,
    /// Cold starts while other environments of the function were alive but busy.
    pub cold_starts_scaling_out: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub throttled_reserved: u64,
    pub throttled_account: u64,
    pub throttled_scaling: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Requests whose result was wrong because local state was missing.
    pub wrong_results: u64,
    /// Calls refused because the function's role does not allow them.
    pub access_denied: u64,
    /// Cached API calls answered from the environment's memory (no request sent).
    pub api_cache_hits: u64,
    /// Requests that failed on a cached secret rotated since it was read.
    pub stale_secrets: u64,
    /// `TmpFile` downloads (and their KB), and calls that found the file in /tmp.
    pub tmp_downloads: u64,
    pub tmp_download_kb: u64,
    pub tmp_file_hits: u64,
    /// Requests failed because /tmp was full ("No space left on device").
    pub tmp_full: u64,
    /// Results written to /tmp instead of a bucket, and of those, lost when their
    /// environment was reclaimed (keep-alive, lifetime, scale-in).
    pub tmp_results_written: u64,
    pub tmp_results_lost: u64,
    /// The most /tmp any one environment held, KB (the whole run).
    pub tmp_peak_kb: u64,
    /// Lines its `Log` steps wrote, by level (info, warn, error).
    pub logged: [u64; 3],
    /// SnapStart: cold starts that restored the snapshot; requests whose result used
    /// state the snapshot shares between environments (also counted in
    /// `wrong_results`); requests failed on a connection the snapshot left stale.
    pub restores: u64,
    pub snapshot_shared_state: u64,
    pub stale_connections: u64,
}

impl FunctionCounters {
    pub fn throttled(&self) -> u64 {
        self.throttled_reserved + self.throttled_account + self.throttled_scaling
    }
    /// Arrived but neither finished nor refused yet.
    pub fn in_flight(&self) -> u64 {
        self.arrived - self.succeeded - self.failed - self.timed_out - self.throttled()
    }
}

/// Time integrals of the pool's gauges (count x microseconds since time zero).
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolIntegrals {
    pub initializing: TimeIntegral,
    pub busy: TimeIntegral,
    pub idle: TimeIntegral,
    pub provisioned: TimeIntegral,
}

/// Time-weighted averages over a window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PoolAverages {
    pub environments: f64,
    pub initializing: f64,
    pub busy: f64,
    pub idle: f64,
    pub provisioned: f64,
}

impl PoolIntegrals {
    pub fn averages_since(&self, earlier: &PoolIntegrals, span: SimDuration) -> PoolAverages {
        let initializing = self.initializing.average_since(&earlier.initializing, span);
        let busy = self.busy.average_since(&earlier.busy, span);
        let idle = self.idle.average_since(&earlier.idle, span);
        PoolAverages {
            environments: initializing + busy + idle,
            initializing,
            busy,
            idle,
            provisioned: self.provisioned.average_since(&earlier.provisioned, span),
        }
    }
}

/// The pool's gauges whose time integrals are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gauge {
    Initializing,
    Busy,
    Idle,
    Provisioned,
}

impl Gauge {
    /// Its place in `PoolTotals` (provisioned environments are not charted).
    #[inline]
    fn charted(self) -> Option<usize> {
        (self != Gauge::Provisioned).then_some(self as usize)
    }
}

/// All pools' charted gauges (initializing, busy, idle) summed, kept the way each pool
/// keeps its own (see `FunctionState::weighted`): every change of a pool's count
/// changes the sum too, with one addition. A tick then reads the whole system's
/// time-weighted averages here, without visiting any pool: with thousands of functions
/// that visit was a wait for memory per function changed in the bucket (issue 16).
/// Integer sums, so the averages are those of the pools' own integrals, exactly.
#[derive(Clone, Debug, Default)]
pub(crate) struct PoolTotals {
    /// Initializing, busy and idle environments of all pools.
    counts: [u64; 3],
    /// Sum over changes of each count of the change times its time, wrapping.
    weighted: [u128; 3],
    /// The integrals when the current series bucket began (provisioned left at zero:
    /// not charted), and the requests in flight then (initializing or busy).
    at_bucket_start: PoolIntegrals,
    in_flight_at_bucket_start: u64,
    /// How far each pool's peak in flight rose in this bucket above where it stood when
    /// the bucket began, summed over pools.
    peak_rise: u64,
    /// The current bucket's number: a pool's `bucket_max` belongs to the bucket it notes.
    bucket: u32,
}

impl PoolTotals {
    /// The totals of pools as they stand at time zero (their counts set there).
    pub(crate) fn of<'a>(pools: impl IntoIterator<Item = &'a FunctionState>) -> PoolTotals {
        let mut totals = PoolTotals::default();
        for f in pools {
            for (k, count) in f.counts().into_iter().enumerate() {
                totals.counts[k] += u64::from(count);
            }
        }
        totals.in_flight_at_bucket_start = totals.in_flight();
        totals
    }

    /// Requests in flight in all pools (initializing or busy environments).
    fn in_flight(&self) -> u64 {
        self.counts[0] + self.counts[1]
    }

    /// Closes the series bucket ending at `now` (no earlier than any pool's last
    /// change), `span` long: the pools' summed time-weighted averages over it, and the
    /// sum of their peaks in flight.
    pub(crate) fn close_bucket(&mut self, now: SimTime, span: SimDuration) -> (PoolAverages, u64) {
        let t = u128::from(now.0);
        let [initializing, busy, idle] =
            [0, 1, 2].map(|k| TimeIntegral { area: (u128::from(self.counts[k]) * t).wrapping_sub(self.weighted[k]) });
        let integrals = PoolIntegrals { initializing, busy, idle, provisioned: TimeIntegral::default() };
        let averages = integrals.averages_since(&self.at_bucket_start, span);
        let peak = self.in_flight_at_bucket_start + self.peak_rise;
        self.at_bucket_start = integrals;
        self.in_flight_at_bucket_start = self.in_flight();
        self.peak_rise = 0;
        self.bucket = self.bucket.wrapping_add(1);
        (averages, peak)
    }
}

impl FunctionState {
    /// Call before any gauge changes: changes from now on take effect at `now`, and a
    /// pool's first change in a series bucket starts its peak for that bucket at where it
    /// stood when the bucket began (its requests in flight now, before the change).
    #[inline]
    pub(crate) fn touch(&mut self, now: SimTime, totals: &PoolTotals) {
        self.integrate(now);
        if self.bucket != totals.bucket {
            self.bucket = totals.bucket;
            self.bucket_max = self.in_flight();
        }
    }

    /// Changes of the counts from now on take effect at `now` (never earlier than
    /// those before).
    #[inline]
    fn integrate(&mut self, now: SimTime) {
        self.last_touch = self.last_touch.max(now);
    }

    /// Adds `n` to a gauge's count (at `last_touch`, for its integral), and to the
    /// totals of all pools.
    #[inline]
    pub(crate) fn gauge_add(&mut self, gauge: Gauge, n: u32, totals: &mut PoolTotals) {
        *self.gauge_mut(gauge) += n;
        let change = u128::from(n) * u128::from(self.last_touch.0);
        let w = &mut self.weighted[gauge as usize];
        *w = w.wrapping_add(change);
        if let Some(k) = gauge.charted() {
            totals.counts[k] += u64::from(n);
            totals.weighted[k] = totals.weighted[k].wrapping_add(change);
        }
    }

    /// Takes `n` from a gauge's count (at `last_touch`, for its integral), and from the
    /// totals of all pools.
    #[inline]
    pub(crate) fn gauge_sub(&mut self, gauge: Gauge, n: u32, totals: &mut PoolTotals) {
        *self.gauge_mut(gauge) -= n;
        let change = u128::from(n) * u128::from(self.last_touch.0);
        let w = &mut self.weighted[gauge as usize];
        *w = w.wrapping_sub(change);
        if let Some(k) = gauge.charted() {
            totals.counts[k] -= u64::from(n);
            totals.weighted[k] = totals.weighted[k].wrapping_sub(change);
        }
    }

    #[inline]
    fn gauge_mut(&mut self, gauge: Gauge) -> &mut u32 {
        match gauge {
            Gauge::Initializing => &mut self.initializing,
            Gauge::Busy => &mut self.busy,
            Gauge::Idle => &mut self.idle_count,
            Gauge::Provisioned => &mut self.provisioned,
        }
    }

    /// The integrals as they stand at `now` (at `last_touch` if that is later), without
    /// changing anything.
    pub fn integrals_at(&self, now: SimTime) -> PoolIntegrals {
        let t = u128::from(self.last_touch.max(now).0);
        let area = |count: u32, gauge: Gauge| TimeIntegral {
            area: (u128::from(count) * t).wrapping_sub(self.weighted[gauge as usize]),
        };
        PoolIntegrals {
            initializing: area(self.initializing, Gauge::Initializing),
            busy: area(self.busy, Gauge::Busy),
            idle: area(self.idle_count, Gauge::Idle),
            provisioned: area(self.provisioned, Gauge::Provisioned),
        }
    }

    #[inline]
    pub(crate) fn note_concurrency(&mut self, totals: &mut PoolTotals) {
        let c = self.in_flight();
        self.max_concurrency = self.max_concurrency.max(c);
        if c > self.bucket_max {
            totals.peak_rise += u64::from(c - self.bucket_max);
            self.bucket_max = c;
        }
    }

    pub(crate) fn reset_peaks(&mut self) {
        self.max_concurrency = self.in_flight();
    }
}

#[cfg(test)]
mod tests {
    use crate::bench::many_functions;
    use crate::scenario::{LIBRARY, Scenario};
    use crate::sim::Simulation;
    use crate::sim::kernel::metrics::TimeIntegral;
    use crate::sim::kernel::time::{SimDuration, SimTime};

    /// The pools' integrals of initializing, busy and idle environments at `now`, summed.
    fn summed_integrals(sim: &Simulation) -> [TimeIntegral; 3] {
        let mut sums = [TimeIntegral::default(); 3];
        for f in sim.functions() {
            let i = f.integrals_at(sim.now());
            for (k, gauge) in [i.initializing, i.busy, i.idle].into_iter().enumerate() {
                sums[k].area = sums[k].area.wrapping_add(gauge.area);
            }
        }
        sums
    }

    /// What a tick reads from the totals is what visiting every pool would give: at
    /// each tick of the first 15 simulated minutes of every library scenario, and of
    /// 300 functions, each charted average equals the pools' integrals over the bucket
    /// summed (exactly: integers, divided once), the peak equals the pools' peaks in
    /// flight summed (as seen after each event), and after every event the counts
    /// equal the pools' counts summed.
    #[test]
    fn a_tick_reads_from_the_totals_what_the_pools_hold() {
        let mut runs: Vec<(String, crate::sim::config::SimConfig)> = LIBRARY
            .iter()
            .map(|(name, text)| (name.to_string(), Scenario::parse(text, name).expect("library scenario").config))
            .collect();
        runs.push(("300 functions".into(), many_functions(300, 1000.0, SimDuration::from_secs(120))));
        let mut ticks = 0;
        for (name, config) in runs {
            let mut sim = Simulation::with_log_capacity(config, 0);
            let stop = sim.end().min(SimTime(SimDuration::from_secs(900).0));
            let in_flight = |sim: &Simulation| sim.functions().iter().map(|f| f.in_flight()).collect::<Vec<_>>();
            let (mut bucket_start, mut integrals) = (sim.now(), summed_integrals(&sim));
            let (mut peaks, mut points) = (in_flight(&sim), 0);
            while !sim.step_until(stop, 1).reached_deadline {
                let counts = [0, 1, 2].map(|k| sim.functions().iter().map(|f| u64::from(f.counts()[k])).sum::<u64>());
                assert_eq!(sim.pool_totals.counts, counts, "{name} at {:?}", sim.now());
                let closed = sim.series.points().len();
                if closed == points {
                    for (peak, now) in peaks.iter_mut().zip(in_flight(&sim)) {
                        *peak = (*peak).max(now);
                    }
                    continue;
                }
                // A tick: the bucket it closed (unless the series merged its buckets).
                let now = summed_integrals(&sim);
                if closed == points + 1 {
                    let p = sim.series.points().last().expect("a closed bucket");
                    let span = sim.now().since(bucket_start);
                    let [initializing, busy, idle] = [0, 1, 2].map(|k| now[k].average_since(&integrals[k], span));
                    let at = (&name, sim.now());
                    assert_eq!((p.concurrency, p.busy, p.idle), (initializing + busy, busy, idle), "{at:?}");
                    assert_eq!(p.environments, initializing + busy + idle, "{at:?}");
                    assert_eq!(p.max_concurrency, peaks.iter().map(|&p| u64::from(p)).sum::<u64>(), "{at:?}");
                    ticks += 1;
                }
                (bucket_start, integrals, peaks, points) = (sim.now(), now, in_flight(&sim), closed);
            }
        }
        assert!(ticks > 1000, "{ticks} ticks checked");
    }
}
