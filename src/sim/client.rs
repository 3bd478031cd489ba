//! A synchronous client's own patience: an HTTP trigger's `client` policy. The client
//! waits `timeout` for an answer; when none comes (or the answer is a 5xx or a 429) it
//! tries the same request again after a back-off that doubles each time, up to
//! `retries` times. This is how payment providers deliver webhooks: Stripe "attempts to
//! deliver a given event to your webhook endpoint for up to three days with an
//! exponential back off" and warns that endpoints "might occasionally receive the same
//! event more than once" (docs.stripe.com/webhooks, "Automatic retries" and "Handle
//! duplicate events").
//!
//! A client that times out abandons the attempt from its own view only: the function
//! keeps running and its side effects still happen. Every attempt carries the request's
//! correlation id, so a flow counts the effects a retry repeats: the duplicate trap.
//!
//! Every request with a policy holds a slot in `ClientCalls` until its final answer
//! and until the timers of its attempts have fired (so a stale timer never meets
//! another request in a reused slot); an abandoned attempt that finishes later is
//! recognised by its attempt number and correlation id and ignored.

use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::kernel::trace;
use crate::sim::route::{InFlight, Origin};
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};

/// The most retries a client policy may make: payment providers make a handful to a
/// dozen (Stripe over three days; Strike "up to 12 attempts", docs.strike.me,
/// "Failure recovery"), and the back-off doubles each time.
pub const MAX_CLIENT_RETRIES: u32 = 12;

/// An HTTP trigger's client policy: `client: (timeout: "1s", retries: 3, backoff: "10s")`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// How long the client waits for an answer before it abandons the attempt.
    pub timeout: SimDuration,
    /// Attempts after the first, on a timeout, a 5xx (a failed or timed-out function)
    /// or a 429 (a throttle).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub retries: u32,
    /// The wait before the first retry; each later one waits twice the one before.
    #[serde(default, skip_serializing_if = "is_zero_duration")]
    pub backoff: SimDuration,
    /// The fraction of answers that never reach the client (a dropped connection, the
    /// provider's own hiccup): it times out and retries a request that was served. The
    /// reason a provider's deliveries are at-least-once however fast the receiver is.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub lost_answers: f64,
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}
fn is_zero_duration(d: &SimDuration) -> bool {
    d.0 == 0
}
fn is_zero_f64(x: &f64) -> bool {
    *x == 0.0
}

impl ClientSpec {
    /// Bad values, as (field, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.timeout.0 == 0 {
            out.push(("timeout", "a client waits some time for an answer: above zero, such as \"1s\"".to_string()));
        }
        if self.retries > MAX_CLIENT_RETRIES {
            out.push((
                "retries",
                format!("at most {MAX_CLIENT_RETRIES} (the back-off doubles each time), got {}", self.retries),
            ));
        }
        if self.backoff > SimDuration::from_secs(24 * 3600) {
            out.push(("backoff", format!("at most 24h before the first retry, got {}", self.backoff)));
        }
        if !(0.0..=1.0).contains(&self.lost_answers) {
            out.push((
                "lost_answers",
                format!("a fraction in 0..1, got {}", crate::sim::kernel::num(self.lost_answers)),
            ));
        }
        out
    }

    /// The wait before retry `n` (1 for the first): `backoff` x 2^(n-1).
    pub fn backoff_before(&self, n: u32) -> SimDuration {
        SimDuration(self.backoff.0.saturating_mul(1u64 << (n.saturating_sub(1)).min(40)))
    }
}

/// A trigger's client at run time: its policy, its draws of lost answers, and counts.
#[derive(Clone, Debug)]
pub struct ClientState {
    pub spec: ClientSpec,
    rng: RngStream,
    /// Attempts the client abandoned for want of an answer in time (counted requests).
    pub timeouts: u64,
    /// Attempts after the first, counted when sent (of counted requests).
    pub retries: u64,
}

impl ClientState {
    pub(crate) fn new(spec: &ClientSpec, seed: u64, trigger: &str) -> ClientState {
        ClientState {
            spec: spec.clone(),
            rng: RngStream::new(seed, &format!("trigger/{trigger}/client")),
            timeouts: 0,
            retries: 0,
        }
    }
}

/// One request of a trigger with a client policy, across its attempts.
#[derive(Clone, Copy, Debug)]
struct ClientCall {
    correlation: u64,
    trigger: u32,
    counted: bool,
    /// The first attempt's start: the request's latency is measured from here.
    first: SimTime,
    /// The attempt under way or last made (1 for the first).
    attempt: u16,
    /// The client still waits for the current attempt's answer.
    waiting: bool,
    /// Timers of its attempts not yet fired.
    timers: u16,
    /// The request has its final answer (or was given up).
    done: bool,
    /// Its slot is on the free list.
    released: bool,
    /// The claim-checked payload's fetch time, paid by every attempt.
    fetch: SimDuration,
}

/// The requests of client-policy triggers, by slot.
#[derive(Clone, Debug, Default)]
pub(crate) struct ClientCalls {
    calls: Vec<ClientCall>,
    free: Vec<u32>,
}

impl ClientCalls {
    /// Bytes its slots hold (memory estimates).
    pub(crate) fn bytes(&self) -> usize {
        self.calls.capacity() * std::mem::size_of::<ClientCall>() + self.free.capacity() * 4
    }

    fn add(&mut self, call: ClientCall) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.calls[i as usize] = call;
                i
            }
            None => {
                self.calls.push(call);
                (self.calls.len() - 1) as u32
            }
        }
    }

    /// Frees the slot once the request is done and no timer of it is pending.
    fn release_if_idle(&mut self, call: u32) {
        let c = &mut self.calls[call as usize];
        if c.done && c.timers == 0 && !c.released {
            c.released = true;
            self.free.push(call);
        }
    }
}

impl Simulation {
    /// A request of a trigger with a client policy arrives: its first attempt.
    pub(crate) fn client_request(&mut self, trigger: u32, id: u64, counted: bool, fetch: SimDuration) {
        let call = ClientCall {
            correlation: id,
            trigger,
            counted,
            first: self.now,
            attempt: 0,
            waiting: false,
            timers: 0,
            done: false,
            released: false,
            fetch,
        };
        let call = self.services.clients.add(call);
        self.work_add(id, false);
        self.client_attempt(call);
    }

    /// The client sends (again): a new invocation with the same correlation id, and a
    /// timer for its patience.
    fn client_attempt(&mut self, call: u32) {
        let now = self.now;
        let c = &mut self.services.clients.calls[call as usize];
        c.attempt += 1;
        c.waiting = true;
        c.timers += 1;
        let (trigger, attempt, id, counted, fetch) = (c.trigger, c.attempt, c.correlation, c.counted, c.fetch);
        let timeout = self.client_spec(trigger).timeout;
        self.queue.schedule(now + timeout, Event::ClientTimeout { call, attempt });
        if !self.invoke_http(trigger, Origin::Http { trigger, call, attempt }, id, counted, fetch) {
            // A 429 answers at once.
            self.work_done(id, false);
            self.services.clients.calls[call as usize].waiting = false;
            self.client_retry_or_give_up(call, None, now);
        }
    }

    fn client_spec(&self, trigger: u32) -> &ClientSpec {
        &self.triggers[trigger as usize].client.as_ref().expect("a client-policy trigger").spec
    }

    /// An attempt's invocation ended; `client_latency` is what its client would see
    /// (from the attempt's start). An attempt the client abandoned is ignored: its
    /// function ran to the end anyway.
    pub(crate) fn client_answer(&mut self, request: &InFlight, call: u32, attempt: u16, client_latency: SimDuration) {
        let c = self.services.clients.calls[call as usize];
        if c.correlation != request.id || c.attempt != attempt || !c.waiting {
            return;
        }
        let client = self.triggers[c.trigger as usize].client.as_mut().expect("a client-policy trigger");
        let lost = client.spec.lost_answers > 0.0 && client.rng.chance(client.spec.lost_answers);
        if lost || client_latency > client.spec.timeout {
            return; // the client's timer abandons it
        }
        self.services.clients.calls[call as usize].waiting = false;
        let heard = request.arrived + client_latency;
        match request.outcome {
            Outcome::Succeeded => self.client_done(call, Some(Outcome::Succeeded), heard),
            other => self.client_retry_or_give_up(call, Some(other), heard),
        }
    }

    /// An attempt's timer: if the client still waits for it, it gives up on it.
    pub(crate) fn on_client_timeout(&mut self, call: u32, attempt: u16) {
        let c = &mut self.services.clients.calls[call as usize];
        c.timers -= 1;
        if c.attempt == attempt && c.waiting && !c.done {
            c.waiting = false;
            let (trigger, counted) = (c.trigger, c.counted);
            let client = self.triggers[trigger as usize].client.as_mut().expect("a client-policy trigger");
            client.timeouts += u64::from(counted);
            self.client_retry_or_give_up(call, Some(Outcome::TimedOut), self.now);
        }
        self.services.clients.release_if_idle(call);
    }

    /// After an attempt without success (`None`: throttled), heard by the client at
    /// `heard`: a retry after its back-off, or the request's final answer.
    fn client_retry_or_give_up(&mut self, call: u32, outcome: Option<Outcome>, heard: SimTime) {
        let c = self.services.clients.calls[call as usize];
        let client = self.triggers[c.trigger as usize].client.as_mut().expect("a client-policy trigger");
        let made = u32::from(c.attempt);
        if made <= client.spec.retries {
            let wait = client.spec.backoff_before(made);
            self.queue.schedule(heard + wait, Event::ClientRetry { call });
            return;
        }
        self.client_done(call, outcome, heard);
    }

    pub(crate) fn on_client_retry(&mut self, call: u32) {
        let c = self.services.clients.calls[call as usize];
        let client = self.triggers[c.trigger as usize].client.as_mut().expect("a client-policy trigger");
        client.retries += u64::from(c.counted);
        self.client_attempt(call);
    }

    /// The request's final answer (`None`: a 429, counted as a plain HTTP trigger's
    /// throttle, without a latency), heard by the client at `heard`: counted by its
    /// outcome, its latency measured from the first attempt.
    fn client_done(&mut self, call: u32, outcome: Option<Outcome>, heard: SimTime) {
        let c = &mut self.services.clients.calls[call as usize];
        c.done = true;
        let (trigger, counted, first, id) = (c.trigger, c.counted, c.first, c.correlation);
        self.work_done(id, outcome != Some(Outcome::Succeeded));
        if let Some(outcome) = outcome {
            let span = trace::Span {
                trace: id,
                kind: trace::SpanKind::Request,
                node: trigger,
                start: first,
                end: heard,
                outcome: Some(outcome),
            };
            self.traces.record(span);
            if counted {
                self.triggers[trigger as usize].latency.record(heard.since(first));
            }
        }
        if counted {
            let t = &mut self.triggers[trigger as usize];
            match outcome {
                Some(Outcome::Succeeded) => t.counters.succeeded += 1,
                Some(Outcome::Failed) => t.counters.failed += 1,
                Some(Outcome::TimedOut) => t.counters.timed_out += 1,
                None => t.counters.throttled += 1,
            }
        }
        self.services.clients.release_if_idle(call);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(timeout: &str, retries: u32, backoff: &str) -> ClientSpec {
        let d = |s: &str| crate::sim::kernel::time::parse_duration(s).unwrap();
        ClientSpec { timeout: d(timeout), retries, backoff: d(backoff), lost_answers: 0.0 }
    }

    #[test]
    fn the_back_off_doubles_from_the_first_retry() {
        let p = policy("1s", 3, "10s");
        let waits: Vec<u64> = (1..=3).map(|n| p.backoff_before(n).0 / 1_000_000).collect();
        assert_eq!(waits, [10, 20, 40]);
        // The longest allowed policy does not overflow: 24 h doubled 11 times.
        let p = policy("1s", MAX_CLIENT_RETRIES, "24h");
        assert_eq!(p.backoff_before(MAX_CLIENT_RETRIES).0, 24 * 3600 * 1_000_000 * (1 << 11));
        assert!(p.problems().is_empty());
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut p = policy("0s", MAX_CLIENT_RETRIES + 1, "25h");
        p.lost_answers = -0.1;
        let fields: Vec<&str> = p.problems().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["timeout", "retries", "backoff", "lost_answers"]);
    }
}
