//! SQS-like queues: messages, visibility timeouts, receive counts, dead-letter queues,
//! retention, and the event-source mapping that polls a queue for a function.

use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

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

/// One message.
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
    /// Unique per message: slots are reused, so a batch checks it still holds the same one.
    pub serial: u64,
    /// Fails every time it is processed.
    pub poison: bool,
    /// Time a consumer needs to fetch its claim-checked payload (zero when inline).
    pub fetch: SimDuration,
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
}

/// A queue at run time.
#[derive(Clone, Debug)]
pub struct QueueState {
    pub spec: QueueSpec,
    pub(crate) messages: Vec<Message>,
    free: Vec<u32>,
    pub(crate) visible: VecDeque<u32>,
    pub in_flight: u32,
    /// Batches being processed by the consumer.
    pub(crate) batches_in_flight: u32,
    /// Each batch in flight: (message slot, message serial).
    pub(crate) batches: Vec<Vec<(u32, u64)>>,
    free_batches: Vec<u32>,
    pub(crate) dlq_index: Option<u32>,
    pub(crate) consumer_index: Option<u32>,
    /// Concurrent batches the pollers allow (grows during backlogs).
    pollers: f64,
    pollers_updated: SimTime,
    next_receipt: u64,
    /// A poll is scheduled for the batching window.
    pub(crate) poll_at: Option<SimTime>,
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
}

impl QueueState {
    pub(crate) fn new(spec: QueueSpec) -> QueueState {
        QueueState {
            spec,
            messages: Vec::new(),
            free: Vec::new(),
            visible: VecDeque::new(),
            in_flight: 0,
            batches_in_flight: 0,
            batches: Vec::new(),
            free_batches: Vec::new(),
            dlq_index: None,
            consumer_index: None,
            pollers: INITIAL_POLLERS,
            pollers_updated: SimTime::ZERO,
            next_receipt: 0,
            poll_at: None,
            window_opened: None,
            counters: QueueCounters::default(),
            wait: Histogram::default(),
            max_depth: 0,
            max_oldest_age: SimDuration::ZERO,
            dead_letters: 0,
            history: crate::sim::kernel::metrics::GaugeSeries::default(),
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
        self.visible.len() as u64
    }

    /// Age of the oldest visible message.
    pub fn oldest_age(&self, now: SimTime) -> SimDuration {
        self.visible.iter().map(|&m| now.since(self.messages[m as usize].sent_at)).max().unwrap_or_default()
    }

    /// Stores a new message, visible at once.
    pub(crate) fn send(
        &mut self,
        now: SimTime,
        correlation: u64,
        counted: bool,
        trigger: Option<u32>,
        poison: bool,
        fetch: SimDuration,
    ) -> u32 {
        let message = Message {
            correlation,
            sent_at: now,
            counted,
            receives: 0,
            receipt: 0,
            state: MessageState::Visible,
            side_effects: 0,
            trigger,
            serial: self.next_receipt + 1,
            poison,
            fetch,
        };
        self.next_receipt += 1;
        let id = match self.free.pop() {
            Some(id) => {
                self.messages[id as usize] = message;
                id
            }
            None => {
                self.messages.push(message);
                (self.messages.len() - 1) as u32
            }
        };
        self.counters.sent += u64::from(counted);
        self.visible.push_back(id);
        self.note_depth(now);
        id
    }

    fn note_depth(&mut self, now: SimTime) {
        self.max_depth = self.max_depth.max(self.depth());
        self.grow_pollers(now);
    }

    /// Pollers add `POLLERS_PER_SEC` a second while messages wait.
    fn grow_pollers(&mut self, now: SimTime) {
        let Some(consumer) = &self.spec.consumer else { return };
        let dt = now.since(self.pollers_updated).as_secs_f64();
        self.pollers_updated = now;
        if !self.visible.is_empty() {
            self.pollers = (self.pollers + POLLERS_PER_SEC * dt).min(f64::from(consumer.max_concurrency));
        }
    }

    /// Concurrent batches the pollers allow now.
    pub fn consumer_limit(&mut self, now: SimTime) -> u32 {
        self.grow_pollers(now);
        let max = self.spec.consumer.as_ref().map_or(0, |c| c.max_concurrency);
        (self.pollers as u32).min(max)
    }

    /// Receives up to `n` messages as one batch; returns the batch id.
    pub(crate) fn receive_batch(&mut self, now: SimTime, n: u32) -> Option<u32> {
        let mut taken = Vec::with_capacity(n as usize);
        // A queue never delivers a message past its retention period: such messages
        // stay visible until the next `expire_old` deletes them (a message that keeps
        // coming back, such as a poison one without a DLQ, would otherwise be received
        // again every time and only expire if a tick happened to find it visible).
        let mut overdue = Vec::new();
        while taken.len() < n as usize {
            let Some(id) = self.visible.pop_front() else { break };
            if now.since(self.messages[id as usize].sent_at) >= self.spec.retention {
                overdue.push(id);
                continue;
            }
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
            self.next_receipt += 1;
            m.receipt = self.next_receipt as u32;
            m.state = MessageState::InFlight;
            self.in_flight += 1;
            taken.push((id, m.serial));
        }
        for id in overdue.into_iter().rev() {
            self.visible.push_front(id);
        }
        if taken.is_empty() {
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

    /// Deletes a message (processed). No-op if it is already gone.
    pub(crate) fn delete(&mut self, id: u32) {
        let m = &mut self.messages[id as usize];
        match m.state {
            MessageState::Gone => return,
            MessageState::InFlight => self.in_flight -= 1,
            MessageState::Visible => self.visible.retain(|&v| v != id),
        }
        self.counters.deleted += u64::from(m.counted);
        self.forget(id);
    }

    fn forget(&mut self, id: u32) {
        self.messages[id as usize].state = MessageState::Gone;
        self.free.push(id);
    }

    /// A received message's visibility timeout ended without a delete: it becomes
    /// visible again, or goes to the DLQ after `max_receive_count` receives. Returns
    /// `Some(message)` when it must move to the DLQ (the caller sends it there).
    pub(crate) fn visibility_expired(&mut self, id: u32, receipt: u32, now: SimTime) -> Option<Message> {
        let m = &self.messages[id as usize];
        if m.state != MessageState::InFlight || m.receipt != receipt {
            return None; // deleted, or received again since
        }
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
        self.messages[id as usize].state = MessageState::Visible;
        self.visible.push_back(id);
        self.note_depth(now);
        None
    }

    /// Deletes visible messages older than the retention period; returns them.
    pub(crate) fn expire_old(&mut self, now: SimTime) -> Vec<Message> {
        let retention = self.spec.retention;
        let mut kept = VecDeque::with_capacity(self.visible.len());
        let mut expired = Vec::new();
        while let Some(id) = self.visible.pop_front() {
            let m = &self.messages[id as usize];
            if now.since(m.sent_at) >= retention {
                self.counters.expired += u64::from(m.counted);
                self.counters.expired_unreceived += u64::from(m.counted && m.receives == 0);
                expired.push(m.clone());
                self.forget(id);
            } else {
                kept.push_back(id);
            }
        }
        self.visible = kept;
        self.max_oldest_age = self.max_oldest_age.max(self.oldest_age(now));
        expired
    }

    /// Counted messages still in the queue (visible or being processed).
    pub fn counted_in_queue(&self) -> u64 {
        self.messages.iter().filter(|m| m.counted && m.state != MessageState::Gone).count() as u64
    }
}

impl Simulation {
    pub(crate) fn send_message(
        &mut self,
        queue: u32,
        correlation: u64,
        counted: bool,
        trigger: Option<u32>,
        poison: bool,
        fetch: SimDuration,
    ) {
        let now = self.now;
        self.services.queues[queue as usize].send(now, correlation, counted, trigger, poison, fetch);
        self.pump_queue(queue);
    }

    /// Lets the queue's pollers take batches while there are messages, pollers and room.
    pub(crate) fn pump_queue(&mut self, queue: u32) {
        let now = self.now;
        loop {
            let q = &mut self.services.queues[queue as usize];
            let (Some(consumer), Some(function)) = (q.spec.consumer.clone(), q.consumer_index) else { return };
            if q.visible.is_empty() || q.batches_in_flight >= q.consumer_limit(now) {
                return;
            }
            if consumer.batching_window.0 > 0 && (q.visible.len() as u32) < consumer.batch_size {
                // Wait for a fuller batch until the window closes.
                let window_end = *q.window_opened.get_or_insert(now) + consumer.batching_window;
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
            let Some(batch) = q.receive_batch(now, consumer.batch_size) else { return };
            let visibility = q.spec.visibility_timeout;
            let mut counted = false;
            let mut correlation = 0;
            for &(m, _) in &q.batches[batch as usize] {
                let message = &q.messages[m as usize];
                counted |= message.counted;
                correlation = message.correlation;
                let span = crate::sim::kernel::trace::Span {
                    trace: message.correlation,
                    kind: crate::sim::kernel::trace::SpanKind::QueueWait,
                    node: queue,
                    start: message.sent_at,
                    end: now,
                    outcome: None,
                };
                self.traces.record(span);
                let receipt = message.receipt;
                self.queue.schedule(now + visibility, Event::VisibilityTimeout { queue, message: m, receipt });
            }
            let request = InFlight::new(correlation, Origin::Queue { queue, batch }, now, counted);
            if let Err(reason) = self.try_invoke(function, request) {
                // Only the scaling rate can refuse here (`has_room` checked the rest):
                // the messages come back after their visibility timeout.
                self.note_throttle(function, &request, reason);
                self.services.queues[queue as usize].release_batch(batch);
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

    pub(crate) fn on_visibility_timeout(&mut self, queue: u32, message: u32, receipt: u32) {
        let now = self.now;
        let q = &mut self.services.queues[queue as usize];
        if let Some(dead) = q.visibility_expired(message, receipt, now) {
            if let (Some(t), true) = (dead.trigger, dead.counted) {
                self.triggers[t as usize].counters.failed += 1;
            }
            if let Some(dlq) = q.dlq_index {
                self.services.queues[dlq as usize].dead_letters += 1;
                self.send_message(dlq, dead.correlation, dead.counted, None, dead.poison, dead.fetch);
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
        let mut failed: Vec<bool> = match outcome {
            Outcome::Succeeded => vec![false; messages.len()],
            Outcome::Failed if partial => messages
                .iter()
                .map(|&(m, _)| {
                    self.services.queues[queue as usize].messages[m as usize].poison
                        || self.services.batch_rng.chance(error_rate)
                })
                .collect(),
            _ => vec![true; messages.len()],
        };
        if outcome != Outcome::Succeeded && !failed.iter().any(|f| *f) {
            failed[0] = true;
        }
        for (&(m, serial), failed) in messages.iter().zip(failed) {
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
            if !failed {
                let q = &mut self.services.queues[queue as usize];
                let trigger = q.messages[m as usize].trigger;
                q.delete(m);
                if let (Some(t), true) = (trigger, counted) {
                    self.triggers[t as usize].counters.succeeded += 1;
                }
            }
        }
        self.pump_queue(queue);
    }

    /// Retention: messages too old are deleted by the queue (their producers hear a
    /// timeout).
    pub(crate) fn expire_old_messages(&mut self) {
        for q in 0..self.services.queues.len() {
            for m in self.services.queues[q].expire_old(self.now) {
                if let (Some(t), true) = (m.trigger, m.counted) {
                    self.triggers[t as usize].counters.timed_out += 1;
                }
            }
        }
    }
}
