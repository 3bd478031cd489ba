//! The whole configuration: `SimConfig::problems` (the entry point, which checks each
//! list of specs in turn), the run's length and the account (concurrency limit and
//! reservations, scaling rate, payload limits), the comparison fleet, the knob-set
//! fields (rate multipliers, triggers moved to the fleet, detached DLQs) and the
//! arrivals a run expects.

use crate::sim::config::{MAX_CONCURRENCY_LIMIT, MAX_EXPECTED_ARRIVALS, Problem, SimConfig, UNRESERVED_MINIMUM};
use crate::sim::kernel::num;
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs;
use crate::sim::names::quoted;
use crate::sim::services::storage::MAX_OBJECT_KB;
use crate::sim::timeline::TimelineAction;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use std::collections::HashSet;

use super::timeline::timeline_problems;
use super::{At, Names, each};

/// The most an instance-hour of the comparison fleet may cost (the dearest cloud
/// instances are about $100 an hour).
const MAX_HOURLY_USD: f64 = 1e6;

impl SimConfig {
    /// Every problem found (not only the first); empty when the configuration can run.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let names = Names::of(self);
        self.run_problems(&mut out);
        each(&mut out, "functions", "function", &self.functions, |f, at| f.problems(self, &names, at));
        let reserved_total: u64 = self.functions.iter().filter_map(|f| f.reserved_concurrency).map(u64::from).sum();
        let limit = self.account.concurrency_limit;
        if reserved_total > u64::from(self.account.reservable()) && reserved_total <= u64::from(limit) {
            out.push(Problem {
                path: "account.concurrency_limit".into(),
                message: format!(
                    "functions reserve {reserved_total} in total; AWS keeps {UNRESERVED_MINIMUM} of the account's {limit} unreserved, so at most {} can be reserved",
                    self.account.reservable()
                ),
            });
        } else if reserved_total > u64::from(limit) {
            out.push(Problem {
                path: "account.concurrency_limit".into(),
                message: format!("functions reserve {reserved_total} in total, more than the account limit ({limit})"),
            });
        } else {
            // Provisioned environments of functions without a reservation take the
            // account's unreserved concurrency: AWS refuses more than it has.
            let unreserved = u64::from(limit) - reserved_total;
            let mut provisioned = 0u64;
            for (i, f) in self.functions.iter().enumerate() {
                if f.reserved_concurrency.is_some() || f.provisioned_concurrency == 0 {
                    continue;
                }
                provisioned += u64::from(f.provisioned_concurrency);
                if provisioned > unreserved {
                    out.push(Problem {
                        path: format!("functions[{i}].provisioned_concurrency"),
                        message: format!(
                            "functions without a reservation provision {provisioned} environments up to here, more than the account's unreserved concurrency ({unreserved})"
                        ),
                    });
                    break;
                }
            }
        }
        let mut seen = HashSet::with_capacity(self.triggers.len());
        for (i, t) in self.triggers.iter().enumerate() {
            let mut at = At { out: &mut out, path: format!("triggers[{i}]") };
            if !seen.insert(t.name()) {
                at.push("name", format!("the name {} is used by another trigger", quoted(t.name())));
            }
            t.problems(&names, &mut at);
        }
        let expected = self.expected_arrivals();
        if expected > MAX_EXPECTED_ARRIVALS {
            out.push(Problem {
                path: "triggers".into(),
                message: format!(
                    "the run would see about {expected:.3e} requests, more than the {MAX_EXPECTED_ARRIVALS:.0e} a run may have (rate multipliers and rate changes on the timeline included): lower a rate or the duration"
                ),
            });
        }
        self.fleet_problems(&mut out);
        each(&mut out, "queues", "queue", &self.queues, |q, at| q.problems(&names, at));
        each(&mut out, "workflows", "workflow", &self.workflows, |w, at| w.problems(&names, at));
        each(&mut out, "streams", "stream", &self.streams, |s, at| s.problems(&names, at));
        each(&mut out, "buckets", "bucket", &self.buckets, |b, at| b.problems(&names, at));
        each(&mut out, "buses", "bus", &self.buses, |b, at| b.problems(&names, at));
        each(&mut out, "databases", "database", &self.databases, |d, at| d.problems(self, at));
        each(&mut out, "apis", "API", &self.apis, |a, at| a.problems(at));
        let triggers: HashSet<&str> = self.triggers.iter().map(|t| t.name()).collect();
        let mut claimed: HashSet<&str> = HashSet::new();
        each(&mut out, "flows", "flow", &self.flows, |f, at| f.problems(&names, &triggers, &mut claimed, at));
        self.setting_problems(&mut out);
        timeline_problems(self, &mut out);
        out
    }

    /// Arrivals the run expects over all triggers, each trigger's rate multiplier (the
    /// `rate` knob) applied, and changed where the timeline sets it.
    pub fn expected_arrivals(&self) -> f64 {
        // (time, multiplier) of each timeline change of a trigger's rate, in order.
        let mut changes: std::collections::HashMap<usize, Vec<(SimDuration, f64)>> = Default::default();
        for entry in &self.timeline {
            if let TimelineAction::Set { knob, value } = &entry.action
                && let Ok(change) = knobs::parse(self, knob, value)
                && change.id.owner() == knobs::Owner::Trigger
                && change.id.property() == "rate"
                && let Some(scale) = change.value.number()
            {
                changes.entry(change.id.index).or_default().push((entry.at, scale));
            }
        }
        let run = self.duration;
        let mut total = 0.0;
        for (i, t) in self.triggers.iter().enumerate() {
            let arrivals = t.arrivals();
            let mut scale = self.rate_scale_of(i);
            let mut from = SimDuration::ZERO;
            let mut steps = changes.remove(&i).unwrap_or_default();
            steps.sort_by_key(|(at, _)| *at); // stable: entries at the same time apply in order
            let mut count = 0.0;
            for (at, next) in steps.into_iter().filter(|(at, _)| *at < run) {
                count += scale * (arrivals.expected_count(at) - arrivals.expected_count(from)).max(0.0);
                (from, scale) = (at, next);
            }
            count += scale * (arrivals.expected_count(run) - arrivals.expected_count(from)).max(0.0);
            if let TriggerSpec::Http { websocket: Some(w), .. } = &**t {
                // Each connection brings its messages (at most a session's worth).
                let session = w.session.mean_secs().min(crate::sim::websocket::MAX_SESSION.as_secs_f64());
                count *= 1.0 + w.messages_per_minute.max(0.0) / 60.0 * session;
            }
            total += count;
        }
        total
    }

    /// The run's length and the account.
    fn run_problems(&self, out: &mut Vec<Problem>) {
        let mut push = |path: &str, message: String| out.push(Problem { path: path.into(), message });
        if self.duration.0 == 0 {
            push("duration", "the run must last longer than zero".into());
        }
        if self.warmup >= self.duration && self.duration.0 > 0 {
            push("warmup", format!("warm-up ({}) must end before the run does ({})", self.warmup, self.duration));
        }
        if self.account.concurrency_limit == 0 || self.account.concurrency_limit > MAX_CONCURRENCY_LIMIT {
            push(
                "account.concurrency_limit",
                format!(
                    "the account's concurrency limit is 1..{MAX_CONCURRENCY_LIMIT} (AWS's default is 1000), got {}",
                    self.account.concurrency_limit
                ),
            );
        }
        let rate = &self.account.scaling_rate;
        if rate.environments == 0 || rate.per.0 == 0 {
            push("account.scaling_rate", "the scaling rate needs environments > 0 per a time above zero".into());
        }
    }

    fn fleet_problems(&self, out: &mut Vec<Problem>) {
        let fleet = &self.server_fleet;
        if !(fleet.hourly_usd.is_finite() && (0.0..=MAX_HOURLY_USD).contains(&fleet.hourly_usd)) {
            out.push(Problem {
                path: "server_fleet.hourly_usd".into(),
                message: format!(
                    "a price per instance-hour in USD, 0..{}, got {}",
                    num(MAX_HOURLY_USD),
                    num(fleet.hourly_usd)
                ),
            });
        }
        let limits = &self.account.limits;
        for (field, kb) in
            [("sync_kb", limits.sync_kb), ("async_kb", limits.async_kb), ("message_kb", limits.message_kb)]
        {
            if !(kb.is_finite() && kb > 0.0 && kb <= MAX_OBJECT_KB) {
                out.push(Problem {
                    path: format!("account.limits.{field}"),
                    message: format!("a payload limit in KB above 0 and at most 5e9, got {}", num(kb)),
                });
            }
        }
        if fleet.connections_per_instance == 0 {
            out.push(Problem {
                path: "server_fleet.connections_per_instance".into(),
                message: "an instance holds at least one connection".into(),
            });
        }
        if fleet.concurrency_per_instance == 0 {
            out.push(Problem {
                path: "server_fleet.concurrency_per_instance".into(),
                message: "an instance serves at least one request".into(),
            });
        }
    }

    /// Problems with the knob-set fields: rate multipliers and detached DLQs.
    fn setting_problems(&self, out: &mut Vec<Problem>) {
        let range = crate::sim::knobs::RATE_SCALE_RANGE;
        let triggers: HashSet<&str> = self.triggers.iter().map(|t| t.name()).collect();
        for (name, scale) in &self.rate_scales {
            let path = format!("rate_scales[\"{name}\"]");
            if !triggers.contains(name.as_str()) {
                out.push(Problem { path: path.clone(), message: format!("no trigger \"{name}\"") });
            }
            if !(*scale == 0.0 || range.contains(scale)) {
                let message =
                    format!("a rate multiplier is 0 (off) or {}..{}, got {}", range.start(), range.end(), num(*scale));
                out.push(Problem { path, message });
            }
        }
        for (i, name) in self.fleet_triggers.iter().enumerate() {
            let trigger = self.triggers.iter().find(|t| t.name() == name);
            if !trigger.is_some_and(|t| t.target_kind() == TargetKind::Function) {
                let message =
                    format!("no trigger \"{name}\" that invokes a function (only those can move to the fleet)");
                out.push(Problem { path: format!("fleet_triggers[{i}]"), message });
            }
        }
        for (i, name) in self.detached_dlqs.iter().enumerate() {
            if !self.queues.iter().any(|q| q.name == *name && q.dlq.is_some()) {
                let message = format!("no queue \"{name}\" with a dead-letter queue");
                out.push(Problem { path: format!("detached_dlqs[{i}]"), message });
            }
        }
    }
}
