//! The scenario library: every file parses, round-trips and runs.

use crate::harness::{library, run};
use faaslab::report::Report;
use faaslab::scenario::Scenario;

#[test]
fn every_scenario_parses_and_round_trips_through_ron() {
    for (path, text) in library() {
        let s = Scenario::parse(&text, &path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!s.summary.is_empty() && !s.description.is_empty(), "{path}: say what it teaches");
        let again =
            Scenario::parse(&s.to_ron(), "round trip").unwrap_or_else(|e| panic!("{path}: {e}\n{}", s.to_ron()));
        assert_eq!(s, again, "{path}");
    }
}

#[test]
fn the_default_scenario_shows_cold_starts_in_its_first_seconds() {
    let s = Scenario::default_scenario();
    let mut short = s.clone();
    short.duration = faaslab::sim::time::parse_duration("10s").unwrap();
    let r = Report::of(&run(&short), &s.name);
    assert!(r.cold_starts >= 1, "{r:?}");
    let full = Report::of(&run(&s), &s.name);
    assert!(full.cold_starts > 5 && full.cold_start_ratio < 0.2, "cold starts are visible but not everywhere");
    assert!(full.functions[0].environments_expired > 0, "environments expire after the spike");
}
