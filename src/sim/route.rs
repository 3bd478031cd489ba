//! Who talks to whom: where an invocation came from (its origin) and so who hears how
//! it ended, and a handler's downstream calls resolved to the nodes they reach.

use crate::sim::Simulation;
use crate::sim::function::pool::InFlight;
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimDuration;
use crate::sim::kernel::trace;

/// Who asked for an invocation, and so who hears how it ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A synchronous HTTP client of a trigger.
    Http { trigger: u32 },
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
    },
    Query {
        database: u32,
        count: u32,
    },
    Send {
        queue: u32,
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
}

impl Simulation {
    /// Tells whoever asked for an invocation how it ended.
    #[inline]
    pub(crate) fn resolve_origin(&mut self, function: u32, request: InFlight, latency: SimDuration) {
        let completed_work = request.outcome != Outcome::TimedOut && request.call_failure.is_none();
        match request.origin {
            Origin::Http { trigger } => {
                let latency = latency + self.triggers[trigger as usize].network_rtt;
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
                    self.latency.record(latency);
                    let t = &mut self.triggers[trigger as usize];
                    t.latency.record(latency);
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
            Origin::Stream { stream, shard } => self.stream_batch_done(stream, shard, request.outcome),
            Origin::Workflow { thread } => self.task_done(thread, request.outcome),
        }
    }
}
