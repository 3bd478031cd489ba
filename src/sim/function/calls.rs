//! A handler's downstream calls, in order: database queries over limited connections
//! (or a pooler), messages, events, objects, table writes, and other functions invoked
//! synchronously (the caller waits, busy and billed) or asynchronously.

use crate::sim::function::Call;
use crate::sim::function::pool::{CallFailure, InFlight, Origin};
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::database::Waiter;
use crate::sim::services::flow::ResolvedCall;
use crate::sim::{Event, Simulation};

impl Simulation {
    // ----- a handler's downstream calls -----

    /// Runs the invocation's next calls until one has to wait, or completes it.
    pub(crate) fn continue_calls(&mut self, function: u32, env: u32) {
        loop {
            let f = &self.functions[function as usize];
            let Some(request) = f.slots[env as usize].request else { return };
            let call = self.calls[function as usize].get(usize::from(request.next_call)).copied();
            let (Some(call), None) = (call, request.call_failure) else {
                self.complete(function, env);
                return;
            };
            match call {
                ResolvedCall::Query { database, count } => {
                    self.set_request(function, env, |r| r.queries_left = count);
                    self.issue_query(function, env, database);
                    return;
                }
                ResolvedCall::Put { bucket, size_kb } => {
                    self.object_created(bucket, size_kb, request.depth, request.id, request.counted, None);
                }
                ResolvedCall::Write { stream } => self.write_record(stream, request.id, request.counted, false),
                ResolvedCall::Send { queue } => {
                    self.send_message(queue, request.id, request.counted, None, false, SimDuration::ZERO);
                }
                ResolvedCall::Publish { bus, call } => {
                    let spec = &self.functions[function as usize].model.spec;
                    if let Some(Call::Publish { detail_type, .. }) = spec.calls.get(call as usize) {
                        let (detail_type, source) = (detail_type.clone(), spec.name.clone());
                        self.publish(bus, &detail_type, &source, request.id, request.counted);
                    }
                }
                ResolvedCall::Invoke { function: callee, asynchronous: true } => {
                    self.new_async_event(callee, request.id, request.counted, None);
                }
                ResolvedCall::Invoke { function: callee, asynchronous: false } => {
                    let call = InFlight::new(request.id, Origin::Call { function, env }, self.now, request.counted);
                    match self.try_invoke(callee, call) {
                        Ok(()) => return, // the caller waits, busy and billed
                        Err(reason) => {
                            self.note_throttle(callee, &call, reason);
                            self.set_request(function, env, |r| r.call_failure = Some(CallFailure::Throttled));
                            continue;
                        }
                    }
                }
            }
            self.set_request(function, env, |r| r.next_call += 1);
        }
    }

    pub(crate) fn set_request(&mut self, function: u32, env: u32, change: impl FnOnce(&mut InFlight)) {
        if let Some(r) = self.functions[function as usize].slots[env as usize].request.as_mut() {
            change(r);
        }
    }

    /// A synchronous callee finished: the caller goes on (or fails with it).
    pub(crate) fn callee_done(&mut self, caller: u32, env: u32, outcome: Outcome) {
        self.set_request(caller, env, |r| {
            if outcome != Outcome::Succeeded {
                r.call_failure = Some(CallFailure::CalleeFailed);
            }
            r.next_call += 1;
        });
        self.continue_calls(caller, env);
    }

    /// Issues one query: get a connection (the environment's own, or one lent by the
    /// pooler), then run it on the server.
    pub(crate) fn issue_query(&mut self, function: u32, env: u32, database: u32) {
        let now = self.now;
        self.set_request(function, env, |r| r.query_issued = now);
        let waiter = Waiter { function, env, since: now };
        let counted = self.functions[function as usize].slots[env as usize].request.is_some_and(|r| r.counted);
        let db = &mut self.databases[database as usize];
        if db.spec.pooler.is_some() {
            if db.pool_free > 0 {
                db.pool_free -= 1;
                self.submit_query(database, waiter);
            } else {
                db.pool_waiting.push_back(waiter);
            }
            return;
        }
        let slot = &mut self.functions[function as usize].slots[env as usize];
        if slot.env.connections & (1 << database) == 0 {
            if db.open(now, counted) {
                slot.env.connections |= 1 << database;
            } else {
                self.set_request(function, env, |r| r.call_failure = Some(CallFailure::ConnectionRefused));
                self.complete(function, env);
                return;
            }
        }
        self.submit_query(database, waiter);
    }

    /// The server runs a query now if it has a free slot; otherwise it waits its turn.
    pub(crate) fn submit_query(&mut self, database: u32, waiter: Waiter) {
        let db = &mut self.databases[database as usize];
        if db.running < db.spec.max_parallel_queries {
            db.running += 1;
            let Waiter { function, env, .. } = waiter;
            let mut server = self.db_samplers[database as usize].sample(&mut self.db_rngs[database as usize]);
            let slowdown = self.db_slowdown[database as usize];
            if slowdown != 1.0 {
                server = SimDuration::from_secs_f64(server.as_secs_f64() * slowdown);
            }
            let took = server + self.db_rtt[function as usize][database as usize];
            self.queue.schedule(self.now + took, Event::QueryDone { database, function, env });
        } else {
            db.waiting.push_back(waiter);
        }
    }

    pub(crate) fn on_query_done(&mut self, database: u32, function: u32, env: u32) {
        let now = self.now;
        let db = &mut self.databases[database as usize];
        db.running -= 1;
        if let Some(next) = db.waiting.pop_front() {
            self.submit_query(database, next);
        }
        let db = &mut self.databases[database as usize];
        if db.spec.pooler.is_some() {
            // The pooled connection goes to the next query waiting for one.
            match db.pool_waiting.pop_front() {
                Some(next) => self.submit_query(database, next),
                None => db.pool_free += 1,
            }
        }
        let Some(request) = self.functions[function as usize].slots[env as usize].request else { return };
        let db = &mut self.databases[database as usize];
        if request.counted {
            db.counters.queries += 1;
            db.query_latency.record(now.since(request.query_issued));
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
}
