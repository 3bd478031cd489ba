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
            s.seed = seed;
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
            s.seed = seed;
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
