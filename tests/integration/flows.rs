//! Flows (issue 13): every request followed by correlation id to its required effects,
//! whatever the design in between; counts checked against the mechanisms that cause them.

use crate::harness::{run, scenario};
use faaslab::report::Report;
use faaslab::scenario::Scenario;

/// Uploads through an API that queues each one for a worker that writes a thumbnail and
/// a row. `api` and `worker` are extra function fields, `flow` the flow's fields.
fn pipeline(api: &str, worker: &str, flow: &str, duration: &str) -> String {
    format!(
        r#"Scenario(name: "flows", duration: "{duration}",
        functions: [
            (name: "api", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "200ms"),
             calls: [Send(queue: "jobs")] {api}),
            (name: "worker", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "10ms"),
             calls: [Put(bucket: "thumbnails"), Query(database: "images-db", write: true)] {worker}),
        ],
        queues: [(name: "jobs", visibility_timeout: "2s", consumer: (function: "worker", batch_size: 1))],
        buckets: [(name: "thumbnails")],
        databases: [(name: "images-db", query_time: Constant(value: "5ms"))],
        triggers: [Http(name: "uploads", target: "api", arrivals: Trace(per_minute: [1200]))],
        flows: [(name: "upload", from: ["uploads"], effects: [Object(bucket: "thumbnails"), Row(database: "images-db")] {flow})])"#
    )
}

fn report(text: &str) -> Report {
    Report::of(&run(&scenario(text)), "flows")
}

#[test]
fn requests_that_never_got_in_miss_every_effect_exactly() {
    // The API may run 2 at once, 200 ms each (10 a second) against 20 a second: about
    // half are throttled and reach nothing. Exactly those are incomplete, both effects
    // missing, stopped at the trigger; every other request completes, once.
    let r = report(&pipeline(", reserved_concurrency: 2", "", r#", within: "1m""#, "3m"));
    let f = &r.flows[0];
    let throttled = r.triggers[0].requests.throttled;
    assert!(throttled > 400 && throttled < 800, "{throttled} throttled");
    assert_eq!(f.requests, 1200);
    assert_eq!((f.incomplete, f.poison, f.in_flight), (throttled, 0, 0));
    assert_eq!(f.on_time, 1200 - throttled);
    assert_eq!(f.on_time, r.triggers[0].requests.succeeded);
    for e in &f.effects {
        assert_eq!((e.missing, e.on_time, e.late, e.duplicated), (throttled, 1200 - throttled, 0, 0), "{}", e.effect);
    }
    assert_eq!(f.stopped_at.len(), 1);
    assert_eq!((f.stopped_at[0].node.as_str(), f.stopped_at[0].requests), ("uploads (no function reached)", throttled));
    // Conservation: every request is on time, late, incomplete, poison or in flight.
    assert_eq!(f.on_time + f.late + f.incomplete + f.poison + f.in_flight, f.requests);
}

#[test]
fn a_redelivered_message_repeats_its_effects_unless_the_worker_is_idempotent() {
    // 20% of worker runs fail after doing their work (errors are raised at the end), and
    // the message comes back: each repeat is one more object and one more row, exactly
    // as many as the report's duplicate side effects.
    let r = report(&pipeline("", ", error_rate: 0.2", r#", within: "1m""#, "3m"));
    let f = &r.flows[0];
    assert!(r.duplicates > 200, "{} duplicates", r.duplicates);
    for e in &f.effects {
        assert_eq!(e.repeats, r.duplicates, "{}", e.effect);
        assert_eq!(e.missing, 0);
        assert!(e.duplicated > 0 && e.duplicated <= e.repeats);
    }
    assert_eq!(f.duplicated, f.effects[0].duplicated, "both effects repeat together");
    assert_eq!((f.incomplete, f.on_time + f.late), (0, 1200));
    // With an idempotency store the repeats are no-ops: every upload exactly once.
    let once = report(&pipeline("", ", error_rate: 0.2, idempotency: true", r#", within: "1m""#, "3m"));
    let f = &once.flows[0];
    assert_eq!((f.duplicated, f.effects[0].repeats, f.effects[1].repeats), (0, 0, 0));
    assert!(once.duplicates_suppressed > 200);
    // An at-least-once flow counts the repeats but grades none as duplicated.
    let lenient = report(&pipeline("", ", error_rate: 0.2", r#", within: "1m", at_least_once: true"#, "3m"));
    assert_eq!((lenient.flows[0].duplicated, lenient.flows[0].effects[0].repeats), (0, r.duplicates));
}

#[test]
fn a_deadline_shorter_than_the_path_makes_every_request_late() {
    // 200 ms in the API before the message is even sent: a 100 ms deadline is missed by
    // every request, which still completes.
    let r = report(&pipeline("", "", r#", within: "100ms""#, "3m"));
    let f = &r.flows[0];
    assert_eq!((f.on_time, f.late, f.incomplete), (0, 1200, 0));
    assert_eq!((f.effects[0].late, f.effects[1].late), (1200, 1200));
}

#[test]
fn a_design_that_does_nothing_fails_every_effect_and_says_where_requests_stopped() {
    // The API answers and sends nothing: every request stops at it.
    let text = pipeline("", "", r#", within: "1m""#, "3m").replace(r#"calls: [Send(queue: "jobs")] "#, "");
    let graded = format!(
        "{}, challenge: (goal: \"g\", objectives: [Flow(name: \"upload\", on_time: 0.99)], knobs: [], reference: [], debrief: \"d\"))",
        text.strip_suffix(')').expect("a scenario ends with )")
    );
    let s = scenario(&graded);
    let sim = run(&s);
    let report = Report::of(&sim, "flows");
    let f = &report.flows[0];
    assert_eq!((f.incomplete, f.on_time), (1200, 0));
    assert_eq!((f.stopped_at[0].node.as_str(), f.stopped_at[0].requests), ("api", 1200));
    let grades = faaslab::report::objectives::evaluate_all(s.challenge.as_ref().unwrap(), &sim, &report);
    assert!(!grades[0].passed);
    let why = grades[0].why.as_deref().unwrap();
    assert!(why.contains("an object in thumbnails missing for 1200") && why.contains("stopped at api (1200)"), "{why}");
}

#[test]
fn a_flow_names_what_exists() {
    let text = pipeline("", "", r#", within: "1m""#, "1m")
        .replace(r#"from: ["uploads"]"#, r#"from: ["upload", "uploads"]"#)
        .replace(r#"Object(bucket: "thumbnails")"#, r#"Object(bucket: "thumbs"), Event(bus: "events")"#);
    let e = Scenario::parse(&text, "design.ron").unwrap_err().to_string();
    assert!(e.contains("flows[0].from[0]: no trigger is named \"upload\""), "{e}");
    assert!(e.contains("flows[0].effects[0]: no bucket is named \"thumbs\" (buckets: \"thumbnails\")"), "{e}");
    assert!(e.contains("flows[0].effects[1]: no bus is named \"events\""), "{e}");
    let zero = pipeline("", "", r#", within: "0s""#, "1m");
    let e = Scenario::parse(&zero, "design.ron").unwrap_err().to_string();
    assert!(e.contains("flows[0].within: a deadline above zero"), "{e}");
}

/// Every built-in design against its brief, seeds 1-5: the brief's reference passes,
/// each flawed design fails, and for its teaching reason.
#[test]
fn each_brief_s_reference_design_passes_and_its_flawed_designs_fail_for_their_reason() {
    use faaslab::report::objectives::evaluate_all;
    use faaslab::scenario::{DESIGNS, built_in};
    // (design, the objective label that must fail, words its reason must hold)
    let flawed = [
        ("image-upload-one-function", "requests scanner refused with 429", "over its limit"),
        ("image-upload-not-idempotent", "requests of upload reaching every effect", "done twice"),
        ("search-sync-defaults", "iterator age of product-changes", "bisect a failing batch"),
        ("search-sync-give-up-batch", "work lost (poison in a DLQ allowed)", "not poison, parked"),
        (
            "order-placement-no-compensation",
            "requests of order reaching every effect",
            "stock-release (when payments declines) missing",
        ),
        (
            "order-placement-not-idempotent",
            "requests of order reaching every effect",
            "done twice (a message in shipments for",
        ),
        (
            "order-placement-ship-unpaid",
            "requests of order reaching every effect",
            "their outcome forbids (a message in shipments",
        ),
        ("nightly-report-one-function", "requests of report reaching every effect", "200 of their parts never done"),
        ("nightly-report-unbounded", "peak connections of warehouse-db", "refused"),
        ("payment-webhook-synchronous", "requests of payment reaching every effect", "each retry did the work again"),
        ("payment-webhook-not-idempotent", "requests of payment reaching every effect", "done twice"),
        ("read-api-defaults", "errors of readers", "links-db refused"),
        ("read-api-provisioned-for-peak", "cost per month", "provisioned concurrency"),
    ];
    for (name, _) in DESIGNS {
        let design = built_in(name).expect("listed").unwrap_or_else(|e| panic!("{name}: {e}"));
        for seed in 1..=5 {
            let mut s = design.clone();
            s.config.seed = seed;
            let sim = run(&s);
            let report = Report::of(&sim, name);
            let grades = evaluate_all(s.challenge.as_ref().expect("a brief's challenge"), &sim, &report);
            match flawed.iter().find(|(n, ..)| n == name) {
                None => assert!(grades.iter().all(|g| g.passed), "{name} seed {seed}: {grades:?}"),
                Some((_, label, reason)) => {
                    let g = grades.iter().find(|g| g.label == *label).expect("the objective");
                    assert!(
                        !g.passed && g.why.as_deref().is_some_and(|w| w.contains(reason)),
                        "{name} seed {seed}: {g:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_design_names_its_mistakes_in_its_own_text() {
    let design = r#"Scenario(
    name: "mine",
    brief: "brief-image-upload",
    duration: "5m",
    functions: [(name: "work", runtime: Python, duration: Constant(value: "10ms"))],
    buckets: [(name: "thumbnails")],
    connect: [(from: "images", to: "work"), (from: "nothing", to: "work")],
)"#;
    let e = Scenario::parse(design, "mine.ron").unwrap_err().to_string();
    assert!(e.contains("mine.ron:4:") && e.contains("duration: a design takes its duration from its brief"), "{e}");
    assert!(
        e.contains("mine.ron:6:") && e.contains("buckets[0].name: the brief already has a bucket named \"thumbnails\""),
        "{e}"
    );
    assert!(e.contains("connect[1]: the brief has no trigger, bucket or stream named \"nothing\""), "{e}");
    let unknown = design.replace("brief-image-upload", "brief-nowhere");
    let e = Scenario::parse(&unknown, "mine.ron").unwrap_err().to_string();
    assert!(e.contains("no built-in brief and no file") && e.contains("brief-image-upload"), "{e}");
    // A stream's mapping settings on a bucket.
    let misplaced =
        design.replace(r#"(from: "images", to: "work")"#, r#"(from: "images", to: "work", bisect_on_error: true)"#);
    let e = Scenario::parse(&misplaced, "mine.ron").unwrap_err().to_string();
    assert!(
        e.contains("connect[0]: batch_size, bisect_on_error, max_retries and on_failure set a stream's consumer"),
        "{e}"
    );
    // Connected to a function the design does not have: the merged scenario says so.
    let wrong = r#"Scenario(name: "mine", brief: "brief-image-upload",
        functions: [(name: "work", runtime: Python, duration: Constant(value: "10ms"))],
        connect: [(from: "images", to: "wrok")])"#;
    let e = Scenario::parse(wrong, "mine.ron").unwrap_err().to_string();
    assert!(e.contains("no function is named \"wrok\""), "{e}");
}

/// A brief's hint about connecting one of its parts is for the brief run alone (or a
/// design that left that part unconnected), never for a design that connected it.
#[test]
fn a_wiring_hint_is_given_only_while_its_part_is_unconnected() {
    use faaslab::scenario::{DESIGNS, LIBRARY, built_in};
    let wiring = |s: &Scenario| -> Vec<String> {
        let hints = &s.challenge.as_ref().expect("a brief has a challenge").hints;
        hints.iter().filter_map(|h| h.until_connected.clone()).collect()
    };
    let mut designs = 0;
    for (brief, _) in LIBRARY.iter().filter(|(n, _)| n.starts_with("brief-")) {
        let alone = built_in(brief).unwrap().unwrap();
        let parts = wiring(&alone);
        assert_eq!(parts.len(), 1, "{brief} tells how to connect its entry point");
        for (name, text) in DESIGNS.iter().filter(|(_, t)| t.contains(&format!("brief: \"{brief}\""))) {
            let design = built_in(name).unwrap().unwrap();
            assert!(text.contains(&format!("from: \"{}\"", parts[0])), "{name} connects {}", parts[0]);
            assert_eq!(wiring(&design), Vec::<String>::new(), "{name} is not told to connect what it connected");
            let others = |s: &Scenario| s.challenge.as_ref().unwrap().hints.len();
            assert_eq!(others(&design), others(&alone) - 1, "{name} keeps every other hint");
            designs += 1;
        }
    }
    assert!(designs >= 6, "{designs} designs checked");
    // Naming a part the brief lacks is refused where it is written.
    let text = LIBRARY.iter().find(|(n, _)| *n == "brief-read-api").unwrap().1;
    let broken = text.replace(r#"until_connected: Some("readers")"#, r#"until_connected: Some("reader")"#);
    assert_ne!(broken, text);
    let e = Scenario::parse(&broken, "brief.ron").unwrap_err().to_string();
    assert!(e.contains("challenge.hints[0].until_connected: no trigger, bucket or stream named \"reader\""), "{e}");
}

#[test]
fn a_design_saved_as_a_scenario_reopens_identically() {
    let design = faaslab::scenario::built_in("image-upload-reference").expect("listed").expect("valid");
    let text = design.to_ron();
    let again = Scenario::parse(&text, "saved.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again, design);
    assert_eq!(report(&text).to_json(), Report::of(&run(&design), "flows").to_json());
}

#[test]
fn an_unconnected_http_trigger_goes_to_a_stand_in_that_fails_its_requests() {
    let brief = r#"Scenario(name: "b", duration: "1m",
        triggers: [Http(name: "webhooks", target: "", arrivals: Constant(rate: 10.0))],
        buckets: [(name: "payments")],
        flows: [(name: "pay", from: ["webhooks"], within: "10s", effects: [Object(bucket: "payments")])])"#;
    let r = report(brief);
    let t = &r.triggers[0].requests;
    // Every 100 ms from 0.1 s to 59.9 s.
    assert_eq!((t.arrived, t.failed), (599, 599), "nothing serves an unconnected trigger");
    let f = &r.flows[0];
    assert_eq!(f.stopped_at[0].node, "unwired webhooks");
    assert_eq!(f.incomplete + f.in_flight, 599);
}

#[test]
fn a_long_run_follows_only_its_recent_requests() {
    // 20 uploads a second for 6 simulated hours (432 000 requests), a 1-minute deadline:
    // a request is graded and forgotten 30 minutes after it arrived (four deadlines, at
    // least 30 minutes), so at most about 36 000 are followed at once, whatever the length.
    let text = pipeline("", "", r#", within: "1m""#, "6h").replace("Trace(per_minute: [1200])", "Constant(rate: 20.0)");
    let sim = run(&scenario(&text));
    let followed = sim.flows()[0].followed();
    assert!(followed <= 20 * 30 * 60 + 20, "{followed} followed");
    let f = &Report::of(&sim, "long").flows[0];
    assert_eq!(f.requests, 20 * 6 * 3600 - 1, "every request is counted, forgotten or not");
    assert_eq!(f.on_time + f.late + f.incomplete + f.poison + f.in_flight, f.requests);
    assert_eq!(f.incomplete, 0);
}
