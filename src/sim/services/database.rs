//! Databases with a connection limit, a query engine that degrades as it saturates,
//! and an optional connection pooler (proxy).

use crate::sim::kernel::dist::{Dist, Percentile, Sampler};
use crate::sim::kernel::log::CallFailed;
use crate::sim::kernel::metrics::{Histogram, TimeIntegral};
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::services::residency::ResidencyCheck;
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A database as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSpec {
    pub name: String,
    /// Connections the server accepts; one more is refused (PostgreSQL's default is 100).
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Time of one query when the database is not busy.
    #[serde(default = "default_query_time")]
    pub query_time: Dist,
    /// Queries the server runs at once (its CPUs and disks); more wait their turn, so
    /// query time grows as it saturates.
    #[serde(default = "default_parallel")]
    pub max_parallel_queries: u32,
    /// A connection left open by an environment that was shut down stays counted until
    /// the server notices it is dead.
    #[serde(default = "default_leak")]
    pub leaked_connection_timeout: SimDuration,
    /// A pooler (proxy) between functions and the database.
    #[serde(default)]
    pub pooler: Option<PoolerSpec>,
    /// The database's region (the account's when absent): a function elsewhere pays
    /// the round trip on every query.
    #[serde(default)]
    pub region: Option<String>,
    /// Where its data must stay: a jurisdiction (`"eu"`) or a region; a function
    /// outside it that queries the database breaks residency (see `residency.rs`).
    #[serde(default)]
    pub residency: Option<String>,
}

/// A connection pooler: environments connect to it, and it multiplexes their queries
/// onto a small pool of real connections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolerSpec {
    pub pool_size: u32,
}

fn default_max_connections() -> u32 {
    100
}
fn default_query_time() -> Dist {
    Dist::Empirical {
        percentiles: vec![
            Percentile { p: 0.0, value: SimDuration::from_millis(2) },
            Percentile { p: 0.5, value: SimDuration::from_millis(5) },
            Percentile { p: 0.99, value: SimDuration::from_millis(40) },
            Percentile { p: 1.0, value: SimDuration::from_millis(80) },
        ],
    }
}
fn default_parallel() -> u32 {
    16
}
fn default_leak() -> SimDuration {
    SimDuration::from_secs(300)
}

/// Counts over the measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DatabaseCounters {
    pub queries: u64,
    /// Connection attempts refused because the server was at `max_connections`.
    pub connection_errors: u64,
    pub connections_opened: u64,
}

/// A query waiting for the server or for a pooled connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Waiter {
    pub function: u32,
    pub env: u32,
    pub since: SimTime,
}

/// A database at run time.
#[derive(Clone, Debug)]
pub struct DatabaseState {
    pub spec: DatabaseSpec,
    /// Open connections (environments', the pooler's and leaked ones).
    pub connections: u32,
    pub peak_connections: u32,
    pub running: u32,
    pub(crate) waiting: VecDeque<Waiter>,
    /// Pooled connections not lent out.
    pub(crate) pool_free: u32,
    pub(crate) pool_waiting: VecDeque<Waiter>,
    pub counters: DatabaseCounters,
    /// Query latency as a function sees it (waits included).
    pub query_latency: Histogram,
    connections_integral: TimeIntegral,
    last_touch: SimTime,
    /// The open-connections integral at the end of the warm-up.
    pub warmup_integral: TimeIntegral,
    /// Query time, compiled, and its random stream.
    sampler: Sampler,
    rng: RngStream,
    /// Query-time multiplier (a timeline fault; 1 = normal).
    pub(crate) slowdown: f64,
    /// The round trip from each function's region to the database's, by function.
    rtt_from: Vec<SimDuration>,
    /// Its residency rule and the queries that broke it (none without a residency).
    pub residency: Option<ResidencyCheck>,
}

impl DatabaseState {
    /// How many times as long its queries take now (a `SlowDatabase` fault; 1: none).
    pub fn slowdown(&self) -> f64 {
        self.slowdown
    }

    /// `rtt_from`: the round trip from each function's region, by function index.
    pub(crate) fn new(
        spec: DatabaseSpec,
        seed: u64,
        rtt_from: Vec<SimDuration>,
        residency: Option<ResidencyCheck>,
    ) -> DatabaseState {
        let pool = spec.pooler.as_ref().map_or(0, |p| p.pool_size);
        let mut db = DatabaseState {
            warmup_integral: TimeIntegral::default(),
            sampler: Sampler::new(&spec.query_time),
            rng: RngStream::new(seed, &format!("database/{}/query", spec.name)),
            slowdown: 1.0,
            rtt_from,
            residency,
            connections: 0,
            peak_connections: 0,
            running: 0,
            waiting: VecDeque::new(),
            pool_free: pool,
            pool_waiting: VecDeque::new(),
            counters: DatabaseCounters::default(),
            query_latency: Histogram::default(),
            connections_integral: TimeIntegral::default(),
            last_touch: SimTime::ZERO,
            spec,
        };
        // The pooler holds its connections open from the start.
        db.connections = pool.min(db.spec.max_connections);
        db.peak_connections = db.connections;
        db
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    fn touch(&mut self, now: SimTime) {
        self.connections_integral.add(u64::from(self.connections), now.since(self.last_touch));
        self.last_touch = now;
    }

    /// Opens a connection if the server has room; false = refused.
    pub(crate) fn open(&mut self, now: SimTime, counted: bool) -> bool {
        self.touch(now);
        if self.connections >= self.spec.max_connections {
            self.counters.connection_errors += u64::from(counted);
            return false;
        }
        self.connections += 1;
        self.counters.connections_opened += u64::from(counted);
        self.peak_connections = self.peak_connections.max(self.connections);
        true
    }

    pub(crate) fn close(&mut self, now: SimTime) {
        self.touch(now);
        self.connections = self.connections.saturating_sub(1);
    }

    /// Time-weighted average of open connections since `since_area` was taken.
    pub fn connections_integral_at(&self, now: SimTime) -> TimeIntegral {
        let mut copy = self.connections_integral;
        copy.add(u64::from(self.connections), now.since(self.last_touch));
        copy
    }

    pub(crate) fn reset_peaks(&mut self) {
        self.peak_connections = self.connections;
    }
}

/// Opens a new environment's database connections, as its init code does (one per
/// database its function queries); a refused one is retried at the first query.
pub(crate) fn open_init_connections(
    f: &mut crate::sim::function::pool::FunctionState,
    env: u32,
    databases: &mut [DatabaseState],
    now: SimTime,
    counted: bool,
) {
    let mut connections = f.connects_to;
    while connections != 0 {
        let db = connections.trailing_zeros();
        connections &= connections - 1;
        if databases[db as usize].open(now, counted) {
            f.slots[env as usize].env.connections |= 1 << db;
        }
    }
}

impl Simulation {
    /// Issues one query: get a connection (the environment's own, or one lent by the
    /// pooler), then run it on the server.
    pub(crate) fn issue_query(&mut self, function: u32, env: u32, database: u32) {
        let now = self.now;
        self.set_request(function, env, |r| r.query_issued = now);
        let waiter = Waiter { function, env, since: now };
        let counted = self.functions[function as usize].slots[env as usize].request.is_some_and(|r| r.counted);
        let db = &mut self.services.databases[database as usize];
        if db.spec.pooler.is_some() {
            if db.pool_free > 0 {
                db.pool_free -= 1;
                self.submit_query(database, waiter);
            } else {
                db.pool_waiting.push_back(waiter);
            }
            return;
        }
        // The environment's connection (shared by its requests when it serves several).
        let held = self.functions[function as usize].env_of(env);
        if held.connections & (1 << database) == 0 {
            if db.open(now, counted) {
                held.connections |= 1 << database;
            } else {
                self.set_request(function, env, |r| r.call_failure = Some(CallFailed::ConnectionRefused));
                self.complete(function, env);
                return;
            }
        }
        self.submit_query(database, waiter);
    }

    /// The server runs a query now if it has a free slot; otherwise it waits its turn.
    pub(crate) fn submit_query(&mut self, database: u32, waiter: Waiter) {
        let db = &mut self.services.databases[database as usize];
        if db.running < db.spec.max_parallel_queries {
            db.running += 1;
            let Waiter { function, env, .. } = waiter;
            let mut server = db.sampler.sample(&mut db.rng);
            if db.slowdown != 1.0 {
                server = SimDuration::from_secs_f64(server.as_secs_f64() * db.slowdown);
            }
            let took = server + db.rtt_from[function as usize];
            self.queue.schedule(self.now + took, Event::QueryDone { database, function, env });
        } else {
            db.waiting.push_back(waiter);
        }
    }

    /// Whether the handler's call `next_call` (counted through a batch's items) writes.
    fn query_writes(&self, function: u32, next_call: u32) -> bool {
        let calls = &self.functions[function as usize].calls;
        let call = calls.get(next_call as usize % calls.len().max(1));
        matches!(call, Some(crate::sim::route::ResolvedCall::Query { write: true, .. }))
    }

    pub(crate) fn on_query_done(&mut self, database: u32, function: u32, env: u32) {
        let now = self.now;
        let db = &mut self.services.databases[database as usize];
        db.running -= 1;
        if let Some(next) = db.waiting.pop_front() {
            self.submit_query(database, next);
        }
        let db = &mut self.services.databases[database as usize];
        if db.spec.pooler.is_some() {
            // The pooled connection goes to the next query waiting for one.
            match db.pool_waiting.pop_front() {
                Some(next) => self.submit_query(database, next),
                None => db.pool_free += 1,
            }
        }
        let Some(request) = self.functions[function as usize].slots[env as usize].request else { return };
        let db = &mut self.services.databases[database as usize];
        if request.counted {
            db.counters.queries += 1;
            db.query_latency.record(now.since(request.query_issued));
        }
        if let Some(rule) = &mut db.residency {
            rule.access(function, request.counted);
        }
        if !self.services.flows.is_empty() && self.query_writes(function, request.next_call) {
            let id = self.current_item(function, &request);
            self.flow_effect(function, id, crate::sim::services::flows::EffectSite::Database(database), None);
        }
        let span = crate::sim::kernel::trace::Span {
            trace: request.id,
            kind: crate::sim::kernel::trace::SpanKind::Query,
            node: database,
            start: request.query_issued,
            end: now,
            outcome: None,
        };
        self.traces.record(span);
        if request.queries_left > 1 {
            self.set_request(function, env, |r| r.queries_left -= 1);
            self.issue_query(function, env, database);
        } else {
            self.set_request(function, env, |r| r.next_call += 1);
            self.continue_calls(function, env);
        }
    }

    /// Closes (or leaves to leak) an environment's database connections.
    pub(crate) fn drop_connections(&mut self, mut connections: u64) {
        while connections != 0 {
            let db = connections.trailing_zeros() as usize;
            connections &= connections - 1;
            let leak = self.services.databases[db].spec.leaked_connection_timeout;
            if leak.0 == 0 {
                self.services.databases[db].close(self.now);
            } else {
                self.queue.schedule(self.now + leak, Event::ConnectionTimeout { database: db as u32 });
            }
        }
    }
}
