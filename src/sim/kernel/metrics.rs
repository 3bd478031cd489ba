//! Fixed-size metric structures: memory does not grow with the number of requests.

use crate::sim::kernel::time::{SimDuration, SimTime};

pub use crate::sim::kernel::histogram::Histogram;

/// Bins of a coarse histogram.
const COARSE_BINS: usize = 40;
/// Half-octave index of 1 ms (1000 us is in [512, 1024), upper half): bin 0 ends there.
const COARSE_FIRST: usize = 19;

/// A coarse histogram for one time bucket of a series: 40 bins of half an octave
/// (a factor of about 1.41) from 1 ms to about 12 minutes. Small enough to keep one
/// per bucket, and filled with integer operations only.
#[derive(Clone, Debug, PartialEq)]
pub struct CoarseHistogram {
    counts: [u32; COARSE_BINS],
}

impl Default for CoarseHistogram {
    fn default() -> Self {
        CoarseHistogram { counts: [0; COARSE_BINS] }
    }
}

impl CoarseHistogram {
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let v = d.0.max(2);
        let octave = 63 - v.leading_zeros() as usize;
        let upper_half = ((v >> (octave - 1)) & 1) as usize;
        let i = (2 * octave + upper_half).saturating_sub(COARSE_FIRST);
        self.counts[i.min(COARSE_BINS - 1)] += 1;
    }

    /// The upper edge of bin `i`, in microseconds.
    fn upper_edge_us(i: usize) -> f64 {
        let k = i + COARSE_FIRST;
        let base = (1u64 << (k / 2)) as f64;
        if k.is_multiple_of(2) { base * 1.5 } else { base * 2.0 }
    }

    pub fn merge(&mut self, other: &CoarseHistogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }

    /// The upper edge (ms) of the bucket holding quantile `q`; `None` when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                return Some(Self::upper_edge_us(i) / 1000.0);
            }
        }
        None
    }
}

/// Integrates a gauge over time (count x microseconds), for time-weighted averages.
#[derive(Clone, Copy, Debug, Default)]
pub struct TimeIntegral {
    pub area: u128,
}

impl TimeIntegral {
    #[inline]
    pub fn add(&mut self, value: u64, span: SimDuration) {
        self.area += u128::from(value) * u128::from(span.0);
    }
    /// Average of the gauge between two snapshots of this integral.
    pub fn average_since(&self, earlier: &TimeIntegral, span: SimDuration) -> f64 {
        if span.0 == 0 {
            return 0.0;
        }
        // Converted as two 64-bit halves: a u128's conversion calls a routine of about
        // 30 instructions, a u64's takes a few (a tick closes a bucket of each pool that
        // changed: 4 of these each). Exact below 2^64, where every bucket's area lies.
        let area = self.area - earlier.area;
        let area = (area >> 64) as u64 as f64 * 18_446_744_073_709_551_616.0 + area as u64 as f64;
        area / span.0 as f64
    }
}

/// What one time bucket of a series holds: counts of what happened in it, and the
/// time-weighted mean of gauges over it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesPoint {
    pub arrivals: u64,
    pub completed: u64,
    pub throttled: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub cold_starts: u64,
    /// Time-weighted mean number of requests in flight (initializing + busy).
    pub concurrency: f64,
    /// Peak requests in flight seen in the bucket.
    pub max_concurrency: u64,
    pub environments: f64,
    pub busy: f64,
    pub idle: f64,
    /// Cost accrued in the bucket (USD), for cumulative cost charts.
    pub cost_usd: f64,
    pub latency: CoarseHistogram,
    /// Seconds in flight (initializing + running) of the requests completed in the
    /// bucket: over the bucket's width it is Little's law's arrival rate x time in
    /// system, to set beside the measured mean `concurrency`.
    pub in_flight_secs: f64,
    /// End-to-end completion times of the requests whose work all ended in the bucket
    /// (`services/completion.rs`).
    pub completion: CoarseHistogram,
}

impl SeriesPoint {
    fn merge(&mut self, o: &SeriesPoint) {
        self.arrivals += o.arrivals;
        self.completed += o.completed;
        self.throttled += o.throttled;
        self.errors += o.errors;
        self.timeouts += o.timeouts;
        self.cold_starts += o.cold_starts;
        // Gauges are means over equal-width buckets: the merged mean is their average.
        self.concurrency = (self.concurrency + o.concurrency) / 2.0;
        self.environments = (self.environments + o.environments) / 2.0;
        self.busy = (self.busy + o.busy) / 2.0;
        self.idle = (self.idle + o.idle) / 2.0;
        self.max_concurrency = self.max_concurrency.max(o.max_concurrency);
        self.cost_usd += o.cost_usd;
        self.latency.merge(&o.latency);
        self.in_flight_secs += o.in_flight_secs;
        self.completion.merge(&o.completion);
    }
}

/// A time series with at most `MAX_POINTS` buckets: when full, neighbouring buckets
/// merge and the bucket width doubles, so memory stays bounded for any run length.
#[derive(Clone, Debug)]
pub struct Series {
    width: SimDuration,
    points: Vec<SeriesPoint>,
    /// The bucket being filled (not yet in `points`).
    pub current: SeriesPoint,
}

impl Series {
    pub const MAX_POINTS: usize = 1024;

    pub fn new(width: SimDuration) -> Series {
        Series { width, points: Vec::new(), current: SeriesPoint::default() }
    }

    /// Width of one bucket now (it doubles as the run grows).
    pub fn width(&self) -> SimDuration {
        self.width
    }

    /// Closed buckets, the first starting at time zero.
    pub fn points(&self) -> &[SeriesPoint] {
        &self.points
    }

    /// Start time of bucket `i`.
    pub fn start_of(&self, i: usize) -> SimTime {
        SimTime(self.width.0 * i as u64)
    }

    /// Closes the current bucket with the gauges' means over it.
    pub fn close_bucket(&mut self, gauges: impl FnOnce(&mut SeriesPoint)) -> bool {
        let mut point = std::mem::take(&mut self.current);
        gauges(&mut point);
        self.points.push(point);
        if self.points.len() >= Self::MAX_POINTS {
            let merged: Vec<SeriesPoint> = self
                .points
                .chunks(2)
                .map(|pair| {
                    let mut p = pair[0].clone();
                    if let Some(second) = pair.get(1) {
                        p.merge(second);
                    }
                    p
                })
                .collect();
            self.points = merged;
            self.width = SimDuration(self.width.0 * 2);
            return true;
        }
        false
    }
}

/// Two gauges sampled at each series tick (a queue's depth and oldest age, say), with
/// the same bounded size as `Series`: when full, neighbours merge keeping the larger
/// value, so a chart still shows how bad it got.
#[derive(Clone, Debug, Default)]
pub struct GaugeSeries {
    points: Vec<[f64; 2]>,
}

impl GaugeSeries {
    pub fn push(&mut self, a: f64, b: f64) {
        self.points.push([a, b]);
        if self.points.len() >= Series::MAX_POINTS {
            self.points = self
                .points
                .chunks(2)
                .map(|p| [p[0][0].max(p[p.len() - 1][0]), p[0][1].max(p[p.len() - 1][1])])
                .collect();
        }
    }

    /// One sample per bucket of the simulation's series (same width, same times).
    pub fn points(&self) -> &[[f64; 2]] {
        &self.points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coarse_bins_are_half_octaves_that_hold_their_values() {
        for us in [1u64, 999, 1000, 1024, 1500, 2047, 2048, 3000, 123_456, 9_999_999] {
            let mut h = CoarseHistogram::default();
            h.record(SimDuration(us));
            let edge_ms = h.quantile_ms(1.0).unwrap();
            let edge = edge_ms * 1000.0;
            assert!(edge > us as f64 || us < 1000, "{us} above its bin's edge {edge}");
            assert!(edge <= (us as f64 * 1.5).max(1536.0), "{us}: bin edge {edge} too far above");
        }
    }

    #[test]
    fn series_memory_is_bounded_and_totals_are_kept() {
        // Three arrivals a second for 10 000 s, closing a bucket each bucket width.
        let mut s = Series::new(SimDuration::from_secs(1));
        let mut now = 0;
        while now < 10_000 * 1_000_000 {
            s.current.arrivals = 3 * s.width().0 / 1_000_000;
            now += s.width().0;
            s.close_bucket(|p| p.busy = 2.0);
        }
        assert!(s.points().len() < Series::MAX_POINTS);
        let total: u64 = s.points().iter().map(|p| p.arrivals).sum();
        assert_eq!(total, 30_000);
        assert!(s.points().iter().all(|p| (p.busy - 2.0).abs() < 1e-12));
        assert_eq!(s.width().0 * s.points().len() as u64, now);
    }
}
