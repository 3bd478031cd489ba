//! Database streams (DynamoDB Streams / Kinesis-like): table writes become change
//! records in ordered shards; a consumer takes batches per shard, in order. A failing
//! batch blocks its shard until it succeeds, its records age out, or bisection
//! isolates the bad record, so the iterator age grows visibly.

use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::services::queue::redrive::{DeadLetter, FailReason};
use crate::sim::services::queue::{FreshMessages, Sent};
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A stream as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    pub name: String,
    #[serde(default = "default_shards")]
    pub shards: u32,
    /// Records older than this are skipped (DynamoDB Streams keep 24 hours).
    #[serde(default = "default_max_age")]
    pub max_record_age: SimDuration,
    #[serde(default)]
    pub consumer: Option<StreamConsumerSpec>,
}

/// The function reading the stream, one batch per shard at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConsumerSpec {
    pub function: String,
    #[serde(default = "default_batch")]
    pub batch_size: u32,
    /// Split a failing batch in two and retry the halves, down to the bad record.
    #[serde(default)]
    pub bisect_on_error: bool,
    /// Give up a batch after this many retries (records skipped); forever when absent.
    #[serde(default)]
    pub max_retries: Option<u32>,
    /// A queue that takes the records of a batch given up (the mapping's on-failure
    /// destination), where a human can look at them; without it they are gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

fn default_shards() -> u32 {
    4
}
fn default_max_age() -> SimDuration {
    SimDuration::from_secs(86_400)
}
fn default_batch() -> u32 {
    100
}

/// One change record, as a batch holds it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Record {
    /// Its place in its shard, from 1.
    pub sequence: u64,
    pub correlation: u64,
    pub written: SimTime,
    pub counted: bool,
    pub poison: bool,
    /// The trigger whose write made it (it hears when the record is processed).
    pub trigger: Option<u32>,
    /// Handler runs that did this record's work (more than one is a duplicate).
    pub side_effects: u32,
    /// Function invocations in the writer's chain (recursive loop detection).
    pub depth: u16,
}

/// One shard: records in order, and the batch being processed.
#[derive(Clone, Debug)]
pub(crate) struct Shard {
    /// Records taken from `unread` for a batch: the batch in flight (the first
    /// `in_flight`), and those a bisected batch left for the next.
    pub records: VecDeque<Record>,
    /// Records after those, never yet in a batch, packed as a queue's never-received
    /// messages are (a few bytes each, where a `Record` is 40): a shard blocked by a
    /// bad record keeps everything written after it until it expires.
    unread: FreshMessages,
    /// Records of the batch in flight (the first `in_flight` of `records`).
    pub in_flight: u32,
    /// Size of the next batch to try (bisection makes it smaller).
    pub batch_limit: u32,
    pub retries: u32,
    pub last_done: u64,
}

impl Shard {
    fn new(batch_limit: u32) -> Shard {
        Shard {
            records: VecDeque::new(),
            unread: FreshMessages::starting_at(1),
            in_flight: 0,
            batch_limit,
            retries: 0,
            last_done: 0,
        }
    }

    /// Appends a record written now.
    fn push(
        &mut self,
        correlation: u64,
        now: SimTime,
        counted: bool,
        poison: bool,
        (trigger, depth): (Option<u32>, u16),
    ) {
        let fetch = SimDuration::ZERO;
        let sent = Sent { sent_at: now, correlation, counted, poison, trigger, fetch, depth, dead: None };
        self.unread.push(sent);
    }

    /// Records in the shard, the batch in flight included.
    fn pending(&self) -> usize {
        self.records.len() + self.unread.len()
    }

    /// When the oldest record was written.
    fn oldest_written(&self) -> Option<SimTime> {
        self.records.front().map(|r| r.written).or_else(|| self.unread.front().map(|m| m.sent_at))
    }

    /// Takes the oldest record.
    fn pop_front(&mut self) -> Option<Record> {
        self.records.pop_front().or_else(|| self.take_unread())
    }

    /// Moves records from `unread` until `records` holds `n` (or every record).
    fn pull(&mut self, n: usize) {
        while self.records.len() < n {
            let Some(r) = self.take_unread() else { return };
            self.records.push_back(r);
        }
    }

    fn take_unread(&mut self) -> Option<Record> {
        let sequence = self.unread.front_serial();
        let m = self.unread.pop()?;
        let (correlation, written, counted, poison, trigger, depth) =
            (m.correlation, m.sent_at, m.counted, m.poison, m.trigger, m.depth);
        Some(Record { sequence, correlation, written, counted, poison, trigger, side_effects: 0, depth })
    }

    fn counted_pending(&self) -> u64 {
        let pulled = self.records.iter().filter(|r| r.counted).count();
        (pulled + self.unread.iter().filter(|m| m.counted).count()) as u64
    }

    /// Bytes its records hold (memory checks).
    fn bytes(&self) -> usize {
        self.records.capacity() * std::mem::size_of::<Record>() + self.unread.capacity()
    }
}

/// Counts over records written after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StreamCounters {
    pub records: u64,
    pub processed: u64,
    /// Records skipped: too old, or their batch gave up.
    pub skipped: u64,
    /// Of those, sent to the on-failure destination, and of those, poison ones.
    pub skipped_to_dlq: u64,
    pub skipped_poison_to_dlq: u64,
    pub batches: u64,
    pub failed_batches: u64,
    /// Records handed to the consumer again after their batch failed.
    pub retried: u64,
    /// Records seen out of order in a shard (must stay 0: the model's self-check).
    pub out_of_order: u64,
}

/// A stream at run time.
#[derive(Clone, Debug)]
pub struct StreamState {
    pub spec: StreamSpec,
    pub(crate) shards: Vec<Shard>,
    pub(crate) consumer_index: Option<u32>,
    /// The queue that takes records given up, resolved.
    pub(crate) on_failure_index: Option<u32>,
    pub counters: StreamCounters,
    pub max_iterator_age: SimDuration,
    /// Iterator age (s) and pending records, sampled each series bucket.
    pub history: crate::sim::kernel::metrics::GaugeSeries,
}

impl StreamState {
    pub(crate) fn new(spec: StreamSpec, consumer_index: Option<u32>) -> StreamState {
        let batch = spec.consumer.as_ref().map_or(1, |c| c.batch_size);
        let shards = (0..spec.shards.max(1)).map(|_| Shard::new(batch)).collect();
        StreamState {
            spec,
            shards,
            consumer_index,
            on_failure_index: None,
            counters: StreamCounters::default(),
            max_iterator_age: SimDuration::ZERO,
            history: Default::default(),
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Appends a change record to the shard its key hashes to; returns the shard.
    pub(crate) fn write(
        &mut self,
        now: SimTime,
        correlation: u64,
        counted: bool,
        poison: bool,
        (trigger, depth): (Option<u32>, u16),
    ) -> u32 {
        let shard = (correlation.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % self.shards.len() as u64;
        self.shards[shard as usize].push(correlation, now, counted, poison, (trigger, depth));
        self.counters.records += u64::from(counted);
        shard as u32
    }

    /// Age of the oldest unprocessed record of any shard (how far the consumer lags).
    pub fn iterator_age(&self, now: SimTime) -> SimDuration {
        self.shards.iter().filter_map(Shard::oldest_written).map(|w| now.since(w)).max().unwrap_or_default()
    }

    pub(crate) fn note_age(&mut self, now: SimTime) {
        let age = self.iterator_age(now);
        self.max_iterator_age = self.max_iterator_age.max(age);
        let pending: usize = self.shards.iter().map(Shard::pending).sum();
        self.history.push(age.as_secs_f64(), pending as f64);
    }

    /// Bytes its shards' records hold (memory estimates).
    pub(crate) fn bytes(&self) -> usize {
        self.shards.iter().map(Shard::bytes).sum()
    }

    /// Records still in the stream (counted ones).
    pub fn counted_pending(&self) -> u64 {
        self.shards.iter().map(Shard::counted_pending).sum()
    }
}

/// Pause before a failed (or throttled) batch is tried again.
const RETRY_DELAY: SimDuration = SimDuration::from_secs(1);

impl Simulation {
    /// A table write: its change record joins a shard, which the consumer may take.
    /// `trigger`: the writer, which hears when the record is processed or skipped;
    /// `depth`: invocations in the writer's chain; past `MAX_RECURSION` a consumed
    /// stream does not take the record (a loop stopped).
    pub(crate) fn write_record(
        &mut self,
        stream: u32,
        correlation: u64,
        counted: bool,
        poison: bool,
        (trigger, depth): (Option<u32>, u16),
    ) {
        let consumed = self.services.streams[stream as usize].consumer_index.is_some();
        if consumed && !self.loop_allows(depth, counted) {
            return;
        }
        let from = (trigger, depth);
        if consumed {
            self.work_add(correlation, true);
        }
        let shard = self.services.streams[stream as usize].write(self.now, correlation, counted, poison, from);
        self.pump_shard(stream, shard);
    }

    /// A record leaves its shard unprocessed (too old, or its batch gave up): its writer
    /// hears that the write's change was never handled. A batch given up goes to the
    /// on-failure destination when there is one. `given_up`: after this many attempts
    /// (`None`: too old).
    fn record_skipped(&mut self, stream: u32, record: &Record, given_up: Option<u32>) {
        let s = &mut self.services.streams[stream as usize];
        s.counters.skipped += u64::from(record.counted);
        if let (Some(attempts), Some(queue)) = (given_up, s.on_failure_index) {
            s.counters.skipped_to_dlq += u64::from(record.counted);
            s.counters.skipped_poison_to_dlq += u64::from(record.counted && record.poison);
            self.services.queues[queue as usize].dead_letters += 1;
            let sent = Sent {
                sent_at: self.now,
                correlation: record.correlation,
                counted: record.counted,
                poison: record.poison,
                trigger: None,
                fetch: SimDuration::ZERO,
                depth: record.depth,
                dead: Some(DeadLetter {
                    reason: if record.poison { FailReason::Poison } else { FailReason::Error },
                    receives: attempts,
                    source: None,
                    trigger: None,
                }),
            };
            self.send_message(queue, sent);
        }
        if let (Some(t), true) = (record.trigger, record.counted) {
            self.triggers[t as usize].counters.failed += 1;
        }
        self.work_done(record.correlation, true);
    }

    /// Drops records older than the maximum age from the front of a shard (not the
    /// batch in flight).
    fn skip_old(&mut self, stream: u32, shard: u32) {
        let now = self.now;
        loop {
            let s = &mut self.services.streams[stream as usize];
            let max_age = s.spec.max_record_age;
            let sh = &mut s.shards[shard as usize];
            if sh.in_flight > 0 || sh.oldest_written().is_none_or(|w| now.since(w) <= max_age) {
                return;
            }
            let r = sh.pop_front().expect("checked");
            sh.retries = 0;
            self.record_skipped(stream, &r, None);
        }
    }

    /// Starts the shard's next batch if none is in flight and the function has room.
    pub(crate) fn pump_shard(&mut self, stream: u32, shard: u32) {
        let now = self.now;
        let Some(function) = self.services.streams[stream as usize].consumer_index else { return };
        self.skip_old(stream, shard);
        let sh = &mut self.services.streams[stream as usize].shards[shard as usize];
        if sh.in_flight > 0 || sh.pending() == 0 {
            return;
        }
        if !self.has_room(function) {
            self.queue.schedule(now + RETRY_DELAY, Event::ShardPoll { stream, shard });
            return;
        }
        let s = &mut self.services.streams[stream as usize];
        let sh = &mut s.shards[shard as usize];
        let n = sh.batch_limit.max(1).min(sh.pending() as u32);
        sh.pull(n as usize);
        sh.in_flight = n;
        let batch = sh.records.iter().take(n as usize);
        let counted = batch.clone().any(|r| r.counted);
        let depth = batch.clone().map(|r| r.depth).max().unwrap_or(0);
        let correlation = sh.records[0].correlation;
        s.counters.batches += u64::from(counted);
        let mut request = InFlight::new(correlation, Origin::Stream { stream, shard }, now, counted);
        request.depth = depth.saturating_add(1);
        if let Err(reason) = self.try_invoke(function, request) {
            self.note_throttle(function, &request, reason);
            self.services.streams[stream as usize].shards[shard as usize].in_flight = 0;
            self.queue.schedule(now + RETRY_DELAY, Event::ShardPoll { stream, shard });
        }
    }

    /// A batch ended: on success its records leave the shard, in order; on failure the
    /// shard stays blocked on them (retried, bisected, or given up after `max_retries`).
    /// A run that did its work (`completed_work`: it failed after its side effects, or
    /// succeeded) did it for every record of the batch: a record done again is a
    /// duplicate unless the consumer is idempotent.
    pub(crate) fn stream_batch_done(&mut self, stream: u32, shard: u32, outcome: Outcome, completed_work: bool) {
        let s = &mut self.services.streams[stream as usize];
        let consumer = s.spec.consumer.clone().expect("only consumed streams run batches");
        let function = s.consumer_index.unwrap_or(0);
        let n = std::mem::take(&mut s.shards[shard as usize].in_flight) as usize;
        if completed_work {
            for k in 0..n {
                let r = &mut self.services.streams[stream as usize].shards[shard as usize].records[k];
                r.side_effects += 1;
                let (again, counted) = (r.side_effects > 1, r.counted);
                if again {
                    self.count_redelivery(function, counted);
                }
            }
        }
        let s = &mut self.services.streams[stream as usize];
        let sh = &mut s.shards[shard as usize];
        if outcome == Outcome::Succeeded {
            for r in sh.records.drain(..n) {
                if r.sequence <= sh.last_done {
                    s.counters.out_of_order += 1;
                }
                sh.last_done = r.sequence;
                s.counters.processed += u64::from(r.counted);
                if let (Some(t), true) = (r.trigger, r.counted) {
                    self.triggers[t as usize].counters.succeeded += 1;
                }
                self.services.work.done_into(r.correlation, false, self.now, &mut self.series.current.completion);
            }
            sh.retries = 0;
            sh.batch_limit = consumer.batch_size;
            self.pump_shard(stream, shard);
            return;
        }
        s.counters.failed_batches += 1;
        sh.retries += 1;
        if consumer.max_retries.is_some_and(|m| sh.retries > m) {
            let attempts = sh.retries;
            let given_up: Vec<Record> = sh.records.drain(..n).collect();
            sh.last_done = given_up.last().map_or(sh.last_done, |r| r.sequence);
            sh.retries = 0;
            sh.batch_limit = consumer.batch_size;
            for r in &given_up {
                self.record_skipped(stream, r, Some(attempts));
            }
        } else {
            s.counters.retried += sh.records.iter().take(n).filter(|r| r.counted).count() as u64;
            if consumer.bisect_on_error && n > 1 {
                sh.batch_limit = (n as u32).div_ceil(2);
            }
        }
        self.queue.schedule(self.now + RETRY_DELAY, Event::ShardPoll { stream, shard });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unread_records_take_a_few_bytes_each_and_come_back_in_order() {
        let mut shard = Shard::new(100);
        let n = 1_000_000u64;
        for k in 0..n {
            // Writes 50 us apart, correlation ids in arrival order, every thousandth poison.
            let (trigger, depth) = (if k % 7 == 0 { None } else { Some(3) }, (k % 3) as u16);
            shard.push(k + 1, SimTime(k * 50), k % 2 == 0, k % 1_000 == 0, (trigger, depth));
        }
        assert_eq!(shard.pending(), n as usize);
        // A `Record` each would be 40 MB. Here 4-5 bytes each, in a buffer that grew by
        // doubling (8 MB).
        assert_eq!(std::mem::size_of::<Record>(), 40);
        let per_record = shard.bytes() as f64 / n as f64;
        assert!(per_record < 10.0, "{per_record} bytes a record");
        assert_eq!(shard.counted_pending(), n / 2);
        assert_eq!(shard.oldest_written(), Some(SimTime(0)));
        // A batch of 100 is pulled; the rest stay packed.
        shard.pull(100);
        assert_eq!((shard.records.len(), shard.pending()), (100, n as usize));
        for k in 0..n {
            let r = shard.pop_front().expect("a record");
            let trigger = if k % 7 == 0 { None } else { Some(3) };
            let expected = (k + 1, k + 1, SimTime(k * 50), k % 2 == 0, k % 1_000 == 0, trigger, (k % 3) as u16);
            assert_eq!((r.sequence, r.correlation, r.written, r.counted, r.poison, r.trigger, r.depth), expected);
            assert_eq!(r.side_effects, 0);
        }
        assert!(shard.pop_front().is_none() && shard.oldest_written().is_none());
    }
}
