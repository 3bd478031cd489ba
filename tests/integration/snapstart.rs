//! SnapStart (issue 15 item 3): cold starts restore a snapshot instead of running
//! init; the restore's two cache tiers; what is billed (the hook as duration, and for
//! Python and .NET the snapshot's cache and each restore); the uniqueness pitfall.

use crate::harness::{run, scenario};
use faaslab::report::Report;
use faaslab::sim::kernel::cost::snapstart::{CACHE_PER_GB_SECOND, RESTORE_PER_GB};

/// A function that every request meets cold (`keep_alive: "0s"`): one arrival a second
/// for a minute, a 100 ms handler, and an init that would take 5 s plus a 35 MB jar.
/// Restores: the first 2 take 1 s, later ones 200 ms; the hook adds 20 ms.
fn always_cold(runtime: &str, memory: u32, extra: &str) -> Report {
    let text = format!(
        r#"Scenario(name: "snap", duration: "60s",
        functions: [(name: "api", runtime: {runtime}, memory_mb: {memory}, duration: Constant(value: "100ms"),
                     keep_alive: "0s", package_mb: 35.0, init_code: Some(Constant(value: "5s")),
                     snap_start: true,
                     snapshot: Some((restore: Constant(value: "200ms"), cold_restore: Constant(value: "1s"),
                                     cold_restores: 2, restore_hook_time: "20ms")),
                     {extra})],
        triggers: [Http(name: "users", target: "api", arrivals: Constant(rate: 1.0))])"#
    );
    Report::of(&run(&scenario(&text)), "snap")
}

/// One environment kept warm: a request a second, 100 ms each (a 300 ms restore), for a
/// minute.
fn mostly_warm(extra: &str) -> Report {
    let text = format!(
        r#"Scenario(name: "snap", duration: "60s",
        functions: [(name: "api", runtime: Java, memory_mb: 512, duration: Constant(value: "100ms"),
                     snapshot: Some((cold_restore: Constant(value: "300ms"))), {extra})],
        triggers: [Http(name: "users", target: "api", arrivals: Constant(rate: 1.0))])"#
    );
    Report::of(&run(&scenario(&text)), "snap")
}

#[test]
fn a_snapstart_cold_start_is_the_restore_only_in_two_tiers() {
    let r = always_cold("Java", 512, "restore_hook: true");
    let f = &r.functions[0];
    let n = f.invocations;
    assert!(n >= 59, "{n} requests");
    // Every request met a new environment, and every new environment was restored.
    assert_eq!(f.cold_starts, n);
    assert_eq!(f.restores, n);
    // No runtime start, no 35 MB jar, no 5 s init: the restore (2 cold-tier restores of
    // 1 s, then 200 ms) plus the 20 ms hook, exactly.
    let expected_mean = (2.0 * 1020.0 + (n - 2) as f64 * 220.0) / n as f64;
    assert!((f.cold_start_ms.mean - expected_mean).abs() < 1e-9, "{} vs {expected_mean}", f.cold_start_ms.mean);
    assert!(f.cold_start_ms.p99 <= 1100.0, "{:?}", f.cold_start_ms);
    // Billed: the handler and the hook, not the restore: (100 + 20) ms x 0.5 GB each.
    assert!((f.gb_seconds - n as f64 * 0.120 * 0.5).abs() < 1e-9, "{}", f.gb_seconds);
    // Java pays no SnapStart charge.
    assert_eq!(r.cost.snapstart_cache_usd, 0.0);
    assert_eq!(r.cost.snapstart_restore_usd, 0.0);
    let json = serde_json::to_string(&r.cost).unwrap();
    assert!(!json.contains("snapstart"), "{json}");
}

#[test]
fn without_a_hook_the_restore_bills_nothing_and_the_same_function_without_snapstart_inits() {
    let r = always_cold("Java", 512, "");
    let f = &r.functions[0];
    let n = f.invocations;
    assert!((f.cold_start_ms.mean - (2.0 * 1000.0 + (n - 2) as f64 * 200.0) / n as f64).abs() < 1e-9);
    assert!((f.gb_seconds - n as f64 * 0.100 * 0.5).abs() < 1e-9, "{}", f.gb_seconds);
    // The same function without SnapStart runs its 5 s init (and the jar) every time.
    let text = r#"Scenario(name: "plain", duration: "60s",
        functions: [(name: "api", runtime: Java, memory_mb: 512, duration: Constant(value: "100ms"),
                     keep_alive: "0s", package_mb: 35.0, init_code: Some(Constant(value: "5s")))],
        triggers: [Http(name: "users", target: "api", arrivals: Constant(rate: 1.0))])"#;
    let plain = Report::of(&run(&scenario(text)), "plain");
    assert_eq!(plain.functions[0].restores, 0);
    assert!(plain.functions[0].cold_start_ms.p50 > 5000.0, "{:?}", plain.functions[0].cold_start_ms);
}

#[test]
fn python_and_dotnet_pay_the_snapshot_cache_and_each_restore_exactly() {
    for runtime in ["Python", "Dotnet"] {
        let r = always_cold(runtime, 1024, "restore_hook: true");
        let f = &r.functions[0];
        // 1024 MB: each restore is 1 GB restored.
        let restores = f.restores as f64;
        assert_eq!(f.restores, f.cold_starts);
        assert!((r.cost.snapstart_restore_usd - restores * 1.0 * RESTORE_PER_GB).abs() < 1e-15, "{runtime}");
        // The cache: 1 GB for the whole measured window.
        let cache = 1.0 * r.simulated_seconds * CACHE_PER_GB_SECOND;
        assert!((r.cost.snapstart_cache_usd - cache).abs() < 1e-15, "{runtime}: {}", r.cost.snapstart_cache_usd);
        assert_eq!(RESTORE_PER_GB, 0.000_139_799_8);
        assert_eq!(CACHE_PER_GB_SECOND, 0.000_001_504_6);
        // Both are in the total, beside the requests and the compute.
        let c = &r.cost;
        let parts = c.requests_usd + c.compute_usd + c.snapstart_cache_usd + c.snapstart_restore_usd;
        assert!((c.total_usd - parts).abs() < 1e-15, "{runtime}");
    }
}

#[test]
fn a_seed_captured_in_the_snapshot_makes_every_request_a_wrong_result_without_the_hook() {
    let r = mostly_warm("snap_start: true, init_captures: [RandomSeed]");
    let f = &r.functions[0];
    // One environment, restored once, serves every request: each used the seed every
    // environment restored from the snapshot shares.
    assert_eq!(f.restores, 1);
    assert_eq!(f.snapshot_shared_state, f.invocations);
    assert_eq!(f.wrong_results, f.invocations);
    assert_eq!(r.wrong_results, f.invocations);
    assert_eq!(f.errors, 0);
    // With the after-restore hook: none. Without SnapStart: the capture is harmless.
    for extra in ["snap_start: true, init_captures: [RandomSeed], restore_hook: true", "init_captures: [RandomSeed]"] {
        let r = mostly_warm(extra);
        assert_eq!(r.functions[0].snapshot_shared_state, 0, "{extra}");
        assert_eq!(r.wrong_results, 0, "{extra}");
    }
}

#[test]
fn a_connection_captured_in_the_snapshot_fails_the_first_request_on_each_restored_environment() {
    let r = always_cold("Java", 512, "init_captures: [Connection]");
    let f = &r.functions[0];
    // Every request is the first on its (restored) environment: each fails.
    assert_eq!(f.stale_connections, f.restores);
    assert_eq!(f.errors, f.restores);
    assert_eq!(f.snapshot_shared_state, 0);
    let r = mostly_warm("snap_start: true, init_captures: [Connection]");
    let f = &r.functions[0];
    assert_eq!((f.restores, f.stale_connections, f.errors), (1, 1, 1));
    assert_eq!(f.succeeded, f.invocations - 1);
    // The hook reconnects after each restore.
    let r = always_cold("Java", 512, "init_captures: [Connection, RandomSeed], restore_hook: true");
    let f = &r.functions[0];
    assert_eq!((f.stale_connections, f.errors, f.snapshot_shared_state), (0, 0, 0));
    assert_eq!(f.succeeded, f.invocations);
}

#[test]
fn the_snap_start_knob_applies_only_to_runtimes_that_support_it() {
    let text = |runtime: &str| {
        format!(
            r#"Scenario(name: "k", duration: "10s",
            functions: [(name: "api", runtime: {runtime}, duration: Constant(value: "1ms"))],
            triggers: [Http(name: "users", target: "api", arrivals: Constant(rate: 1.0))])"#
        )
    };
    for runtime in ["Java", "Python", "Dotnet"] {
        let mut s = scenario(&text(runtime));
        s.set_knob("api.snap_start", "on").unwrap_or_else(|e| panic!("{runtime}: {e}"));
        s.set_knob("api.restore_hook", "on").unwrap_or_else(|e| panic!("{runtime}: {e}"));
        assert!(s.config.functions[0].snap_start && s.config.functions[0].restore_hook);
    }
    for runtime in ["Nodejs", "Ruby", "Go", "Rust", "Container"] {
        let mut s = scenario(&text(runtime));
        let e = s.set_knob("api.snap_start", "on").expect_err(runtime);
        assert!(e.to_string().contains("Java, Python and .NET"), "{runtime}: {e}");
    }
}
