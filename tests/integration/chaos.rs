//! Faults switched on while a run plays (the app's chaos switches, issue 17 item 9):
//! each is a timeline action applied now through `Simulation::inject`, so a switch
//! changes the run exactly as a scripted fault at that time would, and switching it
//! off (the action with its neutral value) puts the run back.

use crate::harness::scenario;
use faaslab::sim::Simulation;
use faaslab::sim::kernel::time::{SimDuration, SimTime};
use faaslab::sim::timeline::TimelineAction;

fn until(sim: &mut Simulation, secs: u64) {
    sim.step_until(SimTime(secs * 1_000_000), u64::MAX);
}

/// The scenario `text` played to `secs` seconds.
fn played(text: &str, secs: u64) -> Simulation {
    let mut sim = Simulation::new(scenario(text).config);
    until(&mut sim, secs);
    sim
}

/// 200 requests a second of 1 s each: about 200 in flight, on an account of 1000.
const BUSY: &str = r#"Scenario(name: "busy", duration: "5m",
    functions: [(name: "api", runtime: Go, memory_mb: 512, duration: Constant(value: "1s"))],
    triggers: [Http(name: "web", target: "api", arrivals: Constant(rate: 200.0))])"#;

#[test]
fn a_throttled_account_throttles_until_it_is_put_back() {
    let mut sim = played(BUSY, 60);
    assert_eq!(sim.requests().throttled, 0);
    assert_eq!(sim.concurrency_limit(0), 1000);
    sim.inject(&TimelineAction::ThrottleAccount { share: 0.1 }).unwrap();
    // 10% of 1000: the shared pool holds 100, half of what 200 a second of 1 s need.
    assert_eq!((sim.concurrency_limit(0), sim.account_throttle()), (100, 0.1));
    until(&mut sim, 120);
    let throttled = sim.requests().throttled;
    // Each 1 s request frees its slot exactly when a request 1 s later arrives: with
    // 100 slots for 200 a second, every other arrival is throttled, 6000 of the 12 000.
    assert_eq!(throttled, 6000);
    sim.inject(&TimelineAction::ThrottleAccount { share: 1.0 }).unwrap();
    assert_eq!(sim.concurrency_limit(0), 1000);
    until(&mut sim, 299);
    assert_eq!(sim.requests().throttled, throttled, "none once put back");
}

#[test]
fn a_reservation_made_under_a_throttle_keeps_the_pool_consistent() {
    let mut sim = played(BUSY, 10);
    sim.inject(&TimelineAction::ThrottleAccount { share: 0.5 }).unwrap();
    assert_eq!(sim.concurrency_limit(0), 500);
    sim.set_reserved_concurrency(0, Some(300)).unwrap();
    assert_eq!(sim.concurrency_limit(0), 300, "its own reservation");
    sim.set_reserved_concurrency(0, None).unwrap();
    assert_eq!(sim.concurrency_limit(0), 500, "the pool cut again by the same share");
    sim.inject(&TimelineAction::ThrottleAccount { share: 1.0 }).unwrap();
    assert_eq!(sim.concurrency_limit(0), 1000);
}

#[test]
fn a_burst_multiplies_the_rate_for_its_time_and_can_be_ended_early() {
    let text = r#"Scenario(name: "steady", duration: "5m",
        functions: [(name: "api", runtime: Go, memory_mb: 512, duration: Constant(value: "10ms"))],
        triggers: [Http(name: "web", target: "api", arrivals: Constant(rate: 10.0))])"#;
    let mut sim = played(text, 60);
    let before = sim.requests().arrived;
    let burst = TimelineAction::Burst { trigger: "web".into(), factor: 10.0, lasting: SimDuration::from_secs(30) };
    sim.inject(&burst).unwrap();
    assert_eq!(sim.burst_until(0), Some(SimTime(90_000_000)));
    until(&mut sim, 90);
    // The first arrival after the switch was drawn at 10/s (60.1 s); then one every
    // 10 ms up to 90 s: 1 + 2990.
    let during = sim.requests().arrived - before;
    assert_eq!(during, 2991);
    assert_eq!(sim.burst_until(0), None, "over at 90 s");
    until(&mut sim, 120);
    let after = sim.requests().arrived - before - during;
    assert_eq!(after, 300, "back to 10 a second");
    // Ended early: `factor: 1` puts the rate back at once.
    sim.inject(&burst).unwrap();
    until(&mut sim, 130);
    sim.inject(&TimelineAction::Burst { trigger: "web".into(), factor: 1.0, lasting: SimDuration::from_secs(1) })
        .unwrap();
    assert_eq!(sim.burst_until(0), None);
    let at = sim.requests().arrived;
    until(&mut sim, 160);
    let calm = sim.requests().arrived - at;
    assert_eq!(calm, 300);
}

#[test]
fn a_failed_function_errors_from_the_switch_on_and_heals_when_switched_off() {
    let mut sim = played(BUSY, 60);
    assert_eq!(sim.requests().failed, 0);
    sim.inject(&TimelineAction::FailFunction { function: "api".into(), error_rate: 1.0 }).unwrap();
    until(&mut sim, 120);
    let failed = sim.requests().failed;
    // Every request started after the switch and ended by 120 s: those that arrived
    // from 60 s to 119 s, 59 s at 200 a second.
    assert_eq!(failed, 11_800);
    sim.inject(&TimelineAction::FailFunction { function: "api".into(), error_rate: 0.0 }).unwrap();
    until(&mut sim, 200);
    assert!(sim.requests().failed - failed <= 200, "only those already running fail");
}

#[test]
fn an_injected_fault_naming_nothing_is_refused_with_the_scenario_file_s_words() {
    let mut sim = Simulation::new(scenario(BUSY).config);
    let e = sim.inject(&TimelineAction::SlowDatabase { database: "orders".into(), factor: 5.0 }).unwrap_err();
    assert_eq!(e, "no database \"orders\"");
    let e = sim
        .inject(&TimelineAction::Burst { trigger: "nope".into(), factor: 0.5, lasting: SimDuration::ZERO })
        .unwrap_err();
    assert!(e.contains("no trigger \"nope\"") && e.contains("1..100") && e.contains("lasting"), "{e}");
    let e = sim.inject(&TimelineAction::ThrottleAccount { share: 0.0 }).unwrap_err();
    assert!(e.contains("share"), "{e}");
    assert!(sim.inject(&TimelineAction::Caption("hello".into())).is_err());
}

#[test]
fn scripted_faults_of_the_new_kinds_are_validated_with_their_position() {
    let text = r#"Scenario(name: "bad", duration: "5m",
        functions: [(name: "api", runtime: Go, memory_mb: 512, duration: Constant(value: "10ms"))],
        triggers: [Http(name: "web", target: "api", arrivals: Constant(rate: 10.0))],
        timeline: [
            (at: "1m", action: ThrottleAccount(share: 1.5)),
            (at: "2m", action: Burst(trigger: "mobile", factor: 10.0, lasting: "30s")),
        ])"#;
    let e = faaslab::scenario::Scenario::parse(text, "bad.ron").unwrap_err().to_string();
    assert!(e.contains("timeline[0].action") && e.contains("at most 1, got 1.5"), "{e}");
    assert!(e.contains("timeline[1].action") && e.contains("no trigger \"mobile\""), "{e}");
    // Written right, the same faults run at their times.
    let good = text.replace("share: 1.5", "share: 0.1").replace("\"mobile\"", "\"web\"");
    let sim = played(&good, 121);
    assert_eq!((sim.concurrency_limit(0), sim.burst_until(0)), (100, Some(SimTime(150_000_000))));
}
