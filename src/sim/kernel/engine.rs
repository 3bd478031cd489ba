//! The event queue: ordered by (time, sequence number), so events at the same
//! microsecond run in the order they were scheduled and a run is a pure function of
//! (scenario, seed).
//!
//! Two parts share one sequence counter:
//! - lanes: sources with at most one pending event each (a trigger's next arrival),
//!   in a binary heap of their own (`lanes`): half of all events are arrivals, and an
//!   idle lane costs nothing (taking the earliest is O(log lanes), never a scan of every
//!   lane).
//! - a radix heap for everything else: simulated time never goes backwards, so each
//!   event is filed by the highest base-64 digit (6 bits) where its time differs from
//!   the last time taken out, and that digit's value (64 buckets per digit position,
//!   one 64-bit mask says which hold events). Filing is O(1), and an event moves down
//!   at most once per digit position (a binary radix heap moved it once per bit: about
//!   11 moves for an event 2 s ahead, a third of all the time spent; hexadecimal
//!   digits about 3; 6-bit digits fewer still, 3% fewer instructions per event, and
//!   8-bit ones were no faster); far faster than a binary heap for the tens of
//!   thousands of timers a queue keeps (see the README).

use crate::sim::kernel::lanes::LaneHeap;
use crate::sim::kernel::time::SimTime;
use std::collections::VecDeque;

/// Largest allocation a drained bucket keeps for reuse (events).
const RETAINED_BUCKET_CAPACITY: usize = 4096;
/// Bits of a digit, digits per position, positions in a 64-bit time.
const DIGIT_BITS: u32 = 6;
const DIGITS: usize = 1 << DIGIT_BITS;
const POSITIONS: usize = 64usize.div_ceil(DIGIT_BITS as usize);
/// The digit position whose drained buckets `pop_if_warming` shows: 2^12 us (4 ms) of
/// simulated time each, a few events ahead at the benches' rates. (Position 3, 262 ms
/// and hundreds of events ahead, measured no faster with 10 000 functions.)
const WARM_POSITION: u32 = 2;

/// What `pop` returns: a lane's event, or a queued one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Due<E> {
    Lane(u32),
    Event(E),
}

/// Where the earliest event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Lane,
    Front,
    /// Alone in bucket `i`.
    Single(usize),
}

/// A future-event list. Crate-private: only `Simulation` schedules.
#[derive(Clone)]
pub(crate) struct EventQueue<E> {
    /// Events at exactly `last`, in sequence order.
    front: VecDeque<(u64, u64, E)>,
    /// `buckets[p * DIGITS + d]`: events whose time first differs from `last` at
    /// digit position `p`, where their digit is `d` (above `last`'s).
    buckets: Vec<Vec<(u64, u64, E)>>,
    /// Per position, bit d set when that bucket is not empty.
    digits: [u64; POSITIONS],
    /// Bit p set when position p has a non-empty bucket.
    occupied: u16,
    last: u64,
    len: usize,
    /// Pending (time, sequence, lane) of the lanes that have one, earliest on top.
    lanes: LaneHeap,
    next_seq: u64,
}

impl<E> EventQueue<E> {
    pub(crate) fn new(lanes: usize) -> Self {
        EventQueue {
            front: VecDeque::new(),
            buckets: (0..POSITIONS * DIGITS).map(|_| Vec::new()).collect(),
            digits: [0; POSITIONS],
            occupied: 0,
            last: 0,
            len: 0,
            lanes: LaneHeap::with_capacity(lanes),
            next_seq: 0,
        }
    }

    /// The earliest lane event: (time, sequence, lane).
    #[inline]
    fn lane_min(&self) -> Option<(u64, u64, u32)> {
        self.lanes.peek()
    }

    // Always inlined: where the compiler chose not to (after `upcoming` was added),
    // the call cost case (a) 1% more instructions.
    #[inline(always)]
    fn file(&mut self, time: u64, seq: u64, event: E) {
        if time == self.last {
            self.front.push_back((time, seq, event));
        } else {
            let position = (63 - (time ^ self.last).leading_zeros()) / DIGIT_BITS;
            let digit = (time >> (position * DIGIT_BITS)) as usize & (DIGITS - 1);
            self.buckets[position as usize * DIGITS + digit].push((time, seq, event));
            self.digits[position as usize] |= 1 << digit;
            self.occupied |= 1 << position;
        }
    }

    /// Always inlined (its 39 callers grow the binary by 16 KB of 3 MB): as a call it
    /// cost case (a) 2.5% and (c) 1.4% of their instructions.
    #[inline(always)]
    pub(crate) fn schedule(&mut self, at: SimTime, event: E) {
        if at.0 < self.last {
            self.rewind(at.0);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.file(at.0, seq, event);
        self.len += 1;
    }

    /// Sets the pending event of `lane` (which must have none).
    #[inline]
    pub(crate) fn schedule_lane(&mut self, lane: u32, at: SimTime) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.lanes.push((at.0, seq, lane));
    }

    /// Makes `time` (earlier than every queued event's) the reference point again.
    /// Rare: only when a caller schedules before the earliest event peeked at.
    /// Equal times share a bucket in order, so refiling bucket by bucket keeps order.
    fn rewind(&mut self, time: u64) {
        let mut all: Vec<(u64, u64, E)> = self.front.drain(..).collect();
        for b in &mut self.buckets {
            all.append(b);
        }
        self.occupied = 0;
        self.digits = [0; POSITIONS];
        self.last = time;
        for (t, s, e) in all {
            self.file(t, s, e);
        }
    }

    /// Which source holds the earliest event, settling the heap just enough to know.
    ///
    /// `last` never passes the earliest pending event, lanes included: when the lane's
    /// next arrival comes before the lowest bucket's minimum, `last` stops at the lane's
    /// time. So whatever handling that arrival schedules (at or after it) is filed
    /// normally; moving `last` past it would force a costly rewind.
    #[inline]
    fn next_source(&mut self, warm: &mut impl FnMut(&E)) -> Option<Source> {
        loop {
            let lane = self.lane_min();
            if let Some(&(t, s, _)) = self.front.front() {
                let lane_first = matches!(lane, Some((lt, ls, _)) if (lt, ls) < (t, s));
                return Some(if lane_first { Source::Lane } else { Source::Front });
            }
            if self.occupied == 0 {
                return lane.map(|_| Source::Lane);
            }
            // Every queued event is later than `last`.
            if let Some((lt, _, _)) = lane
                && lt <= self.last
            {
                return Some(Source::Lane);
            }
            let (position, digit) = self.lowest_bucket();
            let i = position as usize * DIGITS + digit as usize;
            // The bucket holds keys with `last`'s digits above `position` and `digit` at
            // it: a lane before that bound comes first, with nothing to redistribute.
            let shift = position * DIGIT_BITS;
            let above = self.last.checked_shr(shift + DIGIT_BITS).unwrap_or(0);
            let lower_bound = (above << DIGIT_BITS | u64::from(digit)) << shift;
            if let Some((lt, _, _)) = lane
                && lt < lower_bound
            {
                return Some(Source::Lane);
            }
            // The common case: the bucket holds one event. If it comes before the lane's,
            // it is the next one, taken straight from its bucket.
            if let [(t, s, _)] = self.buckets[i][..]
                && lane.is_none_or(|(lt, ls, _)| (t, s) < (lt, ls))
            {
                return Some(Source::Single(i));
            }
            self.digits[position as usize] &= !(1 << digit);
            if self.digits[position as usize] == 0 {
                self.occupied &= !(1 << position);
            }
            // The lowest bucket holds the global minimum; values between the old `last`
            // and it share the higher digits (and this one), so the other buckets stay
            // valid, and its own items all go to lower positions (all empty).
            if self.buckets[i].len() == 1 {
                // The common case: one event, which goes to the front (or, behind an
                // earlier lane event, to a lower bucket).
                let (t, s, e) = self.buckets[i].pop().expect("one event");
                if position == WARM_POSITION {
                    warm(&e);
                }
                self.last = lane.map_or(t, |(lt, _, _)| lt.min(t));
                self.file(t, s, e);
                continue;
            }
            let mut items = std::mem::take(&mut self.buckets[i]);
            if position == WARM_POSITION {
                for (_, _, e) in &items {
                    warm(e);
                }
            }
            let min_key = items.iter().map(|(t, _, _)| *t).min().unwrap_or(self.last);
            self.last = lane.map_or(min_key, |(lt, _, _)| lt.min(min_key));
            for (t, s, e) in items.drain(..) {
                self.file(t, s, e);
            }
            // Keep a small allocation for reuse; give a large one back. Buckets fill up
            // in turn as simulated time advances, and keeping each one's peak would let
            // memory creep up over a long run (the bench's pipeline: +35% per 10x time).
            if self.buckets[i].is_empty() && items.capacity() <= RETAINED_BUCKET_CAPACITY {
                self.buckets[i] = items;
            }
        }
    }

    /// Takes the earliest pending event if `due` accepts its time (one settling of the
    /// heap, where `peek_time` then `pop` took two). Shows `warm` each event of a bucket
    /// of `WARM_POSITION` as the heap drains it into lower ones: all due within 4 ms of
    /// simulated time, so that the caller can ask for their state a few events ahead
    /// (`sim/warm.rs`).
    #[inline(always)]
    pub(crate) fn pop_if_warming(
        &mut self,
        due: impl FnOnce(SimTime) -> bool,
        warm: &mut impl FnMut(&E),
    ) -> Option<(SimTime, Due<E>)> {
        let source = self.next_source(warm)?;
        if !due(self.time_of(source)?) {
            return None;
        }
        self.take(source)
    }

    /// The lowest non-empty bucket, which holds the earliest queued event: its digit
    /// position and digit (`occupied` must not be zero).
    #[inline(always)]
    fn lowest_bucket(&self) -> (u32, u32) {
        let position = self.occupied.trailing_zeros();
        (position, self.digits[position as usize].trailing_zeros())
    }

    /// The event that will be taken next, when that is known without settling the
    /// heap (it is at the front, or alone in the lowest bucket, and no lane comes
    /// first): for warming the caches, so a wrong or missing answer costs only time.
    #[inline]
    pub(crate) fn upcoming(&self) -> Option<&E> {
        let (t, s, e) = match self.front.front() {
            Some(first) => first,
            None if self.occupied == 0 => return None,
            None => {
                let (position, digit) = self.lowest_bucket();
                match &self.buckets[position as usize * DIGITS + digit as usize][..] {
                    [only] => only,
                    _ => return None,
                }
            }
        };
        match self.lane_min() {
            Some((lt, ls, _)) if (lt, ls) < (*t, *s) => None,
            _ => Some(e),
        }
    }

    /// The time of the event `next_source` found.
    #[inline]
    fn time_of(&self, source: Source) -> Option<SimTime> {
        let t = match source {
            Source::Lane => self.lane_min()?.0,
            Source::Front => self.front.front()?.0,
            Source::Single(i) => self.buckets[i].first()?.0,
        };
        Some(SimTime(t))
    }

    /// Takes the event `next_source` found. Always inlined: when `pop_if_warming` was
    /// added the compiler left it out of line, which cost case (a) 0.9% more instructions.
    #[inline(always)]
    fn take(&mut self, source: Source) -> Option<(SimTime, Due<E>)> {
        match source {
            Source::Lane => {
                let (t, _, lane) = self.lanes.pop()?;
                Some((SimTime(t), Due::Lane(lane)))
            }
            Source::Front => {
                self.len -= 1;
                self.front.pop_front().map(|(t, _, e)| (SimTime(t), Due::Event(e)))
            }
            Source::Single(i) => {
                let (t, _, e) = self.buckets[i].pop()?;
                let (position, digit) = (i / DIGITS, i % DIGITS);
                self.digits[position] &= !(1 << digit);
                if self.digits[position] == 0 {
                    self.occupied &= !(1 << position);
                }
                // The other buckets stay valid: as when the bucket is drained to the front.
                self.last = t;
                self.len -= 1;
                Some((SimTime(t), Due::Event(e)))
            }
        }
    }

    /// The time of the earliest pending event.
    #[cfg(test)]
    pub(crate) fn peek_time(&mut self) -> Option<SimTime> {
        let source = self.next_source(&mut |_| {})?;
        self.time_of(source)
    }

    #[cfg(test)]
    pub(crate) fn pop(&mut self) -> Option<(SimTime, Due<E>)> {
        self.pop_if_warming(|_| true, &mut |_| {})
    }

    /// Slots allocated for queued events (for memory checks).
    pub(crate) fn capacity(&self) -> usize {
        self.front.capacity() + self.buckets.iter().map(Vec::capacity).sum::<usize>()
    }

    /// Pending events (lanes included).
    pub(crate) fn len(&self) -> usize {
        self.len + self.lanes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::rng::RngStream;

    #[test]
    fn earliest_first_and_fifo_at_equal_times() {
        let mut q = EventQueue::new(2);
        q.schedule(SimTime(5), "c");
        q.schedule(SimTime(1), "a");
        q.schedule_lane(1, SimTime(5)); // after "c", before "d"
        q.schedule(SimTime(5), "d");
        q.schedule_lane(0, SimTime(1)); // scheduled before "b", so it runs before "b"
        q.schedule(SimTime(1), "b");
        q.schedule(SimTime(u64::MAX), "z");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        use Due::*;
        assert_eq!(order, [Event("a"), Lane(0), Event("b"), Event("c"), Lane(1), Event("d"), Event("z")]);
    }

    #[test]
    fn draining_shows_events_once_a_few_milliseconds_before_they_are_due() {
        // 2 000 events a second over 10 simulated seconds, as the many-functions bench
        // has: each shown to `warm` at most once, before it is taken and less than a
        // 4 ms bucket ahead of the event taken next, and in the same order as without.
        let mut rng = RngStream::new(7, "warm-test");
        let times: Vec<u64> = (0..20_000).map(|_| (rng.unit() * 1e7) as u64).collect();
        let (mut plain, mut warming) = (EventQueue::new(0), EventQueue::new(0));
        for (seq, &at) in times.iter().enumerate() {
            plain.schedule(SimTime(at), seq);
            warming.schedule(SimTime(at), seq);
        }
        let mut shown = vec![false; times.len()];
        let mut just_shown = Vec::new();
        let mut taken = 0;
        while let Some((t, due)) = warming.pop_if_warming(|_| true, &mut |&e: &usize| just_shown.push(e)) {
            assert_eq!(plain.pop(), Some((t, due)), "the same order");
            for k in just_shown.drain(..) {
                assert!(!shown[k], "event {k} shown twice");
                shown[k] = true;
                let at = times[k];
                assert!(at >= t.0 && at - t.0 < 1 << 12, "shown {} us ahead of the next event", at.abs_diff(t.0));
            }
            taken += 1;
        }
        assert_eq!((taken, plain.len()), (times.len(), 0));
        let count = shown.iter().filter(|s| **s).count();
        assert!(count > times.len() * 9 / 10, "{count} of {} shown ahead", times.len());
    }

    #[test]
    fn matches_a_sorted_reference_under_interleaved_use() {
        // Pops interleaved with pushes at or after the current time, a lane rescheduled
        // whenever it fires, and peeks that may force rewinds must give exactly the
        // order of a sort by (time, sequence). Lane events carry seq | 1 << 63.
        const LANE: u64 = 1 << 63;
        let mut rng = RngStream::new(11, "queue-test");
        let mut q = EventQueue::new(1);
        let mut reference: Vec<(u64, u64)> = Vec::new(); // (time, seq)
        let mut now = 0u64;
        let mut seq = 0u64;
        let mut lane_seq = 0u64;
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        let (mut known, mut pops) = (0, 0);
        q.schedule_lane(0, SimTime(500));
        reference.push((500, seq | LANE));
        seq += 1;
        for round in 0..20_000 {
            let pushes = (rng.unit() * 3.0) as usize;
            for _ in 0..pushes {
                let at = now + (rng.unit() * rng.unit() * 1e6) as u64 * u64::from(rng.unit() < 0.9);
                q.schedule(SimTime(at), seq);
                reference.push((at, seq));
                seq += 1;
            }
            if round % 997 == 0 {
                let _ = q.peek_time(); // may move `last` ahead; the next push may rewind
            }
            if rng.unit() < 0.5 {
                let upcoming = q.upcoming().copied();
                let Some((t, due)) = q.pop() else { continue };
                if let Some(e) = upcoming {
                    // The cache warming's guess, when it makes one, is the next event.
                    assert!(matches!(due, Due::Event(s) if s == e), "upcoming {e} but popped {due:?}");
                    known += 1;
                }
                pops += 1;
                reference.sort_by_key(|&(t, s)| (t, s & !LANE));
                expected.push(reference.remove(0));
                now = t.0;
                match due {
                    Due::Event(s) => popped.push((t.0, s)),
                    Due::Lane(_) => {
                        popped.push((t.0, lane_seq | LANE));
                        let at = now + (rng.unit() * 2e5) as u64;
                        q.schedule_lane(0, SimTime(at));
                        lane_seq = seq;
                        reference.push((at, seq | LANE));
                        seq += 1;
                    }
                }
            }
        }
        while let Some((t, due)) = q.pop() {
            match due {
                Due::Event(s) => popped.push((t.0, s)),
                Due::Lane(_) => popped.push((t.0, lane_seq | LANE)),
            }
        }
        reference.sort_by_key(|&(t, s)| (t, s & !LANE));
        expected.extend(reference);
        assert_eq!(popped.len(), expected.len());
        assert_eq!(popped, expected);
        assert_eq!(q.len(), 0);
        // Without settling the heap, the next event is known most of the time here.
        assert!(known * 2 > pops, "upcoming known for {known} of {pops} pops");
    }
}
