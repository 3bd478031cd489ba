//! Fixed-size metric structures: memory does not grow with the number of requests.

use crate::sim::kernel::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

/// Sub-buckets per power of two: 2^6 = 64, so a value is known within 1/64 (1.6%)
/// before clamping to the exact min and max.
const SUB_BITS: u32 = 6;
const SUB_COUNT: usize = 1 << SUB_BITS;
/// Enough octaves for 2^44 us (about 200 days).
const OCTAVES: usize = 44 - SUB_BITS as usize;
const BUCKETS: usize = SUB_COUNT * (OCTAVES + 1);

/// A log-bucketed histogram of microsecond values (HDR-like): exact count, sum, min
/// and max; percentiles within 1.6%. Only the range of buckets that holds values is
/// allocated (whole octaves, grown as values arrive): nothing until the first value,
/// a few hundred bytes for values within a factor of two, at most 10 KB.
#[derive(Clone, Debug)]
pub struct Histogram {
    /// Counts of buckets `first..first + counts.len()`, modulo 2^32. Half the bytes of
    /// 64-bit counts: with thousands of functions a record's bucket is out of every
    /// cache, and the smaller the arrays the more of them stay in (issue 16; at 10 000
    /// functions, +25% invocations a second and a third less memory).
    counts: Vec<u32>,
    /// Per bucket (by its index, not its place in `counts`) that passed 2^32 - 1, how
    /// many times it wrapped: the high half of its count. None until one does. Boxed:
    /// one word in the header (which sits in every function's first lines) where the
    /// map itself would take three.
    #[allow(clippy::box_collection)]
    wrapped: Option<Box<BTreeMap<usize, u64>>>,
    first: usize,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: Vec::new(), wrapped: None, first: 0, count: 0, sum: 0, min: u64::MAX, max: 0 }
    }
}

#[inline]
fn bucket_of(v: u64) -> usize {
    if v < SUB_COUNT as u64 {
        return v as usize;
    }
    let octave = 63 - v.leading_zeros() as usize; // >= SUB_BITS
    let shift = octave - SUB_BITS as usize;
    let idx = (shift + 1) * SUB_COUNT + ((v >> shift) as usize - SUB_COUNT);
    idx.min(BUCKETS - 1)
}

/// The rank (1-based) of quantile `q` among `count` values: the smallest rank whose
/// share reaches `q`. `q * count` lands a hair above a whole number for many
/// percentiles (99.9 / 100 * 1000 = 999.0000000000001): within float error of a whole
/// number it is that number, or p99.9 of 1000 values would be the largest, not the 999th.
fn rank_of(q: f64, count: u64) -> u64 {
    let exact = q.clamp(0.0, 1.0) * count as f64;
    let whole = exact.round();
    let rank = if (exact - whole).abs() <= 1e-9 * exact.max(1.0) { whole } else { exact.ceil() };
    (rank as u64).clamp(1, count.max(1))
}

/// The smallest value that falls into bucket `i`, and the bucket's width.
fn bucket_range(i: usize) -> (u64, u64) {
    if i < SUB_COUNT {
        return (i as u64, 1);
    }
    let shift = i / SUB_COUNT - 1;
    let sub = (i % SUB_COUNT + SUB_COUNT) as u64;
    (sub << shift, 1 << shift)
}

impl Histogram {
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let v = d.0;
        let b = bucket_of(v);
        // Below `first` wraps around to a huge index: one comparison for both sides.
        match self.counts.get_mut(b.wrapping_sub(self.first)) {
            Some(c) => {
                *c = c.wrapping_add(1);
                if *c == 0 {
                    self.wrap(b, 1);
                }
            }
            None => self.add_outside(b, 1),
        }
        self.count += 1;
        self.sum += u128::from(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Asks the CPU for the line of the bucket `record(d)` would add to, so that the
    /// wait for it overlaps with other work (a hint: see `kernel::prefetch`).
    #[inline]
    pub(crate) fn warm(&self, d: SimDuration) {
        if let Some(count) = self.counts.get(bucket_of(d.0).wrapping_sub(self.first)) {
            crate::sim::kernel::prefetch::prefetch_lines(count, 1);
        }
    }

    /// Adds `n` to bucket `b`'s high half (its count's multiples of 2^32).
    #[cold]
    fn wrap(&mut self, b: usize, n: u64) {
        *self.wrapped.get_or_insert_default().entry(b).or_default() += n;
    }

    /// Adds `n` to bucket `b`, which is allocated, carrying into its high half.
    fn add_inside(&mut self, b: usize, n: u64) {
        let c = &mut self.counts[b - self.first];
        let low = u64::from(*c) + (n & u64::from(u32::MAX));
        *c = low as u32; // the low 32 bits; the rest is carried
        let high = (n >> 32) + (low >> 32);
        if high > 0 {
            self.wrap(b, high);
        }
    }

    /// Bucket counts in full, by bucket index, lowest first.
    fn full_counts(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        self.counts.iter().enumerate().map(|(i, &c)| {
            let b = self.first + i;
            let high = self.wrapped.as_ref().and_then(|w| w.get(&b)).copied().unwrap_or(0);
            (b, high << 32 | u64::from(c))
        })
    }

    /// Adds `n` to bucket `b`, outside the allocated range: widens it to whole octaves.
    #[cold]
    fn add_outside(&mut self, b: usize, n: u64) {
        let end = if self.counts.is_empty() { 0 } else { self.first + self.counts.len() };
        let lo = if self.counts.is_empty() { b } else { self.first.min(b) };
        let lo = lo / SUB_COUNT * SUB_COUNT;
        let hi = (end.max(b + 1)).div_ceil(SUB_COUNT) * SUB_COUNT;
        let hi = hi.min(BUCKETS);
        let mut counts = vec![0; hi - lo];
        if !self.counts.is_empty() {
            counts[self.first - lo..end - lo].copy_from_slice(&self.counts);
        }
        self.counts = counts;
        self.first = lo;
        self.add_inside(b, n);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn mean_ms(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum as f64 / self.count as f64 / 1000.0 }
    }

    pub fn max_ms(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.max as f64 / 1000.0 }
    }

    /// The value at quantile `q` (0..=1) in milliseconds: the middle of its bucket,
    /// clamped to the exact observed min and max. Zero when empty.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = rank_of(q, self.count);
        let mut seen = 0;
        for (b, c) in self.full_counts() {
            seen += c;
            if seen >= rank {
                let (lo, width) = bucket_range(b);
                let mid = lo as f64 + (width as f64 - 1.0) / 2.0;
                return mid.clamp(self.min as f64, self.max as f64) / 1000.0;
            }
        }
        self.max as f64 / 1000.0
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (b, c) in other.full_counts() {
            if c == 0 {
                continue;
            }
            match b.checked_sub(self.first) {
                Some(j) if j < self.counts.len() => self.add_inside(b, c),
                _ => self.add_outside(b, c),
            }
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Bytes allocated for bucket counts (memory checks).
    pub fn allocated_bytes(&self) -> usize {
        let wrapped = self.wrapped.as_ref().map_or(0, |w| w.len() * 2 * std::mem::size_of::<u64>());
        self.counts.capacity() * std::mem::size_of::<u32>() + wrapped
    }
}

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
        if k % 2 == 0 { base * 1.5 } else { base * 2.0 }
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
        if span.0 == 0 { 0.0 } else { (self.area - earlier.area) as f64 / span.0 as f64 }
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
    fn buckets_cover_values_in_order() {
        let mut last = 0;
        for v in (0..5_000_000u64).step_by(997) {
            let b = bucket_of(v);
            assert!(b >= last);
            let (lo, w) = bucket_range(b);
            assert!(lo <= v && v < lo + w, "v={v} b={b} lo={lo} w={w}");
            last = b;
        }
    }

    #[test]
    fn quantiles_are_within_bucket_precision() {
        let mut h = Histogram::default();
        for ms in 1..=1000u64 {
            h.record(SimDuration::from_millis(ms));
        }
        for (q, want) in [(0.5, 500.0), (0.95, 950.0), (0.99, 990.0)] {
            let got = h.quantile_ms(q);
            assert!((got - want).abs() / want < 0.016, "q{q}: {got} vs {want}");
        }
        assert_eq!(h.max_ms(), 1000.0);
        assert!((h.mean_ms() - 500.5).abs() < 1e-9);
    }

    #[test]
    fn p99_9_is_the_999th_of_1000_values_not_the_largest() {
        // 99.9 / 100 * 1000 is 999.0000000000001 in floating point: the rank must still be 999.
        assert_eq!(rank_of(99.9 / 100.0, 1000), 999);
        assert_eq!(rank_of(99.9 / 100.0, 2000), 1998);
        assert_eq!(rank_of(99.9 / 100.0, 60_000), 59_940);
        assert_eq!(rank_of(0.99, 100), 99);
        assert_eq!(rank_of(0.999, 7), 7); // 6.993: the 7th value
        assert_eq!(rank_of(0.0, 10), 1);
        assert_eq!(rank_of(1.0, 10), 10);
        // 999 values of 1 ms and one of 60 ms: p99.9 is 1 ms (the slowest 0.1% is the one
        // outlier), p100 the outlier; 998 fast and two slow, p99.9 is slow.
        let mut h = Histogram::default();
        for _ in 0..999 {
            h.record(SimDuration::from_millis(1));
        }
        h.record(SimDuration::from_millis(60));
        let near = |got: f64, want: f64| (got - want).abs() / want < 0.016; // bucket precision
        assert!(near(h.quantile_ms(99.9 / 100.0), 1.0), "{}", h.quantile_ms(0.999));
        assert_eq!(h.quantile_ms(1.0), 60.0);
        let mut h = Histogram::default();
        for _ in 0..998 {
            h.record(SimDuration::from_millis(1));
        }
        h.record(SimDuration::from_millis(60));
        h.record(SimDuration::from_millis(60));
        assert!(near(h.quantile_ms(99.9 / 100.0), 60.0), "{}", h.quantile_ms(0.999));
    }

    #[test]
    fn only_the_octaves_in_use_are_allocated_and_merges_agree() {
        let empty = Histogram::default();
        assert_eq!(empty.allocated_bytes(), 0);
        let mut narrow = Histogram::default();
        for ms in 100..190 {
            narrow.record(SimDuration::from_millis(ms));
        }
        // 100..190 ms spans two octaves of 64 four-byte counts.
        assert_eq!(narrow.allocated_bytes(), 2 * 64 * 4);
        // Growing down and up, and merging ranges that do not overlap, counts the same
        // as one histogram that saw every value.
        let mut all = Histogram::default();
        let mut a = Histogram::default();
        let mut b = Histogram::default();
        for (i, us) in [5_000_000u64, 3, 70_000, 900, 1 << 40, 0, 12, 64, 65].into_iter().enumerate() {
            all.record(SimDuration(us));
            if i % 2 == 0 { a.record(SimDuration(us)) } else { b.record(SimDuration(us)) }
        }
        let mut merged = Histogram::default();
        merged.merge(&b);
        merged.merge(&a);
        for q in [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0] {
            assert_eq!(merged.quantile_ms(q), all.quantile_ms(q), "q{q}");
        }
        assert_eq!((merged.count(), merged.mean_ms(), merged.max_ms()), (all.count(), all.mean_ms(), all.max_ms()));
    }

    #[test]
    fn counts_past_32_bits_carry_exactly() {
        // A bucket's count is kept in 32 bits with its high half aside: one just below
        // 2^32 that takes two more values, and merges of counts above 2^32, must count
        // every value (a wrap that lost its carry would drop 2^32 of them).
        let ms = SimDuration::from_millis(100);
        let mut h = Histogram::default();
        h.record(ms);
        let b = bucket_of(ms.0);
        h.add_inside(b, u64::from(u32::MAX) - 2); // the bucket now holds 2^32 - 2
        h.count += u64::from(u32::MAX) - 2;
        h.record(ms);
        assert!(h.wrapped.is_none(), "2^32 - 1 still fits");
        h.record(ms);
        assert_eq!(h.full_counts().find(|&(i, _)| i == b), Some((b, 1 << 32)));
        // Merging two of them, and one more bucket below that widens the range
        // (moving the 32-bit part, not the carry, which is kept by bucket index).
        let mut sum = h.clone();
        sum.merge(&h);
        sum.record(SimDuration::from_micros(3));
        assert_eq!(sum.full_counts().find(|&(i, _)| i == b), Some((b, 2 << 32)));
        assert_eq!(sum.full_counts().map(|(_, c)| c).sum::<u64>(), (2 << 32) + 1);
        assert_eq!(sum.count(), (2 << 32) + 1);
        // The quantiles see the full counts: all but one value are 100 ms.
        assert_eq!(sum.quantile_ms(0.0), 0.003);
        assert!((sum.quantile_ms(0.5) - 100.0).abs() / 100.0 < 0.016, "{}", sum.quantile_ms(0.5));
        assert_eq!(sum.allocated_bytes(), sum.counts.capacity() * 4 + 16);
        // Two 32-bit parts whose sum passes 2^32 carry too.
        let mut three = Histogram::default();
        three.record(ms);
        three.add_inside(b, 2_999_999_999);
        let mut six = three.clone();
        six.merge(&three);
        assert_eq!(six.full_counts().find(|&(i, _)| i == b), Some((b, 6_000_000_000)));
    }

    #[test]
    fn constant_values_report_exactly() {
        let mut h = Histogram::default();
        for _ in 0..10 {
            h.record(SimDuration::from_millis(100));
        }
        assert_eq!(h.quantile_ms(0.5), 100.0);
        assert_eq!(h.quantile_ms(0.99), 100.0);
    }

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
