//! A pipeline's end-to-end completion time: from a request's arrival at its trigger to
//! the end of the last piece of work it caused, however many asynchronous hops away
//! (a message and its consumer, an asynchronous invocation and its retries, a workflow
//! execution, a stream record, a client's retries).
//!
//! Every request counts its outstanding work items by correlation id: an item is
//! added when work derived from the request is created and finished when it ends in
//! any way (success, final failure, dead-lettered, dropped, expired). The arrival
//! itself holds one item while the trigger hands the request on, so a request whose
//! work all ends at once (a throttle) completes at its arrival. When the count
//! returns to zero the request is complete: `now - arrival` goes into the completion
//! histogram and the series, and its entry is forgotten.
//!
//! What counts as a work item (each adds one and finishes one, in `Simulation`):
//! - a synchronous client's invocation (HTTP, a WebSocket message) and a client
//!   policy's request across its attempts and back-offs; the fleet's request;
//! - an asynchronous event (until it succeeds, is dropped or goes to its on-failure
//!   destination);
//! - a message in a queue a function consumes (until deleted, dead-lettered or
//!   expired); a dead letter ends its request's work: what a DLQ's consumer or a
//!   redrive does with it later is not part of it;
//! - a record in a stream a function consumes (until processed or skipped);
//! - a workflow execution (until it succeeds, fails or is compensated).
//!
//! A synchronous call from one function to another, a bus event and a bucket's
//! notification are handed on at once (an asynchronous event, a message, an execution)
//! or covered by their caller. A message left in a queue nobody consumes, a record in
//! an unconsumed stream, an object, a row are effects, not work.
//!
//! Memory: one entry (arrival, count and a failure flag, 16 bytes) per request with
//! work outstanding, at most `MAX_OPEN` of them: a request arriving while that many
//! are open is not followed (counted as such), so a backlog of millions of messages
//! (4 bytes each in their queue) costs at most 25 MB here. The recent requests sit in
//! a ring indexed by id (`OpenTable`: requests begin in the order of their ids; at most
//! `RING_SPAN` slots, 1 MB, empty ones included); those still open when the ring has
//! moved `RING_SPAN` ids past them wait in a list in id order (24 bytes each: a queue's
//! backlog is a million of them). Cost per work item: one index into the ring, or a
//! binary search of the list. (A hash map for every request cost the pipeline bench 8%
//! of its CPU time, its probes missing the cache; one for the stragglers cost a
//! million-message backlog 76 bytes and 0.2 us a message.)

use crate::sim::kernel::metrics::{CoarseHistogram, Histogram};
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::services::flows::request_of;
use serde::Serialize;
use std::collections::VecDeque;

/// The most requests followed at once (25 MB of table at most: the ring and a list of
/// at most this many).
pub const MAX_OPEN: usize = 1 << 20;

/// Ids the ring covers at most (16 bytes each: 1 MB); a request still open when the
/// ring moves past it goes to the stragglers' list.
const RING_SPAN: u64 = 1 << 16;

/// A request with work outstanding.
#[derive(Clone, Copy, Debug)]
struct Open {
    arrived: SimTime,
    outstanding: u32,
    /// Some of its work ended in failure (a final error, a dead letter, an expiry).
    failed: bool,
}

impl Open {
    /// A ring slot without an open request (an open one always has work outstanding).
    const NONE: Open = Open { arrived: SimTime::ZERO, outstanding: 0, failed: false };
}

/// The open requests by id. Ids are consecutive and requests begin in id order, and
/// most end soon after: the recent ones, ids `base..base + span`, are kept in a ring
/// where request `id` is in slot `id % slots.len()` (a slot with nothing outstanding is
/// empty), and `base` moves on over ended requests. A request still open when the ring
/// would span more than `RING_SPAN` ids is moved to `stragglers`.
#[derive(Clone, Debug, Default)]
struct OpenTable {
    base: u64,
    span: u64,
    /// A power of two long (or empty).
    slots: Vec<Open>,
    stragglers: Stragglers,
    len: usize,
}

/// The requests still open when the ring moved past them, in id order: they leave the
/// ring oldest first, so each goes to the back (a request that begins after the ring
/// has passed its id, which ids' order makes rare, is put in its place). An ended one
/// stays as a gap (nothing outstanding) until it reaches the front or the gaps are half
/// the list, so ending is amortised constant time whatever the order.
#[derive(Clone, Debug, Default)]
struct Stragglers {
    by_id: VecDeque<(u64, Open)>,
    gaps: usize,
}

impl Stragglers {
    fn capacity(&self) -> usize {
        self.by_id.capacity()
    }

    fn position(&self, id: u64) -> Result<usize, usize> {
        self.by_id.binary_search_by_key(&id, |&(i, _)| i)
    }

    fn insert(&mut self, id: u64, open: Open) {
        match self.by_id.back() {
            Some(&(last, _)) if last >= id => match self.position(id) {
                Ok(i) => {
                    // Ids begin once; should one begin again, it takes its old place.
                    self.gaps -= usize::from(self.by_id[i].1.outstanding == 0);
                    self.by_id[i].1 = open;
                }
                Err(i) => self.by_id.insert(i, (id, open)),
            },
            _ => self.by_id.push_back((id, open)),
        }
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut Open> {
        let i = self.position(id).ok()?;
        let o = &mut self.by_id[i].1;
        (o.outstanding > 0).then_some(o)
    }

    /// Forgets `id`, which ended (nothing outstanding).
    fn remove(&mut self, id: u64) {
        let Ok(i) = self.position(id) else { return };
        self.by_id[i].1 = Open::NONE;
        self.gaps += 1;
        while self.by_id.front().is_some_and(|(_, o)| o.outstanding == 0) {
            self.by_id.pop_front();
            self.gaps -= 1;
        }
        if self.gaps > 64 && self.gaps * 2 > self.by_id.len() {
            self.by_id.retain(|(_, o)| o.outstanding > 0);
            self.gaps = 0;
        }
    }
}

impl OpenTable {
    fn len(&self) -> usize {
        self.len
    }

    fn capacity(&self) -> usize {
        self.slots.capacity() + self.stragglers.capacity()
    }

    #[inline]
    fn slot(&mut self, id: u64) -> &mut Open {
        let mask = self.slots.len() - 1;
        &mut self.slots[id as usize & mask]
    }

    /// Adds request `id` (not open yet).
    fn insert(&mut self, id: u64, open: Open) {
        self.len += 1;
        if self.span == 0 {
            self.base = id;
        }
        if id < self.base {
            self.stragglers.insert(id, open);
            return;
        }
        if id - self.base >= self.slots.len() as u64 {
            self.make_room(id);
        }
        self.span = self.span.max(id - self.base + 1);
        *self.slot(id) = open;
    }

    /// Grows the ring to hold `id` (up to `RING_SPAN` slots), then moves the oldest
    /// requests out of it until `id` fits (the open ones to `stragglers`).
    #[cold]
    fn make_room(&mut self, id: u64) {
        let needed = (id - self.base + 1).next_power_of_two().clamp(64, RING_SPAN) as usize;
        if needed > self.slots.len() {
            let mut slots = vec![Open::NONE; needed];
            for old in self.base..self.base + self.span {
                slots[old as usize & (needed - 1)] = *self.slot(old);
            }
            self.slots = slots;
        }
        while self.span > 0 && id - self.base >= self.slots.len() as u64 {
            let base = self.base;
            let o = std::mem::replace(self.slot(base), Open::NONE);
            if o.outstanding > 0 {
                self.stragglers.insert(base, o);
            }
            self.base += 1;
            self.span -= 1;
        }
        if self.span == 0 {
            self.base = id;
        }
    }

    #[inline]
    fn get_mut(&mut self, id: u64) -> Option<&mut Open> {
        let i = id.wrapping_sub(self.base);
        if i < self.span {
            let o = self.slot(id);
            return (o.outstanding > 0).then_some(o);
        }
        if id < self.base { self.stragglers.get_mut(id) } else { None }
    }

    /// Forgets request `id` (open, with nothing outstanding any more).
    #[inline]
    fn remove(&mut self, id: u64) {
        self.len -= 1;
        if id < self.base {
            self.stragglers.remove(id);
            return;
        }
        *self.slot(id) = Open::NONE;
        while self.span > 0 && self.slot(self.base).outstanding == 0 {
            self.base += 1;
            self.span -= 1;
        }
    }
}

/// What became of the requests followed to the end of their work (those that arrived
/// after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CompletionTotals {
    /// Requests that arrived (after the warm-up):
    /// `arrived = completed + in_flight + not_followed`.
    pub arrived: u64,
    /// Requests whose work has all ended.
    pub completed: u64,
    /// ... of which some work ended in failure (dead-lettered, dropped, expired, or
    /// an error with no retry left).
    pub completed_failed: u64,
    /// Requests with work still outstanding.
    pub in_flight: u64,
    /// Requests not followed: they arrived while `MAX_OPEN` others were open, or the
    /// scenario makes no asynchronous work (a request's completion is then its
    /// caller's latency, and following it would cost a quarter of the run's time).
    pub not_followed: u64,
    /// Asynchronous work items created (events, messages, records, executions): zero
    /// when every request was answered synchronously.
    pub asynchronous_items: u64,
}

/// The requests being followed to the end of their work, and the completion times of
/// those done.
#[derive(Clone, Debug, Default)]
pub(crate) struct WorkLedger {
    /// Off when the configuration cannot make asynchronous work (every request is
    /// answered by the invocation its caller waits for, whose latency is measured
    /// already): the table would cost a quarter of such a run's time for nothing.
    enabled: bool,
    open: OpenTable,
    /// Completion time of every completed request.
    pub(crate) histogram: Histogram,
    totals: CompletionTotals,
}

impl WorkLedger {
    /// A ledger that follows requests when `config` can make asynchronous work.
    pub(crate) fn for_config(config: &crate::sim::config::SimConfig) -> WorkLedger {
        WorkLedger { enabled: may_work_asynchronously(config), ..WorkLedger::default() }
    }

    /// A request arrives: it holds one item (its arrival) until its trigger has
    /// handed it on (`done`).
    #[inline]
    pub(crate) fn begin(&mut self, id: u64, now: SimTime) {
        self.totals.arrived += 1;
        if !self.enabled || self.open.len() >= MAX_OPEN {
            // Disabled: its completion is its caller's latency, measured already.
            self.totals.not_followed += 1;
            return;
        }
        self.open.insert(request_of(id), Open { arrived: now, outstanding: 1, failed: false });
    }

    /// A work item of the request `id` (or of one of its parts) was created; nothing
    /// when the request is not followed (it arrived in the warm-up, or its work had
    /// already ended: a redriven dead letter).
    #[inline]
    pub(crate) fn add(&mut self, id: u64, asynchronous: bool) {
        if !self.enabled {
            return;
        }
        if let Some(o) = self.open.get_mut(request_of(id)) {
            o.outstanding += 1;
            self.totals.asynchronous_items += u64::from(asynchronous);
        }
    }

    /// A work item of the request `id` ended (`failed`: for good, unsuccessfully);
    /// returns the request's completion time when that was its last item.
    #[inline]
    pub(crate) fn done(&mut self, id: u64, failed: bool, now: SimTime) -> Option<SimDuration> {
        if !self.enabled {
            return None;
        }
        self.item_done(id, failed, now)
    }

    fn item_done(&mut self, id: u64, failed: bool, now: SimTime) -> Option<SimDuration> {
        let key = request_of(id);
        let o = self.open.get_mut(key)?;
        o.failed |= failed;
        o.outstanding -= 1;
        if o.outstanding > 0 {
            return None;
        }
        let o = *o;
        self.open.remove(key);
        let took = now.since(o.arrived);
        self.histogram.record(took);
        self.totals.completed += 1;
        self.totals.completed_failed += u64::from(o.failed);
        Some(took)
    }

    /// `done`, recording a completion into a series bucket's histogram too.
    #[inline]
    pub(crate) fn done_into(&mut self, id: u64, failed: bool, now: SimTime, bucket: &mut CoarseHistogram) {
        if let Some(took) = self.done(id, failed, now) {
            bucket.record(took);
        }
    }

    pub(crate) fn totals(&self) -> CompletionTotals {
        CompletionTotals { in_flight: self.open.len() as u64, ..self.totals }
    }

    /// Allocated slots of the table.
    pub(crate) fn capacity(&self) -> usize {
        self.open.capacity()
    }
}

/// Whether any request of `config` can cause work that outlives the invocation its
/// caller waits for: a queue, stream, workflow, bus or bucket, a trigger other than
/// synchronous HTTP, or a function invoking another (which may be asynchronous).
/// Conservative: a yes only costs the table's upkeep.
fn may_work_asynchronously(config: &crate::sim::config::SimConfig) -> bool {
    use crate::sim::function::Call;
    use crate::sim::trigger::TriggerSpec;
    !(config.queues.is_empty()
        && config.streams.is_empty()
        && config.workflows.is_empty()
        && config.buses.is_empty()
        && config.buckets.is_empty()
        && config.triggers.iter().all(|t| matches!(**t, TriggerSpec::Http { .. }))
        && config.functions.iter().all(|f| f.calls.iter().all(|c| !matches!(c, Call::Invoke { .. }))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_completes_when_its_last_item_ends() {
        let mut w = WorkLedger { enabled: true, ..WorkLedger::default() };
        let t = |s: u64| SimTime(s * 1_000_000);
        w.begin(7, t(1));
        w.add(7, true); // a message
        w.add(super::super::flows::part_id(7, 3), true); // a fan-out's part
        assert_eq!(w.done(7, false, t(1)), None); // the trigger handed it on
        assert_eq!(w.done(7, false, t(2)), None);
        w.add(99, true); // not followed: nothing
        assert_eq!(w.done(99, false, t(2)), None);
        assert_eq!(w.done(super::super::flows::part_id(7, 3), true, t(5)), Some(SimDuration::from_secs(4)));
        let totals = w.totals();
        assert_eq!((totals.arrived, totals.completed, totals.completed_failed, totals.in_flight), (1, 1, 1, 0));
        assert_eq!(totals.asynchronous_items, 2);
        // Forgotten once complete: a late item of it is not followed.
        w.add(7, true);
        assert_eq!(w.totals().in_flight, 0);
    }
}

impl crate::sim::Simulation {
    /// A work item of the request `id` was created (`asynchronous`: one that outlives
    /// the invocation that made it).
    #[inline]
    pub(crate) fn work_add(&mut self, id: u64, asynchronous: bool) {
        self.services.work.add(id, asynchronous);
    }

    /// A work item of the request `id` ended; the request completes with its last.
    #[inline]
    pub(crate) fn work_done(&mut self, id: u64, failed: bool) {
        self.services.work.done_into(id, failed, self.now, &mut self.series.current.completion);
    }

    /// Completion times of the requests whose work has all ended (since the warm-up).
    pub fn completion(&self) -> &Histogram {
        &self.services.work.histogram
    }

    /// Requests followed to the end of their work: arrived, completed, in flight.
    pub fn completion_totals(&self) -> CompletionTotals {
        self.services.work.totals()
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::sim::kernel::rng::RngStream;
    use std::collections::HashMap;

    #[test]
    fn the_ring_and_its_stragglers_agree_with_a_map() {
        // Requests begin in id order (with gaps: ids not followed), end in any order,
        // some long after the ring has moved past them.
        let mut rng = RngStream::new(5, "open-table-test");
        let mut table = OpenTable::default();
        let mut reference: HashMap<u64, u32> = HashMap::new();
        let mut next = 0u64;
        for _ in 0..300_000 {
            if rng.unit() < 0.5 {
                let gap = if rng.unit() < 0.001 { rng.unit() * 3.0 * RING_SPAN as f64 } else { rng.unit() * 3.0 };
                next += 1 + gap as u64;
                table.insert(next, Open { arrived: SimTime(next), outstanding: 1, failed: false });
                reference.insert(next, 1);
            } else {
                // Mostly a recent request; sometimes a very old one.
                let back = if rng.unit() < 0.01 { next } else { (rng.unit() * 300.0) as u64 };
                let id = next.saturating_sub(back);
                match (table.get_mut(id), reference.get_mut(&id)) {
                    (Some(o), Some(n)) => {
                        assert_eq!(o.arrived, SimTime(id));
                        if rng.unit() < 0.3 {
                            o.outstanding += 1;
                            *n += 1;
                        } else {
                            o.outstanding -= 1;
                            *n -= 1;
                            if *n == 0 {
                                table.remove(id);
                                reference.remove(&id);
                            }
                        }
                    }
                    (None, None) => {}
                    (a, b) => panic!("id {id}: table {a:?}, map {b:?}"),
                }
            }
            assert_eq!(table.len(), reference.len());
        }
        assert!(table.stragglers.by_id.len() > table.stragglers.gaps, "the test must reach the stragglers");
        assert!(table.span <= RING_SPAN && table.slots.len() as u64 <= RING_SPAN);
        for (&id, &n) in &reference {
            assert_eq!(table.get_mut(id).map(|o| o.outstanding), Some(n), "id {id}");
        }
    }

    #[test]
    fn a_million_open_requests_cost_25_mb_and_drain_in_linear_time() {
        // A queue's backlog: every request stays open far past the ring, then the
        // oldest end first, as a queue delivers them.
        let mut table = OpenTable::default();
        let open = |id: u64| Open { arrived: SimTime(id), outstanding: 1, failed: false };
        let n = MAX_OPEN as u64;
        for id in 1..=n {
            table.insert(id, open(id));
        }
        assert_eq!(table.len(), MAX_OPEN);
        let bytes = table.slots.capacity() * std::mem::size_of::<Open>()
            + table.stragglers.capacity() * std::mem::size_of::<(u64, Open)>();
        assert_eq!(std::mem::size_of::<(u64, Open)>(), 24);
        // The ring's 1 MB and the list's room for at most `MAX_OPEN`.
        assert!(bytes <= (1 << 20) + 24 * MAX_OPEN, "{bytes} bytes");
        for id in 1..=n {
            let o = table.get_mut(id).expect("open");
            assert_eq!(o.arrived, SimTime(id));
            o.outstanding = 0;
            table.remove(id);
        }
        assert_eq!(table.len(), 0);
        assert!(table.stragglers.by_id.is_empty() && table.stragglers.gaps == 0);
    }

    #[test]
    fn requests_that_end_behind_an_open_one_do_not_pile_up() {
        // The oldest request never ends; 200 000 younger ones end in a scattered
        // order: the list keeps at most twice the open ones (plus 64) as gaps.
        let mut table = OpenTable::default();
        let open = |id: u64| Open { arrived: SimTime(id), outstanding: 1, failed: false };
        let n = 200_000u64;
        for id in 0..n {
            table.insert(id, open(id));
        }
        let mut rng = RngStream::new(9, "straggler-gaps");
        let mut ids: Vec<u64> = (1..n).collect();
        for i in (1..ids.len()).rev() {
            ids.swap(i, (rng.unit() * (i + 1) as f64) as usize % (i + 1));
        }
        for (ended, &id) in ids.iter().enumerate() {
            if let Some(o) = table.get_mut(id) {
                o.outstanding = 0;
                table.remove(id);
            }
            let open_now = table.len();
            assert!(
                table.stragglers.by_id.len() <= 2 * open_now + 65,
                "after {ended}: {}",
                table.stragglers.by_id.len()
            );
            assert!(table.get_mut(id).is_none());
        }
        assert_eq!(table.len(), 1);
        assert_eq!(table.get_mut(0).map(|o| o.arrived), Some(SimTime(0)));
        // A request that begins after the ring passed its id takes its place in order.
        for id in [70_000, 5, 69_999] {
            table.insert(id, open(id));
        }
        assert_eq!(table.len(), 4);
        for id in [0, 5, 69_999, 70_000] {
            assert_eq!(table.get_mut(id).map(|o| o.arrived), Some(SimTime(id)), "id {id}");
        }
        assert!(table.stragglers.by_id.iter().zip(table.stragglers.by_id.iter().skip(1)).all(|(a, b)| a.0 < b.0));
    }
}
