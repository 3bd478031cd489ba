//! A handler's downstream calls, in order: database queries over limited connections
//! (or a pooler), messages, events, objects, table writes, and other functions invoked
//! synchronously (the caller waits, busy and billed) or asynchronously.

use crate::sim::Simulation;
use crate::sim::function::Call;
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimDuration;
use crate::sim::route::Origin;
use crate::sim::route::ResolvedCall;
use crate::sim::route::{CallFailure, InFlight};
use crate::sim::services::queue::Sent;

impl Simulation {
    // ----- a handler's downstream calls -----

    /// Runs the invocation's next calls until one has to wait, or completes it.
    pub(crate) fn continue_calls(&mut self, function: u32, env: u32) {
        loop {
            let f = &self.functions[function as usize];
            let Some(request) = f.slots[env as usize].request else { return };
            let call = self.functions[function as usize].calls.get(usize::from(request.next_call)).copied();
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
                ResolvedCall::Write { stream } => {
                    self.write_record(stream, request.id, request.counted, false, request.depth);
                }
                ResolvedCall::Send { queue } => {
                    let consumed = self.services.queues[queue as usize].consumer_index.is_some();
                    if !consumed || self.loop_allows(request.depth, request.counted) {
                        let sent = Sent {
                            sent_at: self.now,
                            correlation: request.id,
                            counted: request.counted,
                            poison: false,
                            trigger: None,
                            fetch: SimDuration::ZERO,
                            depth: request.depth,
                        };
                        self.send_message(queue, sent);
                    }
                }
                ResolvedCall::Publish { bus, call } => {
                    let spec = &self.functions[function as usize].model.spec;
                    if let Some(Call::Publish { detail_type, .. }) = spec.calls.get(call as usize) {
                        let (detail_type, source) = (detail_type.clone(), spec.name.clone());
                        self.publish(bus, &detail_type, &source, request.id, request.counted, request.depth);
                    }
                }
                ResolvedCall::Invoke { function: callee, asynchronous: true } => {
                    if self.loop_allows(request.depth, request.counted) {
                        let depth = request.depth + 1;
                        self.new_async_event_with(callee, request.id, request.counted, None, depth, SimDuration::ZERO);
                    }
                }
                ResolvedCall::Invoke { function: callee, asynchronous: false } => {
                    // A synchronous call holds its caller's environment: a cycle of them
                    // ends at the concurrency limit. It still counts as a hop.
                    let mut call = InFlight::new(request.id, Origin::Call { function, env }, self.now, request.counted);
                    call.depth = request.depth.saturating_add(1);
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
}
