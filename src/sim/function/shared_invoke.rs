//! Requests on environments that serve several at once (see `shared.rs` for the
//! model): routing to an environment with room, joining a cold start under way, the
//! processor-shared CPU phase, and the lane's release.

use crate::sim::function::EnvState;
use crate::sim::function::pool::{FunctionState, Gauge, PoolTotals, Released};
use crate::sim::function::shared::{PROGRESS_SLACK, Running, cpu_of, cpu_share};
use crate::sim::kernel::log::{LogEntry, LogKind, ThrottleReason};
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::InFlight;
use crate::sim::services::database::open_init_connections;
use crate::sim::{Event, Simulation};

impl FunctionState {
    /// The environment a new request should join: the busiest running one that still
    /// has room (packing, so environments the traffic no longer needs go idle and expire,
    /// as Lambda's most-recently-used reuse does), else the most recently used idle one
    /// (if `idle_allowed`), else the busiest one still starting that has room.
    fn pick_shared(&self, idle_allowed: bool) -> Option<u32> {
        let shared = self.shared.as_ref()?;
        let mut busy: Option<(u32, u32)> = None;
        let mut starting: Option<(u32, u32)> = None;
        for &home in &shared.live {
            let active = shared.active(home);
            if active >= shared.per_environment {
                continue;
            }
            let best = match self.slots[home as usize].env.state {
                EnvState::Busy => &mut busy,
                EnvState::Initializing => &mut starting,
                EnvState::Idle => continue,
            };
            if best.is_none_or(|(a, _)| active > a) {
                *best = Some((active, home));
            }
        }
        let idle = || if idle_allowed { self.idle.back().copied() } else { None };
        busy.map(|(_, home)| home).or_else(idle).or(starting.map(|(_, home)| home))
    }

    /// Wakes an idle shared environment for a request.
    fn wake(&mut self, home: u32, totals: &mut PoolTotals) {
        if let Some(at) = self.idle.position(home) {
            self.idle.remove(at);
        }
        self.gauge_sub(Gauge::Idle, 1, totals);
        self.gauge_add(Gauge::Busy, 1, totals);
        self.on_demand_active += 1;
        self.slots[home as usize].env.state = EnvState::Busy;
    }

    /// A lane for `request` on the environment in slot `home`.
    fn add_lane(&mut self, now: SimTime, home: u32, request: InFlight) -> u32 {
        let lane = self.add_slot(now, EnvState::Busy, false);
        let slot = &mut self.slots[lane as usize];
        slot.alive = false; // a lane is not an environment
        slot.request = Some(request);
        let shared = self.shared.as_mut().expect("shared pool");
        shared.set_home(lane, home);
        shared.load(home).active += 1;
        lane
    }

    /// A request's lane is done. Returns what became of its environment (`Serving`
    /// while other requests still run on it).
    // Kept out of line: Lambda's one-request path must not pay for it.
    #[cold]
    #[inline(never)]
    pub(crate) fn release_lane(&mut self, lane: u32, now: SimTime, totals: &mut PoolTotals) -> Released {
        let home = self.home(lane);
        self.slots[lane as usize].request = None;
        self.free_slots.push(lane);
        let shared = self.shared.as_mut().expect("shared pool");
        shared.set_home(lane, lane);
        let load = shared.load(home);
        load.active -= 1;
        if load.active > 0 {
            self.slots[home as usize].env.invocations += 1;
            return Released::Serving;
        }
        self.release(home, now, totals)
    }
}

impl Simulation {
    /// `try_invoke` for a function whose environments serve several requests at once.
    // Kept out of line: Lambda's one-request path must not pay for it.
    #[cold]
    #[inline(never)]
    pub(crate) fn try_invoke_shared(&mut self, function: u32, mut request: InFlight) -> Result<(), ThrottleReason> {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        f.counters.arrived += u64::from(request.counted);
        f.touch(now, &self.pool_totals);
        let reserved = f.model.spec.reserved_concurrency;
        let account_full = reserved.is_none() && self.account.unreserved_in_use >= self.account.unreserved_capacity;
        if let Some(home) = f.pick_shared(!account_full) {
            let state = f.slots[home as usize].env.state;
            if state == EnvState::Idle {
                f.wake(home, &mut self.pool_totals);
                if reserved.is_none() {
                    self.account.unreserved_in_use += 1;
                }
            }
            if state == EnvState::Initializing {
                // It joins the cold start under way and waits for the rest of it.
                let shared = f.shared.as_mut().expect("shared pool");
                request.init = shared.load(home).ready_at.since(now);
                let lane = f.add_lane(now, home, request);
                f.shared.as_mut().expect("shared pool").load(home).waiting.push(lane);
                f.note_concurrency(&mut self.pool_totals);
                self.note_in_flight();
                return Ok(());
            }
            let lane = f.add_lane(now, home, request);
            f.note_concurrency(&mut self.pool_totals);
            self.note_in_flight();
            self.start_invocation(function, lane, request);
            return Ok(());
        }
        // Nothing changed the account since `account_full` was read.
        super::invoke::admit_new_environment(f, &mut self.account, &self.config.account.scaling_rate, now)?;
        f.counters.cold_starts_scaling_out += u64::from(request.counted && f.environments() > 0);
        let home = f.add_slot(now, EnvState::Initializing, false);
        f.gauge_add(Gauge::Initializing, 1, &mut self.pool_totals);
        f.on_demand_active += 1;
        f.shared.as_mut().expect("shared pool").open(home);
        // One connection per database for the environment, shared by its requests.
        open_init_connections(f, home, &mut self.services.databases, now, request.counted);
        let took = f.model.sample_cold_start(&mut f.rngs.cold_start);
        request.init = took;
        let lane = f.add_lane(now, home, request);
        let load = f.shared.as_mut().expect("shared pool").load(home);
        load.ready_at = now + took;
        load.took = took;
        load.starter_counted = request.counted;
        load.waiting.push(lane);
        f.note_concurrency(&mut self.pool_totals);
        f.lifetime_cold_starts += 1;
        self.series.current.cold_starts += 1;
        self.note_in_flight();
        self.log.push(LogEntry { time: now, kind: LogKind::ColdStartBegan, function, env: home, request: request.id });
        self.queue.schedule(now + took, Event::InitDone { function, env: home });
        Ok(())
    }

    /// A shared environment finished its init: every request waiting on it starts.
    // Kept out of line: Lambda's one-request path must not pay for it.
    #[cold]
    #[inline(never)]
    pub(crate) fn on_shared_init_done(&mut self, function: u32, home: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        f.touch(now, &self.pool_totals);
        f.finish_init(home, &mut self.pool_totals);
        let load = f.shared.as_mut().expect("shared pool").load(home);
        let waiting = std::mem::take(&mut load.waiting);
        let (took, counted) = (load.took, load.starter_counted);
        if counted {
            f.counters.cold_starts += 1;
            f.cold_start_times.record(took);
        }
        let first = waiting.first().and_then(|&lane| f.slots[lane as usize].request).map_or(0, |r| r.id);
        self.log.push(LogEntry {
            time: now,
            kind: LogKind::ColdStartDone { took },
            function,
            env: home,
            request: first,
        });
        for lane in waiting {
            let request = self.functions[function as usize].slots[lane as usize].request;
            if let Some(request) = request {
                self.start_invocation(function, lane, request);
            }
        }
    }

    /// Runs a started request's handler on its shared environment: its CPU part under
    /// processor sharing, then its wait.
    // Kept out of line: Lambda's one-request path must not pay for it.
    #[cold]
    #[inline(never)]
    pub(crate) fn run_shared(&mut self, function: u32, lane: u32, run: SimDuration) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        let share = cpu_share(&f.model.spec);
        if share == 0.0 {
            self.queue.schedule(now + run, Event::Finish { function, env: lane });
            return;
        }
        let (vcpus, per_request) = cpu_of(&f.model.spec);
        let cpu = (run.0 as f64 * share).round().min(run.0 as f64);
        let then = SimDuration(run.0 - cpu as u64);
        let home = f.home(lane);
        let clock = &mut f.shared.as_mut().expect("shared pool").load(home).cpu;
        clock.advance(now, vcpus, per_request);
        let ends = clock.progress + cpu;
        clock.running.push(Running { lane, ends, then });
        self.reschedule_cpu(function, home);
    }

    #[cold]
    #[inline(never)]
    fn reschedule_cpu(&mut self, function: u32, home: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        let (vcpus, per_request) = cpu_of(&f.model.spec);
        let clock = &mut f.shared.as_mut().expect("shared pool").load(home).cpu;
        clock.generation = clock.generation.wrapping_add(1);
        if let Some(at) = clock.next_end(now, vcpus, per_request) {
            let generation = clock.generation;
            self.queue.schedule(at, Event::CpuDone { function, env: home, generation });
        }
    }

    /// A shared environment's next CPU phase may have ended.
    #[cold]
    #[inline(never)]
    pub(crate) fn on_cpu_done(&mut self, function: u32, home: u32, generation: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        let (vcpus, per_request) = cpu_of(&f.model.spec);
        let Some(shared) = f.shared.as_mut() else { return };
        let clock = &mut shared.load(home).cpu;
        if clock.generation != generation {
            return;
        }
        clock.advance(now, vcpus, per_request);
        let progress = clock.progress;
        let mut done = Vec::new();
        clock.running.retain(|r| {
            let finished = r.ends <= progress + PROGRESS_SLACK;
            if finished {
                done.push((r.lane, r.then));
            }
            !finished
        });
        for (lane, then) in done {
            self.queue.schedule(now + then, Event::Finish { function, env: lane });
        }
        self.reschedule_cpu(function, home);
    }
}
