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

mod layout;
pub mod text;
mod wiring;

use crate::scenario::brief::{self, Connect, DesignParts, DesignText};
use crate::scenario::{Diagnostic, Scenario, ScenarioError};
use crate::sim::config::SimConfig;
use crate::sim::function::{FunctionSpec, Runtime};
use crate::sim::kernel::dist::Dist;
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

/// An edit of the design.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    AddFunction {
        name: String,
        runtime: Runtime,
        memory_mb: u32,
        duration: Dist,
    },
    AddQueue {
        name: String,
    },
    AddBus {
        name: String,
    },
    AddBucket {
        name: String,
    },
    /// See the module docs for the wirings that mean something.
    Wire {
        from: Node,
        to: Node,
    },
    /// Removes a wire (the last call, when a function calls the same node twice).
    Unwire {
        from: Node,
        to: Node,
    },
    /// An inspector field: a knob's property (`memory`, `max_concurrency`, `dlq`, ...)
    /// with the knob's words, a call's field (`calls[1].retries`), or any field of the
    /// part as RON (`duration` = `LogNormal(median: "20ms", p99: "80ms")`).
    SetField {
        node: Node,
        field: String,
        value: String,
    },
    /// Removes a node of the design and every wire to or from it.
    Delete {
        node: Node,
    },
    Move {
        node: Node,
        x: f32,
        y: f32,
    },
}

/// An inspector row: a field's name, its value as `SetField` accepts it, what it does.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub field: String,
    pub value: String,
    pub help: String,
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

/// Knob properties the inspector offers per kind (each writes only the part's spec).
const FUNCTION_KNOBS: &[&str] = &[
    "runtime",
    "memory",
    "timeout",
    "reserved",
    "provisioned",
    "idempotency",
    "keep_alive",
    "architecture",
    "async_retries",
    "on_failure",
    "package_mb",
    "lazy_init",
    "vpc",
];
const QUEUE_KNOBS: &[&str] =
    &["batch_size", "max_concurrency", "visibility_timeout", "max_receives", "batching_window", "partial_batch"];
const STREAM_KNOBS: &[&str] = &["batch_size", "bisect", "max_retries", "on_failure"];
const DATABASE_KNOBS: &[&str] = &["max_connections", "pooler"];

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

    /// Applies a command; on success it can be undone. A refused command changes
    /// nothing and says why (and what is allowed).
    pub fn apply(&mut self, command: Command) -> Result<(), String> {
        let before = self.state.clone();
        let result = self.run(command);
        match result {
            Ok(()) if self.state != before => {
                self.undo.push(before);
                self.redo.clear();
                self.lay_out();
                Ok(())
            }
            Ok(()) => Ok(()),
            Err(e) => {
                self.state = before;
                Err(e)
            }
        }
    }

    /// Goes back one command; false when there is none.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(&mut self.state, previous));
        self.lay_out();
        true
    }

    /// Redoes the last undone command; false when there is none.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(&mut self.state, next));
        self.lay_out();
        true
    }

    fn run(&mut self, command: Command) -> Result<(), String> {
        match command {
            Command::AddFunction { name, runtime, memory_mb, duration } => {
                self.free_name(Kind::Function, &name)?;
                self.parts_mut().functions.push(FunctionSpec::new(&name, runtime, memory_mb, duration));
            }
            Command::AddQueue { name } => {
                self.free_name(Kind::Queue, &name)?;
                self.parts_mut().queues.push(from_defaults(&name));
            }
            Command::AddBus { name } => {
                self.free_name(Kind::Bus, &name)?;
                self.parts_mut().buses.push(from_defaults(&name));
            }
            Command::AddBucket { name } => {
                self.free_name(Kind::Bucket, &name)?;
                self.parts_mut().buckets.push(from_defaults(&name));
            }
            Command::Wire { from, to } => wiring::wire(self, &from, &to)?,
            Command::Unwire { from, to } => wiring::unwire(self, &from, &to)?,
            Command::SetField { node, field, value } => self.set_field(&node, &field, &value)?,
            Command::Delete { node } => {
                self.editable(&node)?;
                wiring::delete(self, &node);
                self.state.pinned.remove(&node);
            }
            Command::Move { node, x, y } => {
                if self.owner(&node).is_none() {
                    return Err(format!("there is no {} to move", node.label()));
                }
                if !(x.is_finite() && y.is_finite()) {
                    return Err("a position is two finite numbers".into());
                }
                self.state.pinned.insert(node, [x, y]);
            }
        }
        Ok(())
    }

    fn parts_mut(&mut self) -> &mut DesignParts {
        &mut self.state.design.parts
    }

    /// `name` is free for a new node of `kind` (in the design and the brief).
    fn free_name(&self, kind: Kind, name: &str) -> Result<Node, String> {
        let node = Node::new(kind, name);
        if name.trim().is_empty() || name.trim() != name {
            return Err(format!("a {} needs a name (without spaces around it)", kind.noun()));
        }
        match self.owner(&node) {
            Some(Owner::Design) => Err(format!("the design already has a {}", node.label())),
            Some(Owner::Brief) => {
                Err(format!("the brief already has a {}: use it, or name yours otherwise", node.label()))
            }
            None => Ok(node),
        }
    }

    /// Refuses the brief's parts (its givens) and nodes that do not exist.
    fn editable(&self, node: &Node) -> Result<usize, String> {
        match (self.design_index(node), self.owner(node)) {
            (Some(i), _) => Ok(i),
            (None, Some(_)) => Err(format!("the brief's {} is fixed: it is one of the brief's givens", node.label())),
            (None, None) => Err(format!("the design has no {}", node.label())),
        }
    }

    /// The design's parts as a configuration, for the knob table.
    fn as_config(&self) -> SimConfig {
        let p = self.parts().clone();
        let mut c = SimConfig::empty(1, crate::sim::kernel::time::SimDuration::ZERO);
        (c.functions, c.queues, c.streams, c.databases) = (p.functions, p.queues, p.streams, p.databases);
        c
    }

    fn knobs_of(kind: Kind) -> &'static [&'static str] {
        match kind {
            Kind::Function => FUNCTION_KNOBS,
            Kind::Queue => QUEUE_KNOBS,
            Kind::Stream => STREAM_KNOBS,
            Kind::Database => DATABASE_KNOBS,
            _ => &[],
        }
    }

    fn set_field(&mut self, node: &Node, field: &str, value: &str) -> Result<(), String> {
        let index = self.editable(node)?;
        let fail = |message: String| format!("{} {field}: {message}", node.label());
        if field == "name" {
            return Err(fail("a part keeps its name (delete it and add one named otherwise)".into()));
        }
        if Self::knobs_of(node.kind).contains(&field) {
            let mut config = self.as_config();
            let change = crate::sim::knobs::parse(&config, &format!("{}.{field}", node.name), value)?;
            change.apply_to(&mut config);
            let p = self.parts_mut();
            (p.functions, p.queues, p.streams, p.databases) =
                (config.functions, config.queues, config.streams, config.databases);
            return Ok(());
        }
        if let Some(rest) = field.strip_prefix("calls[") {
            if node.kind != Kind::Function {
                return Err(fail("only a function makes calls".into()));
            }
            let (i, call_field) = rest
                .split_once("].")
                .and_then(|(i, f)| i.parse::<usize>().ok().map(|i| (i, f)))
                .ok_or_else(|| fail("expected calls[N].field, such as calls[0].retries".into()))?;
            let call = (self.parts_mut().functions[index].calls.get_mut(i))
                .ok_or_else(|| fail(format!("the function has no call {i}")))?;
            return wiring::set_call_field(call, call_field, value).map_err(fail);
        }
        if node.kind == Kind::Queue && field == "dlq" {
            let dlq = match value.trim() {
                "" | "none" => None,
                name => Some(name.to_string()),
            };
            self.parts_mut().queues[index].dlq = dlq;
            return Ok(());
        }
        let p = self.parts_mut();
        match node.kind {
            Kind::Function => set_ron_field(&mut p.functions[index], field, value),
            Kind::Queue => set_ron_field(&mut p.queues[index], field, value),
            Kind::Bus => set_ron_field(&mut p.buses[index], field, value),
            Kind::Bucket => set_ron_field(&mut p.buckets[index], field, value),
            Kind::Database => set_ron_field(&mut p.databases[index], field, value),
            Kind::Api => set_ron_field(&mut p.apis[index], field, value),
            Kind::Stream => set_ron_field(&mut p.streams[index], field, value),
            Kind::Workflow => set_ron_field(&mut p.workflows[index], field, value),
            Kind::Trigger => Err("a trigger's fields are edited in its file".into()),
        }
        .map_err(fail)
    }

    /// The inspector's rows for a node of the design: its knobs (in the knob table's
    /// words), then its other fields and its calls' fields (as RON).
    pub fn fields(&self, node: &Node) -> Vec<Field> {
        let Some(index) = self.design_index(node) else {
            return Vec::new();
        };
        let config = self.as_config();
        let mut out = Vec::new();
        for property in Self::knobs_of(node.kind) {
            if let Ok(id) = crate::sim::knobs::resolve(&config, &format!("{}.{property}", node.name)) {
                out.push(Field {
                    field: property.to_string(),
                    value: id.current(&config),
                    help: id.help().to_string(),
                });
            }
        }
        let p = self.parts();
        let mut raw = |fields: Option<Vec<(String, String)>>, shown: &[&str]| {
            for (field, value) in fields.unwrap_or_default() {
                if shown.contains(&field.as_str()) {
                    out.push(Field { field, value, help: "RON, as in a scenario file".into() });
                }
            }
        };
        match node.kind {
            Kind::Function => raw(text::fields(&p.functions[index]), &["duration", "error_rate", "cpu_bound"]),
            Kind::Queue => {
                let dlq = p.queues[index].dlq.clone().unwrap_or_else(|| "none".into());
                out.push(Field {
                    field: "dlq".into(),
                    value: dlq,
                    help: "the dead-letter queue (a queue's name, or none)".into(),
                });
            }
            Kind::Bus => raw(text::fields(&p.buses[index]), &["rules"]),
            _ => {}
        }
        if node.kind == Kind::Function {
            for (i, call) in p.functions[index].calls.iter().enumerate() {
                for (field, value) in wiring::call_fields(call) {
                    out.push(Field { field: format!("calls[{i}].{field}"), value, help: wiring::call_label(call) });
                }
            }
        }
        out
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

/// A distribution as a scenario file writes it (`LogNormal(median: "20ms", p99: "80ms")`).
pub fn parse_dist(text: &str) -> Result<Dist, String> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options
        .from_str(text.trim())
        .map_err(|e| format!("a distribution such as LogNormal(median: \"20ms\", p99: \"80ms\"): {}", e.code))
}

fn push_parts<'a>(out: &mut Vec<Node>, names: impl Iterator<Item = &'a String>, kind: Kind) {
    out.extend(names.map(|n| Node::new(kind, n)));
}

/// A part with every default but its name (what the file's `(name: "x")` reads as).
fn from_defaults<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = format!("(name: {})", quoted(name));
    ron::from_str(&text).expect("every part but a function and an API needs only its name (tested)")
}

/// Sets one field of a part to a RON value (the part must still read as a whole).
fn set_ron_field<T: Serialize + serde::de::DeserializeOwned>(
    item: &mut T,
    field: &str,
    value: &str,
) -> Result<(), String> {
    let mut fields = text::fields(item).ok_or("this part has no fields to set")?;
    match fields.iter_mut().find(|(n, _)| n == field) {
        Some((_, v)) => *v = value.to_string(),
        None => fields.push((field.to_string(), value.to_string())),
    }
    let joined: Vec<String> = fields.iter().map(|(n, v)| format!("{n}: {v}")).collect();
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    *item = options.from_str(&format!("({})", joined.join(", "))).map_err(|e| format!("{}", e.code))?;
    Ok(())
}
