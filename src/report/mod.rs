//! Summaries of a run: what the CLI prints (text or JSON) and what tests assert on.

pub mod export;
pub mod objectives;
mod text;

use crate::sim::Simulation;
use crate::sim::function::pool::FunctionState;
use crate::sim::function::provider::{Billing, instance_bill};
use crate::sim::kernel::cost::{self, MONTH_SECS};
use crate::sim::kernel::metrics::Histogram;
use serde::Serialize;

/// Request outcomes. `arrived` = the other five added up, always.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RequestsReport {
    pub arrived: u64,
    pub succeeded: u64,
    pub failed: u64,
    /// Refused with 429 before running (concurrency or scaling limits).
    pub throttled: u64,
    pub timed_out: u64,
    /// Still running when the run ended.
    pub in_flight: u64,
}

/// End-to-end latency as the caller sees it (cold start included), in milliseconds,
/// over requests that ran (succeeded, failed or timed out; throttled ones are excluded).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LatencyReport {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl LatencyReport {
    fn of(h: &Histogram) -> LatencyReport {
        LatencyReport {
            mean: h.mean_ms(),
            p50: h.quantile_ms(0.5),
            p95: h.quantile_ms(0.95),
            p99: h.quantile_ms(0.99),
            max: h.max_ms(),
        }
    }
}

/// A pipeline's end-to-end completion: each request followed by correlation id from
/// its arrival to the end of the last work it caused (`sim/services/completion.rs`).
/// Only for scenarios whose requests spawn asynchronous work.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CompletionReport {
    /// Requests that arrived after the warm-up: `completed + in_flight + not_followed`.
    pub requests: u64,
    /// Requests whose work has all ended ...
    pub completed: u64,
    /// ... of which some work ended in failure (dead-lettered, dropped, expired).
    pub completed_failed: u64,
    /// Requests with work still outstanding at the end of the run.
    pub in_flight: u64,
    /// Requests that arrived while a million others were open: not followed (a backlog
    /// of millions of messages would otherwise cost more memory than the queue).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_followed: u64,
    /// Arrival to the end of the last work item, over completed requests.
    pub ms: LatencyReport,
}

impl CompletionReport {
    fn of(sim: &Simulation) -> Option<CompletionReport> {
        let t = sim.completion_totals();
        (t.asynchronous_items > 0).then(|| CompletionReport {
            requests: t.arrived,
            completed: t.completed,
            completed_failed: t.completed_failed,
            in_flight: t.in_flight,
            not_followed: t.not_followed,
            ms: LatencyReport::of(sim.completion()),
        })
    }
}

/// Handler time percentiles in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DurationReport {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// Throttles by cause.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ThrottleReport {
    pub reserved_concurrency: u64,
    pub account_concurrency: u64,
    pub scaling_rate: u64,
}

/// One function.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FunctionReport {
    pub name: String,
    pub runtime: String,
    pub memory_mb: u32,
    /// The function's timeout, in seconds.
    pub timeout_s: f64,
    pub arrived: u64,
    /// Invocations that started.
    pub invocations: u64,
    pub cold_starts: u64,
    /// Of those, started while the function's other environments were all busy (the
    /// traffic outgrew the warm pool); the rest found no environment at all (they had
    /// expired after idling, or none had started yet).
    pub cold_starts_scaling_out: u64,
    pub cold_start_ratio: f64,
    pub throttles: u64,
    pub throttles_by_reason: ThrottleReport,
    /// Invocations that failed with an error (timeouts are counted apart).
    pub errors: u64,
    pub timeouts: u64,
    pub succeeded: u64,
    pub in_flight: u64,
    /// Time-weighted averages over the measured window.
    pub avg_environments: f64,
    pub avg_busy: f64,
    pub avg_idle: f64,
    pub avg_initializing: f64,
    /// Peak requests in flight.
    pub max_concurrency: u32,
    /// The concurrency the function may reach (reserved, or the account's unreserved pool).
    pub concurrency_limit: u32,
    pub environments_expired: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    /// Results computed with missing local state.
    pub wrong_results: u64,
    /// Cached API calls (configuration, secrets) answered from the environment's
    /// memory, and requests failed on a cached secret rotated since it was read.
    #[serde(skip_serializing_if = "is_zero")]
    pub api_cache_hits: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub stale_secrets: u64,
    /// /tmp (ephemeral storage): its size when the function uses /tmp or sizes it
    /// (absent otherwise: the default 512 MB, unused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral_mb: Option<u32>,
    /// The most /tmp one environment held, MB.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub tmp_peak_mb: f64,
    /// `TmpFile` downloads (one per new environment when kept), the GB they moved, and
    /// calls that found the file already in /tmp (a warm environment).
    #[serde(skip_serializing_if = "is_zero")]
    pub tmp_downloads: u64,
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub tmp_download_gb: f64,
    #[serde(skip_serializing_if = "is_zero")]
    pub tmp_file_hits: u64,
    /// Invocations failed because /tmp was full ("No space left on device").
    #[serde(skip_serializing_if = "is_zero")]
    pub tmp_full: u64,
    /// Results written to /tmp instead of a bucket: lost with their environment when it
    /// was reclaimed, or still held (at risk) at the end. written = lost + held.
    #[serde(skip_serializing_if = "is_zero")]
    pub tmp_results_written: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub tmp_results_lost: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub tmp_results_held: u64,
    /// Lines its handler's `Log` steps wrote (none when it has no `Log` step).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logged: Option<LoggedReport>,
    pub duration_ms: DurationReport,
    pub cold_start_ms: DurationReport,
    pub gb_seconds: f64,
    /// Its role, when the scenario models permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<PermissionsReport>,
    /// SnapStart: cold starts that restored the snapshot (its cold starts are restores:
    /// `cold_start_ms` is their time, no init ran), requests whose result used state
    /// the snapshot shares between environments (counted in `wrong_results` too), and
    /// requests failed on a connection the snapshot left stale.
    #[serde(skip_serializing_if = "is_zero")]
    pub restores: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub snapshot_shared_state: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub stale_connections: u64,
    /// Requests one environment serves at once (absent when 1, Lambda's model; above 1
    /// `max_concurrency` and the `avg_*` gauges count environments, not requests).
    #[serde(skip_serializing_if = "is_one")]
    pub per_environment_concurrency: u32,
    /// How its compute was billed, when not per request (Lambda's model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing: Option<String>,
}

/// A function's role against what it did: least privilege and blast radius.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PermissionsReport {
    /// The statements of its role, as written.
    pub granted: Vec<String>,
    /// The resources a compromised function could reach (every one, for `*`).
    pub reach: Vec<String>,
    /// The resources it called in the measured window.
    pub used: Vec<String>,
    /// Statements it held but never needed (for `*`: every resource it did not use).
    pub unused: Vec<String>,
    /// Calls refused by its role (AccessDenied), and the statements they needed.
    pub access_denied: u64,
    pub missing: Vec<String>,
}

/// Cost over the measured window, in USD.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CostReport {
    /// Everything billed: functions (requests, compute, provisioned) and the servers
    /// that serve the triggers moved to the fleet.
    pub total_usd: f64,
    pub requests_usd: f64,
    pub compute_usd: f64,
    pub provisioned_usd: f64,
    /// /tmp above the free 512 MB (absent when no function sizes it above).
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub ephemeral_usd: f64,
    /// SnapStart on Python and .NET: the snapshot's cache (per GB-second while the
    /// version is active) and its restores (per GB restored). Absent otherwise.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub snapstart_cache_usd: f64,
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub snapstart_restore_usd: f64,
    /// The servers serving the triggers moved off functions (the `fleet` knob), sized
    /// for their peak, by the hour; 0 when nothing was moved.
    pub moved_to_fleet_usd: f64,
    pub moved_to_fleet_instances: u32,
    /// The comparison baseline: an always-on fleet serving all the traffic, over the
    /// same window.
    pub server_fleet_usd: f64,
    pub server_fleet_instances: u32,
    /// API Gateway's WebSocket charges: messages (32 KB increments, every copy sent
    /// included) and connection minutes, of the triggers not moved to the fleet.
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub websocket_usd: f64,
    /// The window's cost scaled to a 730-hour month.
    pub per_month_usd: f64,
    pub server_fleet_per_month_usd: f64,
    pub free_tier: bool,
}

/// One trigger.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TriggerReport {
    pub name: String,
    pub target: String,
    pub requests: RequestsReport,
    pub latency_ms: LatencyReport,
    /// Schedules: runs that started while the previous run was still going.
    pub overlaps: u64,
    /// A WebSocket trigger's connections and messages (its requests are the messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebSocketReport>,
    /// With a client policy: attempts the client abandoned for want of an answer in
    /// time, and attempts it made after the first (the functions ran them all).
    #[serde(skip_serializing_if = "is_zero")]
    pub client_timeouts: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub client_retries: u64,
}

/// A WebSocket trigger over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WebSocketReport {
    /// Where the connections are held: "API Gateway", or "server fleet" when moved.
    pub held_by: String,
    pub connections_opened: u64,
    /// Connections open at the end, at most at once, and on average.
    pub open_at_end: u64,
    pub peak_open: u64,
    pub avg_open: f64,
    pub connection_minutes: f64,
    /// Messages received from clients, and copies delivered to other connections.
    pub messages: u64,
    pub delivered: u64,
    /// What API Gateway bills: 32 KB increments of every message received and
    /// delivered (0 on the fleet), and its charges for them and the connection minutes.
    pub billed_messages: u64,
    pub messages_usd: f64,
    pub connection_minutes_usd: f64,
}

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
    fn of(sim: &Simulation, rule: &crate::sim::services::residency::ResidencyCheck) -> ResidencyReport {
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

/// One flow: its requests followed by correlation id to their required effects.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlowReport {
    pub name: String,
    /// The deadline of every effect, from the request's arrival.
    pub within_s: f64,
    pub at_least_once: bool,
    /// Requests after the warm-up, and what became of them: every effect on time,
    /// every effect but one or more late, one or more missing; poison inputs and
    /// requests still within their deadline at the end are not graded.
    pub requests: u64,
    pub on_time: u64,
    pub late: u64,
    pub incomplete: u64,
    /// Requests with an effect done more than once (exactly-once flows).
    pub duplicated: u64,
    pub poison: u64,
    pub in_flight: u64,
    /// Requests the flow's `if_declined` API declined (graded by its effects).
    #[serde(skip_serializing_if = "is_zero")]
    pub declined: u64,
    /// Requests that caused an effect their outcome forbids.
    #[serde(skip_serializing_if = "is_zero")]
    pub unwanted: u64,
    /// Parts each request fans out into (flows of parts; 1 otherwise).
    #[serde(skip_serializing_if = "is_one")]
    pub parts: u32,
    pub effects: Vec<EffectReport>,
    /// Where the incomplete requests stopped: the last function their correlation id
    /// reached (or the trigger, when none did), most first.
    pub stopped_at: Vec<StopReport>,
}

/// One required effect of a flow, over the graded requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EffectReport {
    /// "an object in thumbnails".
    pub effect: String,
    pub on_time: u64,
    pub late: u64,
    pub missing: u64,
    pub duplicated: u64,
    /// Times it was done again after the first, over all requests.
    pub repeats: u64,
    /// Requests that caused it though their outcome forbids it.
    #[serde(skip_serializing_if = "is_zero")]
    pub unwanted: u64,
    /// Parts never done, over the requests missing it (flows of parts).
    #[serde(skip_serializing_if = "is_zero")]
    pub parts_missing: u64,
}

/// Incomplete requests that stopped at one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StopReport {
    pub node: String,
    pub requests: u64,
}

impl FlowReport {
    /// Requests graded: all but poison inputs and those still within their deadline.
    pub fn graded(&self) -> u64 {
        self.requests - self.poison - self.in_flight
    }

    fn of(sim: &Simulation, flow: &crate::sim::services::flows::FlowState) -> FlowReport {
        let t = flow.totals(sim.now());
        let node = |function: u32, trigger: u32| match function {
            crate::sim::services::flows::AT_TRIGGER => {
                format!("{} (no function reached)", sim.triggers()[trigger as usize].spec.name())
            }
            f => sim.functions()[f as usize].name().to_string(),
        };
        FlowReport {
            name: flow.spec.name.clone(),
            within_s: flow.spec.within.as_secs_f64(),
            at_least_once: flow.spec.at_least_once,
            requests: t.requests,
            on_time: t.on_time,
            late: t.late,
            incomplete: t.incomplete,
            duplicated: t.duplicated,
            poison: t.poison,
            in_flight: t.in_flight,
            declined: t.declined,
            unwanted: t.unwanted,
            parts: flow.spec.parts,
            effects: (flow.spec.all_effects().zip(&t.effects).enumerate())
                .map(|(k, (e, n))| EffectReport {
                    effect: match &flow.spec.if_declined {
                        Some(d) if k >= flow.spec.effects.len() => format!("{} (when {} declines)", e.label(), d.api),
                        _ => e.label(),
                    },
                    on_time: n.on_time,
                    late: n.late,
                    missing: n.missing,
                    duplicated: n.duplicated,
                    repeats: n.repeats,
                    unwanted: n.unwanted,
                    parts_missing: n.parts_missing,
                })
                .collect(),
            stopped_at: (t.stopped_at.iter())
                .map(|&(f, trigger, requests)| StopReport { node: node(f, trigger), requests })
                .collect(),
        }
    }
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

/// The whole report of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    /// Measured seconds (after the warm-up).
    pub simulated_seconds: f64,
    pub warmup_seconds: f64,
    pub requests: RequestsReport,
    pub cold_starts: u64,
    /// Cold starts over invocations that started.
    pub cold_start_ratio: f64,
    pub latency_ms: LatencyReport,
    /// End-to-end completion of the work each request caused (absent when no request
    /// spawned asynchronous work).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion: Option<CompletionReport>,
    pub functions: Vec<FunctionReport>,
    pub triggers: Vec<TriggerReport>,
    pub cost: CostReport,
    /// Peak requests in flight across all functions.
    pub max_concurrency: u64,
    pub queues: Vec<QueueReport>,
    pub databases: Vec<DatabaseReport>,
    pub buses: Vec<BusReport>,
    pub buckets: Vec<BucketReport>,
    pub streams: Vec<StreamReport>,
    pub workflows: Vec<WorkflowReport>,
    /// Third-party APIs (absent when the scenario calls none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apis: Vec<ApiReport>,
    /// Flows followed to their required effects (absent when the scenario has none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowReport>,
    /// Requests refused because their payload was over the limit.
    pub payload_rejected: u64,
    /// Large payloads passed by reference through a bucket.
    pub claim_checks: u64,
    /// Attempts after a failure: asynchronous retries, queue redeliveries, workflow task
    /// retries and stream records retried with their batch.
    pub retries: u64,
    /// Side effects done more than once for the same event.
    pub duplicates: u64,
    /// Redeliveries an idempotency store recognised.
    pub duplicates_suppressed: u64,
    /// Events and messages sent to a dead-letter queue or on-failure destination (and
    /// not redriven back out of it).
    pub dlq: u64,
    /// Results computed with missing local state (all functions).
    pub wrong_results: u64,
    /// Asynchronous invocations.
    #[serde(rename = "async")]
    pub async_events: crate::sim::services::ServiceCounters,
    pub events: u64,
    /// Events, messages, objects and records not passed on because their chain of
    /// invocations went 16 hops deep (recursive loop detection, on every path).
    #[serde(skip_serializing_if = "is_zero")]
    pub loops_stopped: u64,
    /// Set when the run was stopped before its end (Ctrl-C): the simulated second it
    /// stopped at, of `run_seconds`. The report covers the run up to then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_seconds: Option<f64>,
    /// Timeline entries and scheduled redrives the run could not apply, and why (a
    /// redrive while another into the same queue was moving messages).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_applied: Vec<String>,
}

/// Structured log lines a handler wrote at its decision points, by level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoggedReport {
    pub info: u64,
    pub warn: u64,
    pub error: u64,
}

/// The longest TTL with which a function caches `api`'s answers, in seconds.
fn cache_ttl_of(config: &crate::sim::config::SimConfig, api: &str) -> Option<f64> {
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

fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

fn is_zero_u32(x: &u32) -> bool {
    *x == 0
}

fn is_one(x: &u32) -> bool {
    *x == 1
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

/// A WebSocket trigger's report: API Gateway's meters priced over `window`, or none
/// when the fleet holds its connections.
fn websocket_report(sim: &Simulation, t: &crate::sim::trigger::TriggerState) -> Option<WebSocketReport> {
    let s = t.socket.as_ref()?;
    let now = sim.now();
    let window = sim.measured_window();
    let months = window.as_secs_f64() / MONTH_SECS;
    let minutes = s.connection_minutes(now);
    let (messages_usd, connection_minutes_usd) =
        if t.on_fleet { (0.0, 0.0) } else { cost::websocket::cost_usd(s.billed_messages, minutes, months) };
    Some(WebSocketReport {
        held_by: if t.on_fleet { "server fleet" } else { "API Gateway" }.to_string(),
        connections_opened: s.opened,
        open_at_end: s.open,
        peak_open: s.peak_open,
        avg_open: s.integral_at(now).average_since(&s.warmup_integral, window),
        connection_minutes: minutes,
        messages: s.messages,
        delivered: s.delivered,
        billed_messages: s.billed_messages,
        messages_usd,
        connection_minutes_usd,
    })
}

/// What function `index` consumed over the measured window.
fn usage_of(sim: &Simulation, index: usize) -> (cost::Architecture, cost::Usage) {
    let f = &sim.functions()[index];
    let mut u = f.usage;
    let prov = f.integrals_at(sim.now()).provisioned.area - sim.warmup_integrals(index).provisioned.area;
    u.provisioned_mb_us = prov * u128::from(f.model.spec.memory_mb);
    let spec = &f.model.spec;
    if spec.snap_start && spec.runtime.snap_start_billed() {
        u.snapstart_cached_mb = u64::from(spec.memory_mb);
    }
    (f.model.spec.architecture, u)
}

/// What function `index`'s environments cost over the measured window when it is billed
/// per instance (zero when billed per request): (request fees, instance time), USD.
pub fn instance_usd(sim: &Simulation, index: usize) -> (f64, f64) {
    let f = &sim.functions()[index];
    if f.billing == Billing::PerRequest {
        return (0.0, 0.0);
    }
    let (now, start) = (f.integrals_at(sim.now()), sim.warmup_integrals(index));
    let serving = (now.initializing.area + now.busy.area) - (start.initializing.area + start.busy.area);
    let alive = serving + (now.idle.area - start.idle.area);
    let memory = f.model.spec.memory_mb;
    let vcpus = crate::sim::function::vcpus(memory);
    let provider = sim.config().account.provider;
    instance_bill(provider, &f.billing, f.usage.instance_requests, serving, alive, vcpus, memory)
}

/// One function's own cost over the measured window (no free tier: what it would add
/// to a bill that already used it).
pub fn function_cost_usd(sim: &Simulation, index: usize) -> f64 {
    let (requests, instances) = instance_usd(sim, index);
    cost::invoice(&[usage_of(sim, index)], sim.measured_window(), false).total_usd() + requests + instances
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

fn requests_of(c: &crate::sim::trigger::RequestCounters) -> RequestsReport {
    RequestsReport {
        arrived: c.arrived,
        succeeded: c.succeeded,
        failed: c.failed,
        throttled: c.throttled,
        timed_out: c.timed_out,
        in_flight: c.in_flight(),
    }
}

fn function_report(sim: &Simulation, index: usize, f: &FunctionState) -> FunctionReport {
    let window = sim.measured_window();
    let averages = f.integrals_at(sim.now()).averages_since(&sim.warmup_integrals(index), window);
    let c = &f.counters;
    let d = &f.durations;
    let cs = &f.cold_start_times;
    let spec = &f.model.spec;
    FunctionReport {
        name: spec.name.clone(),
        runtime: spec.runtime.label().to_string(),
        memory_mb: spec.memory_mb,
        timeout_s: spec.timeout.as_secs_f64(),
        arrived: c.arrived,
        invocations: c.invocations,
        cold_starts: c.cold_starts,
        cold_starts_scaling_out: c.cold_starts_scaling_out.min(c.cold_starts),
        cold_start_ratio: ratio(c.cold_starts, c.invocations),
        throttles: c.throttled(),
        throttles_by_reason: ThrottleReport {
            reserved_concurrency: c.throttled_reserved,
            account_concurrency: c.throttled_account,
            scaling_rate: c.throttled_scaling,
        },
        errors: c.failed,
        timeouts: c.timed_out,
        succeeded: c.succeeded,
        in_flight: c.in_flight(),
        avg_environments: averages.environments,
        avg_busy: averages.busy,
        avg_idle: averages.idle,
        avg_initializing: averages.initializing,
        max_concurrency: f.max_concurrency,
        concurrency_limit: sim.concurrency_limit(index),
        environments_expired: f.expired,
        cache_hits: c.cache_hits,
        cache_misses: c.cache_misses,
        wrong_results: c.wrong_results,
        api_cache_hits: c.api_cache_hits,
        stale_secrets: c.stale_secrets,
        ephemeral_mb: uses_tmp(spec).then_some(spec.ephemeral_mb),
        tmp_peak_mb: c.tmp_peak_kb as f64 / 1024.0,
        tmp_downloads: c.tmp_downloads,
        tmp_download_gb: c.tmp_download_kb as f64 / 1024.0 / 1024.0,
        tmp_file_hits: c.tmp_file_hits,
        tmp_full: c.tmp_full,
        tmp_results_written: c.tmp_results_written,
        tmp_results_lost: c.tmp_results_lost,
        tmp_results_held: f.environment_slots().map(|(_, e)| u64::from(e.tmp_results)).sum(),
        logged: f
            .model
            .spec
            .calls
            .iter()
            .any(|c| matches!(c, crate::sim::function::Call::Log { .. }))
            .then(|| LoggedReport { info: c.logged[0], warn: c.logged[1], error: c.logged[2] }),
        duration_ms: DurationReport {
            mean: d.mean_ms(),
            p50: d.quantile_ms(0.5),
            p95: d.quantile_ms(0.95),
            p99: d.quantile_ms(0.99),
        },
        cold_start_ms: DurationReport {
            mean: cs.mean_ms(),
            p50: cs.quantile_ms(0.5),
            p95: cs.quantile_ms(0.95),
            p99: cs.quantile_ms(0.99),
        },
        gb_seconds: f.usage.gb_seconds(),
        permissions: spec.permissions.as_ref().map(|granted| permissions_report(sim, f, granted)),
        restores: c.restores,
        snapshot_shared_state: c.snapshot_shared_state,
        stale_connections: c.stale_connections,
        per_environment_concurrency: f.shared.as_ref().map_or(1, |s| s.per_environment),
        billing: (f.billing != Billing::PerRequest).then(|| f.billing.label().to_string()),
    }
}

/// Whether a function uses or sizes its /tmp (its report then says so).
fn uses_tmp(spec: &crate::sim::function::FunctionSpec) -> bool {
    use crate::sim::function::Call;
    spec.ephemeral_mb != crate::sim::function::MIN_EPHEMERAL_MB
        || spec.calls.iter().any(|c| matches!(c, Call::TmpFile { .. } | Call::Put { to_tmp: true, .. }))
}

fn permissions_report(
    sim: &Simulation,
    f: &FunctionState,
    granted: &[crate::sim::function::permissions::Permission],
) -> PermissionsReport {
    use crate::sim::function::permissions::{Permission, needed, reach};
    let config = sim.config();
    let spec = &f.model.spec;
    let mut used: Vec<String> = spec
        .calls
        .iter()
        .zip(&f.calls_made)
        .filter(|(_, n)| **n > 0)
        .filter_map(|(c, _)| needed(c)?.resource().map(String::from))
        .collect();
    used.sort();
    used.dedup();
    let needed_labels: Vec<String> = spec
        .calls
        .iter()
        .zip(&f.calls_made)
        .filter(|(_, n)| **n > 0)
        .filter_map(|(c, _)| Some(needed(c)?.label()))
        .collect();
    let unused = if granted.contains(&Permission::All) {
        reach(granted, config, &spec.name).into_iter().filter(|r| !used.contains(r)).collect()
    } else {
        granted.iter().map(Permission::label).filter(|l| !needed_labels.contains(l)).collect()
    };
    let mut missing: Vec<String> = spec
        .calls
        .iter()
        .filter(|c| !crate::sim::function::permissions::allows(Some(granted), c))
        .filter_map(|c| Some(needed(c)?.label()))
        .collect();
    missing.sort();
    missing.dedup();
    PermissionsReport {
        missing,
        granted: granted.iter().map(Permission::label).collect(),
        reach: reach(granted, config, &spec.name),
        used,
        unused,
        access_denied: f.counters.access_denied,
    }
}

/// Gauge samples with their bucket end times.
fn over_time(sim: &Simulation, points: &[[f64; 2]]) -> Vec<[f64; 3]> {
    let width = sim.series.width().as_secs_f64();
    points.iter().enumerate().map(|(i, p)| [(i + 1) as f64 * width, p[0], p[1]]).collect()
}

fn queue_report(sim: &Simulation, q: &crate::sim::services::queue::QueueState) -> QueueReport {
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

fn database_report(sim: &Simulation, d: &crate::sim::services::database::DatabaseState) -> DatabaseReport {
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

impl Report {
    /// Summarises a simulation as it stands (usually at its end).
    pub fn of(sim: &Simulation, scenario_name: &str) -> Report {
        let config = sim.config();
        let window = sim.measured_window();
        let functions: Vec<FunctionReport> =
            sim.functions().iter().enumerate().map(|(i, f)| function_report(sim, i, f)).collect();
        let usage: Vec<_> = (0..sim.functions().len()).map(|i| usage_of(sim, i)).collect();
        let mut bill = cost::invoice(&usage, window, config.account.free_tier);
        // Functions billed per instance (issue 15): their request fees and instance time.
        for index in 0..sim.functions().len() {
            let (requests, instances) = instance_usd(sim, index);
            bill.requests_usd += requests;
            bill.compute_usd += instances;
        }
        // Orchestration is billed per state transition, on top of the functions it runs.
        bill.requests_usd += sim
            .workflows()
            .iter()
            .map(|w| w.counters.transitions as f64 * crate::sim::services::workflow::PRICE_PER_TRANSITION)
            .sum::<f64>();
        let fleet = &config.server_fleet;
        let months = window.as_secs_f64() / MONTH_SECS;
        let per_month = |usd: f64| if months > 0.0 { usd / months } else { 0.0 };
        let fleet_usd = fleet.cost_holding(sim.max_in_flight, sim.connections_peak(), window);
        let moved_instances =
            if sim.uses_fleet() { fleet.instances_holding(sim.fleet_peak(), sim.fleet_connections_peak()) } else { 0 };
        let sockets: Vec<Option<WebSocketReport>> = sim.triggers().iter().map(|t| websocket_report(sim, t)).collect();
        let websocket_usd: f64 =
            sockets.iter().flatten().map(|w| w.messages_usd + w.connection_minutes_usd).sum::<f64>();
        let moved_usd = f64::from(moved_instances) * fleet.hourly_usd * window.as_secs_f64() / 3600.0;
        let queues: Vec<QueueReport> = sim.queues().iter().map(|q| queue_report(sim, q)).collect();
        let databases: Vec<DatabaseReport> = sim.databases().iter().map(|d| database_report(sim, d)).collect();
        let services = *sim.service_counters();
        let cold_starts: u64 = functions.iter().map(|f| f.cold_starts).sum();
        let wrong_results: u64 = functions.iter().map(|f| f.wrong_results).sum();
        let invocations: u64 = functions.iter().map(|f| f.invocations).sum();
        Report {
            scenario: scenario_name.to_string(),
            seed: config.seed,
            simulated_seconds: window.as_secs_f64(),
            warmup_seconds: config.warmup.as_secs_f64(),
            requests: requests_of(&sim.requests()),
            cold_starts,
            cold_start_ratio: ratio(cold_starts, invocations),
            latency_ms: LatencyReport::of(&sim.latency()),
            completion: CompletionReport::of(sim),
            triggers: sim
                .triggers()
                .iter()
                .zip(sockets)
                .map(|(t, websocket)| TriggerReport {
                    name: t.spec.name().to_string(),
                    target: t.spec.target().to_string(),
                    requests: requests_of(&t.counters),
                    latency_ms: LatencyReport::of(&t.latency),
                    overlaps: t.overlaps,
                    websocket,
                    client_timeouts: t.client.as_ref().map_or(0, |c| c.timeouts),
                    client_retries: t.client.as_ref().map_or(0, |c| c.retries),
                })
                .collect(),
            functions,
            cost: CostReport {
                total_usd: bill.total_usd() + moved_usd + websocket_usd,
                requests_usd: bill.requests_usd,
                compute_usd: bill.compute_usd,
                provisioned_usd: bill.provisioned_usd,
                ephemeral_usd: bill.ephemeral_usd,
                snapstart_cache_usd: bill.snapstart_cache_usd,
                snapstart_restore_usd: bill.snapstart_restore_usd,
                moved_to_fleet_usd: moved_usd,
                moved_to_fleet_instances: moved_instances,
                server_fleet_usd: fleet_usd,
                server_fleet_instances: fleet.instances_holding(sim.max_in_flight, sim.connections_peak()),
                websocket_usd,
                per_month_usd: per_month(bill.total_usd() + moved_usd + websocket_usd),
                server_fleet_per_month_usd: per_month(fleet_usd),
                free_tier: config.account.free_tier,
            },
            max_concurrency: sim.max_in_flight,
            retries: services.async_retries
                + queues.iter().map(|q| q.redelivered).sum::<u64>()
                + sim.workflows().iter().map(|w| w.counters.task_retries).sum::<u64>()
                + sim.streams().iter().map(|s| s.counters.retried).sum::<u64>(),
            duplicates: services.duplicates,
            wrong_results,
            duplicates_suppressed: services.duplicates_suppressed,
            dlq: services.async_to_dlq + queues.iter().map(|q| q.dead_lettered()).sum::<u64>(),
            async_events: services,
            loops_stopped: services.loops_stopped,
            stopped_at_seconds: (!sim.is_finished()).then(|| sim.now().as_secs_f64()),
            run_seconds: (!sim.is_finished()).then(|| sim.end().as_secs_f64()),
            not_applied: sim.timeline_refused.clone(),
            queues,
            databases,
            buses: sim
                .buses()
                .iter()
                .map(|b| BusReport {
                    name: b.name().to_string(),
                    published: b.counters.published,
                    unmatched: b.counters.unmatched,
                    deliveries: b.counters.deliveries,
                })
                .collect(),
            buckets: sim
                .buckets()
                .iter()
                .map(|b| BucketReport {
                    name: b.name().to_string(),
                    objects_created: b.counters.objects_created,
                    stored_kb: b.counters.stored_kb,
                    notifications: b.counters.notifications,
                    loops_stopped: b.counters.loops_stopped,
                    residency: b.residency.as_ref().map(|r| ResidencyReport::of(sim, r)),
                })
                .collect(),
            streams: sim
                .streams()
                .iter()
                .map(|s| StreamReport {
                    name: s.name().to_string(),
                    shards: s.spec.shards,
                    records: s.counters.records,
                    processed: s.counters.processed,
                    skipped: s.counters.skipped,
                    skipped_to_dlq: s.counters.skipped_to_dlq,
                    skipped_poison_to_dlq: s.counters.skipped_poison_to_dlq,
                    pending: s.counted_pending(),
                    batches: s.counters.batches,
                    failed_batches: s.counters.failed_batches,
                    retried: s.counters.retried,
                    max_iterator_age_s: s.max_iterator_age.max(s.iterator_age(sim.now())).as_secs_f64(),
                    iterator_age_s: s.iterator_age(sim.now()).as_secs_f64(),
                    out_of_order: s.counters.out_of_order,
                    age_over_time: over_time(sim, s.history.points()),
                })
                .collect(),
            workflows: sim
                .workflows()
                .iter()
                .map(|w| WorkflowReport {
                    name: w.name().to_string(),
                    started: w.counters.started,
                    succeeded: w.counters.succeeded,
                    compensated: w.counters.compensated,
                    failed: w.counters.failed,
                    running: w.running,
                    transitions: w.counters.transitions,
                    task_retries: w.counters.task_retries,
                    transitions_usd: w.counters.transitions as f64
                        * crate::sim::services::workflow::PRICE_PER_TRANSITION,
                    duration_ms: LatencyReport::of(&w.durations),
                })
                .collect(),
            apis: sim
                .apis()
                .iter()
                .map(|a| ApiReport {
                    name: a.name().to_string(),
                    rate_limit_per_second: a.spec.rate_limit.as_ref().map_or(0.0, |r| r.per_second),
                    burst: a.spec.rate_limit.as_ref().map_or(0, |r| r.burst),
                    max_concurrency: a.spec.max_concurrency,
                    requests: a.counters.requests,
                    succeeded: a.counters.succeeded,
                    throttled: a.counters.throttled,
                    errors: a.counters.errors,
                    retries: a.counters.retries,
                    gave_up: a.counters.gave_up,
                    declined: a.counters.declined,
                    in_flight: a.in_flight,
                    peak_in_flight: a.peak_in_flight,
                    latency_ms: LatencyReport::of(&a.latency),
                    rotations: a.version,
                    cache_ttl_s: cache_ttl_of(config, a.name()),
                })
                .collect(),
            flows: sim.flows().iter().map(|f| FlowReport::of(sim, f)).collect(),
            payload_rejected: services.payload_rejected,
            claim_checks: services.claim_checks,
            events: sim.events_processed(),
        }
    }

    /// Pretty JSON (stable key order, so equal runs give equal bytes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report with a graded challenge: `{"report": ..., "objectives": [...], "passed": bool}`.
    pub fn to_json_with_objectives(&self, grades: &[objectives::ObjectiveResult]) -> String {
        let passed = grades.iter().all(|g| g.passed);
        let value = serde_json::json!({ "report": self, "objectives": grades, "passed": passed });
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// A readable summary for a student.
    pub fn to_text(&self) -> String {
        text::render(self)
    }
}
