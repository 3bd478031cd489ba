//! A run is a pure function of (scenario, seed): same inputs, same bytes.

use crate::harness::{library, report_with_seed, scenario};

#[test]
fn same_seed_gives_byte_identical_json() {
    for text in [faaslab::bench::TEN_FUNCTION_MIX, faaslab::scenario::DEFAULT_SCENARIO, crate::conservation::SERVICES] {
        let mut s = scenario(text);
        s.config.duration = faaslab::sim::kernel::time::parse_duration("5m").unwrap();
        let a = report_with_seed(&s, 11).to_json();
        let b = report_with_seed(&s, 11).to_json();
        assert_eq!(a, b);
        let c = report_with_seed(&s, 12).to_json();
        assert_ne!(a, c, "a different seed must give a different run");
    }
}

#[test]
fn adding_a_function_does_not_perturb_the_others() {
    // Each random stream is named after its node, so a new node leaves the numbers of
    // the existing ones untouched.
    let (_, text) = library().into_iter().find(|(p, _)| p.ends_with("keep-alive-steady-state.ron")).unwrap();
    let base = scenario(&text);
    let mut extended = base.clone();
    let mut other = (*extended.config.functions[0]).clone();
    other.name = "other".into();
    extended.config.functions.push(other.into());
    let mut trigger = (*extended.config.triggers[0]).clone();
    let faaslab::sim::trigger::TriggerSpec::Http { name, target, .. } = &mut trigger else {
        panic!("the keep-alive scenario has an HTTP trigger");
    };
    *name = "others".into();
    *target = "other".into();
    extended.config.triggers.push(trigger.into());
    let a = report_with_seed(&base, 5);
    let b = report_with_seed(&extended, 5);
    assert_eq!(a.functions[0], b.functions[0]);
}

#[test]
fn arrivals_in_lanes_or_as_events_give_the_same_run() {
    // Up to 64 triggers each have a lane in the event queue; with more, arrivals are
    // ordinary events. Both keep (time, sequence) order: the same run. 70 triggers of
    // which all but the default scenario's are switched off run exactly as it does.
    let base = scenario(faaslab::scenario::DEFAULT_SCENARIO);
    let mut many = base.clone();
    for i in 0..69 {
        let mut t = (*many.config.triggers[0]).clone();
        if let faaslab::sim::trigger::TriggerSpec::Http { name, .. } = &mut t {
            *name = format!("idle{i}");
        }
        many.config.triggers.push(t.into());
        many.config.rate_scales.insert(format!("idle{i}"), 0.0);
    }
    let a = report_with_seed(&base, 3);
    let b = report_with_seed(&many, 3);
    assert_eq!(a.functions, b.functions);
    assert_eq!(a.triggers[0], b.triggers[0]);
    assert_eq!(a.requests, b.requests);
}

#[test]
fn a_copy_taken_mid_run_and_a_run_in_slices_end_as_a_straight_run_does() {
    // The app's rewind keeps copies of the running simulation and steps it a frame at a
    // time: both must give the straight run's bytes, for every library scenario.
    use faaslab::report::Report;
    use faaslab::sim::Simulation;
    use faaslab::sim::kernel::time::SimTime;
    for (path, text) in library() {
        let s = scenario(&text);
        let straight = {
            let mut sim = Simulation::with_log_capacity(s.config.clone(), 1000);
            sim.run_to_end();
            Report::of(&sim, &s.name).to_json()
        };
        let mut sim = Simulation::with_log_capacity(s.config.clone(), 1000);
        let half = SimTime(sim.end().0 / 2);
        // Frames of 7.3 simulated seconds, some of them out of event budget.
        while sim.now() < half {
            let target = SimTime((sim.now().0 + 7_300_000).min(half.0));
            sim.step_until(target, 20_000);
        }
        let mut copy = sim.clone();
        sim.run_to_end();
        copy.run_to_end();
        assert_eq!(Report::of(&sim, &s.name).to_json(), straight, "{path}: stepped in slices");
        assert_eq!(Report::of(&copy, &s.name).to_json(), straight, "{path}: continued from a copy");
        assert_eq!(copy.log.total(), sim.log.total(), "{path}");
    }
}
