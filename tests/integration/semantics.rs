//! Delivery semantics the grade depends on: a batch handler does each item's work, every
//! kind of retry counts its duplicate side effects, and a stream write is served only
//! when its change was processed.

use crate::harness::{run, scenario};
use faaslab::report::Report;

#[test]
fn a_batch_handler_does_each_messages_work() {
    // 1000 messages arrive at once; batches of 10; one Put per message.
    let s = scenario(
        r#"Scenario(name: "batch calls", duration: "10m",
            functions: [(name: "worker", runtime: Go, memory_mb: 512, duration: Constant(value: "20ms"),
                         calls: [Put(bucket: "out", size_kb: 1.0), Query(database: "db")])],
            databases: [(name: "db")],
            buckets: [(name: "out")],
            queues: [(name: "jobs", visibility_timeout: "10m",
                      consumer: (function: "worker", batch_size: 10, max_concurrency: 5))],
            triggers: [Producer(name: "load", queue: "jobs", arrivals: Burst(every: "1m", size: 1000, within: "1s"))])"#,
    );
    let r = Report::of(&run(&s), "batch");
    let q = &r.queues[0];
    assert_eq!(q.sent, 9000, "nine bursts of 1000 within ten minutes");
    assert_eq!(q.deleted, 9000);
    assert!(r.functions[0].invocations <= 9000 / 5, "batches, not single messages: {}", r.functions[0].invocations);
    assert_eq!(r.buckets[0].objects_created, 9000, "one object per message, not per batch");
    assert_eq!(r.databases[0].queries, 9000, "one query per message");
}

/// A workflow whose only task fails `error_rate` of its runs after doing its work and is
/// retried up to five times.
fn retried_workflow(idempotency: bool) -> String {
    format!(
        r#"Scenario(name: "workflow retries", duration: "30m", seed: 4,
            functions: [(name: "charge", runtime: Java, memory_mb: 1024, duration: Constant(value: "50ms"),
                         error_rate: 0.3, idempotency: {idempotency})],
            workflows: [(name: "pay", steps: [Task(name: "Charge", function: "charge", retries: 5, backoff: "1s")])],
            triggers: [Workflow(name: "orders", workflow: "pay", arrivals: Poisson(rate: 2.0))])"#
    )
}

#[test]
fn workflow_task_retries_count_their_duplicate_side_effects() {
    let plain = Report::of(&run(&scenario(&retried_workflow(false))), "w");
    let w = &plain.workflows[0];
    assert!(w.task_retries > 500, "{}", w.task_retries);
    // Every retry followed a run that failed after its work, so every run of an
    // execution after its first did that work again. (No throttles, nothing in flight at
    // the end: every execution ran at least once.)
    let f = &plain.functions[0];
    assert_eq!((f.throttles, f.in_flight), (0, 0));
    assert_eq!(plain.duplicates, f.invocations - w.started);
    assert_eq!(plain.duplicates_suppressed, 0);
    assert!(plain.retries >= w.task_retries, "task retries are retries");
    let idempotent = Report::of(&run(&scenario(&retried_workflow(true))), "w");
    assert_eq!(idempotent.duplicates, 0);
    assert_eq!(idempotent.duplicates_suppressed, plain.duplicates, "the same runs, recognised by the store");
}

/// A table whose change stream feeds a consumer that fails 20% of its batches after
/// doing their work; a few poison records block their shard until `max_retries`.
fn retried_stream(idempotency: bool, poison: f64) -> String {
    format!(
        r#"Scenario(name: "stream retries", duration: "20m", seed: 9,
            functions: [(name: "indexer", runtime: Python, memory_mb: 512, duration: Constant(value: "10ms"),
                         error_rate: 0.2, idempotency: {idempotency})],
            streams: [(name: "changes", shards: 2,
                       consumer: (function: "indexer", batch_size: 5, max_retries: Some(3)))],
            triggers: [Writes(name: "table", stream: "changes", arrivals: Poisson(rate: 5.0), poison: {poison})])"#
    )
}

#[test]
fn stream_batch_retries_count_their_duplicate_side_effects() {
    let plain = Report::of(&run(&scenario(&retried_stream(false, 0.0))), "s");
    let s = &plain.streams[0];
    assert!(s.failed_batches > 50 && s.retried > 100, "{s:?}");
    // A failed batch did every record's work; its retry does it again.
    assert!(plain.duplicates >= s.retried / 2, "{} duplicates for {} retried records", plain.duplicates, s.retried);
    assert!(plain.retries >= s.retried);
    let idempotent = Report::of(&run(&scenario(&retried_stream(true, 0.0))), "s");
    assert_eq!(idempotent.duplicates, 0);
    assert_eq!(idempotent.duplicates_suppressed, plain.duplicates);
}

#[test]
fn a_stream_write_is_served_only_when_its_change_was_processed() {
    let r = Report::of(&run(&scenario(&retried_stream(true, 0.01))), "s");
    let (t, s) = (&r.triggers[0].requests, &r.streams[0]);
    assert_eq!(t.arrived, s.records);
    assert_eq!(t.succeeded, s.processed, "served = processed by the consumer");
    assert_eq!(t.failed, s.skipped, "a skipped record is a write whose change was never handled");
    assert_eq!(t.in_flight, s.pending, "records still in the stream are still in flight");
    assert!(s.skipped > 0, "poison records were given up after their retries");
}

/// Checkout calls an API of rate `rate`/s, burst `burst`, answering in 10 ms, at 100
/// calls a second, with no retries.
fn rate_limited(rate: f64, burst: u32) -> String {
    format!(
        r#"Scenario(name: "token bucket", duration: "10s",
            functions: [(name: "checkout", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 512,
                         duration: Constant(value: "1ms"), calls: [Api(api: "payments")])],
            apis: [(name: "payments", rate_limit: (per_second: {rate}, burst: {burst}), latency: Constant(value: "10ms"))],
            triggers: [Http(name: "shoppers", target: "checkout", arrivals: Constant(rate: 100.0))])"#
    )
}

#[test]
fn a_token_bucket_admits_its_burst_plus_its_rate_over_the_window() {
    for (rate, burst) in [(10.0, 20), (3.0, 1), (50.0, 5)] {
        let r = Report::of(&run(&scenario(&rate_limited(rate, burst))), "t");
        let a = &r.apis[0];
        let first = 0.01; // constant arrivals at 100/s start one gap in
        let last = 9.99;
        // The bucket can never have given more than it held, and it never turned a
        // request away while it held a whole token: theory - 1 <= admitted <= theory.
        let theory = f64::from(burst) + rate * (last - first);
        let admitted = a.succeeded as f64;
        assert!(
            admitted <= theory + 1e-9 && admitted >= theory - 1.0,
            "rate {rate}, burst {burst}: {admitted} admitted, theory {theory}"
        );
        assert_eq!(a.requests, 999);
        assert_eq!(a.throttled, a.requests - a.succeeded - u64::from(a.in_flight));
        // Every refused call failed its checkout (no retries); the last may still be
        // finishing at the end.
        let t = &r.triggers[0].requests;
        assert!(t.failed <= a.throttled && a.throttled <= t.failed + t.in_flight, "{t:?} for {a:?}");
        assert_eq!(a.gave_up, a.throttled);
    }
}

#[test]
fn an_api_serves_at_most_its_concurrency_and_retries_back_off() {
    // 4 at once, 100 ms each: at most 40 a second get through; a call retried twice
    // with 100 ms back-off (then 200 ms) that still meets a full API gives up.
    let text = r#"Scenario(name: "concurrency", duration: "20s",
        functions: [(name: "notify", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 512,
                     duration: Constant(value: "1ms"), calls: [Api(api: "mailer", retries: 2, backoff: "100ms")])],
        apis: [(name: "mailer", max_concurrency: 4, latency: Constant(value: "100ms"))],
        triggers: [Http(name: "orders", target: "notify", arrivals: Constant(rate: 100.0))])"#;
    let r = Report::of(&run(&scenario(text)), "c");
    let a = &r.apis[0];
    assert_eq!(a.peak_in_flight, 4);
    let served_per_second = a.succeeded as f64 / 20.0;
    assert!(served_per_second <= 40.0 + 0.2 && served_per_second > 38.0, "{served_per_second}");
    assert_eq!(
        a.requests,
        a.succeeded + a.errors + a.throttled + u64::from(a.in_flight),
        "every attempt is answered, refused or still out"
    );
    assert_eq!(a.requests, 1999 + a.retries, "each call's first attempt, and its retries");
    assert_eq!(r.triggers[0].requests.failed, a.gave_up);
}

/// A shop function writing an order, sending a message and calling a provider, with a
/// role given as RON statements.
fn with_role(role: &str) -> String {
    format!(
        r#"Scenario(name: "roles", duration: "10s",
        functions: [(name: "checkout", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 512,
                     duration: Constant(value: "1ms"),
                     calls: [Query(database: "orders-db", write: true), Send(queue: "jobs"), Api(api: "pay")],
                     permissions: [{role}]),
                    (name: "spare", runtime: Python, duration: Constant(value: "1ms"))],
        databases: [(name: "orders-db", max_connections: 100, pooler: (pool_size: 10)), (name: "catalog-db", max_connections: 100)],
        queues: [(name: "jobs")],
        apis: [(name: "pay", latency: Constant(value: "10ms"))],
        triggers: [Http(name: "orders", target: "checkout", arrivals: Constant(rate: 10.0))])"#
    )
}

#[test]
fn a_missing_permission_fails_exactly_the_calls_that_need_it() {
    let exact = Report::of(&run(&scenario(&with_role(r#"Write("orders-db"), Send("jobs"), Call("pay")"#))), "r");
    let f = &exact.functions[0];
    let p = f.permissions.as_ref().expect("a role is reported");
    assert_eq!(exact.triggers[0].requests.succeeded, 99, "constant 10/s for 10 s: arrivals at 0.1 .. 9.9 s");
    assert_eq!((p.access_denied, p.unused.len(), p.reach.len()), (0, 0, 3), "{p:?}");
    assert_eq!(exact.queues[0].sent, 99);

    // Without Send(jobs): the write before it is done, the send is refused, and the
    // invocation fails there, so the API after it is never called.
    let forgot = Report::of(&run(&scenario(&with_role(r#"Write("orders-db"), Call("pay")"#))), "r");
    let f = &forgot.functions[0];
    let p = f.permissions.as_ref().expect("a role is reported");
    assert_eq!(p.access_denied, 99);
    assert_eq!(p.missing, ["Send(jobs)"]);
    assert_eq!(forgot.triggers[0].requests.failed, 99);
    assert_eq!(forgot.queues[0].sent, 0);
    assert_eq!(forgot.databases[0].queries, 99);
    assert_eq!(forgot.apis[0].requests, 0);
    // It never needed the API, so the statement counts as unused.
    assert_eq!(p.unused, ["Call(pay)"]);

    // A read is not a write.
    let read_only = Report::of(&run(&scenario(&with_role(r#"Read("orders-db"), Send("jobs"), Call("pay")"#))), "r");
    let p = read_only.functions[0].permissions.as_ref().expect("a role is reported");
    assert_eq!((p.access_denied, read_only.databases[0].queries), (99, 0));
    assert_eq!(p.missing, ["Write(orders-db)"]);
}

#[test]
fn a_wildcard_reaches_every_resource_of_the_account() {
    let r = Report::of(&run(&scenario(&with_role("All"))), "r");
    let p = r.functions[0].permissions.as_ref().expect("a role is reported");
    // Two databases, a queue, an API and the other function (not itself).
    assert_eq!(p.reach, ["catalog-db", "jobs", "orders-db", "pay", "spare"], "{p:?}");
    assert_eq!(p.used, ["jobs", "orders-db", "pay"]);
    assert_eq!(p.unused, ["catalog-db", "spare"]);
    assert_eq!(p.access_denied, 0);
    // A function without a role is not checked and not reported.
    assert!(r.functions[1].permissions.is_none());
}

#[test]
fn every_query_from_outside_a_residency_is_a_violation_and_inside_none() {
    // One function per region, each making 3 queries per request to an EU database in
    // Frankfurt, and one reading a copy of the data kept in Virginia.
    let text = r#"Scenario(name: "residency", duration: "10s",
        // Short round trips and queries, so that the last request ends within the run.
        account: (latency: [(from: "eu-central-1", to: "us-east-1", rtt: "1ms"),
                            (from: "eu-central-1", to: "eu-west-1", rtt: "1ms"),
                            (from: "eu-west-1", to: "us-east-1", rtt: "1ms")]),
        functions: [
            (name: "in-us", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "1ms"),
             calls: [Query(database: "customers-eu", count: 3)]),
            (name: "in-ireland", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "1ms"),
             region: "eu-west-1", calls: [Query(database: "customers-eu", count: 3)]),
            (name: "in-frankfurt", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "1ms"),
             region: "eu-central-1", calls: [Query(database: "copy-in-us")]),
        ],
        databases: [
            (name: "customers-eu", region: "eu-central-1", residency: "eu", max_connections: 500,
             query_time: Constant(value: "1ms")),
            (name: "copy-in-us", residency: "eu", max_connections: 500, query_time: Constant(value: "1ms")),
        ],
        triggers: [
            Http(name: "a", target: "in-us", arrivals: Constant(rate: 10.0)),
            Http(name: "b", target: "in-ireland", arrivals: Constant(rate: 10.0)),
            Http(name: "c", target: "in-frankfurt", arrivals: Constant(rate: 10.0)),
        ])"#;
    let r = Report::of(&run(&scenario(text)), "r");
    let eu = r.databases[0].residency.as_ref().expect("a residency is reported");
    // 99 requests (at 0.1 .. 9.9 s) x 3 queries from Virginia; Ireland is in the EU.
    let by: Vec<(&str, u64)> = eu.by_function.iter().map(|v| (v.function.as_str(), v.accesses)).collect();
    assert_eq!(by, [("in-us", 297)]);
    assert_eq!((eu.violations, eu.stored_outside), (297, false));
    assert_eq!(r.databases[0].queries, 594);
    // Stored outside its residency: every access breaks it, even from Frankfurt.
    let copy = r.databases[1].residency.as_ref().expect("a residency is reported");
    assert_eq!((copy.violations, copy.stored_outside), (99, true));
    assert!(r.databases.iter().all(|d| d.residency.is_some()));
}

/// Ten events at second 1..10 to a function failing everything for its first 5 minutes
/// (its attempts at t, t + 1 min and t + 3 min all fail), whose on-failure destination is
/// `destination`.
fn outage_with_on_failure(consumer: &str) -> String {
    format!(
        r#"Scenario(name: "on-failure", duration: "20m",
        functions: [(name: "charge", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "10ms"),
                     idempotency: true, on_failure: "charge-failures")],
        queues: [(name: "charge-failures", visibility_timeout: "1m", max_receive_count: 10 {consumer})],
        triggers: [Async(name: "orders", target: "charge",
                         arrivals: At(times: ["1s", "2s", "3s", "4s", "5s", "6s", "7s", "8s", "9s", "10s"]))],
        timeline: [(at: "0s", action: FailFunction(function: "charge", error_rate: 1.0)),
                   (at: "5m", action: FailFunction(function: "charge", error_rate: 0.0))])"#
    )
}

#[test]
fn an_on_failure_queue_with_a_consumer_retries_what_a_parking_lot_would_lose() {
    use faaslab::scenario::objective::Objective;
    let no_loss = Objective::NoMessageLost { allow_dlq: true };

    let parked = scenario(&outage_with_on_failure(""));
    let sim = run(&parked);
    let r = Report::of(&sim, "parked");
    assert_eq!((r.async_events.async_to_dlq, r.async_events.async_handed_on), (10, 0));
    assert_eq!(r.queues[0].sent, 10);
    assert!(!no_loss.evaluate(&sim, &r).passed, "ten orders parked and never charged are lost");

    let retried = scenario(&outage_with_on_failure(r#", consumer: (function: "charge", batch_size: 1)"#));
    let sim = run(&retried);
    let r = Report::of(&sim, "retried");
    assert_eq!((r.async_events.async_to_dlq, r.async_events.async_handed_on), (0, 10));
    // Each is received about once a minute until the outage ends at 5 min, then succeeds.
    let q = &r.queues[0];
    assert_eq!((q.sent, q.deleted, q.to_dlq), (10, 10, 0));
    // Handed on at 3 min + 1..10 s, received then, a minute later, and after 5 min.
    assert_eq!(q.received, 30);
    assert!(no_loss.evaluate(&sim, &r).passed);
}

/// A function reading a value from a parameter store on each request (`cache` as the
/// call writes it), at `rate` a second, with optional timeline entries.
fn config_reader(rate: f64, store: &str, cache: &str, duration: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(name: "config", duration: "{duration}",
        functions: [(name: "api", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "1ms"),
                     calls: [Api(api: "params", retries: 0 {cache})])],
        apis: [(name: "params", {store} latency: Constant(value: "10ms"))],
        triggers: [Http(name: "users", target: "api", arrivals: Constant(rate: {rate}))],
        timeline: [{timeline}])"#
    )
}

#[test]
fn a_parameter_store_at_40_a_second_throttles_what_every_request_reads() {
    // AWS Systems Manager Parameter Store's default throughput: 40 GetParameter
    // requests a second. 100 requests a second, each reading it: the bucket admits its
    // burst plus 40 a second, and the rest fail their request.
    let store = "rate_limit: (per_second: 40.0, burst: 40),";
    let r = Report::of(&run(&scenario(&config_reader(100.0, store, "", "10s", ""))), "c");
    let (a, t) = (&r.apis[0], &r.triggers[0].requests);
    // Reads at 0.011 .. 9.991 s (after the 1 ms handler), the bucket full at the first.
    let theory = 40.0 + 40.0 * (9.991 - 0.011);
    let admitted = (a.requests - a.throttled) as f64;
    assert!(admitted <= theory && admitted >= theory - 1.0, "{admitted} admitted, theory {theory}");
    assert_eq!(a.requests, 999);
    assert_eq!(t.failed, a.throttled);
    let throttled = a.throttled as f64 / a.requests as f64;
    assert!((throttled - (1.0 - theory / 999.0)).abs() < 0.002, "{throttled}: about 56% refused");
}

#[test]
fn a_cached_value_is_read_once_per_environment_and_ttl() {
    // One environment (each request takes 11 ms, they come every 100 ms); a 10 s TTL
    // over a minute: read at 0.1 s, then on the first request after each expiry.
    let cache = r#", cache: (ttl: "10s")"#;
    let r = Report::of(&run(&scenario(&config_reader(10.0, "", cache, "60s", ""))), "c");
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 1);
    assert_eq!(r.apis[0].requests, 6);
    assert_eq!(f.api_cache_hits, 599 - 6);
    assert_eq!(r.triggers[0].requests.succeeded, 599);
}

#[test]
fn a_rotated_secret_fails_until_it_is_read_again() {
    // Cached for an hour, rotated at 30 s: every request from then on holds the old
    // secret. Without a refresh they all fail; re-reading on the failure costs one read.
    let rotate = r#"(at: "30s", action: RotateSecret(api: "params"))"#;
    let stale = Report::of(&run(&scenario(&config_reader(10.0, "", r#", cache: (ttl: "1h")"#, "60s", rotate))), "s");
    let f = &stale.functions[0];
    assert_eq!(stale.apis[0].requests, 1);
    assert_eq!(stale.apis[0].rotations, 1);
    // Requests at 30.0 .. 59.9 s run their call a millisecond after arriving.
    assert_eq!(f.stale_secrets, 300);
    assert_eq!(stale.triggers[0].requests.failed, 300);
    let refresh = r#", cache: (ttl: "1h", refresh_on_error: true)"#;
    let fresh = Report::of(&run(&scenario(&config_reader(10.0, "", refresh, "60s", rotate))), "f");
    let f = &fresh.functions[0];
    assert_eq!((f.stale_secrets, fresh.apis[0].requests, f.api_cache_hits), (0, 2, 597));
    assert_eq!(fresh.triggers[0].requests.failed, 0);
}

/// A chat over WebSocket: ten clients connect at 0..9 s, stay exactly 10 minutes and
/// send 6 messages a minute of 33 KB (two 32 KB increments each), each delivered to 4
/// other members. `fleet`: the servers hold the connections, 4 per instance.
fn chat(fleet: bool) -> faaslab::scenario::Scenario {
    let times: Vec<String> = (0..10).map(|i| format!("\"{i}s\"")).collect();
    let mut s = scenario(&format!(
        r#"Scenario(name: "chat", duration: "20m", seed: 7,
        functions: [(name: "relay", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 256,
                     duration: Constant(value: "10ms"))],
        triggers: [Http(name: "chat", target: "relay", arrivals: At(times: [{}]),
                        websocket: (session: Constant(value: "10m"), messages_per_minute: 6.0,
                                    message_kb: Constant(kb: 33.0), fanout: 4))],
        server_fleet: (connections_per_instance: 4))"#,
        times.join(", ")
    ));
    if fleet {
        s.config.fleet_triggers.push("chat".into());
    }
    s
}

#[test]
fn websocket_messages_and_connection_minutes_are_billed_exactly() {
    let r = Report::of(&run(&chat(false)), "chat");
    let t = &r.triggers[0];
    let w = t.websocket.as_ref().expect("a WebSocket trigger reports its connections");
    assert_eq!((w.connections_opened, w.peak_open, w.open_at_end), (10, 10, 0));
    // Ten connections of exactly 10 minutes each, all closed before the end.
    assert_eq!(w.connection_minutes, 100.0);
    // Every message is a request, and all were served.
    assert_eq!(t.requests.arrived, w.messages);
    assert_eq!(t.requests.succeeded, w.messages);
    assert_eq!(r.functions[0].invocations, w.messages);
    // About 10 x 10 min x 6 a minute = 600 (Poisson: within 4 standard deviations).
    assert!((500..=700).contains(&w.messages), "{}", w.messages);
    // Each 33 KB message is two increments, received once and delivered four times.
    assert_eq!(w.delivered, 4 * w.messages);
    assert_eq!(w.billed_messages, 2 * 5 * w.messages);
    // $1.00 per million messages (well under the first billion a month at this rate),
    // $0.25 per million connection-minutes.
    assert!((w.messages_usd - w.billed_messages as f64 / 1e6).abs() < 1e-12, "{}", w.messages_usd);
    assert!((w.connection_minutes_usd - 100.0 * 0.25 / 1e6).abs() < 1e-15);
    assert!((r.cost.websocket_usd - (w.messages_usd + w.connection_minutes_usd)).abs() < 1e-15);
    let functions = r.cost.requests_usd + r.cost.compute_usd;
    assert!((r.cost.total_usd - (functions + r.cost.websocket_usd)).abs() < 1e-12);
    assert_eq!(r.cost.moved_to_fleet_instances, 0);
}

#[test]
fn websocket_connections_moved_to_the_fleet_are_held_and_priced_there() {
    let gateway = Report::of(&run(&chat(false)), "chat");
    let r = Report::of(&run(&chat(true)), "chat");
    let (t, w) = (&r.triggers[0], r.triggers[0].websocket.as_ref().unwrap());
    // The same clients send the same messages; now no function runs and nothing is
    // billed by the gateway.
    assert_eq!(w.messages, gateway.triggers[0].websocket.as_ref().unwrap().messages);
    assert_eq!(t.requests.succeeded, w.messages);
    assert_eq!(r.functions[0].invocations, 0);
    assert_eq!((w.billed_messages, w.messages_usd, w.connection_minutes_usd), (0, 0.0, 0.0));
    assert_eq!(w.held_by, "server fleet");
    assert_eq!(r.cost.websocket_usd, 0.0);
    // Ten connections open at once, four per instance: three servers for 20 minutes.
    assert_eq!(r.cost.moved_to_fleet_instances, 3);
    let hours = 20.0 / 60.0;
    assert!((r.cost.moved_to_fleet_usd - 3.0 * 0.0832 * hours).abs() < 1e-12, "{}", r.cost.moved_to_fleet_usd);
    assert!((r.cost.total_usd - r.cost.moved_to_fleet_usd).abs() < 1e-12);
}

/// One function taking exactly 10 ms, a 50 ms cold start, requests every 100 ms for 100 s
/// (1000 of them): one environment, one cold start. `overhead`: the trigger's
/// `invoke_overhead` field, if any; `fleet`: the requests served by the fleet.
fn gateway(overhead: &str, fleet: bool) -> faaslab::scenario::Scenario {
    let mut s = scenario(&format!(
        r#"Scenario(name: "gateway", duration: "100050ms",
        functions: [(name: "api", runtime: Custom(cold_start: Constant(value: "50ms")), memory_mb: 512,
                     duration: Constant(value: "10ms"))],
        triggers: [Http(name: "users", target: "api", arrivals: Constant(rate: 10.0) {overhead})])"#
    ));
    if fleet {
        s.config.fleet_triggers.push("users".into());
    }
    s
}

#[test]
fn the_invoke_overhead_is_added_to_what_clients_see_not_to_what_is_billed() {
    let plain = Report::of(&run(&gateway("", false)), "g");
    let over = Report::of(&run(&gateway(r#", invoke_overhead: Constant(value: "5ms")"#, false)), "g");
    let (p, o) = (&plain.triggers[0], &over.triggers[0]);
    assert_eq!((p.requests.succeeded, o.requests.succeeded), (1000, 1000));
    assert_eq!(over.cold_starts, 1);
    // 999 warm requests of 10 ms and one cold one of 60 ms; 5 ms more each with the overhead.
    assert!((p.latency_ms.mean - (999.0 * 10.0 + 60.0) / 1000.0).abs() < 1e-9, "{}", p.latency_ms.mean);
    assert!((o.latency_ms.mean - p.latency_ms.mean - 5.0).abs() < 1e-9, "{}", o.latency_ms.mean);
    assert_eq!(o.latency_ms.max, 65.0);
    // Not spent in the function: the same GB-seconds and bill.
    assert_eq!(over.functions[0].gb_seconds, plain.functions[0].gb_seconds);
    assert_eq!(over.cost.total_usd, plain.cost.total_usd);
    // Served by the fleet, the clients reach the servers directly: no overhead.
    let fleet = Report::of(&run(&gateway(r#", invoke_overhead: Constant(value: "5ms")"#, true)), "g");
    assert_eq!(fleet.triggers[0].latency_ms.mean, 10.0);
    assert_eq!(fleet.triggers[0].latency_ms.max, 10.0);
}

#[test]
fn a_p99_9_objective_excludes_exactly_the_slowest_one_in_a_thousand() {
    use faaslab::scenario::objective::Objective;
    use faaslab::sim::kernel::time::SimDuration;
    // 1000 requests: 999 take 15 ms (10 ms handler + 5 ms overhead), the cold one 65 ms.
    let sim = run(&gateway(r#", invoke_overhead: Constant(value: "5ms")"#, false));
    let report = Report::of(&sim, "g");
    let objective =
        |percentile: f64| Objective::Latency { of: "users".into(), percentile, at_most: SimDuration::from_millis(20) };
    let p999 = objective(99.9).evaluate(&sim, &report);
    assert_eq!(p999.label, "p99.9 latency of users");
    assert!(p999.passed, "the 999th of 1000 is a warm one: {p999:?}");
    assert!((p999.measured - 15.0).abs() / 15.0 < 0.016, "{}", p999.measured); // bucket precision
    let all = objective(100.0).evaluate(&sim, &report);
    assert!(!all.passed);
    assert!((all.measured - 65.0).abs() / 65.0 < 0.016, "{}", all.measured); // the cold one
    // The why names the way in.
    assert!(all.why.as_deref().unwrap_or("").contains("invoke path"), "{:?}", all.why);
}
