//! The discrete-event simulation of a serverless system. No UI types live here: the
//! app and the CLI own a `Simulation`, advance it and read it.

pub mod arrivals;
pub mod config;
pub mod cost;
pub mod dist;
pub(crate) mod engine;
pub mod function;
pub mod knobs;
pub mod log;
pub mod metrics;
pub mod pool;
pub mod rng;
pub mod time;

use arrivals::ArrivalGenerator;
use config::{SimConfig, TriggerSpec};
use engine::{Due, EventQueue};
use function::FunctionModel;
use log::{EventLog, LogEntry, LogKind, Outcome, ThrottleReason};
use metrics::{Histogram, Series};
use pool::{FunctionState, InFlight, PoolIntegrals};
use rng::RngStream;
use time::{SimDuration, SimTime};

/// Width of a series bucket at the start of a run (it doubles as the run grows).
pub const SERIES_START_WIDTH: SimDuration = SimDuration::from_secs(1);

/// Something that happens at an instant. (A trigger's next arrival is not an `Event`:
/// each trigger has its own lane in the queue, see `engine`.)
#[derive(Clone, Copy, Debug)]
enum Event {
    /// An environment finished its cold start and starts its request.
    InitDone { function: u32, env: u32 },
    /// An environment finished its request.
    Finish { function: u32, env: u32 },
    /// Idle environments of a function may have reached their keep-alive.
    ExpiryCheck { function: u32 },
    /// A series bucket ends.
    Tick,
    /// The warm-up ends: metrics start counting.
    WarmupEnd,
}

/// Counts of one trigger's requests (those that arrived after the warm-up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounters {
    pub arrived: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub throttled: u64,
    pub timed_out: u64,
}

impl RequestCounters {
    pub fn in_flight(&self) -> u64 {
        self.arrived - self.succeeded - self.failed - self.throttled - self.timed_out
    }
    pub fn add(&mut self, o: &RequestCounters) {
        self.arrived += o.arrived;
        self.succeeded += o.succeeded;
        self.failed += o.failed;
        self.throttled += o.throttled;
        self.timed_out += o.timed_out;
    }
}

/// A trigger at run time.
#[derive(Clone, Debug)]
pub struct TriggerState {
    pub spec: TriggerSpec,
    /// Index of the target function.
    pub target: u32,
    pub arrivals: ArrivalGenerator,
    rng: RngStream,
    pub counters: RequestCounters,
    /// End-to-end latency of this trigger's completed requests (counted ones).
    pub latency: Histogram,
}

/// How far a call to `step_until` got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepResult {
    pub events: u64,
    /// False when the event budget ran out before the deadline.
    pub reached_deadline: bool,
}

/// Account-wide concurrency accounting.
#[derive(Clone, Debug)]
struct AccountState {
    /// Concurrency left for functions without a reservation.
    unreserved_capacity: u32,
    unreserved_in_use: u32,
}

/// A running simulation.
pub struct Simulation {
    config: SimConfig,
    now: SimTime,
    end: SimTime,
    warmup_end: SimTime,
    queue: EventQueue<Event>,
    functions: Vec<FunctionState>,
    triggers: Vec<TriggerState>,
    account: AccountState,
    /// End-to-end latency of every counted completed request.
    pub latency: Histogram,
    /// Whole-system series (sums over functions).
    pub series: Series,
    pub log: EventLog,
    next_request: u64,
    events: u64,
    warmup_integrals: Vec<PoolIntegrals>,
    in_flight: u64,
    /// Peak requests in flight across all functions since the warm-up.
    pub max_in_flight: u64,
}

impl Simulation {
    /// Builds a run. The configuration must have passed `SimConfig::problems`.
    pub fn new(config: SimConfig) -> Simulation {
        Simulation::with_log_capacity(config, 4096)
    }

    /// Builds a run keeping the last `log_capacity` log entries (0 = no log, fastest).
    pub fn with_log_capacity(config: SimConfig, log_capacity: usize) -> Simulation {
        let seed = config.seed;
        let burst = config.account.scaling_rate.environments;
        let functions: Vec<FunctionState> = config
            .functions
            .iter()
            .map(|f| FunctionState::new(FunctionModel::new(f.clone()), seed, SERIES_START_WIDTH, burst))
            .collect();
        let triggers: Vec<TriggerState> = config
            .triggers
            .iter()
            .map(|t| TriggerState {
                target: config.functions.iter().position(|f| f.name == t.target()).unwrap_or(0) as u32,
                arrivals: ArrivalGenerator::new(t.arrivals().clone()),
                rng: RngStream::new(seed, &format!("trigger/{}/arrivals", t.name())),
                counters: RequestCounters::default(),
                latency: Histogram::default(),
                spec: t.clone(),
            })
            .collect();
        let reserved: u32 = config.functions.iter().filter_map(|f| f.reserved_concurrency).sum();
        let provisioned_unreserved: u32 = config
            .functions
            .iter()
            .filter(|f| f.reserved_concurrency.is_none())
            .map(|f| f.provisioned_concurrency)
            .sum();
        let mut sim = Simulation {
            now: SimTime::ZERO,
            end: SimTime(config.duration.0),
            warmup_end: SimTime(config.warmup.0),
            queue: EventQueue::new(triggers.len()),
            account: AccountState {
                unreserved_capacity: config.account.concurrency_limit.saturating_sub(reserved),
                unreserved_in_use: provisioned_unreserved,
            },
            warmup_integrals: vec![PoolIntegrals::default(); functions.len()],
            functions,
            triggers,
            latency: Histogram::default(),
            series: Series::new(SERIES_START_WIDTH),
            log: EventLog::new(log_capacity),
            next_request: 1,
            events: 0,
            in_flight: 0,
            max_in_flight: 0,
            config,
        };
        for i in 0..sim.triggers.len() {
            let t = &mut sim.triggers[i];
            if let Some(first) = t.arrivals.next_after(SimTime::ZERO, &mut t.rng) {
                sim.queue.schedule_lane(i as u32, first);
            }
        }
        sim.queue.schedule(SimTime(SERIES_START_WIDTH.0), Event::Tick);
        if sim.warmup_end > SimTime::ZERO {
            sim.queue.schedule(sim.warmup_end, Event::WarmupEnd);
        }
        sim
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn end(&self) -> SimTime {
        self.end
    }
    pub fn warmup_end(&self) -> SimTime {
        self.warmup_end
    }
    pub fn is_finished(&self) -> bool {
        self.now >= self.end
    }
    pub fn functions(&self) -> &[FunctionState] {
        &self.functions
    }
    pub fn triggers(&self) -> &[TriggerState] {
        &self.triggers
    }
    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.events
    }
    /// Events waiting in the queue.
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// The concurrency a function may reach now: its reservation, or what the account
    /// has left unreserved (shared with the other unreserved functions).
    pub fn concurrency_limit(&self, function: usize) -> u32 {
        let f = &self.functions[function];
        match f.model.spec.reserved_concurrency {
            Some(r) => r,
            None => self.account.unreserved_capacity,
        }
    }

    /// Concurrency used by functions without a reservation.
    pub fn unreserved_in_use(&self) -> u32 {
        self.account.unreserved_in_use
    }

    /// Request totals over all triggers.
    pub fn requests(&self) -> RequestCounters {
        let mut total = RequestCounters::default();
        for t in &self.triggers {
            total.add(&t.counters);
        }
        total
    }

    /// The integrals of a function's pool at the end of the warm-up.
    pub fn warmup_integrals(&self, function: usize) -> PoolIntegrals {
        self.warmup_integrals[function]
    }

    /// The measured window: from the end of the warm-up to now.
    pub fn measured_window(&self) -> SimDuration {
        self.now.since(self.warmup_end)
    }

    /// Runs to the end as fast as possible.
    pub fn run_to_end(&mut self) {
        while !self.step_until(self.end, u64::MAX).reached_deadline {}
    }

    /// Handles events up to and including `deadline` (never past the end of the run),
    /// at most `max_events` of them; the clock then stands at the deadline if reached.
    pub fn step_until(&mut self, deadline: SimTime, max_events: u64) -> StepResult {
        let mut handled = 0;
        while handled < max_events {
            match self.queue.peek_time() {
                Some(t) if t <= deadline && t < self.end => {}
                _ => {
                    self.now = self.now.max(deadline.min(self.end));
                    self.events += handled;
                    return StepResult { events: handled, reached_deadline: true };
                }
            }
            let Some((t, due)) = self.queue.pop() else {
                break;
            };
            self.now = t;
            match due {
                Due::Lane(trigger) => self.on_arrival(trigger),
                Due::Event(event) => self.handle(event),
            }
            handled += 1;
        }
        self.events += handled;
        StepResult { events: handled, reached_deadline: false }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::InitDone { function, env } => self.on_init_done(function, env),
            Event::Finish { function, env } => self.on_finish(function, env),
            Event::ExpiryCheck { function } => self.on_expiry_check(function),
            Event::Tick => self.on_tick(),
            Event::WarmupEnd => self.on_warmup_end(),
        }
    }

    fn on_arrival(&mut self, trigger: u32) {
        let now = self.now;
        let counted = now >= self.warmup_end;
        let t = &mut self.triggers[trigger as usize];
        if let Some(next) = t.arrivals.next_after(now, &mut t.rng)
            && next < self.end
        {
            self.queue.schedule_lane(trigger, next);
        }
        t.counters.arrived += u64::from(counted);
        let function = t.target;
        let id = self.next_request;
        self.next_request += 1;
        self.series.current.arrivals += 1;
        let request = InFlight {
            id,
            trigger,
            arrived: now,
            counted,
            init: SimDuration::ZERO,
            run: SimDuration::ZERO,
            outcome: Outcome::Succeeded,
        };
        self.log.push(LogEntry { time: now, kind: LogKind::Arrived, function, env: u32::MAX, request: id });
        self.invoke(function, request);
    }

    /// Routes a request to a warm environment, a new one (cold start), or refuses it.
    fn invoke(&mut self, function: u32, request: InFlight) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        f.counters.arrived += u64::from(request.counted);
        f.series.current.arrivals += 1;
        f.touch(now);
        if let Some(env) = f.take_idle() {
            if !f.slots[env as usize].env.provisioned && f.model.spec.reserved_concurrency.is_none() {
                self.account.unreserved_in_use += 1;
            }
            f.note_concurrency();
            self.note_in_flight();
            self.start_invocation(function, env, request);
            return;
        }
        let refusal = match f.model.spec.reserved_concurrency {
            Some(r) if f.concurrency_in_use() >= r => Some(ThrottleReason::ReservedConcurrency),
            None if self.account.unreserved_in_use >= self.account.unreserved_capacity => {
                Some(ThrottleReason::AccountConcurrency)
            }
            _ => None,
        };
        let scaling = &self.config.account.scaling_rate;
        let refusal = refusal.or_else(|| {
            (!f.take_scaling_token(now, scaling.environments, scaling.per)).then_some(ThrottleReason::ScalingRate)
        });
        if let Some(reason) = refusal {
            self.throttle(function, request, reason);
            return;
        }
        if f.model.spec.reserved_concurrency.is_none() {
            self.account.unreserved_in_use += 1;
        }
        let env = f.start_environment(now, request);
        f.note_concurrency();
        let took = f.model.sample_cold_start(&mut f.rngs.cold_start);
        if let Some(r) = f.slots[env as usize].request.as_mut() {
            r.init = took;
        }
        f.lifetime_cold_starts += 1;
        f.series.current.cold_starts += 1;
        self.series.current.cold_starts += 1;
        self.note_in_flight();
        self.log.push(LogEntry { time: now, kind: LogKind::ColdStartBegan, function, env, request: request.id });
        self.queue.schedule(now + took, Event::InitDone { function, env });
    }

    #[inline]
    fn note_in_flight(&mut self) {
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
    }

    fn throttle(&mut self, function: u32, request: InFlight, reason: ThrottleReason) {
        let f = &mut self.functions[function as usize];
        if request.counted {
            match reason {
                ThrottleReason::ReservedConcurrency => f.counters.throttled_reserved += 1,
                ThrottleReason::AccountConcurrency => f.counters.throttled_account += 1,
                ThrottleReason::ScalingRate => f.counters.throttled_scaling += 1,
            }
            self.triggers[request.trigger as usize].counters.throttled += 1;
        }
        f.lifetime_throttles += 1;
        f.series.current.throttled += 1;
        self.series.current.throttled += 1;
        let entry = LogEntry {
            time: self.now,
            kind: LogKind::Throttled { reason },
            function,
            env: u32::MAX,
            request: request.id,
        };
        self.log.push(entry);
    }

    fn on_init_done(&mut self, function: u32, env: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        f.touch(now);
        f.finish_init(env);
        let Some(request) = f.slots[env as usize].request else {
            return;
        };
        if request.counted {
            f.counters.cold_starts += 1;
            f.cold_start_times.record(request.init);
        }
        let entry = LogEntry {
            time: now,
            kind: LogKind::ColdStartDone { took: request.init },
            function,
            env,
            request: request.id,
        };
        self.log.push(entry);
        self.start_invocation(function, env, request);
    }

    /// Draws the handler's run (duration, error, timeout) and schedules its end.
    #[inline]
    fn start_invocation(&mut self, function: u32, env: u32, mut request: InFlight) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        let first_on_env = f.slots[env as usize].env.invocations == 0;
        let duration = f.model.sample_duration(first_on_env, &mut f.rngs.duration);
        let spec = &f.model.spec;
        (request.run, request.outcome) = if duration > spec.timeout {
            (spec.timeout, Outcome::TimedOut)
        } else if f.rngs.errors.chance(spec.error_rate) {
            (duration, Outcome::Failed)
        } else {
            (duration, Outcome::Succeeded)
        };
        f.counters.invocations += u64::from(request.counted);
        f.lifetime_invocations += 1;
        f.slots[env as usize].request = Some(request);
        let warm = request.init.0 == 0;
        self.log.push(LogEntry { time: now, kind: LogKind::Started { warm }, function, env, request: request.id });
        self.queue.schedule(now + request.run, Event::Finish { function, env });
    }

    fn on_finish(&mut self, function: u32, env: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        f.touch(now);
        let Some(request) = f.slots[env as usize].request.take() else {
            return;
        };
        let latency = now.since(request.arrived);
        let provisioned = f.slots[env as usize].env.provisioned;
        let memory = f.model.spec.memory_mb;
        if request.counted {
            f.usage.requests += 1;
            // On-demand init is billed with the invocation; provisioned environments
            // were initialised ahead of time and paid for by their allocation.
            let billed = if provisioned { request.run } else { request.run + request.init };
            f.usage.bill(memory, billed, provisioned);
            f.durations.record(request.run);
            self.latency.record(latency);
            let t = &mut self.triggers[request.trigger as usize];
            t.latency.record(latency);
            match request.outcome {
                Outcome::Succeeded => {
                    f.counters.succeeded += 1;
                    t.counters.succeeded += 1;
                }
                Outcome::Failed => {
                    f.counters.failed += 1;
                    t.counters.failed += 1;
                }
                Outcome::TimedOut => {
                    f.counters.timed_out += 1;
                    t.counters.timed_out += 1;
                }
            }
        }
        for point in [&mut f.series.current, &mut self.series.current] {
            point.completed += 1;
            point.errors += u64::from(request.outcome == Outcome::Failed);
            point.timeouts += u64::from(request.outcome == Outcome::TimedOut);
            point.latency.record(latency);
        }
        self.log.push(LogEntry {
            time: now,
            kind: LogKind::Finished { outcome: request.outcome, latency },
            function,
            env,
            request: request.id,
        });
        self.in_flight -= 1;
        let was_on_demand = !provisioned;
        let expires = f.release(env, now);
        if was_on_demand && f.model.spec.reserved_concurrency.is_none() {
            self.account.unreserved_in_use -= 1;
        }
        if let Some(at) = expires
            && f.expiry_check_at.is_none_or(|scheduled| at < scheduled)
        {
            f.expiry_check_at = Some(at);
            self.queue.schedule(at, Event::ExpiryCheck { function });
        }
    }

    fn on_expiry_check(&mut self, function: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        if f.expiry_check_at != Some(now) {
            return; // superseded by an earlier check
        }
        f.touch(now);
        let log = &mut self.log;
        let next = f.expire_idle(now, |env, e| {
            let kind = LogKind::Expired { idle_for: now.since(e.idle_since) };
            log.push(LogEntry { time: now, kind, function, env, request: 0 });
        });
        f.expiry_check_at = next;
        if let Some(at) = next {
            self.queue.schedule(at, Event::ExpiryCheck { function });
        }
    }

    fn on_tick(&mut self) {
        let now = self.now;
        let mut total = metrics::SeriesPoint::default();
        for f in &mut self.functions {
            let p = f.close_bucket(now);
            total.concurrency += p.concurrency;
            total.environments += p.environments;
            total.busy += p.busy;
            total.idle += p.idle;
            total.max_concurrency += p.max_concurrency;
        }
        self.series.close_bucket(|p| {
            p.concurrency = total.concurrency;
            p.environments = total.environments;
            p.busy = total.busy;
            p.idle = total.idle;
            p.max_concurrency = total.max_concurrency;
        });
        self.queue.schedule(now + self.series.width(), Event::Tick);
    }

    fn on_warmup_end(&mut self) {
        let now = self.now;
        for (i, f) in self.functions.iter_mut().enumerate() {
            f.touch(now);
            f.reset_peaks();
            self.warmup_integrals[i] = f.integrals_at(now);
        }
        self.max_in_flight = self.in_flight;
    }
}
