//! A function at run time: its environment pool (with most-recently-used reuse and
//! keep-alive expiry), its concurrency accounting and its metrics.

mod metrics;
mod slots;

pub use metrics::{FunctionCounters, PoolAverages, PoolIntegrals};
pub(crate) use metrics::{Gauge, PoolTotals};

use crate::sim::function::idle::IdleList;
use crate::sim::function::{EnvState, Environment, FunctionModel};
use crate::sim::kernel::cost::Usage;
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::InFlight;

/// What became of an environment when its request finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Released {
    /// Idle and warm until this time.
    Idle(SimTime),
    /// Provisioned: idle, never expires.
    Provisioned,
    /// Past its maximum lifetime: shut down, holding these database connections.
    Retired(u64),
    /// A shared environment still serving other requests (`shared.rs`).
    Serving,
}

#[derive(Clone, Debug)]
pub(crate) struct Slot {
    pub env: Environment,
    pub request: Option<InFlight>,
    pub alive: bool,
}

/// Idle provisioned environments: one that served (its slot), or `count` that never did,
/// added at `created_at` (alike: no slot until one serves).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdleProvisioned {
    Slot(u32),
    Unused { created_at: SimTime, count: u32 },
}

/// Per-function random streams, one per source of randomness; those every
/// invocation draws from first (`repr(C)`: in this order).
#[derive(Clone, Debug)]
#[repr(C)]
pub(crate) struct FunctionRngs {
    pub duration: RngStream,
    pub errors: RngStream,
    pub keep_alive: RngStream,
    pub state: RngStream,
    pub cold_start: RngStream,
}

/// A function at run time.
///
/// Laid out in declaration order (`repr(C)`, on a cache line's boundary): first what
/// one invocation reads and writes (try_invoke, start_invocation, complete, release,
/// touch), then the model (whose own hot part comes first), then the rest. With
/// thousands of functions each invocation finds its function's state out of the CPU's
/// caches, and then the number of lines it touches is the cost (issue 16).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct FunctionState {
    pub initializing: u32,
    pub busy: u32,
    pub idle_count: u32,
    /// Provisioned environments (they count against concurrency whether busy or not).
    pub provisioned: u32,
    /// On-demand environments serving a request (initializing or busy).
    pub(crate) on_demand_active: u32,
    /// Peak requests in flight since the warm-up.
    pub max_concurrency: u32,
    /// Peak in flight in the series bucket numbered `bucket` (see `touch`).
    bucket_max: u32,
    bucket: u32,
    last_touch: SimTime,
    pub(crate) expiry_check_at: Option<SimTime>,
    /// Environments that serve several requests at once (`per_environment_concurrency`
    /// above 1): their loads and shared CPUs. None in Lambda's one-request model.
    pub(crate) shared: Option<Box<crate::sim::function::shared::SharedPool>>,
    /// Per gauge (initializing, busy, idle, provisioned), the sum of each change of
    /// its count times the time it took effect (`last_touch`), wrapping: its integral
    /// up to `t` (not before `last_touch`) is then `count x t - weighted`. A change costs
    /// one addition; keeping the integrals themselves cost four multiplications per
    /// touch. Every change of a count goes through `gauge_add` or `gauge_sub`.
    weighted: [u128; 4],
    /// Environments by slot id, the first inline (`slots.rs`).
    pub(crate) slots: slots::Slots,
    /// On-demand idle environments, most recently used at the back.
    pub(crate) idle: IdleList,
    /// Idle provisioned environments, the next to serve on top: used ones by slot, and
    /// never-used ones (all alike) as counts, so a million provisioned environments cost
    /// a few bytes until they serve.
    pub(crate) idle_provisioned: Vec<IdleProvisioned>,
    /// Local state: each user's last environment (slot and creation time).
    pub(crate) sessions: Vec<Option<(u32, SimTime)>>,
    /// The handler's downstream calls, resolved to indices (`build.rs`).
    pub(crate) calls: Vec<crate::sim::route::ResolvedCall>,
    /// Requests ever served and refused, warm-up included (for live views).
    pub lifetime_invocations: u64,
    /// How its compute is billed (resolved from the provider's default).
    pub billing: crate::sim::function::provider::Billing,
    pub(crate) rngs: FunctionRngs,
    /// Handler time of counted invocations.
    pub durations: Histogram,
    pub usage: Usage,
    pub model: FunctionModel,
    /// After the model, whose cold part would otherwise come between the hot lines:
    /// an invocation adds to the counters' first line only (`warm.rs`).
    pub counters: FunctionCounters,
    pub(super) free_slots: Vec<u32>,
    /// Cold-start (init) time of counted cold starts.
    pub cold_start_times: Histogram,
    scaling_tokens: f64,
    scaling_refilled: SimTime,
    /// What a never-used provisioned environment looks like (for views).
    unused_template: Environment,
    /// Databases (bit mask) an environment connects to at its cold start: those the
    /// handler queries without a pooler.
    pub(crate) connects_to: u64,
    /// Whether the function's role allows each of its calls (all, when not modelled).
    pub(crate) call_allowed: Vec<bool>,
    /// Counted calls made, per call (what the function actually used).
    pub calls_made: Vec<u64>,
    /// The queue that takes asynchronous events that failed every attempt.
    pub(crate) on_failure_queue: Option<u32>,
    /// Environments that expired (whole run).
    pub expired: u64,
    pub lifetime_cold_starts: u64,
    pub lifetime_throttles: u64,
    /// SnapStart: restores since the version was published (the restore's cache tier).
    pub(crate) restores_since_publish: u64,
}

impl FunctionState {
    /// The cache lines from the start that one invocation reads and writes: the fields
    /// declared first, through the model's hot copy of the spec and its duration
    /// sampler (`Simulation::warm_upcoming` asks for them ahead).
    pub(crate) const HOT_LINES: usize = {
        let model = std::mem::offset_of!(FunctionState, model);
        let hot_end = model + std::mem::offset_of!(FunctionModel, hot) + std::mem::size_of::<super::HotSpec>();
        let sampler_end = model
            + std::mem::offset_of!(FunctionModel, duration)
            + std::mem::size_of::<crate::sim::kernel::dist::Sampler>();
        let end = if hot_end > sampler_end { hot_end } else { sampler_end };
        end.div_ceil(64)
    };

    pub(crate) fn new(model: FunctionModel, seed: u64, scaling_burst: u32) -> Self {
        let name = model.spec.name.as_str();
        let stream = |what: &str| RngStream::named(seed, &["function/", name, "/", what]);
        let mut state = FunctionState {
            rngs: FunctionRngs {
                duration: stream("duration"),
                errors: stream("errors"),
                cold_start: stream("cold_start"),
                keep_alive: stream("keep_alive"),
                state: stream("state"),
            },
            model,
            slots: slots::Slots::default(),
            free_slots: Vec::new(),
            idle: IdleList::default(),
            idle_provisioned: Vec::new(),
            unused_template: Environment::new(SimTime::ZERO, EnvState::Idle, true),
            initializing: 0,
            busy: 0,
            idle_count: 0,
            provisioned: 0,
            on_demand_active: 0,
            bucket: 0,
            weighted: [0; 4],
            last_touch: SimTime::ZERO,
            counters: FunctionCounters::default(),
            durations: Histogram::default(),
            cold_start_times: Histogram::default(),
            usage: Usage::default(),
            max_concurrency: 0,
            bucket_max: 0,
            scaling_tokens: f64::from(scaling_burst),
            scaling_refilled: SimTime::ZERO,
            expiry_check_at: None,
            sessions: Vec::new(),
            calls: Vec::new(),
            connects_to: 0,
            call_allowed: Vec::new(),
            calls_made: Vec::new(),
            on_failure_queue: None,
            expired: 0,
            lifetime_invocations: 0,
            lifetime_cold_starts: 0,
            lifetime_throttles: 0,
            restores_since_publish: 0,
            shared: None,
            billing: crate::sim::function::provider::Billing::PerRequest,
        };
        let users = state.model.spec.local_state.as_ref().map_or(0, |l| l.sessions);
        state.sessions = vec![None; users as usize];
        let provisioned = state.model.spec.provisioned_concurrency;
        // The run's totals start from the pools as built (`PoolTotals::of`).
        state.add_provisioned(SimTime::ZERO, provisioned, &mut PoolTotals::default());
        state
    }

    /// (initializing, busy, idle) environments.
    pub(crate) fn counts(&self) -> [u32; 3] {
        [self.initializing, self.busy, self.idle_count]
    }

    pub fn name(&self) -> &str {
        &self.model.spec.name
    }

    /// Requests in flight (initializing or busy environments).
    pub fn in_flight(&self) -> u32 {
        self.initializing + self.busy
    }

    /// Environments alive (initializing, busy or idle).
    pub fn environments(&self) -> u32 {
        self.initializing + self.busy + self.idle_count
    }

    /// Concurrency counted against the limits: provisioned environments plus on-demand
    /// environments serving a request.
    pub fn concurrency_in_use(&self) -> u32 {
        self.provisioned + self.on_demand_active
    }

    /// Live environments with their slot ids (for views and invariant checks); then the
    /// provisioned ones that never served, which have no slot yet (id `u32::MAX`).
    pub fn environment_slots(&self) -> impl Iterator<Item = (u32, &Environment)> {
        let used = self.slots.iter().enumerate().filter(|(_, s)| s.alive).map(|(i, s)| (i as u32, &s.env));
        used.chain(std::iter::repeat_n((u32::MAX, &self.unused_template), self.unused_provisioned() as usize))
    }

    /// Provisioned environments that never served (idle, without a slot).
    pub fn unused_provisioned(&self) -> u64 {
        self.idle_provisioned
            .iter()
            .map(|e| match e {
                IdleProvisioned::Unused { count, .. } => u64::from(*count),
                IdleProvisioned::Slot(_) => 0,
            })
            .sum()
    }

    /// Takes a scaling token if the scaling rate allows a new environment now.
    pub(crate) fn take_scaling_token(&mut self, now: SimTime, burst: u32, per: SimDuration) -> bool {
        let refill = now.since(self.scaling_refilled).as_secs_f64() * f64::from(burst) / per.as_secs_f64();
        self.scaling_tokens = (self.scaling_tokens + refill).min(f64::from(burst));
        self.scaling_refilled = now;
        if self.scaling_tokens >= 1.0 {
            self.scaling_tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// The slot holding the environment a request's slot belongs to: itself in
    /// Lambda's model; with shared environments a request runs in a lane of its own and
    /// the environment's state (connections, /tmp, cache) lives in its home slot.
    #[inline]
    pub(crate) fn home(&self, slot: u32) -> u32 {
        match &self.shared {
            None => slot,
            Some(shared) => shared.home_of(slot),
        }
    }

    /// The environment a request's slot runs on (see `home`).
    #[inline]
    pub(crate) fn env_of(&mut self, slot: u32) -> &mut Environment {
        let home = self.home(slot);
        &mut self.slots[home as usize].env
    }

    pub(super) fn add_slot(&mut self, now: SimTime, state: EnvState, provisioned: bool) -> u32 {
        let slot = Self::new_slot(now, state, provisioned);
        match self.free_slots.pop() {
            Some(id) => {
                self.slots[id as usize] = slot;
                id
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn new_slot(now: SimTime, state: EnvState, provisioned: bool) -> Slot {
        Slot { env: Environment::new(now, state, provisioned), request: None, alive: true }
    }

    /// Takes the idle provisioned environment on top; one that never served gets its
    /// slot now: a slot id never used before, so (slot, creation time) still names one
    /// environment only (local state relies on it).
    fn pop_idle_provisioned(&mut self) -> Option<u32> {
        match self.idle_provisioned.last_mut()? {
            IdleProvisioned::Slot(id) => {
                let id = *id;
                self.idle_provisioned.pop();
                Some(id)
            }
            IdleProvisioned::Unused { created_at, count } => {
                let created_at = *created_at;
                *count -= 1;
                if *count == 0 {
                    self.idle_provisioned.pop();
                }
                self.slots.push(Self::new_slot(created_at, EnvState::Idle, true));
                Some((self.slots.len() - 1) as u32)
            }
        }
    }

    /// Asks for the slot `take_idle` would most likely hand out (the most recently
    /// used idle environment), ahead of the request (see `kernel::prefetch`).
    #[inline]
    pub(crate) fn warm_idle_slot(&self) {
        if let Some(slot) = self.idle.back().and_then(|&id| self.slots.get(id as usize)) {
            crate::sim::kernel::prefetch::prefetch_lines(slot, std::mem::size_of::<Slot>().div_ceil(64));
        }
    }

    /// Takes the idle environment to serve the next request: provisioned first, then
    /// the most recently used on-demand one (so the least recently used age out), if
    /// `on_demand` allows one (not at the account's concurrency limit).
    #[inline]
    pub(crate) fn take_idle(&mut self, on_demand: bool, totals: &mut PoolTotals) -> Option<u32> {
        let id = self.pop_idle_provisioned().or_else(|| {
            if !on_demand {
                return None;
            }
            let id = self.idle.pop_back()?;
            self.on_demand_active += 1;
            Some(id)
        })?;
        self.gauge_sub(Gauge::Idle, 1, totals);
        self.gauge_add(Gauge::Busy, 1, totals);
        self.slots[id as usize].env.state = EnvState::Busy;
        Some(id)
    }

    /// Starts a new on-demand environment for a request (a cold start).
    pub(crate) fn start_environment(&mut self, now: SimTime, request: InFlight, totals: &mut PoolTotals) -> u32 {
        let id = self.add_slot(now, EnvState::Initializing, false);
        self.slots[id as usize].request = Some(request);
        self.gauge_add(Gauge::Initializing, 1, totals);
        self.on_demand_active += 1;
        id
    }

    pub(crate) fn finish_init(&mut self, id: u32, totals: &mut PoolTotals) {
        self.gauge_sub(Gauge::Initializing, 1, totals);
        self.gauge_add(Gauge::Busy, 1, totals);
        self.slots[id as usize].env.state = EnvState::Busy;
    }

    /// Returns a busy environment to the pool.
    pub(crate) fn release(&mut self, id: u32, now: SimTime, totals: &mut PoolTotals) -> Released {
        self.gauge_sub(Gauge::Busy, 1, totals);
        let slot = &mut self.slots[id as usize];
        slot.env.invocations += 1;
        if slot.env.provisioned {
            slot.env.state = EnvState::Idle;
            slot.env.idle_since = now;
            self.gauge_add(Gauge::Idle, 1, totals);
            self.idle_provisioned.push(IdleProvisioned::Slot(id));
            return Released::Provisioned;
        }
        self.on_demand_active -= 1;
        let retire_at = self.model.hot.max_lifetime().map(|life| slot.env.created_at + life);
        if retire_at.is_some_and(|t| t <= now) {
            let connections = slot.env.connections;
            self.retire(id);
            return Released::Retired(connections);
        }
        let keep = self.model.sample_keep_alive(&mut self.rngs.keep_alive);
        let slot = &mut self.slots[id as usize];
        let expires = (now + keep).min(retire_at.unwrap_or(SimTime::MAX));
        slot.env.state = EnvState::Idle;
        slot.env.idle_since = now;
        slot.env.expires_at = expires;
        self.gauge_add(Gauge::Idle, 1, totals);
        self.idle.push_back(id);
        Released::Idle(expires)
    }

    /// Shuts down an environment that just went idle (its init failed: it could not
    /// connect). Returns the database connections it held.
    pub(crate) fn discard_idle(&mut self, id: u32, totals: &mut PoolTotals) -> u64 {
        if let Some(pos) = self.idle.rposition(id) {
            self.idle.remove(pos);
            self.gauge_sub(Gauge::Idle, 1, totals);
            let connections = self.slots[id as usize].env.connections;
            self.retire(id);
            return connections;
        }
        0
    }

    /// Adds `count` provisioned environments, initialized and idle.
    pub(crate) fn add_provisioned(&mut self, now: SimTime, count: u32, totals: &mut PoolTotals) {
        if count == 0 {
            return;
        }
        match self.idle_provisioned.last_mut() {
            Some(IdleProvisioned::Unused { created_at, count: n }) if *created_at == now => *n += count,
            _ => self.idle_provisioned.push(IdleProvisioned::Unused { created_at: now, count }),
        }
        self.gauge_add(Gauge::Idle, count, totals);
        self.gauge_add(Gauge::Provisioned, count, totals);
    }

    /// Shuts down up to `count` idle provisioned environments (the top ones); returns
    /// how many.
    pub(crate) fn remove_idle_provisioned(&mut self, count: u32, totals: &mut PoolTotals) -> u32 {
        let mut removed = 0;
        while removed < count {
            match self.idle_provisioned.last_mut() {
                None => break,
                Some(IdleProvisioned::Slot(id)) => {
                    let id = *id;
                    self.idle_provisioned.pop();
                    self.retire(id);
                    removed += 1;
                }
                Some(IdleProvisioned::Unused { count: n, .. }) => {
                    let k = (*n).min(count - removed);
                    *n -= k;
                    if *n == 0 {
                        self.idle_provisioned.pop();
                    }
                    self.expired += u64::from(k);
                    removed += k;
                }
            }
        }
        self.gauge_sub(Gauge::Idle, removed, totals);
        self.gauge_sub(Gauge::Provisioned, removed, totals);
        removed
    }

    fn retire(&mut self, id: u32) {
        if let Some(shared) = &mut self.shared {
            shared.forget(id);
        }
        // Its /tmp goes with it, and the results nothing uploaded from there.
        self.counters.tmp_results_lost += u64::from(self.slots[id as usize].env.tmp_results);
        self.slots[id as usize].alive = false;
        self.free_slots.push(id);
        self.expired += 1;
    }

    /// Expires idle environments whose keep-alive ran out by `now`; returns how many,
    /// and the next time one is due.
    pub(crate) fn expire_idle(
        &mut self,
        now: SimTime,
        totals: &mut PoolTotals,
        mut on_expire: impl FnMut(u32, &Environment),
    ) -> Option<SimTime> {
        if self.model.expiry_is_fifo() {
            while let Some(&id) = self.idle.front() {
                if self.slots[id as usize].env.expires_at > now {
                    break;
                }
                self.idle.pop_front();
                on_expire(id, &self.slots[id as usize].env);
                self.gauge_sub(Gauge::Idle, 1, totals);
                self.retire(id);
            }
            self.idle.front().map(|&id| self.slots[id as usize].env.expires_at)
        } else {
            let mut next: Option<SimTime> = None;
            let mut kept = IdleList::default();
            while let Some(id) = self.idle.pop_front() {
                let expires = self.slots[id as usize].env.expires_at;
                if expires <= now {
                    on_expire(id, &self.slots[id as usize].env);
                    self.gauge_sub(Gauge::Idle, 1, totals);
                    self.retire(id);
                } else {
                    next = Some(next.map_or(expires, |n| n.min(expires)));
                    kept.push_back(id);
                }
            }
            self.idle = kept;
            next
        }
    }
}
