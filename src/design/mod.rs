//! The design canvas's document (issue 13, section 3): a design for a brief as data,
//! edited by commands, with undo and redo. No UI types: the app (src/app/design) draws
//! it and sends it commands; tests drive it the same way.
//!
//! A `DesignDoc` holds the brief (as the scenario it is on its own, read-only), the
//! design's own parts (the scenario types: `FunctionSpec`, `QueueSpec`, ...), its
//! `connect` wiring, and where each node sits on the canvas. Commands add parts, wire
//! them (only wirings that mean something are accepted: a trigger, bucket or stream of
//! the brief to a function is a `connect`; a function to a queue, bus, bucket, database,
//! API, stream or function is a call appended to its `calls`; a queue to its consumer
//! function or its dead-letter queue; a bus to a rule's target; a bucket or stream of
//! the design to the function it notifies), set an inspector field (the knob table's
//! words where a knob exists, `src/sim/knobs`, else the field's RON value), delete or
//! move a node. Every command that succeeds can be undone; one that fails changes
//! nothing and says what is allowed.
//!
//! `to_ron` writes the design file a person reads (the library's format,
//! scenarios/designs/*.ron) with the canvas positions in one trailing comment line,
//! which `from_scenario_text` reads back (a file without it is laid out afresh);
//! `check` and `scenario` merge it with its brief through `Scenario::parse`, so the
//! canvas shows exactly the problems `faaslab check` would, and runs what it would run.
//!
//! This file holds the canvas's nodes and wires and the document with what it reads;
//! `commands.rs` applies, undoes and redoes commands, `inspector.rs` reads and sets a
//! node's fields, `wiring.rs` knows which wirings mean something, `layout.rs` places
//! nodes and `text.rs` writes the design file.

mod commands;
mod inspector;
mod layout;
pub mod text;
mod wiring;

pub use commands::Command;
pub use inspector::{Field, parse_dist};

use crate::scenario::brief::{self, Connect, DesignParts, DesignText};
use crate::scenario::{Diagnostic, Scenario, ScenarioError};
use crate::sim::names::quoted;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kinds of node on the canvas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    Trigger,
    Function,
    Queue,
    Bus,
    Bucket,
    Database,
    Api,
    Stream,
    Workflow,
}

impl From<crate::sim::trigger::TargetKind> for Kind {
    /// The kind of node a trigger of this kind sends to.
    fn from(target: crate::sim::trigger::TargetKind) -> Kind {
        use crate::sim::trigger::TargetKind;
        match target {
            TargetKind::Function => Kind::Function,
            TargetKind::Queue => Kind::Queue,
            TargetKind::Bus => Kind::Bus,
            TargetKind::Bucket => Kind::Bucket,
            TargetKind::Stream => Kind::Stream,
            TargetKind::Workflow => Kind::Workflow,
        }
    }
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Trigger => "trigger",
            Kind::Function => "function",
            Kind::Queue => "queue",
            Kind::Bus => "bus",
            Kind::Bucket => "bucket",
            Kind::Database => "database",
            Kind::Api => "API",
            Kind::Stream => "stream",
            Kind::Workflow => "workflow",
        }
    }
    /// The list a design file writes this kind in.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Trigger => "triggers",
            Kind::Function => "functions",
            Kind::Queue => "queues",
            Kind::Bus => "buses",
            Kind::Bucket => "buckets",
            Kind::Database => "databases",
            Kind::Api => "apis",
            Kind::Stream => "streams",
            Kind::Workflow => "workflows",
        }
    }
}

/// A node: its kind and name (names are unique within a kind, across design and brief).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Node {
    pub kind: Kind,
    pub name: String,
}

impl Node {
    pub fn new(kind: Kind, name: &str) -> Node {
        Node { kind, name: name.to_string() }
    }
    /// "function \"process\"", for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.noun(), quoted(&self.name))
    }
}

/// Whose a node is: the brief's parts are fixed, the design's are edited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Brief,
    Design,
}

/// A wire on the canvas: a connect, a call, a consumer, a notification, a rule target,
/// a dead-letter queue, or a brief's own fixed wiring (`fixed`).
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: Node,
    pub to: Node,
    /// What it is: "connect", "Send", "consumer", "dead-letter queue", ...
    pub label: String,
    pub fixed: bool,
}

/// Everything undo restores.
#[derive(Clone, Debug, PartialEq)]
struct State {
    design: DesignText,
    /// Nodes moved by hand, where they were put (the others are laid out).
    pinned: BTreeMap<Node, [f32; 2]>,
}

/// The design being drawn (see the module docs).
#[derive(Clone, Debug)]
pub struct DesignDoc {
    state: State,
    /// The brief on its own (its unconnected triggers going to their stand-ins).
    brief: Scenario,
    /// Where the design is (or will be) saved; a brief named by a path is found beside it.
    origin: String,
    undo: Vec<State>,
    redo: Vec<State>,
    /// Every node's position (the pinned ones, and the others laid out).
    positions: BTreeMap<Node, [f32; 2]>,
}

impl DesignDoc {
    /// An empty design for `brief` (a library brief's name, or a path beside `origin`).
    pub fn new(brief_name: &str, origin: &str) -> Result<DesignDoc, ScenarioError> {
        let brief = brief::brief_scenario(brief_name, origin)?;
        let design = DesignText {
            name: format!("My design for {}", brief.name.trim_start_matches("Brief: ")),
            summary: String::new(),
            description: String::new(),
            brief: brief_name.to_string(),
            parts: DesignParts::default(),
        };
        let mut doc = DesignDoc::opened(design, brief, origin);
        doc.lay_out();
        Ok(doc)
    }

    /// A design with no history and nothing placed yet.
    fn opened(design: DesignText, brief: Scenario, origin: &str) -> DesignDoc {
        DesignDoc {
            state: State { design, pinned: BTreeMap::new() },
            brief,
            origin: origin.to_string(),
            undo: Vec::new(),
            redo: Vec::new(),
            positions: BTreeMap::new(),
        }
    }

    /// Reads and reopens a design file, bounded as a scenario file is (a directory or a
    /// device is refused, not read).
    pub fn load(path: &std::path::Path) -> Result<DesignDoc, ScenarioError> {
        let origin = path.display().to_string();
        DesignDoc::from_scenario_text(&crate::scenario::read_text(path, &origin)?, &origin)
    }

    /// Reopens a design file (`to_ron`'s text, or one written by hand); positions come
    /// from its canvas comment when it has one, else are laid out.
    pub fn from_scenario_text(text: &str, origin: &str) -> Result<DesignDoc, ScenarioError> {
        let design = brief::read_design(text, origin)?;
        let brief = brief::brief_scenario(&design.brief, origin)?;
        let mut doc = DesignDoc::opened(design, brief, origin);
        if let Some(saved) = layout::read_positions(text) {
            let nodes = doc.nodes();
            doc.state.pinned = saved.into_iter().filter(|(n, _)| nodes.contains(n)).collect();
        }
        doc.lay_out();
        Ok(doc)
    }

    /// The design file's text, with the canvas positions in a trailing comment.
    pub fn to_ron(&self) -> String {
        let mut out = text::design_file(&self.state.design);
        out.push_str(&layout::write_positions(&self.state.pinned));
        out
    }

    /// The design merged with its brief, as `faaslab run` would run it.
    pub fn scenario(&self) -> Result<Scenario, ScenarioError> {
        Scenario::parse(&self.to_ron(), &self.origin)
    }

    /// The merged scenario's problems, positioned in `to_ron`'s text (none: it runs).
    pub fn check(&self) -> Vec<Diagnostic> {
        self.scenario().err().map(|e| e.diagnostics).unwrap_or_default()
    }

    /// The problems of one node of the design (those whose path is in its part).
    pub fn problems_of(&self, node: &Node) -> Vec<Diagnostic> {
        self.node_problems(node, &self.check())
    }

    /// Of `problems` (from `check`), those of one node of the design: in its part, or in
    /// a `connect` to or from it.
    pub fn node_problems(&self, node: &Node, problems: &[Diagnostic]) -> Vec<Diagnostic> {
        let Some(index) = self.design_index(node) else {
            return Vec::new();
        };
        let prefix = format!("{}[{index}]", node.kind.plural());
        let connects: Vec<String> = (self.parts().connect.iter().enumerate())
            .filter(|(_, c)| c.from == node.name || c.to == node.name)
            .map(|(i, _)| format!("connect[{i}]"))
            .collect();
        let within =
            |path: &str, p: &str| path == p || path.starts_with(&format!("{p}.")) || path.starts_with(&format!("{p}["));
        problems
            .iter()
            .filter(|d| within(&d.path, &prefix) || connects.iter().any(|c| within(&d.path, c)))
            .cloned()
            .collect()
    }

    pub fn design(&self) -> &DesignText {
        &self.state.design
    }
    pub fn parts(&self) -> &DesignParts {
        &self.state.design.parts
    }
    /// The brief on its own, as a scenario (its flows, challenge and fixed parts).
    pub fn brief(&self) -> &Scenario {
        &self.brief
    }
    pub fn brief_name(&self) -> &str {
        &self.state.design.brief
    }
    pub fn origin(&self) -> &str {
        &self.origin
    }
    /// Where the design will be saved (a brief named by a path is found beside it).
    pub fn set_origin(&mut self, origin: &str) {
        self.origin = origin.to_string();
    }
    pub fn position(&self, node: &Node) -> Option<[f32; 2]> {
        self.positions.get(node).copied()
    }
    /// Every node's position on the canvas.
    pub fn positions(&self) -> &BTreeMap<Node, [f32; 2]> {
        &self.positions
    }
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Every node: the brief's fixed parts (not its stand-ins), then the design's.
    pub fn nodes(&self) -> Vec<Node> {
        let c = &self.brief.config;
        let mut out: Vec<Node> = Vec::new();
        out.extend(c.triggers.iter().map(|t| Node::new(Kind::Trigger, t.name())));
        let stand_ins: Vec<String> = c.triggers.iter().map(|t| brief::unwired_name(t.name())).collect();
        out.extend(
            c.functions.iter().filter(|f| !stand_ins.contains(&f.name)).map(|f| Node::new(Kind::Function, &f.name)),
        );
        push_parts(&mut out, c.queues.iter().map(|q| &q.name), Kind::Queue);
        push_parts(&mut out, c.buses.iter().map(|b| &b.name), Kind::Bus);
        push_parts(&mut out, c.buckets.iter().map(|b| &b.name), Kind::Bucket);
        push_parts(&mut out, c.databases.iter().map(|d| &d.name), Kind::Database);
        push_parts(&mut out, c.apis.iter().map(|a| &a.name), Kind::Api);
        push_parts(&mut out, c.streams.iter().map(|s| &s.name), Kind::Stream);
        push_parts(&mut out, c.workflows.iter().map(|w| &w.name), Kind::Workflow);
        let p = self.parts();
        out.extend(p.triggers.iter().map(|t| Node::new(Kind::Trigger, t.name())));
        push_parts(&mut out, p.functions.iter().map(|f| &f.name), Kind::Function);
        push_parts(&mut out, p.queues.iter().map(|q| &q.name), Kind::Queue);
        push_parts(&mut out, p.buses.iter().map(|b| &b.name), Kind::Bus);
        push_parts(&mut out, p.buckets.iter().map(|b| &b.name), Kind::Bucket);
        push_parts(&mut out, p.databases.iter().map(|d| &d.name), Kind::Database);
        push_parts(&mut out, p.apis.iter().map(|a| &a.name), Kind::Api);
        push_parts(&mut out, p.streams.iter().map(|s| &s.name), Kind::Stream);
        push_parts(&mut out, p.workflows.iter().map(|w| &w.name), Kind::Workflow);
        out
    }

    /// Whose `node` is, if it exists.
    pub fn owner(&self, node: &Node) -> Option<Owner> {
        if self.design_index(node).is_some() {
            return Some(Owner::Design);
        }
        self.nodes().contains(node).then_some(Owner::Brief)
    }

    /// The index of `node` in the design's list of its kind.
    fn design_index(&self, node: &Node) -> Option<usize> {
        let p = self.parts();
        let n = node.name.as_str();
        match node.kind {
            Kind::Trigger => p.triggers.iter().position(|t| t.name() == n),
            Kind::Function => p.functions.iter().position(|f| f.name == n),
            Kind::Queue => p.queues.iter().position(|q| q.name == n),
            Kind::Bus => p.buses.iter().position(|b| b.name == n),
            Kind::Bucket => p.buckets.iter().position(|b| b.name == n),
            Kind::Database => p.databases.iter().position(|d| d.name == n),
            Kind::Api => p.apis.iter().position(|a| a.name == n),
            Kind::Stream => p.streams.iter().position(|s| s.name == n),
            Kind::Workflow => p.workflows.iter().position(|w| w.name == n),
        }
    }

    /// The wires on the canvas.
    pub fn edges(&self) -> Vec<Edge> {
        wiring::edges(self)
    }

    fn parts_mut(&mut self) -> &mut DesignParts {
        &mut self.state.design.parts
    }

    /// Places every node: the pinned ones where they were put, the others laid out.
    fn lay_out(&mut self) {
        let nodes = self.nodes();
        let fixed: Vec<bool> = nodes.iter().map(|n| self.design_index(n).is_none()).collect();
        self.positions = layout::lay_out(&nodes, &fixed, &self.edges(), &self.state.pinned);
    }

    /// The detail type a flow of the brief expects on `bus` (for a new Publish call).
    fn expected_detail_type(&self, bus: &str) -> Option<String> {
        use crate::sim::services::flows::Effect;
        self.brief.config.flows.iter().flat_map(|f| &f.effects).find_map(|e| match e {
            Effect::Event { bus: b, detail_type } if b == bus => detail_type.clone(),
            _ => None,
        })
    }

    /// Whether a flow of the brief expects rows written to `database`.
    fn expects_rows(&self, database: &str) -> bool {
        use crate::sim::services::flows::Effect;
        self.brief
            .config
            .flows
            .iter()
            .flat_map(|f| &f.effects)
            .any(|e| matches!(e, Effect::Row { database: d } if d == database))
    }

    /// The connect of one of the brief's parts, if any.
    pub fn connected(&self, from: &str) -> Option<&Connect> {
        self.parts().connect.iter().find(|c| c.from == from)
    }
}

fn push_parts<'a>(out: &mut Vec<Node>, names: impl Iterator<Item = &'a String>, kind: Kind) {
    out.extend(names.map(|n| Node::new(kind, n)));
}
