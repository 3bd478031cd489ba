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
    let mut other = extended.config.functions[0].clone();
    other.name = "other".into();
    extended.config.functions.push(other);
    let mut trigger = extended.config.triggers[0].clone();
    let faaslab::sim::trigger::TriggerSpec::Http { name, target, .. } = &mut trigger else {
        panic!("the keep-alive scenario has an HTTP trigger");
    };
    *name = "others".into();
    *target = "other".into();
    extended.config.triggers.push(trigger);
    let a = report_with_seed(&base, 5);
    let b = report_with_seed(&extended, 5);
    assert_eq!(a.functions[0], b.functions[0]);
}
