//! A handler's downstream calls, in order: database queries over limited connections
//! (or a pooler), messages, events, objects, table writes, and other functions invoked
//! synchronously (the caller waits, busy and billed) or asynchronously.

use crate::sim::function::{ApiCache, Call};
use crate::sim::kernel::log::CallFailed;
use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::log::{HandlerLine, LogEntry, LogKind, LogLevel};
use crate::sim::kernel::time::SimDuration;
use crate::sim::kernel::trace::{Span, SpanKind};
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::route::ResolvedCall;
use crate::sim::services::flows::{EffectSite, part_id};
use crate::sim::services::queue::Sent;
use crate::sim::{Event, Simulation};

impl Simulation {
    // ----- a handler's downstream calls -----

    /// Runs the invocation's next calls until one has to wait, or completes it. A batch
    /// handler runs every call once per message (or record), in order.
    pub(crate) fn continue_calls(&mut self, function: u32, env: u32) {
        loop {
            let f = &self.functions[function as usize];
            let Some(mut request) = f.slots[env as usize].request else { return };
            let calls = f.calls.len() as u32;
            let call = (request.next_call < calls.saturating_mul(request.items))
                .then(|| f.calls[(request.next_call % calls) as usize]);
            let (Some(call), None) = (call, request.call_failure) else {
                self.complete(function, env);
                return;
            };
            // The side effect belongs to the item being worked on.
            request.id = self.item_correlation(&request, request.next_call / calls);
            let k = (request.next_call % calls) as usize;
            let flows = !self.services.flows.is_empty();
            if flows && k == 0 {
                self.services.flows.reached(request.id, function);
            }
            if let ResolvedCall::Log { level, slower_than } = call {
                self.functions[function as usize].calls_made[k] += u64::from(request.counted);
                let elapsed = self.now.since(request.started);
                if elapsed >= slower_than {
                    let line = HandlerLine::Step { call: k as u32, elapsed };
                    self.handler_log(function, env, request.id, request.counted, level, line);
                }
                self.set_request(function, env, |r| r.next_call += 1);
                continue;
            }
            let now = self.now;
            self.set_request(function, env, |r| {
                r.call = k as u32;
                r.call_began = now;
            });
            let f = &mut self.functions[function as usize];
            if !f.call_allowed[k] {
                self.deny_call(function, env, &request, k as u32);
                continue;
            }
            f.calls_made[k] += u64::from(request.counted);
            match call {
                ResolvedCall::Query { database, count, .. } => {
                    self.set_request(function, env, |r| r.queries_left = count);
                    self.issue_query(function, env, database);
                    return;
                }
                ResolvedCall::Api { api, retries, backoff, cache } => {
                    if let Some(cache) = cache
                        && self.answer_from_cache(function, env, api, cache, request.counted)
                    {
                        continue;
                    }
                    let now = self.now;
                    self.set_request(function, env, |r| r.query_issued = now);
                    self.call_api(function, env, api, retries, backoff);
                    return;
                }
                ResolvedCall::TmpFile { file, size_kb, download, keep } => {
                    if !self.tmp_file(function, env, request.counted, (file, size_kb, keep)) {
                        self.queue.schedule(self.now + download, Event::TmpFetched { function, env });
                        return;
                    }
                    continue;
                }
                ResolvedCall::Put { size_kb, to_tmp: true, .. } => {
                    // "Upload later": nothing does. The result lives as long as the environment.
                    let kb = size_kb.ceil() as u64;
                    if self.take_tmp(function, env, kb) {
                        let f = &mut self.functions[function as usize];
                        f.env_of(env).tmp_results += u32::from(request.counted);
                        f.counters.tmp_results_written += u64::from(request.counted);
                    } else {
                        self.tmp_full(function, env, request.counted);
                        continue;
                    }
                }
                ResolvedCall::Put { bucket, size_kb, to_tmp: false } => {
                    if let Some(rule) = &mut self.services.buckets[bucket as usize].residency {
                        rule.access(function, request.counted);
                    }
                    self.object_created(bucket, size_kb, request.depth, request.id, request.counted, None);
                    if flows {
                        self.flow_effect(function, request.id, EffectSite::Bucket(bucket), None);
                    }
                }
                ResolvedCall::Write { stream } => {
                    self.write_record(stream, request.id, request.counted, false, (None, request.depth));
                    if flows {
                        self.flow_effect(function, request.id, EffectSite::Stream(stream), None);
                    }
                }
                ResolvedCall::Send { queue, count } => {
                    let consumed = self.services.queues[queue as usize].consumer_index.is_some();
                    let allowed = !consumed || self.loop_allows(request.depth, request.counted);
                    for part in 0..count {
                        // A fan-out's messages each carry their own part of the request.
                        let id = if count > 1 { part_id(request.id, part) } else { request.id };
                        if allowed {
                            let sent = Sent {
                                sent_at: self.now,
                                correlation: id,
                                counted: request.counted,
                                poison: false,
                                trigger: None,
                                fetch: SimDuration::ZERO,
                                depth: request.depth,
                                dead: None,
                            };
                            self.send_message(queue, sent);
                        }
                        if flows {
                            self.flow_effect(function, id, EffectSite::Queue(queue), None);
                        }
                    }
                }
                ResolvedCall::Publish { bus, call } => {
                    let spec = &self.functions[function as usize].model.spec;
                    if let Some(Call::Publish { detail_type, .. }) = spec.calls.get(call as usize) {
                        let (detail_type, source) = (detail_type.clone(), spec.name.clone());
                        self.publish(bus, &detail_type, &source, request.id, request.counted, request.depth);
                        if flows {
                            self.flow_effect(function, request.id, EffectSite::Bus(bus), Some(&detail_type));
                        }
                    }
                }
                ResolvedCall::Invoke { function: callee, asynchronous: true } => {
                    if self.loop_allows(request.depth, request.counted) {
                        let depth = request.depth + 1;
                        self.new_async_event_with(callee, request.id, request.counted, None, depth, SimDuration::ZERO);
                    }
                }
                // Handled above, before the permission check (it needs none).
                ResolvedCall::Log { .. } => {}
                ResolvedCall::Invoke { function: callee, asynchronous: false } => {
                    // A synchronous call holds its caller's environment: a cycle of them
                    // ends at the concurrency limit. It still counts as a hop.
                    let mut call = InFlight::new(request.id, Origin::Call { function, env }, self.now, request.counted);
                    call.depth = request.depth.saturating_add(1);
                    match self.try_invoke(callee, call) {
                        Ok(()) => return, // the caller waits, busy and billed
                        Err(reason) => {
                            self.note_throttle(callee, &call, reason);
                            self.set_request(function, env, |r| r.call_failure = Some(CallFailed::Throttled));
                            continue;
                        }
                    }
                }
            }
            self.set_request(function, env, |r| r.next_call += 1);
        }
    }

    /// A flow's effect done by `function` for correlation id `id` (an idempotency
    /// store makes a repeat a no-op).
    pub(crate) fn flow_effect(&mut self, function: u32, id: u64, site: EffectSite, detail_type: Option<&str>) {
        let idempotent = self.functions[function as usize].model.spec.idempotency;
        self.services.flows.effect(id, site, detail_type, idempotent, self.now);
    }

    /// The correlation id of the item a batch handler is working on now (the
    /// request's own outside batches).
    pub(crate) fn current_item(&self, function: u32, request: &InFlight) -> u64 {
        let calls = self.functions[function as usize].calls.len().max(1) as u32;
        self.item_correlation(request, request.next_call / calls)
    }

    /// A line the handler writes into the log (with the correlation id `request`);
    /// counted by level for the report when the request is.
    pub(crate) fn handler_log(
        &mut self,
        function: u32,
        env: u32,
        request: u64,
        counted: bool,
        level: LogLevel,
        line: HandlerLine,
    ) {
        if counted && matches!(line, HandlerLine::Step { .. }) {
            self.functions[function as usize].counters.logged[level as usize] += 1;
        }
        let kind = LogKind::Handler { level, line };
        self.log.push(LogEntry { time: self.now, kind, function, env, request });
    }

    /// The correlation id of item `k` of a batch (its message's or record's), or the
    /// request's own outside batches.
    fn item_correlation(&self, request: &InFlight, k: u32) -> u64 {
        match request.origin {
            Origin::Queue { queue, batch } => {
                let q = &self.services.queues[queue as usize];
                // The slot may hold another message already if this one was deleted.
                match q.batches[batch as usize].get(k as usize) {
                    Some(&(m, serial)) if q.messages[m as usize].serial == serial => q.messages[m as usize].correlation,
                    _ => request.id,
                }
            }
            Origin::Stream { stream, shard } => {
                let sh = &self.services.streams[stream as usize].shards[shard as usize];
                sh.records.get(k as usize).map_or(request.id, |r| r.correlation)
            }
            _ => request.id,
        }
    }

    /// A call the role does not allow fails the invocation with AccessDenied: counted,
    /// logged and traced where it happened.
    fn deny_call(&mut self, function: u32, env: u32, request: &InFlight, call: u32) {
        let now = self.now;
        self.functions[function as usize].counters.access_denied += u64::from(request.counted);
        let kind = LogKind::AccessDenied { call };
        self.log.push(LogEntry { time: now, kind, function, env, request: request.id });
        let span = Span {
            trace: request.id,
            kind: SpanKind::AccessDenied,
            node: function,
            start: now,
            end: now,
            outcome: None,
        };
        self.traces.record(span);
        self.set_request(function, env, |r| r.call_failure = Some(CallFailed::AccessDenied));
    }

    /// A cached API call: answered from the environment's memory while fresh and not
    /// rotated (true: the call is done, or failed on a stale secret); false when it must
    /// be read from the API.
    fn answer_from_cache(&mut self, function: u32, env: u32, api: u32, cache: ApiCache, counted: bool) -> bool {
        let version = self.services.apis[api as usize].version;
        let f = &mut self.functions[function as usize];
        let held = &*f.env_of(env);
        if self.now >= held.cached_until {
            return false;
        }
        if held.cached_version == version {
            f.counters.api_cache_hits += u64::from(counted);
            self.set_request(function, env, |r| r.next_call += 1);
            return true;
        }
        if cache.refresh_on_error {
            return false; // the failure is noticed and the value read again
        }
        f.counters.stale_secrets += u64::from(counted);
        self.set_request(function, env, |r| r.call_failure = Some(CallFailed::StaleSecret));
        true
    }

    /// A cached API call was answered: the environment keeps the value for its TTL.
    pub(crate) fn keep_in_cache(&mut self, function: u32, env: u32, api: u32, next_call: u32) {
        let calls = &self.functions[function as usize].calls;
        let Some(&ResolvedCall::Api { cache: Some(cache), .. }) = calls.get((next_call as usize) % calls.len().max(1))
        else {
            return;
        };
        let version = self.services.apis[api as usize].version;
        let until = self.now + cache.ttl;
        let held = self.functions[function as usize].env_of(env);
        held.cached_until = until;
        held.cached_version = version;
    }

    /// A `TmpFile` call: true when it is done (the environment holds the file, or /tmp
    /// has no room for it: the invocation fails); false when its download has started
    /// (counted; `on_tmp_fetched` goes on).
    fn tmp_file(&mut self, function: u32, env: u32, counted: bool, (file, size_kb, keep): (u8, u64, bool)) -> bool {
        let f = &mut self.functions[function as usize];
        let home = f.home(env);
        let held = &f.slots[home as usize].env;
        if held.tmp_files & (1 << file) != 0 {
            f.counters.tmp_file_hits += u64::from(counted);
            self.set_request(function, env, |r| r.next_call += 1);
            return true;
        }
        let room = u64::from(f.model.spec.ephemeral_mb) * 1024;
        if keep && held.tmp_used_kb + size_kb > room {
            self.tmp_full(function, env, counted);
            return true;
        }
        f.counters.tmp_downloads += u64::from(counted);
        f.counters.tmp_download_kb += if counted { size_kb } else { 0 };
        false
    }

    /// A `TmpFile` download finished: a kept file now takes its room in /tmp.
    pub(crate) fn on_tmp_fetched(&mut self, function: u32, env: u32) {
        let f = &self.functions[function as usize];
        let Some(request) = f.slots[env as usize].request else { return };
        let calls = &f.calls;
        if let Some(&ResolvedCall::TmpFile { file, size_kb, keep: true, .. }) =
            calls.get((request.next_call as usize) % calls.len().max(1))
            && self.take_tmp(function, env, size_kb)
        {
            self.functions[function as usize].env_of(env).tmp_files |= 1 << file;
        }
        self.set_request(function, env, |r| r.next_call += 1);
        self.continue_calls(function, env);
    }

    /// Takes `kb` of the environment's /tmp if it has the room (false: it is full).
    fn take_tmp(&mut self, function: u32, env: u32, kb: u64) -> bool {
        let f = &mut self.functions[function as usize];
        let room = u64::from(f.model.spec.ephemeral_mb) * 1024;
        let home = f.home(env);
        let held = &mut f.slots[home as usize].env;
        if held.tmp_used_kb + kb > room {
            return false;
        }
        held.tmp_used_kb += kb;
        f.counters.tmp_peak_kb = f.counters.tmp_peak_kb.max(held.tmp_used_kb);
        true
    }

    /// /tmp had no room: the write fails with "No space left on device", and so does
    /// the invocation.
    fn tmp_full(&mut self, function: u32, env: u32, counted: bool) {
        self.functions[function as usize].counters.tmp_full += u64::from(counted);
        self.set_request(function, env, |r| r.call_failure = Some(CallFailed::TmpFull));
    }

    /// The retries and back-off of the API call at position `next_call`.
    pub(crate) fn api_call_retries(&self, function: u32, next_call: u32) -> (u16, SimDuration) {
        let calls = &self.functions[function as usize].calls;
        match calls.get((next_call as usize) % calls.len().max(1)) {
            Some(ResolvedCall::Api { retries, backoff, .. }) => (*retries, *backoff),
            _ => (0, SimDuration::ZERO),
        }
    }

    /// An API call's back-off ended: the same call, once more.
    pub(crate) fn on_api_retry(&mut self, function: u32, env: u32) {
        let Some(request) = self.functions[function as usize].slots[env as usize].request else { return };
        let calls = &self.functions[function as usize].calls;
        if let Some(&ResolvedCall::Api { api, retries, backoff, .. }) =
            calls.get((request.next_call as usize) % calls.len().max(1))
        {
            let now = self.now;
            self.set_request(function, env, |r| r.query_issued = now);
            self.call_api(function, env, api, retries, backoff);
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
                r.call_failure = Some(CallFailed::CalleeFailed);
            }
            r.next_call += 1;
        });
        self.continue_calls(caller, env);
    }
}
