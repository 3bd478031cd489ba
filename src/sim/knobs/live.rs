//! Live knobs: change a running simulation without restarting it (the app's sliders,
//! timelines). Each change checks its range and says what is wrong instead of panicking.
//! Knobs draw no random numbers and read no clock, so a run with the same knob changes
//! at the same simulated times is the same run.

use super::Live;
use crate::sim::config::SimConfig;
use crate::sim::function::{FunctionModel, KeepAlive, MAX_MEMORY_MB, MIN_MEMORY_MB, permissions};
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::{Event, Simulation};

/// The longest keep-alive a knob accepts (longer makes no teaching sense).
pub const MAX_KEEP_ALIVE: SimDuration = SimDuration::from_secs(3600);
/// The range of the arrival rate multiplier. Not zero: a trigger whose rate reaches
/// zero draws no next arrival and could not be woken again.
pub const RATE_SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.1..=10.0;

impl Simulation {
    fn check_function(&self, function: usize) -> Result<(), String> {
        match self.functions.get(function) {
            Some(_) => Ok(()),
            None => Err(format!("no function number {function} (the run has {})", self.functions.len())),
        }
    }

    /// Recompiles a function's model after its spec changed, keeping the config in step.
    fn respec(&mut self, function: usize, change: impl Fn(&mut crate::sim::function::FunctionSpec)) {
        let mut spec = (*self.functions[function].model.spec).clone();
        change(&mut spec);
        self.use_spec(function, std::sync::Arc::new(spec));
    }

    /// Recompiles a function's model from `spec`, which the config then shares.
    fn use_spec(&mut self, function: usize, spec: std::sync::Arc<crate::sim::function::FunctionSpec>) {
        let f = &mut self.functions[function];
        self.config.functions[function] = spec.clone();
        // A new role allows (or denies) calls from now on.
        f.call_allowed = spec.calls.iter().map(|c| permissions::allows(spec.permissions.as_deref(), c)).collect();
        f.model = FunctionModel::new(spec);
    }

    /// Memory size in MB: changes CPU share, handler duration, cold starts and price
    /// for invocations that start from now on.
    pub fn set_memory(&mut self, function: usize, mb: u32) -> Result<(), String> {
        self.check_function(function)?;
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&mb) {
            return Err(format!("memory must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {mb}"));
        }
        self.respec(function, |s| s.memory_mb = mb);
        Ok(())
    }

    /// A fixed keep-alive. Idle environments get their expiry recomputed from when they
    /// went idle, so shortening it can expire some at once.
    pub fn set_keep_alive(&mut self, function: usize, keep: SimDuration) -> Result<(), String> {
        self.check_function(function)?;
        if keep.0 == 0 || keep > MAX_KEEP_ALIVE {
            return Err(format!("keep-alive must be above zero and at most {MAX_KEEP_ALIVE}, got {keep}"));
        }
        self.respec(function, |s| s.keep_alive = KeepAlive::Fixed(keep));
        let now = self.now;
        let f = &mut self.functions[function];
        let life = f.model.spec.max_lifetime;
        let mut earliest: Option<SimTime> = None;
        for &id in f.idle.iter() {
            let env = &mut f.slots[id as usize].env;
            let retire = life.map_or(SimTime::MAX, |l| env.created_at + l);
            // Never in the past: the check below runs at `now` at the earliest.
            env.expires_at = (env.idle_since + keep).min(retire).max(now);
            earliest = Some(earliest.map_or(env.expires_at, |e| e.min(env.expires_at)));
        }
        if let Some(at) = earliest
            && f.expiry_check_at.is_none_or(|scheduled| at < scheduled)
        {
            f.expiry_check_at = Some(at);
            self.queue.schedule(at, Event::ExpiryCheck { function: function as u32 });
        }
        Ok(())
    }

    /// Reserved concurrency (`None` = share the account's unreserved pool). Requests in
    /// flight keep running; new ones are throttled while the function is above it.
    pub fn set_reserved_concurrency(&mut self, function: usize, reserved: Option<u32>) -> Result<(), String> {
        self.check_function(function)?;
        let limit = self.config.account.concurrency_limit;
        let f = &self.functions[function];
        let old = f.model.spec.reserved_concurrency;
        let reserved_by_others: u32 = self
            .functions
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != function)
            .filter_map(|(_, g)| g.model.spec.reserved_concurrency)
            .sum();
        if let Some(r) = reserved {
            if f.provisioned > r {
                return Err(format!(
                    "reserved concurrency {r} is below the function's provisioned concurrency ({})",
                    f.provisioned
                ));
            }
            let reservable = self.config.account.reservable();
            if reserved_by_others + r > reservable {
                return Err(format!(
                    "reserving {r} would leave less than {} of the account's {limit} unreserved: other functions reserve {reserved_by_others}",
                    crate::sim::config::UNRESERVED_MINIMUM
                ));
            }
        }
        // Concurrency moves between the function's own reservation and the shared pool
        // (with an account throttle lifted meanwhile, then cut again from the new pool).
        let in_use = f.concurrency_in_use();
        let share = self.account.throttle_share;
        self.throttle_account(1.0);
        let account = &mut self.account;
        match old {
            Some(r) => account.unreserved_capacity += r,
            None => account.unreserved_in_use = account.unreserved_in_use.saturating_sub(in_use),
        }
        match reserved {
            Some(r) => account.unreserved_capacity -= r,
            None => account.unreserved_in_use += in_use,
        }
        self.respec(function, |s| s.reserved_concurrency = reserved);
        self.throttle_account(share);
        Ok(())
    }

    /// Provisioned concurrency: environments kept initialised ahead of requests. New
    /// ones are ready at once (the knob skips their background init); removed idle ones
    /// go away now, busy ones become on-demand and finish their request first.
    pub fn set_provisioned_concurrency(&mut self, function: usize, count: u32) -> Result<(), String> {
        self.check_function(function)?;
        let now = self.now;
        let f = &self.functions[function];
        let current = f.provisioned;
        let reserved = f.model.spec.reserved_concurrency;
        if let Some(r) = reserved
            && count > r
        {
            return Err(format!("provisioned concurrency {count} is above the function's reserved concurrency ({r})"));
        }
        if count > current && reserved.is_none() {
            let free = self.account.unreserved_capacity.saturating_sub(self.account.unreserved_in_use);
            if count - current > free {
                return Err(format!(
                    "the account has {free} unreserved concurrency free, not enough for {} more provisioned",
                    count - current
                ));
            }
        }
        let f = &mut self.functions[function];
        f.touch(now, &self.pool_totals);
        if count > current {
            f.add_provisioned(now, count - current, &mut self.pool_totals);
            if reserved.is_none() {
                self.account.unreserved_in_use += count - current;
            }
        } else {
            // Idle ones first: they can go at once.
            let removed = f.remove_idle_provisioned(current - count, &mut self.pool_totals);
            let mut to_remove = current - count - removed;
            if reserved.is_none() {
                self.account.unreserved_in_use -= removed;
            }
            // Busy ones turn on-demand: their concurrency is still in use until they finish
            // (then `release` treats them as on-demand and keeps them warm as usual).
            let mut turned = 0;
            for slot in f.slots.iter_mut().filter(|s| s.alive && s.env.provisioned) {
                if to_remove == 0 {
                    break;
                }
                slot.env.provisioned = false;
                turned += 1;
                to_remove -= 1;
            }
            f.gauge_sub(crate::sim::function::pool::Gauge::Provisioned, turned, &mut self.pool_totals);
            f.on_demand_active += turned;
        }
        self.respec(function, |s| s.provisioned_concurrency = count);
        Ok(())
    }

    /// A knob by name, as `--set` writes it (`api.memory`, `orders.batch_size`), during
    /// the run. Knobs that shape how the run is built refuse (see `Knob::live`).
    pub fn set_knob(&mut self, name: &str, value: &str) -> Result<(), String> {
        let change = super::parse(&self.config, name, value)?;
        let (i, live) = (change.id.index, change.id.knob.live);
        if let Live::No = live {
            return Err(format!("knob \"{name}\" cannot change during a run: restart with it set"));
        }
        let changed = change.applied(&self.config, name, value)?;
        match live {
            Live::No => Ok(()),
            // The rest of a function's spec is read at each invocation.
            Live::FunctionSpec => {
                self.use_spec(i, changed.functions[i].clone());
                Ok(())
            }
            Live::Apply(apply) => apply(self, i, &changed, &change.value),
        }
    }

    /// A stream consumer's settings as in `changed` (batch size, bisection, retries, its
    /// on-failure destination), from the next batch on.
    pub(crate) fn respec_stream(&mut self, stream: usize, changed: &SimConfig) {
        let spec = changed.streams[stream].clone();
        let on_failure = spec.consumer.as_ref().and_then(|c| c.on_failure.as_deref());
        let s = &mut self.services.streams[stream];
        s.on_failure_index = on_failure.and_then(|q| crate::sim::names::index_of(&changed.queues, q));
        s.spec = spec.clone();
        self.config.streams[stream] = spec;
    }

    /// A queue's settings as in `changed` (batch size, visibility, receives, consumer
    /// concurrency, whether its DLQ is attached), from now on.
    pub(crate) fn respec_queue(&mut self, queue: usize, changed: &SimConfig) {
        let q = &mut self.services.queues[queue];
        q.spec = changed.queues[queue].clone();
        q.dlq_index = crate::sim::build::attached_dlq(changed, &q.spec);
        let redrive_moved = q.spec.redrive_at != self.config.queues[queue].redrive_at;
        self.config.queues[queue] = changed.queues[queue].clone();
        if redrive_moved {
            self.schedule_redrive(queue as u32);
        }
        self.config.detached_dlqs = changed.detached_dlqs.clone();
    }

    /// A function's error rate (a timeline fault: its dependency fails).
    pub(crate) fn set_error_rate(&mut self, function: usize, error_rate: f64) -> Result<(), String> {
        self.check_function(function)?;
        self.respec(function, |s| s.error_rate = error_rate);
        Ok(())
    }

    /// Multiplies a trigger's arrival rate (1.0 = as written). Takes effect from the
    /// trigger's next arrival, which was drawn at the old rate.
    pub fn set_rate_scale(&mut self, trigger: usize, scale: f64) -> Result<(), String> {
        let Some(t) = self.triggers.get_mut(trigger) else {
            return Err(format!("no trigger number {trigger} (the run has {})", self.triggers.len()));
        };
        if !(scale.is_finite() && RATE_SCALE_RANGE.contains(&scale)) {
            return Err(format!(
                "the rate multiplier must be {}..{}, got {scale}",
                RATE_SCALE_RANGE.start(),
                RATE_SCALE_RANGE.end()
            ));
        }
        t.arrivals.rate_scale = scale;
        // Kept in the config too, so a restart from it (and the knob's reading) keeps it.
        self.config.set_rate_scale(trigger, scale);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::sim::kernel::time::SimTime;

    fn default_sim() -> Simulation {
        Simulation::new(Scenario::default_scenario().config.clone())
    }

    fn run_for(sim: &mut Simulation, secs: u64) {
        let deadline = SimTime(sim.now().0 + secs * 1_000_000);
        sim.step_until(deadline, u64::MAX);
    }

    #[test]
    fn memory_changes_the_model_and_rejects_out_of_range() {
        let mut sim = default_sim();
        run_for(&mut sim, 30);
        sim.set_memory(0, 2048).unwrap();
        assert_eq!(sim.functions()[0].model.spec.memory_mb, 2048);
        assert_eq!(sim.config().functions[0].memory_mb, 2048);
        assert!(sim.set_memory(0, 64).unwrap_err().contains("128"));
        assert!(sim.set_memory(3, 512).unwrap_err().contains("no function"));
        run_for(&mut sim, 30);
    }

    #[test]
    fn provisioned_environments_appear_and_serve_without_cold_starts() {
        let mut sim = default_sim();
        sim.set_provisioned_concurrency(0, 20).unwrap();
        let f = &sim.functions()[0];
        assert_eq!((f.provisioned, f.idle_count, f.environments()), (20, 20, 20));
        // 2 requests/s for the first minute never needs more than 20 at once.
        run_for(&mut sim, 50);
        assert_eq!(sim.functions()[0].lifetime_cold_starts, 0);
        run_for(&mut sim, 200); // the spike needs more
        sim.set_provisioned_concurrency(0, 0).unwrap();
        assert_eq!(sim.functions()[0].provisioned, 0);
        run_for(&mut sim, 400);
        let f = &sim.functions()[0];
        assert_eq!(f.environments() as usize, f.environment_slots().count());
    }

    #[test]
    fn reserved_concurrency_throttles_and_validates() {
        let mut sim = default_sim();
        sim.set_reserved_concurrency(0, Some(2)).unwrap();
        assert_eq!(sim.concurrency_limit(0), 2);
        run_for(&mut sim, 240); // the spike at 3 minutes needs far more than 2
        assert!(sim.functions()[0].lifetime_throttles > 0);
        // AWS keeps 100 of the account's 1000 unreserved: 900 is the most one may reserve.
        assert!(
            sim.set_reserved_concurrency(0, Some(901)).unwrap_err().contains("100 of the account's 1000 unreserved")
        );
        sim.set_reserved_concurrency(0, Some(900)).unwrap();
        sim.set_reserved_concurrency(0, Some(2)).unwrap();
        sim.set_provisioned_concurrency(0, 2).unwrap();
        assert!(sim.set_reserved_concurrency(0, Some(1)).unwrap_err().contains("provisioned"));
        sim.set_reserved_concurrency(0, None).unwrap();
        assert_eq!(sim.concurrency_limit(0), 1000);
        run_for(&mut sim, 60);
        assert!(sim.unreserved_in_use() <= 1000);
    }

    #[test]
    fn shorter_keep_alive_expires_idle_environments() {
        let mut sim = default_sim();
        run_for(&mut sim, 240); // after the spike: many idle environments
        let before = sim.functions()[0].environments();
        sim.set_keep_alive(0, SimDuration::from_secs(1)).unwrap();
        run_for(&mut sim, 2);
        assert!(sim.functions()[0].environments() < before, "{before}");
        assert!(sim.set_keep_alive(0, SimDuration::ZERO).is_err());
        assert!(sim.set_keep_alive(0, SimDuration::from_secs(7200)).is_err());
    }

    #[test]
    fn rate_scale_changes_arrivals_and_validates() {
        let mut slow = default_sim();
        let mut fast = default_sim();
        fast.set_rate_scale(0, 5.0).unwrap();
        run_for(&mut slow, 60);
        run_for(&mut fast, 60);
        assert!(fast.triggers()[0].counters.arrived > 3 * slow.triggers()[0].counters.arrived);
        assert!(fast.set_rate_scale(0, 0.0).is_err());
        assert!(fast.set_rate_scale(0, f64::NAN).is_err());
        assert!(fast.set_rate_scale(1, 1.0).unwrap_err().contains("no trigger"));
    }

    #[test]
    fn a_run_shares_its_functions_specs_with_its_config_and_a_knob_changes_both() {
        let mut sim = default_sim();
        let shared =
            |sim: &Simulation| std::sync::Arc::ptr_eq(&sim.config().functions[0], &sim.functions()[0].model.spec);
        assert!(shared(&sim), "built without a copy of the spec");
        // A copy of the configuration changed elsewhere (a sweep, the design canvas)
        // gets its own spec: the run's stays as it was.
        let mut copy = sim.config().clone();
        copy.function_mut(0).memory_mb = 3008;
        assert_ne!(sim.functions()[0].model.spec.memory_mb, 3008);
        assert!(shared(&sim));
        sim.set_memory(0, 1024).unwrap();
        assert!(shared(&sim), "a live knob recompiles the model from the config's new spec");
        assert_eq!((sim.config().functions[0].memory_mb, sim.functions()[0].model.hot.memory_mb), (1024, 1024));
        // A knob by name hands over the changed config's spec itself.
        sim.set_knob("api.memory", "2048").unwrap();
        assert!(shared(&sim), "the model is compiled from the spec the config holds");
        assert_eq!((sim.config().functions[0].memory_mb, sim.functions()[0].model.hot.memory_mb), (2048, 2048));
    }

    #[test]
    fn a_run_shares_its_triggers_specs_with_its_config_and_a_copy_changes_only_itself() {
        let sim = default_sim();
        let shared = |sim: &Simulation| std::sync::Arc::ptr_eq(&sim.config().triggers[0], &sim.triggers()[0].spec);
        assert!(shared(&sim), "built without a copy of the spec");
        let mut copy = sim.config().clone();
        copy.trigger_mut(0).set_target("another");
        assert_eq!(copy.triggers[0].target(), "another");
        assert_ne!(sim.triggers()[0].spec.target(), "another", "the run's spec is its own once the copy changes");
        assert!(shared(&sim));
    }

    #[test]
    fn knob_changes_at_the_same_times_give_the_same_run() {
        let run = || {
            let mut sim = default_sim();
            run_for(&mut sim, 100);
            sim.set_memory(0, 1024).unwrap();
            sim.set_keep_alive(0, SimDuration::from_secs(20)).unwrap();
            sim.set_rate_scale(0, 2.0).unwrap();
            run_for(&mut sim, 200);
            (sim.requests(), sim.functions()[0].lifetime_cold_starts, sim.events_processed())
        };
        assert_eq!(run(), run());
    }
}
