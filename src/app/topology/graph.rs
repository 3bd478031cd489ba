//! The scenario as a graph of nodes (triggers, functions; later queues, databases,
//! buses, workflows) and edges along the data flow. Pure data: `layout` places it.

use crate::sim::config::{SimConfig, TriggerSpec};
use bevy::math::Vec2;

/// What a node stands for. New services add a variant, its size and its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// An HTTP trigger (index into the simulation's triggers).
    HttpTrigger,
    /// A function (index into the simulation's functions).
    Function,
}

impl NodeKind {
    /// The node's body (label and icon), in world units.
    pub fn body_size(self) -> Vec2 {
        match self {
            NodeKind::HttpTrigger => Vec2::new(280.0, 70.0),
            NodeKind::Function => Vec2::new(340.0, 84.0),
        }
    }

    /// Room under the body for what hangs below it (a function's environment pool).
    pub fn below_height(self) -> f32 {
        match self {
            NodeKind::HttpTrigger => 0.0,
            NodeKind::Function => super::pools::POOL_HEIGHT,
        }
    }

    /// The leftmost column the kind may take, so that sources without inputs of a
    /// later kind (a function nothing calls) still sit right of the triggers.
    pub(super) fn min_layer(self) -> usize {
        match self {
            NodeKind::HttpTrigger => 0,
            NodeKind::Function => 1,
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
        for (i, f) in config.functions.iter().enumerate() {
            graph.nodes.push(Node { kind: NodeKind::Function, index: i, name: f.name.clone() });
        }
        for (i, t) in config.triggers.iter().enumerate() {
            let id = graph.nodes.len();
            graph.nodes.push(Node { kind: NodeKind::HttpTrigger, index: i, name: t.name().to_string() });
            let TriggerSpec::Http { target, .. } = t;
            if let Some(f) = config.functions.iter().position(|f| &f.name == target) {
                graph.edges.push((id, f));
            }
        }
        graph
    }

    /// The node showing `kind` number `index`.
    pub fn find(&self, kind: NodeKind, index: usize) -> Option<usize> {
        self.nodes.iter().position(|n| n.kind == kind && n.index == index)
    }
}
