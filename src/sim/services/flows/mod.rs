//! Requirements on what each request must cause, whatever the design in between: a
//! flow says "every upload ends with an object in `thumbnails` and a row written to
//! `images-db` within 2 minutes, each exactly once". Every request of the flow's
//! triggers is followed by its correlation id (which every message, event, object,
//! record and workflow execution carries on): each effect it causes is marked with its
//! count and first time, and the function it last reached is kept, so a request that
//! never got there says where it stopped. Grading by effects cannot be passed by
//! dropping a route, and accepts a design the brief's author never thought of.
//!
//! Two shapes of requirement beyond "these effects, once each":
//! - outcomes: a flow with `if_declined` grades a request that an API declined (a card
//!   declined by the payment provider) by other effects (the compensation: release the
//!   reservation), and an effect only the other outcome needs must not happen (an
//!   unpaid order shipped, a paid order's reservation released);
//! - parts: a flow with `parts: N` wants every effect once per part of a fan-out (a
//!   chunk of a nightly report): a fan-out gives each message it sends its own part id
//!   (the request's correlation id with the part in its high bits, `part_id`), and the
//!   ledger counts distinct parts per effect.
//!
//! Memory: a few dozen bytes per request of a flow while it is recent; a request is
//! graded and forgotten `RETENTION_FACTOR` times its deadline after arrival (at least
//! `MIN_RETENTION`), so a long run holds only its recent requests. And at most
//! `MAX_FOLLOWED_BYTES` of them at once, so that a brief's traffic at thousands of
//! requests a second cannot fill the memory in those 30 minutes: when they are full,
//! requests are graded and forgotten twice their deadline after arrival, and when
//! that is not enough a new request is not followed (counted as such, and left out of
//! the grade).

mod spec;

pub use spec::{Effect, FlowSpec, IfDeclined, MAX_EFFECTS, MAX_PARTS};

use crate::sim::kernel::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::VecDeque;

/// A request is graded this many deadlines after its arrival (effects later than
/// that, such as a duplicate from a very late redelivery, are not seen).
const RETENTION_FACTOR: u64 = 4;
/// ... and never sooner than this (visibility timeouts and retries of several
/// minutes must still be seen).
const MIN_RETENTION: SimDuration = SimDuration::from_secs(30 * 60);
/// The most memory the requests being followed may hold, over every flow: 2^22
/// requests of a one-effect flow (48 bytes each, and their queues' room stays at
/// that power of two), so 30 minutes of retention at 2 300 requests a second. Which
/// requests are followed depends on their arrival times only, never on the design:
/// no design can choose the requests it is graded on.
pub const MAX_FOLLOWED_BYTES: usize = 192 << 20;
/// A correlation id's low bits name its request; the bits above name a part of it.
const PART_SHIFT: u32 = 40;
const REQUEST_MASK: u64 = (1 << PART_SHIFT) - 1;

/// The correlation id of part `part` of the request `id` (a fan-out's message).
pub fn part_id(id: u64, part: u32) -> u64 {
    request_of(id) | ((u64::from(part) + 1) << PART_SHIFT)
}

/// The request a correlation id (a request's or one of its parts') belongs to.
pub fn request_of(id: u64) -> u64 {
    id & REQUEST_MASK
}

/// The part a correlation id names (a request's own id is its part 0).
fn part_of(id: u64) -> u32 {
    ((id >> PART_SHIFT) as u32).saturating_sub(1)
}

/// Where an effect happened, with names resolved to indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EffectSite {
    Bucket(u32),
    Database(u32),
    Api(u32),
    Bus(u32),
    Queue(u32),
    Stream(u32),
}

/// A node a request last reached: a function, or only its trigger.
pub const AT_TRIGGER: u32 = u32::MAX;

#[derive(Clone, Copy, Debug)]
struct Tracked {
    correlation: u64,
    arrived: SimTime,
    trigger: u32,
    last_function: u32,
    /// A poison input (it can never succeed): not required to reach its effects.
    poison: bool,
    /// The flow's `if_declined` API declined it: graded by the other effects.
    declined: bool,
}

/// An effect of one request: how many times it was done (distinct parts, in a flow
/// of parts) and when it was first complete.
#[derive(Clone, Copy, Debug, Default)]
struct Mark {
    count: u32,
    first: SimTime,
}

/// What became of the graded requests of one effect.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EffectTotals {
    /// Requests that caused it within the deadline.
    pub on_time: u64,
    /// Requests that caused it, but late.
    pub late: u64,
    /// Requests that never caused it.
    pub missing: u64,
    /// Requests that caused it more than once (exactly-once flows).
    pub duplicated: u64,
    /// Times it was caused again after the first, over all requests (an idempotent
    /// function's repeats are no-ops and not counted).
    pub repeats: u64,
    /// Requests that caused it though their outcome forbids it (flows with
    /// `if_declined`: a declined order shipped, a charged order's reservation released).
    pub unwanted: u64,
    /// Parts never done, over the requests missing it (flows of parts).
    pub parts_missing: u64,
}

/// What became of a flow's requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlowTotals {
    /// Requests that arrived after the warm-up.
    pub requests: u64,
    /// Every effect, each within the deadline.
    pub on_time: u64,
    /// Every effect, one or more late.
    pub late: u64,
    /// One or more effects never happened.
    pub incomplete: u64,
    /// One or more effects happened twice or more (exactly-once flows).
    pub duplicated: u64,
    /// Poison inputs: not graded.
    pub poison: u64,
    /// Requests the flow's `if_declined` API declined (graded by its effects).
    pub declined: u64,
    /// Requests that caused an effect their outcome forbids.
    pub unwanted: u64,
    /// Incomplete but still within their deadline when the run ended: not graded.
    pub in_flight: u64,
    /// Arrived while the requests being followed held `MAX_FOLLOWED_BYTES`: neither
    /// followed nor graded, nor counted in `requests`.
    pub not_followed: u64,
    pub effects: Vec<EffectTotals>,
    /// Where incomplete requests stopped: (function index or `AT_TRIGGER`, trigger
    /// index, requests), most first.
    pub stopped_at: Vec<(u32, u32, u64)>,
}

impl FlowTotals {
    /// Requests graded: all but poison and those still within their deadline.
    pub fn graded(&self) -> u64 {
        self.requests - self.poison - self.in_flight
    }
}

/// One flow's requests being followed, and the totals of those already graded.
#[derive(Clone, Debug)]
pub struct FlowState {
    pub spec: FlowSpec,
    /// Effect sites resolved: `sites[k]` is effect k's (the flow's effects, then
    /// those of `if_declined`).
    sites: Vec<EffectSite>,
    /// `needed[k]`: whether effect k is wanted of (accepted, declined) requests; the
    /// first `accepted` effects are graded for accepted requests, the rest for declined.
    needed: Vec<(bool, bool)>,
    accepted: usize,
    /// The API whose refusals decide the outcome (`if_declined`).
    declined_by: Option<u32>,
    /// Done parts, one bit each, `words` per effect per pending request (flows of parts).
    part_bits: VecDeque<u64>,
    words: usize,
    /// Repeats of a part already done, per effect per pending request (flows of parts).
    part_repeats: VecDeque<u32>,
    /// Recent requests, in correlation (arrival) order.
    pending: VecDeque<Tracked>,
    /// `effects` marks per pending request, in the same order.
    marks: VecDeque<Mark>,
    graded: FlowTotals,
}

impl FlowState {
    fn effects(&self) -> usize {
        self.sites.len()
    }

    fn find(&self, correlation: u64) -> Option<usize> {
        self.pending.binary_search_by_key(&correlation, |t| t.correlation).ok()
    }

    /// Grades request `i` of `pending` as of `now` into `totals`.
    fn grade(&self, i: usize, now: SimTime, totals: &mut FlowTotals) {
        let t = self.pending[i];
        let n = self.effects();
        let marks = self.marks.range(i * n..(i + 1) * n);
        totals.requests += 1;
        if t.poison {
            totals.poison += 1;
            return;
        }
        // Which effects this request's outcome grades, and which it forbids.
        let graded = |k: usize| if t.declined { k >= self.accepted } else { k < self.accepted };
        let needed = |k: usize| if t.declined { self.needed[k].1 } else { self.needed[k].0 };
        let parts = self.spec.parts;
        let due = t.arrived + self.spec.within;
        let complete = marks.clone().enumerate().all(|(k, m)| !graded(k) || m.count >= parts);
        if !complete && now < due {
            totals.in_flight += 1;
            return;
        }
        totals.declined += u64::from(t.declined);
        let (mut late, mut duplicated, mut unwanted) = (false, false, false);
        for (k, m) in marks.enumerate() {
            let e = &mut totals.effects[k];
            if !needed(k) {
                if m.count > 0 {
                    e.unwanted += 1;
                    unwanted = true;
                }
                continue;
            }
            if !graded(k) {
                continue; // the same effect, graded under the request's own outcome
            }
            let repeats = self.repeats(i, k, m);
            match m.count {
                c if c < parts => {
                    e.missing += 1;
                    if parts > 1 {
                        e.parts_missing += u64::from(parts - c);
                    }
                }
                _ if m.first > due => {
                    e.late += 1;
                    late = true;
                }
                _ => e.on_time += 1,
            }
            e.repeats += u64::from(repeats);
            if repeats > 0 && !self.spec.at_least_once {
                e.duplicated += 1;
                duplicated = true;
            }
        }
        totals.duplicated += u64::from(duplicated);
        totals.unwanted += u64::from(unwanted);
        if !complete {
            totals.incomplete += 1;
            match totals.stopped_at.iter_mut().find(|s| s.0 == t.last_function && s.1 == t.trigger) {
                Some(s) => s.2 += 1,
                None => totals.stopped_at.push((t.last_function, t.trigger, 1)),
            }
        } else if late {
            totals.late += 1;
        } else {
            totals.on_time += 1;
        }
    }

    /// Repeats of effect `k` of pending request `i` (its mark `m`): in a flow of parts,
    /// kept beside the bits, since the count holds distinct parts.
    fn repeats(&self, i: usize, k: usize, m: &Mark) -> u32 {
        if self.words == 0 {
            return m.count.saturating_sub(1);
        }
        self.part_repeats[i * self.effects() + k]
    }

    /// Requests still followed one by one (the rest are graded and forgotten).
    pub fn followed(&self) -> usize {
        self.pending.len()
    }

    /// The memory one followed request holds: its own record, its marks, and in a
    /// flow of parts its bits and repeats.
    fn request_bytes(&self) -> usize {
        let n = self.effects();
        let parts = if self.words > 0 { n * (self.words * 8 + std::mem::size_of::<u32>()) } else { 0 };
        std::mem::size_of::<Tracked>() + n * std::mem::size_of::<Mark>() + parts
    }

    /// The totals as of `now`: the graded requests and the recent ones graded now.
    pub fn totals(&self, now: SimTime) -> FlowTotals {
        let mut totals = self.graded.clone();
        for i in 0..self.pending.len() {
            self.grade(i, now, &mut totals);
        }
        totals.stopped_at.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        totals
    }

    /// Grades and forgets the requests older than the retention; returns the bytes
    /// they held (`request_bytes` each).
    fn forget_old(&mut self, now: SimTime) -> usize {
        let keep = SimDuration(self.spec.within.0.saturating_mul(RETENTION_FACTOR)).max(MIN_RETENTION);
        self.forget_older_than(keep, now)
    }

    /// Grades and forgets the requests that arrived more than `keep` before `now`;
    /// returns the bytes they held.
    fn forget_older_than(&mut self, keep: SimDuration, now: SimTime) -> usize {
        let n = self.effects();
        let before = self.pending.len();
        while let Some(t) = self.pending.front() {
            if now.since(t.arrived) <= keep {
                break;
            }
            let mut graded = std::mem::take(&mut self.graded);
            self.grade(0, now, &mut graded);
            self.graded = graded;
            self.pending.pop_front();
            self.marks.drain(..n);
            self.part_bits.drain(..n * self.words);
            if self.words > 0 {
                self.part_repeats.drain(..n);
            }
        }
        (before - self.pending.len()) * self.request_bytes()
    }
}

/// Every flow of the run, and which triggers feed which flow.
#[derive(Clone, Debug, Default)]
pub struct FlowLedger {
    pub flows: Vec<FlowState>,
    /// The flow of each trigger's requests, if any.
    by_trigger: Vec<Option<u32>>,
    /// What the followed requests of every flow hold (`request_bytes` each), and the
    /// most they may (`MAX_FOLLOWED_BYTES`; less in tests).
    followed_bytes: usize,
    budget: usize,
}

impl FlowLedger {
    /// `sites[f][k]`: flow f's effect k resolved (`FlowSpec::all_effects`); `from[f]`:
    /// its triggers' indices; `declined_by[f]`: its `if_declined` API's index.
    pub(crate) fn new(
        specs: &[FlowSpec],
        sites: Vec<Vec<EffectSite>>,
        from: Vec<Vec<u32>>,
        declined_by: Vec<Option<u32>>,
        triggers: usize,
    ) -> Self {
        let mut by_trigger = vec![None; triggers];
        for (f, list) in from.iter().enumerate() {
            for &t in list {
                by_trigger[t as usize] = Some(f as u32);
            }
        }
        let flows = (specs.iter().zip(sites).zip(declined_by))
            .map(|((spec, sites), declined_by)| {
                let accepted = spec.effects.len();
                let declined: &[Effect] = spec.if_declined.as_ref().map_or(&[], |d| &d.effects);
                let needed = (spec.all_effects().enumerate())
                    .map(|(k, e)| (k < accepted || spec.effects.contains(e), k >= accepted || declined.contains(e)))
                    .collect();
                let words = if spec.parts > 1 { spec.parts.div_ceil(64) as usize } else { 0 };
                FlowState {
                    graded: FlowTotals { effects: vec![EffectTotals::default(); sites.len()], ..FlowTotals::default() },
                    spec: spec.clone(),
                    sites,
                    needed,
                    accepted,
                    declined_by,
                    part_bits: VecDeque::new(),
                    words,
                    part_repeats: VecDeque::new(),
                    pending: VecDeque::new(),
                    marks: VecDeque::new(),
                }
            })
            .collect();
        FlowLedger { flows, by_trigger, followed_bytes: 0, budget: MAX_FOLLOWED_BYTES }
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// What the followed requests hold (`request_bytes` each).
    pub(crate) fn followed_bytes(&self) -> usize {
        self.followed_bytes
    }

    /// A counted request of `trigger` arrived: follow it if a flow wants it.
    pub(crate) fn arrived(&mut self, trigger: u32, correlation: u64, now: SimTime) {
        let Some(&Some(f)) = self.by_trigger.get(trigger as usize) else { return };
        let flow = &mut self.flows[f as usize];
        self.followed_bytes -= flow.forget_old(now);
        let bytes = flow.request_bytes();
        if self.followed_bytes + bytes > self.budget {
            // Full: grade sooner, twice its deadline after a request's arrival rather
            // than the retention (a duplicate later than that goes unseen), in every
            // flow, before refusing to follow.
            for other in &mut self.flows {
                let keep = SimDuration(other.spec.within.0.saturating_mul(2));
                self.followed_bytes -= other.forget_older_than(keep, now);
            }
            if self.followed_bytes + bytes > self.budget {
                self.flows[f as usize].graded.not_followed += 1;
                return;
            }
        }
        self.followed_bytes += bytes;
        let flow = &mut self.flows[f as usize];
        let tracked =
            Tracked { correlation, arrived: now, trigger, last_function: AT_TRIGGER, poison: false, declined: false };
        flow.pending.push_back(tracked);
        let n = flow.effects();
        flow.marks.extend(std::iter::repeat_n(Mark::default(), n));
        flow.part_bits.extend(std::iter::repeat_n(0, n * flow.words));
        if flow.words > 0 {
            flow.part_repeats.extend(std::iter::repeat_n(0, n));
        }
    }

    /// The flow and pending index of the request a correlation id (or a part's) belongs to.
    fn locate(&mut self, correlation: u64) -> Option<(&mut FlowState, usize)> {
        let request = request_of(correlation);
        self.flows.iter_mut().find_map(|f| f.find(request).map(move |i| (f, i)))
    }

    /// The API `api` declined the request: flows deciding by that API grade it by
    /// their `if_declined` effects.
    pub(crate) fn declined(&mut self, correlation: u64, api: u32) {
        if let Some((f, i)) = self.locate(correlation)
            && f.declined_by == Some(api)
        {
            f.pending[i].declined = true;
        }
    }

    /// The request is a poison input.
    pub(crate) fn poisoned(&mut self, correlation: u64) {
        if let Some((f, i)) = self.locate(correlation) {
            f.pending[i].poison = true;
        }
    }

    /// A function started work on the request.
    pub(crate) fn reached(&mut self, correlation: u64, function: u32) {
        if let Some((f, i)) = self.locate(correlation) {
            f.pending[i].last_function = function;
        }
    }

    /// The request caused an effect at `site` (`detail_type` for events). A function
    /// with an idempotency store does an effect it already did as a no-op.
    pub(crate) fn effect(
        &mut self,
        correlation: u64,
        site: EffectSite,
        detail_type: Option<&str>,
        idempotent: bool,
        now: SimTime,
    ) {
        let Some((f, i)) = self.locate(correlation) else { return };
        let n = f.effects();
        let part = part_of(correlation);
        if part >= f.spec.parts {
            return; // a part beyond the flow's: not one it follows
        }
        for k in 0..n {
            if f.sites[k] != site {
                continue;
            }
            if let (Some(Effect::Event { detail_type: Some(wanted), .. }), Some(got)) =
                (f.spec.all_effects().nth(k), detail_type)
                && wanted != got
            {
                continue;
            }
            if f.words > 0 {
                // A flow of parts: count distinct parts; a part done again is a repeat.
                let word = (i * n + k) * f.words + (part / 64) as usize;
                let bit = 1u64 << (part % 64);
                if f.part_bits[word] & bit != 0 {
                    if !idempotent {
                        f.part_repeats[i * n + k] += 1;
                    }
                    continue;
                }
                f.part_bits[word] |= bit;
                let mark = &mut f.marks[i * n + k];
                mark.count += 1;
                mark.first = now; // complete when its last part is done
                continue;
            }
            let mark = &mut f.marks[i * n + k];
            if mark.count == 0 {
                mark.first = now;
            } else if idempotent {
                continue;
            }
            mark.count = mark.count.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One flow of one effect (an object in bucket 0) from trigger 0, due within `within`,
    /// whose followed requests may hold `requests` requests' worth of memory.
    fn ledger(within: SimDuration, requests: usize) -> FlowLedger {
        let spec = FlowSpec {
            name: "upload".into(),
            from: vec!["uploads".into()],
            within,
            effects: vec![Effect::Object { bucket: "thumbnails".into() }],
            at_least_once: false,
            if_declined: None,
            parts: 1,
        };
        let mut ledger = FlowLedger::new(&[spec], vec![vec![EffectSite::Bucket(0)]], vec![vec![0]], vec![None], 1);
        ledger.budget = requests * ledger.flows[0].request_bytes();
        ledger
    }

    #[test]
    fn a_one_effect_request_holds_48_bytes_so_the_budget_is_a_power_of_two_of_them() {
        let l = ledger(SimDuration::from_secs(60), 1);
        assert_eq!(l.flows[0].request_bytes(), 48);
        assert_eq!(MAX_FOLLOWED_BYTES / 48, 1 << 22);
    }

    #[test]
    fn when_full_requests_are_graded_at_twice_their_deadline_then_not_followed() {
        // Room for 1 000 requests, due within 1 s; one arrives every millisecond and
        // is done 100 ms later, except every tenth, which never is.
        let mut l = ledger(SimDuration::from_secs(1), 1_000);
        let ms = |n: u64| SimTime(n * 1_000);
        let (mut arrived, mut most) = (0u64, 0usize);
        for n in 0..10_000u64 {
            l.arrived(0, n + 1, ms(n));
            arrived += 1;
            if n >= 100 && (n - 100) % 10 != 0 {
                l.effect(n - 100 + 1, EffectSite::Bucket(0), None, false, ms(n));
            }
            most = most.max(l.followed_bytes);
            assert!(l.followed_bytes <= l.budget, "{} > {} at {n}", l.followed_bytes, l.budget);
        }
        let t = l.flows[0].totals(ms(10_000));
        // Nothing is lost: every arrival is followed (and graded, or in flight) or not followed.
        assert_eq!(t.requests + t.not_followed, arrived);
        // 1 000 fill the room in the first second. The first is forgotten 2 s after its
        // arrival; from then on one is followed as one is forgotten, and those followed
        // fill the room again in a second: 1 000 followed in every 2 s, 5 000 in all.
        assert_eq!(most, l.budget);
        assert_eq!((t.requests, t.not_followed), (5_000, 5_000), "{t:?}");
        // Those graded are graded right: every tenth is missing, the rest on time.
        assert_eq!((t.graded(), t.on_time, t.incomplete, t.effects[0].missing), (5_000, 4_500, 500, 500), "{t:?}");
    }

    #[test]
    fn with_room_every_request_is_followed_for_the_whole_retention() {
        let mut l = ledger(SimDuration::from_secs(1), 100_000);
        for n in 0..10_000u64 {
            l.arrived(0, n + 1, SimTime(n * 1_000));
        }
        assert_eq!(l.flows[0].followed(), 10_000, "30 minutes of retention, none forgotten");
        assert_eq!(l.flows[0].totals(SimTime(10_000_000)).not_followed, 0);
    }
}
