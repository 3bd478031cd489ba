//! Observability: the handler's own structured log lines (a `Log` step at a decision
//! point, the error context of a failed call or a timeout), and diagnosis challenges
//! graded against the player's answer.

use crate::harness::scenario;
use faaslab::headless::RunOptions;
use faaslab::report::Report;
use faaslab::report::export::handler_message;
use faaslab::report::objectives::evaluate_all;
use faaslab::scenario::diagnosis::{Cause, node_names};
use faaslab::sim::Simulation;
use faaslab::sim::kernel::log::{CallFailed, HandlerLine, LogKind, LogLevel};
use faaslab::sim::kernel::time::{SimDuration, SimTime};
use faaslab::sim::kernel::trace::SpanKind;
use std::collections::BTreeMap;

fn run_logged(text: &str) -> Simulation {
    let s = scenario(text);
    let mut sim = Simulation::with_log_capacity(s.config.clone(), 1_000_000);
    sim.run_to_end();
    assert!(sim.log.total() < 1_000_000, "the whole log is kept");
    sim
}

/// The handler's lines of a run, by request: (level, line, time).
fn handler_lines(sim: &Simulation) -> Vec<(u64, LogLevel, HandlerLine, SimTime)> {
    let lines = sim.log.entries().filter_map(|e| match e.kind {
        LogKind::Handler { level, line } => Some((e.request, level, line, e.time)),
        _ => None,
    });
    lines.collect()
}

#[test]
fn log_steps_write_at_their_budget_once_per_request_and_are_counted() {
    // Every request runs over 100 ms (a 200 ms query), none over 10 s: each finished
    // request wrote exactly one warning and one info line, at its end, and nothing else.
    let sim = run_logged(
        r#"Scenario(name: "logs", duration: "5m",
            functions: [(name: "api", runtime: Python, memory_mb: 1024, duration: Constant(value: "20ms"),
                calls: [Query(database: "db"),
                        Log(message: "over budget", level: Warn, slower_than: "100ms"),
                        Log(message: "far over budget", level: Error, slower_than: "10s"),
                        Log(message: "answered")])],
            databases: [(name: "db", query_time: Constant(value: "200ms"), max_parallel_queries: 1000)],
            triggers: [Http(name: "users", target: "api", arrivals: Poisson(rate: 10.0))])"#,
    );
    let report = Report::of(&sim, "logs");
    let f = &report.functions[0];
    let logged = f.logged.as_ref().expect("a function with Log steps reports its lines");
    assert_eq!((logged.info, logged.warn, logged.error), (f.succeeded, f.succeeded, 0));
    assert!(f.succeeded > 2800, "about 3000 requests in 5 minutes: {}", f.succeeded);
    // In the log: one line of each level per finished request, written when it finished.
    let finished: BTreeMap<u64, SimTime> =
        sim.log.entries().filter(|e| matches!(e.kind, LogKind::Finished { .. })).map(|e| (e.request, e.time)).collect();
    let lines = handler_lines(&sim);
    assert_eq!(lines.len() as u64, 2 * f.succeeded);
    for (request, level, line, time) in &lines {
        assert_eq!(finished.get(request), Some(time), "request {request} logged as it answered");
        let HandlerLine::Step { call, elapsed } = *line else { panic!("only Log steps here: {line:?}") };
        assert_eq!((call, *level), if *level == LogLevel::Warn { (1, LogLevel::Warn) } else { (3, LogLevel::Info) });
        assert!(elapsed >= SimDuration::from_millis(200), "the query and the handler's own work: {elapsed}");
    }
    let e = sim.log.entries().find(|e| matches!(e.kind, LogKind::Handler { level: LogLevel::Warn, .. })).unwrap();
    assert!(handler_message(&sim, e).starts_with("over budget (elapsed 2"), "{}", handler_message(&sim, e));
    let json = faaslab::report::export::log_jsonl(&sim);
    assert!(json.lines().any(|l| l.contains(r#""level":"Warn","message":"over budget (elapsed"#)), "searchable");
}

#[test]
fn a_failed_call_writes_the_error_context_with_its_latency() {
    // Every attempt errors in 20 ms; one retry after 100 ms: each call fails after
    // exactly 20 + 100 + 20 = 140 ms, and the handler says so, once per failed request.
    let sim = run_logged(
        r#"Scenario(name: "errors", duration: "2m",
            functions: [(name: "api", runtime: Python, memory_mb: 1024, duration: Constant(value: "10ms"),
                calls: [Api(api: "flaky", retries: 1, backoff: "100ms")])],
            apis: [(name: "flaky", latency: Constant(value: "20ms"), error_rate: 1.0)],
            triggers: [Http(name: "users", target: "api", arrivals: Poisson(rate: 5.0))])"#,
    );
    let report = Report::of(&sim, "errors");
    let f = &report.functions[0];
    let lines = handler_lines(&sim);
    assert!(f.errors > 500, "about 600 requests, every one failed: {}", f.errors);
    assert_eq!(lines.len() as u64, f.errors, "one error line per failed request");
    for (_, level, line, _) in &lines {
        assert_eq!(*level, LogLevel::Error);
        let expected =
            HandlerLine::CallFailed { call: 0, failure: CallFailed::ApiFailed, took: SimDuration::from_millis(140) };
        assert_eq!(*line, expected);
    }
    assert!(f.logged.is_none(), "no Log step: the report has no Log counts");
    let e = sim.log.entries().find(|e| matches!(e.kind, LogKind::Handler { .. })).unwrap();
    assert_eq!(
        handler_message(&sim, e),
        "call 1 (Api flaky) failed after 140 ms: refused (429) or failed on every attempt"
    );
}

#[test]
fn a_timeout_during_a_call_names_the_call_under_way() {
    // The caller may run 1 s; its synchronous callee takes 3 s: every caller times out
    // during call 2 (Invoke slow), at least 3 s into it.
    let sim = run_logged(
        r#"Scenario(name: "timeouts", duration: "2m",
            functions: [
                (name: "api", runtime: Python, memory_mb: 1024, timeout: "1s", duration: Constant(value: "10ms"),
                 calls: [Log(message: "calling slow"), Invoke(function: "slow")]),
                (name: "slow", runtime: Python, memory_mb: 1024, timeout: "10s", duration: Constant(value: "3s"))],
            triggers: [Http(name: "users", target: "api", arrivals: Poisson(rate: 2.0))])"#,
    );
    let report = Report::of(&sim, "timeouts");
    let api = &report.functions[0];
    let errors: Vec<HandlerLine> =
        handler_lines(&sim).into_iter().filter(|l| l.1 == LogLevel::Error).map(|l| l.2).collect();
    assert!(api.timeouts > 200, "{}", api.timeouts);
    assert_eq!(errors.len() as u64, api.timeouts);
    for line in errors {
        let HandlerLine::TimedOut { call: 1, took } = line else { panic!("{line:?}") };
        assert!(took >= SimDuration::from_secs(3), "{took}");
    }
}

fn incident() -> faaslab::scenario::Scenario {
    faaslab::scenario::built_in("incident-checkout-latency").unwrap().unwrap()
}

#[test]
fn exactly_one_answer_of_every_node_and_cause_passes_the_incident() {
    let s = incident();
    let mut sim = Simulation::with_log_capacity(s.config.clone(), 0);
    sim.run_to_end();
    let report = Report::of(&sim, &s.name);
    let mut challenge = s.challenge.clone().unwrap();
    let nodes = node_names(&s.config);
    assert_eq!(nodes.len(), 7);
    let mut passing = Vec::new();
    for node in &nodes {
        for cause in Cause::ALL {
            let answer = format!("{node}:{cause}");
            challenge.give_answer(&s.config, &answer).unwrap();
            let grade = &evaluate_all(&challenge, &sim, &report)[0];
            if grade.passed {
                passing.push(answer);
            } else {
                let why = grade.why.as_deref().unwrap();
                assert!(why.starts_with(&format!("{node}:{cause} is not what happened")), "{why}");
                assert!(!why.contains("inventory-db") || *node == "inventory-db", "a wrong answer hides the right one");
            }
        }
    }
    assert_eq!(passing, ["inventory-db:slow-dependency"], "of 56 answers");
    challenge.answer = None;
    let grade = &evaluate_all(&challenge, &sim, &report)[0];
    assert!(!grade.passed && grade.measured_text == "no answer");
}

#[test]
fn the_incident_shows_in_the_traces_first_then_the_logs_then_the_minute_metric() {
    let s = incident();
    let options = RunOptions { log_capacity: 2_000_000, ..RunOptions::default() };
    let outcome = faaslab::headless::run(s, &options).unwrap();
    let sim = &outcome.sim;
    let fault = SimTime::ZERO + SimDuration::from_secs(8 * 60);
    // Traces: inventory-db's query spans grow about 12 times at the fault; orders-db's
    // stay as they were.
    let median = |db: &str, after: bool| {
        let mut d: Vec<f64> = sim
            .traces
            .spans()
            .filter(|s| s.kind == SpanKind::Query && faaslab::report::export::span_node_name(sim, s) == db)
            .filter(|s| (s.start >= fault) == after && s.start >= SimTime::ZERO + SimDuration::from_secs(60))
            .map(|s| s.end.since(s.start).as_millis_f64())
            .collect();
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    let (before, after) = (median("inventory-db", false), median("inventory-db", true));
    assert!(after / before > 8.0 && after / before < 16.0, "inventory-db {before} ms -> {after} ms");
    let (before, after) = (median("orders-db", false), median("orders-db", true));
    assert!(
        after / before > 0.5 && after / before < 2.0,
        "orders-db {before} ms -> {after} ms: unchanged, within the noise of the sampled spans"
    );
    let slow_span = sim
        .traces
        .spans()
        .filter(|s| s.kind == SpanKind::Query && s.start >= fault)
        .filter(|s| faaslab::report::export::span_node_name(sim, s) == "inventory-db")
        .filter(|s| s.end.since(s.start) > SimDuration::from_millis(100))
        .map(|s| s.end)
        .min()
        .unwrap();
    // Logs: the budget warnings follow within seconds, many times as many a minute.
    let warnings: Vec<SimTime> =
        handler_lines(sim).into_iter().filter(|l| l.1 == LogLevel::Warn).map(|l| l.3).collect();
    let first_warning = *warnings.iter().find(|t| **t >= fault).unwrap();
    let per_minute = |from: u64, to: u64| {
        let n = warnings.iter().filter(|t| t.as_secs_f64() >= from as f64 * 60.0 && t.as_secs_f64() < to as f64 * 60.0);
        n.count() as f64 / (to - from) as f64
    };
    let (calm, incident) = (per_minute(4, 8), per_minute(9, 15));
    assert!(incident > 10.0 * calm && calm > 0.0, "warnings a minute: {calm} before, {incident} after");
    let secs = |t: SimTime| t.since(fault).as_secs_f64();
    assert!(secs(slow_span) < 1.0, "a slow span {} s after the fault", secs(slow_span));
    assert!(secs(first_warning) > secs(slow_span) && secs(first_warning) < 3.0, "{}", secs(first_warning));
    // The report: warnings counted; the distractors are there (cold starts, a backlog).
    let report = &outcome.report;
    let checkout = &report.functions[0];
    assert_eq!(
        checkout.logged.as_ref().map(|l| l.warn),
        Some(warnings.iter().filter(|t| t.as_secs_f64() >= 60.0).count() as u64)
    );
    assert!(checkout.cold_starts > 20, "{}", checkout.cold_starts);
    assert!(report.queues[0].max_oldest_age_s > 60.0, "{}", report.queues[0].max_oldest_age_s);
    assert_eq!(report.databases.iter().map(|d| d.connection_errors).sum::<u64>(), 0, "no connection was refused");
    assert_eq!(report.apis[0].gave_up, 0, "no payment call failed");
    eprintln!(
        "incident: inventory-db median {:.1} -> {:.1} ms; slow span +{:.3} s; first warning +{:.3} s; warnings/min {calm} -> {incident}",
        median("inventory-db", false),
        median("inventory-db", true),
        secs(slow_span),
        secs(first_warning)
    );
}

#[test]
fn the_audit_of_a_diagnosis_grades_its_one_setting_with_the_right_answer() {
    let options = faaslab::audit::AuditOptions::default();
    let audit = faaslab::audit::run(&incident(), &options, &|_, _| {}).unwrap();
    // No knobs: the scenario as written and the reference, both with the right answer.
    assert_eq!((audit.runs, audit.corners, audit.refused, audit.passing), (2, 1, 0, 2));
    assert!(audit.rejected.is_empty());
    let text = audit.to_text();
    assert!(text.contains("the scenario as written (no knobs)"), "{text}");
    assert!(text.ends_with("No passing setting a reviewer would reject.\n"), "{text}");
}
