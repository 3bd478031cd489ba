//! A pipeline's end-to-end completion time (`sim/services/completion.rs`): from a
//! request's arrival to the end of the last work it caused, with times derivable by
//! hand from fixed durations, and every request's work ending once the traffic stops.

use crate::harness::{run, scenario};
use faaslab::report::Report;

/// Completion (p50, max) in ms and (requests, completed, completed with failed work,
/// in flight) of a scenario's run.
fn completion(text: &str) -> ((f64, f64), (u64, u64, u64, u64)) {
    let s = scenario(text);
    let r = Report::of(&run(&s), &s.name);
    let c = r.completion.expect("the scenario spawns asynchronous work");
    ((c.ms.p50, c.ms.max), (c.requests, c.completed, c.completed_failed, c.in_flight))
}

/// One message every 10 s (a warm consumer: its cold start falls in the warm-up).
const WINDOW: &str = r#"Scenario(name: "window", duration: "10m", warmup: "1m",
    functions: [(name: "worker", runtime: Go, memory_mb: 512, duration: Constant(value: "100ms"), keep_alive: "1h")],
    queues: [(name: "jobs", visibility_timeout: "1m", consumer: (function: "worker", batch_size: 10, batching_window: "1s"))],
    triggers: [Producer(name: "load", queue: "jobs", arrivals: Constant(rate: 0.1))])"#;

#[test]
fn a_batched_message_completes_after_the_window_and_its_handler() {
    // Alone in its batch, a message waits the whole 1 s window, then the 100 ms handler:
    // 1100 ms for each of the 54 messages of the 9 measured minutes (one every 10 s,
    // the first at 1m00s... the last at 9m50s).
    let ((p50, max), counts) = completion(WINDOW);
    assert_eq!((p50, max), (1100.0, 1100.0));
    assert_eq!(counts, (54, 54, 0, 0));
}

#[test]
fn an_asynchronous_chain_completes_in_the_sum_of_its_hops() {
    // a (50 ms) sends when its handler ends; b (200 ms) receives it at once: 250 ms,
    // while the caller waits only for a (50 ms).
    let text = r#"Scenario(name: "chain", duration: "10m", warmup: "1m",
        functions: [(name: "a", runtime: Go, memory_mb: 512, duration: Constant(value: "50ms"), keep_alive: "1h",
                     calls: [Send(queue: "jobs")]),
                    (name: "b", runtime: Go, memory_mb: 512, duration: Constant(value: "200ms"), keep_alive: "1h",
                     calls: [Invoke(function: "c", asynchronous: true)]),
                    (name: "c", runtime: Go, memory_mb: 512, duration: Constant(value: "30ms"), keep_alive: "1h")],
        queues: [(name: "jobs", consumer: (function: "b", batch_size: 1))],
        triggers: [Http(name: "web", target: "a", arrivals: Constant(rate: 0.1))])"#;
    let s = scenario(text);
    let r = Report::of(&run(&s), &s.name);
    assert_eq!(r.latency_ms.max, 50.0, "the caller waits for a alone");
    let c = r.completion.expect("asynchronous work");
    // ... and the asynchronous invoke of c (30 ms) after b: 50 + 200 + 30.
    assert_eq!((c.ms.p50, c.ms.max), (280.0, 280.0));
    assert_eq!((c.requests, c.completed, c.completed_failed, c.in_flight), (54, 54, 0, 0));
}

#[test]
fn a_dead_lettered_message_completes_as_failed_work() {
    // Every run fails: received at once, failed after 100 ms, visible again at 30 s,
    // received and failed again, and at 60 s its second visibility timeout moves it to
    // the DLQ: its work ends there, failed. The 6 sent in the last minute are still in
    // flight (48 + 6 = 54).
    let text = r#"Scenario(name: "dlq", duration: "10m", warmup: "1m",
        functions: [(name: "worker", runtime: Go, memory_mb: 512, duration: Constant(value: "100ms"), keep_alive: "1h",
                     error_rate: 1.0)],
        queues: [(name: "jobs", visibility_timeout: "30s", max_receive_count: 2, dlq: "dead",
                  consumer: (function: "worker", batch_size: 1)),
                 (name: "dead")],
        triggers: [Producer(name: "load", queue: "jobs", arrivals: Constant(rate: 0.1))])"#;
    let ((p50, max), counts) = completion(text);
    assert_eq!((p50, max), (60_000.0, 60_000.0));
    assert_eq!(counts, (54, 48, 48, 6));
}

#[test]
fn a_synchronous_scenario_reports_no_completion() {
    let text = r#"Scenario(name: "sync", duration: "2m",
        functions: [(name: "a", runtime: Go, memory_mb: 512, duration: Constant(value: "50ms"))],
        triggers: [Http(name: "web", target: "a", arrivals: Constant(rate: 5.0))])"#;
    let s = scenario(text);
    let sim = run(&s);
    let r = Report::of(&sim, &s.name);
    assert!(r.completion.is_none());
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("completion"), "no field where it does not apply");
    // Not followed: nothing in it can outlive the invocation its caller waits for, so
    // a request's completion is its latency (599 arrivals: every 0.2 s from 0.2 s to
    // 119.8 s, each counted once).
    let w = sim.completion_totals();
    assert_eq!((w.arrived, w.not_followed, w.completed, w.in_flight), (599, 599, 0, 0));
    assert_eq!(w.asynchronous_items, 0);
}

/// Every kind of work item: a client's retries, asynchronous events with retries and
/// an on-failure queue, a bus, a bucket's notification, a fan-out of messages with a
/// DLQ, a stream and a workflow. The traffic stops at 5 minutes; by 60 minutes every
/// request's work has ended, so every request completed, none left open.
const EVERYTHING: &str = r#"Scenario(name: "everything", duration: "1h", seed: 3,
    functions: [
        (name: "front", runtime: Go, memory_mb: 512, duration: Exponential(mean: "40ms"), error_rate: 0.1,
         calls: [Send(queue: "jobs", count: 3), Publish(bus: "events", detail_type: "Done"), Write(stream: "changes")]),
        (name: "worker", runtime: Go, memory_mb: 512, duration: Exponential(mean: "80ms"), error_rate: 0.3,
         calls: [Put(bucket: "files", size_kb: 1.0)]),
        (name: "thumb", runtime: Go, memory_mb: 512, duration: Constant(value: "20ms"), error_rate: 0.5, async_retries: 1,
         on_failure: Some("parked")),
        (name: "step", runtime: Go, memory_mb: 512, duration: Constant(value: "20ms"), error_rate: 0.2),
        (name: "reader", runtime: Go, memory_mb: 512, duration: Constant(value: "20ms"), error_rate: 0.1),
    ],
    queues: [(name: "jobs", visibility_timeout: "20s", max_receive_count: 2, dlq: "dead",
              consumer: (function: "worker", batch_size: 5, batching_window: "1s")),
             (name: "dead"), (name: "parked")],
    buckets: [(name: "files", notify: Some("thumb"))],
    buses: [(name: "events", rules: [(detail_type: "Done", targets: [Workflow("flow")])])],
    workflows: [(name: "flow", steps: [Task(name: "Step", function: "step", retries: 1, backoff: "1s")])],
    streams: [(name: "changes", consumer: (function: "reader", batch_size: 10, max_retries: Some(2)))],
    triggers: [
        Http(name: "web", target: "front", client: Some((timeout: "1s", retries: 2, backoff: "1s")),
             arrivals: Steps(steps: [(at: "0s", rate: 5.0), (at: "5m", rate: 0.0)])),
        Producer(name: "direct", queue: "jobs", arrivals: Steps(steps: [(at: "0s", rate: 2.0), (at: "5m", rate: 0.0)])),
    ])"#;

#[test]
fn when_the_traffic_stops_every_request_s_work_ends() {
    let s = scenario(EVERYTHING);
    let sim = run(&s);
    let r = Report::of(&sim, &s.name);
    let w = sim.completion_totals();
    assert_eq!(w.arrived, r.requests.arrived);
    assert!(w.arrived > 1500, "{w:?}");
    assert_eq!((w.completed, w.in_flight, w.not_followed), (w.arrived, 0, 0), "{w:?}");
    assert!(w.completed_failed > 0 && w.completed_failed < w.completed, "{w:?}");
    // Every mechanism ran.
    assert!(r.queues[0].to_dlq > 0 && r.queues[0].redelivered > 0, "{:?}", r.queues[0]);
    assert!(r.async_events.async_retries > 0 && r.async_events.async_to_dlq > 0, "{:?}", r.async_events);
    assert!(r.workflows[0].task_retries > 0 && r.streams[0].processed > 0);
    // The series holds each completion once, in the bucket where it ended.
    let in_series: u64 =
        sim.series.points().iter().map(|p| p.completion.count()).sum::<u64>() + sim.series.current.completion.count();
    assert_eq!(in_series, w.completed);
}
