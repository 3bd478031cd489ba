//! Challenges teach their mechanic only if they can be won and are not won for free:
//! the reference solution passes and the naive start fails, over several seeds each.
//! Also: objectives, knobs, `--set` and sweeps measure what they claim.

use crate::harness::{library, run};
use faaslab::report::Report;
use faaslab::report::objectives::{ObjectiveResult, evaluate_all};
use faaslab::scenario::Scenario;

const SEEDS: std::ops::RangeInclusive<u64> = 1..=5;

fn grade(s: &Scenario) -> Vec<ObjectiveResult> {
    let sim = run(s);
    let report = Report::of(&sim, &s.name);
    evaluate_all(&s.challenge.as_ref().expect("a challenge").objectives, &sim, &report)
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
fn every_reference_solution_passes_over_five_seeds() {
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
fn every_naive_start_fails_over_five_seeds() {
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
    let mut s = faaslab::scenario::built_in("memory-power-tuning").unwrap().unwrap();
    s.set_knob("resize.memory", "1769").unwrap();
    let sim = run(&s);
    let report = Report::of(&sim, &s.name);
    let grades = evaluate_all(&s.challenge.as_ref().unwrap().objectives, &sim, &report);
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
    assert!(challenges().len() >= 17, "the issue's list of scenarios, each a challenge");
}
