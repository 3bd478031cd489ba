//! The event-source mapping that polls a queue for a function: sending wakes the
//! pollers, which take batches while there are messages, pollers and room, and a
//! batch's end deletes what succeeded.

use super::Sent;
use super::redrive::FailReason;
use crate::sim::kernel::log::CallFailed;
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimDuration;
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::{Event, Simulation};

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
}
