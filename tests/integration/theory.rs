//! Queueing theory and published measurements the model must reproduce
//! (docs/model.md (validation recipes)). Each check runs several seeds with the warm-up removed and
//! states its tolerance.

use crate::harness::{mean, report_with_seed, scenario};

const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];

use faaslab::sim::kernel::theory::erlang_b;

fn loss_system(duration: &str) -> String {
    format!(
        r#"Scenario(
            name: "Erlang B: 10 environments, 9 requests/s, 1 s each",
            duration: "3h", warmup: "5m",
            functions: [(
                name: "api", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 1024,
                duration: {duration},
                reserved_concurrency: Some(10), provisioned_concurrency: 10,
            )],
            triggers: [Http(name: "clients", target: "api", arrivals: Poisson(rate: 9.0))],
        )"#
    )
}

#[test]
fn erlang_b_recurrence_gives_the_published_value() {
    assert!((erlang_b(10, 9.0) - 0.167_963).abs() < 1e-6);
}

#[test]
fn throttled_fraction_is_erlang_b_whatever_the_duration_distribution() {
    let expected = erlang_b(10, 9.0); // 0.167963
    for duration in [
        r#"Exponential(mean: "1s")"#,
        r#"Constant(value: "1s")"#,
        r#"LogNormal(mu: -0.125, sigma: 0.5)"#, // mean exp(mu + sigma^2/2) = 1 s
    ] {
        let s = scenario(&loss_system(duration));
        let fractions: Vec<f64> = SEEDS
            .iter()
            .map(|&seed| {
                let r = report_with_seed(&s, seed);
                r.requests.throttled as f64 / r.requests.arrived as f64
            })
            .collect();
        let got = mean(&fractions);
        eprintln!("Erlang B, {duration}: throttled {got:.5} (theory {expected:.6})");
        // ~97 000 arrivals a seed, 5 seeds: the standard error is about 0.002.
        assert!((got - expected).abs() < 0.008, "{duration}: throttled {got:.5}, Erlang B {expected:.5}");
    }
}

#[test]
fn littles_law_holds_in_every_run() {
    let keep_alive = include_str!("../../scenarios/keep-alive-steady-state.ron");
    for text in [keep_alive, &loss_system(r#"Exponential(mean: "1s")"#)] {
        let s = scenario(text);
        for seed in [1, 2] {
            let r = report_with_seed(&s, seed);
            let f = &r.functions[0];
            let completed = (r.requests.succeeded + r.requests.failed + r.requests.timed_out) as f64;
            let throughput = completed / r.simulated_seconds;
            let in_system = throughput * r.latency_ms.mean / 1000.0;
            let in_flight = f.avg_busy + f.avg_initializing;
            eprintln!("Little: {}: L = {in_flight:.4}, lambda W = {in_system:.4}", r.scenario);
            // Edge effects (requests straddling the window's ends) are well under 2%.
            assert!(
                (in_flight - in_system).abs() / in_system < 0.02,
                "{}: L = {in_flight:.4}, lambda W = {in_system:.4}",
                r.scenario
            );
        }
    }
}

#[test]
fn keep_alive_steady_state_matches_published_figures() {
    // Published (SimFaaS, validated against AWS Lambda): cold-start probability
    // ~0.14%, ~7.7 environments on average, ~1.8 busy.
    let mut s = scenario(include_str!("../../scenarios/keep-alive-steady-state.ron"));
    s.config.duration = faaslab::sim::kernel::time::parse_duration("24h").unwrap();
    let reports: Vec<_> = SEEDS.iter().map(|&seed| report_with_seed(&s, seed)).collect();
    let cold = mean(&reports.iter().map(|r| r.cold_start_ratio).collect::<Vec<_>>());
    let envs = mean(&reports.iter().map(|r| r.functions[0].avg_environments).collect::<Vec<_>>());
    let busy = mean(&reports.iter().map(|r| r.functions[0].avg_busy).collect::<Vec<_>>());
    eprintln!("keep-alive steady state: cold {cold:.5}, environments {envs:.3}, busy {busy:.4}");
    assert!((0.0008..0.0022).contains(&cold), "cold-start probability {cold:.5}, published ~0.0014");
    assert!((envs - 7.7).abs() < 0.4, "average environments {envs:.2}, published ~7.7");
    // Offered load 0.9/s x 2 s = 1.8 busy.
    assert!((busy - 1.8).abs() < 0.06, "average busy {busy:.3}, published ~1.8");
}

#[test]
fn a_longer_keep_alive_means_fewer_cold_starts_and_more_idle_environments() {
    let base = include_str!("../../scenarios/keep-alive-steady-state.ron");
    let results: Vec<(f64, f64)> = ["30s", "2m", "10m"]
        .iter()
        .map(|k| {
            let s = scenario(&base.replace(r#"keep_alive: "10m""#, &format!(r#"keep_alive: "{k}""#)));
            let r = report_with_seed(&s, 3);
            (r.cold_start_ratio, r.functions[0].avg_idle)
        })
        .collect();
    assert!(results[0].0 > results[1].0 && results[1].0 > results[2].0, "{results:?}");
    assert!(results[0].1 < results[1].1 && results[1].1 < results[2].1, "{results:?}");
}

/// An hour of the Erlang B loss system (10 environments, 9 requests/s of 1 s on average).
fn hour_of_loss_system(seed: u64) -> faaslab::sim::Simulation {
    let text = loss_system(r#"Exponential(mean: "1s")"#).replace(r#"duration: "3h""#, r#"duration: "1h""#);
    let mut s = scenario(&text);
    s.config.seed = seed;
    crate::harness::run(&s)
}

/// Little's law, L = lambda x W, bucket by bucket on the app's concurrency chart: the
/// requests completed in a bucket, times their mean time in flight, over its width,
/// against the time-weighted mean in flight the series measured. Over a whole run the
/// two differ only by requests straddling its end (at most the in-flight ones times
/// their time), so within 1% for runs of hours of one-second requests.
#[test]
fn little_s_law_holds_on_the_series_the_app_charts() {
    for seed in SEEDS {
        let sim = hour_of_loss_system(seed);
        let width = sim.series.width().as_secs_f64();
        let points = sim.series.points();
        let measured: f64 = points.iter().map(|p| p.concurrency * width).sum();
        let little: f64 = points.iter().map(|p| p.in_flight_secs).sum();
        assert!(measured > 0.0);
        let gap = (little - measured).abs() / measured;
        assert!(
            gap < 0.01,
            "seed {seed}: lambda W gives {little:.0} request-seconds, the gauge {measured:.0} ({gap:.4})"
        );
        // Minute by minute too (the chart's smoothing spans about that): each minute's
        // edges cut a few one-second requests, so within 5%.
        let per_minute = (60.0 / width).ceil() as usize;
        let worst = points
            .chunks_exact(per_minute)
            .map(|minute| {
                let little: f64 = minute.iter().map(|p| p.in_flight_secs).sum();
                let measured: f64 = minute.iter().map(|p| p.concurrency * width).sum();
                (little - measured).abs() / measured
            })
            .fold(0.0, f64::max);
        assert!(worst < 0.05, "seed {seed}: a minute's lambda W is {worst:.3} off its measured mean in flight");
    }
}

/// The throttles chart's Erlang B line for a single function with a reserved limit:
/// each bucket's arrivals times B(limit, offered load), the offered load from the
/// arrival rate and the completed requests' mean time in flight over a minute either
/// side. Summed over the run it predicts the throttles the simulation counts, within 5%.
#[test]
fn the_charted_erlang_b_prediction_matches_the_throttles_counted() {
    for seed in SEEDS {
        let sim = hour_of_loss_system(seed);
        let width = sim.series.width().as_secs_f64();
        let points = sim.series.points();
        let throttled: f64 = points.iter().map(|p| p.throttled as f64).sum();
        let predicted: f64 = faaslab::sim::kernel::theory::erlang_b_throttles(points, width, 10).iter().flatten().sum();
        let gap = (predicted - throttled).abs() / throttled;
        assert!(
            gap < 0.05,
            "seed {seed}: Erlang B predicts {predicted:.0} throttles, the run counted {throttled} ({gap:.3})"
        );
    }
}
