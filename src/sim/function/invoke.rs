//! A request's life on a function: arrival from a trigger, a warm or cold start (or a
//! throttle), the handler's run, and its end: billing, counting, telling its origin.

use crate::sim::AccountState;
use crate::sim::config::ScalingRate;
use crate::sim::function::pool::{FunctionState, Released};
use crate::sim::function::provider::Billing;
use crate::sim::kernel::log::CallFailed;
use crate::sim::kernel::log::{HandlerLine, LogEntry, LogKind, LogLevel, Outcome, ThrottleReason};
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::kernel::trace;
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::services::database::open_init_connections;
use crate::sim::{Event, Simulation};

impl Simulation {
    /// Starts a request on a warm environment or a new one (cold start), or says which
    /// limit refuses it (the caller decides what a refusal means for its origin).
    #[inline]
    pub(crate) fn try_invoke(&mut self, function: u32, request: InFlight) -> Result<(), ThrottleReason> {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        if f.shared.is_some() {
            return self.try_invoke_shared(function, request);
        }
        f.counters.arrived += u64::from(request.counted);
        f.touch(now, &self.pool_totals);
        // A warm on-demand environment still needs a unit of concurrency: at the
        // account's limit only an idle provisioned one (always counted) may serve.
        let account_full = f.model.hot.reserved_concurrency.is_none()
            && self.account.unreserved_in_use >= self.account.unreserved_capacity;
        if let Some(env) = f.take_idle(!account_full, &mut self.pool_totals) {
            if !f.slots[env as usize].env.provisioned && f.model.hot.reserved_concurrency.is_none() {
                self.account.unreserved_in_use += 1;
            }
            f.note_concurrency(&mut self.pool_totals);
            self.note_in_flight();
            self.start_invocation(function, env, request);
            return Ok(());
        }
        admit_new_environment(f, &mut self.account, &self.config.account.scaling_rate, now)?;
        // Warm environments exist but all are busy: the traffic outgrew the pool (else
        // the pool was empty: it expired while idle, or never started).
        f.counters.cold_starts_scaling_out += u64::from(request.counted && f.environments() > 0);
        let env = f.start_environment(now, request, &mut self.pool_totals);
        f.note_concurrency(&mut self.pool_totals);
        open_init_connections(f, env, &mut self.services.databases, now, request.counted);
        let took = f.sample_new_environment();
        if let Some(r) = f.slots[env as usize].request.as_mut() {
            r.init = took;
        }
        f.lifetime_cold_starts += 1;
        self.series.current.cold_starts += 1;
        self.note_in_flight();
        self.log.push(LogEntry { time: now, kind: LogKind::ColdStartBegan, function, env, request: request.id });
        self.queue.schedule(now + took, Event::InitDone { function, env });
        Ok(())
    }

    #[inline]
    pub(crate) fn note_in_flight(&mut self) {
        self.in_flight += 1;
        self.max_in_flight = self.max_in_flight.max(self.in_flight);
    }

    /// Counts a refusal against the function (the origin decides what happens next).
    pub(crate) fn note_throttle(&mut self, function: u32, request: &InFlight, reason: ThrottleReason) {
        let f = &mut self.functions[function as usize];
        if request.counted {
            match reason {
                ThrottleReason::ReservedConcurrency => f.counters.throttled_reserved += 1,
                ThrottleReason::AccountConcurrency => f.counters.throttled_account += 1,
                ThrottleReason::ScalingRate => f.counters.throttled_scaling += 1,
            }
        }
        f.lifetime_throttles += 1;
        self.series.current.throttled += 1;
        let entry = LogEntry {
            time: self.now,
            kind: LogKind::Throttled { reason },
            function,
            env: u32::MAX,
            request: request.id,
        };
        self.log.push(entry);
    }

    pub(crate) fn on_init_done(&mut self, function: u32, env: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        if f.shared.is_some() {
            return self.on_shared_init_done(function, env);
        }
        f.touch(now, &self.pool_totals);
        f.finish_init(env, &mut self.pool_totals);
        let Some(request) = f.slots[env as usize].request else {
            return;
        };
        if request.counted {
            f.counters.cold_starts += 1;
            f.cold_start_times.record(request.init);
            if f.model.hot.snap_start {
                f.counters.restores += 1;
                if f.model.spec.runtime.snap_start_billed() {
                    f.usage.bill_restore(f.model.spec.memory_mb);
                }
            }
        }
        let entry = LogEntry {
            time: now,
            kind: LogKind::ColdStartDone { took: request.init },
            function,
            env,
            request: request.id,
        };
        self.log.push(entry);
        self.start_invocation(function, env, request);
    }

    /// Draws the handler's run (duration, error, timeout) and schedules its end. Always
    /// inlined (four callers): the call cost case (a) 1.35% more instructions.
    #[inline(always)]
    pub(crate) fn start_invocation(&mut self, function: u32, env: u32, mut request: InFlight) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        let shared = f.shared.is_some();
        let first_on_env = f.env_of(env).invocations == 0;
        let route = match request.origin {
            Origin::Http { trigger, .. } => self.triggers[trigger as usize].route_duration.as_deref(),
            _ => None,
        };
        let mut duration = match route {
            Some(work) => f.model.sample_duration_of(work, first_on_env, &mut f.rngs.duration),
            None => f.model.sample_duration(first_on_env, &mut f.rngs.duration),
        };
        let mut poisoned = false;
        if let Origin::Queue { queue, batch } = request.origin {
            // A batch is processed message after message.
            let q = &self.services.queues[queue as usize];
            let messages = &q.batches[batch as usize];
            poisoned = messages.iter().any(|&(m, _)| q.messages[m as usize].poison);
            duration = SimDuration(duration.0.saturating_mul((messages.len() as u64).max(1)));
            request.items = messages.len() as u32;
            // Claim-checked messages: the handler fetches each payload from the bucket.
            for &(m, _) in messages {
                duration = duration + q.messages[m as usize].fetch;
            }
        }
        duration = duration + request.fetch;
        if let Origin::Stream { stream, shard } = request.origin {
            let sh = &self.services.streams[stream as usize].shards[shard as usize];
            let (records, poison) = (sh.in_flight, sh.records.iter().take(sh.in_flight as usize).any(|r| r.poison));
            duration = SimDuration(duration.0.saturating_mul(u64::from(records.max(1))));
            request.items = records;
            poisoned |= poison;
        }
        request.started = now;
        if f.model.hot.cached
            && let Some(cache) = &f.model.spec.cache
        {
            // An empty cache on a fresh environment; then hits at the cache's ratio.
            let hit = !first_on_env && f.rngs.state.chance(cache.hit_ratio);
            if request.counted {
                f.counters.cache_hits += u64::from(hit);
                f.counters.cache_misses += u64::from(!hit);
            }
            if hit && let Some(sampler) = &f.model.cache_hit {
                duration = sampler.sample(&mut f.rngs.state);
                request.cache_hit = true;
            }
        }
        if !f.sessions.is_empty() {
            let user = (f.rngs.state.unit() * f.sessions.len() as f64) as usize % f.sessions.len();
            let home = f.home(env);
            let here = (home, f.slots[home as usize].env.created_at);
            let previous = f.sessions[user].replace(here);
            if previous.is_some_and(|p| p != here) && request.counted {
                f.counters.wrong_results += 1;
            }
        }
        // SnapStart: state the snapshot shares between environments, or left stale.
        let (snapshot_shared, stale) = f.snapshot_effects(first_on_env);
        // Written only when there is something to count: these counters are on a cache
        // line of their own that an ordinary invocation need not touch.
        if request.counted && (snapshot_shared || stale) {
            f.counters.snapshot_shared_state += u64::from(snapshot_shared);
            f.counters.wrong_results += u64::from(snapshot_shared);
            f.counters.stale_connections += u64::from(stale);
        }
        let spec = &f.model.hot;
        let run;
        (run, request.outcome) = if duration > spec.timeout {
            (spec.timeout, Outcome::TimedOut)
        } else if poisoned || f.rngs.errors.chance(spec.error_rate) || stale {
            (duration, Outcome::Failed)
        } else {
            (duration, Outcome::Succeeded)
        };
        f.counters.invocations += u64::from(request.counted);
        f.lifetime_invocations += 1;
        f.slots[env as usize].request = Some(request);
        let warm = request.init.0 == 0;
        self.log.push(LogEntry { time: now, kind: LogKind::Started { warm }, function, env, request: request.id });
        if !self.services.flows.is_empty() {
            self.services.flows.reached(request.id, function);
        }
        if shared {
            self.run_shared(function, env, run);
        } else {
            self.queue.schedule(now + run, Event::Finish { function, env });
        }
    }

    /// The handler's own work is done: its downstream calls come next.
    pub(crate) fn on_finish(&mut self, function: u32, env: u32) {
        let cache_hit = self.functions[function as usize].slots[env as usize].request.is_some_and(|r| r.cache_hit);
        // A timed-out handler was stopped: it makes no further calls.
        let timed_out = self.functions[function as usize].slots[env as usize]
            .request
            .is_some_and(|r| r.outcome == Outcome::TimedOut);
        if cache_hit || timed_out || self.functions[function as usize].calls.is_empty() {
            self.complete(function, env); // the common case: no downstream calls
        } else {
            self.continue_calls(function, env);
        }
    }

    /// The invocation is over: bill it, count it, tell its origin, free the environment.
    pub(crate) fn complete(&mut self, function: u32, env: u32) {
        let now = self.now;
        let f = &mut self.functions[function as usize];
        f.touch(now, &self.pool_totals);
        let Some(mut request) = f.slots[env as usize].request.take() else {
            return;
        };
        let spec = &f.model.hot;
        let mut elapsed = now.since(request.started);
        if request.call_failure.is_some() && request.outcome == Outcome::Succeeded {
            request.outcome = Outcome::Failed;
        }
        if elapsed > spec.timeout {
            // Downstream calls ran past the timeout. (Simplification: the environment is
            // freed when the calls end, not at the timeout itself.)
            request.outcome = Outcome::TimedOut;
            elapsed = spec.timeout;
        }
        // The handler's own error line: which call failed it, or was under way when its
        // time ran out, and how long that call took.
        let context = match request.call_failure {
            Some(failure) => {
                Some(HandlerLine::CallFailed { call: request.call, failure, took: now.since(request.call_began) })
            }
            None if request.outcome == Outcome::TimedOut && request.call != u32::MAX => {
                Some(HandlerLine::TimedOut { call: request.call, took: now.since(request.call_began) })
            }
            None => None,
        };
        if let Some(line) = context {
            let kind = LogKind::Handler { level: LogLevel::Error, line };
            self.log.push(LogEntry { time: now, kind, function, env, request: request.id });
        }
        let latency = now.since(request.arrived);
        let f = &mut self.functions[function as usize];
        let spec = &f.model.hot;
        let provisioned = f.slots[env as usize].env.provisioned;
        let memory = spec.memory_mb;
        if request.counted {
            if matches!(f.billing, Billing::PerRequest) {
                f.usage.requests += 1;
                // On-demand init is billed with the invocation; provisioned environments
                // were initialised ahead of time and paid for by their allocation.
                // A SnapStart restore bills only its after-restore hook.
                let billed = if provisioned { elapsed } else { elapsed + f.model.billed_start(request.init) };
                f.usage.bill(memory, billed, provisioned);
                f.usage.bill_ephemeral(spec.ephemeral_mb, billed);
            } else {
                // Billed by its environments' time (report/billing.rs: usage_of); only counted here.
                f.usage.instance_requests += 1;
            }
            match request.outcome {
                Outcome::Succeeded => f.counters.succeeded += 1,
                Outcome::Failed => f.counters.failed += 1,
                Outcome::TimedOut => f.counters.timed_out += 1,
            }
        }
        let point = &mut self.series.current;
        point.completed += 1;
        point.errors += u64::from(request.outcome == Outcome::Failed);
        point.timeouts += u64::from(request.outcome == Outcome::TimedOut);
        point.latency.record(latency);
        point.in_flight_secs += (elapsed + request.init).as_secs_f64();
        self.log.push(LogEntry {
            time: now,
            kind: LogKind::Finished { outcome: request.outcome, latency },
            function,
            env,
            request: request.id,
        });
        self.in_flight -= 1;
        if self.traces.sampled(request.id) {
            let started = request.started;
            if request.init.0 > 0 {
                let start = SimTime(started.0.saturating_sub(request.init.0));
                let span = trace::Span {
                    trace: request.id,
                    kind: trace::SpanKind::ColdStart,
                    node: function,
                    start,
                    end: started,
                    outcome: None,
                };
                self.traces.record(span);
            }
            let span = trace::Span {
                trace: request.id,
                kind: trace::SpanKind::Attempt,
                node: function,
                start: started,
                end: now,
                outcome: Some(request.outcome),
            };
            self.traces.record(span);
        }
        let home = f.home(env);
        let released = if f.shared.is_none() {
            f.release(env, now, &mut self.pool_totals)
        } else {
            f.release_lane(env, now, &mut self.pool_totals)
        };
        if !provisioned && released != Released::Serving && f.model.hot.reserved_concurrency.is_none() {
            self.account.unreserved_in_use -= 1;
        }
        let broken = request.call_failure == Some(CallFailed::ConnectionRefused);
        match released {
            // An environment whose init could not connect is discarded, as Lambda does
            // after a failed init, rather than failing every request it would get.
            Released::Idle(_) if broken => {
                let connections = f.discard_idle(home, &mut self.pool_totals);
                self.drop_connections(connections);
            }
            Released::Idle(at) => {
                if f.expiry_check_at.is_none_or(|scheduled| at < scheduled) {
                    f.expiry_check_at = Some(at);
                    self.queue.schedule(at, Event::ExpiryCheck { function });
                }
            }
            Released::Retired(connections) => self.drop_connections(connections),
            Released::Provisioned | Released::Serving => {}
        }
        if request.counted {
            let batched = self.warms_caches();
            self.functions[function as usize].durations.record_or_batch(elapsed, batched);
        }
        self.resolve_origin(function, request, latency);
    }

    /// Whether `function` could start a request now without being throttled by a
    /// concurrency limit (pollers do not receive messages they cannot process).
    pub(crate) fn has_room(&self, function: u32) -> bool {
        let f = &self.functions[function as usize];
        if !f.idle_provisioned.is_empty() || !f.idle.is_empty() {
            return true;
        }
        if f.shared.as_ref().is_some_and(|s| s.has_room()) {
            return true;
        }
        match f.model.spec.reserved_concurrency {
            Some(r) => f.concurrency_in_use() < r,
            None => self.account.unreserved_in_use < self.account.unreserved_capacity,
        }
    }
}

/// Whether a new environment may start for `f` now (its reserved concurrency, the
/// account's unreserved pool, the scaling rate); if so it takes its unit of the pool.
#[inline]
pub(crate) fn admit_new_environment(
    f: &mut FunctionState,
    account: &mut AccountState,
    scaling: &ScalingRate,
    now: SimTime,
) -> Result<(), ThrottleReason> {
    let reserved = f.model.hot.reserved_concurrency;
    let refusal = match reserved {
        Some(r) if f.concurrency_in_use() >= r => Some(ThrottleReason::ReservedConcurrency),
        None if account.unreserved_in_use >= account.unreserved_capacity => Some(ThrottleReason::AccountConcurrency),
        _ => None,
    };
    let refusal = refusal.or_else(|| {
        (!f.take_scaling_token(now, scaling.environments, scaling.per)).then_some(ThrottleReason::ScalingRate)
    });
    if let Some(reason) = refusal {
        return Err(reason);
    }
    if reserved.is_none() {
        account.unreserved_in_use += 1;
    }
    Ok(())
}
