//! SQS-like queues: messages, visibility timeouts, receive counts, dead-letter queues,
//! retention, and the event-source mapping that polls a queue for a function.

use crate::sim::kernel::log::CallFailed;
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};

mod fresh;
pub mod redrive;
pub(crate) use fresh::{FreshMessages, Sent};
use redrive::{DeadLetter, FailReason, RedriveTask};

/// A queue as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub name: String,
    /// How long a received message stays invisible to other consumers.
    #[serde(default = "default_visibility")]
    pub visibility_timeout: SimDuration,
    /// After this many receives, a message that comes back goes to the DLQ.
    #[serde(default = "default_max_receives")]
    pub max_receive_count: u32,
    /// Another queue of the scenario that takes messages received too often.
    #[serde(default)]
    pub dlq: Option<String>,
    /// Messages older than this are deleted by the queue (SQS default 4 days).
    #[serde(default = "default_retention")]
    pub retention: SimDuration,
    /// The function that consumes the queue (an event-source mapping), if any.
    #[serde(default)]
    pub consumer: Option<ConsumerSpec>,
    /// When an operator redrives the DLQ's messages back into this queue (0: never).
    #[serde(default, skip_serializing_if = "is_zero_duration")]
    pub redrive_at: SimDuration,
    /// Messages a second a redrive moves (SQS's `MaxNumberOfMessagesPerSecond`, at most
    /// 500); 0 lets SQS choose, modelled as all at once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redrive_rate: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

fn is_zero_duration(d: &SimDuration) -> bool {
    d.0 == 0
}

/// An event-source mapping: pollers receive batches and invoke a function with them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    pub function: String,
    #[serde(default = "default_batch")]
    pub batch_size: u32,
    /// Wait up to this long for a full batch (0 = invoke as soon as a message is there).
    #[serde(default)]
    pub batching_window: SimDuration,
    /// Most batches in flight at once (the mapping's maximum concurrency).
    #[serde(default = "default_consumers")]
    pub max_concurrency: u32,
    /// Report failed messages one by one; otherwise one failure returns the whole batch.
    #[serde(default)]
    pub partial_batch_response: bool,
}

fn default_visibility() -> SimDuration {
    SimDuration::from_secs(30)
}
fn default_max_receives() -> u32 {
    5
}
fn default_retention() -> SimDuration {
    SimDuration::from_secs(4 * 86_400)
}
fn default_batch() -> u32 {
    10
}
fn default_consumers() -> u32 {
    1000
}

/// Pollers start at this many concurrent batches and add this many a second while a
/// backlog lasts (Lambda: 5, then up to 300 more a minute). They do not scale back
/// down within a run (a simplification: scale-down is slow in Lambda too).
pub const INITIAL_POLLERS: f64 = 5.0;
pub const POLLERS_PER_SEC: f64 = 5.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MessageState {
    Visible,
    InFlight,
    Gone,
}

/// A message that a consumer received at least once (a message nobody received yet is
/// kept packed in `FreshMessages`).
#[derive(Clone, Debug)]
pub(crate) struct Message {
    /// Correlation id of the request that produced it.
    pub correlation: u64,
    pub sent_at: SimTime,
    pub counted: bool,
    pub receives: u32,
    /// Unique to each receive (across the queue, since message slots are reused), so a
    /// stale visibility timeout is recognised. (u32 keeps events small; it would take
    /// four billion receives on one queue to wrap.)
    pub receipt: u32,
    pub state: MessageState,
    /// Handler runs that performed this message's side effect.
    pub side_effects: u32,
    /// The producer trigger that sent it (it hears how the message ended).
    pub trigger: Option<u32>,
    /// Unique per message (its place in the order sent): slots are reused, so a batch
    /// checks it still holds the same one.
    pub serial: u64,
    /// Fails every time it is processed.
    pub poison: bool,
    /// Time a consumer needs to fetch its claim-checked payload (zero when inline).
    pub fetch: SimDuration,
    /// Function invocations in its chain so far (recursive loop detection).
    pub depth: u16,
    /// Visible again and listed in the queue's order of receives (`returned`).
    pub listed: bool,
    /// Why its last receive did not delete it (what its dead letter will say).
    pub last_failure: FailReason,
    /// What it remembers of its failure, in a DLQ.
    pub dead: Option<DeadLetter>,
}

/// A message visible again after a receive, in the order messages became visible:
/// `sent_before` is how many messages had been sent by then (its place among the
/// messages never received), `receipt` tells a stale entry (the message was deleted,
/// expired or received again since) from a live one.
#[derive(Clone, Copy, Debug)]
struct Returned {
    slot: u32,
    receipt: u32,
    sent_before: u64,
}

/// Counts over messages sent after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounters {
    pub sent: u64,
    pub received: u64,
    pub deleted: u64,
    /// Receives of a message that had been received before.
    pub redelivered: u64,
    pub to_dlq: u64,
    /// Of those, poison messages (they could never succeed).
    pub to_dlq_poison: u64,
    pub expired: u64,
    /// Of those, messages no consumer ever received.
    pub expired_unreceived: u64,
    /// Receives of a poison message after its first (it fails every time).
    pub redelivered_poison: u64,
    /// First receives that found no free consumer at once (waited longer than zero).
    pub waited: u64,
    /// Messages a redrive moved back into this queue from its DLQ (each a new message:
    /// not in `sent`).
    pub redriven: u64,
    /// Of those, poison messages (they fail again).
    pub redriven_poison: u64,
    /// Messages a redrive moved out of this queue, a DLQ, back to their source.
    pub redriven_out: u64,
}

/// A queue at run time.
///
/// Visible messages are received in the order they became visible: those never
/// received (`fresh`, packed, in the order sent) and those that came back after a
/// visibility timeout (`returned`), merged by when they became visible. Received ones
/// live in a slab; the visible ones among them are also ordered by age, so the oldest
/// message and those past the retention period are found without scanning the backlog.
#[derive(Clone, Debug)]
pub struct QueueState {
    pub spec: QueueSpec,
    fresh: FreshMessages,
    pub(crate) messages: Vec<Message>,
    free: Vec<u32>,
    returned: VecDeque<Returned>,
    /// Entries of `returned` whose message is no longer visible there.
    stale_returned: usize,
    /// Received messages that are visible again, by serial (the order sent), with slots.
    visible_by_age: BTreeSet<(u64, u32)>,
    /// Counted messages sent and not yet deleted, sent to the DLQ or expired.
    counted_live: u64,
    pub in_flight: u32,
    /// Batches being processed by the consumer.
    pub(crate) batches_in_flight: u32,
    /// Each batch in flight: (message slot, message serial).
    pub(crate) batches: Vec<Vec<(u32, u64)>>,
    free_batches: Vec<u32>,
    /// Emptied batch lists, kept for reuse.
    spare_batches: Vec<Vec<(u32, u64)>>,
    pub(crate) dlq_index: Option<u32>,
    pub(crate) consumer_index: Option<u32>,
    /// Concurrent batches the pollers allow (grows during backlogs).
    pollers: f64,
    pollers_updated: SimTime,
    next_receipt: u64,
    /// A poll is scheduled for the batching window.
    pub(crate) poll_at: Option<SimTime>,
    /// Received messages' visibility deadlines in the order received: (deadline,
    /// slot, receipt). Deadlines only grow while the timeout stays the same, so one
    /// pending `VisibilityCheck` at the first live entry's deadline serves them all,
    /// where a timer per receive cost an event each, nearly all of them for messages
    /// deleted long before (a quarter of the pipeline bench's events). Entries of
    /// deleted or received-again messages are dropped from the front as met.
    visibility_deadlines: VecDeque<(SimTime, u32, u32)>,
    /// When the pending check fires; `Some(now)` while one runs.
    visibility_check_at: Option<SimTime>,
    /// When the pollers started waiting for a fuller batch.
    pub(crate) window_opened: Option<SimTime>,
    pub counters: QueueCounters,
    /// Time from send to first receive, of counted messages.
    pub wait: Histogram,
    pub max_depth: u64,
    pub max_oldest_age: SimDuration,
    /// Messages that arrived here as a dead-letter queue (whole run).
    pub dead_letters: u64,
    /// Depth and age of the oldest message (s), sampled each series bucket.
    pub history: crate::sim::kernel::metrics::GaugeSeries,
    /// The DLQ a redrive moves messages back from: the written `dlq`, attached or not.
    pub(crate) redrive_from: Option<u32>,
    /// A redrive into this queue under way.
    pub(crate) redrive_task: Option<RedriveTask>,
    /// The `redrive_at` whose redrive has started (a knob changed later starts another).
    pub(crate) redrive_done_for: Option<SimDuration>,
}

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
    fn grow_pollers(&mut self, now: SimTime) {
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

    fn insert(&mut self, message: Message) -> u32 {
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

    /// The front of `returned`, its stale entries dropped.
    fn returned_front(&mut self) -> Option<Returned> {
        while let Some(&r) = self.returned.front() {
            let m = &self.messages[r.slot as usize];
            if m.state == MessageState::Visible && m.receipt == r.receipt {
                return Some(r);
            }
            self.returned.pop_front();
            self.stale_returned -= 1;
        }
        None
    }

    /// An entry of `returned` went stale; compacts the list once most of it is.
    fn went_stale(&mut self) {
        self.stale_returned += 1;
        if self.stale_returned > 64 && self.stale_returned * 2 > self.returned.len() {
            let messages = &self.messages;
            self.returned.retain(|r| {
                let m = &messages[r.slot as usize];
                m.state == MessageState::Visible && m.receipt == r.receipt
            });
            self.stale_returned = 0;
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

    fn forget(&mut self, id: u32) {
        let m = &mut self.messages[id as usize];
        self.counted_live -= u64::from(m.counted);
        m.state = MessageState::Gone;
        m.listed = false;
        self.free.push(id);
    }

    /// Whether the receive `receipt` of message `id` is still being processed (not
    /// deleted, expired or received again since).
    fn receive_is_live(&self, id: u32, receipt: u32) -> bool {
        let m = &self.messages[id as usize];
        m.state == MessageState::InFlight && m.receipt == receipt
    }

    /// Notes a receive's visibility deadline. Returns false when it comes before one
    /// noted earlier (the timeout was shortened while messages were in flight): that
    /// receive needs a timer of its own.
    fn note_deadline(&mut self, deadline: SimTime, id: u32, receipt: u32) -> bool {
        self.drop_dead_deadlines();
        if self.visibility_deadlines.back().is_some_and(|&(d, _, _)| d > deadline) {
            return false;
        }
        self.visibility_deadlines.push_back((deadline, id, receipt));
        true
    }

    /// Drops the entries at the front whose receive has ended.
    fn drop_dead_deadlines(&mut self) {
        while let Some(&(_, id, receipt)) = self.visibility_deadlines.front() {
            if self.receive_is_live(id, receipt) {
                break;
            }
            self.visibility_deadlines.pop_front();
        }
    }

    /// A received message's visibility timeout ended without a delete: it becomes
    /// visible again, or goes to the DLQ after `max_receive_count` receives. Returns
    /// `Some(message)` when it must move to the DLQ (the caller sends it there).
    pub(crate) fn visibility_expired(&mut self, id: u32, receipt: u32, now: SimTime) -> Option<Message> {
        if !self.receive_is_live(id, receipt) {
            return None; // deleted, or received again since
        }
        let m = &self.messages[id as usize];
        self.in_flight -= 1;
        // Without a dead-letter queue there is no redrive policy: it comes back until
        // the retention period ends.
        if m.receives >= self.spec.max_receive_count && self.dlq_index.is_some() {
            let message = m.clone();
            self.counters.to_dlq += u64::from(message.counted);
            self.counters.to_dlq_poison += u64::from(message.counted && message.poison);
            self.forget(id);
            return Some(message);
        }
        let serial = m.serial;
        self.messages[id as usize].state = MessageState::Visible;
        self.messages[id as usize].listed = true;
        let sent_before = self.fresh.next_serial();
        self.returned.push_back(Returned { slot: id, receipt, sent_before });
        self.visible_by_age.insert((serial, id));
        self.note_depth(now);
        None
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

impl Simulation {
    /// Sends a message now (its `sent_at` is set to now).
    pub(crate) fn send_message(&mut self, queue: u32, sent: Sent) {
        let now = self.now;
        if self.services.queues[queue as usize].is_work(&sent.dead) {
            self.work_add(sent.correlation, true);
        }
        self.services.queues[queue as usize].send(now, sent);
        self.pump_queue(queue);
    }

    /// Lets the queue's pollers take batches while there are messages, pollers and room.
    pub(crate) fn pump_queue(&mut self, queue: u32) {
        let now = self.now;
        loop {
            let q = &mut self.services.queues[queue as usize];
            let (Some(consumer), Some(function)) = (q.spec.consumer.as_ref(), q.consumer_index) else { return };
            let (batch_size, batching_window) = (consumer.batch_size, consumer.batching_window);
            if q.depth() == 0 || q.batches_in_flight >= q.consumer_limit(now) {
                return;
            }
            if batching_window.0 > 0 && q.depth() < u64::from(batch_size) {
                // Wait for a fuller batch until the window closes.
                let window_end = *q.window_opened.get_or_insert(now) + batching_window;
                if now < window_end {
                    if q.poll_at.is_none_or(|at| at > window_end) {
                        q.poll_at = Some(window_end);
                        self.queue.schedule(window_end, Event::Poll { queue });
                    }
                    return;
                }
            }
            if !self.has_room(function) {
                let q = &mut self.services.queues[queue as usize];
                if q.poll_at.is_none() {
                    let at = now + SimDuration::from_secs(1);
                    q.poll_at = Some(at);
                    self.queue.schedule(at, Event::Poll { queue });
                }
                return;
            }
            let q = &mut self.services.queues[queue as usize];
            q.window_opened = None;
            let Some(batch) = q.receive_batch(now, batch_size) else { return };
            let visibility = q.spec.visibility_timeout;
            let mut counted = false;
            let mut correlation = 0;
            let mut depth = 0;
            for &(m, _) in &q.batches[batch as usize] {
                let message = &q.messages[m as usize];
                counted |= message.counted;
                correlation = message.correlation;
                depth = depth.max(message.depth);
                let span = crate::sim::kernel::trace::Span {
                    trace: message.correlation,
                    kind: crate::sim::kernel::trace::SpanKind::QueueWait,
                    node: queue,
                    start: message.sent_at,
                    end: now,
                    outcome: None,
                };
                self.traces.record(span);
            }
            let deadline = now + visibility;
            for k in 0..q.batches[batch as usize].len() {
                let m = q.batches[batch as usize][k].0;
                let receipt = q.messages[m as usize].receipt;
                if !q.note_deadline(deadline, m, receipt) {
                    self.queue.schedule(deadline, Event::VisibilityTimeout { queue, message: m, receipt });
                } else if q.visibility_check_at.is_none() {
                    q.visibility_check_at = Some(deadline);
                    self.queue.schedule(deadline, Event::VisibilityCheck { queue });
                }
            }
            let mut request = InFlight::new(correlation, Origin::Queue { queue, batch }, now, counted);
            request.depth = depth.saturating_add(1);
            if let Err(reason) = self.try_invoke(function, request) {
                // Only the scaling rate can refuse here (`has_room` checked the rest):
                // the messages come back after their visibility timeout.
                self.note_throttle(function, &request, reason);
                let q = &mut self.services.queues[queue as usize];
                let list = q.release_batch(batch);
                for &(m, _) in &list {
                    q.messages[m as usize].last_failure = FailReason::Throttled;
                }
                q.recycle_batch(list);
                return;
            }
        }
    }

    pub(crate) fn on_poll(&mut self, queue: u32) {
        let q = &mut self.services.queues[queue as usize];
        if q.poll_at == Some(self.now) {
            q.poll_at = None;
        }
        self.pump_queue(queue);
    }

    /// The first noted visibility deadline of a queue has come: each receive whose
    /// deadline it is ends as its own timer would have ended it, in the order received;
    /// then the check waits for the next live one.
    pub(crate) fn on_visibility_check(&mut self, queue: u32) {
        let now = self.now;
        // While it runs, receives (the pumps below) note deadlines without a check.
        self.services.queues[queue as usize].visibility_check_at = Some(now);
        loop {
            let q = &mut self.services.queues[queue as usize];
            q.drop_dead_deadlines();
            match q.visibility_deadlines.front() {
                Some(&(deadline, message, receipt)) if deadline <= now => {
                    q.visibility_deadlines.pop_front();
                    self.on_visibility_timeout(queue, message, receipt);
                }
                Some(&(deadline, _, _)) => {
                    q.visibility_check_at = Some(deadline);
                    self.queue.schedule(deadline, Event::VisibilityCheck { queue });
                    return;
                }
                None => {
                    q.visibility_check_at = None;
                    return;
                }
            }
        }
    }

    /// A receive's visibility timeout ended: unless it was deleted or received again
    /// since, the message becomes visible again or goes to the DLQ, and the pollers look.
    pub(crate) fn on_visibility_timeout(&mut self, queue: u32, message: u32, receipt: u32) {
        let now = self.now;
        let q = &mut self.services.queues[queue as usize];
        if !q.receive_is_live(message, receipt) {
            // Nothing changed: a look by the pollers would find what the last one found.
            return;
        }
        if let Some(dead) = q.visibility_expired(message, receipt, now) {
            if let (Some(t), true) = (dead.trigger, dead.counted) {
                self.triggers[t as usize].counters.failed += 1;
            }
            if q.is_work(&dead.dead) {
                let bucket = &mut self.series.current.completion;
                self.services.work.done_into(dead.correlation, true, now, bucket);
            }
            if let Some(dlq) = q.dlq_index {
                self.services.queues[dlq as usize].dead_letters += 1;
                // The DLQ's consumer (if any) must not tell the producer: the dead letter
                // keeps it for a redrive.
                let letter = DeadLetter {
                    reason: dead.last_failure,
                    receives: dead.receives,
                    source: Some(queue),
                    trigger: dead.trigger,
                };
                let sent = Sent {
                    sent_at: now,
                    correlation: dead.correlation,
                    counted: dead.counted,
                    poison: dead.poison,
                    trigger: None,
                    fetch: dead.fetch,
                    depth: dead.depth,
                    dead: Some(letter),
                };
                self.send_message(dlq, sent);
            }
        }
        self.pump_queue(queue);
    }

    /// A batch's invocation ended: delete what succeeded, leave the rest to come back.
    pub(crate) fn batch_done(&mut self, function: u32, queue: u32, batch: u32, request: &InFlight) {
        let (outcome, counted_run) = (request.outcome, request.counted);
        let completed_work = outcome != Outcome::TimedOut && request.call_failure.is_none();
        let messages = self.services.queues[queue as usize].release_batch(batch);
        let partial =
            self.services.queues[queue as usize].spec.consumer.as_ref().is_some_and(|c| c.partial_batch_response);
        let error_rate = self.functions[function as usize].model.spec.error_rate;
        // With partial batch responses each message of a failed batch failed on its own
        // (at least one did); without, one failure returns the whole batch.
        // (Only a partial failure has a list: the others are all one way, and a list per
        // batch was an allocation per message on the pipeline bench.)
        let mut failed: Vec<bool> = match outcome {
            Outcome::Failed if partial => messages
                .iter()
                .map(|&(m, _)| {
                    self.services.queues[queue as usize].messages[m as usize].poison
                        || self.services.batch_rng.chance(error_rate)
                })
                .collect(),
            _ => Vec::new(),
        };
        if !failed.is_empty() && !failed.iter().any(|f| *f) {
            failed[0] = true;
        }
        let all_failed = outcome != Outcome::Succeeded;
        for (k, &(m, serial)) in messages.iter().enumerate() {
            let failed = failed.get(k).copied().unwrap_or(all_failed);
            let q = &mut self.services.queues[queue as usize];
            let message = &mut q.messages[m as usize];
            if message.serial != serial || message.state == crate::sim::services::queue::MessageState::Gone {
                // Another receive of this message already succeeded and deleted it: if
                // this run did its work too, that work was done twice.
                if completed_work {
                    self.count_redelivery(function, counted_run);
                }
                continue;
            }
            let counted = message.counted;
            if completed_work {
                let redelivered = message.side_effects > 0;
                message.side_effects += 1;
                if redelivered {
                    self.count_redelivery(function, counted);
                }
            }
            if failed {
                let message = &mut self.services.queues[queue as usize].messages[m as usize];
                message.last_failure = if message.poison {
                    FailReason::Poison
                } else if outcome == Outcome::TimedOut {
                    FailReason::Timeout
                } else if request.call_failure == Some(CallFailed::AccessDenied) {
                    FailReason::AccessDenied
                } else if request.call_failure.is_some() {
                    FailReason::Downstream
                } else {
                    FailReason::Error
                };
            } else {
                let q = &mut self.services.queues[queue as usize];
                let trigger = q.messages[m as usize].trigger;
                let work = q.is_work(&q.messages[m as usize].dead).then_some(q.messages[m as usize].correlation);
                q.delete(m);
                if let Some(id) = work {
                    self.work_done(id, false);
                }
                if let (Some(t), true) = (trigger, counted) {
                    self.triggers[t as usize].counters.succeeded += 1;
                }
            }
        }
        self.services.queues[queue as usize].recycle_batch(messages);
        self.pump_queue(queue);
    }

    /// Retention: messages too old are deleted by the queue (their producers hear a
    /// timeout).
    pub(crate) fn expire_old_messages(&mut self) {
        let triggers = &mut self.triggers;
        let (work, bucket) = (&mut self.services.work, &mut self.series.current.completion);
        for q in &mut self.services.queues {
            q.expire_old(self.now, |trigger, counted, correlation| {
                if let (Some(t), true) = (trigger, counted) {
                    triggers[t as usize].counters.timed_out += 1;
                }
                if let Some(id) = correlation {
                    work.done_into(id, true, self.now, bucket);
                }
            });
        }
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
