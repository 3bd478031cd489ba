//! Third-party APIs (an email or payment provider, a scanning service): something the
//! design does not own and cannot scale. Each has a rate limit (a token bucket: a rate
//! and a burst), a limit on requests in flight, a latency and an error rate. A request
//! over a limit is refused at once with 429 Too Many Requests; the calling handler
//! waits and retries with back-off as many times as its call says, then fails. This is
//! why the guide puts a queue with a bounded consumer in front of such a provider.

use crate::sim::kernel::dist::{Dist, Sampler};
use crate::sim::kernel::log::CallFailed;
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};

/// A third-party API as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSpec {
    pub name: String,
    /// Requests it accepts, on average and in a burst (none: unlimited).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// Requests it serves at once; more are refused with 429 (none: unlimited).
    #[serde(default)]
    pub max_concurrency: Option<u32>,
    /// Its response time.
    pub latency: Dist,
    /// Fraction of its responses that are errors (5xx).
    #[serde(default)]
    pub error_rate: f64,
    /// Fraction of requests (by correlation id) it refuses for good: a card declined
    /// by a payment provider. The refusal is an answer, not a fault: the call is not
    /// retried, fails its invocation, and every later call for the same request is
    /// declined again. A flow's `if_declined` grades those requests by other effects.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub declines: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

/// A token bucket: `per_second` tokens a second, at most `burst` saved up (the bucket
/// starts full).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

/// Counts over calls made after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ApiCounters {
    /// Requests sent (each attempt of a call).
    pub requests: u64,
    pub succeeded: u64,
    /// Refused with 429 (rate or concurrency limit).
    pub throttled: u64,
    /// Answered with an error.
    pub errors: u64,
    /// Attempts after a 429 or an error.
    pub retries: u64,
    /// Calls that gave up (their invocation failed).
    pub gave_up: u64,
    /// Answered with a refusal for good (`declines`); each fails its invocation.
    pub declined: u64,
}

/// An API at run time.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub spec: ApiSpec,
    tokens: f64,
    refilled: SimTime,
    pub in_flight: u32,
    pub peak_in_flight: u32,
    pub counters: ApiCounters,
    /// How many times the value it serves was rotated (`RotateSecret`): answers cached
    /// before the last rotation are stale.
    pub version: u32,
    /// Response time of counted requests it served (errors included).
    pub latency: Histogram,
    sampler: Sampler,
    rng: RngStream,
    /// Mixed into a request's correlation id to decide whether it is declined (the
    /// same answer for every attempt, whatever the order of calls).
    decline_salt: u64,
}

impl ApiState {
    pub(crate) fn new(spec: ApiSpec, seed: u64) -> ApiState {
        ApiState {
            tokens: spec.rate_limit.as_ref().map_or(0.0, |r| f64::from(r.burst)),
            refilled: SimTime::ZERO,
            in_flight: 0,
            peak_in_flight: 0,
            counters: ApiCounters::default(),
            version: 0,
            latency: Histogram::default(),
            sampler: Sampler::new(&spec.latency),
            rng: RngStream::new(seed, &format!("api/{}/responses", spec.name)),
            decline_salt: (RngStream::new(seed, &format!("api/{}/declines", spec.name)).unit() * (1u64 << 53) as f64)
                as u64,
            spec,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Whether a request sent now is admitted (taking a token and a slot) or refused.
    fn admit(&mut self, now: SimTime) -> bool {
        if self.spec.max_concurrency.is_some_and(|m| self.in_flight >= m) {
            return false;
        }
        if let Some(limit) = &self.spec.rate_limit {
            let refill = now.since(self.refilled).as_secs_f64() * limit.per_second;
            self.tokens = (self.tokens + refill).min(f64::from(limit.burst));
            self.refilled = now;
            if self.tokens < 1.0 {
                return false;
            }
            self.tokens -= 1.0;
        }
        self.in_flight += 1;
        self.peak_in_flight = self.peak_in_flight.max(self.in_flight);
        true
    }

    /// Whether the API declines the request with correlation id `request` (the
    /// request's own id, not a part's: a fan-out's parts share their request's answer).
    pub(crate) fn declines(&self, request: u64) -> bool {
        if self.spec.declines <= 0.0 {
            return false;
        }
        let h = splitmix64(request ^ self.decline_salt);
        ((h >> 11) as f64 / (1u64 << 53) as f64) < self.spec.declines
    }

    pub(crate) fn reset_peaks(&mut self) {
        self.peak_in_flight = self.in_flight;
    }
}

/// A 64-bit mix (splitmix64's finaliser): a uniform hash of a correlation id.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The back-off before attempt `attempt` (1 = the first retry): `base` doubling.
fn backoff(base: SimDuration, attempt: u16) -> SimDuration {
    SimDuration(base.0.saturating_mul(1 << u32::from(attempt.saturating_sub(1)).min(16)))
}

impl Simulation {
    /// Sends the current call's request to `api` (its first attempt or a retry).
    pub(crate) fn call_api(&mut self, function: u32, env: u32, api: u32, retries: u16, base: SimDuration) {
        let now = self.now;
        let Some(request) = self.functions[function as usize].slots[env as usize].request else { return };
        let a = &mut self.services.apis[api as usize];
        a.counters.requests += u64::from(request.counted);
        a.counters.retries += u64::from(request.counted && request.attempt > 0);
        if a.admit(now) {
            let took = a.sampler.sample(&mut a.rng);
            self.queue.schedule(now + took, Event::ApiDone { api, function, env });
            return;
        }
        a.counters.throttled += u64::from(request.counted);
        self.api_attempt_failed(function, env, api, retries, base);
    }

    /// A response came back: an error is retried like a 429, a success moves on.
    pub(crate) fn on_api_done(&mut self, api: u32, function: u32, env: u32) {
        let a = &mut self.services.apis[api as usize];
        a.in_flight -= 1;
        let error = a.rng.chance(a.spec.error_rate);
        let Some(request) = self.functions[function as usize].slots[env as usize].request else { return };
        let id = self.current_item(function, &request);
        let request_id = crate::sim::services::flows::request_of(id);
        let a = &mut self.services.apis[api as usize];
        let declined = !error && a.declines(request_id);
        if request.counted {
            a.latency.record(self.now.since(request.query_issued));
            a.counters.errors += u64::from(error);
            a.counters.declined += u64::from(declined);
            a.counters.succeeded += u64::from(!error && !declined);
        }
        if error {
            let (retries, base) = self.api_call_retries(function, request.next_call);
            return self.api_attempt_failed(function, env, api, retries, base);
        }
        if declined {
            // A refusal for good: not retried; the invocation fails and says why.
            if !self.services.flows.is_empty() {
                self.services.flows.declined(request_id, api);
            }
            self.set_request(function, env, |r| {
                r.call_failure = Some(CallFailed::Declined);
                r.attempt = 0;
            });
            return self.continue_calls(function, env);
        }
        self.keep_in_cache(function, env, api, request.next_call);
        if !self.services.flows.is_empty() {
            self.flow_effect(function, id, crate::sim::services::flows::EffectSite::Api(api), None);
        }
        self.set_request(function, env, |r| {
            r.next_call += 1;
            r.attempt = 0;
        });
        self.continue_calls(function, env);
    }

    /// A 429 or an error: wait and try again if the call allows, else fail the run.
    fn api_attempt_failed(&mut self, function: u32, env: u32, api: u32, retries: u16, base: SimDuration) {
        let Some(request) = self.functions[function as usize].slots[env as usize].request else { return };
        let counted = u64::from(request.counted);
        if request.attempt < retries {
            self.set_request(function, env, |r| r.attempt += 1);
            let at = self.now + backoff(base, request.attempt + 1);
            self.queue.schedule(at, Event::ApiRetry { function, env });
            return;
        }
        self.services.apis[api as usize].counters.gave_up += counted;
        self.set_request(function, env, |r| {
            r.call_failure = Some(CallFailed::ApiFailed);
            r.attempt = 0;
        });
        self.continue_calls(function, env);
    }
}
