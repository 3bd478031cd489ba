//! Who talks to whom: a request in flight and where it came from (its origin), so who
//! hears how it ended, and a handler's downstream calls resolved to the nodes they reach.

use crate::sim::Simulation;
use crate::sim::kernel::log::{CallFailed, Outcome};
use crate::sim::kernel::time::SimDuration;
use crate::sim::kernel::time::SimTime;
use crate::sim::kernel::trace;

/// The `call` of a plain HTTP request's origin (its trigger has no client policy).
pub(crate) const NO_CLIENT_CALL: u32 = u32::MAX;

/// Who asked for an invocation, and so who hears how it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A synchronous HTTP client of a trigger: with a client policy, its request's
    /// slot and attempt (`call` is `NO_CLIENT_CALL` without one).
    Http { trigger: u32, call: u32, attempt: u16 },
    /// An asynchronous event (in the simulation's async event table).
    Async { event: u32 },
    /// A batch received from a queue by its event-source mapping.
    Queue { queue: u32, batch: u32 },
    /// A synchronous call from another function's environment.
    Call { function: u32, env: u32 },
    /// A batch from one shard of a stream.
    Stream { stream: u32, shard: u32 },
    /// A task of a workflow execution's thread.
    Workflow { thread: u32 },
}

/// A handler's downstream call with names resolved to indices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ResolvedCall {
    Write {
        stream: u32,
    },
    Put {
        bucket: u32,
        size_kb: f64,
        /// Written to the environment's /tmp instead of the bucket.
        to_tmp: bool,
    },
    /// A file in /tmp: its bit in the environment's `tmp_files`, its size, how long its
    /// download takes, and whether the environment keeps it.
    TmpFile {
        file: u8,
        size_kb: u64,
        download: SimDuration,
        keep: bool,
    },
    Query {
        database: u32,
        count: u32,
        /// It writes rows (a flow's `Row` effect).
        write: bool,
    },
    Send {
        queue: u32,
        count: u32,
    },
    Invoke {
        function: u32,
        asynchronous: bool,
    },
    /// The detail type is the spec's call number `call`.
    Publish {
        bus: u32,
        call: u32,
    },
    Api {
        api: u32,
        retries: u16,
        backoff: SimDuration,
        /// Kept per environment this long (`None`: not cached).
        cache: Option<crate::sim::function::ApiCache>,
    },
    /// A structured log line; its message is the spec's call at the same position.
    Log {
        level: crate::sim::kernel::log::LogLevel,
        /// Written when the handler has run at least this long (zero: always).
        slower_than: SimDuration,
    },
}

/// A request being served by an environment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InFlight {
    pub id: u64,
    pub origin: Origin,
    /// When the invocation was asked for (latency is measured from here).
    pub arrived: SimTime,
    /// Arrived after the warm-up, so it counts in the report.
    pub counted: bool,
    /// Cold start time it waited for (zero when warm).
    pub init: SimDuration,
    pub outcome: Outcome,
    /// When the handler started (after any cold start).
    pub started: SimTime,
    /// Index of the next downstream call, counting through the calls once per item
    /// (call `next_call % calls` of item `next_call / calls`).
    pub next_call: u32,
    /// The items the handler works through: the messages of a queue batch or the
    /// records of a stream batch (1 otherwise). Each runs every downstream call.
    pub items: u32,
    /// Queries left in the current `Query` call.
    pub queries_left: u32,
    /// When the current query was issued (for its latency).
    pub query_issued: SimTime,
    /// Why a downstream call failed the invocation (as its error line says it).
    pub call_failure: Option<CallFailed>,
    /// Answered from the environment's cache: no downstream calls.
    pub cache_hit: bool,
    /// Time to fetch a claim-checked payload from object storage.
    pub fetch: SimDuration,
    /// Function invocations before this one in its chain (recursive loop detection).
    pub depth: u16,
    /// Retries made so far of the current API call.
    pub attempt: u16,
    /// The downstream call under way (its position in the calls) and when it began:
    /// the context of the handler's error line if it fails.
    pub call: u32,
    pub call_began: SimTime,
}

impl InFlight {
    pub(crate) fn new(id: u64, origin: Origin, arrived: SimTime, counted: bool) -> InFlight {
        InFlight {
            id,
            origin,
            arrived,
            counted,
            init: SimDuration::ZERO,
            outcome: Outcome::Succeeded,
            started: arrived,
            next_call: 0,
            items: 1,
            queries_left: 0,
            query_issued: arrived,
            call_failure: None,
            cache_hit: false,
            fetch: SimDuration::ZERO,
            depth: 0,
            attempt: 0,
            call: u32::MAX,
            call_began: arrived,
        }
    }
}

/// A chain of invocations through asynchronous hops (a function invoking another, a
/// queue, a bus, a bucket, a stream, a workflow) is stopped when an invocation this many
/// hops deep would start another: AWS Lambda's recursive loop detection stops such a
/// chain after about 16 invocations, which makes a loop a bounded incident, not a bill.
pub const MAX_RECURSION: u16 = 16;

impl Simulation {
    /// Whether what an invocation `depth` hops deep emits may invoke a function again;
    /// if not, it is a loop stopped (counted).
    pub(crate) fn loop_allows(&mut self, depth: u16, counted: bool) -> bool {
        if depth < MAX_RECURSION {
            return true;
        }
        self.services.counters.loops_stopped += u64::from(counted);
        false
    }

    /// Tells whoever asked for an invocation how it ended.
    #[inline]
    pub(crate) fn resolve_origin(&mut self, function: u32, request: InFlight, latency: SimDuration) {
        let completed_work = request.outcome != Outcome::TimedOut && request.call_failure.is_none();
        match request.origin {
            Origin::Http { trigger, call, attempt } => {
                // A client policy judges the request's outcome across its attempts.
                let failed = call == NO_CLIENT_CALL && request.outcome != Outcome::Succeeded;
                self.work_done(request.id, failed);
                let overhead = self.draw_invoke_overhead(trigger);
                let latency = latency + self.triggers[trigger as usize].network_rtt + overhead;
                if call != NO_CLIENT_CALL {
                    return self.client_answer(&request, call, attempt, latency);
                }
                let span = trace::Span {
                    trace: request.id,
                    kind: trace::SpanKind::Request,
                    node: trigger,
                    start: request.arrived,
                    end: request.arrived + latency,
                    outcome: Some(request.outcome),
                };
                self.traces.record(span);
                if request.counted {
                    let batched = self.warms_caches();
                    let t = &mut self.triggers[trigger as usize];
                    t.latency.record_or_batch(latency, batched);
                    match request.outcome {
                        Outcome::Succeeded => t.counters.succeeded += 1,
                        Outcome::Failed => t.counters.failed += 1,
                        Outcome::TimedOut => t.counters.timed_out += 1,
                    }
                }
            }
            Origin::Async { event } => self.async_attempt_done(event, request.outcome, completed_work),
            Origin::Queue { queue, batch } => self.batch_done(function, queue, batch, &request),
            Origin::Call { function: caller, env } => self.callee_done(caller, env, request.outcome),
            Origin::Stream { stream, shard } => self.stream_batch_done(stream, shard, request.outcome, completed_work),
            Origin::Workflow { thread } => self.task_done(thread, request.outcome, completed_work),
        }
    }
}
