//! The discrete-event simulation of a serverless system. No UI types live here: the
//! app and the CLI own a `Simulation`, advance it and read it.

mod build;
pub mod client;
pub mod config;
pub mod faults;
mod footprint;
pub mod function;
pub mod kernel;
pub mod knobs;
pub mod names;
pub(crate) mod route;
pub mod services;
pub mod timeline;
pub mod trigger;
mod validate;
mod warm;
pub mod websocket;
mod wiring;

use config::SimConfig;
use function::pool::{FunctionState, PoolIntegrals, PoolTotals};
use kernel::engine::{Due, EventQueue};
use kernel::log::{EventLog, LogEntry, LogKind};
use kernel::metrics::{Histogram, Series};
use kernel::rng::RngStream;
use kernel::time::{SimDuration, SimTime};
use kernel::trace;
use services::ServiceCounters;
use services::async_invoke::AsyncInvocations;
use services::database::DatabaseState;
use services::queue::QueueState;
use services::{bus, storage, stream, workflow};
use trigger::{RequestCounters, TriggerState};

/// Width of a series bucket at the start of a run (it doubles as the run grows).
pub const SERIES_START_WIDTH: SimDuration = SimDuration::from_secs(1);

/// Triggers up to this many each have a lane in the event queue for their next arrival
/// (see `engine`); with more, arrivals are ordinary events: a binary heap of tens of
/// thousands of lanes missed the cache on every level of every arrival.
const MAX_LANES: usize = 64;

/// Something that happens at an instant. (A trigger's next arrival is an `Event` only
/// when the run has more than `MAX_LANES` triggers: otherwise it has a lane.)
#[derive(Clone, Copy, Debug)]
enum Event {
    /// A trigger's next arrival.
    Arrival { trigger: u32 },
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
    /// A received message's visibility timeout ends (one received after the timeout
    /// was shortened: the others are in their queue's deadline list).
    VisibilityTimeout { queue: u32, message: u32, receipt: u32 },
    /// The first visibility deadline in a queue's list has come.
    VisibilityCheck { queue: u32 },
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
    /// A server of the fleet finished a request of a trigger moved off functions.
    FleetDone { trigger: u32, counted: bool, request: u64 },
    /// A third-party API answered a call.
    ApiDone { api: u32, function: u32, env: u32 },
    /// A call's back-off after a 429 or an error ended: try it again.
    ApiRetry { function: u32, env: u32 },
    /// A `TmpFile` download finished.
    TmpFetched { function: u32, env: u32 },
    /// An open WebSocket connection of a trigger sends a message; it closes at `closes`.
    SocketMessage { trigger: u32, closes: SimTime },
    /// A WebSocket connection of a trigger closes.
    SocketClosed { trigger: u32 },
    /// A queue's `redrive_at` came: redrive its DLQ into it.
    RedriveDue { queue: u32 },
    /// A rate-limited redrive moves its next second's messages.
    RedriveStep { queue: u32 },
    /// An HTTP client's patience with one attempt of its request runs out.
    ClientTimeout { call: u32, attempt: u16 },
    /// An HTTP client's back-off ended: it sends its request again.
    ClientRetry { call: u32 },
    /// A shared environment's next request may have finished its CPU work
    /// (`function/shared.rs`; stale unless `generation` is the environment's latest).
    CpuDone { function: u32, env: u32, generation: u32 },
    /// A trigger's burst (a timeline or chaos `Burst`) may be over.
    BurstEnd { trigger: u32 },
}

/// Where a run stands, for a progress line (`Simulation::run_with`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub now: SimTime,
    pub end: SimTime,
    /// Events handled so far.
    pub events: u64,
}

impl Progress {
    /// The share of the simulated time done, 0..=1.
    pub fn fraction(&self) -> f64 {
        if self.end.0 == 0 { 1.0 } else { self.now.0 as f64 / self.end.0 as f64 }
    }
}

/// How `Simulation::run_with` ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The run reached its end.
    Finished,
    /// The stop flag was raised: the simulation stands where it stopped, and a report
    /// of it covers the run so far (and says so).
    Stopped,
}

/// Events handled between two looks at the stop flag and two progress calls: about a
/// tenth of a second at the engine's speed.
pub const RUN_SLICE_EVENTS: u64 = 1 << 20;

/// How far a call to `step_until` got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepResult {
    pub events: u64,
    /// False when the event budget ran out before the deadline.
    pub reached_deadline: bool,
}

/// Account-wide concurrency accounting.
#[derive(Clone, Debug)]
pub(crate) struct AccountState {
    /// Concurrency left for functions without a reservation.
    pub(crate) unreserved_capacity: u32,
    pub(crate) unreserved_in_use: u32,
    /// Concurrency a `ThrottleAccount` fault took out of the shared pool, and the share
    /// of the account it left (1: no fault).
    pub(crate) held_back: u32,
    pub(crate) throttle_share: f64,
}

/// A running simulation: the clock and the event queue, the functions and triggers,
/// the services around them, and what is measured. `build.rs` makes one from a
/// configuration. A clone is a copy that goes on exactly as the original would (the
/// app's rewind keeps such copies along a run).
#[derive(Clone)]
pub struct Simulation {
    config: SimConfig,
    now: SimTime,
    end: SimTime,
    warmup_end: SimTime,
    queue: EventQueue<Event>,
    /// Events handled so far.
    events: u64,
    /// The correlation id the next request gets.
    next_request: u64,
    functions: Vec<FunctionState>,
    triggers: Vec<TriggerState>,
    account: AccountState,
    services: Services,
    /// Whole-system series (sums over functions).
    pub series: Series,
    pub log: EventLog,
    /// Spans of sampled requests.
    pub traces: trace::Traces,
    /// Requests in flight across all functions, and the peak since the warm-up.
    in_flight: u64,
    pub max_in_flight: u64,
    /// Each function's pool integrals at the end of the warm-up.
    warmup_integrals: Vec<PoolIntegrals>,
    /// All pools' gauges summed, kept with each change: a tick closes the series
    /// bucket from them without visiting any function.
    pool_totals: PoolTotals,
    /// Per trigger, the function its arrivals invoke directly (HTTP), or `u32::MAX`;
    /// empty when the state is small enough to stay in the caches, and the loop does
    /// not warm them (`warm_upcoming`).
    arrival_function: Vec<u32>,
    /// Per function, the one HTTP trigger whose arrivals it answers, or `u32::MAX`
    /// (none, or several); empty with `arrival_function`.
    answered_trigger: Vec<u32>,
    /// Whether the state is so large that an arrival's lines come from memory: the loop
    /// then also asks for them a few events ahead (`pop_due`).
    warms_drained: bool,
    /// The timeline entry of the caption shown now.
    caption: Option<u32>,
    /// Timeline entries that could not be applied, and why.
    pub timeline_refused: Vec<String>,
}

/// The services around the functions, each holding its own state.
#[derive(Clone)]
pub(crate) struct Services {
    queues: Vec<QueueState>,
    databases: Vec<DatabaseState>,
    buses: Vec<bus::BusState>,
    buckets: Vec<storage::BucketState>,
    streams: Vec<stream::StreamState>,
    workflows: Vec<workflow::WorkflowState>,
    apis: Vec<services::api::ApiState>,
    /// Workflow executions and their threads.
    orchestrator: workflow::Orchestrator,
    /// Asynchronous events waiting for an attempt or running.
    async_events: AsyncInvocations,
    counters: ServiceCounters,
    /// Which messages of a failed batch failed, with partial batch responses (one
    /// stream for every queue).
    batch_rng: RngStream,
    /// The always-on servers that serve triggers moved off functions.
    fleet: FleetState,
    /// Requests of flows followed by correlation id to their required effects.
    flows: services::flows::FlowLedger,
    /// Requests of HTTP triggers with a client policy, across their attempts.
    clients: client::ClientCalls,
    /// Every request followed by correlation id to the end of the work it caused.
    work: services::completion::WorkLedger,
}

/// The server fleet that serves the workload moved off functions (the `fleet` knob).
#[derive(Clone)]
pub(crate) struct FleetState {
    /// Requests being served now, and the most at once since the warm-up.
    pub(crate) in_flight: u64,
    pub(crate) peak: u64,
    /// Handler times of the requests it serves.
    pub(crate) rng: RngStream,
}

impl Simulation {
    /// Builds a run. The configuration must have passed `SimConfig::problems`.
    pub fn new(config: SimConfig) -> Simulation {
        Simulation::with_log_capacity(config, 4096)
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
    /// End-to-end latency of every counted completed request: the triggers' histograms
    /// merged (every request a caller waits for is recorded in its trigger's, and only
    /// there: one histogram less to fill per completion).
    pub fn latency(&self) -> Histogram {
        let mut all = Histogram::default();
        for t in &self.triggers {
            all.merge(&t.latency);
        }
        all
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

    /// Runs to the end as fast as possible in slices of `RUN_SLICE_EVENTS` events,
    /// calling `progress` after each slice and stopping early when `stop` is raised
    /// (by a Ctrl-C handler, say): the same run as `run_to_end` when not stopped. The
    /// simulation keeps no wall clock: `progress` decides whether to show anything.
    pub fn run_with(&mut self, stop: &std::sync::atomic::AtomicBool, mut progress: impl FnMut(&Progress)) -> RunEnd {
        use std::sync::atomic::Ordering;
        loop {
            if stop.load(Ordering::Relaxed) {
                return RunEnd::Stopped;
            }
            let done = self.step_until(self.end, RUN_SLICE_EVENTS).reached_deadline;
            progress(&Progress { now: self.now, end: self.end, events: self.events });
            if done {
                return RunEnd::Finished;
            }
        }
    }

    /// Handles events up to and including `deadline` (never past the end of the run),
    /// at most `max_events` of them; the clock then stands at the deadline if reached.
    pub fn step_until(&mut self, deadline: SimTime, max_events: u64) -> StepResult {
        let mut handled = 0;
        let end = self.end;
        while handled < max_events {
            let Some((t, due)) = self.pop_due(deadline, end) else {
                self.now = self.now.max(deadline.min(self.end));
                self.events += handled;
                return StepResult { events: handled, reached_deadline: true };
            };
            self.now = t;
            self.warm_upcoming();
            match due {
                Due::Lane(trigger) => self.on_arrival(trigger),
                Due::Event(event) => self.handle(event),
            }
            handled += 1;
        }
        self.events += handled;
        StepResult { events: handled, reached_deadline: false }
    }

    // Inlined into `step_until`, its one caller: the call, and the copy of the event it
    // took, cost about 20 instructions per event (the pipeline bench: 4% of its CPU).
    #[inline(always)]
    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { trigger } => self.on_arrival(trigger),
            Event::InitDone { function, env } => self.on_init_done(function, env),
            Event::Finish { function, env } => self.on_finish(function, env),
            Event::ExpiryCheck { function } => self.on_expiry_check(function),
            Event::Tick => self.on_tick(),
            Event::WarmupEnd => self.on_warmup_end(),
            Event::QueryDone { database, function, env } => self.on_query_done(database, function, env),
            Event::VisibilityTimeout { queue, message, receipt } => self.on_visibility_timeout(queue, message, receipt),
            Event::VisibilityCheck { queue } => self.on_visibility_check(queue),
            Event::Poll { queue } => self.on_poll(queue),
            Event::AsyncDue { event } => self.dispatch_async(event),
            Event::ConnectionTimeout { database } => self.services.databases[database as usize].close(self.now),
            Event::ShardPoll { stream, shard } => self.pump_shard(stream, shard),
            Event::WorkflowWake { thread } => self.workflow_wake(thread),
            Event::Timeline { index } => self.on_timeline(index),
            Event::FleetDone { trigger, counted, request } => self.on_fleet_done(trigger, counted, request),
            Event::ApiDone { api, function, env } => self.on_api_done(api, function, env),
            Event::ApiRetry { function, env } => self.on_api_retry(function, env),
            Event::TmpFetched { function, env } => self.on_tmp_fetched(function, env),
            Event::SocketMessage { trigger, closes } => self.on_socket_message(trigger, closes),
            Event::SocketClosed { trigger } => self.on_socket_closed(trigger),
            Event::RedriveDue { queue } => self.on_redrive_due(queue),
            Event::RedriveStep { queue } => self.redrive_step(queue),
            Event::ClientTimeout { call, attempt } => self.on_client_timeout(call, attempt),
            Event::ClientRetry { call } => self.on_client_retry(call),
            Event::CpuDone { function, env, generation } => self.on_cpu_done(function, env, generation),
            Event::BurstEnd { trigger } => self.on_burst_end(trigger),
        }
    }

    fn on_expiry_check(&mut self, function: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        if f.expiry_check_at != Some(now) {
            return; // superseded by an earlier check
        }
        f.touch(now, &self.pool_totals);
        let log = &mut self.log;
        let mut closing = Vec::new();
        let next = f.expire_idle(now, &mut self.pool_totals, |env, e| {
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
        let span = self.series.width();
        let (averages, max_concurrency) = self.pool_totals.close_bucket(now, span);
        self.series.close_bucket(|p| {
            p.concurrency = averages.initializing + averages.busy;
            p.environments = averages.environments;
            p.busy = averages.busy;
            p.idle = averages.idle;
            p.max_concurrency = max_concurrency;
        });
        self.queue.schedule(now + self.series.width(), Event::Tick);
        self.expire_old_messages();
        for q in &mut self.services.queues {
            let age = q.oldest_age(now).as_secs_f64();
            q.history.push(q.depth() as f64, age);
        }
        for s in &mut self.services.streams {
            s.note_age(now);
        }
    }

    fn on_warmup_end(&mut self) {
        let now = self.now;
        for (i, f) in self.functions.iter_mut().enumerate() {
            f.reset_peaks();
            self.warmup_integrals[i] = f.integrals_at(now);
        }
        self.max_in_flight = self.in_flight;
        self.services.fleet.peak = self.services.fleet.in_flight;
        for s in self.triggers.iter_mut().filter_map(|t| t.socket.as_mut()) {
            s.reset_at_warmup(now);
        }
        for api in &mut self.services.apis {
            api.reset_peaks();
        }
        for db in &mut self.services.databases {
            db.reset_peaks();
            db.warmup_integral = db.connections_integral_at(now);
        }
    }

    /// Allocated slots of every structure that grows with the work in flight (not with
    /// the work done): a long run must not keep growing them.
    pub fn memory_census(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("event queue", self.queue.capacity()),
            ("environments", self.functions.iter().map(|f| f.slots.capacity()).sum()),
            ("queued bytes", self.services.queues.iter().map(|q| q.census()[0]).sum()),
            ("messages", self.services.queues.iter().map(|q| q.census()[1]).sum()),
            ("visible again", self.services.queues.iter().map(|q| q.census()[2]).sum()),
            ("batches", self.services.queues.iter().map(|q| q.batches.capacity()).sum()),
            ("async events", self.services.async_events.capacity()),
            ("open requests", self.services.work.capacity()),
            (
                "db waiting",
                self.services.databases.iter().map(|d| d.waiting.capacity() + d.pool_waiting.capacity()).sum(),
            ),
        ]
    }

    pub fn queues(&self) -> &[QueueState] {
        &self.services.queues
    }
    pub fn databases(&self) -> &[DatabaseState] {
        &self.services.databases
    }
    pub fn buses(&self) -> &[bus::BusState] {
        &self.services.buses
    }
    pub fn buckets(&self) -> &[storage::BucketState] {
        &self.services.buckets
    }
    pub fn streams(&self) -> &[stream::StreamState] {
        &self.services.streams
    }
    pub fn workflows(&self) -> &[workflow::WorkflowState] {
        &self.services.workflows
    }
    pub fn apis(&self) -> &[services::api::ApiState] {
        &self.services.apis
    }
    /// The flows followed to their required effects.
    pub fn flows(&self) -> &[services::flows::FlowState] {
        &self.services.flows.flows
    }
    /// The most requests the server fleet served at once since the warm-up (0 when no
    /// trigger was moved to it).
    pub fn fleet_peak(&self) -> u64 {
        self.services.fleet.peak
    }

    /// The WebSocket connections the server fleet held at once at most since the
    /// warm-up (the sum of each moved trigger's peak).
    pub fn fleet_connections_peak(&self) -> u64 {
        let moved = self.triggers.iter().filter(|t| t.on_fleet);
        moved.filter_map(|t| t.socket.as_ref()).map(|s| s.peak_open).sum()
    }

    /// The WebSocket connections open at once at most since the warm-up, over every
    /// trigger (the sum of each one's peak): what a fleet serving everything holds.
    pub fn connections_peak(&self) -> u64 {
        self.triggers.iter().filter_map(|t| t.socket.as_ref()).map(|s| s.peak_open).sum()
    }

    /// Whether some trigger's requests go to the server fleet.
    pub fn uses_fleet(&self) -> bool {
        self.triggers.iter().any(|t| t.on_fleet)
    }

    /// Counts across services: asynchronous events, duplicates, payloads.
    pub fn service_counters(&self) -> &ServiceCounters {
        &self.services.counters
    }
}
