//! The design canvas's document (src/design): a design built by commands is the design
//! a file would hold, undo and redo restore exact states, a wiring that means nothing
//! is refused with what is allowed, and a saved design reopens as it was.

use crate::harness::run;
use faaslab::design::{Command, DesignDoc, Kind, Node};
use faaslab::report::Report;
use faaslab::report::objectives::evaluate_all;
use faaslab::scenario::built_in;
use faaslab::sim::function::Runtime;
use faaslab::sim::kernel::dist::Dist;

fn n(kind: Kind, name: &str) -> Node {
    Node::new(kind, name)
}

fn lognormal(median: &str, p99: &str) -> Dist {
    faaslab::design::parse_dist(&format!("LogNormal(median: {median:?}, p99: {p99:?})")).expect("a distribution")
}

fn set(node: Node, field: &str, value: &str) -> Command {
    Command::SetField { node, field: field.into(), value: value.into() }
}

fn wire(from: Node, to: Node) -> Command {
    Command::Wire { from, to }
}

/// scenarios/designs/image-upload-reference.ron, drawn command by command.
fn reference_commands() -> Vec<Command> {
    let (f, q) = (Kind::Function, Kind::Queue);
    let process = || n(f, "process");
    vec![
        Command::AddFunction {
            name: "ingest".into(),
            runtime: Runtime::Python,
            memory_mb: 256,
            duration: lognormal("20ms", "80ms"),
        },
        Command::AddQueue { name: "scan-jobs".into() },
        Command::AddFunction {
            name: "process".into(),
            runtime: Runtime::Python,
            memory_mb: 1024,
            duration: lognormal("150ms", "600ms"),
        },
        Command::AddQueue { name: "scan-dlq".into() },
        wire(n(Kind::Bucket, "images"), n(f, "ingest")),
        wire(n(f, "ingest"), n(q, "scan-jobs")),
        wire(n(q, "scan-jobs"), process()),
        wire(n(q, "scan-jobs"), n(q, "scan-dlq")),
        set(n(q, "scan-jobs"), "visibility_timeout", "3m"),
        set(n(q, "scan-jobs"), "max_receives", "5"),
        set(n(q, "scan-jobs"), "batch_size", "1"),
        set(n(q, "scan-jobs"), "max_concurrency", "18"),
        set(process(), "timeout", "30s"),
        set(process(), "idempotency", "on"),
        wire(process(), n(Kind::Api, "scanner")),
        set(process(), "calls[0].retries", "2"),
        set(process(), "calls[0].backoff", "500ms"),
        wire(process(), n(Kind::Bucket, "thumbnails")),
        set(process(), "calls[1].size_kb", "40"),
        // The brief's flow wants rows in images-db and ImageProcessed on events: the
        // new calls write and publish that by default.
        wire(process(), n(Kind::Database, "images-db")),
        wire(process(), n(Kind::Bus, "events")),
    ]
}

fn reference_doc() -> DesignDoc {
    let mut doc = DesignDoc::new("brief-image-upload", "my-design.ron").expect("a library brief");
    for c in reference_commands() {
        doc.apply(c.clone()).unwrap_or_else(|e| panic!("{c:?}: {e}"));
    }
    doc
}

#[test]
fn the_reference_design_drawn_by_commands_is_the_library_s_and_passes_on_seed_23() {
    let doc = reference_doc();
    assert_eq!(doc.check(), vec![], "{}", doc.to_ron());
    let drawn = doc.scenario().expect("valid");
    let file = built_in("image-upload-reference").expect("listed").expect("valid");
    // The same system in the same world: every setting, and so every number of the run.
    assert_eq!(drawn.config, file.config);
    assert_eq!(drawn.challenge, file.challenge);
    assert_eq!(drawn.config.seed, 23);
    let (sim, file_sim) = (run(&drawn), run(&file));
    let report = Report::of(&sim, "design");
    assert_eq!(report.to_json(), Report::of(&file_sim, "design").to_json());
    let grades = evaluate_all(drawn.challenge.as_ref().expect("the brief's"), &sim, &report);
    assert_eq!(grades.len(), 4);
    assert!(grades.iter().all(|g| g.passed), "{grades:?}");
}

#[test]
fn undo_and_redo_restore_each_state_exactly() {
    let mut doc = DesignDoc::new("brief-image-upload", "my-design.ron").expect("a library brief");
    let mut states = vec![(doc.to_ron(), doc.design().clone(), doc.positions().clone())];
    let mut commands = reference_commands();
    commands.push(Command::Move { node: n(Kind::Function, "process"), x: 900.0, y: 15.5 });
    commands.push(Command::Delete { node: n(Kind::Queue, "scan-jobs") });
    for c in commands {
        let could_undo = doc.can_undo();
        let before = doc.to_ron();
        doc.apply(c.clone()).expect("valid");
        if doc.to_ron() == before {
            // Setting what was already there (max_receives 5 is the default) changes
            // nothing, and leaves nothing to undo.
            assert!(doc.can_undo() == could_undo, "{c:?}");
            continue;
        }
        states.push((doc.to_ron(), doc.design().clone(), doc.positions().clone()));
    }
    let count = states.len();
    for i in (0..count - 1).rev() {
        assert!(doc.undo());
        assert_eq!((doc.to_ron(), doc.design().clone(), doc.positions().clone()), states[i], "undo to state {i}");
    }
    assert!(!doc.undo() && !doc.can_undo());
    for (i, state) in states.iter().enumerate().skip(1) {
        assert!(doc.redo());
        assert_eq!(&(doc.to_ron(), doc.design().clone(), doc.positions().clone()), state, "redo to state {i}");
    }
    assert!(!doc.redo());
    // A new command after an undo drops what could have been redone.
    doc.undo();
    doc.apply(Command::AddBus { name: "audit".into() }).expect("valid");
    assert!(!doc.can_redo());
}

#[test]
fn a_wiring_that_means_nothing_is_refused_and_says_what_is_allowed() {
    let mut doc = reference_doc();
    let before = (doc.to_ron(), doc.can_redo());
    let refused = |doc: &mut DesignDoc, from: Node, to: Node| doc.apply(wire(from, to)).unwrap_err();
    let e = refused(&mut doc, n(Kind::Queue, "scan-jobs"), n(Kind::Bucket, "thumbnails"));
    assert_eq!(
        e,
        "cannot wire queue \"scan-jobs\" to bucket \"thumbnails\": a queue is wired to the function that consumes it, or to another queue (its dead-letter queue)"
    );
    let e = refused(&mut doc, n(Kind::Database, "images-db"), n(Kind::Function, "process"));
    assert!(e.ends_with("a database is only called: wire a function to it"), "{e}");
    let e = refused(&mut doc, n(Kind::Trigger, "uploads"), n(Kind::Function, "ingest"));
    assert!(e.ends_with("this trigger already has its target"), "{e}");
    let e = refused(&mut doc, n(Kind::Bucket, "images"), n(Kind::Queue, "scan-jobs"));
    assert!(e.ends_with("a bucket is wired to the function its new objects notify"), "{e}");
    let e = refused(&mut doc, n(Kind::Function, "ingest"), n(Kind::Function, "nowhere"));
    assert_eq!(e, "there is no function \"nowhere\" to wire to");
    let e = refused(&mut doc, n(Kind::Bus, "events"), n(Kind::Function, "ingest"));
    assert!(e.contains("the brief's bus \"events\" is fixed"), "{e}");
    // Nothing changed, and nothing was recorded to undo.
    assert_eq!((doc.to_ron(), doc.can_redo()), before);
    // The brief's parts are givens; names are unique per kind across design and brief.
    let e = doc.apply(set(n(Kind::Api, "scanner"), "error_rate", "0")).unwrap_err();
    assert!(e.contains("the brief's API \"scanner\" is fixed"), "{e}");
    let e = doc.apply(Command::AddBucket { name: "thumbnails".into() }).unwrap_err();
    assert!(e.contains("the brief already has a bucket \"thumbnails\""), "{e}");
    let e = doc.apply(set(n(Kind::Function, "process"), "memory", "lots")).unwrap_err();
    assert!(e.contains("expected a size in MB, got \"lots\""), "{e}");
    let e = doc.apply(set(n(Kind::Function, "process"), "calls[0].colour", "red")).unwrap_err();
    assert!(e.contains("a Api call has no field \"colour\" (it has: retries, backoff)"), "{e}");
}

#[test]
fn problems_show_as_you_edit_at_the_node_they_belong_to() {
    let mut doc = reference_doc();
    // Accepted as typed, refused by the merged scenario's validation, at its field.
    doc.apply(set(n(Kind::Function, "process"), "memory", "64")).expect("a number");
    let problems = doc.problems_of(&n(Kind::Function, "process"));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "functions[1].memory_mb");
    assert!(doc.problems_of(&n(Kind::Function, "ingest")).is_empty());
    doc.undo();
    assert!(doc.check().is_empty());
    // Deleting the queue takes its wires with it: the design still reads, and ingest
    // no longer sends anywhere.
    doc.apply(Command::Delete { node: n(Kind::Queue, "scan-jobs") }).expect("the design's");
    assert!(doc.parts().functions[0].calls.is_empty());
    assert!(doc.edges().iter().all(|e| e.from.name != "scan-jobs" && e.to.name != "scan-jobs"));
    assert!(doc.check().is_empty(), "{:?}", doc.check());
    // The generic field: any field of the part, as RON.
    doc.apply(set(n(Kind::Function, "ingest"), "duration", "Constant(value: \"5ms\")")).expect("RON");
    let e = doc.apply(set(n(Kind::Function, "ingest"), "duration", "Soon")).unwrap_err();
    assert!(e.starts_with("function \"ingest\" duration: "), "{e}");
}

#[test]
fn a_saved_design_reopens_identically() {
    let mut doc = reference_doc();
    doc.apply(Command::Move { node: n(Kind::Function, "process"), x: 640.0, y: 222.5 }).expect("exists");
    let text = doc.to_ron();
    let again = DesignDoc::from_scenario_text(&text, "saved.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(again.design(), doc.design());
    assert_eq!(again.positions(), doc.positions());
    assert_eq!(again.to_ron(), text);
    // The text is the library's format, short: what a person writes.
    assert!(text.contains("        (name: \"ingest\", runtime: Python, memory_mb: 256,"), "{text}");
    assert!(text.contains("    connect: [\n        (from: \"images\", to: \"ingest\"),\n    ],"), "{text}");
    // A design written by hand opens too (laid out afresh), and is the same design.
    let file = include_str!("../../scenarios/designs/image-upload-reference.ron");
    let opened = DesignDoc::from_scenario_text(file, "scenarios/designs/image-upload-reference.ron").expect("a design");
    assert_eq!(opened.parts(), doc.parts());
    assert_eq!(opened.nodes().len(), doc.nodes().len());
    // A scenario that names no brief is not a design.
    let e = DesignDoc::from_scenario_text(faaslab::scenario::DEFAULT_SCENARIO, "default.ron").unwrap_err();
    assert!(e.to_string().contains("not a design: it names no brief"), "{e}");
}
