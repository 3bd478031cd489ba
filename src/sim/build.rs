//! From a configuration to a running world: every service built, names resolved to
//! indices, functions wired to the calls they make and the databases they connect to.

use crate::sim::client::ClientState;
use crate::sim::config::SimConfig;
use crate::sim::function::Call;
use crate::sim::function::pool::{FunctionState, PoolIntegrals, PoolTotals};
use crate::sim::function::{FunctionModel, permissions};
use crate::sim::kernel::dist::Sampler;
use crate::sim::kernel::engine::EventQueue;
use crate::sim::kernel::log::EventLog;
use crate::sim::kernel::metrics::Series;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::kernel::trace::Traces;
use crate::sim::names::NameIndex;
use crate::sim::route::ResolvedCall;
use crate::sim::services::ServiceCounters;
use crate::sim::services::api::ApiState;
use crate::sim::services::async_invoke::AsyncInvocations;
use crate::sim::services::bus::BusState;
use crate::sim::services::database::DatabaseState;
use crate::sim::services::flows::{Effect, EffectSite, FlowLedger};
use crate::sim::services::queue::QueueState;
use crate::sim::services::residency::ResidencyCheck;
use crate::sim::services::storage::{BucketCounters, BucketState};
use crate::sim::services::stream::StreamState;
use crate::sim::services::workflow::{Machine, WorkflowState};
use crate::sim::trigger::{TargetKind, TriggerSpec, TriggerState};
use crate::sim::websocket::SocketState;
use crate::sim::{AccountState, Event, FleetState, SERIES_START_WIDTH, Services, Simulation};

impl Simulation {
    /// Builds a run keeping the last `log_capacity` log entries (0 = no log, fastest).
    /// The configuration must have passed `SimConfig::problems`.
    pub fn with_log_capacity(config: SimConfig, log_capacity: usize) -> Simulation {
        let names = Names::of(&config);
        let functions = build_functions(&config, &names);
        let triggers = build_triggers(&config, &names);
        let services = build_services(&config, &names);
        let mut sim = Simulation {
            now: SimTime::ZERO,
            end: SimTime(config.duration.0),
            warmup_end: SimTime(config.warmup.0),
            queue: EventQueue::new(if triggers.len() <= crate::sim::MAX_LANES { triggers.len() } else { 0 }),
            events: 0,
            next_request: 1,
            account: account_state(&config),
            warmup_integrals: vec![PoolIntegrals::default(); functions.len()],
            pool_totals: PoolTotals::of(&functions),
            functions,
            triggers,
            services,
            series: Series::new(SERIES_START_WIDTH),
            log: EventLog::new(log_capacity),
            traces: Traces::new(if log_capacity == 0 { 0 } else { 10 }, 20_000),
            in_flight: 0,
            max_in_flight: 0,
            caption: None,
            timeline_refused: Vec::new(),
            arrival_function: Vec::new(),
            answered_trigger: Vec::new(),
            warms_drained: false,
            config,
        };
        sim.arrival_function = sim.arrival_functions();
        sim.answered_trigger = sim.answered_triggers();
        sim.warms_drained = sim.state_bytes() > crate::sim::warm::FAR_STATE_BYTES;
        for i in 0..sim.triggers.len() {
            let scale = sim.config.rate_scale_of(i);
            let t = &mut sim.triggers[i];
            t.arrivals.rate_scale = scale;
            if scale == 0.0 {
                continue; // switched off: it never sends anything
            }
            if let Some(first) = t.arrivals.next_after(SimTime::ZERO, &mut t.rng) {
                sim.schedule_arrival(i as u32, first);
            }
        }
        sim.schedule_timeline();
        for q in 0..sim.services.queues.len() {
            sim.schedule_redrive(q as u32);
        }
        sim.queue.schedule(SimTime(SERIES_START_WIDTH.0), Event::Tick);
        if sim.warmup_end > SimTime::ZERO {
            sim.queue.schedule(sim.warmup_end, Event::WarmupEnd);
        }
        sim
    }
}

/// Every kind of node's names to indices. Validation guarantees every name exists, so
/// a missing one (never) reads as 0.
struct Names<'a> {
    functions: NameIndex<'a>,
    queues: NameIndex<'a>,
    databases: NameIndex<'a>,
    buses: NameIndex<'a>,
    buckets: NameIndex<'a>,
    streams: NameIndex<'a>,
    workflows: NameIndex<'a>,
    apis: NameIndex<'a>,
}

impl<'a> Names<'a> {
    fn of(config: &'a SimConfig) -> Names<'a> {
        Names {
            functions: NameIndex::of(&config.functions),
            queues: NameIndex::of(&config.queues),
            databases: NameIndex::of(&config.databases),
            buses: NameIndex::of(&config.buses),
            buckets: NameIndex::of(&config.buckets),
            streams: NameIndex::of(&config.streams),
            workflows: NameIndex::of(&config.workflows),
            apis: NameIndex::of(&config.apis),
        }
    }
    fn function(&self, name: &str) -> u32 {
        self.functions.get(name).unwrap_or(0)
    }
    fn queue(&self, name: &str) -> u32 {
        self.queues.get(name).unwrap_or(0)
    }
    fn workflow(&self, name: &str) -> u32 {
        self.workflows.get(name).unwrap_or(0)
    }

    /// The index of the node a trigger feeds, among the nodes of its kind.
    fn target(&self, trigger: &TriggerSpec) -> u32 {
        let name = trigger.target();
        let index = match trigger.target_kind() {
            TargetKind::Function => &self.functions,
            TargetKind::Queue => &self.queues,
            TargetKind::Bus => &self.buses,
            TargetKind::Bucket => &self.buckets,
            TargetKind::Stream => &self.streams,
            TargetKind::Workflow => &self.workflows,
        };
        index.get(name).unwrap_or(0)
    }
}

/// Every trigger's state, its target resolved and its clients' round trip known.
fn build_triggers(config: &SimConfig, names: &Names) -> Vec<TriggerState> {
    config
        .triggers
        .iter()
        .map(|t| {
            let target = names.target(t);
            let claim_check = t.payload().and_then(|p| p.claim_check.as_deref()).and_then(|b| names.buckets.get(b));
            let mut state = TriggerState::new(t, config.seed, target, client_rtt(t, config, names), claim_check);
            state.on_fleet = config.fleet_triggers.iter().any(|f| f == t.name());
            if let TriggerSpec::Http { durations, target: function, invoke_overhead, websocket, client, .. } = &**t {
                state.client = client.as_ref().map(|c| Box::new(ClientState::new(c, config.seed, t.name())));
                state.route_duration = durations.get(function).map(|d| Box::new(Sampler::new(d)));
                state.invoke_overhead = invoke_overhead.as_ref().map(|d| {
                    Box::new((Sampler::new(d), RngStream::new(config.seed, &format!("trigger/{}/overhead", t.name()))))
                });
                state.socket = websocket.as_ref().map(|w| Box::new(SocketState::new(w, config.seed, t.name())));
            }
            state
        })
        .collect()
}

/// The round trip HTTP clients in another region than their function add.
fn client_rtt(spec: &TriggerSpec, config: &SimConfig, names: &Names) -> SimDuration {
    let TriggerSpec::Http { region, target, .. } = spec else { return SimDuration::ZERO };
    let home = &config.account.region;
    let function = names.functions.get(target).map(|i| &config.functions[i as usize]);
    let function_region = function.and_then(|f| f.region.as_ref()).unwrap_or(home);
    config.account.rtt(region.as_ref().unwrap_or(home), function_region)
}

/// Every function's state, with its calls resolved and its direct connections wired.
fn build_functions(config: &SimConfig, names: &Names) -> Vec<FunctionState> {
    let burst = config.account.scaling_rate.environments;
    let calls = resolve_calls(config, names);
    let connects = connections_per_function(config, names);
    config
        .functions
        .iter()
        .zip(calls.into_iter().zip(connects))
        .map(|(f, (calls, connects_to))| {
            let mut state = FunctionState::new(FunctionModel::new(f.clone()), config.seed, burst);
            state.call_allowed = f.calls.iter().map(|c| permissions::allows(f.permissions.as_deref(), c)).collect();
            state.calls_made = vec![0; calls.len()];
            state.calls = calls;
            state.connects_to = connects_to;
            state.on_failure_queue = f.on_failure.as_deref().and_then(|q| names.queues.get(q));
            // The provider's defaults fill what the function leaves out (issue 15).
            let provider = config.account.provider;
            state.billing = f.billing.unwrap_or_else(|| provider.default_billing());
            let per_environment =
                f.per_environment_concurrency.unwrap_or_else(|| provider.default_per_environment_concurrency());
            if per_environment > 1 {
                state.shared = Some(Box::new(crate::sim::function::shared::SharedPool::new(per_environment)));
            }
            state
        })
        .collect()
}

/// The account's concurrency at the start: what reservations leave to share, and what
/// unreserved provisioned environments already take of it.
fn account_state(config: &SimConfig) -> AccountState {
    let reserved: u64 = config.functions.iter().filter_map(|f| f.reserved_concurrency).map(u64::from).sum();
    let provisioned_unreserved: u64 = config
        .functions
        .iter()
        .filter(|f| f.reserved_concurrency.is_none())
        .map(|f| u64::from(f.provisioned_concurrency))
        .sum();
    let limit = u64::from(config.account.concurrency_limit);
    AccountState {
        unreserved_capacity: limit.saturating_sub(reserved) as u32,
        unreserved_in_use: provisioned_unreserved.min(u64::from(u32::MAX)) as u32,
        held_back: 0,
        throttle_share: 1.0,
    }
}

fn build_services(config: &SimConfig, names: &Names) -> Services {
    Services {
        queues: build_queues(config, names),
        databases: build_databases(config),
        buses: build_buses(config, names),
        buckets: build_buckets(config, names),
        streams: build_streams(config, names),
        workflows: build_workflows(config, names),
        orchestrator: Default::default(),
        async_events: AsyncInvocations::default(),
        counters: ServiceCounters::default(),
        batch_rng: RngStream::new(config.seed, "queues/partial-batch"),
        apis: config.apis.iter().map(|a| ApiState::new(a.clone(), config.seed)).collect(),
        fleet: FleetState { in_flight: 0, peak: 0, rng: RngStream::new(config.seed, "fleet/durations") },
        flows: build_flows(config, names),
        clients: Default::default(),
        work: crate::sim::services::completion::WorkLedger::for_config(config),
    }
}

/// Each flow's effects resolved to the resources they land in, and its triggers.
fn build_flows(config: &SimConfig, names: &Names) -> FlowLedger {
    // Validation guarantees every name exists.
    let find = |index: &NameIndex, name: &str| index.get(name).unwrap_or(0);
    let triggers: std::collections::HashMap<&str, u32> =
        config.triggers.iter().enumerate().map(|(i, t)| (t.name(), i as u32)).collect();
    let sites = (config.flows.iter())
        .map(|flow| {
            (flow.all_effects())
                .map(|e| match e {
                    Effect::Object { bucket } => EffectSite::Bucket(find(&names.buckets, bucket)),
                    Effect::Row { database } => EffectSite::Database(find(&names.databases, database)),
                    Effect::ApiCall { api } => EffectSite::Api(find(&names.apis, api)),
                    Effect::Event { bus, .. } => EffectSite::Bus(find(&names.buses, bus)),
                    Effect::Message { queue } => EffectSite::Queue(find(&names.queues, queue)),
                    Effect::Record { stream } => EffectSite::Stream(find(&names.streams, stream)),
                })
                .collect()
        })
        .collect();
    let from = (config.flows.iter())
        .map(|f| f.from.iter().map(|t| triggers.get(t.as_str()).copied().unwrap_or(0)).collect())
        .collect();
    let declined_by =
        (config.flows.iter()).map(|f| f.if_declined.as_ref().map(|d| find(&names.apis, &d.api))).collect();
    FlowLedger::new(&config.flows, sites, from, declined_by, config.triggers.len())
}

/// Databases, each knowing the round trip from every function's region to its own.
fn build_databases(config: &SimConfig) -> Vec<DatabaseState> {
    let home = &config.account.region;
    config
        .databases
        .iter()
        .map(|d| {
            let there = d.region.as_ref().unwrap_or(home);
            let rtt_from: Vec<SimDuration> =
                config.functions.iter().map(|f| config.account.rtt(f.region.as_ref().unwrap_or(home), there)).collect();
            let residency = ResidencyCheck::new(d.residency.as_deref(), there, function_regions(config));
            DatabaseState::new(d.clone(), config.seed, rtt_from, residency)
        })
        .collect()
}

/// The index of the dead-letter queue a queue sends to: its written `dlq`, unless the
/// `dlq` knob detached it.
pub(crate) fn attached_dlq(config: &SimConfig, spec: &crate::sim::services::queue::QueueSpec) -> Option<u32> {
    let attached = !config.detached_dlqs.contains(&spec.name);
    spec.dlq.as_deref().filter(|_| attached).and_then(|d| crate::sim::names::index_of(&config.queues, d))
}

fn build_queues(config: &SimConfig, names: &Names) -> Vec<QueueState> {
    let detached: std::collections::HashSet<&str> = config.detached_dlqs.iter().map(String::as_str).collect();
    config
        .queues
        .iter()
        .map(|spec| {
            let mut q = QueueState::new(spec.clone());
            q.dlq_index =
                spec.dlq.as_deref().filter(|_| !detached.contains(spec.name.as_str())).map(|d| names.queue(d));
            q.consumer_index = spec.consumer.as_ref().and_then(|c| names.functions.get(&c.function));
            q.redrive_from = spec.dlq.as_deref().map(|d| names.queue(d));
            q
        })
        .collect()
}

/// Each function's region, by function index.
fn function_regions(config: &SimConfig) -> impl ExactSizeIterator<Item = &str> {
    config.functions.iter().map(|f| f.region.as_deref().unwrap_or(&config.account.region))
}

fn build_buckets(config: &SimConfig, names: &Names) -> Vec<BucketState> {
    config
        .buckets
        .iter()
        .map(|b| BucketState {
            spec: b.clone(),
            notify_index: b.notify.as_deref().and_then(|f| names.functions.get(f)),
            counters: BucketCounters::default(),
            residency: ResidencyCheck::new(
                b.residency.as_deref(),
                b.region.as_deref().unwrap_or(&config.account.region),
                function_regions(config),
            ),
        })
        .collect()
}

fn build_buses(config: &SimConfig, names: &Names) -> Vec<BusState> {
    let function = |name: &str| names.function(name);
    let queue = |name: &str| names.queue(name);
    let workflow = |name: &str| names.workflow(name);
    config.buses.iter().map(|b| BusState::new(b.clone(), function, queue, workflow)).collect()
}

fn resolve_calls(config: &SimConfig, names: &Names) -> Vec<Vec<ResolvedCall>> {
    // Validation guarantees every name exists.
    let find = |index: &NameIndex, name: &str| index.get(name).unwrap_or(0);
    config
        .functions
        .iter()
        .map(|f| {
            f.calls
                .iter()
                .enumerate()
                .map(|(k, c)| match c {
                    Call::Publish { bus, .. } => ResolvedCall::Publish { bus: find(&names.buses, bus), call: k as u32 },
                    Call::Put { bucket, size_kb, to_tmp } => {
                        ResolvedCall::Put { bucket: find(&names.buckets, bucket), size_kb: *size_kb, to_tmp: *to_tmp }
                    }
                    Call::TmpFile { size_mb, mb_per_s, keep, .. } => {
                        // Numbered among the function's TmpFile calls (validated: at most 8).
                        let file = f.calls[..k].iter().filter(|c| matches!(c, Call::TmpFile { .. })).count() as u8;
                        ResolvedCall::TmpFile {
                            file,
                            size_kb: (size_mb * 1024.0).ceil() as u64,
                            download: SimDuration::from_secs_f64(size_mb / mb_per_s),
                            keep: *keep,
                        }
                    }
                    Call::Write { stream } => ResolvedCall::Write { stream: find(&names.streams, stream) },
                    Call::Query { database, count, write } => {
                        ResolvedCall::Query { database: find(&names.databases, database), count: *count, write: *write }
                    }
                    Call::Send { queue, count } => {
                        ResolvedCall::Send { queue: find(&names.queues, queue), count: *count }
                    }
                    Call::Api { api, retries, backoff, cache } => ResolvedCall::Api {
                        api: find(&names.apis, api),
                        retries: *retries,
                        backoff: *backoff,
                        cache: *cache,
                    },
                    Call::Invoke { function, asynchronous } => {
                        ResolvedCall::Invoke { function: find(&names.functions, function), asynchronous: *asynchronous }
                    }
                    Call::Log { level, slower_than, .. } => {
                        ResolvedCall::Log { level: *level, slower_than: slower_than.unwrap_or(SimDuration::ZERO) }
                    }
                })
                .collect()
        })
        .collect()
}

/// For each function, the databases (bit mask) its environments connect to directly:
/// those it queries that have no pooler.
fn connections_per_function(config: &SimConfig, names: &Names) -> Vec<u64> {
    config
        .functions
        .iter()
        .map(|f| {
            f.calls.iter().fold(0u64, |mask, c| match c {
                Call::Query { database, .. } => match names.databases.get(database) {
                    Some(i) if config.databases[i as usize].pooler.is_none() && i < 64 => mask | (1 << i),
                    _ => mask,
                },
                _ => mask,
            })
        })
        .collect()
}

fn build_streams(config: &SimConfig, names: &Names) -> Vec<StreamState> {
    config
        .streams
        .iter()
        .map(|s| {
            let consumer = s.consumer.as_ref().and_then(|c| names.functions.get(&c.function));
            let mut state = StreamState::new(s.clone(), consumer);
            state.on_failure_index =
                s.consumer.as_ref().and_then(|c| c.on_failure.as_deref()).and_then(|q| names.queues.get(q));
            state
        })
        .collect()
}

fn build_workflows(config: &SimConfig, names: &Names) -> Vec<WorkflowState> {
    let function = |name: &str| names.function(name);
    config
        .workflows
        .iter()
        .map(|w| WorkflowState::new(w.clone(), Machine::compile(w, &function), config.seed))
        .collect()
}
