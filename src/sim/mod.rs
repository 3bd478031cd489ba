//! The discrete-event simulation of a serverless system. No UI types live here: the
//! app and the CLI own a `Simulation`, advance it and read it.

mod build;
pub mod config;
pub mod function;
pub mod kernel;
pub mod knobs;
pub(crate) mod route;
pub mod services;
pub mod timeline;
mod validate;

use config::{SimConfig, TargetKind, TriggerSpec, index_of};
use function::FunctionModel;
use function::pool::{FunctionState, PoolIntegrals};
use kernel::arrivals::ArrivalGenerator;
use kernel::engine::{Due, EventQueue};
use kernel::log::{EventLog, LogEntry, LogKind};
use kernel::metrics::{self, Histogram, Series};
use kernel::rng::RngStream;
use kernel::time::{SimDuration, SimTime};
use kernel::{dist, trace};
use route::ResolvedCall;
use services::ServiceCounters;
use services::async_invoke::AsyncEvent;
use services::database::DatabaseState;
use services::queue::QueueState;
use services::{bus, storage, stream, workflow};

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
    /// A database query finished.
    QueryDone { database: u32, function: u32, env: u32 },
    /// A received message's visibility timeout ends.
    VisibilityTimeout { queue: u32, message: u32, receipt: u32 },
    /// A queue's pollers look again (batching window over, or the function had no room).
    Poll { queue: u32 },
    /// An asynchronous event is due for another attempt.
    AsyncDue { event: u32 },
    /// The database drops a connection leaked by a shut-down environment.
    ConnectionTimeout { database: u32 },
    /// A stream shard's consumer looks again (after a failure or a throttle).
    ShardPoll { stream: u32, shard: u32 },
    /// A workflow thread's wait ends, or its task's retry back-off does.
    WorkflowWake { thread: u32 },
    /// A scripted timeline entry is due.
    Timeline { index: u32 },
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
    /// Index of the target function (or queue, for a producer).
    pub target: u32,
    pub arrivals: ArrivalGenerator,
    rng: RngStream,
    pub counters: RequestCounters,
    /// End-to-end latency of this trigger's completed requests (counted ones).
    pub latency: Histogram,
    /// Asynchronous runs of this trigger not yet finished.
    pub running: u32,
    /// Schedules: runs that started while the previous one was still going.
    pub overlaps: u64,
    /// HTTP clients in another region than their function: the round trip they add.
    pub network_rtt: SimDuration,
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
    /// The timeline entry of the caption shown now.
    caption: Option<u32>,
    /// Query-time multipliers per database (timeline faults; 1 = normal).
    db_slowdown: Vec<f64>,
    /// Timeline entries that could not be applied, and why.
    pub timeline_refused: Vec<String>,
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
    /// Spans of sampled requests.
    pub traces: trace::Traces,
    next_request: u64,
    events: u64,
    warmup_integrals: Vec<PoolIntegrals>,
    in_flight: u64,
    /// Peak requests in flight across all functions since the warm-up.
    pub max_in_flight: u64,
    queues: Vec<QueueState>,
    databases: Vec<DatabaseState>,
    buses: Vec<bus::BusState>,
    buckets: Vec<storage::BucketState>,
    streams: Vec<stream::StreamState>,
    workflows: Vec<workflow::WorkflowState>,
    orchestrator: workflow::Orchestrator,
    /// Each function's downstream calls, resolved to indices.
    calls: Vec<Vec<ResolvedCall>>,
    /// Databases each function holds a connection to from its cold start (no pooler).
    connects_to: Vec<u64>,
    async_events: Vec<AsyncEvent>,
    free_async: Vec<u32>,
    pub services: ServiceCounters,
    db_rngs: Vec<RngStream>,
    db_samplers: Vec<dist::Sampler>,
    /// Round trip from each function's region to each database's: `[function][database]`.
    db_rtt: Vec<Vec<SimDuration>>,
    batch_rng: RngStream,
    warmup_db_integrals: Vec<metrics::TimeIntegral>,
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
                target: {
                    let name = t.target();
                    match t.target_kind() {
                        TargetKind::Function => index_of(&config.functions, name),
                        TargetKind::Queue => index_of(&config.queues, name),
                        TargetKind::Bus => index_of(&config.buses, name),
                        TargetKind::Bucket => index_of(&config.buckets, name),
                        TargetKind::Stream => index_of(&config.streams, name),
                        TargetKind::Workflow => index_of(&config.workflows, name),
                    }
                    .unwrap_or(0)
                },
                arrivals: ArrivalGenerator::new(t.arrivals().clone()),
                rng: RngStream::new(seed, &format!("trigger/{}/arrivals", t.name())),
                counters: RequestCounters::default(),
                latency: Histogram::default(),
                running: 0,
                overlaps: 0,
                network_rtt: match t {
                    TriggerSpec::Http { region, target, .. } => {
                        let home = &config.account.region;
                        let function = config.functions.iter().find(|f| f.name == *target);
                        let function_region = function.and_then(|f| f.region.as_ref()).unwrap_or(home);
                        config.account.rtt(region.as_ref().unwrap_or(home), function_region)
                    }
                    _ => SimDuration::ZERO,
                },
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
            traces: trace::Traces::new(if log_capacity == 0 { 0 } else { 10 }, 20_000),
            next_request: 1,
            events: 0,
            in_flight: 0,
            max_in_flight: 0,
            queues: build::build_queues(&config),
            buses: build::build_buses(&config),
            buckets: build::build_buckets(&config),
            streams: build::build_streams(&config),
            workflows: build::build_workflows(&config),
            orchestrator: workflow::Orchestrator::default(),
            databases: config.databases.iter().cloned().map(DatabaseState::new).collect(),
            calls: build::resolve_calls(&config),
            connects_to: build::connections_per_function(&config),
            async_events: Vec::new(),
            free_async: Vec::new(),
            services: ServiceCounters::default(),
            db_rngs: config
                .databases
                .iter()
                .map(|d| RngStream::new(seed, &format!("database/{}/query", d.name)))
                .collect(),
            db_samplers: config.databases.iter().map(|d| dist::Sampler::new(&d.query_time)).collect(),
            db_rtt: config
                .functions
                .iter()
                .map(|f| {
                    let home = &config.account.region;
                    let here = f.region.as_ref().unwrap_or(home);
                    config
                        .databases
                        .iter()
                        .map(|d| config.account.rtt(here, d.region.as_ref().unwrap_or(home)))
                        .collect()
                })
                .collect(),
            batch_rng: RngStream::new(seed, "queues/partial-batch"),
            warmup_db_integrals: vec![metrics::TimeIntegral::default(); config.databases.len()],
            caption: None,
            db_slowdown: vec![1.0; config.databases.len()],
            timeline_refused: Vec::new(),
            config,
        };
        for i in 0..sim.triggers.len() {
            let scale = sim.config.rate_scale_of(i);
            let t = &mut sim.triggers[i];
            t.arrivals.rate_scale = scale;
            if scale == 0.0 {
                continue; // switched off: it never sends anything
            }
            if let Some(first) = t.arrivals.next_after(SimTime::ZERO, &mut t.rng) {
                sim.queue.schedule_lane(i as u32, first);
            }
        }
        sim.schedule_timeline();
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
            Event::QueryDone { database, function, env } => self.on_query_done(database, function, env),
            Event::VisibilityTimeout { queue, message, receipt } => self.on_visibility_timeout(queue, message, receipt),
            Event::Poll { queue } => self.on_poll(queue),
            Event::AsyncDue { event } => self.dispatch_async(event),
            Event::ConnectionTimeout { database } => self.databases[database as usize].close(self.now),
            Event::ShardPoll { stream, shard } => self.pump_shard(stream, shard),
            Event::WorkflowWake { thread } => self.workflow_wake(thread),
            Event::Timeline { index } => self.on_timeline(index),
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
        let mut closing = Vec::new();
        let next = f.expire_idle(now, |env, e| {
            let kind = LogKind::Expired { idle_for: now.since(e.idle_since) };
            log.push(LogEntry { time: now, kind, function, env, request: 0 });
            if e.connections != 0 {
                closing.push(e.connections);
            }
        });
        f.expiry_check_at = next;
        if let Some(at) = next {
            self.queue.schedule(at, Event::ExpiryCheck { function });
        }
        for connections in closing {
            self.drop_connections(connections);
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
        self.expire_old_messages();
        for q in &mut self.queues {
            let age = q.oldest_age(now).as_secs_f64();
            q.history.push(q.depth() as f64, age);
        }
        for s in &mut self.streams {
            s.note_age(now);
        }
    }

    fn on_warmup_end(&mut self) {
        let now = self.now;
        for (i, f) in self.functions.iter_mut().enumerate() {
            f.touch(now);
            f.reset_peaks();
            self.warmup_integrals[i] = f.integrals_at(now);
        }
        self.max_in_flight = self.in_flight;
        for (i, db) in self.databases.iter_mut().enumerate() {
            db.reset_peaks();
            self.warmup_db_integrals[i] = db.connections_integral_at(now);
        }
    }

    /// Allocated slots of every structure that grows with the work in flight (not with
    /// the work done): a long run must not keep growing them.
    pub fn memory_census(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("event queue", self.queue.capacity()),
            ("environments", self.functions.iter().map(|f| f.slots.capacity()).sum()),
            ("messages", self.queues.iter().map(|q| q.messages.capacity()).sum()),
            ("visible", self.queues.iter().map(|q| q.visible.capacity()).sum()),
            ("batches", self.queues.iter().map(|q| q.batches.capacity()).sum()),
            ("async events", self.async_events.capacity()),
            ("db waiting", self.databases.iter().map(|d| d.waiting.capacity() + d.pool_waiting.capacity()).sum()),
        ]
    }

    pub fn queues(&self) -> &[QueueState] {
        &self.queues
    }
    pub fn databases(&self) -> &[DatabaseState] {
        &self.databases
    }
    pub fn buses(&self) -> &[bus::BusState] {
        &self.buses
    }
    pub fn buckets(&self) -> &[storage::BucketState] {
        &self.buckets
    }
    pub fn streams(&self) -> &[stream::StreamState] {
        &self.streams
    }
    pub fn workflows(&self) -> &[workflow::WorkflowState] {
        &self.workflows
    }
    /// A database's open-connections integral at the end of the warm-up.
    pub fn warmup_db_integral(&self, database: usize) -> metrics::TimeIntegral {
        self.warmup_db_integrals[database]
    }
}
