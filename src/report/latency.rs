//! Request outcomes and latency: the counts every trigger and the whole run report
//! (`RequestsReport`), latency percentiles (`LatencyReport`, `DurationReport`) and a
//! pipeline's end-to-end completion (`CompletionReport`).

use crate::sim::Simulation;
use crate::sim::kernel::metrics::Histogram;
use serde::Serialize;

use super::is_zero;

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
    pub(super) fn of(h: &Histogram) -> LatencyReport {
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
    pub(super) fn of(sim: &Simulation) -> Option<CompletionReport> {
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

pub(super) fn requests_of(c: &crate::sim::trigger::RequestCounters) -> RequestsReport {
    RequestsReport {
        arrived: c.arrived,
        succeeded: c.succeeded,
        failed: c.failed,
        throttled: c.throttled,
        timed_out: c.timed_out,
        in_flight: c.in_flight(),
    }
}
