//! The services around functions, each with its spec, its state at run time and the
//! handlers of its events in one place.

pub mod api;
pub mod async_invoke;
pub mod bus;
pub mod completion;
pub mod database;
pub mod flows;
pub mod queue;
pub mod residency;
pub mod storage;
pub mod stream;
pub mod workflow;

use crate::sim::Simulation;
use serde::Serialize;

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
    /// Events that failed every attempt and went to an on-failure queue that a function
    /// consumes: not parked but handed on, to be retried there (that queue's own
    /// deliveries, dead letters and expiries account for them).
    #[serde(skip_serializing_if = "is_zero")]
    pub async_handed_on: u64,
    /// Events that failed every attempt with nowhere to go.
    pub async_dropped: u64,
    /// Of those dropped or sent to the on-failure queue, events given up on arrival
    /// because `MAX_WAITING_ASYNC` were already waiting (the simulator's bound).
    #[serde(skip_serializing_if = "is_zero")]
    pub async_over_limit: u64,
    /// A side effect done again for an event already handled (no idempotency store).
    pub duplicates: u64,
    /// Redeliveries recognised by an idempotency store and not done again.
    pub duplicates_suppressed: u64,
    /// Requests refused because their payload was over the limit.
    pub payload_rejected: u64,
    /// Payloads over the limit stored in a bucket, a reference sent instead.
    pub claim_checks: u64,
    /// Events, messages, objects and records not passed on because their chain of
    /// invocations had gone `MAX_RECURSION` hops deep (recursive loop detection).
    #[serde(skip)]
    pub loops_stopped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Simulation {
    /// A second (or later) handler run for the same event did its work: a duplicate
    /// side effect, unless the function keeps an idempotency store.
    pub(crate) fn count_redelivery(&mut self, function: u32, counted: bool) {
        if !counted {
            return;
        }
        if self.functions[function as usize].model.spec.idempotency {
            self.services.counters.duplicates_suppressed += 1;
        } else {
            self.services.counters.duplicates += 1;
        }
    }
}
