//! Billing arithmetic checked exactly against hand-computed runs.

use crate::harness::{report_with_seed, scenario};

const X86_GB_S: f64 = 0.000_016_666_7;
const PER_REQUEST: f64 = 0.20 / 1e6;

#[test]
fn warm_invocations_bill_whole_milliseconds() {
    // One request a second for 1000 s: arrivals at 1 s, 2 s, ..., 999 s (the run ends
    // at 1000 s, exclusive). 100.2 ms runs bill as 101 ms. The single cold start takes
    // 0 ms, so every invocation bills 101 ms at 128 MB.
    let s = scenario(
        r#"Scenario(name: "billing", duration: "1000s",
            functions: [(name: "f", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 128,
                         duration: Constant(value: "100200us"))],
            triggers: [Http(name: "t", target: "f", arrivals: Constant(rate: 1.0))])"#,
    );
    let r = report_with_seed(&s, 1);
    assert_eq!(r.requests.arrived, 999);
    assert_eq!(r.requests.succeeded, 999);
    let gb_s = 999.0 * 0.101 * 128.0 / 1024.0;
    assert!((r.functions[0].gb_seconds - gb_s).abs() < 1e-12);
    assert!((r.cost.compute_usd - gb_s * X86_GB_S).abs() < 1e-15, "{}", r.cost.compute_usd);
    assert!((r.cost.requests_usd - 999.0 * PER_REQUEST).abs() < 1e-15);
    assert_eq!(r.cost.provisioned_usd, 0.0);
    assert!((r.cost.total_usd - (gb_s * X86_GB_S + 999.0 * PER_REQUEST)).abs() < 1e-15);
}

#[test]
fn on_demand_init_is_billed_with_the_invocation() {
    // Keep-alive zero: every request is a cold start of exactly 1 s, then 100.2 ms of
    // handler: 1100.2 ms bills as 1101 ms at 1024 MB, on Arm.
    let s = scenario(
        r#"Scenario(name: "init billing", duration: "100s",
            functions: [(name: "f", runtime: Custom(cold_start: Constant(value: "1s")), memory_mb: 1024,
                         duration: Constant(value: "100200us"), keep_alive: "0s", architecture: Arm)],
            triggers: [Http(name: "t", target: "f", arrivals: Constant(rate: 0.5))])"#,
    );
    let r = report_with_seed(&s, 1);
    assert_eq!(r.requests.arrived, 49);
    assert_eq!(r.cold_starts, 49);
    let gb_s = 49.0 * 1.101;
    assert!((r.cost.compute_usd - gb_s * 0.000_013_333_4).abs() < 1e-13, "{}", r.cost.compute_usd);
}

#[test]
fn provisioned_concurrency_is_billed_for_its_allocation_and_execution() {
    // Two 1 GB environments provisioned for an hour; 3599 requests of 500 ms each on
    // them, never cold.
    let s = scenario(
        r#"Scenario(name: "provisioned", duration: "1h",
            functions: [(name: "f", runtime: Java, memory_mb: 1024, duration: Constant(value: "500ms"),
                         provisioned_concurrency: 2)],
            triggers: [Http(name: "t", target: "f", arrivals: Constant(rate: 1.0))])"#,
    );
    let r = report_with_seed(&s, 1);
    assert_eq!(r.cold_starts, 0);
    let allocated = 2.0 * 3600.0 * 0.000_004_166_7;
    let executed = 3599.0 * 0.5 * 0.000_009_722_2;
    assert!((r.cost.provisioned_usd - (allocated + executed)).abs() < 1e-12, "{}", r.cost.provisioned_usd);
    assert_eq!(r.cost.compute_usd, 0.0);
}

#[test]
fn free_tier_is_prorated_to_the_window_and_the_fleet_is_priced_by_the_hour() {
    // 1 request/s of 1 s at 512 MB for 73 hours (a tenth of a 730-hour month): the
    // pro-rated free tier is 100 000 requests and 40 000 GB-s.
    let text = |free: bool| {
        format!(
            r#"Scenario(name: "free tier", duration: "73h",
                account: (free_tier: {free}),
                functions: [(name: "f", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 512,
                             duration: Constant(value: "1s"))],
                triggers: [Http(name: "t", target: "f", arrivals: Constant(rate: 1.0))])"#
        )
    };
    let paid = report_with_seed(&scenario(&text(false)), 1);
    let free = report_with_seed(&scenario(&text(true)), 1);
    // Arrivals at 1 s .. 262 799 s; the last is still running when the run ends, and
    // only finished invocations are billed.
    assert_eq!(paid.requests.arrived, 73 * 3600 - 1);
    assert_eq!(paid.requests.in_flight, 1);
    let requests = paid.requests.succeeded as f64;
    let gb_s = requests * 0.5;
    assert!((paid.cost.compute_usd - gb_s * X86_GB_S).abs() < 1e-9);
    assert!((free.cost.compute_usd - (gb_s - 40_000.0) * X86_GB_S).abs() < 1e-9, "{}", free.cost.compute_usd);
    assert!((free.cost.requests_usd - (requests - 100_000.0) * PER_REQUEST).abs() < 1e-12);
    // Peak concurrency 1 (or 2 at a boundary): the default fleet's minimum of 2 instances.
    assert_eq!(paid.cost.server_fleet_instances, 2);
    assert!((paid.cost.server_fleet_usd - 2.0 * 0.0832 * 73.0).abs() < 1e-9);
    assert!((paid.cost.per_month_usd - paid.cost.total_usd * 10.0).abs() < 1e-9);
}
