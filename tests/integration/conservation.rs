//! Nothing is ever lost or double counted, and limits are never exceeded, at every
//! step of every run.

use crate::harness::{library, scenario};
use faaslab::report::Report;
use faaslab::sim::Simulation;
use faaslab::sim::function::EnvState;
use faaslab::sim::kernel::time::SimTime;

/// Timeouts, errors, throttles of every kind, provisioned and lifetime-capped
/// environments, random keep-alive: every path at once.
const EVERY_PATH: &str = r#"Scenario(
    name: "every path",
    duration: "20m", warmup: "1m",
    // 100 of the account is kept unreserved (as AWS does): 15 reserved leaves 100 shared.
    account: (concurrency_limit: 115, scaling_rate: (environments: 20, per: "10s")),
    functions: [
        (name: "reserved", runtime: Java, memory_mb: 512, duration: Exponential(mean: "400ms"),
         reserved_concurrency: Some(15), provisioned_concurrency: 4, timeout: "1s", error_rate: 0.1),
        (name: "shared", runtime: Python, memory_mb: 256, duration: Gamma(shape: 2.0, mean: "300ms"),
         keep_alive: Random(Exponential(mean: "20s")), max_lifetime: Some("2m")),
        (name: "noisy", runtime: Nodejs, memory_mb: 128, duration: Uniform(min: "200ms", max: "2s"),
         init_code: Constant(value: "500ms"), init: Lazy(first_request_share: 0.5)),
    ],
    triggers: [
        Http(name: "a", target: "reserved", arrivals: Burst(base: 10.0, every: "3m", size: 400, within: "2s")),
        Http(name: "b", target: "shared", arrivals: Diurnal(mean: 30.0, amplitude: 0.9, period: "10m")),
        Http(name: "c", target: "noisy", arrivals: Steps(steps: [(at: "0s", rate: 5.0), (at: "5m", rate: 80.0), (at: "8m", rate: 5.0)])),
    ],
)"#;

/// Checks every invariant of the current state.
pub(crate) fn check(sim: &Simulation) {
    let mut unreserved = 0;
    for (i, f) in sim.functions().iter().enumerate() {
        let (mut init, mut busy, mut idle) = (0, 0, 0);
        for (_, env) in f.environment_slots() {
            match env.state {
                EnvState::Initializing => init += 1,
                EnvState::Busy => busy += 1,
                EnvState::Idle => idle += 1,
            }
        }
        assert_eq!((init, busy, idle), (f.initializing, f.busy, f.idle_count), "{}: pool counts", f.name());
        let c = &f.counters;
        assert_eq!(
            c.arrived,
            c.succeeded + c.failed + c.timed_out + c.throttled() + c.in_flight(),
            "{}: conservation",
            f.name()
        );
        assert!(c.in_flight() <= u64::from(f.in_flight()), "{}: counted in flight", f.name());
        assert!(c.cold_starts <= c.invocations);
        let limit = sim.concurrency_limit(i);
        assert!(f.concurrency_in_use() <= limit, "{}: {} in use > limit {limit}", f.name(), f.concurrency_in_use());
        assert!(f.in_flight() <= f.concurrency_in_use());
        if f.model.spec.reserved_concurrency.is_none() {
            unreserved += f.concurrency_in_use();
        }
    }
    assert_eq!(unreserved, sim.unreserved_in_use(), "account accounting");
    assert!(unreserved <= sim.config().account.concurrency_limit);
    for q in sim.queues() {
        let c = &q.counters;
        // A redrive takes messages out of a DLQ (`redriven_out`) and sends them, as new
        // messages, to their source (`redriven`).
        assert_eq!(
            c.sent + c.redriven,
            c.deleted + c.to_dlq + c.expired + c.redriven_out + q.counted_in_queue(),
            "{}: nothing lost",
            q.name()
        );
        assert!(c.received >= c.deleted);
    }
    for (i, d) in sim.databases().iter().enumerate() {
        assert!(d.connections <= d.spec.max_connections, "{}: connections over the limit", d.name());
        assert!(d.running <= d.spec.max_parallel_queries);
        let _ = i;
    }
    for st in sim.streams() {
        let c = &st.counters;
        assert_eq!(c.records, c.processed + c.skipped + st.counted_pending(), "{}: nothing lost", st.name());
        assert_eq!(c.out_of_order, 0);
    }
    let total = sim.requests();
    assert_eq!(total.arrived, total.succeeded + total.failed + total.throttled + total.timed_out + total.in_flight());
    // Every counted request is followed to the end of its work, and is either done
    // (with its completion time recorded once) or still has work open.
    let work = sim.completion_totals();
    assert_eq!(work.arrived, total.arrived, "completion: every request followed");
    assert_eq!(work.arrived, work.completed + work.in_flight + work.not_followed, "completion: conservation");
    assert_eq!(work.completed, sim.completion().count(), "completion: one time per completed request");
    let http: u64 = sim
        .triggers()
        .iter()
        .filter(|t| matches!(*t.spec, faaslab::sim::trigger::TriggerSpec::Http { .. }))
        .map(|t| t.counters.arrived)
        .sum();
    let by_function: u64 = sim.functions().iter().map(|f| f.counters.arrived).sum();
    // (Unless its payload was over the limit: then it was refused before.)
    let rejected = sim.service_counters().payload_rejected;
    assert!(by_function + rejected >= http, "each HTTP request reaches a function");
}

#[test]
fn invariants_hold_after_every_step() {
    let s = scenario(EVERY_PATH);
    let mut sim = Simulation::new(s.config.clone());
    let mut steps = 0;
    while !sim.is_finished() {
        // Small, uneven steps: some by event count, some by time.
        let deadline = SimTime(sim.now().0 + 250_000);
        sim.step_until(deadline, 1 + steps % 7);
        check(&sim);
        steps += 1;
    }
    let r = Report::of(&sim, &s.name);
    // The scenario must really exercise every path it claims to.
    let f = &r.functions;
    assert!(f[0].timeouts > 0 && f[0].errors > 0 && f[0].throttles_by_reason.reserved_concurrency > 0, "{:?}", f[0]);
    assert!(f.iter().map(|f| f.throttles_by_reason.scaling_rate).sum::<u64>() > 0);
    assert!(f.iter().map(|f| f.throttles_by_reason.account_concurrency).sum::<u64>() > 0);
    assert!(f[1].environments_expired > 0);
}

/// Queues with a DLQ (redriven at 10 m, 5 a second) and retention, async retries, a database with and without a
/// pooler, synchronous and asynchronous calls.
pub const SERVICES: &str = r#"Scenario(
    name: "services",
    duration: "20m", warmup: "1m",
    account: (concurrency_limit: 113), // 13 reserved, 100 kept unreserved (as AWS does)
    functions: [
        (name: "api", runtime: Python, memory_mb: 256, duration: Exponential(mean: "80ms"),
         calls: [Query(database: "direct", count: 2), Send(queue: "jobs"), Invoke(function: "audit", asynchronous: true)]),
        (name: "worker", runtime: Go, memory_mb: 512, duration: Exponential(mean: "2s"), error_rate: 0.2,
         calls: [Query(database: "pooled"), Invoke(function: "enrich"), Write(stream: "changes"),
                 Publish(bus: "events", detail_type: "Done"), Put(bucket: "out")]),
        (name: "enrich", runtime: Nodejs, memory_mb: 128, duration: Constant(value: "30ms"), reserved_concurrency: Some(10)),
        (name: "audit", runtime: Rust, memory_mb: 128, duration: Constant(value: "10ms"), error_rate: 0.3,
         async_retries: 1, on_failure: "failed-audits", reserved_concurrency: Some(3)),
    ],
    queues: [
        (name: "jobs", visibility_timeout: "3s", max_receive_count: 3, dlq: "jobs-dlq", retention: "5m",
         redrive_at: "10m", redrive_rate: 5,
         consumer: (function: "worker", batch_size: 3, batching_window: "200ms", max_concurrency: 20, partial_batch_response: true)),
        (name: "jobs-dlq"),
        (name: "failed-audits"),
    ],
    streams: [(name: "changes", shards: 2, max_record_age: "2m",
               consumer: (function: "enrich", batch_size: 5, bisect_on_error: true, max_retries: Some(3)))],
    buses: [(name: "events", rules: [(detail_type: "Done", targets: [Function("audit"), Queue("failed-audits")])])],
    buckets: [(name: "out", notify: Some("audit"))],
    databases: [
        (name: "direct", max_connections: 12, leaked_connection_timeout: "30s"),
        (name: "pooled", max_connections: 10, pooler: (pool_size: 4), max_parallel_queries: 2),
    ],
    triggers: [
        Http(name: "users", target: "api", arrivals: Steps(steps: [(at: "0s", rate: 10.0), (at: "5m", rate: 60.0), (at: "8m", rate: 10.0)])),
        Async(name: "events", target: "audit", arrivals: Poisson(rate: 5.0)),
        Producer(name: "batch", queue: "jobs", arrivals: Burst(every: "4m", size: 300, within: "5s"), poison: 0.01),
        Writes(name: "table", stream: "changes", arrivals: Poisson(rate: 3.0), poison: 0.01),
        Schedule(name: "cron", target: "worker", arrivals: Every(period: "1m")),
    ],
)"#;

#[test]
fn services_conserve_everything_at_every_step() {
    let s = scenario(SERVICES);
    let mut sim = Simulation::new(s.config.clone());
    let mut steps = 0u64;
    while !sim.is_finished() {
        sim.step_until(SimTime(sim.now().0 + 500_000), 1 + steps % 11);
        check(&sim);
        steps += 1;
    }
    let r = Report::of(&sim, &s.name);
    // Every mechanism must have been exercised.
    assert!(r.databases[0].connection_errors > 0, "{:?}", r.databases[0]);
    assert_eq!(r.databases[1].connection_errors, 0);
    assert!(r.queues[0].redelivered > 0 && r.queues[0].to_dlq > 0, "{:?}", r.queues[0]);
    assert!(r.queues[0].redriven > 0 && r.queues[0].redriven == r.queues[1].redriven_out, "{:?}", r.queues[0]);
    assert!(r.async_events.async_retries > 0 && r.async_events.async_to_dlq > 0, "{:?}", r.async_events);
    assert!(r.duplicates > 0);
    assert!(r.streams[0].skipped > 0 && r.streams[0].processed > 0, "{:?}", r.streams[0]);
    assert!(r.buses[0].deliveries > 0 && r.buckets[0].notifications > 0);
    let q = &r.requests;
    assert_eq!(q.arrived, q.succeeded + q.failed + q.throttled + q.timed_out + q.in_flight);
}

#[test]
fn every_library_scenario_conserves_requests() {
    for (path, text) in library() {
        let s = faaslab::scenario::Scenario::parse(&text, &path).unwrap();
        let mut sim = Simulation::new(s.config.clone());
        while !sim.is_finished() {
            sim.step_until(sim.end(), 20_000);
            check(&sim);
        }
        let r = Report::of(&sim, &s.name);
        let q = &r.requests;
        assert_eq!(q.arrived, q.succeeded + q.failed + q.throttled + q.timed_out + q.in_flight, "{path}");
        assert!(q.arrived > 0, "{path}: no traffic");
    }
}
