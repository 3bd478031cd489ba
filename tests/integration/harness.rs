//! Helpers: build a scenario from RON text, run it, read the report.

use faaslab::report::Report;
use faaslab::scenario::Scenario;
use faaslab::sim::Simulation;

/// Parses a scenario (panicking with the diagnostics if it is invalid: a test bug).
pub fn scenario(text: &str) -> Scenario {
    Scenario::parse(text, "test").unwrap_or_else(|e| panic!("test scenario is invalid:\n{e}"))
}

/// Runs a scenario to its end and returns the simulation.
pub fn run(scenario: &Scenario) -> Simulation {
    let mut sim = Simulation::new(scenario.config.clone());
    sim.run_to_end();
    sim
}

/// Runs a scenario with another seed and returns the report.
pub fn report_with_seed(scenario: &Scenario, seed: u64) -> Report {
    let mut s = scenario.clone();
    s.config.seed = seed;
    let sim = run(&s);
    Report::of(&sim, &s.name)
}

/// The scenario files of the library, with their text.
pub fn library() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("scenarios/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("readable"))).collect()
}

/// Mean of a slice.
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}
