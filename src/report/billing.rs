//! What the measured window cost: the run's `CostReport`, what each function consumed
//! (`usage_of`) and the bill of functions billed per instance (`instance_usd`,
//! `function_cost_usd`).

use crate::sim::Simulation;
use crate::sim::function::provider::{Billing, instance_bill};
use crate::sim::kernel::cost;
use serde::Serialize;

use super::is_zero_f64;

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

/// What function `index` consumed over the measured window.
pub(super) fn usage_of(sim: &Simulation, index: usize) -> (cost::Architecture, cost::Usage) {
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
