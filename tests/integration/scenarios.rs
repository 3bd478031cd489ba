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
    short.config.duration = faaslab::sim::kernel::time::parse_duration("10s").unwrap();
    let r = Report::of(&run(&short), &s.name);
    assert!(r.cold_starts >= 1, "{r:?}");
    let full = Report::of(&run(&s), &s.name);
    assert!(full.cold_starts > 5 && full.cold_start_ratio < 0.2, "cold starts are visible but not everywhere");
    assert!(full.functions[0].environments_expired > 0, "environments expire after the spike");
}

#[test]
fn the_embedded_library_is_the_scenarios_folder() {
    // Every file in scenarios/ is embedded (the app's picker and the web build read
    // the embedded copies), under its file name, with the same text.
    let files = library();
    assert_eq!(files.len(), faaslab::scenario::LIBRARY.len(), "embed every file of scenarios/ in LIBRARY");
    for (path, text) in files {
        let name = std::path::Path::new(&path).file_stem().unwrap().to_str().unwrap().to_string();
        let embedded = faaslab::scenario::LIBRARY.iter().find(|(n, _)| *n == name);
        assert_eq!(embedded.map(|(_, t)| *t), Some(text.as_str()), "{name}");
        assert!(faaslab::scenario::built_in(&name).unwrap().is_ok());
    }
    assert!(faaslab::scenario::built_in("no-such-scenario").is_none());
}

#[test]
fn built_in_scenarios_run_by_name_from_the_command_line() {
    let out = crate::cli::faaslab(&["list"]);
    assert!(out.status.success());
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("database-storm") && listed.contains("keep-alive-steady-state"));
    // Every name stands in one column, at least two spaces from its text.
    let column = |line: &str| line.find("  ").map(|end| (end, line[end..].len() - line[end..].trim_start().len()));
    let starts: Vec<usize> = listed
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("Designs"))
        .map(|l| column(l).map_or(0, |(end, gap)| end + gap))
        .collect();
    let longest = faaslab::scenario::LIBRARY.iter().chain(faaslab::scenario::DESIGNS).map(|(n, _)| n.len()).max();
    assert_eq!(starts.len(), faaslab::scenario::LIBRARY.len() + faaslab::scenario::DESIGNS.len());
    assert!(starts.iter().all(|&s| Some(s) == longest.map(|l| l + 2)), "text starts at {starts:?}");
    let out = crate::cli::faaslab(&["run", "database-storm", "--duration", "1m", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["scenario"], "Database connection storm");
    let out = crate::cli::faaslab(&["check", "scenarios/default.ron", "scenarios/image-upload-pipeline.ron"]);
    let checked = String::from_utf8_lossy(&out.stdout);
    assert!(checked.contains("scenarios/default.ron: ok (1 function, 1 trigger)\n"), "{checked}");
    assert!(checked.contains("scenarios/image-upload-pipeline.ron: ok (4 functions, 2 triggers)\n"), "{checked}");
    let out = crate::cli::faaslab(&["run", "no-such-scenario"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "no-such-scenario: no such file, and no built-in scenario or design by that name (`faaslab list` shows them)\n"
    );
    // A typo is told the name it was near; a path still gets the file's error.
    let out = crate::cli::faaslab(&["sweep", "databse-storm", "--param", "api.memory=128,256"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("(did you mean \"database-storm\"? `faaslab list`"));
    let out = crate::cli::faaslab(&["run", "scenarios/no-such.ron"]);
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("scenarios/no-such.ron: cannot read the file"));
}
