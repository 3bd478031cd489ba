//! What time does to a queue's messages, as simulation events: visibility checks and
//! timeouts (a message comes back, or goes to the dead-letter queue) and retention.

use super::Sent;
use super::redrive::DeadLetter;
use crate::sim::{Event, Simulation};

impl Simulation {
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
