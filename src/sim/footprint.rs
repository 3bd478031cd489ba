//! About how many bytes a simulation holds, for whoever keeps copies of one (the app's
//! rewind tape): its functions' and triggers' state, and every structure that grows
//! with the work in flight (`memory_census` counts their slots). An estimate from
//! capacities and element sizes, not an allocator's count: histograms, names and
//! small vectors are left out or taken at a flat rate.

use crate::sim::Simulation;
use crate::sim::function::pool::{FunctionState, Slot};
use crate::sim::services::async_invoke::AsyncEvent;
use crate::sim::services::queue::Message;
use crate::sim::trigger::TriggerState;
use std::mem::size_of;

/// What a function holds beyond its state: histograms and small vectors (README,
/// "Limits": about 5 KB an idle function, 2.3 KB of it the state counted exactly).
const FUNCTION_EXTRA_BYTES: usize = 3 << 10;
/// An entry of a list whose element is a few words (a visible-again message, an open
/// request, a database's waiting query, a batch's list).
const SMALL_ENTRY_BYTES: usize = 32;

impl Simulation {
    /// About the bytes this simulation holds, a copy of it included.
    pub fn approx_bytes(&self) -> usize {
        let s = &self.services;
        let census = |i: usize| s.queues.iter().map(|q| q.census()[i]).sum::<usize>();
        let state = self.functions.len() * (size_of::<FunctionState>() + FUNCTION_EXTRA_BYTES)
            + self.triggers.len() * size_of::<TriggerState>();
        let environments = self.functions.iter().map(|f| f.slots.capacity()).sum::<usize>() * size_of::<Slot>();
        let events = self.queue.capacity() * size_of::<(u64, u64, crate::sim::Event)>();
        let queues = census(0)
            + census(1) * size_of::<Message>()
            + (census(2) + s.queues.iter().map(|q| q.batches.capacity()).sum::<usize>()) * SMALL_ENTRY_BYTES;
        let databases = s.databases.iter().map(|d| d.waiting.capacity() + d.pool_waiting.capacity()).sum::<usize>();
        let waiting = s.async_events.capacity() * size_of::<AsyncEvent>()
            + (s.work.capacity() + databases) * SMALL_ENTRY_BYTES
            + s.clients.bytes()
            + s.flows.followed_bytes()
            + s.streams.iter().map(|st| st.bytes()).sum::<usize>();
        let record = self.log.bytes() + self.traces.bytes();
        state + environments + events + queues + waiting + record
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::Simulation;

    #[test]
    fn the_estimate_follows_the_work_in_flight() {
        let run = |seconds: u64| {
            let config = crate::bench::queue_backlog(
                100_000.0,
                crate::sim::kernel::time::SimDuration::from_secs(seconds),
                crate::sim::kernel::time::SimDuration::from_secs(seconds),
            );
            let mut sim = Simulation::with_log_capacity(config, 0);
            sim.run_to_end();
            sim.approx_bytes()
        };
        let (small, large) = (run(1), run(8));
        // A backlog of 100 000 then 800 000 messages: 4-5 bytes each in the queue,
        // and 32 each while their requests are followed end to end (in tables that
        // grow by doubling).
        assert!((2 << 20..8 << 20).contains(&small), "{small}");
        assert!((25 << 20..60 << 20).contains(&large), "{large}");
        assert!(large > small * 5, "{small} -> {large}");
    }
}
