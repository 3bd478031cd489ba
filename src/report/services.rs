//! The reports of the services functions call and are triggered by: buckets (with data
//! residency), database streams, third-party APIs, workflows, event buses, queues and
//! databases, and the builders of the queue and database reports.

use crate::sim::Simulation;
use serde::Serialize;

use super::{LatencyReport, is_zero, is_zero_u32};

/// One bucket.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BucketReport {
    pub name: String,
    pub objects_created: u64,
    pub stored_kb: f64,
    /// Object-created notifications sent to the bucket's function.
    pub notifications: u64,
    /// Notifications stopped by recursive loop detection.
    pub loops_stopped: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residency: Option<ResidencyReport>,
}

/// Where a resource's data must stay, and the accesses that broke the rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResidencyReport {
    /// The jurisdiction or region the data must stay in.
    pub residency: String,
    /// Where it is stored.
    pub region: String,
    pub stored_outside: bool,
    /// Accesses that broke residency (every access, when stored outside).
    pub violations: u64,
    /// The functions that made them, with their region and count.
    pub by_function: Vec<ResidencyViolator>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ResidencyViolator {
    pub function: String,
    pub region: String,
    pub accesses: u64,
}

impl ResidencyReport {
    pub(super) fn of(sim: &Simulation, rule: &crate::sim::services::residency::ResidencyCheck) -> ResidencyReport {
        let config = sim.config();
        let by_function = (rule.violations.iter().enumerate().filter(|(_, n)| **n > 0))
            .map(|(i, n)| {
                let f = &config.functions[i];
                let region = f.region.clone().unwrap_or_else(|| config.account.region.clone());
                ResidencyViolator { function: f.name.clone(), region, accesses: *n }
            })
            .collect();
        ResidencyReport {
            residency: rule.residency.clone(),
            region: rule.region.clone(),
            stored_outside: rule.stored_outside(),
            violations: rule.total(),
            by_function,
        }
    }
}

/// One database stream.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StreamReport {
    pub name: String,
    pub shards: u32,
    pub records: u64,
    pub processed: u64,
    /// Records skipped: too old, or their batch gave up.
    pub skipped: u64,
    /// Of those, sent to the consumer's on-failure destination, and of those, poison.
    pub skipped_to_dlq: u64,
    pub skipped_poison_to_dlq: u64,
    /// Records still waiting in their shard.
    pub pending: u64,
    pub batches: u64,
    pub failed_batches: u64,
    /// Records handed to the consumer again after their batch failed.
    pub retried: u64,
    /// How far the consumer fell behind: age of the oldest unprocessed record.
    pub max_iterator_age_s: f64,
    pub iterator_age_s: f64,
    /// Records processed out of order (the model's self-check: always 0).
    pub out_of_order: u64,
    /// [time s, iterator age s, pending records] at the end of each series bucket.
    pub age_over_time: Vec<[f64; 3]>,
}

/// One third-party API.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ApiReport {
    pub name: String,
    /// Its rate limit (requests a second; 0 when unlimited) and burst.
    pub rate_limit_per_second: f64,
    pub burst: u32,
    pub max_concurrency: Option<u32>,
    /// Requests sent (every attempt), answered, refused with 429, answered with an error.
    pub requests: u64,
    pub succeeded: u64,
    pub throttled: u64,
    pub errors: u64,
    pub retries: u64,
    /// Calls that gave up after their last retry (the invocation failed).
    pub gave_up: u64,
    /// Answered with a refusal for good (`declines`: a card declined), not retried.
    #[serde(skip_serializing_if = "is_zero")]
    pub declined: u64,
    /// Requests still awaiting their answer at the end.
    pub in_flight: u32,
    pub peak_in_flight: u32,
    pub latency_ms: LatencyReport,
    /// When its callers cache its answer per environment: their TTL, in seconds (the
    /// longest, if several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_ttl_s: Option<f64>,
    /// Times the value it serves was rotated (`RotateSecret`).
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub rotations: u32,
}

/// One workflow (orchestration).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WorkflowReport {
    pub name: String,
    pub started: u64,
    pub succeeded: u64,
    /// Failed after running compensation steps.
    pub compensated: u64,
    pub failed: u64,
    pub running: u64,
    pub transitions: u64,
    pub task_retries: u64,
    /// State transitions at $0.025 per 1000 (standard workflows).
    pub transitions_usd: f64,
    /// Execution time, start to end.
    pub duration_ms: LatencyReport,
}

/// One event bus.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BusReport {
    pub name: String,
    pub published: u64,
    /// Events no rule matched.
    pub unmatched: u64,
    /// Target deliveries (an event may fan out to several targets).
    pub deliveries: u64,
}

/// One queue.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueReport {
    pub name: String,
    /// The function consuming it (empty when none), and how many messages a batch holds.
    pub consumer: String,
    pub batch_size: u32,
    /// Whether its dead-letter queue is attached.
    pub dlq_attached: bool,
    pub sent: u64,
    pub received: u64,
    pub deleted: u64,
    pub redelivered: u64,
    /// First receives that had to wait for a free consumer.
    pub waited: u64,
    /// Moved to the dead-letter queue after too many receives.
    pub to_dlq: u64,
    /// Of those, poison messages: they could never have succeeded.
    pub to_dlq_poison: u64,
    /// Messages that arrived in this queue as a dead-letter queue (whole run).
    pub dead_letters: u64,
    pub expired: u64,
    /// Of those, messages that no consumer ever received.
    pub expired_unreceived: u64,
    /// Receives of poison messages after their first: each fails again.
    pub redelivered_poison: u64,
    /// Sent messages still in the queue at the end (visible or being processed).
    pub still_queued: u64,
    pub depth: u64,
    pub max_depth: u64,
    pub max_oldest_age_s: f64,
    /// Time from send to first receive.
    pub wait_ms: LatencyReport,
    /// [time s, depth, age of the oldest message s] at the end of each series bucket.
    pub depth_over_time: Vec<[f64; 3]>,
    /// Messages a redrive moved back into this queue from its DLQ (new messages, not in
    /// `sent`), and the poison ones among them.
    #[serde(skip_serializing_if = "is_zero")]
    pub redriven: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub redriven_poison: u64,
    /// Messages a redrive moved out of this queue (a DLQ) back to their source.
    #[serde(skip_serializing_if = "is_zero")]
    pub redriven_out: u64,
}

impl QueueReport {
    /// Its messages in the dead-letter queue at the end: dead-lettered and not
    /// redriven back (a message dead-lettered again after a redrive counts once).
    pub fn dead_lettered(&self) -> u64 {
        self.to_dlq - self.redriven
    }

    /// Of those, messages that were not poison: a retry after the fix would serve them.
    pub fn transient_dead_lettered(&self) -> u64 {
        self.dead_lettered() - (self.to_dlq_poison - self.redriven_poison)
    }
}

/// One database.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DatabaseReport {
    pub name: String,
    pub max_connections: u32,
    pub peak_connections: u32,
    pub avg_connections: f64,
    pub connection_errors: u64,
    pub queries: u64,
    /// Query latency as the function sees it (waiting for a connection or the server included).
    pub query_ms: LatencyReport,
    pub pooler_pool_size: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residency: Option<ResidencyReport>,
}

/// The longest TTL with which a function caches `api`'s answers, in seconds.
pub(super) fn cache_ttl_of(config: &crate::sim::config::SimConfig, api: &str) -> Option<f64> {
    let calls = config.functions.iter().flat_map(|f| &f.calls);
    calls
        .filter_map(|c| match c {
            crate::sim::function::Call::Api { api: a, cache: Some(cache), .. } if a == api => {
                Some(cache.ttl.as_secs_f64())
            }
            _ => None,
        })
        .reduce(f64::max)
}

/// Gauge samples with their bucket end times.
pub(super) fn over_time(sim: &Simulation, points: &[[f64; 2]]) -> Vec<[f64; 3]> {
    let width = sim.series.width().as_secs_f64();
    points.iter().enumerate().map(|(i, p)| [(i + 1) as f64 * width, p[0], p[1]]).collect()
}

pub(super) fn queue_report(sim: &Simulation, q: &crate::sim::services::queue::QueueState) -> QueueReport {
    let c = &q.counters;
    QueueReport {
        name: q.name().to_string(),
        consumer: q.spec.consumer.as_ref().map_or(String::new(), |c| c.function.clone()),
        batch_size: q.spec.consumer.as_ref().map_or(0, |c| c.batch_size),
        dlq_attached: q.dlq_attached(),
        sent: c.sent,
        received: c.received,
        deleted: c.deleted,
        redelivered: c.redelivered,
        waited: c.waited,
        to_dlq: c.to_dlq,
        to_dlq_poison: c.to_dlq_poison,
        expired_unreceived: c.expired_unreceived,
        redelivered_poison: c.redelivered_poison,
        dead_letters: q.dead_letters,
        expired: c.expired,
        still_queued: q.counted_in_queue(),
        depth: q.depth(),
        max_depth: q.max_depth,
        max_oldest_age_s: q.max_oldest_age.max(q.oldest_age(sim.now())).as_secs_f64(),
        wait_ms: LatencyReport::of(&q.wait),
        depth_over_time: over_time(sim, q.history.points()),
        redriven: c.redriven,
        redriven_poison: c.redriven_poison,
        redriven_out: c.redriven_out,
    }
}

pub(super) fn database_report(sim: &Simulation, d: &crate::sim::services::database::DatabaseState) -> DatabaseReport {
    let window = sim.measured_window();
    DatabaseReport {
        name: d.name().to_string(),
        max_connections: d.spec.max_connections,
        peak_connections: d.peak_connections,
        avg_connections: d.connections_integral_at(sim.now()).average_since(&d.warmup_integral, window),
        connection_errors: d.counters.connection_errors,
        queries: d.counters.queries,
        query_ms: LatencyReport::of(&d.query_latency),
        pooler_pool_size: d.spec.pooler.as_ref().map(|p| p.pool_size),
        residency: d.residency.as_ref().map(|r| ResidencyReport::of(sim, r)),
    }
}
