//! Summaries of a run: what the CLI prints (text or JSON) and what tests assert on.
//! This file holds the whole run's `Report`, `Report::of` that reads it off a
//! simulation, and the small helpers the report structs share; the sections live in:
//! `latency` (requests, latency, completion), `function` (per function, permissions),
//! `billing` (cost), `triggers` (per trigger, WebSocket), `services` (queues, databases,
//! buckets, streams, buses, workflows, APIs), `flows`; `text` and `export` format them.

mod billing;
pub mod export;
mod flows;
mod function;
mod latency;
pub mod objectives;
mod services;
mod text;

pub use text::count;
mod triggers;

pub use billing::{CostReport, function_cost_usd, instance_usd};
pub use flows::{EffectReport, FlowReport, StopReport};
pub use function::{FunctionReport, LoggedReport, PermissionsReport, ThrottleReport};
pub use latency::{CompletionReport, DurationReport, LatencyReport, RequestsReport};
pub use services::{
    ApiReport, BucketReport, BusReport, DatabaseReport, QueueReport, ResidencyReport, ResidencyViolator, StreamReport,
    WorkflowReport,
};
pub use triggers::{TriggerReport, WebSocketReport};

use crate::sim::Simulation;
use crate::sim::kernel::cost::{self, MONTH_SECS};
use billing::usage_of;
use function::function_report;
use latency::requests_of;
use serde::Serialize;
use services::{cache_ttl_of, database_report, over_time, queue_report};
use triggers::websocket_report;

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

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
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
