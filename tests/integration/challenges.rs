//! Challenges teach their mechanic only if they can be won and are not won for free:
//! the reference solution passes and the naive start fails, over several seeds each.
//! Also: objectives, knobs, `--set` and sweeps measure what they claim.

use crate::harness::{library, run};
use faaslab::headless::RunOptions;
use faaslab::report::Report;
use faaslab::report::objectives::ObjectiveResult;
use faaslab::scenario::Scenario;

const SEEDS: std::ops::RangeInclusive<u64> = 1..=10;

/// Runs and grades `s` as `faaslab run --challenge` does.
fn grade(s: &Scenario) -> Vec<ObjectiveResult> {
    let graded = RunOptions { challenge: true, ..RunOptions::default() };
    faaslab::headless::run(s.clone(), &graded).unwrap_or_else(|e| panic!("{e}")).grades.expect("graded")
}

fn summary(grades: &[ObjectiveResult]) -> String {
    grades
        .iter()
        .map(|g| {
            format!("{} {}: {} / {}", if g.passed { "pass" } else { "FAIL" }, g.label, g.measured_text, g.bound_text)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn challenges() -> Vec<(String, Scenario)> {
    library()
        .into_iter()
        .map(|(path, text)| {
            let s = Scenario::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
            (path, s)
        })
        .filter(|(_, s)| s.challenge.is_some())
        .collect()
}

#[test]
fn every_reference_solution_passes_over_ten_seeds() {
    for (path, scenario) in challenges() {
        for seed in SEEDS {
            let mut s = scenario.clone();
            s.config.seed = seed;
            s.apply_reference().unwrap();
            let grades = grade(&s);
            assert!(grades.iter().all(|g| g.passed), "{path} seed {seed}, reference: {}", summary(&grades));
        }
    }
}

#[test]
fn every_naive_start_fails_over_ten_seeds() {
    for (path, scenario) in challenges() {
        for seed in SEEDS {
            let mut s = scenario.clone();
            s.config.seed = seed;
            let grades = grade(&s);
            assert!(grades.iter().any(|g| !g.passed), "{path} seed {seed} passes as written: {}", summary(&grades));
            for g in grades.iter().filter(|g| !g.passed) {
                assert!(g.why.as_ref().is_some_and(|w| !w.is_empty()), "{path}: a failure says why ({})", g.label);
            }
        }
    }
}

/// The library scenario `name` with `settings` applied as an author (or a user without
/// the challenge's limits) would: knobs a candidate may not even reach.
fn set(name: &str, settings: &[(&str, &str)]) -> Scenario {
    let mut s = faaslab::scenario::built_in(name).unwrap().unwrap();
    for (knob, value) in settings {
        s.set_knob(knob, value).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    s
}

/// Grades `s` over the seeds; each must fail, and a failed objective's label and reason
/// must contain `label` and `cause`.
fn fails_for(s: &Scenario, label: &str, cause: &str) {
    for seed in SEEDS {
        let mut s = s.clone();
        s.config.seed = seed;
        let grades = grade(&s);
        let failed = grades.iter().find(|g| !g.passed && g.label.contains(label));
        let Some(failed) = failed else {
            panic!("{} seed {seed}: \"{label}\" should fail: {}", s.name, summary(&grades));
        };
        let why = failed.why.as_deref().unwrap_or_default();
        assert!(why.contains(cause), "{} seed {seed}: {label} fails, but says \"{why}\", not \"{cause}\"", s.name);
    }
}

#[test]
fn degenerate_designs_fail_for_the_reason_that_makes_them_degenerate() {
    // Transient failures dead-lettered on their first receive: work a human must redo.
    let sqs = [("invoices.visibility_timeout", "90"), ("invoices.dlq", "on"), ("invoices.max_receives", "1")];
    fails_for(&set("sqs-worker", &sqs), "work lost", "not poison");
    let upload = [
        ("validate.async_retries", "2"),
        ("validate.idempotency", "on"),
        ("thumbnail-jobs.visibility_timeout", "180"),
        ("thumbnail-jobs.dlq", "on"),
        ("thumbnail-jobs.max_concurrency", "40"),
        ("thumbnail-jobs.max_receives", "1"),
    ];
    fails_for(&set("image-upload-pipeline", &upload), "work lost", "not poison");
    // A route switched off is not served, and its latency is not 0 ms.
    let split = [("browse.target", "browse"), ("cart.target", "cart"), ("export.enabled", "off")];
    fails_for(&set("giant-vs-split-functions", &split), "served share of export", "received no requests");
    fails_for(&set("giant-vs-split-functions", &split), "latency of export", "served no requests");
    // Workflow retries after a charge that took the money are double charges.
    fails_for(
        &set("orchestration-vs-choreography", &[("choreographed-orders.enabled", "off")]),
        "duplicate",
        "done twice",
    );
    // A stream "moved to the fleet" by switching it off is not served anywhere.
    fails_for(
        &set("spiky-vs-server-fleet", &[("telemetry.enabled", "off")]),
        "served share of telemetry",
        "no requests",
    );
    // The fan-out with batches of ten: chunk workers time out behind the queue.
    let fanout = [("nightly-monolith.enabled", "off"), ("nightly-fanout.enabled", "on")];
    fails_for(&set("nightly-job", &fanout), "failed runs", "timeout");
}

#[test]
fn an_executed_workflow_that_ends_failed_is_work_lost() {
    // Email with no retries in the workflow: an email failure fails the whole order.
    let mut s = set(
        "orchestration-vs-choreography",
        &[("choreographed-orders.enabled", "off"), ("charge.idempotency", "on"), ("email.idempotency", "on")],
    );
    let email = s.config.functions.iter_mut().find(|f| f.name == "email").unwrap();
    std::sync::Arc::make_mut(email).error_rate = 0.2;
    fails_for(&s, "work lost", "ended failed");
}

#[test]
fn both_cart_designs_meet_the_same_sale() {
    // One trigger whichever design serves it: the timeline's sale raises both alike.
    let arrivals = |target: &str| {
        Report::of(&run(&set("local-state-and-caches", &[("carts.target", target)])), "x").triggers[0].requests.arrived
    };
    assert_eq!(arrivals("cart-in-memory"), arrivals("cart-stateless"));
}

#[test]
fn a_moved_workload_is_priced_on_the_servers_that_take_it() {
    let lambda = Report::of(&run(&set("spiky-vs-server-fleet", &[])), "x");
    let moved = Report::of(&run(&set("spiky-vs-server-fleet", &[("telemetry.fleet", "on")])), "x");
    let telemetry = |r: &Report| r.triggers.iter().find(|t| t.name == "telemetry").unwrap().requests.clone();
    assert_eq!(telemetry(&moved).arrived, telemetry(&lambda).arrived, "the same traffic, served elsewhere");
    assert_eq!(telemetry(&moved).succeeded + telemetry(&moved).in_flight, telemetry(&moved).arrived);
    // About 10 in flight at 200/s x 45 ms: two 16-request instances, the minimum.
    assert_eq!(moved.cost.moved_to_fleet_instances, 2);
    let hours = moved.simulated_seconds / 3600.0;
    assert!((moved.cost.moved_to_fleet_usd - 2.0 * 0.0832 * hours).abs() < 1e-12);
    assert!(
        (moved.cost.total_usd
            - (moved.cost.moved_to_fleet_usd
                + moved.cost.requests_usd
                + moved.cost.compute_usd
                + moved.cost.provisioned_usd))
            .abs()
            < 1e-12
    );
    assert_eq!(lambda.cost.moved_to_fleet_usd, 0.0);
    assert!(moved.cost.per_month_usd < lambda.cost.per_month_usd);
}

#[test]
fn no_provisioned_concurrency_buys_a_game_its_tail_and_the_peak_sized_one_costs_more_than_servers() {
    // Sized to the peak in flight (11 at the bursts) and beyond: the cold starts go, the
    // gateway's tail and the state store stay, and the bill passes the bound.
    for provisioned in ["12", "40"] {
        let s = set("low-latency-game", &[("game-action.provisioned", provisioned)]);
        fails_for(&s, "p99.9 latency of actions", "invoke path");
        fails_for(&s, "cost per month", "provisioned concurrency");
    }
    // Cheapest possible functions (the smallest memory) still miss the latency.
    fails_for(&set("low-latency-game", &[("game-action.memory", "128")]), "p99.9 latency of actions", "invoke path");
    // Servers keep the match in memory: fast, and cheaper than the provisioned functions.
    let pc = Report::of(&run(&set("low-latency-game", &[("game-action.provisioned", "12")])), "x");
    let servers = Report::of(&run(&set("low-latency-game", &[("actions.fleet", "on")])), "x");
    assert_eq!(pc.cold_starts, 0);
    assert_eq!(servers.cost.moved_to_fleet_instances, 2);
    assert!(servers.cost.per_month_usd < pc.cost.per_month_usd);
    assert_eq!(servers.triggers[0].requests.arrived, pc.triggers[0].requests.arrived, "the same actions");
}

#[test]
fn a_websocket_chat_on_the_gateway_pays_for_every_copy_and_minute() {
    let gateway = Report::of(&run(&set("websocket-chat", &[])), "x");
    let servers = Report::of(&run(&set("websocket-chat", &[("chat.fleet", "on")])), "x");
    let w = gateway.triggers[0].websocket.as_ref().unwrap();
    // 2 KB messages: one increment each, received once and copied to 9 members.
    assert_eq!(w.billed_messages, 10 * w.messages);
    assert_eq!(w.delivered, 9 * w.messages);
    // About a thousand open (2.5 a second x a mean session of 6.7 minutes).
    assert!((900.0..1150.0).contains(&w.avg_open), "{}", w.avg_open);
    let ws = servers.triggers[0].websocket.as_ref().unwrap();
    assert_eq!(ws.messages, w.messages, "the same messages, served elsewhere");
    assert_eq!(servers.triggers[0].requests.succeeded + servers.triggers[0].requests.in_flight, ws.messages);
    assert_eq!(servers.cost.moved_to_fleet_instances, 2);
    // The gateway's meters alone are more than twice the two servers.
    let monthly = |usd: f64| usd / gateway.simulated_seconds * faaslab::sim::kernel::cost::MONTH_SECS;
    assert!(monthly(gateway.cost.websocket_usd) > 2.0 * servers.cost.per_month_usd);
    fails_for(&set("websocket-chat", &[("chat-message.memory", "128")]), "cost per month", "WebSocket API");
}

#[test]
fn power_tuning_sweep_falls_with_memory_and_is_cheapest_below_the_largest_size() {
    let s = faaslab::scenario::built_in("memory-power-tuning").unwrap().unwrap();
    let values: Vec<String> = ["128", "256", "512", "1024", "1769", "3008", "10240"].map(String::from).to_vec();
    let sweep = faaslab::sweep::run(&s, "resize.memory", &values, 2, &|_, _| {}).unwrap();
    let d: Vec<f64> = sweep.rows.iter().map(|r| r.duration_mean_ms).collect();
    // CPU-bound at 90%: time scales with 1769/memory below one vCPU, then stays put.
    for w in d[..5].windows(2) {
        assert!(w[1] < w[0] * 0.9, "duration falls with memory up to one vCPU: {d:?}");
    }
    assert!((d[0] / d[4] - (0.9 * 1769.0 / 128.0 + 0.1)).abs() < 0.6, "{d:?}");
    assert!((d[6] / d[4] - 1.0).abs() < 0.02, "one thread gains nothing past 1769 MB: {d:?}");
    assert!(sweep.cheapest < values.len() - 1, "the largest size is not the cheapest");
    let cost: Vec<f64> = sweep.rows.iter().map(|r| r.cost_per_million_usd).collect();
    assert!(cost[6] > 5.0 * cost[sweep.cheapest], "{cost:?}");
    assert_eq!(sweep.rows[sweep.fastest].value, "1769", "the first size at full speed is the fastest");
    // Same rows whatever the number of threads: runs are independent.
    let serial = faaslab::sweep::run(&s, "resize.memory", &values, 1, &|_, _| {}).unwrap();
    assert_eq!(serial.rows, sweep.rows);
}

#[test]
fn objectives_report_exact_counts_and_bounds() {
    // Each result carries exactly what was measured and the bound it was held to.
    let s = faaslab::scenario::built_in("memory-power-tuning").unwrap().unwrap();
    let options = RunOptions { challenge: true, settings: vec!["resize.memory=1769".into()], ..RunOptions::default() };
    let faaslab::headless::Outcome { sim, report, grades, .. } = faaslab::headless::run(s, &options).unwrap();
    let grades = grades.expect("graded");
    let cost = &grades[1];
    assert_eq!(cost.measured, report.cost.per_month_usd);
    assert_eq!(cost.bound, 165.0);
    assert_eq!(cost.passed, report.cost.per_month_usd <= 165.0);
    let p99 = &grades[0];
    assert_eq!(p99.measured, sim.triggers()[0].latency.quantile_ms(0.99));
    assert_eq!(p99.bound, 800.0);
}

/// Runs `s` to `secs` simulated seconds.
fn run_until(sim: &mut faaslab::sim::Simulation, secs: u64) {
    sim.step_until(faaslab::sim::kernel::time::SimTime(secs * 1_000_000), u64::MAX);
}

#[test]
fn a_timeline_narrates_turns_knobs_and_injects_faults_at_its_times() {
    use faaslab::sim::timeline::{TimelineAction, TimelineEntry};
    let at = |secs: u64, action: TimelineAction| TimelineEntry {
        at: faaslab::sim::kernel::time::SimDuration::from_secs(secs),
        action,
    };
    let mut s = Scenario::default_scenario();
    s.config.timeline = vec![
        at(30, TimelineAction::Caption("steady".into())),
        at(300, TimelineAction::Set { knob: "users.rate".into(), value: "3".into() }),
        at(420, TimelineAction::FailFunction { function: "api".into(), error_rate: 1.0 }),
        at(480, TimelineAction::Caption("healed".into())),
        at(480, TimelineAction::FailFunction { function: "api".into(), error_rate: 0.0 }),
    ];
    assert!(s.problems().is_empty(), "{:?}", s.problems());
    let mut sim = faaslab::sim::Simulation::new(s.config.clone());
    run_until(&mut sim, 29);
    assert_eq!(sim.caption(), None);
    run_until(&mut sim, 240);
    assert_eq!(sim.caption().map(|(_, t)| t), Some("steady"));
    // 4..5 min at 8/s as written, then 5..7 min at 3 x 8/s.
    let before = sim.requests().arrived;
    run_until(&mut sim, 300);
    let written = sim.requests().arrived - before;
    run_until(&mut sim, 420);
    let tripled = sim.requests().arrived - before - written;
    let ratio = tripled as f64 / (2.0 * written as f64);
    assert!((ratio - 3.0).abs() < 0.35, "{written} in a minute, then {tripled} in two: {ratio}");
    assert_eq!(sim.config().rate_scale_of(0), 3.0);
    // From 7 min every invocation fails, until the caption at 8 min heals it.
    let failed_before = sim.requests().failed;
    run_until(&mut sim, 479);
    let failed = sim.requests().failed - failed_before;
    assert!(failed > 1000, "a failing dependency fails everything: {failed}");
    run_until(&mut sim, 540);
    let after = sim.requests().failed;
    run_until(&mut sim, 599);
    assert_eq!(sim.requests().failed, after, "healed at 8 min");
    assert_eq!(sim.caption().map(|(_, t)| t), Some("healed"));
    assert!(sim.timeline_refused.is_empty(), "{:?}", sim.timeline_refused);
}

#[test]
fn a_slow_database_fault_slows_its_queries_by_the_factor() {
    // Light load and ample server slots: no queueing, so latency is the server time.
    let base = crate::harness::scenario(
        r#"Scenario(
            name: "slow db",
            duration: "10m",
            functions: [(name: "api", runtime: Python, memory_mb: 512, duration: Constant(value: "5ms"),
                         calls: [Query(database: "db", count: 1)], keep_alive: "10m")],
            triggers: [Http(name: "users", target: "api", arrivals: Poisson(rate: 2.0))],
            databases: [(name: "db", max_connections: 100, max_parallel_queries: 100,
                         query_time: LogNormal(median: "20ms", p99: "60ms"))],
        )"#,
    );
    let p50 = |factor: Option<f64>| {
        let mut s = base.clone();
        if let Some(factor) = factor {
            use faaslab::sim::timeline::{TimelineAction, TimelineEntry};
            let action = TimelineAction::SlowDatabase { database: "db".into(), factor };
            s.config.timeline = vec![TimelineEntry { at: faaslab::sim::kernel::time::SimDuration::ZERO, action }];
        }
        let r = Report::of(&run(&s), &s.name);
        r.databases[0].query_ms.p50
    };
    let (normal, slow) = (p50(None), p50(Some(4.0)));
    assert!((normal - 20.0).abs() < 2.0, "{normal}");
    assert!((slow / normal - 4.0).abs() < 0.3, "p50 {normal} ms, then {slow} ms with a 4x slowdown");
}

#[test]
fn every_library_scenario_is_a_challenge_except_the_calibration_measurement() {
    // keep-alive-steady-state reproduces a published measurement (theory.rs): there is
    // nothing to fix in it, so it stays a plain demo.
    let plain: Vec<String> = library()
        .into_iter()
        .filter(|(_, text)| Scenario::parse(text, "x").unwrap().challenge.is_none())
        .map(|(path, _)| path.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(plain, ["keep-alive-steady-state.ron"]);
    assert!(challenges().len() >= 20, "the library's scenarios, each a challenge");
}

#[test]
fn snapstart_passes_the_runtime_challenge_only_with_an_after_restore_hook() {
    // Naive SnapStart: the order-number seed and the connection in the snapshot are
    // shared by every restored environment.
    let naive = set("runtime-and-package-size", &[("api.snap_start", "on")]);
    fails_for(&naive, "wrong results", "SnapStart snapshot");
    fails_for(&naive, "served share", "failed");
    // With the hook re-seeding and reconnecting, the jar untouched: every objective met.
    let hooked = set("runtime-and-package-size", &[("api.snap_start", "on"), ("api.restore_hook", "on")]);
    for seed in SEEDS {
        let mut s = hooked.clone();
        s.config.seed = seed;
        let grades = grade(&s);
        assert!(grades.iter().all(|g| g.passed), "seed {seed}: {}", summary(&grades));
    }
}
