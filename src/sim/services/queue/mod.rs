//! SQS-like queues: messages, visibility timeouts, receive counts, dead-letter queues,
//! retention, and the event-source mapping that polls a queue for a function.
//!
//! This file holds what a queue is (its spec, its messages, its counters and its state
//! at run time); the rest is split by what it does:
//! - `store.rs`: the queue's own bookkeeping of messages (send, receive in batches,
//!   delete, retention), with the test against a plainly scanned list;
//! - `visibility.rs`: visibility deadlines and the messages visible again after one;
//! - `consumer.rs`: the event-source mapping (pumps, pollers, batches and their end);
//! - `timeouts.rs`: visibility checks, dead-lettering and retention as simulation events;
//! - `fresh.rs`: messages never received, packed; `redrive.rs`: dead letters and redrives.

use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};

mod consumer;
mod fresh;
pub mod redrive;
mod store;
mod timeouts;
mod visibility;
pub(crate) use fresh::{FreshMessages, Sent};
use redrive::{DeadLetter, FailReason, RedriveTask};

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
    /// When an operator redrives the DLQ's messages back into this queue (0: never).
    #[serde(default, skip_serializing_if = "is_zero_duration")]
    pub redrive_at: SimDuration,
    /// Messages a second a redrive moves (SQS's `MaxNumberOfMessagesPerSecond`, at most
    /// 500); 0 lets SQS choose, modelled as all at once.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub redrive_rate: u32,
}

fn is_zero(x: &u32) -> bool {
    *x == 0
}

fn is_zero_duration(d: &SimDuration) -> bool {
    d.0 == 0
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

/// A message that a consumer received at least once (a message nobody received yet is
/// kept packed in `FreshMessages`).
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
    /// Unique per message (its place in the order sent): slots are reused, so a batch
    /// checks it still holds the same one.
    pub serial: u64,
    /// Fails every time it is processed.
    pub poison: bool,
    /// Time a consumer needs to fetch its claim-checked payload (zero when inline).
    pub fetch: SimDuration,
    /// Function invocations in its chain so far (recursive loop detection).
    pub depth: u16,
    /// Visible again and listed in the queue's order of receives (`returned`).
    pub listed: bool,
    /// Why its last receive did not delete it (what its dead letter will say).
    pub last_failure: FailReason,
    /// What it remembers of its failure, in a DLQ.
    pub dead: Option<DeadLetter>,
}

/// A message visible again after a receive, in the order messages became visible:
/// `sent_before` is how many messages had been sent by then (its place among the
/// messages never received), `receipt` tells a stale entry (the message was deleted,
/// expired or received again since) from a live one.
#[derive(Clone, Copy, Debug)]
struct Returned {
    slot: u32,
    receipt: u32,
    sent_before: u64,
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
    /// Messages a redrive moved back into this queue from its DLQ (each a new message:
    /// not in `sent`).
    pub redriven: u64,
    /// Of those, poison messages (they fail again).
    pub redriven_poison: u64,
    /// Messages a redrive moved out of this queue, a DLQ, back to their source.
    pub redriven_out: u64,
}

/// A queue at run time.
///
/// Visible messages are received in the order they became visible: those never
/// received (`fresh`, packed, in the order sent) and those that came back after a
/// visibility timeout (`returned`), merged by when they became visible. Received ones
/// live in a slab; the visible ones among them are also ordered by age, so the oldest
/// message and those past the retention period are found without scanning the backlog.
#[derive(Clone, Debug)]
pub struct QueueState {
    pub spec: QueueSpec,
    fresh: FreshMessages,
    pub(crate) messages: Vec<Message>,
    free: Vec<u32>,
    returned: VecDeque<Returned>,
    /// Entries of `returned` whose message is no longer visible there.
    stale_returned: usize,
    /// Received messages that are visible again, by serial (the order sent), with slots.
    visible_by_age: BTreeSet<(u64, u32)>,
    /// Counted messages sent and not yet deleted, sent to the DLQ or expired.
    counted_live: u64,
    pub in_flight: u32,
    /// Batches being processed by the consumer.
    pub(crate) batches_in_flight: u32,
    /// Each batch in flight: (message slot, message serial).
    pub(crate) batches: Vec<Vec<(u32, u64)>>,
    free_batches: Vec<u32>,
    /// Emptied batch lists, kept for reuse.
    spare_batches: Vec<Vec<(u32, u64)>>,
    pub(crate) dlq_index: Option<u32>,
    pub(crate) consumer_index: Option<u32>,
    /// Concurrent batches the pollers allow (grows during backlogs).
    pollers: f64,
    pollers_updated: SimTime,
    next_receipt: u64,
    /// A poll is scheduled for the batching window.
    pub(crate) poll_at: Option<SimTime>,
    /// Received messages' visibility deadlines in the order received: (deadline,
    /// slot, receipt). Deadlines only grow while the timeout stays the same, so one
    /// pending `VisibilityCheck` at the first live entry's deadline serves them all,
    /// where a timer per receive cost an event each, nearly all of them for messages
    /// deleted long before (a quarter of the pipeline bench's events). Entries of
    /// deleted or received-again messages are dropped from the front as met.
    visibility_deadlines: VecDeque<(SimTime, u32, u32)>,
    /// When the pending check fires; `Some(now)` while one runs.
    visibility_check_at: Option<SimTime>,
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
    /// The DLQ a redrive moves messages back from: the written `dlq`, attached or not.
    pub(crate) redrive_from: Option<u32>,
    /// A redrive into this queue under way.
    pub(crate) redrive_task: Option<RedriveTask>,
    /// The `redrive_at` whose redrive has started (a knob changed later starts another).
    pub(crate) redrive_done_for: Option<SimDuration>,
}
