//! Triggers: where requests come from (HTTP clients, producers, uploads, schedules,
//! table writes, bus publishers, workflow starts), their arrivals at run time, and what
//! an arrival does: invoke a function, send a message, store an object, write a record,
//! publish an event or start an execution.

use crate::sim::client::{ClientSpec, ClientState};
use crate::sim::kernel::arrivals::{ArrivalGenerator, Arrivals};
use crate::sim::kernel::dist::{Dist, Sampler};
use crate::sim::kernel::log::{LogEntry, LogKind};
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::route::Origin;
use crate::sim::route::{InFlight, NO_CLIENT_CALL};
use crate::sim::services::queue::Sent;
use crate::sim::services::storage::{Payload, SizeDist, fetch_time};
use crate::sim::websocket::{SocketState, WebSocketSpec};
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A source of requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum TriggerSpec {
    /// Synchronous HTTP/API calls: the client waits and sees cold starts, throttles
    /// (429) and timeouts. Clients in another `region` than the function add the
    /// network round trip to every request.
    Http {
        name: String,
        target: String,
        arrivals: Arrivals,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Payload>,
        /// This route's handler time on a function that serves several routes (a
        /// monolith), by function name, as measured at that function's `duration_at_mb`:
        /// `durations: {"shop": LogNormal(median: "900ms", p99: "2.5s")}`. On any other
        /// target the function's own `duration` applies.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        durations: BTreeMap<String, Dist>,
        /// What the way in to the function adds to each request's latency as its client
        /// sees it: the API gateway, Lambda's invoke path and their jitter (not spent in
        /// the function, so not billed). A request served by the fleet does not take it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        invoke_overhead: Option<Dist>,
        /// Makes the trigger a WebSocket API: its arrivals open connections, and each
        /// message a connection sends is a request (`websocket.rs`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        websocket: Option<Box<WebSocketSpec>>,
        /// The client's patience and retries (`client.rs`): without it the client
        /// waits for every answer and never retries.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client: Option<Box<ClientSpec>>,
    },
    /// Asynchronous events (as from a notification service): queued by the platform,
    /// retried on failure and on throttling, then sent to the function's `on_failure`
    /// queue or dropped.
    Async {
        name: String,
        target: String,
        arrivals: Arrivals,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Payload>,
    },
    /// A producer sending messages to a queue of the scenario. A `poison` fraction of
    /// its messages fail every time they are processed (a malformed payload).
    Producer {
        name: String,
        queue: String,
        arrivals: Arrivals,
        #[serde(default, skip_serializing_if = "is_zero")]
        poison: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        payload: Option<Payload>,
    },
    /// Uploads of objects into a bucket (its `notify` function hears of each).
    Upload { name: String, bucket: String, arrivals: Arrivals, size_kb: SizeDist },
    /// Starts executions of a workflow.
    Workflow { name: String, workflow: String, arrivals: Arrivals },
    /// Writes to a table whose changes flow into a stream. A `poison` fraction of the
    /// change records fail whenever they are processed.
    Writes {
        name: String,
        stream: String,
        arrivals: Arrivals,
        #[serde(default, skip_serializing_if = "is_zero")]
        poison: f64,
    },
    /// A scheduler invoking a function asynchronously: `Every(period: "5m")` or
    /// `Daily(times: ["2h"])`. A run still going when the next one starts is counted as
    /// an overlap.
    Schedule { name: String, target: String, arrivals: Arrivals },
    /// A producer publishing events of a detail type on a bus.
    Events { name: String, bus: String, detail_type: String, arrivals: Arrivals },
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// What a trigger's requests go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    Function,
    Queue,
    Bus,
    Bucket,
    Stream,
    Workflow,
}

impl TriggerSpec {
    /// A plain HTTP trigger: its clients in the account's region, no payload limits,
    /// durations or gateway overhead of its own (tools and benches build these).
    pub fn http(name: &str, target: &str, arrivals: Arrivals) -> TriggerSpec {
        TriggerSpec::Http {
            name: name.to_string(),
            target: target.to_string(),
            arrivals,
            region: None,
            payload: None,
            durations: Default::default(),
            invoke_overhead: None,
            websocket: None,
            client: None,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            TriggerSpec::Http { name, .. }
            | TriggerSpec::Async { name, .. }
            | TriggerSpec::Producer { name, .. }
            | TriggerSpec::Schedule { name, .. }
            | TriggerSpec::Events { name, .. }
            | TriggerSpec::Upload { name, .. }
            | TriggerSpec::Writes { name, .. }
            | TriggerSpec::Workflow { name, .. } => name,
        }
    }
    /// The name of the function or queue it feeds.
    pub fn target(&self) -> &str {
        match self {
            TriggerSpec::Http { target, .. }
            | TriggerSpec::Async { target, .. }
            | TriggerSpec::Schedule { target, .. } => target,
            TriggerSpec::Producer { queue, .. } => queue,
            TriggerSpec::Events { bus, .. } => bus,
            TriggerSpec::Upload { bucket, .. } => bucket,
            TriggerSpec::Writes { stream, .. } => stream,
            TriggerSpec::Workflow { workflow, .. } => workflow,
        }
    }
    /// The payload of its requests, to change.
    pub fn payload_mut(&mut self) -> Option<&mut Payload> {
        match self {
            TriggerSpec::Http { payload, .. }
            | TriggerSpec::Async { payload, .. }
            | TriggerSpec::Producer { payload, .. } => payload.as_mut(),
            _ => None,
        }
    }

    /// Points a function-invoking trigger (HTTP, async, schedule) at another function.
    /// The name of what it sends to, to change (any kind of target).
    pub fn target_mut(&mut self) -> &mut String {
        match self {
            TriggerSpec::Http { target, .. }
            | TriggerSpec::Async { target, .. }
            | TriggerSpec::Schedule { target, .. } => target,
            TriggerSpec::Producer { queue, .. } => queue,
            TriggerSpec::Events { bus, .. } => bus,
            TriggerSpec::Upload { bucket, .. } => bucket,
            TriggerSpec::Writes { stream, .. } => stream,
            TriggerSpec::Workflow { workflow, .. } => workflow,
        }
    }

    pub fn set_target(&mut self, function: &str) {
        if let TriggerSpec::Http { target, .. }
        | TriggerSpec::Async { target, .. }
        | TriggerSpec::Schedule { target, .. } = self
        {
            *target = function.to_string();
        }
    }

    pub fn target_kind(&self) -> TargetKind {
        match self {
            TriggerSpec::Producer { .. } => TargetKind::Queue,
            TriggerSpec::Events { .. } => TargetKind::Bus,
            TriggerSpec::Upload { .. } => TargetKind::Bucket,
            TriggerSpec::Writes { .. } => TargetKind::Stream,
            TriggerSpec::Workflow { .. } => TargetKind::Workflow,
            _ => TargetKind::Function,
        }
    }
    pub fn arrivals(&self) -> &Arrivals {
        match self {
            TriggerSpec::Http { arrivals, .. }
            | TriggerSpec::Async { arrivals, .. }
            | TriggerSpec::Producer { arrivals, .. }
            | TriggerSpec::Schedule { arrivals, .. }
            | TriggerSpec::Events { arrivals, .. }
            | TriggerSpec::Upload { arrivals, .. }
            | TriggerSpec::Writes { arrivals, .. }
            | TriggerSpec::Workflow { arrivals, .. } => arrivals,
        }
    }

    /// The payload of its requests, if described.
    pub fn payload(&self) -> Option<&Payload> {
        match self {
            TriggerSpec::Http { payload, .. }
            | TriggerSpec::Async { payload, .. }
            | TriggerSpec::Producer { payload, .. } => payload.as_ref(),
            _ => None,
        }
    }
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

/// A trigger at run time. In declaration order (`repr(C)`, on a cache line's
/// boundary): first what each arrival and each answer reads and writes (on_arrival,
/// hand_on, invoke_http, resolve_origin), so that with thousands of triggers, whose
/// state is out of the CPU's caches, a request touches few lines (issue 16).
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct TriggerState {
    /// Index of the node it feeds, among the nodes of its target kind (a function, a
    /// queue, a bus, a bucket, a stream or a workflow).
    pub target: u32,
    /// Asynchronous runs of this trigger not yet finished.
    pub running: u32,
    /// The bucket that stores payloads over the limit (claim check), if any.
    pub(crate) claim_check: Option<u32>,
    /// Served by the always-on server fleet instead of its function (the `fleet` knob).
    pub on_fleet: bool,
    /// Copies of what each arrival asks of `spec` (which is set once, here): whether it
    /// is an HTTP trigger and whether it describes a payload.
    pub(crate) http: bool,
    has_payload: bool,
    /// HTTP clients in another region than their function: the round trip they add.
    pub network_rtt: SimDuration,
    /// A WebSocket trigger's connections.
    pub socket: Option<Box<SocketState>>,
    /// An HTTP trigger's client policy (timeouts and retries) and its counts.
    pub client: Option<Box<ClientState>>,
    pub counters: RequestCounters,
    pub(crate) rng: RngStream,
    /// This route's own handler time on its target, when the scenario gives one.
    /// Boxed, as is the next: one word each where the values took 112 bytes of the
    /// lines every request reads.
    pub(crate) route_duration: Option<Box<Sampler>>,
    /// What the way in adds to each request on a function (`invoke_overhead`), drawn
    /// from its own stream.
    pub(crate) invoke_overhead: Option<Box<(Sampler, RngStream)>>,
    /// End-to-end latency of this trigger's completed requests (counted ones).
    pub latency: Histogram,
    /// Last of what a request touches, as only the generator's head is: what a
    /// Poisson draw reads and writes (`ArrivalGenerator::HOT_BYTES`).
    pub arrivals: ArrivalGenerator,
    /// Shared with the configuration (`SimConfig::triggers`): a copy took 264 of the
    /// state's 768 bytes, written at every build.
    pub spec: std::sync::Arc<TriggerSpec>,
    /// Schedules: runs that started while the previous one was still going.
    pub overlaps: u64,
    /// A burst under way (timeline or chaos `Burst`): the rate multiplier to go back
    /// to, and when.
    pub(crate) burst: Option<(f64, SimTime)>,
}

impl TriggerState {
    /// The cache lines from the start that one arrival and its answer read and write:
    /// the fields declared first, through the arrival generator's head
    /// (`Simulation::warm_upcoming` asks for them ahead). Every line asked for is
    /// memory traffic: with the generator's cold tail inside them they were 7, now 5
    /// (10 000 functions: about 3% more invocations a second).
    pub(crate) const HOT_LINES: usize =
        (std::mem::offset_of!(TriggerState, arrivals) + ArrivalGenerator::HOT_BYTES).div_ceil(64);

    /// The cache lines from the start that a request's answer reads and writes: its
    /// counters, the route's samplers and the latency histogram's header.
    pub(crate) const ANSWER_LINES: usize = std::mem::offset_of!(TriggerState, arrivals).div_ceil(64);

    /// `target`: the index of the node it feeds; `network_rtt`: what its clients' region
    /// adds to every request; `claim_check`: the bucket that takes payloads over the limit.
    pub(crate) fn new(
        spec: &std::sync::Arc<TriggerSpec>,
        seed: u64,
        target: u32,
        network_rtt: SimDuration,
        claim_check: Option<u32>,
    ) -> TriggerState {
        TriggerState {
            target,
            arrivals: ArrivalGenerator::new(spec.arrivals().clone()),
            rng: RngStream::named(seed, &["trigger/", spec.name(), "/arrivals"]),
            counters: RequestCounters::default(),
            latency: Histogram::default(),
            running: 0,
            overlaps: 0,
            network_rtt,
            claim_check,
            on_fleet: false,
            http: matches!(**spec, TriggerSpec::Http { .. }),
            has_payload: spec.payload().is_some(),
            route_duration: None,
            invoke_overhead: None,
            socket: None,
            client: None,
            burst: None,
            spec: std::sync::Arc::clone(spec),
        }
    }
}

impl Simulation {
    pub(crate) fn on_arrival(&mut self, trigger: u32) {
        let now = self.now;
        let counted = now >= self.warmup_end;
        let id = self.new_correlation();
        // The function's lines were asked for with the previous event; its idle
        // environment's slot can be asked for now, while the next arrival is drawn.
        if let Some(f) = self.arrival_function_of(trigger) {
            f.warm_idle_slot();
        }
        let t = &mut self.triggers[trigger as usize];
        if let Some(next) = t.arrivals.next_after(now, &mut t.rng)
            && next < self.end
        {
            self.schedule_arrival(trigger, next);
        }
        if self.triggers[trigger as usize].socket.is_some() {
            // A connection opens; its messages are the requests.
            return self.open_socket(trigger);
        }
        // The arrival holds its request's work open while the trigger hands it on.
        if counted {
            self.services.work.begin(id, now);
        }
        let accepted = self.hand_on(trigger, id, counted);
        self.work_done(id, !accepted);
    }

    /// An HTTP request: through its client policy (timeouts, retries) if it has one,
    /// else straight to its function. Always inlined: left to the compiler, the call
    /// cost one function 1.4% more instructions.
    #[inline(always)]
    fn answer_http(&mut self, trigger: u32, id: u64, counted: bool, fetch: SimDuration) {
        if self.triggers[trigger as usize].client.is_some() {
            self.client_request(trigger, id, counted, fetch);
        } else {
            self.invoke_for_client(trigger, id, counted, fetch);
        }
    }

    /// A request arrived at its trigger: passes it on to what the trigger feeds; false
    /// when its payload was refused.
    fn hand_on(&mut self, trigger: u32, id: u64, counted: bool) -> bool {
        let now = self.now;
        if counted && !self.services.flows.is_empty() {
            self.services.flows.arrived(trigger, id, now);
        }
        let t = &mut self.triggers[trigger as usize];
        t.counters.arrived += u64::from(counted);
        let target = t.target;
        self.series.current.arrivals += 1;
        let Some(fetch) = self.check_payload(trigger, counted) else { return false };
        let t = &self.triggers[trigger as usize];
        if t.on_fleet {
            self.serve_on_fleet(trigger, id, counted);
            return true;
        }
        // The common case, decided without reading the spec (see `http`).
        if t.http {
            self.answer_http(trigger, id, counted, fetch);
            return true;
        }
        match *self.triggers[trigger as usize].spec {
            TriggerSpec::Http { .. } => self.answer_http(trigger, id, counted, fetch),
            TriggerSpec::Async { .. } | TriggerSpec::Schedule { .. } => {
                self.new_async_event_with(target, id, counted, Some(trigger), 0, fetch)
            }
            TriggerSpec::Upload { ref size_kb, .. } => {
                let size = size_kb.clone();
                let kb = size.sample_kb(&mut self.triggers[trigger as usize].rng);
                self.object_created(target, kb, 0, id, counted, Some(trigger));
            }
            TriggerSpec::Events { ref detail_type, .. } => {
                let (detail_type, source) =
                    (detail_type.clone(), self.triggers[trigger as usize].spec.name().to_string());
                self.publish(target, &detail_type, &source, id, counted, 0);
                // The producer's put succeeded; what consumers do is theirs to report.
                self.triggers[trigger as usize].counters.succeeded += u64::from(counted);
            }
            TriggerSpec::Workflow { .. } => self.start_execution(target, id, counted, Some(trigger), 0),
            TriggerSpec::Writes { poison, .. } => {
                let poisoned = self.triggers[trigger as usize].rng.chance(poison);
                if poisoned && counted {
                    self.services.flows.poisoned(id);
                }
                // Served when the stream's consumer has processed the change.
                self.write_record(target, id, counted, poisoned, (Some(trigger), 0));
            }
            TriggerSpec::Producer { poison, .. } => {
                let poisoned = self.triggers[trigger as usize].rng.chance(poison);
                if poisoned && counted {
                    self.services.flows.poisoned(id);
                }
                let sent = Sent {
                    sent_at: now,
                    correlation: id,
                    counted,
                    poison: poisoned,
                    trigger: Some(trigger),
                    fetch,
                    depth: 0,
                    dead: None,
                };
                self.send_message(target, sent);
            }
        }
        true
    }

    /// Schedules a trigger's next arrival: in its lane, or as an event when there are
    /// many triggers. Either way in (time, sequence) order: the run is the same.
    #[inline(always)]
    pub(crate) fn schedule_arrival(&mut self, trigger: u32, at: SimTime) {
        if self.triggers.len() <= crate::sim::MAX_LANES {
            self.queue.schedule_lane(trigger, at);
        } else {
            self.queue.schedule(at, crate::sim::Event::Arrival { trigger });
        }
    }

    /// A synchronous client's request (HTTP, or a WebSocket message) invokes the
    /// trigger's function; a throttle is the client's 429. Always inlined (two
    /// callers), as `invoke_http` is: each call on an arrival's way cost about 20
    /// instructions of an invocation's 1 650 (case (a): 1.1% and 0.6% fewer with them
    /// inlined; a plain `#[inline]` was dropped by the compiler after later edits).
    #[inline(always)]
    pub(crate) fn invoke_for_client(&mut self, trigger: u32, id: u64, counted: bool, fetch: SimDuration) {
        let origin = Origin::Http { trigger, call: NO_CLIENT_CALL, attempt: 0 };
        if !self.invoke_http(trigger, origin, id, counted, fetch) {
            self.work_done(id, true);
            if counted {
                self.triggers[trigger as usize].counters.throttled += 1;
            }
        }
    }

    /// Invokes `trigger`'s function for one HTTP request (a work item of `id`, logged
    /// as arrived); false when it was throttled (noted, the 429 answered at once).
    #[inline(always)]
    pub(crate) fn invoke_http(
        &mut self,
        trigger: u32,
        origin: Origin,
        id: u64,
        counted: bool,
        fetch: SimDuration,
    ) -> bool {
        let now = self.now;
        let target = self.triggers[trigger as usize].target;
        let mut request = InFlight::new(id, origin, now, counted);
        request.fetch = fetch;
        let entry = LogEntry { time: now, kind: LogKind::Arrived, function: target, env: u32::MAX, request: id };
        self.log.push(entry);
        self.work_add(id, false);
        match self.try_invoke(target, request) {
            Ok(()) => true,
            Err(reason) => {
                self.note_throttle(target, &request, reason);
                false
            }
        }
    }

    /// What the way in adds to one request of `trigger` on a function (zero without
    /// an `invoke_overhead`).
    pub(crate) fn draw_invoke_overhead(&mut self, trigger: u32) -> SimDuration {
        match self.triggers[trigger as usize].invoke_overhead.as_deref_mut() {
            Some((sampler, rng)) => sampler.sample(rng),
            None => SimDuration::ZERO,
        }
    }

    pub(crate) fn new_correlation(&mut self) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    /// Checks a trigger's payload against its limit: `Some(fetch time)` to go on (zero
    /// when inline, the claim-check fetch when stored in a bucket), `None` if rejected.
    pub(crate) fn check_payload(&mut self, trigger: u32, counted: bool) -> Option<SimDuration> {
        let t = &mut self.triggers[trigger as usize];
        if !t.has_payload {
            return Some(SimDuration::ZERO);
        }
        let Some(payload) = t.spec.payload() else { return Some(SimDuration::ZERO) };
        let kb = payload.size_kb.sample_kb(&mut t.rng);
        let limits = &self.config.account.limits;
        let limit = match *t.spec {
            TriggerSpec::Http { .. } => limits.sync_kb,
            TriggerSpec::Async { .. } => limits.async_kb,
            _ => limits.message_kb,
        };
        if kb <= limit {
            return Some(SimDuration::ZERO);
        }
        match t.claim_check {
            Some(bucket) => {
                self.services.counters.claim_checks += u64::from(counted);
                self.services.buckets[bucket as usize].store(kb, counted);
                Some(fetch_time(kb))
            }
            None => {
                if counted {
                    self.services.counters.payload_rejected += 1;
                    self.triggers[trigger as usize].counters.failed += 1;
                }
                None
            }
        }
    }

    /// A request of a trigger moved to the server fleet: an instance serves it in the
    /// target function's handler time (no cold start: the servers are always on). The
    /// fleet grows to the peak of what it serves at once and is priced by the hour.
    pub(crate) fn serve_on_fleet(&mut self, trigger: u32, id: u64, counted: bool) {
        let t = &self.triggers[trigger as usize];
        let (target, rtt) = (t.target, t.network_rtt);
        let fleet = &mut self.services.fleet;
        let took = self.functions[target as usize].model.sample_duration(false, &mut fleet.rng);
        fleet.in_flight += 1;
        fleet.peak = fleet.peak.max(fleet.in_flight);
        if counted {
            let latency = took + rtt;
            self.triggers[trigger as usize].latency.record(latency);
        }
        self.work_add(id, false);
        self.queue.schedule(self.now + took, Event::FleetDone { trigger, counted, request: id });
    }

    pub(crate) fn on_fleet_done(&mut self, trigger: u32, counted: bool, request: u64) {
        self.services.fleet.in_flight -= 1;
        self.work_done(request, false);
        self.triggers[trigger as usize].counters.succeeded += u64::from(counted);
    }
}
