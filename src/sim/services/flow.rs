//! How work moves between services: asynchronous invocations with retries, queues
//! polled by event-source mappings, database queries over limited connections, and
//! the calls a handler makes. Delivery is at-least-once; idempotency is counted here.

use crate::sim::config::TriggerSpec;
use crate::sim::config::{Named, SimConfig, index_of};
use crate::sim::function::Call;
use crate::sim::function::pool::{InFlight, Origin};
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::services::bus::{BusState, ResolvedTarget};
use crate::sim::services::queue::QueueState;
use crate::sim::services::storage::{BucketCounters, BucketState, MAX_RECURSION, fetch_time};
use crate::sim::{Event, Simulation};
use serde::Serialize;

/// A handler's downstream call with names resolved to indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ResolvedCall {
    Write {
        stream: u32,
    },
    Put {
        bucket: u32,
        size_kb: f64,
    },
    Query {
        database: u32,
        count: u32,
    },
    Send {
        queue: u32,
    },
    Invoke {
        function: u32,
        asynchronous: bool,
    },
    /// The detail type is the spec's call number `call`.
    Publish {
        bus: u32,
        call: u32,
    },
}

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
    /// Object-created invocations in its chain (recursive loop detection).
    pub depth: u16,
    /// Time to fetch its claim-checked payload.
    pub fetch: SimDuration,
}

/// Counts across services (over work that arrived after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServiceCounters {
    /// Asynchronous events accepted.
    pub async_events: u64,
    pub async_succeeded: u64,
    /// Attempts after a failed one.
    pub async_retries: u64,
    /// Dispatches refused by a concurrency limit and tried again later (not lost).
    pub async_throttled: u64,
    /// Events that failed every attempt and went to the on-failure queue.
    pub async_to_dlq: u64,
    /// Events that failed every attempt with nowhere to go.
    pub async_dropped: u64,
    /// A side effect done again for an event already handled (no idempotency store).
    pub duplicates: u64,
    /// Redeliveries recognised by an idempotency store and not done again.
    pub duplicates_suppressed: u64,
    /// Requests refused because their payload was over the limit.
    pub payload_rejected: u64,
    /// Payloads over the limit stored in a bucket, a reference sent instead.
    pub claim_checks: u64,
}

/// Delay before the n-th asynchronous retry (n = 1, 2): about 1 minute, then 2.
fn retry_delay(attempts: u32) -> SimDuration {
    SimDuration::from_secs(60 * u64::from(attempts))
}

/// Back-off after a throttled asynchronous dispatch: 1 s doubling up to 5 minutes.
fn throttle_backoff(throttles: u32) -> SimDuration {
    SimDuration::from_secs(1u64 << throttles.min(8)).min(SimDuration::from_secs(300))
}

/// The index of the dead-letter queue a queue sends to: its written `dlq`, unless the
/// `dlq` knob detached it.
pub(crate) fn attached_dlq(config: &SimConfig, spec: &crate::sim::services::queue::QueueSpec) -> Option<u32> {
    let attached = !config.detached_dlqs.contains(&spec.name);
    spec.dlq.as_deref().filter(|_| attached).and_then(|d| index_of(&config.queues, d))
}

pub(crate) fn build_queues(config: &SimConfig) -> Vec<QueueState> {
    config
        .queues
        .iter()
        .map(|spec| {
            let mut q = QueueState::new(spec.clone());
            q.dlq_index = attached_dlq(config, spec);
            q.consumer_index = spec.consumer.as_ref().and_then(|c| index_of(&config.functions, &c.function));
            q
        })
        .collect()
}

pub(crate) fn build_buckets(config: &SimConfig) -> Vec<BucketState> {
    config
        .buckets
        .iter()
        .map(|b| BucketState {
            spec: b.clone(),
            notify_index: b.notify.as_deref().and_then(|f| index_of(&config.functions, f)),
            counters: BucketCounters::default(),
        })
        .collect()
}

pub(crate) fn build_buses(config: &SimConfig) -> Vec<BusState> {
    let function = |name: &str| index_of(&config.functions, name).unwrap_or(0);
    let queue = |name: &str| index_of(&config.queues, name).unwrap_or(0);
    let workflow = |name: &str| index_of(&config.workflows, name).unwrap_or(0);
    config.buses.iter().map(|b| BusState::new(b.clone(), function, queue, workflow)).collect()
}

pub(crate) fn resolve_calls(config: &SimConfig) -> Vec<Vec<ResolvedCall>> {
    // Validation guarantees every name exists.
    fn find<T: Named>(items: &[T], name: &str) -> u32 {
        index_of(items, name).unwrap_or(0)
    }
    config
        .functions
        .iter()
        .map(|f| {
            f.calls
                .iter()
                .enumerate()
                .map(|(k, c)| match c {
                    Call::Publish { bus, .. } => {
                        ResolvedCall::Publish { bus: find(&config.buses, bus), call: k as u32 }
                    }
                    Call::Put { bucket, size_kb } => {
                        ResolvedCall::Put { bucket: find(&config.buckets, bucket), size_kb: *size_kb }
                    }
                    Call::Write { stream } => ResolvedCall::Write { stream: find(&config.streams, stream) },
                    Call::Query { database, count } => {
                        ResolvedCall::Query { database: find(&config.databases, database), count: *count }
                    }
                    Call::Send { queue } => ResolvedCall::Send { queue: find(&config.queues, queue) },
                    Call::Invoke { function, asynchronous } => ResolvedCall::Invoke {
                        function: find(&config.functions, function),
                        asynchronous: *asynchronous,
                    },
                })
                .collect()
        })
        .collect()
}

/// For each function, the databases (bit mask) its environments connect to directly:
/// those it queries that have no pooler.
pub(crate) fn connections_per_function(config: &SimConfig) -> Vec<u64> {
    config
        .functions
        .iter()
        .map(|f| {
            f.calls.iter().fold(0u64, |mask, c| match c {
                Call::Query { database, .. } => match index_of(&config.databases, database) {
                    Some(i) if config.databases[i as usize].pooler.is_none() && i < 64 => mask | (1 << i),
                    _ => mask,
                },
                _ => mask,
            })
        })
        .collect()
}

impl Simulation {
    // ----- asynchronous invocation -----

    pub(crate) fn new_async_event(&mut self, function: u32, correlation: u64, counted: bool, trigger: Option<u32>) {
        self.new_async_event_with(function, correlation, counted, trigger, 0, SimDuration::ZERO);
    }

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
        self.services.async_events += u64::from(counted);
        if let Some(t) = trigger {
            let t = &mut self.triggers[t as usize];
            if t.running > 0 && counted && matches!(t.spec, crate::sim::config::TriggerSpec::Schedule { .. }) {
                t.overlaps += 1; // the previous run is not finished
            }
            t.running += 1;
        }
        let id = match self.free_async.pop() {
            Some(id) => {
                self.async_events[id as usize] = event;
                id
            }
            None => {
                self.async_events.push(event);
                (self.async_events.len() - 1) as u32
            }
        };
        self.dispatch_async(id);
    }

    /// Tries to run an asynchronous event now; a throttled one is tried again later.
    pub(crate) fn dispatch_async(&mut self, event: u32) {
        let e = &self.async_events[event as usize];
        let (function, counted) = (e.function, e.counted);
        let mut request = InFlight::new(e.correlation, Origin::Async { event }, self.now, counted);
        (request.depth, request.fetch) = (e.depth, e.fetch);
        let Err(reason) = self.try_invoke(function, request) else { return };
        self.note_throttle(function, &request, reason);
        self.services.async_throttled += u64::from(counted);
        let e = &mut self.async_events[event as usize];
        e.throttles += 1;
        let at = self.now + throttle_backoff(e.throttles);
        if at.since(e.created) > self.functions[function as usize].model.spec.max_event_age {
            self.give_up_async(event);
        } else {
            self.queue.schedule(at, Event::AsyncDue { event });
        }
    }

    pub(crate) fn async_attempt_done(&mut self, event: u32, outcome: Outcome, completed_work: bool) {
        let e = &mut self.async_events[event as usize];
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
            let e = &self.async_events[event as usize];
            self.services.async_succeeded += u64::from(e.counted);
            if let Some(t) = e.trigger {
                let t = &mut self.triggers[t as usize];
                t.running -= 1;
                t.counters.succeeded += u64::from(e.counted);
            }
            self.free_async.push(event);
            return;
        }
        let spec = &self.functions[function as usize].model.spec;
        let e = &self.async_events[event as usize];
        let retry_at = self.now + retry_delay(e.attempts);
        if e.attempts <= spec.async_retries && retry_at.since(e.created) <= spec.max_event_age {
            self.services.async_retries += u64::from(e.counted);
            self.queue.schedule(retry_at, Event::AsyncDue { event });
        } else {
            self.give_up_async(event);
        }
    }

    fn give_up_async(&mut self, event: u32) {
        let e = self.async_events[event as usize].clone();
        let destination = self.functions[e.function as usize].model.spec.on_failure.clone();
        match destination.and_then(|name| index_of(&self.config.queues, &name)) {
            Some(q) => {
                self.services.async_to_dlq += u64::from(e.counted);
                self.queues[q as usize].dead_letters += 1;
                self.send_message(q, e.correlation, e.counted, None, false, e.fetch);
            }
            None => self.services.async_dropped += u64::from(e.counted),
        }
        if let Some(t) = e.trigger {
            let t = &mut self.triggers[t as usize];
            t.running -= 1;
            t.counters.failed += u64::from(e.counted);
        }
        self.free_async.push(event);
    }

    /// A second (or later) handler run for the same event did its work: a duplicate
    /// side effect, unless the function keeps an idempotency store.
    fn count_redelivery(&mut self, function: u32, counted: bool) {
        if !counted {
            return;
        }
        if self.functions[function as usize].model.spec.idempotency {
            self.services.duplicates_suppressed += 1;
        } else {
            self.services.duplicates += 1;
        }
    }

    // ----- object storage and payloads -----

    /// An object lands in a bucket; its notification invokes the bucket's function,
    /// unless the chain is recursive past `MAX_RECURSION` (stopped, and counted).
    pub(crate) fn object_created(
        &mut self,
        bucket: u32,
        kb: f64,
        depth: u16,
        correlation: u64,
        counted: bool,
        trigger: Option<u32>,
    ) {
        let b = &mut self.buckets[bucket as usize];
        b.store(kb, counted);
        match b.notify_index {
            Some(_) if depth >= MAX_RECURSION => {
                b.counters.loops_stopped += u64::from(counted);
                if let (Some(t), true) = (trigger, counted) {
                    self.triggers[t as usize].counters.failed += 1;
                }
            }
            Some(f) => {
                b.counters.notifications += u64::from(counted);
                self.new_async_event_with(f, correlation, counted, trigger, depth + 1, SimDuration::ZERO);
            }
            None => {
                if let (Some(t), true) = (trigger, counted) {
                    self.triggers[t as usize].counters.succeeded += 1;
                }
            }
        }
    }

    /// Checks a trigger's payload against its limit: `Some(fetch time)` to go on (zero
    /// when inline, the claim-check fetch when stored in a bucket), `None` if rejected.
    pub(crate) fn check_payload(&mut self, trigger: u32, counted: bool) -> Option<SimDuration> {
        let t = &mut self.triggers[trigger as usize];
        let Some(payload) = t.spec.payload() else { return Some(SimDuration::ZERO) };
        let kb = payload.size_kb.sample_kb(&mut t.rng);
        let limits = &self.config.account.limits;
        let limit = match t.spec {
            TriggerSpec::Http { .. } => limits.sync_kb,
            TriggerSpec::Async { .. } => limits.async_kb,
            _ => limits.message_kb,
        };
        if kb <= limit {
            return Some(SimDuration::ZERO);
        }
        let claim = payload.claim_check.as_deref().and_then(|name| index_of(&self.config.buckets, name));
        match claim {
            Some(bucket) => {
                self.services.claim_checks += u64::from(counted);
                self.buckets[bucket as usize].store(kb, counted);
                Some(fetch_time(kb))
            }
            None => {
                if counted {
                    self.services.payload_rejected += 1;
                    self.triggers[trigger as usize].counters.failed += 1;
                }
                None
            }
        }
    }

    // ----- the event bus -----

    /// Routes an event to every target of every matching rule.
    pub(crate) fn publish(&mut self, bus: u32, detail_type: &str, source: &str, correlation: u64, counted: bool) {
        let b = &mut self.buses[bus as usize];
        let targets = b.route(detail_type, source);
        if counted {
            b.counters.published += 1;
            b.counters.unmatched += u64::from(targets.is_empty());
            b.counters.deliveries += targets.len() as u64;
        }
        for target in targets {
            match target {
                ResolvedTarget::Function(f) => self.new_async_event(f, correlation, counted, None),
                ResolvedTarget::Queue(q) => self.send_message(q, correlation, counted, None, false, SimDuration::ZERO),
                ResolvedTarget::Workflow(w) => self.start_execution(w, correlation, counted, None),
            }
        }
    }

    // ----- queues -----

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
        self.queues[queue as usize].send(now, correlation, counted, trigger, poison, fetch);
        self.pump_queue(queue);
    }

    /// Whether `function` could start a request now without being throttled by a
    /// concurrency limit (pollers do not receive messages they cannot process).
    pub(crate) fn has_room(&self, function: u32) -> bool {
        let f = &self.functions[function as usize];
        if !f.idle_provisioned.is_empty() || !f.idle.is_empty() {
            return true;
        }
        match f.model.spec.reserved_concurrency {
            Some(r) => f.concurrency_in_use() < r,
            None => self.account.unreserved_in_use < self.account.unreserved_capacity,
        }
    }

    /// Lets the queue's pollers take batches while there are messages, pollers and room.
    pub(crate) fn pump_queue(&mut self, queue: u32) {
        let now = self.now;
        loop {
            let q = &mut self.queues[queue as usize];
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
                let q = &mut self.queues[queue as usize];
                if q.poll_at.is_none() {
                    let at = now + SimDuration::from_secs(1);
                    q.poll_at = Some(at);
                    self.queue.schedule(at, Event::Poll { queue });
                }
                return;
            }
            let q = &mut self.queues[queue as usize];
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
                self.queues[queue as usize].release_batch(batch);
                return;
            }
        }
    }

    pub(crate) fn on_poll(&mut self, queue: u32) {
        let q = &mut self.queues[queue as usize];
        if q.poll_at == Some(self.now) {
            q.poll_at = None;
        }
        self.pump_queue(queue);
    }

    pub(crate) fn on_visibility_timeout(&mut self, queue: u32, message: u32, receipt: u32) {
        let now = self.now;
        let q = &mut self.queues[queue as usize];
        if let Some(dead) = q.visibility_expired(message, receipt, now) {
            if let (Some(t), true) = (dead.trigger, dead.counted) {
                self.triggers[t as usize].counters.failed += 1;
            }
            if let Some(dlq) = q.dlq_index {
                self.queues[dlq as usize].dead_letters += 1;
                self.send_message(dlq, dead.correlation, dead.counted, None, dead.poison, dead.fetch);
            }
        }
        self.pump_queue(queue);
    }

    /// A batch's invocation ended: delete what succeeded, leave the rest to come back.
    pub(crate) fn batch_done(&mut self, function: u32, queue: u32, batch: u32, request: &InFlight) {
        let (outcome, counted_run) = (request.outcome, request.counted);
        let completed_work = outcome != Outcome::TimedOut && request.call_failure.is_none();
        let messages = self.queues[queue as usize].release_batch(batch);
        let partial = self.queues[queue as usize].spec.consumer.as_ref().is_some_and(|c| c.partial_batch_response);
        let error_rate = self.functions[function as usize].model.spec.error_rate;
        // With partial batch responses each message of a failed batch failed on its own
        // (at least one did); without, one failure returns the whole batch.
        let mut failed: Vec<bool> = match outcome {
            Outcome::Succeeded => vec![false; messages.len()],
            Outcome::Failed if partial => messages
                .iter()
                .map(|&(m, _)| {
                    self.queues[queue as usize].messages[m as usize].poison || self.batch_rng.chance(error_rate)
                })
                .collect(),
            _ => vec![true; messages.len()],
        };
        if outcome != Outcome::Succeeded && !failed.iter().any(|f| *f) {
            failed[0] = true;
        }
        for (&(m, serial), failed) in messages.iter().zip(failed) {
            let q = &mut self.queues[queue as usize];
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
                let q = &mut self.queues[queue as usize];
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
        for q in 0..self.queues.len() {
            for m in self.queues[q].expire_old(self.now) {
                if let (Some(t), true) = (m.trigger, m.counted) {
                    self.triggers[t as usize].counters.timed_out += 1;
                }
            }
        }
    }
}
