//! Flows with two outcomes (an API's declines and a flow's `if_declined`: a saga's
//! compensation) and flows of parts (a fan-out's `Send` count and a flow's `parts`),
//! counted exactly against the mechanisms that cause them.

use crate::harness::{run, scenario};
use faaslab::report::Report;
use faaslab::scenario::Scenario;

/// 1200 orders in one minute to `place`, whose calls are `calls`; the payment API
/// declines `declines` of them; a failed invocation goes (after `async_retries`) to a
/// queue `release` drains. The flow wants payment and a shipment, or, when declined,
/// a release.
fn saga(calls: &str, declines: f64, async_retries: u32) -> String {
    format!(
        r#"Scenario(name: "saga", duration: "10m",
        functions: [
            (name: "order", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "5ms"),
             calls: [Invoke(function: "place", asynchronous: true)]),
            (name: "place", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "5ms"),
             async_retries: {async_retries}, on_failure: "failed", calls: [{calls}]),
            (name: "release", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "5ms"),
             calls: [Api(api: "stock-release")]),
        ],
        apis: [(name: "payments", latency: Constant(value: "10ms"), declines: {declines}),
               (name: "stock-release", latency: Constant(value: "10ms"))],
        queues: [(name: "shipments"), (name: "failed", visibility_timeout: "1m", consumer: (function: "release", batch_size: 1))],
        triggers: [Http(name: "orders", target: "order", arrivals: Trace(per_minute: [1200]))],
        flows: [(name: "order", from: ["orders"], within: "9m",
                 effects: [ApiCall(api: "payments"), Message(queue: "shipments")],
                 if_declined: (api: "payments", effects: [ApiCall(api: "stock-release")]))])"#
    )
}

fn report(text: &str) -> Report {
    Report::of(&run(&scenario(text)), "test")
}

#[test]
fn a_declined_request_is_declined_on_every_attempt_and_graded_by_its_compensation() {
    let pay_then_ship = r#"Api(api: "payments", retries: 3), Send(queue: "shipments")"#;
    let r = report(&saga(pay_then_ship, 0.1, 2));
    let (f, pay) = (&r.flows[0], &r.apis[0]);
    let declined = f.declined;
    // About a tenth of 1200 (binomial: 120 +- 3.3 sd of 10.4).
    assert!((85..=155).contains(&declined), "{declined} declined");
    // A decline is not retried by the call (retries: 3 are for errors), but each of the
    // two asynchronous retries calls again and is declined again: 3 attempts each.
    assert_eq!(pay.declined, 3 * declined);
    assert_eq!((pay.succeeded, pay.retries, pay.errors), (1200 - declined, 0, 0));
    assert_eq!(pay.requests, 1200 - declined + 3 * declined);
    // Every declined order reaches the compensation, once; every other one is paid and
    // shipped; nothing forbidden happens. Conservation: 1200 graded, all on time.
    assert_eq!((f.requests, f.on_time, f.incomplete, f.duplicated, f.unwanted), (1200, 1200, 0, 0, 0));
    let per_effect: Vec<(u64, u64)> = f.effects.iter().map(|e| (e.on_time, e.missing)).collect();
    assert_eq!(per_effect, [(1200 - declined, 0), (1200 - declined, 0), (declined, 0)]);
    assert_eq!(f.effects[2].effect, "a call to stock-release (when payments declines)");
    assert_eq!(r.queues.iter().find(|q| q.name == "failed").map(|q| q.sent), Some(declined));
    // The same seed declines the same orders whatever the design does with them.
    let no_retries = report(&saga(pay_then_ship, 0.1, 0));
    assert_eq!((no_retries.flows[0].declined, no_retries.apis[0].declined), (declined, declined));
}

#[test]
fn an_effect_only_the_other_outcome_needs_is_unwanted() {
    // Shipping before the charge ships every declined order: exactly those are
    // unwanted (and still released, so nothing is missing).
    let r = report(&saga(r#"Send(queue: "shipments"), Api(api: "payments")"#, 0.1, 0));
    let f = &r.flows[0];
    assert!(f.declined > 80, "{}", f.declined);
    assert_eq!((f.unwanted, f.effects[1].unwanted, f.effects[0].unwanted), (f.declined, f.declined, 0));
    assert_eq!((f.incomplete, f.on_time), (0, 1200));
    // A compensation that runs for every order releases paid ones too: each of those is
    // unwanted, and the declined ones are still fine.
    let always = saga(r#"Api(api: "payments"), Send(queue: "shipments"), Invoke(function: "release")"#, 0.1, 0);
    let f = &report(&always).flows[0];
    assert_eq!(
        (f.unwanted, f.effects[2].on_time, f.effects[2].unwanted),
        (1200 - f.declined, f.declined, 1200 - f.declined)
    );
    // Without compensation every declined order misses its release.
    let none =
        saga(r#"Api(api: "payments"), Send(queue: "shipments")"#, 0.1, 0).replace(r#"on_failure: "failed", "#, "");
    let f = &report(&none).flows[0];
    assert_eq!((f.incomplete, f.effects[2].missing, f.unwanted), (f.declined, f.declined, 0));
    // No declines: the compensation is never wanted, and the flow is the plain one.
    let f = &report(&saga(r#"Api(api: "payments"), Send(queue: "shipments")"#, 0.0, 0)).flows[0];
    assert_eq!((f.declined, f.on_time, f.effects[2].on_time), (0, 1200, 0));
}

/// A nightly job: `nights` schedules to a planner that sends `count` messages; a worker
/// writes a part per message. The flow wants `parts` parts.
fn fan_out(count: u32, parts: u32, worker: &str, flow: &str) -> String {
    format!(
        r#"Scenario(name: "fan-out", duration: "3h",
        functions: [
            (name: "plan", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "1s"),
             calls: [Send(queue: "chunks", count: {count})]),
            (name: "work", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "2s"),
             calls: [Put(bucket: "parts")] {worker}),
        ],
        queues: [(name: "chunks", visibility_timeout: "10s", consumer: (function: "work", batch_size: 1, max_concurrency: 5))],
        buckets: [(name: "parts")],
        triggers: [Schedule(name: "nightly", target: "plan", arrivals: Daily(times: ["1m", "1h1m"]))],
        flows: [(name: "report", from: ["nightly"], within: "30m", parts: {parts}, effects: [Object(bucket: "parts")] {flow})])"#
    )
}

#[test]
fn a_fan_out_s_parts_are_counted_one_by_one() {
    // Two nights of 100 chunks, 5 at a time, 2 s each: 40 s a night, every part once.
    let r = report(&fan_out(100, 100, "", ""));
    let f = &r.flows[0];
    assert_eq!((f.requests, f.on_time, f.incomplete, f.parts), (2, 2, 0, 100));
    assert_eq!((f.effects[0].on_time, f.effects[0].parts_missing, f.effects[0].repeats), (2, 0, 0));
    assert_eq!(r.queues[0].sent, 200);
    assert_eq!(r.buckets.iter().find(|b| b.name == "parts").map(|b| b.objects_created), Some(200));
    // A planner that queues 60 chunks leaves exactly 40 parts of each night missing.
    let short = report(&fan_out(60, 100, "", ""));
    let f = &short.flows[0];
    assert_eq!((f.incomplete, f.effects[0].missing, f.effects[0].parts_missing), (2, 2, 80));
    // A worker failing after its write: each redelivery writes its part again. An
    // at-least-once flow counts the repeats, exactly the duplicate side effects, and
    // still passes; an exactly-once flow calls them duplicates.
    let again = report(&fan_out(100, 100, ", error_rate: 0.2", ", at_least_once: true"));
    let f = &again.flows[0];
    assert!(again.duplicates > 20, "{}", again.duplicates);
    assert_eq!((f.on_time, f.duplicated, f.effects[0].repeats), (2, 0, again.duplicates));
    let strict = report(&fan_out(100, 100, ", error_rate: 0.2", ""));
    assert_eq!((strict.flows[0].duplicated, strict.flows[0].on_time), (2, 2));
    // With an idempotency store a redelivered part is a no-op: no repeat.
    let keyed = report(&fan_out(100, 100, ", error_rate: 0.2, idempotency: true", ""));
    assert_eq!((keyed.flows[0].duplicated, keyed.flows[0].effects[0].repeats), (0, 0));
    // One function writing everything once is one part, not a hundred.
    let one = report(&fan_out(1, 100, "", ""));
    assert_eq!((one.flows[0].incomplete, one.flows[0].effects[0].parts_missing), (2, 198));
}

#[test]
fn bad_outcomes_and_parts_are_refused_at_their_field() {
    let text = saga(r#"Api(api: "payments"), Send(queue: "shipments", count: 0)"#, 1.5, 0);
    let e = Scenario::parse(&text, "saga.ron").unwrap_err().to_string();
    assert!(e.contains("saga.ron:10:79: apis[0].declines: a fraction of requests in 0..1, got 1.5"), "{e}");
    assert!(e.contains("functions[1].calls[1].count: 1..10000 messages (a fan-out's parts), got 0"), "{e}");
    let flow = saga(r#"Api(api: "payments")"#, 0.1, 0).replace(
        r#"if_declined: (api: "payments", effects: [ApiCall(api: "stock-release")])"#,
        r#"if_declined: (api: "pay", effects: []), parts: 0"#,
    );
    let e = Scenario::parse(&flow, "saga.ron").unwrap_err().to_string();
    for wanted in [
        "flows[0].if_declined.api: no third-party API is named \"pay\" (apis: \"payments\", \"stock-release\")",
        "flows[0].parts: 1 to 10000 parts each request fans out into, got 0",
    ] {
        assert!(e.contains(wanted), "{wanted}\n{e}");
    }
    let empty =
        saga(r#"Api(api: "payments")"#, 0.1, 0).replace(r#"effects: [ApiCall(api: "stock-release")]"#, "effects: []");
    let e = Scenario::parse(&empty, "saga.ron").unwrap_err().to_string();
    assert!(e.contains("flows[0].if_declined.effects: the effects a declined request must cause instead"), "{e}");
    let unknown =
        saga(r#"Api(api: "payments")"#, 0.1, 0).replace(r#"ApiCall(api: "stock-release")"#, r#"Object(bucket: "x")"#);
    let e = Scenario::parse(&unknown, "saga.ron").unwrap_err().to_string();
    assert!(e.contains("flows[0].if_declined.effects[0]: no bucket is named \"x\""), "{e}");
}
