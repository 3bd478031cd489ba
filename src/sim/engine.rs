//! The event queue: ordered by (time, sequence number), so events at the same
//! microsecond run in the order they were scheduled and a run is a pure function of
//! (scenario, seed).
//!
//! Two parts share one sequence counter:
//! - lanes: sources with exactly one pending event each (a trigger's next arrival).
//!   Half of all events are arrivals; keeping them in a small array scanned for its
//!   minimum takes them out of the heap.
//! - a radix heap for everything else: simulated time never goes backwards, so each
//!   event is filed in the bucket of the highest bit where its time differs from the
//!   last time taken out. Filing is O(1) and an event moves to a lower bucket only a
//!   few times; several times faster than a binary heap here (see the README).

use super::time::SimTime;
use std::collections::VecDeque;

/// What `pop` returns: a lane's event, or a queued one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Due<E> {
    Lane(u32),
    Event(E),
}

/// A future-event list. Crate-private: only `Simulation` schedules.
pub(crate) struct EventQueue<E> {
    /// Events at exactly `last`, in sequence order.
    front: VecDeque<(u64, u64, E)>,
    /// `buckets[i]`: events whose time first differs from `last` at bit `i`.
    buckets: Vec<Vec<(u64, u64, E)>>,
    /// Bit i set when `buckets[i]` is not empty.
    occupied: u64,
    last: u64,
    len: usize,
    /// Pending (time, sequence) of each lane.
    lanes: Vec<Option<(u64, u64)>>,
    /// The earliest lane: (time, sequence, lane).
    lane_min: Option<(u64, u64, u32)>,
    next_seq: u64,
}

impl<E> EventQueue<E> {
    pub(crate) fn new(lanes: usize) -> Self {
        EventQueue {
            front: VecDeque::new(),
            buckets: (0..64).map(|_| Vec::new()).collect(),
            occupied: 0,
            last: 0,
            len: 0,
            lanes: vec![None; lanes],
            lane_min: None,
            next_seq: 0,
        }
    }

    #[inline]
    fn file(&mut self, time: u64, seq: u64, event: E) {
        if time == self.last {
            self.front.push_back((time, seq, event));
        } else {
            let bucket = 63 - (time ^ self.last).leading_zeros() as usize;
            self.buckets[bucket].push((time, seq, event));
            self.occupied |= 1 << bucket;
        }
    }

    #[inline]
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
        self.lanes[lane as usize] = Some((at.0, seq));
        if self.lane_min.is_none_or(|(t, s, _)| (at.0, seq) < (t, s)) {
            self.lane_min = Some((at.0, seq, lane));
        }
    }

    fn rescan_lanes(&mut self) {
        self.lane_min = self.lanes.iter().enumerate().filter_map(|(i, l)| l.map(|(t, s)| (t, s, i as u32))).min();
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
        self.last = time;
        for (t, s, e) in all {
            self.file(t, s, e);
        }
    }

    /// Moves the earliest queued events into `front`; false if there are none.
    #[inline]
    fn fill_front(&mut self) -> bool {
        if !self.front.is_empty() {
            return true;
        }
        if self.occupied == 0 {
            return false;
        }
        let i = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << i);
        let mut items = std::mem::take(&mut self.buckets[i]);
        self.last = items.iter().map(|(t, _, _)| *t).min().unwrap_or(self.last);
        // Every item lands in a lower bucket (or the front): they all differ from the
        // new `last` below bit i.
        for (t, s, e) in items.drain(..) {
            self.file(t, s, e);
        }
        self.buckets[i] = items; // keep the allocation
        true
    }

    /// (time, sequence) of the earliest queued (non-lane) event.
    #[inline]
    fn queued_head(&mut self) -> Option<(u64, u64)> {
        if self.fill_front() { self.front.front().map(|(t, s, _)| (*t, *s)) } else { None }
    }

    /// The time of the earliest pending event.
    #[inline]
    pub(crate) fn peek_time(&mut self) -> Option<SimTime> {
        let queued = self.queued_head().map(|(t, _)| t);
        let lane = self.lane_min.map(|(t, _, _)| t);
        match (queued, lane) {
            (Some(a), Some(b)) => Some(SimTime(a.min(b))),
            (a, b) => a.or(b).map(SimTime),
        }
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<(SimTime, Due<E>)> {
        let queued = self.queued_head();
        let lane_first = match (queued, self.lane_min) {
            (Some(q), Some((t, s, _))) => (t, s) < q,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (None, None) => return None,
        };
        if lane_first {
            let (t, _, lane) = self.lane_min?;
            self.lanes[lane as usize] = None;
            self.rescan_lanes();
            return Some((SimTime(t), Due::Lane(lane)));
        }
        self.len -= 1;
        self.front.pop_front().map(|(t, _, e)| (SimTime(t), Due::Event(e)))
    }

    /// Pending events (lanes included).
    pub(crate) fn len(&self) -> usize {
        self.len + self.lanes.iter().filter(|l| l.is_some()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::RngStream;

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
    fn matches_a_sorted_reference_under_interleaved_use() {
        // Pops interleaved with pushes at or after the current time, plus rewinds, must
        // give exactly the order of a stable sort by time.
        let mut rng = RngStream::new(11, "queue-test");
        let mut q = EventQueue::new(0);
        let mut reference: Vec<(u64, u64)> = Vec::new(); // (time, seq)
        let mut now = 0u64;
        let mut seq = 0u64;
        let mut popped = Vec::new();
        let mut expected = Vec::new();
        for round in 0..20_000 {
            let pushes = (rng.unit() * 3.0) as usize;
            for _ in 0..pushes {
                let at = now + (rng.unit() * rng.unit() * 1e6) as u64 * u64::from(rng.unit() < 0.9);
                q.schedule(SimTime(at), seq);
                reference.push((at, seq));
                seq += 1;
            }
            if round % 997 == 0 {
                let _ = q.peek_time(); // moves `last` ahead; the next push may rewind
            }
            if rng.unit() < 0.5
                && let Some((t, Due::Event(s))) = q.pop()
            {
                popped.push((t.0, s));
                reference.sort_by_key(|&(t, s)| (t, s));
                expected.push(reference.remove(0));
                now = t.0;
            }
        }
        while let Some((t, Due::Event(s))) = q.pop() {
            popped.push((t.0, s));
        }
        reference.sort_by_key(|&(t, s)| (t, s));
        expected.extend(reference);
        assert_eq!(popped, expected);
        assert_eq!(q.len(), 0);
    }
}
