//! One function's report (`FunctionReport`: invocations, cold starts, throttles,
//! environments, /tmp, logs, SnapStart) with its parts and the builder that reads it off
//! the function's state, and its role against what it did (`PermissionsReport`).

use crate::sim::Simulation;
use crate::sim::function::pool::FunctionState;
use crate::sim::function::provider::Billing;
use serde::Serialize;

use super::{DurationReport, is_one, is_zero, is_zero_f64, ratio};

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

/// Structured log lines a handler wrote at its decision points, by level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LoggedReport {
    pub info: u64,
    pub warn: u64,
    pub error: u64,
}

pub(super) fn function_report(sim: &Simulation, index: usize, f: &FunctionState) -> FunctionReport {
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
