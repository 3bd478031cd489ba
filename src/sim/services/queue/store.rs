//! A queue's own bookkeeping of messages: sending, receiving in batches, deleting,
//! retention and the pollers' growth (the visibility side is in `visibility.rs`).

use super::{DeadLetter, FailReason, FreshMessages, QueueCounters};
use super::{INITIAL_POLLERS, Message, MessageState, POLLERS_PER_SEC, QueueSpec, QueueState, Sent};
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::time::{SimDuration, SimTime};
use std::collections::{BTreeSet, VecDeque};

impl QueueState {
    pub(crate) fn new(spec: QueueSpec) -> QueueState {
        QueueState {
            spec,
            fresh: FreshMessages::default(),
            messages: Vec::new(),
            free: Vec::new(),
            returned: VecDeque::new(),
            stale_returned: 0,
            visible_by_age: BTreeSet::new(),
            counted_live: 0,
            in_flight: 0,
            batches_in_flight: 0,
            batches: Vec::new(),
            free_batches: Vec::new(),
            spare_batches: Vec::new(),
            dlq_index: None,
            consumer_index: None,
            pollers: INITIAL_POLLERS,
            pollers_updated: SimTime::ZERO,
            next_receipt: 0,
            poll_at: None,
            visibility_deadlines: VecDeque::new(),
            visibility_check_at: None,
            window_opened: None,
            counters: QueueCounters::default(),
            wait: Histogram::default(),
            max_depth: 0,
            max_oldest_age: SimDuration::ZERO,
            dead_letters: 0,
            history: crate::sim::kernel::metrics::GaugeSeries::default(),
            redrive_from: None,
            redrive_task: None,
            redrive_done_for: None,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Whether a dead-letter queue takes its messages after max receives.
    pub fn dlq_attached(&self) -> bool {
        self.dlq_index.is_some()
    }

    /// Messages waiting to be received.
    pub fn depth(&self) -> u64 {
        (self.fresh.len() + self.visible_by_age.len()) as u64
    }

    /// Age of the oldest visible message.
    pub fn oldest_age(&self, now: SimTime) -> SimDuration {
        let fresh = self.fresh.front().map(|m| m.sent_at);
        let returned = self.visible_by_age.first().map(|&(_, slot)| self.messages[slot as usize].sent_at);
        match (fresh, returned) {
            (Some(a), Some(b)) => now.since(a.min(b)),
            (Some(t), None) | (None, Some(t)) => now.since(t),
            (None, None) => SimDuration::ZERO,
        }
    }

    /// Slots of the structures that hold messages (memory checks): packed bytes of the
    /// never-received, received messages, and the visible-again lists.
    pub(crate) fn census(&self) -> [usize; 3] {
        [
            self.fresh.capacity(),
            self.messages.capacity(),
            self.returned.capacity() + self.visible_by_age.len() + self.visibility_deadlines.capacity(),
        ]
    }

    /// Stores a new message, visible at once.
    pub(crate) fn send(&mut self, now: SimTime, sent: Sent) {
        self.counters.sent += u64::from(sent.counted);
        self.counted_live += u64::from(sent.counted);
        self.fresh.push(Sent { sent_at: now, ..sent });
        self.note_depth(now);
    }

    pub(crate) fn note_depth(&mut self, now: SimTime) {
        self.max_depth = self.max_depth.max(self.depth());
        self.grow_pollers(now);
    }

    /// Pollers add `POLLERS_PER_SEC` a second while messages wait.
    pub(super) fn grow_pollers(&mut self, now: SimTime) {
        let Some(consumer) = &self.spec.consumer else { return };
        let dt = now.since(self.pollers_updated).as_secs_f64();
        self.pollers_updated = now;
        if self.depth() > 0 {
            self.pollers = (self.pollers + POLLERS_PER_SEC * dt).min(f64::from(consumer.max_concurrency));
        }
    }

    /// Concurrent batches the pollers allow now.
    pub fn consumer_limit(&mut self, now: SimTime) -> u32 {
        self.grow_pollers(now);
        let max = self.spec.consumer.as_ref().map_or(0, |c| c.max_concurrency);
        (self.pollers as u32).min(max)
    }

    pub(super) fn insert(&mut self, message: Message) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.messages[id as usize] = message;
                id
            }
            None => {
                self.messages.push(message);
                (self.messages.len() - 1) as u32
            }
        }
    }

    /// Receives up to `n` messages as one batch; returns the batch id.
    pub(crate) fn receive_batch(&mut self, now: SimTime, n: u32) -> Option<u32> {
        let mut taken = self.spare_batches.pop().unwrap_or_default();
        // A queue never delivers a message past its retention period: such messages
        // stay visible until the next `expire_old` deletes them (a message that keeps
        // coming back, such as a poison one without a DLQ, would otherwise be received
        // again every time and only expire if a tick happened to find it visible). They
        // leave the order of receives (they can never be received again) but stay
        // visible, in `visible_by_age`.
        while taken.len() < n as usize {
            let fresh_first = match (self.returned_front(), self.fresh.front()) {
                (None, None) => break,
                (Some(r), Some(_)) => r.sent_before > self.fresh.front_serial(),
                (None, Some(_)) => true,
                (Some(_), None) => false,
            };
            let id = if fresh_first {
                let serial = self.fresh.front_serial();
                let Some(sent) = self.fresh.pop() else { break };
                let message = Message {
                    correlation: sent.correlation,
                    sent_at: sent.sent_at,
                    counted: sent.counted,
                    receives: 0,
                    receipt: 0,
                    state: MessageState::Visible,
                    side_effects: 0,
                    trigger: sent.trigger,
                    serial,
                    poison: sent.poison,
                    fetch: sent.fetch,
                    depth: sent.depth,
                    listed: false,
                    last_failure: FailReason::StillRunning,
                    dead: sent.dead,
                };
                let id = self.insert(message);
                if now.since(sent.sent_at) >= self.spec.retention {
                    self.visible_by_age.insert((serial, id));
                    continue;
                }
                id
            } else {
                let Some(r) = self.returned.pop_front() else { break };
                let m = &mut self.messages[r.slot as usize];
                m.listed = false;
                if now.since(m.sent_at) >= self.spec.retention {
                    continue; // stays in `visible_by_age`
                }
                self.visible_by_age.remove(&(m.serial, r.slot));
                r.slot
            };
            let m = &mut self.messages[id as usize];
            if m.counted {
                self.counters.received += 1;
                if m.receives > 0 {
                    self.counters.redelivered += 1;
                    self.counters.redelivered_poison += u64::from(m.poison);
                } else {
                    let waited = now.since(m.sent_at);
                    self.wait.record(waited);
                    self.counters.waited += u64::from(waited.0 > 0);
                }
            }
            m.receives += 1;
            // Until its run says otherwise, a receive that is not deleted in time outlived
            // the visibility timeout.
            m.last_failure = FailReason::StillRunning;
            self.next_receipt += 1;
            m.receipt = self.next_receipt as u32;
            m.state = MessageState::InFlight;
            self.in_flight += 1;
            taken.push((id, m.serial));
        }
        if taken.is_empty() {
            self.spare_batches.push(taken);
            return None;
        }
        self.batches_in_flight += 1;
        Some(match self.free_batches.pop() {
            Some(b) => {
                self.batches[b as usize] = taken;
                b
            }
            None => {
                self.batches.push(taken);
                (self.batches.len() - 1) as u32
            }
        })
    }

    pub(crate) fn release_batch(&mut self, batch: u32) -> Vec<(u32, u64)> {
        self.batches_in_flight -= 1;
        self.free_batches.push(batch);
        std::mem::take(&mut self.batches[batch as usize])
    }

    /// Keeps an emptied batch list for the next receive (no allocation per batch).
    pub(crate) fn recycle_batch(&mut self, mut list: Vec<(u32, u64)>) {
        if self.spare_batches.len() < 64 {
            list.clear();
            self.spare_batches.push(list);
        }
    }

    /// Deletes a message (processed). No-op if it is already gone.
    pub(crate) fn delete(&mut self, id: u32) {
        let m = &self.messages[id as usize];
        match m.state {
            MessageState::Gone => return,
            MessageState::InFlight => self.in_flight -= 1,
            MessageState::Visible => {
                self.visible_by_age.remove(&(m.serial, id));
            }
        }
        let listed = self.messages[id as usize].listed;
        self.counters.deleted += u64::from(self.messages[id as usize].counted);
        self.forget(id);
        if listed {
            self.went_stale(); // after `forget`: a compaction must see it gone
        }
    }

    pub(super) fn forget(&mut self, id: u32) {
        let m = &mut self.messages[id as usize];
        self.counted_live -= u64::from(m.counted);
        m.state = MessageState::Gone;
        m.listed = false;
        self.free.push(id);
    }

    /// Deletes visible messages older than the retention period; `expired` hears the
    /// trigger and whether each was counted.
    pub(crate) fn expire_old(&mut self, now: SimTime, mut expired: impl FnMut(Option<u32>, bool, Option<u64>)) {
        let retention = self.spec.retention;
        // Never received: sent in order, so the old ones are at the front.
        while let Some(m) = self.fresh.front().copied() {
            if now.since(m.sent_at) < retention {
                break;
            }
            self.fresh.pop();
            self.counters.expired += u64::from(m.counted);
            self.counters.expired_unreceived += u64::from(m.counted);
            self.counted_live -= u64::from(m.counted);
            expired(m.trigger, m.counted, self.is_work(&m.dead).then_some(m.correlation));
        }
        // Visible again: by age too.
        while let Some(&(serial, id)) = self.visible_by_age.first() {
            let m = &self.messages[id as usize];
            if now.since(m.sent_at) < retention {
                break;
            }
            self.visible_by_age.remove(&(serial, id));
            let (trigger, counted, listed) = (m.trigger, m.counted, m.listed);
            let work = self.is_work(&m.dead).then_some(m.correlation);
            self.counters.expired += u64::from(counted);
            expired(trigger, counted, work);
            self.forget(id);
            if listed {
                self.went_stale();
            }
        }
        self.max_oldest_age = self.max_oldest_age.max(self.oldest_age(now));
    }

    /// Whether a message (`dead`: its dead letter, if it is one) is work its request
    /// waits for (`services/completion.rs`): a function consumes the queue, and it is
    /// no dead letter (a dead letter ends its request's work).
    pub(crate) fn is_work(&self, dead: &Option<DeadLetter>) -> bool {
        self.consumer_index.is_some() && dead.is_none()
    }

    /// Counted messages still in the queue (visible or being processed).
    pub fn counted_in_queue(&self) -> u64 {
        self.counted_live
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::rng::RngStream;
    use std::collections::HashMap;

    /// The queue as it was written first: every visible message in one list, scanned
    /// (slow, obviously right). The packed queue must behave exactly like it.
    #[derive(Default)]
    struct Reference {
        visible: VecDeque<u64>,
        sent_at: HashMap<u64, u64>,
        state: HashMap<u64, MessageState>,
        receives: HashMap<u64, u32>,
    }

    impl Reference {
        fn receive(&mut self, now: u64, n: usize, retention: u64) -> Vec<u64> {
            let mut taken = Vec::new();
            let mut overdue = Vec::new();
            while taken.len() < n {
                let Some(s) = self.visible.pop_front() else { break };
                if now - self.sent_at[&s] >= retention {
                    overdue.push(s);
                    continue;
                }
                self.state.insert(s, MessageState::InFlight);
                *self.receives.entry(s).or_default() += 1;
                taken.push(s);
            }
            for s in overdue.into_iter().rev() {
                self.visible.push_front(s);
            }
            taken
        }
        fn expire(&mut self, now: u64, retention: u64) -> Vec<u64> {
            let (old, kept): (Vec<u64>, Vec<u64>) =
                self.visible.iter().partition(|s| now - self.sent_at[s] >= retention);
            self.visible = kept.into();
            for s in &old {
                self.state.insert(*s, MessageState::Gone);
            }
            old
        }
        fn oldest(&self, now: u64) -> u64 {
            self.visible.iter().map(|s| now - self.sent_at[s]).max().unwrap_or(0)
        }
    }

    #[test]
    fn behaves_exactly_like_one_scanned_list() {
        let retention = 5_000;
        let spec = QueueSpec {
            name: "q".into(),
            visibility_timeout: SimDuration::from_secs(1),
            max_receive_count: 1000,
            dlq: None,
            retention: SimDuration(retention),
            consumer: None,
            redrive_at: SimDuration::ZERO,
            redrive_rate: 0,
        };
        let mut rng = RngStream::new(5, "queue-reference");
        let mut q = QueueState::new(spec);
        let mut r = Reference::default();
        let mut in_flight: Vec<(u32, u64, u32)> = Vec::new(); // slot, serial, receipt
        let mut now = 0u64;
        let mut serial = 0u64;
        for round in 0..100_000 {
            now += (rng.unit() * 40.0) as u64;
            let t = SimTime(now);
            let action = rng.unit();
            if action < 0.35 {
                let sent = Sent {
                    sent_at: t,
                    correlation: serial,
                    counted: true,
                    poison: false,
                    trigger: None,
                    fetch: SimDuration::ZERO,
                    depth: 0,
                    dead: None,
                };
                q.send(t, sent);
                r.visible.push_back(serial);
                r.sent_at.insert(serial, now);
                r.state.insert(serial, MessageState::Visible);
                serial += 1;
            } else if action < 0.6 {
                let n = 1 + (rng.unit() * 4.0) as usize;
                let want = r.receive(now, n, retention);
                let got: Vec<(u32, u64)> = match q.receive_batch(t, n as u32) {
                    Some(b) => q.release_batch(b),
                    None => Vec::new(),
                };
                assert_eq!(got.iter().map(|p| p.1).collect::<Vec<_>>(), want, "round {round}");
                for (slot, s) in got {
                    in_flight.push((slot, s, q.messages[slot as usize].receipt));
                }
            } else if action < 0.8 && !in_flight.is_empty() {
                // A visibility timeout (possibly stale), or a delete.
                let k = (rng.unit() * in_flight.len() as f64) as usize;
                let (slot, s, receipt) = in_flight.swap_remove(k);
                if rng.unit() < 0.5 {
                    if r.state[&s] == MessageState::InFlight && q.messages[slot as usize].receipt == receipt {
                        r.state.insert(s, MessageState::Visible);
                        r.visible.push_back(s);
                    }
                    assert!(q.visibility_expired(slot, receipt, t).is_none());
                } else if q.messages[slot as usize].serial == s && r.state[&s] != MessageState::Gone {
                    if r.state[&s] == MessageState::Visible {
                        r.visible.retain(|&v| v != s);
                    }
                    r.state.insert(s, MessageState::Gone);
                    q.delete(slot);
                }
            } else if action < 0.83 {
                let mut gone = Vec::new();
                q.expire_old(t, |_, _, _| gone.push(()));
                assert_eq!(gone.len(), r.expire(now, retention).len(), "round {round}");
            }
            assert_eq!(q.depth(), r.visible.len() as u64, "round {round}");
            assert_eq!(q.oldest_age(t).0, r.oldest(now), "round {round}");
            let live = r.state.values().filter(|s| **s != MessageState::Gone).count() as u64;
            assert_eq!(q.counted_in_queue(), live, "round {round}");
        }
        assert!(q.stale_returned <= q.returned.len());
    }
}
