//! Buckets, third-party APIs and databases, and the data residency buckets and
//! databases may require (`residency_problem`).

use crate::sim::config::SimConfig;
use crate::sim::services::api::ApiSpec;
use crate::sim::services::database::DatabaseSpec;
use crate::sim::services::residency::within;
use crate::sim::services::storage::BucketSpec;

use super::{At, Names, join};

impl BucketSpec {
    pub(super) fn problems(&self, names: &Names, at: &mut At) {
        if let Some(problem) = self.notify.as_deref().and_then(|f| names.unknown_function(f)) {
            at.push("notify", problem);
        }
        if let Some(problem) = self.residency.as_deref().and_then(|r| residency_problem(r, names.config)) {
            at.push("residency", problem);
        }
    }
}

impl ApiSpec {
    pub(super) fn problems(&self, at: &mut At) {
        if let Some(r) = &self.rate_limit {
            if !(r.per_second.is_finite() && r.per_second > 0.0 && r.per_second <= 1e6) {
                at.push(
                    "rate_limit.per_second",
                    format!("a rate above 0 and at most 1e6 a second, got {}", r.per_second),
                );
            }
            if r.burst == 0 {
                at.push("rate_limit.burst", "a burst of at least one request".into());
            }
        }
        if self.max_concurrency == Some(0) {
            at.push("max_concurrency", "at least one request at a time".into());
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            at.push("error_rate", format!("a fraction in 0..1, got {}", self.error_rate));
        }
        if !(0.0..=1.0).contains(&self.declines) {
            at.push("declines", format!("a fraction of requests in 0..1, got {}", self.declines));
        }
        for (field, message) in self.latency.problems() {
            at.push(&join("latency", field), message);
        }
    }
}

/// A residency must be a jurisdiction or region some region of the scenario lies in
/// (a typo would otherwise make every access a violation).
fn residency_problem(residency: &str, config: &SimConfig) -> Option<String> {
    let regions = config.regions();
    if regions.iter().any(|r| within(r, residency)) {
        return None;
    }
    Some(format!(
        "a jurisdiction (\"eu\") or region that one of the scenario's regions lies in ({}), got \"{residency}\"",
        regions.join(", ")
    ))
}

impl DatabaseSpec {
    pub(super) fn problems(&self, config: &SimConfig, at: &mut At) {
        let d = self;
        if let Some(problem) = d.residency.as_deref().and_then(|r| residency_problem(r, config)) {
            at.push("residency", problem);
        }
        if d.max_connections == 0 {
            at.push("max_connections", "at least one connection".into());
        }
        if d.max_parallel_queries == 0 {
            at.push("max_parallel_queries", "at least one query at a time".into());
        }
        if let Some(p) = &d.pooler
            && (p.pool_size == 0 || p.pool_size > d.max_connections)
        {
            at.push("pooler.pool_size", format!("1..max_connections ({}), got {}", d.max_connections, p.pool_size));
        }
        for (field, message) in d.query_time.problems() {
            at.push(&join("query_time", field), message);
        }
    }
}
