//! What a run simulates: the validated model a scenario file turns into.

use crate::sim::function::FunctionSpec;
use crate::sim::kernel::cost::ServerFleet;
use crate::sim::kernel::time::SimDuration;
use crate::sim::names::{Named, index_of};
use crate::sim::services::api::ApiSpec;
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

/// The highest account concurrency limit a run accepts (AWS's default is 1000; quotas
/// are raised to tens of thousands): every environment in use has a slot in memory
/// (about 200 bytes), so this bounds what a run's environments can take.
pub const MAX_CONCURRENCY_LIMIT: u32 = 1_000_000;

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
    /// The platform (`AwsLambda`, `CloudRunFunctions`, `AzureFlexConsumption`): its
    /// default per-environment concurrency, billing, prices and longest timeout.
    #[serde(default, skip_serializing_if = "is_aws")]
    pub provider: crate::sim::function::provider::Provider,
}

fn is_aws(p: &crate::sim::function::provider::Provider) -> bool {
    *p == crate::sim::function::provider::Provider::AwsLambda
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

/// Concurrency AWS keeps unreserved in every account, for the functions without a
/// reservation ("Lambda always reserves 100 units of concurrency for functions that
/// don't explicitly reserve concurrency", Lambda developer guide, Configuring reserved
/// concurrency).
pub const UNRESERVED_MINIMUM: u32 = 100;

impl Account {
    /// The most concurrency all functions together may reserve.
    pub fn reservable(&self) -> u32 {
        self.concurrency_limit.saturating_sub(UNRESERVED_MINIMUM)
    }

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
            provider: Default::default(),
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

macro_rules! named {
    ($($t:ty),*) => { $(impl Named for $t { fn name(&self) -> &str { &self.name } })* };
}
named!(FunctionSpec, QueueSpec, DatabaseSpec, BusSpec, BucketSpec, StreamSpec, WorkflowSpec, ApiSpec);

/// Everything a run needs besides the seed.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    pub duration: SimDuration,
    /// Metrics ignore requests that arrive before this.
    pub warmup: SimDuration,
    pub account: Account,
    pub functions: Vec<std::sync::Arc<FunctionSpec>>,
    /// Shared with the run's triggers, as `functions` are with its functions.
    pub triggers: Vec<std::sync::Arc<TriggerSpec>>,
    pub queues: Vec<QueueSpec>,
    pub databases: Vec<DatabaseSpec>,
    pub buses: Vec<BusSpec>,
    pub buckets: Vec<BucketSpec>,
    pub streams: Vec<StreamSpec>,
    pub workflows: Vec<WorkflowSpec>,
    pub apis: Vec<ApiSpec>,
    /// Requirements: the effects each request of some triggers must cause.
    pub flows: Vec<crate::sim::services::flows::FlowSpec>,
    pub server_fleet: ServerFleet,
    /// Arrival-rate multipliers by trigger name (the `rate` and `enabled` knobs):
    /// 1 when absent, 0 = the trigger sends nothing.
    pub rate_scales: BTreeMap<String, f64>,
    /// Queues whose dead-letter queue is written but not attached (the `dlq` knob).
    pub detached_dlqs: Vec<String>,
    /// Triggers whose requests the always-on server fleet serves instead of functions
    /// (the `fleet` knob): the workload moved off serverless, priced by the hour.
    pub fleet_triggers: Vec<String>,
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
    /// Every region the scenario names (the account's first), each once.
    pub fn regions(&self) -> Vec<&str> {
        let account = &self.account;
        let links = account.latency.iter().flat_map(|l| [l.from.as_str(), l.to.as_str()]);
        let placed = (self.functions.iter().map(|f| f.region.as_deref()))
            .chain(self.databases.iter().map(|d| d.region.as_deref()))
            .chain(self.buckets.iter().map(|b| b.region.as_deref()))
            .flatten();
        let mut regions = vec![account.region.as_str()];
        for r in links.chain(placed) {
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
        regions
    }

    /// A run of `duration` with default account settings and nothing in it yet (tools,
    /// benches and tests fill it in).
    pub fn empty(seed: u64, duration: SimDuration) -> SimConfig {
        SimConfig {
            seed,
            duration,
            warmup: SimDuration::ZERO,
            account: Account::default(),
            functions: Vec::new(),
            triggers: Vec::new(),
            queues: Vec::new(),
            databases: Vec::new(),
            buses: Vec::new(),
            buckets: Vec::new(),
            streams: Vec::new(),
            workflows: Vec::new(),
            server_fleet: ServerFleet::default(),
            rate_scales: BTreeMap::new(),
            detached_dlqs: Vec::new(),
            fleet_triggers: Vec::new(),
            apis: Vec::new(),
            flows: Vec::new(),
            timeline: Vec::new(),
        }
    }

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

    /// Function `index`'s spec, to change: copied first if a run shares it (a run's
    /// model keeps the spec it was compiled from until a knob recompiles it).
    pub fn function_mut(&mut self, index: usize) -> &mut FunctionSpec {
        std::sync::Arc::make_mut(&mut self.functions[index])
    }

    /// Trigger `index`'s spec, to change: copied first if a run shares it.
    pub fn trigger_mut(&mut self, index: usize) -> &mut TriggerSpec {
        std::sync::Arc::make_mut(&mut self.triggers[index])
    }

    /// Specs as the configuration holds them, shared. Not `collect`ed: collecting in
    /// place would keep the plain list's buffer (760 bytes a function) as the shared
    /// list's, 100 MB unused behind 100 000 functions.
    pub fn shared<T>(specs: Vec<T>) -> Vec<std::sync::Arc<T>> {
        let mut shared = Vec::with_capacity(specs.len());
        shared.extend(specs.into_iter().map(std::sync::Arc::new));
        shared
    }

    pub fn set_rate_scale(&mut self, index: usize, scale: f64) {
        let name = self.triggers[index].name().to_string();
        if scale == 1.0 {
            self.rate_scales.remove(&name);
        } else {
            self.rate_scales.insert(name, scale);
        }
    }
}
