//! A pool's measurements: the counters of its requests, the time integrals of its
//! gauges (initializing, busy, idle, provisioned) kept with one addition per change,
//! and the series bucket a tick closes.

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

/// A pool at the start of the series bucket in which it first changed, taken at that
/// change (it held these counts since the bucket began): all a tick needs besides the
/// pool's counts then. It lives in the tick's list of changed pools, not in the pool,
/// so that the tick reads one line per pool it visits where it used to read three.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BucketStart {
    /// `weighted` of the initializing, busy and idle gauges (see `FunctionState`).
    weighted: [u128; 3],
    /// Initializing, busy and idle environments.
    pub(crate) counts: [u32; 3],
    pub(crate) function: u32,
}

impl FunctionState {
    /// Adds `count x elapsed` to each gauge's integral; call before any gauge changes.
    /// On the pool's first change since the last tick, where it stood when the bucket
    /// began (taken now, before the change): the caller lists it for the next tick
    /// (`Simulation::bucket_dirty`). `function` is this pool's index.
    #[inline]
    #[must_use]
    pub(crate) fn touch(&mut self, now: SimTime, function: u32) -> Option<BucketStart> {
        self.integrate(now);
        if std::mem::replace(&mut self.bucket_dirty, true) {
            return None;
        }
        let [initializing, busy, idle, _] = self.weighted;
        Some(BucketStart { weighted: [initializing, busy, idle], counts: self.counts(), function })
    }

    /// Changes of the counts from now on take effect at `now` (never earlier than
    /// those before).
    #[inline]
    fn integrate(&mut self, now: SimTime) {
        self.last_touch = self.last_touch.max(now);
    }

    /// Adds `n` to a gauge's count (at `last_touch`, for its integral).
    #[inline]
    pub(crate) fn gauge_add(&mut self, gauge: Gauge, n: u32) {
        *self.gauge_mut(gauge) += n;
        let w = &mut self.weighted[gauge as usize];
        *w = w.wrapping_add(u128::from(n) * u128::from(self.last_touch.0));
    }

    /// Takes `n` from a gauge's count (at `last_touch`, for its integral).
    #[inline]
    pub(crate) fn gauge_sub(&mut self, gauge: Gauge, n: u32) {
        *self.gauge_mut(gauge) -= n;
        let w = &mut self.weighted[gauge as usize];
        *w = w.wrapping_sub(u128::from(n) * u128::from(self.last_touch.0));
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
    pub(crate) fn note_concurrency(&mut self) {
        let c = self.in_flight();
        self.max_concurrency = self.max_concurrency.max(c);
        self.bucket_max = self.bucket_max.max(c);
    }

    pub(crate) fn reset_peaks(&mut self) {
        self.max_concurrency = self.in_flight();
    }

    /// Asks for the lines `close_bucket` reads (the counts and integrals), ahead of the
    /// tick's visit.
    #[inline]
    pub(crate) fn warm_for_tick(&self) {
        crate::sim::kernel::prefetch::prefetch_lines(self, 2);
    }

    /// Closes the series bucket `[now - span, now)` of a pool that changed in it (a
    /// tick), which stood at `start` when the bucket began: its time-weighted averages
    /// over the bucket and its peak in flight. (A pool that did not change kept its
    /// counts all along: the tick needs nothing from it.)
    pub(crate) fn close_bucket(&mut self, start: &BucketStart, now: SimTime, span: SimDuration) -> (PoolAverages, u32) {
        self.integrate(now);
        // Each gauge's integral at the bucket's start, as `integrals_at` would have
        // given it then.
        let began = u128::from(now.0.saturating_sub(span.0));
        let at_start =
            |k: usize| TimeIntegral { area: (u128::from(start.counts[k]) * began).wrapping_sub(start.weighted[k]) };
        let integrals = self.integrals_at(now);
        // Provisioned environments are not charted: their average is left at 0.
        let start = PoolIntegrals {
            initializing: at_start(0),
            busy: at_start(1),
            idle: at_start(2),
            provisioned: integrals.provisioned,
        };
        let averages = integrals.averages_since(&start, span);
        self.bucket_dirty = false;
        let in_flight = self.in_flight();
        (averages, std::mem::replace(&mut self.bucket_max, in_flight))
    }
}
