//! Share links: every built-in scenario, with knobs set, survives the trip through a URL
//! fragment; a damaged fragment is refused with a message that says what is wrong.

use faaslab::scenario::{LIBRARY, Scenario};
use faaslab::share::{ScenarioSource, SharedRun, apply_knobs};
use faaslab::sim::knobs::knob_names;

/// A few knobs of `scenario` set to other values than its own: a function's memory
/// and keep-alive, and a trigger's rate when it has one.
fn some_knobs(scenario: &Scenario) -> Vec<(String, String)> {
    let names = knob_names(&scenario.config);
    let mut knobs = Vec::new();
    for (property, value) in [(".memory", "1536"), (".keep_alive", "7m"), (".rate", "1.5")] {
        if let Some(name) = names.iter().find(|n| n.ends_with(property)) {
            knobs.push((name.clone(), value.to_string()));
        }
    }
    knobs
}

fn built_in(name: &str, text: &str) -> Scenario {
    Scenario::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_built_in_scenario_round_trips_with_its_knobs() {
    for (name, text) in LIBRARY {
        let base = built_in(name, text);
        let knobs = some_knobs(&base);
        assert!(!knobs.is_empty(), "{name}: no knob to set");
        let mut knobbed = base.clone();
        apply_knobs(&mut knobbed, &knobs).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut current = knobbed.config.clone();
        current.seed = 99;

        let source = ScenarioSource::of(&base);
        assert_eq!(source, ScenarioSource::BuiltIn(name.to_string()), "a built-in is linked by name");
        let run = SharedRun::of(source, &base, &current);
        assert_eq!(run.seed, Some(99));
        assert_eq!(run.knobs.len(), knobs.len(), "{name}: {:?}", run.knobs);
        let fragment = run.encode();
        assert!(fragment.len() < 300, "{name}: a built-in's link stays short, got {} characters", fragment.len());
        assert!(fragment.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "{fragment}");

        let decoded = SharedRun::decode(&format!("#{fragment}")).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded, run);
        let opened = decoded.open().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.config, current, "{name}: the link opens the same configuration");
        assert_eq!(decoded.open_as_written().unwrap(), base);
    }
}

#[test]
fn a_scenario_that_is_not_built_in_travels_as_its_text() {
    for (name, text) in LIBRARY {
        let mut edited = built_in(name, text);
        edited.name = format!("{name} (edited)");
        let source = ScenarioSource::of(&edited);
        assert!(matches!(source, ScenarioSource::Ron(_)), "{name}");
        let run = SharedRun::of(source, &edited, &edited.config);
        assert!(run.knobs.is_empty() && run.seed.is_none(), "nothing changed, nothing written");
        let decoded = SharedRun::decode(&run.encode()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded.open().unwrap(), edited);
    }
}

/// A valid link to damage.
fn good_fragment() -> String {
    let base = Scenario::default_scenario();
    let mut current = base.config.clone();
    current.seed = 5;
    SharedRun::of(ScenarioSource::Ron(base.to_ron()), &base, &current).encode()
}

fn refused(fragment: &str) -> String {
    match SharedRun::decode(fragment).and_then(|run| run.open()) {
        Ok(_) => panic!("{fragment:?} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn a_cut_link_is_refused_at_every_length() {
    let fragment = good_fragment();
    for len in 0..fragment.len() {
        let message = refused(&fragment[..len]);
        assert!(!message.is_empty());
    }
    let message = refused(&fragment[..fragment.len() / 2]);
    assert!(message.contains("cut short"), "{message}");
}

#[test]
fn a_changed_character_is_refused_or_harmless() {
    let fragment = good_fragment();
    let bytes = fragment.as_bytes();
    // Every position, a few replacements: never a panic.
    for i in (3..bytes.len()).step_by(7) {
        for c in ['A', 'z', '-'] {
            let mut changed = fragment.clone();
            changed.replace_range(i..=i, &c.to_string());
            let _ = SharedRun::decode(&changed).and_then(|run| run.open());
        }
    }
    for bad in ['!', ' ', '+', '/', 'é', '='] {
        let mut changed = fragment.clone();
        changed.insert(10, bad);
        let message = refused(&changed);
        assert!(message.contains("damaged") && message.contains(bad), "{message}");
    }
}

#[test]
fn damaged_content_says_it_does_not_decompress() {
    let message = refused("v1.AAAAAAAAAAAAAAAAAAAAAAAA");
    assert!(message.contains("does not decompress"), "{message}");
}

#[test]
fn links_of_another_kind_or_version_are_named_as_such() {
    assert!(refused("").contains("nothing after #"));
    assert!(refused("#").contains("nothing after #"));
    assert!(refused("v2.abc").contains("format v2"));
    assert!(refused("section-3").contains("not a faaslab link"));
}

#[test]
fn an_unknown_scenario_name_lists_the_known_ones() {
    let run = SharedRun { source: ScenarioSource::BuiltIn("no-such".into()), seed: None, knobs: Vec::new() };
    let message = refused(&run.encode());
    assert!(message.contains("\"no-such\"") && message.contains("database-storm"), "{message}");
}

#[test]
fn an_invalid_scenario_text_gives_its_diagnostics() {
    let text = Scenario::default_scenario().to_ron().replacen("memory_mb: ", "memory_mb: 99", 1);
    let run = SharedRun { source: ScenarioSource::Ron(text), seed: None, knobs: Vec::new() };
    let message = refused(&run.encode());
    assert!(message.contains("not valid") && message.contains("memory_mb"), "{message}");
    let run = SharedRun { source: ScenarioSource::Ron("Scenario(".into()), seed: None, knobs: Vec::new() };
    assert!(refused(&run.encode()).contains("the scenario in the link:1:"));
}

#[test]
fn malformed_or_refused_knobs_are_named() {
    let default = |knobs: &[(&str, &str)]| SharedRun {
        source: ScenarioSource::BuiltIn("default".into()),
        seed: None,
        knobs: knobs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
    };
    assert!(refused(&default(&[("", "3")]).encode()).contains("a knob without a name"));
    let name = knob_names(&Scenario::default_scenario().config).into_iter().find(|n| n.ends_with(".memory"));
    let name = name.expect("the default scenario has a function");
    let message = refused(&default(&[(&name, "lots")]).encode());
    assert!(message.contains(&name) && message.contains("lots"), "{message}");
    assert!(refused(&default(&[("nobody.memory", "512")]).encode()).contains("nobody"));
}

#[test]
fn knobs_that_depend_on_each_other_apply_in_any_order() {
    let base = Scenario::default_scenario();
    let function = &base.config.functions[0].name;
    // Provisioned above the current reserved concurrency only fits once reserved grows.
    let knobs = vec![
        (format!("{function}.reserved"), "5".to_string()),
        (format!("{function}.provisioned"), "8".to_string()),
        (format!("{function}.reserved"), "20".to_string()),
    ];
    let mut scenario = base.clone();
    apply_knobs(&mut scenario, &knobs).unwrap();
    assert_eq!(scenario.knob_value(&format!("{function}.provisioned")).unwrap(), "8");
    assert_eq!(scenario.knob_value(&format!("{function}.reserved")).unwrap(), "20");
}

/// A design link: the design's file text, deflated. Every library design, and a
/// design half drawn, opens again as the same design (nodes, wiring, positions).
#[test]
fn every_library_design_travels_by_link_and_reopens_identically() {
    use faaslab::design::DesignDoc;
    use faaslab::scenario::DESIGNS;
    for (name, text) in DESIGNS {
        let doc = DesignDoc::from_scenario_text(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let run = SharedRun { source: ScenarioSource::Design(doc.to_ron()), seed: None, knobs: Vec::new() };
        let fragment = run.encode_for_sharing().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(fragment.len() <= faaslab::share::MAX_LINK_CHARS, "{name}");
        let decoded = SharedRun::decode(&fragment).unwrap();
        let reopened = decoded.design().unwrap().expect("a design link carries a design");
        assert_eq!(reopened.to_ron(), doc.to_ron(), "{name}: the design reopens identically");
        assert_eq!(reopened.nodes(), doc.nodes(), "{name}");
        // The link plays the design merged with its brief, as `faaslab run` does.
        assert_eq!(decoded.open().unwrap(), doc.scenario().unwrap(), "{name}");
    }
    // A scenario link carries no design.
    let run = SharedRun { source: ScenarioSource::BuiltIn("default".into()), seed: None, knobs: Vec::new() };
    assert!(run.design().unwrap().is_none());
}

#[test]
fn a_design_that_cannot_run_yet_opens_on_its_brief() {
    use faaslab::design::{Command, DesignDoc};
    let mut empty = DesignDoc::new("brief-image-upload", "test").unwrap();
    assert!(empty.check().is_empty(), "an empty design runs: the brief with nothing done");
    let duration = faaslab::design::parse_dist("Constant(value: \"100ms\")").unwrap();
    let runtime = faaslab::sim::function::Runtime::Python;
    empty.apply(Command::AddFunction { name: "tiny".into(), runtime, memory_mb: 99, duration }).unwrap();
    assert!(!empty.check().is_empty(), "99 MB is below Lambda's 128 MB: the design cannot run");
    let run = SharedRun { source: ScenarioSource::Design(empty.to_ron()), seed: None, knobs: Vec::new() };
    let decoded = SharedRun::decode(&run.encode()).unwrap();
    assert_eq!(decoded.open().unwrap(), *empty.brief(), "the brief's world plays until the design can run");
    assert_eq!(decoded.design().unwrap().unwrap().to_ron(), empty.to_ron());
}

#[test]
fn a_design_link_naming_an_unknown_brief_or_broken_text_says_so() {
    let text = faaslab::scenario::DESIGNS[0].1.replacen("brief: \"brief-image-upload\"", "brief: \"brief-nothing\"", 1);
    assert_ne!(text, faaslab::scenario::DESIGNS[0].1, "the design names its brief");
    let run = SharedRun { source: ScenarioSource::Design(text), seed: None, knobs: Vec::new() };
    let message = refused(&run.encode());
    assert!(message.contains("the design in the link") && message.contains("brief-nothing"), "{message}");
    let run = SharedRun { source: ScenarioSource::Design("Scenario(".into()), seed: None, knobs: Vec::new() };
    assert!(refused(&run.encode()).contains("the design in the link"));
}

/// Links are kept under RFC 9110's 8000 octets; a design too big for that is refused
/// with a message that says what to do instead, never given out cut.
#[test]
fn a_design_too_big_for_a_link_is_refused_with_a_message() {
    use faaslab::design::{Command, DesignDoc};
    let link =
        |doc: &DesignDoc| SharedRun { source: ScenarioSource::Design(doc.to_ron()), seed: None, knobs: Vec::new() };
    let mut doc = DesignDoc::new("brief-image-upload", "test").unwrap();
    // Names that do not compress: long pseudo-random strings (xorshift), so a few dozen
    // queues outgrow a link.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut n = 0;
    while link(&doc).encode().len() <= faaslab::share::MAX_LINK_CHARS {
        n += 1;
        let name: String = (0..200)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (b'a' + (state % 26) as u8) as char
            })
            .collect();
        doc.apply(Command::AddQueue { name: format!("q{n}-{name}") }).unwrap();
        assert!(n < 200, "200 queues still fit a link: {} characters", link(&doc).encode().len());
    }
    let message = link(&doc).encode_for_sharing().unwrap_err();
    assert!(message.contains("too big to share by link") && message.contains("Save the .ron"), "{message}");
    // One queue fewer fits.
    assert!(doc.undo());
    assert!(link(&doc).encode_for_sharing().is_ok());
}
