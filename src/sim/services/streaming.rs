//! How stream shards are consumed: one batch per shard at a time, in order; a failed
//! batch is retried a second later, bisected, or given up, and blocks its shard
//! meanwhile.

use crate::sim::config::index_of;
use crate::sim::function::pool::{InFlight, Origin};
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::stream::StreamState;
use crate::sim::{Event, Simulation};

/// Pause before a failed (or throttled) batch is tried again.
const RETRY_DELAY: SimDuration = SimDuration::from_secs(1);

pub(crate) fn build_streams(config: &crate::sim::config::SimConfig) -> Vec<StreamState> {
    config
        .streams
        .iter()
        .map(|s| {
            let consumer = s.consumer.as_ref().and_then(|c| index_of(&config.functions, &c.function));
            StreamState::new(s.clone(), consumer)
        })
        .collect()
}

impl Simulation {
    /// A table write: its change record joins a shard, which the consumer may take.
    pub(crate) fn write_record(&mut self, stream: u32, correlation: u64, counted: bool, poison: bool) {
        let shard = self.streams[stream as usize].write(self.now, correlation, counted, poison);
        self.pump_shard(stream, shard);
    }

    /// Starts the shard's next batch if none is in flight and the function has room.
    pub(crate) fn pump_shard(&mut self, stream: u32, shard: u32) {
        let now = self.now;
        let s = &mut self.streams[stream as usize];
        let Some(function) = s.consumer_index else { return };
        s.skip_old(shard, now);
        let sh = &mut s.shards[shard as usize];
        if sh.in_flight > 0 || sh.records.is_empty() {
            return;
        }
        if !self.has_room(function) {
            self.queue.schedule(now + RETRY_DELAY, Event::ShardPoll { stream, shard });
            return;
        }
        let s = &mut self.streams[stream as usize];
        let sh = &mut s.shards[shard as usize];
        let n = sh.batch_limit.max(1).min(sh.records.len() as u32);
        sh.in_flight = n;
        let batch = sh.records.iter().take(n as usize);
        let counted = batch.clone().any(|r| r.counted);
        let correlation = sh.records[0].correlation;
        s.counters.batches += u64::from(counted);
        let request = InFlight::new(correlation, Origin::Stream { stream, shard }, now, counted);
        if let Err(reason) = self.try_invoke(function, request) {
            self.note_throttle(function, &request, reason);
            self.streams[stream as usize].shards[shard as usize].in_flight = 0;
            self.queue.schedule(now + RETRY_DELAY, Event::ShardPoll { stream, shard });
        }
    }

    /// A batch ended: on success its records leave the shard, in order; on failure the
    /// shard stays blocked on them (retried, bisected, or given up after `max_retries`).
    pub(crate) fn stream_batch_done(&mut self, stream: u32, shard: u32, outcome: Outcome) {
        let s = &mut self.streams[stream as usize];
        let consumer = s.spec.consumer.clone().expect("only consumed streams run batches");
        let sh = &mut s.shards[shard as usize];
        let n = sh.in_flight as usize;
        sh.in_flight = 0;
        if outcome == Outcome::Succeeded {
            for r in sh.records.drain(..n) {
                if r.sequence <= sh.last_done {
                    s.counters.out_of_order += 1;
                }
                sh.last_done = r.sequence;
                s.counters.processed += u64::from(r.counted);
            }
            sh.retries = 0;
            sh.batch_limit = consumer.batch_size;
            self.pump_shard(stream, shard);
            return;
        }
        s.counters.failed_batches += 1;
        sh.retries += 1;
        if consumer.max_retries.is_some_and(|m| sh.retries > m) {
            for r in sh.records.drain(..n) {
                s.counters.skipped += u64::from(r.counted);
                sh.last_done = r.sequence;
            }
            sh.retries = 0;
            sh.batch_limit = consumer.batch_size;
        } else if consumer.bisect_on_error && n > 1 {
            sh.batch_limit = (n as u32).div_ceil(2);
        }
        self.queue.schedule(self.now + RETRY_DELAY, Event::ShardPoll { stream, shard });
    }
}
