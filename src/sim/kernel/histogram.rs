//! The log-bucketed histogram of microsecond values behind every latency and duration
//! percentile: exact counts in fixed memory, whatever the number of values.

use crate::sim::kernel::time::SimDuration;
use std::collections::BTreeMap;

/// Sub-buckets per power of two: 2^6 = 64, so a value is known within 1/64 (1.6%)
/// before clamping to the exact min and max.
const SUB_BITS: u32 = 6;
const SUB_COUNT: usize = 1 << SUB_BITS;
/// Enough octaves for 2^44 us (about 200 days).
const OCTAVES: usize = 44 - SUB_BITS as usize;
const BUCKETS: usize = SUB_COUNT * (OCTAVES + 1);
/// Buckets `record_batched` holds before adding them: 8 waits for memory overlap where
/// one at a time they followed each other, for 16 bytes in the histogram's header.
const BATCH: usize = 8;
const _: () = assert!(BUCKETS <= u16::MAX as usize, "a batched bucket index fits in 16 bits");
/// Values `record_batched` keeps as a list (their buckets, in `counts`) before the
/// histogram takes its bucket array: 512 bytes, where values spread over a few octaves
/// take several KB of buckets. With thousands of functions most see few invocations,
/// and the fewer bytes each touches, the more of them the caches hold.
const SPARSE_VALUES: usize = 128;
/// `first` while the histogram is sparse.
const SPARSE: u32 = u32::MAX;

/// A log-bucketed histogram of microsecond values (HDR-like): exact count, sum, min
/// and max; percentiles within 1.6%. Only the range of buckets that holds values is
/// allocated (whole octaves, grown as values arrive): nothing until the first value,
/// a few hundred bytes for values within a factor of two, at most 10 KB. Filled by
/// `record_batched`, it starts sparse: the first `SPARSE_VALUES` values' buckets.
#[derive(Clone, Debug)]
pub struct Histogram {
    /// While sparse (`first == SPARSE`): each value's bucket, in the order recorded.
    /// Otherwise the counts of buckets `first..first + counts.len()`, modulo 2^32:
    /// half the bytes of 64-bit counts. With thousands of functions a record's bucket
    /// is out of every cache, and the smaller the arrays the more of them stay in
    /// (issue 16; at 10 000 functions, +25% invocations a second and a third less
    /// memory).
    counts: Vec<u32>,
    /// Per bucket (by its index, not its place in `counts`) that passed 2^32 - 1, how
    /// many times it wrapped: the high half of its count. None until one does. Boxed:
    /// one word in the header (which sits in every function's first lines) where the
    /// map itself would take three.
    #[allow(clippy::box_collection)]
    wrapped: Option<Box<BTreeMap<usize, u64>>>,
    /// The index of `counts[0]` (below `BUCKETS`, so 32 bits hold it), or `SPARSE`.
    first: u32,
    /// Buckets of values recorded by `record_batched` and not yet added to `counts`
    /// (`batch[..batch_len]`; when dense, each inside the allocated range): with
    /// thousands of functions each bucket's line is a wait for memory, and adding
    /// several at once makes the waits overlap. Every reader counts them (`full_counts`).
    batch: [u16; BATCH],
    batch_len: u8,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: Vec::new(),
            wrapped: None,
            first: 0,
            batch: [0; BATCH],
            batch_len: 0,
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
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
    /// Records one value. Always inlined: a few instructions, and as a call it cost
    /// case (a) 0.5% of its instructions (three records an invocation).
    #[inline(always)]
    pub fn record(&mut self, d: SimDuration) {
        let v = d.0;
        let b = bucket_of(v);
        // Below `first` wraps around to a huge index: one comparison for both sides.
        match self.counts.get_mut(b.wrapping_sub(self.first as usize)) {
            Some(c) => {
                *c = c.wrapping_add(1);
                if *c == 0 {
                    self.wrap(b, 1);
                }
            }
            None => self.add_outside(b, 1),
        }
        self.add_to_totals(v);
    }

    /// `record_batched` when `batched` (the state outgrows the caches: `sim/warm.rs`
    /// decides), `record` otherwise.
    #[inline(always)]
    pub fn record_or_batch(&mut self, d: SimDuration, batched: bool) {
        if batched { self.record_batched(d) } else { self.record(d) }
    }

    /// Records `d` as `record` does, for histograms mostly out of the caches
    /// (thousands of functions), where waiting for each bucket's line in turn was most
    /// of an invocation's time: the first `SPARSE_VALUES` values as a list, then each
    /// added to its bucket; either way `BATCH` values at a time. What any reader sees is the
    /// same. Not inlined: beside those waits a call costs nothing, and the callers'
    /// code for runs that record directly stays as it was.
    #[inline(never)]
    pub fn record_batched(&mut self, d: SimDuration) {
        let v = d.0;
        let b = bucket_of(v);
        if b.wrapping_sub(self.first as usize) < self.counts.len() {
            if usize::from(self.batch_len) == BATCH {
                self.add_batch();
            }
            self.batch[usize::from(self.batch_len)] = b as u16; // b < BUCKETS
            self.batch_len += 1;
        } else if self.first == SPARSE || self.count == 0 {
            // Sparse: appended to `counts` a batch at a time, so that only one record in
            // `BATCH` waits for the line at its end.
            self.first = SPARSE;
            self.batch[usize::from(self.batch_len)] = b as u16; // b < BUCKETS
            self.batch_len += 1;
            if usize::from(self.batch_len) == BATCH {
                self.add_sparse_batch();
            }
        } else {
            self.add_outside(b, 1);
        }
        self.add_to_totals(v);
    }

    /// Appends the batched values of a sparse histogram to `counts`; past
    /// `SPARSE_VALUES` of them, it turns dense.
    fn add_sparse_batch(&mut self) {
        if self.counts.is_empty() {
            // A quarter at first: growing from 4 by doubling cost 5% of the time.
            self.counts.reserve_exact(SPARSE_VALUES / 4);
        }
        self.counts.extend(self.batch[..usize::from(self.batch_len)].iter().map(|&b| u32::from(b)));
        self.batch_len = 0;
        if self.counts.len() >= SPARSE_VALUES {
            self.make_dense();
        }
    }

    /// Counts the sparse histogram's values (batched ones included) into a bucket array
    /// (the range of their buckets, in whole octaves).
    #[cold]
    fn make_dense(&mut self) {
        let mut values = std::mem::take(&mut self.counts);
        values.extend(self.batch[..usize::from(self.batch_len)].iter().map(|&b| u32::from(b)));
        self.batch_len = 0;
        self.first = 0;
        let (Some(&lo), Some(&hi)) = (values.iter().min(), values.iter().max()) else { return };
        self.add_outside(lo as usize, 0);
        self.add_outside(hi as usize, 0);
        for b in values {
            self.add_inside(b as usize, 1);
        }
    }

    #[inline(always)]
    fn add_to_totals(&mut self, v: u64) {
        self.count += 1;
        self.sum += u128::from(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    /// Adds the batched buckets to their counts: independent increments, whose waits
    /// for memory overlap.
    fn add_batch(&mut self) {
        let first = self.first as usize;
        for i in 0..usize::from(self.batch_len) {
            let b = usize::from(self.batch[i]);
            let c = &mut self.counts[b - first]; // inside: the range only widens
            *c = c.wrapping_add(1);
            if *c == 0 {
                self.wrap(b, 1);
            }
        }
        self.batch_len = 0;
    }

    /// Adds `n` to bucket `b`'s high half (its count's multiples of 2^32).
    #[cold]
    fn wrap(&mut self, b: usize, n: u64) {
        *self.wrapped.get_or_insert_default().entry(b).or_default() += n;
    }

    /// Adds `n` to bucket `b`, which is allocated, carrying into its high half.
    fn add_inside(&mut self, b: usize, n: u64) {
        let c = &mut self.counts[b - self.first as usize];
        let low = u64::from(*c) + (n & u64::from(u32::MAX));
        *c = low as u32; // the low 32 bits; the rest is carried
        let high = (n >> 32) + (low >> 32);
        if high > 0 {
            self.wrap(b, high);
        }
    }

    /// Bucket counts in full (high halves, batched and sparse values included), by
    /// bucket index, lowest first (only buckets with values, while sparse).
    fn full_counts(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        let (dense, mut sparse) = match self.first {
            SPARSE => {
                let batched = self.batch[..usize::from(self.batch_len)].iter().map(|&b| u32::from(b));
                (&[][..], self.counts.iter().copied().chain(batched).collect())
            }
            _ => (&self.counts[..], Vec::new()),
        };
        sparse.sort_unstable();
        let mut run = 0; // where the next run of equal buckets starts
        let sparse_counts = std::iter::from_fn(move || {
            let b = *sparse.get(run)?;
            let len = sparse[run..].iter().take_while(|&&c| c == b).count();
            run += len;
            Some((b as usize, len as u64))
        });
        let len = usize::from(self.batch_len);
        let mut batch = self.batch;
        batch[..len].sort_unstable();
        let mut next = 0; // the batch's first bucket not yet passed
        let dense_counts = dense.iter().enumerate().map(move |(i, &c)| {
            let b = self.first as usize + i;
            let high = self.wrapped.as_ref().and_then(|w| w.get(&b)).copied().unwrap_or(0);
            let mut batched = 0;
            while next < len && usize::from(batch[next]) == b {
                batched += 1;
                next += 1;
            }
            (b, (high << 32 | u64::from(c)) + batched)
        });
        dense_counts.chain(sparse_counts)
    }

    /// Adds `n` to bucket `b`, outside the allocated range: widens it to whole octaves.
    #[cold]
    fn add_outside(&mut self, b: usize, n: u64) {
        if self.first == SPARSE {
            self.make_dense();
            if b.wrapping_sub(self.first as usize) < self.counts.len() {
                return self.add_inside(b, n);
            }
        }
        let first = self.first as usize;
        let end = if self.counts.is_empty() { 0 } else { first + self.counts.len() };
        let lo = if self.counts.is_empty() { b } else { first.min(b) };
        let lo = lo / SUB_COUNT * SUB_COUNT;
        let hi = (end.max(b + 1)).div_ceil(SUB_COUNT) * SUB_COUNT;
        let hi = hi.min(BUCKETS);
        let mut counts = vec![0; hi - lo];
        if !self.counts.is_empty() {
            counts[first - lo..end - lo].copy_from_slice(&self.counts);
        }
        self.counts = counts;
        self.first = lo as u32; // < BUCKETS
        self.add_inside(b, n);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether it keeps its values one by one (tests).
    #[cfg(test)]
    pub(crate) fn is_sparse(&self) -> bool {
        self.first == SPARSE
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
            match b.checked_sub(self.first as usize) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The buckets that hold values, with their counts.
    fn nonzero(h: &Histogram) -> Vec<(usize, u64)> {
        h.full_counts().filter(|&(_, c)| c > 0).collect()
    }

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
    fn batched_records_read_the_same_as_direct_ones_at_every_step() {
        // Values spread over many octaves, read after every record: while sparse, as
        // it turns dense, then with some widening the range while others wait in a
        // batch; merged both ways (sparse or mid-batch) along the way.
        let mut rng = crate::sim::kernel::rng::RngStream::new(5, "batched");
        let (mut direct, mut batched) = (Histogram::default(), Histogram::default());
        let mut merged_direct = Histogram::default();
        let mut merged_batched = Histogram::default();
        for i in 0..3000u32 {
            let us = (rng.unit() * rng.unit() * 2e7) as u64;
            direct.record(SimDuration(us));
            batched.record_batched(SimDuration(us));
            assert_eq!(nonzero(&batched), nonzero(&direct), "after {i} values");
            assert_eq!(batched.first == SPARSE, (i as usize) < SPARSE_VALUES - 1, "after {i} values");
            for q in [0.0, 0.5, 0.99, 0.999, 1.0] {
                assert_eq!(batched.quantile_ms(q), direct.quantile_ms(q), "q{q} after {i} values");
            }
            assert_eq!((batched.count(), batched.mean_ms()), (direct.count(), direct.mean_ms()));
            if i % 7 == 3 {
                merged_direct.merge(&direct);
                merged_batched.merge(&batched); // a histogram with a batch pending, into one
                merged_batched.record_batched(SimDuration(us)); // with one of its own
                merged_direct.record(SimDuration(us));
                assert_eq!(nonzero(&merged_batched), nonzero(&merged_direct));
            }
        }
        assert!(usize::from(batched.batch_len) < BATCH, "the batch is added when it is full");
        assert!(batched.counts.len() < BUCKETS, "only the octaves in use are allocated");
    }

    #[test]
    fn a_sparse_histogram_takes_4_bytes_a_value_until_it_turns_dense() {
        // Values spread over 10 octaves: while sparse, 4 bytes each; dense, their
        // whole octaves of buckets (10 x 64 x 4 bytes).
        let mut h = Histogram::default();
        for i in 0..SPARSE_VALUES as u64 - 1 {
            h.record_batched(SimDuration(1000 << (i % 10)));
            // Appended a batch at a time: the list's end is touched once per `BATCH`.
            assert_eq!(h.counts.len(), (i as usize + 1) / BATCH * BATCH, "after {} values", i + 1);
        }
        assert!(h.allocated_bytes() <= SPARSE_VALUES * 4, "{}", h.allocated_bytes());
        assert_eq!((h.count(), h.max_ms()), (SPARSE_VALUES as u64 - 1, 512.0));
        assert!((h.quantile_ms(0.0) - 1.0).abs() < 0.016, "{}", h.quantile_ms(0.0)); // bucket precision
        h.record_batched(SimDuration(1000));
        assert_ne!(h.first, SPARSE);
        assert_eq!(h.allocated_bytes(), 10 * SUB_COUNT * 4);
        assert_eq!(h.full_counts().map(|(_, c)| c).sum::<u64>(), SPARSE_VALUES as u64);
    }

    #[test]
    fn a_sparse_histogram_with_values_waiting_turns_dense_with_all_of_them() {
        // 13 values: 8 in the list, 5 waiting in the batch; then a direct record and a
        // merge, either of which turns it dense.
        for merge in [false, true] {
            let (mut sparse, mut direct) = (Histogram::default(), Histogram::default());
            for i in 0..13u64 {
                sparse.record_batched(SimDuration(700 + 977 * i));
                direct.record(SimDuration(700 + 977 * i));
            }
            assert!(sparse.is_sparse() && sparse.batch_len == 5);
            if merge {
                let mut other = Histogram::default();
                other.record(SimDuration(50_000));
                sparse.merge(&other);
                direct.merge(&other);
            } else {
                sparse.record(SimDuration(50_000));
                direct.record(SimDuration(50_000));
            }
            assert!(!sparse.is_sparse());
            assert_eq!(nonzero(&sparse), nonzero(&direct), "merge {merge}");
        }
    }

    #[test]
    fn a_batched_bucket_past_32_bits_carries() {
        let ms = SimDuration::from_millis(100);
        let b = bucket_of(ms.0);
        let mut h = Histogram::default();
        h.record(ms); // dense from the first value
        h.add_inside(b, u64::from(u32::MAX) - 1); // the bucket now holds 2^32 - 1
        h.count += u64::from(u32::MAX) - 1;
        for _ in 0..BATCH + 1 {
            h.record_batched(ms);
        }
        assert_eq!(h.batch_len, 1, "one full batch added, one value waiting");
        let full = (1u64 << 32) - 1 + BATCH as u64 + 1;
        assert_eq!(h.full_counts().find(|&(i, _)| i == b), Some((b, full)));
        assert_eq!(h.wrapped.as_deref().and_then(|w| w.get(&b)), Some(&1));
        assert_eq!(h.count(), full);
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
}
