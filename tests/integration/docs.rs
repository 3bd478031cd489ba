//! The documentation names everything a user can write: a knob or an objective added
//! without a line in docs/scenario-format.md fails here.

use faaslab::sim::knobs::KNOBS;

const FORMAT: &str = include_str!("../../docs/scenario-format.md");

#[test]
fn every_knob_property_is_in_the_knob_table() {
    let missing: Vec<&str> =
        KNOBS.iter().map(|k| k.property).filter(|p| !FORMAT.contains(&format!("| `{p}` |"))).collect();
    assert!(missing.is_empty(), "knobs missing from docs/scenario-format.md: {missing:?}");
}

#[test]
fn every_objective_kind_is_in_the_objective_table() {
    // The objective kinds, as RON spells them, from the schema's own source.
    let schema = include_str!("../../src/scenario/objective.rs");
    let body = &schema[schema.find("pub enum Objective").expect("the Objective enum")..];
    let body = &body[..body.find("\n}").expect("its end")];
    let kinds: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| l.chars().next().is_some_and(char::is_uppercase))
        .filter_map(|l| l.split(|c: char| !c.is_alphanumeric()).next())
        .collect();
    assert!(kinds.len() >= 17, "read the objective kinds: {kinds:?}");
    let missing: Vec<&&str> = kinds
        .iter()
        .filter(|k| !FORMAT.contains(&format!("| `{k}(")) && !FORMAT.contains(&format!("| `{k}` |")))
        .collect();
    assert!(missing.is_empty(), "objectives missing from docs/scenario-format.md: {missing:?}");
}
