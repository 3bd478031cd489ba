//! Environments that serve several requests at once (issue 15): N = 1 is Lambda's model
//! unchanged; I/O waits share nothing; CPU work shares the environment's vCPUs by
//! processor sharing; a burst starts ceil(B/N) environments; connections are per
//! environment; each billing model by exact arithmetic; the provider presets.

use crate::harness::{run, scenario};
use faaslab::report::Report;
use faaslab::scenario::Scenario;
use faaslab::sim::Simulation;
use faaslab::sim::function::provider::Provider;
use faaslab::sim::kernel::log::LogKind;
use faaslab::sim::kernel::time::SimDuration;

/// One function behind an HTTP trigger: cold starts take exactly 1 s, the handler
/// `handler` (measured at `memory` MB, so it runs as written), `cpu_bound` of it CPU
/// work; one burst of `burst` requests, all at t = 25 min; one query per request.
fn burst(burst: u32, extra: &str, account: &str, memory: u32, handler: &str, cpu_bound: f64) -> String {
    format!(
        r#"Scenario(name: "shared", duration: "40m", seed: 3, account: ({account}),
            functions: [(name: "api", runtime: Custom(cold_start: Constant(value: "1s")),
                         memory_mb: {memory}, duration_at_mb: {memory}, duration: Constant(value: "{handler}"),
                         cpu_bound: {cpu_bound}, calls: [Query(database: "db")] {extra})],
            databases: [(name: "db", max_connections: 5000, query_time: Constant(value: "0s"))],
            triggers: [Http(name: "users", target: "api",
                            arrivals: Burst(every: "25m", size: {burst}, within: "0s"))])"#
    )
}

fn shared(n: u32) -> String {
    format!(", per_environment_concurrency: {n}")
}

/// Each finished request's latency, in microseconds.
fn latencies(sim: &Simulation) -> Vec<u64> {
    sim.log
        .entries()
        .filter_map(|e| match e.kind {
            LogKind::Finished { latency, .. } => Some(latency.0),
            _ => None,
        })
        .collect()
}

const SECOND: u64 = 1_000_000;

#[test]
fn one_request_per_environment_is_lambdas_model_byte_for_byte() {
    let text = |extra: &str, account: &str| {
        format!(
            r#"Scenario(name: "same", duration: "20m", seed: 9, account: ({account}),
                functions: [(name: "api", runtime: Python, memory_mb: 512, duration: Exponential(mean: "120ms"),
                             cpu_bound: 0.5, calls: [Query(database: "db")] {extra})],
                databases: [(name: "db")],
                triggers: [Http(name: "users", target: "api", arrivals: Poisson(rate: 30.0))])"#
        )
    };
    let json = |s: &str| serde_json::to_string(&Report::of(&run(&scenario(s)), "same")).unwrap();
    let today = json(&text("", ""));
    assert_eq!(json(&text(&shared(1), "")), today);
    assert_eq!(json(&text(", billing: PerRequest", "provider: AwsLambda")), today);
    assert!(!today.contains("per_environment_concurrency") && !today.contains("\"billing\""));
}

#[test]
fn requests_of_pure_io_wait_sharing_an_environment_each_take_exactly_their_wait() {
    for n in [2, 10, 80] {
        let sim = run(&scenario(&burst(n, &shared(n), "", 1024, "200ms", 0.0)));
        let r = Report::of(&sim, "io");
        assert_eq!(r.functions[0].cold_starts, 1, "{n} requests fit one environment");
        // Every request waited for the one cold start (1 s), then its 200 ms wait.
        assert_eq!(latencies(&sim), vec![SECOND + 200_000; n as usize], "N = {n}");
        assert_eq!(r.databases[0].peak_connections, 1, "one connection, shared by its {n} requests");
        assert_eq!(r.databases[0].queries, u64::from(n));
    }
}

#[test]
fn cpu_bound_requests_on_c_vcpus_each_take_max_1_k_over_c_times_longer() {
    // 3538 MB buys exactly 2 vCPUs (1769 MB each); the handler is single-threaded.
    for k in [1u64, 2, 3, 4, 8] {
        let sim = run(&scenario(&burst(k as u32, &shared(8), "", 3538, "1s", 1.0)));
        let slowdown = (k as f64 / 2.0).max(1.0);
        let expected = SECOND + (slowdown * SECOND as f64) as u64;
        assert_eq!(latencies(&sim), vec![expected; k as usize], "{k} requests on 2 vCPUs");
    }
    // Half CPU, half wait: only the CPU half stretches (4 on 2 vCPUs: 0.5 s x 2 + 0.5 s).
    let sim = run(&scenario(&burst(4, &shared(8), "", 3538, "1s", 0.5)));
    assert_eq!(latencies(&sim), vec![SECOND + 1_500_000; 4]);
    // Two triggers, one request each at the same instant, 1 s of CPU each on 1 vCPU
    // (1769 MB), no cold start: they share the vCPU and both finish at 2 s.
    let text = format!(
        r#"Scenario(name: "ps", duration: "15m", seed: 1,
            functions: [(name: "api", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 1769,
                         duration: Constant(value: "1s"), cpu_bound: 1.0 {})],
            triggers: [Http(name: "a", target: "api", arrivals: Burst(every: "10m", size: 1, within: "0s")),
                       Http(name: "b", target: "api", arrivals: Burst(every: "10m", size: 1, within: "0s"))])"#,
        shared(4)
    );
    let sim = run(&scenario(&text));
    assert_eq!(latencies(&sim), vec![2 * SECOND; 2], "simultaneous: both at half speed");
}

#[test]
fn a_burst_of_b_starts_ceil_b_over_n_environments_each_with_one_connection() {
    for (b, n) in [(100u32, 80u32), (160, 80), (161, 80), (7, 3), (50, 1), (1000, 80)] {
        let extra = if n == 1 { String::new() } else { shared(n) };
        let r = Report::of(&run(&scenario(&burst(b, &extra, "", 1024, "500ms", 0.0))), "b");
        let f = &r.functions[0];
        assert_eq!(f.cold_starts, u64::from(b.div_ceil(n)), "B = {b}, N = {n}");
        assert_eq!(f.succeeded, u64::from(b));
        assert_eq!(r.databases[0].peak_connections, b.div_ceil(n), "connections are per environment");
    }
}

#[test]
fn nothing_is_lost_or_counted_twice_under_shared_environments() {
    // Poisson load with bursts, half CPU-bound, 80 per environment, a small concurrency
    // limit so some requests are throttled: every arrival ends exactly once.
    let text = r#"Scenario(name: "conserve", duration: "20m", seed: 5, account: (concurrency_limit: 120),
        functions: [(name: "api", runtime: Nodejs, memory_mb: 1024, duration: Exponential(mean: "150ms"),
                     cpu_bound: 0.5, per_environment_concurrency: 80, reserved_concurrency: 3,
                     calls: [Query(database: "db"), Api(api: "pay")])],
        databases: [(name: "db", max_connections: 100)],
        apis: [(name: "pay", latency: Exponential(mean: "80ms"))],
        triggers: [Http(name: "users", target: "api",
                        arrivals: Burst(base: 100.0, every: "2m", size: 2000, within: "5s"))])"#;
    let sim = run(&scenario(text));
    let r = Report::of(&sim, "c");
    let f = &r.functions[0];
    assert!(f.throttles > 0, "three environments of 80 cannot take every burst");
    assert_eq!(f.arrived, f.succeeded + f.errors + f.timeouts + f.throttles + f.in_flight);
    let t = &r.triggers[0].requests;
    assert_eq!(t.arrived, t.succeeded + t.failed + t.throttled + t.timed_out + t.in_flight);
    assert!(f.max_concurrency <= 3, "reserved concurrency caps environments: {}", f.max_concurrency);
    assert!(r.databases[0].peak_connections <= 3, "one connection per environment");
    // Determinism: the same seed gives the same bytes.
    let again = Report::of(&run(&scenario(text)), "c");
    assert_eq!(serde_json::to_string(&r).unwrap(), serde_json::to_string(&again).unwrap());
}

#[test]
fn an_io_bound_function_needs_about_one_nth_the_environments() {
    // Little's law: 200 requests a second of 500 ms of pure waiting keep 100 in flight.
    // One per environment needs about 100 busy environments; 20 per environment about
    // 100 / 20 = 5 (a few more: each is full before another starts, and traffic varies).
    let text = |n: u32| {
        format!(
            r#"Scenario(name: "little", duration: "22m", warmup: "2m", seed: 8,
                functions: [(name: "api", runtime: Go, memory_mb: 1024, duration: Constant(value: "500ms"),
                             per_environment_concurrency: {n})],
                triggers: [Http(name: "users", target: "api", arrivals: Poisson(rate: 200.0))])"#
        )
    };
    let busy = |n| Report::of(&run(&scenario(&text(n))), "l").functions[0].avg_busy;
    let one = busy(1);
    assert!((one - 100.0).abs() < 2.0, "N = 1: {one} busy environments");
    for n in [20, 50] {
        let shared = busy(n);
        let ideal = 100.0 / f64::from(n);
        assert!(shared >= ideal && shared < ideal * 1.5 + 1.0, "N = {n}: {shared} busy environments, ideal {ideal}");
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn each_billing_model_by_exact_arithmetic() {
    // Ten requests at t = 25 min on one 2048 MB environment: it starts for 1 s, serves
    // for 1 s, then stays warm 10 min (the default keep-alive): 602 s of life.
    let memory = 2048.0;
    let (gib, vcpus) = (memory / 1024.0, memory / 1769.0);
    let bill = |billing: &str, provider: &str| {
        let extra = format!("{}, billing: {billing}", shared(10));
        let r = Report::of(&run(&scenario(&burst(10, &extra, provider, 2048, "1s", 0.0))), "bill");
        assert_eq!(r.functions[0].cold_starts, 1);
        (r.cost.requests_usd, r.cost.compute_usd)
    };
    // Cloud Run request-based: 2 s of instance time (start + serving) and $0.40 per million.
    let (requests, compute) = bill("PerInstanceWhileServing", "provider: CloudRunFunctions");
    assert!(close(requests, 10.0 * 0.40 / 1e6), "{requests}");
    assert!(close(compute, 2.0 * (vcpus * 0.000_024 + gib * 0.000_002_5)), "{compute}");
    // Cloud Run instance-based: the whole life, 602 s, no request fee.
    let (requests, compute) = bill("PerInstanceAlwaysOn", "provider: CloudRunFunctions");
    assert_eq!(requests, 0.0);
    assert!(close(compute, 602.0 * (vcpus * 0.000_018 + gib * 0.000_002_5)), "{compute}");
    // Lambda's per-request model on a shared environment: each request pays its own
    // 1 s plus the 1 s cold start it waited for, in GB-ms, and $0.20 per million.
    let (requests, compute) = bill("PerRequest", "");
    assert!(close(requests, 10.0 * 0.20 / 1e6), "{requests}");
    assert!(close(compute, 10.0 * 2.0 * gib * 0.000_016_666_7), "{compute}");
    // Managed instances: the instance-hour for its life plus 15%, and Lambda's request fee.
    let (requests, compute) = bill("ManagedInstances(instance_hourly_usd: 0.2)", "");
    assert!(close(requests, 10.0 * 0.20 / 1e6), "{requests}");
    assert!(close(compute, 602.0 / 3600.0 * 0.2 * 1.15), "{compute}");
    // Azure Flex Consumption on demand: instance memory while executing, no CPU charge.
    let (_, compute) = bill("PerInstanceWhileServing", "provider: AzureFlexConsumption");
    assert!(close(compute, 2.0 * gib * 0.000_026), "{compute}");
}

#[test]
fn the_presets_set_concurrency_and_billing_and_every_scenario_runs_on_each() {
    // 32 requests at once: Lambda and Cloud Run functions (default concurrency 1) start
    // 32 environments; Azure Flex Consumption (16 per instance for HTTP) starts 2.
    for (provider, cold_starts, billing) in [
        ("AwsLambda", 32, None),
        ("CloudRunFunctions", 32, Some("per instance while serving")),
        ("AzureFlexConsumption", 2, Some("per instance while serving")),
    ] {
        let mut s = scenario(&burst(32, "", "", 2048, "300ms", 0.0));
        faaslab::sim::knobs::set(&mut s.config, "account.provider", provider).unwrap();
        let r = Report::of(&run(&s), "p");
        assert_eq!(r.functions[0].cold_starts, cold_starts, "{provider}");
        assert_eq!(r.functions[0].billing.as_deref(), billing, "{provider}");
    }
    // Every library scenario runs on every provider (a sweep over account.provider).
    for (path, text) in crate::harness::library() {
        let Ok(s) = Scenario::parse(&text, &path) else { continue };
        if s.config.functions.iter().any(|f| f.provisioned_concurrency > 0) {
            continue; // provisioned environments stay Lambda's model
        }
        for provider in [Provider::CloudRunFunctions, Provider::AzureFlexConsumption] {
            let mut c = s.config.clone();
            c.account.provider = provider;
            if !c.problems().is_empty() {
                continue;
            }
            c.duration = SimDuration::from_secs(120).min(c.duration);
            c.warmup = SimDuration::ZERO;
            let mut sim = Simulation::new(c);
            sim.run_to_end();
            let r = Report::of(&sim, "p");
            assert!(r.cost.total_usd.is_finite(), "{path} on {provider:?}");
        }
    }
}

#[test]
fn bad_concurrency_billing_and_timeouts_are_positioned_messages() {
    let with = |extra: &str, account: &str| {
        Scenario::parse(&burst(1, extra, account, 1024, "100ms", 0.0), "bad.ron").err().map(|e| e.to_string())
    };
    for n in [0, 1001] {
        let e = with(&shared(n), "").expect("refused");
        assert!(e.contains("bad.ron:") && e.contains("per_environment_concurrency") && e.contains("1..=1000"), "{e}");
    }
    let e = with(&format!("{}, provisioned_concurrency: 2", shared(8)), "").expect("refused");
    assert!(e.contains("provisioned_concurrency") && e.contains("several requests"), "{e}");
    let e = with(", billing: ManagedInstances(instance_hourly_usd: 0.0)", "").expect("refused");
    assert!(e.contains("billing") && e.contains("price per hour"), "{e}");
    // An hour is a valid timeout on Cloud Run functions (HTTP), not on Lambda.
    let e = with(", timeout: \"3600s\"", "").expect("refused");
    assert!(e.contains("timeout") && e.contains("1s..900s (as on AWS)"), "{e}");
    assert_eq!(with(", timeout: \"3600s\"", "provider: CloudRunFunctions"), None);
    let e = with("", "provider: Heroku").expect("refused");
    assert!(e.contains("bad.ron:1:") && e.contains("Heroku") && e.contains("CloudRunFunctions"), "{e}");
}
