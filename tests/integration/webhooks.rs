//! An HTTP trigger's client policy (`client: (timeout, retries, backoff, lost_answers)`):
//! the client abandons an attempt it waited too long for while the function runs on, and
//! retries the same request (same correlation id), so a flow counts the effects each
//! attempt repeats. Counts checked against what the policy makes by hand.

use crate::bad_input::{GOOD, expect};
use crate::harness::{run, scenario};
use faaslab::report::Report;

/// One request a second for a minute (60), into `handler` (a function with no cold
/// start that writes one row), with the trigger's `client` policy and a flow that wants
/// the row within 2 minutes. `function` adds fields to the function.
fn webhook(handler: &str, function: &str, client: &str) -> String {
    format!(
        r#"Scenario(name: "webhook", duration: "5m",
        functions: [(name: "handler", runtime: Custom(cold_start: Constant(value: "0s")),
                     duration: Constant(value: "{handler}"), timeout: "10s",
                     calls: [Query(database: "payments-db", write: true)] {function})],
        databases: [(name: "payments-db", query_time: Constant(value: "5ms"))],
        triggers: [Http(name: "provider", target: "handler", arrivals: Trace(per_minute: [60]) {client})],
        flows: [(name: "payment", from: ["provider"], within: "2m", effects: [Row(database: "payments-db")])])"#
    )
}

fn report(text: &str) -> Report {
    Report::of(&run(&scenario(text)), "webhook")
}

#[test]
fn a_handler_slower_than_the_client_s_patience_runs_once_per_attempt_and_writes_a_row_each_time() {
    // 2 s of handler against 1 s of patience: every attempt is abandoned, so each of the
    // 60 requests is sent 1 + 2 times, and every attempt's function runs to the end and
    // writes its row: 3 rows a request, 2 of them repeats.
    let client = r#", client: (timeout: "1s", retries: 2, backoff: "10s")"#;
    let r = report(&webhook("2s", "", client));
    let t = &r.triggers[0];
    assert_eq!((t.requests.arrived, t.client_timeouts, t.client_retries), (60, 180, 120));
    assert_eq!((t.requests.timed_out, t.requests.succeeded, t.requests.in_flight), (60, 0, 0));
    assert_eq!(r.functions[0].invocations, 180, "the function ran every attempt");
    assert_eq!(r.functions[0].timeouts, 0, "none of them timed out on its own side");
    let f = &r.flows[0];
    assert_eq!((f.duplicated, f.effects[0].repeats, f.effects[0].missing), (60, 120, 0));
    // What the provider saw: 1 s, 10 s back-off, 1 s, 20 s (doubled), 1 s: 33 s.
    assert_eq!((t.latency_ms.p50, t.latency_ms.max), (33_000.0, 33_000.0));

    // The same with an idempotency store: still three runs a request, one row each.
    let once = report(&webhook("2s", ", idempotency: true", client));
    assert_eq!(once.functions[0].invocations, 180);
    let f = &once.flows[0];
    assert_eq!((f.duplicated, f.effects[0].repeats, f.effects[0].on_time), (0, 0, 60));
}

#[test]
fn a_fast_handler_is_never_retried_and_reports_as_without_a_policy() {
    let plain = report(&webhook("50ms", "", ""));
    let patient = report(&webhook("50ms", "", r#", client: (timeout: "1s", retries: 3, backoff: "10s")"#));
    let (a, b) = (&plain.triggers[0], &patient.triggers[0]);
    assert_eq!((b.client_timeouts, b.client_retries), (0, 0));
    assert_eq!(a.requests, b.requests);
    assert_eq!(a.latency_ms, b.latency_ms);
    assert_eq!(plain.flows, patient.flows);
    assert_eq!(plain.functions[0].invocations, 60);
    // Omitted from the JSON when zero, so reports without a policy stay as they were.
    let json = serde_json::to_string(&patient).unwrap();
    assert!(!json.contains("client_timeouts") && !json.contains("client_retries"));
}

#[test]
fn errors_and_throttles_are_retried_too_and_the_last_answer_counts() {
    // Every invocation fails (a 5xx at once): 1 + 3 attempts, none abandoned for time,
    // and each request ends failed.
    let client = r#", client: (timeout: "1s", retries: 3, backoff: "1s")"#;
    let r = report(&webhook("50ms", ", error_rate: 1.0", client));
    let t = &r.triggers[0];
    assert_eq!((t.client_timeouts, t.client_retries, t.requests.failed), (0, 180, 60));
    assert_eq!(r.functions[0].invocations, 240);
    // Errors are raised at the end of the handler: its row was written each time.
    assert_eq!(r.flows[0].effects[0].repeats, 180);
    // A function that may not run at all: every attempt is a 429, retried, and the
    // request ends throttled (as a plain trigger's 429), without a latency.
    let r = report(&webhook("50ms", ", reserved_concurrency: 0", client));
    let t = &r.triggers[0];
    assert_eq!((t.client_retries, t.requests.throttled, t.requests.failed), (180, 60, 0));
    assert_eq!((r.functions[0].invocations, r.flows[0].effects[0].missing), (0, 60));
    assert_eq!(t.latency_ms.max, 0.0);
}

#[test]
fn a_lost_answer_is_a_timeout_for_the_client_and_a_second_run_for_the_function() {
    // Every answer lost: each attempt times out after 1 s although it was served in 50 ms.
    let lost = r#", client: (timeout: "1s", retries: 1, backoff: "5s", lost_answers: 1.0)"#;
    let r = report(&webhook("50ms", "", lost));
    let t = &r.triggers[0];
    assert_eq!((t.client_timeouts, t.client_retries, t.requests.timed_out), (120, 60, 60));
    assert_eq!((r.functions[0].invocations, r.flows[0].effects[0].repeats), (120, 60));
    // A share of them: the repeats are exactly the retries (each retry served once more).
    let some = r#", client: (timeout: "1s", retries: 3, backoff: "5s", lost_answers: 0.3)"#;
    let r = report(&webhook("50ms", "", some));
    let t = &r.triggers[0];
    assert!(t.client_retries > 10 && t.client_retries < 40, "{} retries", t.client_retries);
    assert_eq!(t.client_timeouts, t.client_retries + t.requests.timed_out);
    assert_eq!(r.functions[0].invocations, 60 + t.client_retries);
    assert_eq!(r.flows[0].effects[0].repeats, t.client_retries);
    assert_eq!(t.requests.succeeded + t.requests.timed_out, 60);
}

#[test]
fn requests_waiting_for_a_retry_at_the_end_are_in_flight_not_lost() {
    // Arrivals through a 3-minute run, a 2 s handler, a 1 s patience and a 5 s back-off
    // doubling (5, 10, 20, 40 s): the last requests are still retrying at the end.
    let text = webhook("2s", "", r#", client: (timeout: "1s", retries: 4, backoff: "5s")"#)
        .replace(r#"duration: "5m""#, r#"duration: "3m""#)
        .replace("Trace(per_minute: [60])", r#"Every(period: "1s")"#);
    let r = report(&text);
    let c = &r.triggers[0].requests;
    assert_eq!(c.arrived, 179);
    assert!(c.in_flight > 0, "some still retrying");
    assert_eq!(c.succeeded + c.failed + c.throttled + c.timed_out + c.in_flight, c.arrived);
    // One a second from 1 s to 179 s. Each request gives up after 1 + 5 + 1 + 10 + 1 +
    // 20 + 1 + 40 + 1 = 80 s: those that arrived at 1..99 s gave up before the end at
    // 180 s (the one at 100 s would at 180 s, which is not run); the other 80 still wait.
    assert_eq!((c.timed_out, c.in_flight), (99, 80));
}

#[test]
fn bad_client_policies_are_named_with_their_place() {
    let http = r#"Http(name: "users", target: "api", arrivals: Poisson(rate: 5.0)),"#;
    let with = |client: &str| {
        GOOD.replace(
            http,
            &format!("Http(name: \"users\", target: \"api\", arrivals: Poisson(rate: 5.0),\n  client: ({client})),"),
        )
    };
    expect(
        &with(r#"timeout: "0s""#),
        14,
        21,
        "triggers[0].client.timeout: a client waits some time for an answer: above zero",
    );
    expect(&with(r#"timeout: "-1s""#), 14, 22, "\"-1s\" is not a duration");
    expect(&with(r#"timeout: "1s", retries: 13"#), 14, 36, "triggers[0].client.retries: at most 12");
    expect(&with(r#"timeout: "1s", lost_answers: 1.5"#), 14, 41, "client.lost_answers: a fraction in 0..1, got 1.5");
    expect(&with(r#"timeout: "1s", backoff: "2d""#), 14, 36, "client.backoff: at most 24h before the first retry");
    expect(&with(r#"retries: 2"#), 14, 22, "missing field named `timeout`");
}

#[test]
fn the_payment_brief_s_duplicates_are_exactly_the_provider_s_retries() {
    use faaslab::scenario::built_in;
    let of = |name: &str| {
        let s = built_in(name).expect("listed").expect("valid");
        Report::of(&run(&s), name)
    };
    // The queue design answers in tens of milliseconds: its only retries are the lost
    // answers, and each retry of a served payment queues it again. Without an idempotency
    // key every retry is one more row; with one, none is.
    let r = of("payment-webhook-not-idempotent");
    let t = &r.triggers[0];
    assert!(t.client_retries > 20, "{} retries", t.client_retries);
    assert_eq!(t.client_timeouts, t.client_retries, "every lost answer was retried, and served");
    assert_eq!(r.functions[0].invocations, t.requests.arrived + t.client_retries);
    let f = &r.flows[0];
    assert_eq!(f.effects[0].repeats, t.client_retries);
    assert_eq!((f.incomplete, f.in_flight, f.on_time), (0, 0, t.requests.arrived));
    let r = of("payment-webhook-reference");
    assert_eq!(r.triggers[0].client_retries, t.client_retries, "the same world, the same lost answers");
    assert_eq!((r.flows[0].duplicated, r.flows[0].effects[0].repeats), (0, 0));
}

#[test]
fn both_briefs_run_without_a_design_fail_every_request() {
    use faaslab::scenario::built_in;
    // The provider's every attempt reaches the stand-in and fails (a 5xx): each request
    // is sent four times unless the run ends first, and no payment is recorded.
    let s = built_in("brief-payment-webhook").expect("listed").expect("valid");
    let r = Report::of(&run(&s), "empty");
    let t = &r.triggers[0];
    assert_eq!(t.requests.succeeded, 0);
    assert_eq!(r.functions[0].invocations, t.requests.arrived + t.client_retries, "one run per attempt");
    assert_eq!(t.requests.failed + t.requests.timed_out + t.requests.in_flight, t.requests.arrived);
    let f = &r.flows[0];
    assert_eq!((f.on_time, f.late, f.incomplete + f.in_flight), (0, 0, f.requests));
    assert_eq!(f.stopped_at[0].node, "unwired provider");
    // The read API: nothing serves its readers.
    let s = built_in("brief-read-api").expect("listed").expect("valid");
    let r = Report::of(&run(&s), "empty");
    let t = &r.triggers[0].requests;
    assert_eq!((t.succeeded, t.failed + t.in_flight), (0, t.arrived));
}
