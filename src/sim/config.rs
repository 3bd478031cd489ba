//! What a run simulates: the validated model a scenario file turns into.

use crate::sim::function::{FunctionSpec, InitStyle, KeepAlive, MAX_MEMORY_MB, MAX_TIMEOUT, MIN_MEMORY_MB};
use crate::sim::kernel::arrivals::Arrivals;
use crate::sim::kernel::cost::ServerFleet;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::bus::BusSpec;
use crate::sim::services::database::DatabaseSpec;
use crate::sim::services::queue::QueueSpec;
use crate::sim::services::storage::{BucketSpec, PayloadLimits};
use crate::sim::services::stream::StreamSpec;
use crate::sim::services::workflow::WorkflowSpec;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most arrivals a run may expect: at the engine's measured speed (several million
/// a second) this is minutes of work; more than this is almost surely a typo.
pub const MAX_EXPECTED_ARRIVALS: f64 = 1e9;

/// Account (region) settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// Concurrent executions across all functions (AWS default 1000).
    #[serde(default = "default_limit")]
    pub concurrency_limit: u32,
    /// How fast each function may add environments.
    #[serde(default)]
    pub scaling_rate: ScalingRate,
    /// Take the monthly free tier (1M requests, 400,000 GB-s), pro-rated to the run.
    #[serde(default)]
    pub free_tier: bool,
    /// Where functions, databases and clients are unless they say otherwise.
    #[serde(default = "default_region")]
    pub region: String,
    /// Round-trip times between regions (either direction); unlisted pairs of distinct
    /// regions take `DEFAULT_CROSS_REGION_RTT`.
    #[serde(default)]
    pub latency: Vec<RegionLink>,
    /// Payload size limits.
    #[serde(default)]
    pub limits: PayloadLimits,
}

/// The network round trip between two regions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionLink {
    pub from: String,
    pub to: String,
    pub rtt: SimDuration,
}

/// Round trip between two regions nobody described (a transatlantic order of magnitude).
pub const DEFAULT_CROSS_REGION_RTT: SimDuration = SimDuration::from_millis(100);

fn default_region() -> String {
    "us-east-1".into()
}

impl Account {
    /// The round trip between two regions (zero within one).
    pub fn rtt(&self, a: &str, b: &str) -> SimDuration {
        if a == b {
            return SimDuration::ZERO;
        }
        self.latency
            .iter()
            .find(|l| (l.from == a && l.to == b) || (l.from == b && l.to == a))
            .map_or(DEFAULT_CROSS_REGION_RTT, |l| l.rtt)
    }
}

fn default_limit() -> u32 {
    1000
}

impl Default for Account {
    fn default() -> Self {
        Account {
            concurrency_limit: default_limit(),
            scaling_rate: ScalingRate::default(),
            free_tier: false,
            region: default_region(),
            latency: Vec::new(),
            limits: PayloadLimits::default(),
        }
    }
}

/// At most `environments` new environments per `per`, per function (AWS: 1000 every 10 s).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingRate {
    pub environments: u32,
    pub per: SimDuration,
}

impl Default for ScalingRate {
    fn default() -> Self {
        ScalingRate { environments: 1000, per: SimDuration::from_secs(10) }
    }
}

/// What a scenario refers to by name (functions, queues, databases, ...).
pub trait Named {
    fn name(&self) -> &str;
}

macro_rules! named {
    ($($t:ty),*) => { $(impl Named for $t { fn name(&self) -> &str { &self.name } })* };
}
named!(FunctionSpec, QueueSpec, DatabaseSpec, BusSpec, BucketSpec, StreamSpec, WorkflowSpec);

/// The index of the item called `name` (scenarios refer by name, the sim by index).
pub fn index_of<T: Named>(items: &[T], name: &str) -> Option<u32> {
    items.iter().position(|i| i.name() == name).map(|i| i as u32)
}

/// Everything a run needs besides the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    pub duration: SimDuration,
    /// Metrics ignore requests that arrive before this.
    pub warmup: SimDuration,
    pub account: Account,
    pub functions: Vec<FunctionSpec>,
    pub triggers: Vec<TriggerSpec>,
    pub queues: Vec<QueueSpec>,
    pub databases: Vec<DatabaseSpec>,
    pub buses: Vec<BusSpec>,
    pub buckets: Vec<BucketSpec>,
    pub streams: Vec<StreamSpec>,
    pub workflows: Vec<WorkflowSpec>,
    pub server_fleet: ServerFleet,
    /// Arrival-rate multipliers by trigger name (the `rate` and `enabled` knobs):
    /// 1 when absent, 0 = the trigger sends nothing.
    pub rate_scales: BTreeMap<String, f64>,
    /// Queues whose dead-letter queue is written but not attached (the `dlq` knob).
    pub detached_dlqs: Vec<String>,
    /// Scripted changes at simulated times (classroom demos, fault injection).
    pub timeline: Vec<crate::sim::timeline::TimelineEntry>,
}

/// A problem with a configuration: where (a path such as `functions[0].memory_mb`)
/// and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl SimConfig {
    /// The arrival-rate multiplier of trigger `index` (1 unless a knob changed it).
    pub fn rate_scale_of(&self, index: usize) -> f64 {
        self.rate_scales.get(self.triggers[index].name()).copied().unwrap_or(1.0)
    }

    /// The index of the node `trigger` feeds, among the nodes of its target kind.
    pub fn target_index(&self, trigger: &TriggerSpec) -> Option<u32> {
        let name = trigger.target();
        match trigger.target_kind() {
            TargetKind::Function => index_of(&self.functions, name),
            TargetKind::Queue => index_of(&self.queues, name),
            TargetKind::Bus => index_of(&self.buses, name),
            TargetKind::Bucket => index_of(&self.buckets, name),
            TargetKind::Stream => index_of(&self.streams, name),
            TargetKind::Workflow => index_of(&self.workflows, name),
        }
    }

    pub fn set_rate_scale(&mut self, index: usize, scale: f64) {
        let name = self.triggers[index].name().to_string();
        if scale == 1.0 {
            self.rate_scales.remove(&name);
        } else {
            self.rate_scales.insert(name, scale);
        }
    }

    /// Every problem found (not only the first); empty when the configuration can run.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut push = |path: String, message: String| out.push(Problem { path, message });
        if self.duration.0 == 0 {
            push("duration".into(), "the run must last longer than zero".into());
        }
        if self.warmup >= self.duration && self.duration.0 > 0 {
            push(
                "warmup".into(),
                format!("warm-up ({}) must end before the run does ({})", self.warmup, self.duration),
            );
        }
        let limit = self.account.concurrency_limit;
        if limit == 0 {
            push("account.concurrency_limit".into(), "the account needs a concurrency limit above zero".into());
        }
        let rate = &self.account.scaling_rate;
        if rate.environments == 0 || rate.per.0 == 0 {
            push("account.scaling_rate".into(), "the scaling rate needs environments > 0 per a time above zero".into());
        }
        let mut reserved_total: u64 = 0;
        for (i, f) in self.functions.iter().enumerate() {
            let at = |field: &str| format!("functions[{i}].{field}");
            if f.name.trim().is_empty() {
                push(at("name"), "a function needs a name".into());
            }
            if self.functions[..i].iter().any(|g| g.name == f.name) {
                push(at("name"), format!("the name \"{}\" is used by another function", f.name));
            }
            if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&f.memory_mb) {
                push(
                    at("memory_mb"),
                    format!("memory must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {}", f.memory_mb),
                );
            }
            if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&f.duration_at_mb) {
                push(
                    at("duration_at_mb"),
                    format!("must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {}", f.duration_at_mb),
                );
            }
            if f.timeout.0 < 1000 || f.timeout > MAX_TIMEOUT {
                push(at("timeout"), format!("the timeout must be 1ms..900s, got {}", f.timeout));
            }
            if !(0.0..=1.0).contains(&f.error_rate) {
                push(at("error_rate"), format!("error_rate is a fraction in 0..1, got {}", f.error_rate));
            }
            if !(0.0..=1.0).contains(&f.cpu_bound) {
                push(at("cpu_bound"), format!("cpu_bound is a fraction in 0..1, got {}", f.cpu_bound));
            }
            if f.threads == 0 || f.threads > 64 {
                push(at("threads"), format!("threads must be 1..64, got {}", f.threads));
            }
            if !(0.0..=250.0).contains(&f.package_mb) {
                push(at("package_mb"), format!("package size must be 0..250 MB, got {}", f.package_mb));
            }
            if let InitStyle::Lazy { first_request_share } = f.init
                && !(0.0..=1.0).contains(&first_request_share)
            {
                push(at("init.first_request_share"), format!("a fraction in 0..1, got {first_request_share}"));
            }
            if let Some(r) = f.reserved_concurrency {
                reserved_total += u64::from(r);
                if r > limit {
                    push(at("reserved_concurrency"), format!("{r} is above the account limit ({limit})"));
                }
                if f.provisioned_concurrency > r {
                    push(
                        at("provisioned_concurrency"),
                        format!("{} is above the function's reserved concurrency ({r})", f.provisioned_concurrency),
                    );
                }
            }
            if f.provisioned_concurrency > limit {
                push(
                    at("provisioned_concurrency"),
                    format!("{} is above the account limit ({limit})", f.provisioned_concurrency),
                );
            }
            if let Some(life) = f.max_lifetime
                && life.0 == 0
            {
                push(at("max_lifetime"), "a lifetime must be above zero".into());
            }
            for (field, message) in f.duration.problems() {
                push(join(&at("duration"), field), message);
            }
            if let crate::sim::function::Runtime::Custom { cold_start } = &f.runtime {
                for (field, message) in cold_start.problems() {
                    push(join(&at("runtime.cold_start"), field), message);
                }
            }
            if let Some(init) = &f.init_code {
                for (field, message) in init.problems() {
                    push(join(&at("init_code"), field), message);
                }
            }
            if let KeepAlive::Random(dist) = &f.keep_alive {
                for (field, message) in dist.problems() {
                    push(join(&at("keep_alive"), field), message);
                }
            }
        }
        if reserved_total > u64::from(limit) {
            push(
                "account.concurrency_limit".into(),
                format!("functions reserve {reserved_total} in total, more than the account limit ({limit})"),
            );
        }
        let mut expected = 0.0;
        for (i, t) in self.triggers.iter().enumerate() {
            let at = |field: &str| format!("triggers[{i}].{field}");
            if t.name().trim().is_empty() {
                push(at("name"), "a trigger needs a name".into());
            }
            if self.triggers[..i].iter().any(|u| u.name() == t.name()) {
                push(at("name"), format!("the name \"{}\" is used by another trigger", t.name()));
            }
            let target = t.target();
            let (field, problem) = match t.target_kind() {
                TargetKind::Function => ("target", self.unknown_function(target)),
                TargetKind::Queue => ("queue", self.unknown_queue(target)),
                TargetKind::Bus => ("bus", self.unknown_bus(target)),
                TargetKind::Bucket => ("bucket", self.unknown_bucket(target)),
                TargetKind::Stream => ("stream", self.unknown_stream(target)),
                TargetKind::Workflow => ("workflow", self.unknown_workflow(target)),
            };
            if let Some(problem) = problem {
                push(at(field), problem);
            }
            if let Some(p) = t.payload() {
                for message in p.size_kb.problems() {
                    push(at("payload.size_kb"), message);
                }
                if let Some(problem) = p.claim_check.as_deref().and_then(|b| self.unknown_bucket(b)) {
                    push(at("payload.claim_check"), problem);
                }
            }
            if let TriggerSpec::Upload { size_kb, .. } = t {
                for message in size_kb.problems() {
                    push(at("size_kb"), message);
                }
            }
            if let TriggerSpec::Schedule { arrivals, .. } = t
                && !matches!(arrivals, Arrivals::Every { .. } | Arrivals::Daily { .. })
            {
                push(at("arrivals"), "a schedule runs Every(period: ...) or Daily(times: [...])".into());
            }
            if let TriggerSpec::Producer { poison, .. } | TriggerSpec::Writes { poison, .. } = t
                && !(0.0..=1.0).contains(poison)
            {
                push(at("poison"), format!("a fraction in 0..1, got {poison}"));
            }
            for (field, message) in t.arrivals().problems() {
                push(join(&at("arrivals"), &field), message);
            }
            expected += t.arrivals().expected_count(self.duration);
        }
        if expected > MAX_EXPECTED_ARRIVALS {
            push(
                "triggers".into(),
                format!(
                    "the run would see about {expected:.3e} requests, more than the {MAX_EXPECTED_ARRIVALS:.0e} a run may have: lower a rate or the duration"
                ),
            );
        }
        let fleet = &self.server_fleet;
        if !fleet.hourly_usd.is_finite() || fleet.hourly_usd < 0.0 {
            push("server_fleet.hourly_usd".into(), format!("a price >= 0, got {}", fleet.hourly_usd));
        }
        if fleet.concurrency_per_instance == 0 {
            push("server_fleet.concurrency_per_instance".into(), "an instance serves at least one request".into());
        }
        self.service_problems(&mut out);
        self.setting_problems(&mut out);
        crate::sim::timeline::problems(self, &mut out);
        out
    }

    /// Problems with the knob-set fields: rate multipliers and detached DLQs.
    fn setting_problems(&self, out: &mut Vec<Problem>) {
        let range = crate::sim::knobs::RATE_SCALE_RANGE;
        for (name, scale) in &self.rate_scales {
            let path = format!("rate_scales[\"{name}\"]");
            if !self.triggers.iter().any(|t| t.name() == name) {
                out.push(Problem { path: path.clone(), message: format!("no trigger \"{name}\"") });
            }
            if !(*scale == 0.0 || range.contains(scale)) {
                let message =
                    format!("a rate multiplier is 0 (off) or {}..{}, got {scale}", range.start(), range.end());
                out.push(Problem { path, message });
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

pub(crate) fn join(base: &str, field: &str) -> String {
    if field.is_empty() { base.to_string() } else { format!("{base}.{field}") }
}
