//! Dead letters and their redrive. A message dead-lettered from a queue keeps why it
//! failed last, how many times it was received and where it came from (its source
//! queue and producer), in a few bytes; once the bug is fixed, a redrive moves a DLQ's
//! messages back to their source queue, as SQS's dead-letter queue redrive does
//! (`StartMessageMoveTask`).
//!
//! What SQS does, and this model with it ("Learn how to configure a dead-letter queue
//! redrive in Amazon SQS", SQS Developer Guide, and the `StartMessageMoveTask` API
//! reference):
//! - messages move oldest first, back to the queue each came from; dead letters whose
//!   source is not an SQS queue (a function's on-failure destination, a stream's) are
//!   not moved;
//! - "the redrive task resets the retention period. All redriven messages are
//!   considered new messages with a new messageID and enqueueTime": a redriven message
//!   arrives as a new message, received zero times, so it gets the source queue's full
//!   `max_receive_count` again;
//! - the rate is `MaxNumberOfMessagesPerSecond`, at most 500; left blank, "the system
//!   will optimize the rate based on the queue message backlog size" (modelled as
//!   moving every message at once);
//! - only one move task per queue at a time; a task moves the messages the DLQ held
//!   when it started (ApproximateNumberOfMessagesToMove), not those dead-lettered
//!   again while it runs.

use super::{FreshMessages, QueueState, Sent};
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::{Event, Simulation};
use serde::Serialize;

/// The most messages a second a redrive may move (SQS's `MaxNumberOfMessagesPerSecond`).
pub const MAX_REDRIVE_RATE: u32 = 500;

/// Why a message's last receive did not delete it: what a human reads in the DLQ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[repr(u8)]
pub enum FailReason {
    /// The handler returned an error (a bug, a fault of the function).
    Error = 0,
    /// The handler ran past the function's timeout.
    Timeout = 1,
    /// The invocation was refused: no concurrency or scaling room.
    Throttled = 2,
    /// The message itself is malformed: it fails every time.
    Poison = 3,
    /// A downstream call failed (a database refused a connection, an API said 429, a
    /// permission was missing...).
    Downstream = 4,
    /// The visibility timeout ended while a run still held it.
    StillRunning = 5,
    /// A call was refused for want of a permission (the function's role lacks it).
    AccessDenied = 6,
}

impl FailReason {
    pub(crate) fn from_u8(v: u8) -> FailReason {
        match v {
            1 => FailReason::Timeout,
            2 => FailReason::Throttled,
            3 => FailReason::Poison,
            4 => FailReason::Downstream,
            5 => FailReason::StillRunning,
            6 => FailReason::AccessDenied,
            _ => FailReason::Error,
        }
    }

    /// A word for lists and reports.
    pub fn word(self) -> &'static str {
        match self {
            FailReason::Error => "error",
            FailReason::Timeout => "timeout",
            FailReason::Throttled => "throttled",
            FailReason::Poison => "poison",
            FailReason::Downstream => "downstream failure",
            FailReason::StillRunning => "outlived visibility timeout",
            FailReason::AccessDenied => "access denied",
        }
    }

    pub const ALL: [FailReason; 7] = [
        FailReason::Error,
        FailReason::Timeout,
        FailReason::Throttled,
        FailReason::Poison,
        FailReason::Downstream,
        FailReason::StillRunning,
        FailReason::AccessDenied,
    ];
}

/// What a dead letter remembers of its failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    pub reason: FailReason,
    /// Receives (or attempts) before it was given up.
    pub receives: u32,
    /// The queue it was dead-lettered from (`None`: a function's or a stream's
    /// on-failure destination, which a redrive does not move).
    pub source: Option<u32>,
    /// The producer that sent it to its source queue (it hears how the redriven message
    /// ends).
    pub trigger: Option<u32>,
}

/// A message waiting in a DLQ, as the app lists it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeadLetterView {
    pub correlation: u64,
    /// When it arrived in the DLQ.
    pub arrived: SimTime,
    pub dead: Option<DeadLetter>,
    pub poison: bool,
}

/// A redrive under way: what is left to move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RedriveTask {
    pub(crate) left: u64,
}

impl QueueState {
    /// Stores a redriven message, visible at once: counted as redriven, not as sent.
    fn send_back(&mut self, now: SimTime, m: Sent) {
        self.counters.redriven += u64::from(m.counted);
        self.counters.redriven_poison += u64::from(m.counted && m.poison);
        self.counted_live += u64::from(m.counted);
        self.fresh.push(Sent { sent_at: now, ..m });
        self.note_depth(now);
    }

    /// The visible messages, oldest first (those received again first: every message
    /// never received was sent after them), for the app's DLQ list.
    pub fn waiting_messages(&self) -> impl Iterator<Item = DeadLetterView> + '_ {
        let again = self.visible_by_age.iter().map(|&(_, slot)| {
            let m = &self.messages[slot as usize];
            DeadLetterView { correlation: m.correlation, arrived: m.sent_at, dead: m.dead, poison: m.poison }
        });
        let fresh = self.fresh.iter().map(|m| DeadLetterView {
            correlation: m.correlation,
            arrived: m.sent_at,
            dead: m.dead,
            poison: m.poison,
        });
        again.chain(fresh)
    }

    /// Messages a redrive into this queue still has to move (`None`: none under way).
    pub fn redrive_left(&self) -> Option<u64> {
        self.redrive_task.map(|t| t.left)
    }

    /// Visible dead letters from queue `source`, which a redrive would move.
    pub fn redrivable(&self, source: u32) -> u64 {
        self.waiting_messages().filter(|m| m.dead.is_some_and(|d| d.source == Some(source))).count() as u64
    }

    /// Takes up to `max` visible dead letters from `source`, oldest first, out of this
    /// queue (a DLQ).
    fn take_dead_letters(&mut self, source: u32, max: u64) -> Vec<Sent> {
        let from_source = |d: Option<DeadLetter>| d.is_some_and(|d| d.source == Some(source));
        let mut taken = Vec::new();
        // Received by a DLQ consumer and visible again: the oldest.
        let again: Vec<(u64, u32)> = self
            .visible_by_age
            .iter()
            .filter(|&&(_, slot)| from_source(self.messages[slot as usize].dead))
            .take(max as usize)
            .copied()
            .collect();
        for (serial, slot) in again {
            self.visible_by_age.remove(&(serial, slot));
            let m = &self.messages[slot as usize];
            taken.push(Sent {
                sent_at: m.sent_at,
                correlation: m.correlation,
                counted: m.counted,
                poison: m.poison,
                trigger: m.trigger,
                fetch: m.fetch,
                depth: m.depth,
                dead: m.dead,
            });
            let listed = m.listed;
            self.forget(slot);
            if listed {
                self.went_stale();
            }
        }
        // Never received: in the order sent. Those kept are put back in order, numbered
        // so that the next message sent gets the serial it would have had.
        let mut kept = Vec::new();
        let start = self.fresh.front_serial();
        while (taken.len() as u64) < max {
            let Some(m) = self.fresh.pop() else { break };
            if from_source(m.dead) {
                self.counted_live -= u64::from(m.counted);
                taken.push(m);
            } else {
                kept.push(m);
            }
        }
        if !kept.is_empty() {
            let moved = self.fresh.front_serial() - start - kept.len() as u64;
            let mut rebuilt = FreshMessages::starting_at(start + moved);
            for m in kept.into_iter() {
                rebuilt.push(m);
            }
            while let Some(m) = self.fresh.pop() {
                rebuilt.push(m);
            }
            self.fresh = rebuilt;
        }
        taken
    }
}

impl Simulation {
    /// Starts moving the dead letters of `queue`'s DLQ back to `queue` (a timeline
    /// `Redrive`, the `redrive_at` knob, the app's button). Returns how many messages
    /// the task will move; refused when the queue has no DLQ or a redrive of it is
    /// already under way.
    pub fn redrive(&mut self, queue: usize) -> Result<u64, String> {
        let Some(q) = self.services.queues.get(queue) else {
            return Err(format!("no queue number {queue} (the run has {})", self.services.queues.len()));
        };
        let Some(dlq) = q.redrive_from else {
            return Err(format!("queue \"{}\" has no dead-letter queue to redrive from", q.name()));
        };
        if let Some(task) = q.redrive_task {
            return Err(format!(
                "a redrive into \"{}\" is already moving messages ({} left): SQS runs one move task per queue at a time",
                q.name(),
                task.left
            ));
        }
        let left = self.services.queues[dlq as usize].redrivable(queue as u32);
        self.services.queues[queue].redrive_task = Some(RedriveTask { left });
        self.redrive_step(queue as u32);
        Ok(left)
    }

    /// Moves the next second's worth of a redrive (everything, at the system-optimized
    /// rate), and schedules the next step while messages are left.
    pub(crate) fn redrive_step(&mut self, queue: u32) {
        let q = &self.services.queues[queue as usize];
        let (Some(task), Some(dlq)) = (q.redrive_task, q.redrive_from) else { return };
        let rate = u64::from(q.spec.redrive_rate);
        let batch = if rate == 0 { task.left } else { rate.min(task.left) };
        let moved = self.services.queues[dlq as usize].take_dead_letters(queue, batch);
        let d = &mut self.services.queues[dlq as usize];
        for m in &moved {
            d.counters.redriven_out += u64::from(m.counted);
        }
        let left = if moved.len() as u64 == batch { task.left - batch } else { 0 };
        for m in moved {
            let dead = m.dead.expect("a dead letter");
            if let (Some(t), true) = (dead.trigger, m.counted) {
                // Back in flight: its producer hears again how it ends.
                self.triggers[t as usize].counters.failed -= 1;
            }
            // A new message: new enqueue time, received zero times.
            let q = &mut self.services.queues[queue as usize];
            if q.is_work(&None) {
                // Work again only if its request's work is still open (see `completion.rs`).
                self.work_add(m.correlation, true);
            }
            let q = &mut self.services.queues[queue as usize];
            q.send_back(self.now, Sent { trigger: dead.trigger, dead: None, ..m });
        }
        self.pump_queue(queue);
        let q = &mut self.services.queues[queue as usize];
        if left == 0 {
            q.redrive_task = None;
        } else {
            q.redrive_task = Some(RedriveTask { left });
            self.queue.schedule(self.now + SimDuration::from_secs(1), Event::RedriveStep { queue });
        }
    }

    /// The `redrive_at` knob's time came (or a live change set it to now).
    pub(crate) fn on_redrive_due(&mut self, queue: u32) {
        let q = &self.services.queues[queue as usize];
        let at = q.spec.redrive_at;
        if at.0 == 0 || self.now.0 < at.0 || q.redrive_done_for == Some(at) {
            return; // changed since it was scheduled, or already done
        }
        self.services.queues[queue as usize].redrive_done_for = Some(at);
        if let Err(e) = self.redrive(queue as usize) {
            self.timeline_refused
                .push(format!("{}.redrive_at {at}: not started: {e}", self.config.queues[queue as usize].name));
        }
    }

    /// Schedules the `redrive_at` knob's redrive (at build, and when the knob changes).
    pub(crate) fn schedule_redrive(&mut self, queue: u32) {
        let at = self.services.queues[queue as usize].spec.redrive_at;
        if at.0 > 0 {
            let when = SimTime(at.0).max(self.now);
            self.queue.schedule(when, Event::RedriveDue { queue });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::QueueSpec;
    use super::*;

    fn letter(k: u64, source: Option<u32>) -> Sent {
        Sent {
            sent_at: SimTime(k * 1000),
            correlation: k,
            counted: true,
            poison: false,
            trigger: None,
            fetch: SimDuration::ZERO,
            depth: 0,
            dead: Some(DeadLetter { reason: FailReason::Error, receives: 3, source, trigger: Some(7) }),
        }
    }

    #[test]
    fn a_redrive_takes_only_its_sources_letters_oldest_first_and_keeps_the_rest_in_order() {
        let spec = QueueSpec {
            name: "dlq".into(),
            visibility_timeout: SimDuration::from_secs(30),
            max_receive_count: 5,
            dlq: None,
            retention: SimDuration::from_secs(3600),
            consumer: None,
            redrive_at: SimDuration::ZERO,
            redrive_rate: 0,
        };
        let mut dlq = QueueState::new(spec);
        // Letters from queue 0 and queue 2 interleaved, and one from an on-failure
        // destination (no source).
        let sources = [Some(0), Some(2), Some(0), None, Some(0), Some(2), Some(0)];
        for (k, &source) in sources.iter().enumerate() {
            dlq.send(SimTime(k as u64 * 1000), letter(k as u64, source));
        }
        let next = dlq.fresh.next_serial();
        assert_eq!(dlq.redrivable(0), 4);
        let taken = dlq.take_dead_letters(0, 3);
        assert_eq!(taken.iter().map(|m| m.correlation).collect::<Vec<_>>(), vec![0, 2, 4]);
        assert_eq!(taken[0].dead.unwrap().trigger, Some(7), "the producer travels with it");
        let left: Vec<u64> = dlq.waiting_messages().map(|m| m.correlation).collect();
        assert_eq!(left, vec![1, 3, 5, 6]);
        assert_eq!((dlq.depth(), dlq.counted_in_queue()), (4, 4));
        assert_eq!(dlq.fresh.next_serial(), next, "the next message sent gets the serial it would have had");
        assert_eq!(dlq.take_dead_letters(0, 10).len(), 1);
        assert_eq!(dlq.redrivable(0), 0);
        assert_eq!(dlq.redrivable(2), 2);
    }

    #[test]
    fn reasons_pack_into_a_nibble() {
        for r in FailReason::ALL {
            assert!((r as u8) < 16);
            assert_eq!(FailReason::from_u8(r as u8), r);
        }
    }
}
