//! Environments that serve several requests at once (`per_environment_concurrency`
//! above 1: Cloud Run, Azure Flex Consumption, Lambda Managed Instances).
//!
//! - Routing: a request goes to the busiest running environment that has room (so the
//!   traffic packs onto as few as it needs and the rest go idle and expire), else the
//!   most recently used idle one, else joins one still starting that has room (and waits
//!   for its init); only when every environment is full does a new one start. So a burst of B requests starts
//!   ceil(B/N) environments. (Cloud Run also adds instances to keep their average CPU
//!   utilisation over a minute near 60%, "About instance autoscaling",
//!   cloud.google.com/run/docs/about-instance-autoscaling; that rule is not modelled:
//!   docs/model.md.)
//! - Each request runs in a *lane* (a slot of its own holding the request, not counted
//!   as an environment); the environment's state (database connections, /tmp, cached
//!   answers, the cache's warmth) lives in its *home* slot, shared by its lanes. One
//!   environment opens one connection per database at its init, and its requests share
//!   it: database connections are per environment, not per request.
//! - CPU: the CPU-bound part of a handler's own work (`cpu_bound` of it) runs under
//!   processor sharing: k requests in their CPU phase on an environment of c vCPUs, each
//!   able to use u = min(c, threads) vCPUs, progress at min(1, c / (k u)) of their solo
//!   speed. The rest of the handler's time and its downstream calls are waits that
//!   share nothing. (The CPU phase runs first, then the wait.)
//! - Concurrency limits (reserved, the account's, the scaling rate) count environments,
//!   as Cloud Run's maximum instances do.
//!
//! Nothing here runs when every function serves one request per environment: the
//! function's `shared` is None and the pool works as it always did. This file holds the
//! state; `shared_invoke.rs` the requests' path through it.

use crate::sim::function::{FunctionSpec, vcpus};
use crate::sim::kernel::time::{SimDuration, SimTime};

/// The shared environments of one function.
#[derive(Clone, Debug)]
pub(crate) struct SharedPool {
    /// Requests one environment serves at once.
    pub per_environment: u32,
    /// For each slot: the home slot of the environment it belongs to (a lane's
    /// environment; a home is its own).
    pub(super) homes: Vec<u32>,
    /// For each home slot: its environment's load.
    pub(super) loads: Vec<Load>,
    /// The homes of live environments, oldest first.
    pub(super) live: Vec<u32>,
}

#[derive(Clone, Debug, Default)]
pub(super) struct Load {
    /// Requests on it (waiting for its init, running, or in their downstream calls).
    pub(super) active: u32,
    /// Lanes waiting for its init to finish.
    pub(super) waiting: Vec<u32>,
    /// When its init finishes, how long it took, and whether the request that started
    /// it is counted (its cold start then is).
    pub(super) ready_at: SimTime,
    pub(super) took: SimDuration,
    pub(super) starter_counted: bool,
    pub(super) cpu: CpuShare,
}

/// Processor sharing on one environment, by virtual time: every request in its CPU
/// phase progresses at the same rate, so one clock (`progress`, in solo microseconds)
/// says how far each has come, and the next to finish is the smallest end.
#[derive(Clone, Debug, Default)]
pub(super) struct CpuShare {
    pub(super) progress: f64,
    pub(super) at: SimTime,
    pub(super) running: Vec<Running>,
    /// Bumped at each change: a `CpuDone` event of an older generation is stale.
    pub(super) generation: u32,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Running {
    pub(super) lane: u32,
    /// The value of `progress` at which its CPU work is done.
    pub(super) ends: f64,
    /// Its wait (I/O) after the CPU work.
    pub(super) then: SimDuration,
}

/// Half a microsecond of progress: an end this close counts as reached (event times
/// are whole microseconds, rounded up).
pub(super) const PROGRESS_SLACK: f64 = 0.5;

impl CpuShare {
    /// The speed of each running request relative to running alone, with `k` running
    /// on `vcpus`, each able to use `per_request` vCPUs.
    pub(super) fn rate(k: usize, vcpus: f64, per_request: f64) -> f64 {
        let demand = k as f64 * per_request;
        if demand <= vcpus { 1.0 } else { vcpus / demand }
    }

    pub(super) fn advance(&mut self, now: SimTime, vcpus: f64, per_request: f64) {
        let dt = now.since(self.at).0 as f64;
        if !self.running.is_empty() {
            self.progress += dt * Self::rate(self.running.len(), vcpus, per_request);
        } else {
            self.progress = 0.0;
        }
        self.at = now;
    }

    /// When the next running request's CPU work ends, at the current rate.
    pub(super) fn next_end(&self, now: SimTime, vcpus: f64, per_request: f64) -> Option<SimTime> {
        let first = self.running.iter().map(|r| r.ends).fold(f64::INFINITY, f64::min);
        if !first.is_finite() {
            return None;
        }
        let rate = Self::rate(self.running.len(), vcpus, per_request);
        let dt = ((first - self.progress) / rate).max(0.0).ceil();
        Some(now + SimDuration((dt as u64).max(1)))
    }
}

/// The share of a handler's run (at its memory) that is CPU work.
pub(super) fn cpu_share(spec: &FunctionSpec) -> f64 {
    if spec.cpu_bound <= 0.0 {
        return 0.0;
    }
    let threads = f64::from(spec.threads.max(1));
    let cpu = spec.cpu_bound * vcpus(spec.duration_at_mb).min(threads) / vcpus(spec.memory_mb).min(threads);
    cpu / ((1.0 - spec.cpu_bound) + cpu)
}

/// An environment's vCPUs and what one request can use of them.
pub(super) fn cpu_of(spec: &FunctionSpec) -> (f64, f64) {
    let c = vcpus(spec.memory_mb);
    (c, c.min(f64::from(spec.threads.max(1))))
}

impl SharedPool {
    pub(crate) fn new(per_environment: u32) -> SharedPool {
        SharedPool { per_environment, homes: Vec::new(), loads: Vec::new(), live: Vec::new() }
    }

    #[inline]
    pub(crate) fn home_of(&self, slot: u32) -> u32 {
        self.homes.get(slot as usize).copied().unwrap_or(slot)
    }

    pub(super) fn set_home(&mut self, slot: u32, home: u32) {
        let i = slot as usize;
        if self.homes.len() <= i {
            self.homes.resize(i + 1, u32::MAX);
        }
        self.homes[i] = home;
    }

    pub(super) fn load(&mut self, home: u32) -> &mut Load {
        let i = home as usize;
        if self.loads.len() <= i {
            self.loads.resize_with(i + 1, Load::default);
        }
        &mut self.loads[i]
    }

    /// A new environment in slot `home`: an empty load (its CPU clock's generation
    /// carries on, so a stale event of the slot's previous environment stays stale).
    pub(super) fn open(&mut self, home: u32) {
        self.set_home(home, home);
        let load = self.load(home);
        let generation = load.cpu.generation.wrapping_add(1);
        *load = Load::default();
        load.cpu.generation = generation;
        self.live.push(home);
    }

    /// An environment was shut down.
    pub(crate) fn forget(&mut self, home: u32) {
        if let Some(at) = self.live.iter().position(|&h| h == home) {
            self.live.remove(at);
        }
    }

    /// Requests on the environment in slot `home`.
    pub(crate) fn active(&self, home: u32) -> u32 {
        self.loads.get(home as usize).map_or(0, |l| l.active)
    }

    /// Whether a started (not idle) environment has room for one more request.
    pub(crate) fn has_room(&self) -> bool {
        self.live
            .iter()
            .any(|&h| self.loads[h as usize].active > 0 && self.loads[h as usize].active < self.per_environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processor_sharing_slows_by_k_over_c_and_not_below_one() {
        // 2 vCPUs, one thread per request: 1 or 2 requests run at full speed, 4 at half.
        assert_eq!(CpuShare::rate(1, 2.0, 1.0), 1.0);
        assert_eq!(CpuShare::rate(2, 2.0, 1.0), 1.0);
        assert_eq!(CpuShare::rate(4, 2.0, 1.0), 0.5);
        // Half a vCPU: a lone request already uses all of it; two share it.
        assert_eq!(CpuShare::rate(1, 0.5, 0.5), 1.0);
        assert_eq!(CpuShare::rate(2, 0.5, 0.5), 0.5);
    }

    #[test]
    fn the_cpu_share_of_a_run_follows_cpu_bound_and_memory() {
        let mut spec = FunctionSpec::new(
            "f",
            crate::sim::function::Runtime::Python,
            1769,
            crate::sim::kernel::dist::Dist::constant(SimDuration::from_millis(100)),
        );
        assert_eq!(cpu_share(&spec), 0.0);
        spec.cpu_bound = 1.0;
        assert_eq!(cpu_share(&spec), 1.0);
        spec.cpu_bound = 0.5;
        assert!((cpu_share(&spec) - 0.5).abs() < 1e-12);
        // At half the memory the CPU half takes twice as long: 1.0 of 1.5.
        spec.memory_mb = 885;
        assert!((cpu_share(&spec) - 2.0 / 3.0).abs() < 1e-3);
    }
}
