//! The scenario as a graph of nodes (triggers, functions; later queues, databases,
//! buses, workflows) and edges along the data flow. Pure data: `layout` places it.

use crate::sim::config::SimConfig;
use crate::sim::function::Call;
use crate::sim::services::bus::BusTarget;
use crate::sim::trigger::TargetKind;
use bevy::math::Vec2;

/// What a node stands for. New services add a variant, its size and its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A trigger of any kind (index into the simulation's triggers).
    HttpTrigger,
    /// A function (index into the simulation's functions).
    Function,
    Queue,
    Database,
    Bus,
    Bucket,
    Stream,
    Workflow,
}

impl NodeKind {
    /// The node's body (label and icon), in world units.
    pub fn body_size(self) -> Vec2 {
        match self {
            NodeKind::Function => Vec2::new(340.0, 84.0),
            NodeKind::HttpTrigger => Vec2::new(280.0, 70.0),
            // Services carry a longer status line (connections, refusals, depth).
            _ => Vec2::new(360.0, 70.0),
        }
    }

    /// Room under the body for what hangs below it (a function's environment pool).
    pub fn below_height(self) -> f32 {
        match self {
            NodeKind::Function => super::pools::POOL_HEIGHT,
            _ => 0.0,
        }
    }

    /// The leftmost column the kind may take, so that sources without inputs of a
    /// later kind (a function nothing calls) still sit right of the triggers.
    pub(super) fn min_layer(self) -> usize {
        match self {
            NodeKind::HttpTrigger => 0,
            _ => 1,
        }
    }
}

/// One node: its kind and the index of the thing it shows in the simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub index: usize,
    pub name: String,
}

/// Nodes and directed edges (from, to) along the data flow.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<(usize, usize)>,
}

impl Graph {
    pub fn from_config(config: &SimConfig) -> Graph {
        let mut graph = Graph::default();
        let add = |graph: &mut Graph, kind: NodeKind, index: usize, name: &str| {
            graph.nodes.push(Node { kind, index, name: name.to_string() });
        };
        for (i, f) in config.functions.iter().enumerate() {
            add(&mut graph, NodeKind::Function, i, &f.name);
        }
        for (i, q) in config.queues.iter().enumerate() {
            add(&mut graph, NodeKind::Queue, i, &q.name);
        }
        for (i, d) in config.databases.iter().enumerate() {
            add(&mut graph, NodeKind::Database, i, &d.name);
        }
        for (i, b) in config.buses.iter().enumerate() {
            add(&mut graph, NodeKind::Bus, i, &b.name);
        }
        for (i, b) in config.buckets.iter().enumerate() {
            add(&mut graph, NodeKind::Bucket, i, &b.name);
        }
        for (i, s) in config.streams.iter().enumerate() {
            add(&mut graph, NodeKind::Stream, i, &s.name);
        }
        for (i, w) in config.workflows.iter().enumerate() {
            add(&mut graph, NodeKind::Workflow, i, &w.name);
        }
        let find = |graph: &Graph, kind: NodeKind, name: &str| {
            graph.nodes.iter().position(|n| n.kind == kind && n.name == name)
        };
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let mut link = |graph: &Graph, from: Option<usize>, kind: NodeKind, name: &str| {
            if let (Some(a), Some(b)) = (from, find(graph, kind, name))
                && !edges.contains(&(a, b))
            {
                edges.push((a, b));
            }
        };
        for (i, t) in config.triggers.iter().enumerate() {
            let id = graph.nodes.len();
            graph.nodes.push(Node { kind: NodeKind::HttpTrigger, index: i, name: t.name().to_string() });
            let kind = match t.target_kind() {
                TargetKind::Function => NodeKind::Function,
                TargetKind::Queue => NodeKind::Queue,
                TargetKind::Bus => NodeKind::Bus,
                TargetKind::Bucket => NodeKind::Bucket,
                TargetKind::Stream => NodeKind::Stream,
                TargetKind::Workflow => NodeKind::Workflow,
            };
            link(&graph, Some(id), kind, t.target());
        }
        for f in &config.functions {
            let me = find(&graph, NodeKind::Function, &f.name);
            for call in &f.calls {
                match call {
                    Call::Query { database, .. } => link(&graph, me, NodeKind::Database, database),
                    Call::Send { queue } => link(&graph, me, NodeKind::Queue, queue),
                    Call::Publish { bus, .. } => link(&graph, me, NodeKind::Bus, bus),
                    Call::Put { bucket, .. } => link(&graph, me, NodeKind::Bucket, bucket),
                    Call::Write { stream } => link(&graph, me, NodeKind::Stream, stream),
                    Call::Invoke { function, .. } => link(&graph, me, NodeKind::Function, function),
                }
            }
            if let Some(q) = &f.on_failure {
                link(&graph, me, NodeKind::Queue, q);
            }
        }
        for q in &config.queues {
            let me = find(&graph, NodeKind::Queue, &q.name);
            if let Some(c) = &q.consumer {
                link(&graph, me, NodeKind::Function, &c.function);
            }
            if let Some(d) = &q.dlq {
                link(&graph, me, NodeKind::Queue, d);
            }
        }
        for b in &config.buses {
            let me = find(&graph, NodeKind::Bus, &b.name);
            for target in b.rules.iter().flat_map(|r| r.targets.iter()) {
                match target {
                    BusTarget::Function(f) => link(&graph, me, NodeKind::Function, f),
                    BusTarget::Queue(q) => link(&graph, me, NodeKind::Queue, q),
                    BusTarget::Workflow(w) => link(&graph, me, NodeKind::Workflow, w),
                }
            }
        }
        for b in &config.buckets {
            if let Some(f) = &b.notify {
                link(&graph, find(&graph, NodeKind::Bucket, &b.name), NodeKind::Function, f);
            }
        }
        for s in &config.streams {
            if let Some(c) = &s.consumer {
                link(&graph, find(&graph, NodeKind::Stream, &s.name), NodeKind::Function, &c.function);
            }
        }
        for w in &config.workflows {
            let me = find(&graph, NodeKind::Workflow, &w.name);
            let mut functions = Vec::new();
            crate::sim::services::workflow::functions_named(&w.steps, &mut functions);
            for f in functions {
                link(&graph, me, NodeKind::Function, &f);
            }
        }
        graph.edges = edges;
        graph
    }

    /// The node showing `kind` number `index`.
    pub fn find(&self, kind: NodeKind, index: usize) -> Option<usize> {
        self.nodes.iter().position(|n| n.kind == kind && n.index == index)
    }
}
