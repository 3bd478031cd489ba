//! Asynchronous invocation (an event, a schedule, an object-created notification, a
//! bus rule, a function invoking another without waiting): the platform queues the
//! event, retries a failed attempt about 1 and 3 minutes later, backs off while the
//! function is throttled, and finally sends it to the function's on-failure queue or
//! drops it.

use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::services::queue::Sent;
use crate::sim::services::queue::redrive::{DeadLetter, FailReason};
use crate::sim::trigger::TriggerSpec;
use crate::sim::{Event, Simulation};

/// The most asynchronous events a run holds at once (waiting for an attempt, or
/// running): about 100 bytes each (the event, its timer in the event heap, the slab's
/// room), so about 420 MB. Lambda documents no bound on its internal queue: past this
/// one the simulator gives a new event up at once, as if throttled until its maximum
/// age (to the on-failure destination, or dropped), and counts it
/// (`async_over_limit`). Only a function throttled far below its traffic for minutes
/// gets there: 100 000 events a second into one capped at 1 000 concurrent, after 42 s.
pub const MAX_WAITING_ASYNC: usize = 1 << 22;

/// An asynchronous event waiting for (another) attempt or running.
#[derive(Clone, Debug)]
pub(crate) struct AsyncEvent {
    pub function: u32,
    pub correlation: u64,
    pub trigger: Option<u32>,
    pub counted: bool,
    pub created: SimTime,
    /// Attempts that ran (throttled dispatches are not attempts).
    pub attempts: u32,
    pub throttles: u32,
    pub side_effects: u32,
    /// Function invocations in its chain before this event's (recursive loop detection).
    pub depth: u16,
    /// Time to fetch its claim-checked payload.
    pub fetch: SimDuration,
}

/// The asynchronous events in flight, in a slab whose slots are reused as events end
/// (memory follows what is in flight, not what was ever sent).
#[derive(Clone, Debug, Default)]
pub(crate) struct AsyncInvocations {
    events: Vec<AsyncEvent>,
    free: Vec<u32>,
}

impl AsyncInvocations {
    fn insert(&mut self, event: AsyncEvent) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.events[id as usize] = event;
                id
            }
            None => {
                self.events.push(event);
                (self.events.len() - 1) as u32
            }
        }
    }

    /// The slot of a finished event, for the next one.
    fn release(&mut self, id: u32) {
        self.free.push(id);
    }

    /// Events waiting or running.
    pub(crate) fn waiting(&self) -> usize {
        self.events.len() - self.free.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.events.capacity()
    }
}

impl std::ops::Index<u32> for AsyncInvocations {
    type Output = AsyncEvent;
    fn index(&self, id: u32) -> &AsyncEvent {
        &self.events[id as usize]
    }
}

impl std::ops::IndexMut<u32> for AsyncInvocations {
    fn index_mut(&mut self, id: u32) -> &mut AsyncEvent {
        &mut self.events[id as usize]
    }
}

/// Delay before the n-th asynchronous retry (n = 1, 2): about 1 minute, then 2.
fn retry_delay(attempts: u32) -> SimDuration {
    SimDuration::from_secs(60 * u64::from(attempts))
}

/// Back-off after the `throttles`-th throttled dispatch of an event (from 1): "The
/// retry interval increases exponentially from 1 second after the first attempt to a
/// maximum of 5 minutes" (AWS Lambda Developer Guide, "How Lambda handles errors and
/// retries with asynchronous invocation"). So 1, 2, 4 ... 256 s, then 300 s. (Until
/// this was checked it began at 2 s and stopped at 256 s.)
fn throttle_backoff(throttles: u32) -> SimDuration {
    SimDuration::from_secs(1u64 << throttles.saturating_sub(1).min(9)).min(SimDuration::from_secs(300))
}

impl Simulation {
    pub(crate) fn new_async_event_with(
        &mut self,
        function: u32,
        correlation: u64,
        counted: bool,
        trigger: Option<u32>,
        depth: u16,
        fetch: SimDuration,
    ) {
        let event = AsyncEvent {
            depth,
            fetch,
            function,
            correlation,
            trigger,
            counted,
            created: self.now,
            attempts: 0,
            throttles: 0,
            side_effects: 0,
        };
        self.services.counters.async_events += u64::from(counted);
        if let Some(t) = trigger {
            let t = &mut self.triggers[t as usize];
            if t.running > 0 && counted && matches!(*t.spec, TriggerSpec::Schedule { .. }) {
                t.overlaps += 1; // the previous run is not finished
            }
            t.running += 1;
        }
        let id = self.services.async_events.insert(event);
        self.work_add(correlation, true);
        if self.services.async_events.waiting() > MAX_WAITING_ASYNC {
            self.services.counters.async_over_limit += u64::from(counted);
            self.give_up_async(id, FailReason::Throttled);
            return;
        }
        self.dispatch_async(id);
    }

    /// Tries to run an asynchronous event now; a throttled one is tried again later.
    pub(crate) fn dispatch_async(&mut self, event: u32) {
        let e = &self.services.async_events[event];
        let (function, counted) = (e.function, e.counted);
        let mut request = InFlight::new(e.correlation, Origin::Async { event }, self.now, counted);
        (request.depth, request.fetch) = (e.depth, e.fetch);
        let Err(reason) = self.try_invoke(function, request) else { return };
        self.note_throttle(function, &request, reason);
        self.services.counters.async_throttled += u64::from(counted);
        let e = &mut self.services.async_events[event];
        e.throttles += 1;
        let at = self.now + throttle_backoff(e.throttles);
        if at.since(e.created) > self.functions[function as usize].model.spec.max_event_age {
            self.give_up_async(event, FailReason::Throttled);
        } else {
            self.queue.schedule(at, Event::AsyncDue { event });
        }
    }

    pub(crate) fn async_attempt_done(&mut self, event: u32, outcome: Outcome, completed_work: bool) {
        let e = &mut self.services.async_events[event];
        e.attempts += 1;
        let (function, counted) = (e.function, e.counted);
        if completed_work {
            let redelivered = e.side_effects > 0;
            e.side_effects += 1;
            if redelivered {
                self.count_redelivery(function, counted);
            }
        }
        if outcome == Outcome::Succeeded {
            let e = &self.services.async_events[event];
            self.services.counters.async_succeeded += u64::from(e.counted);
            if let Some(t) = e.trigger {
                let t = &mut self.triggers[t as usize];
                t.running -= 1;
                t.counters.succeeded += u64::from(e.counted);
            }
            let correlation = e.correlation;
            self.services.async_events.release(event);
            self.work_done(correlation, false);
            return;
        }
        let spec = &self.functions[function as usize].model.spec;
        let e = &self.services.async_events[event];
        let retry_at = self.now + retry_delay(e.attempts);
        if e.attempts <= spec.async_retries && retry_at.since(e.created) <= spec.max_event_age {
            self.services.counters.async_retries += u64::from(e.counted);
            self.queue.schedule(retry_at, Event::AsyncDue { event });
        } else {
            let reason = match outcome {
                Outcome::TimedOut => FailReason::Timeout,
                _ if !completed_work => FailReason::Downstream,
                _ => FailReason::Error,
            };
            self.give_up_async(event, reason);
        }
    }

    /// `reason`: why its last attempt failed (what its dead letter says).
    fn give_up_async(&mut self, event: u32, reason: FailReason) {
        let e = self.services.async_events[event].clone();
        if let Some(q) = self.functions[e.function as usize].on_failure_queue {
            // A queue with a consumer retries the event there; one without parks it.
            if self.services.queues[q as usize].consumer_index.is_some() {
                self.services.counters.async_handed_on += u64::from(e.counted);
            } else {
                self.services.counters.async_to_dlq += u64::from(e.counted);
                self.services.queues[q as usize].dead_letters += 1;
            }
            let sent = Sent {
                sent_at: self.now,
                correlation: e.correlation,
                counted: e.counted,
                poison: false,
                trigger: None,
                fetch: e.fetch,
                depth: e.depth,
                dead: Some(DeadLetter { reason, receives: e.attempts, source: None, trigger: None }),
            };
            self.send_message(q, sent);
        } else {
            self.services.counters.async_dropped += u64::from(e.counted);
        }
        if let Some(t) = e.trigger {
            let t = &mut self.triggers[t as usize];
            t.running -= 1;
            t.counters.failed += u64::from(e.counted);
        }
        self.services.async_events.release(event);
        self.work_done(e.correlation, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttled_events_back_off_from_one_second_doubling_to_five_minutes() {
        let waits: Vec<u64> = (1..=12).map(|n| throttle_backoff(n).0 / 1_000_000).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(throttle_backoff(u32::MAX), SimDuration::from_secs(300));
    }
}
