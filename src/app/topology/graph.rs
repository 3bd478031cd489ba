//! The scenario as a graph of nodes (triggers of each kind, functions, queues,
//! databases, buses, buckets, streams, workflows, third-party APIs) and edges along the data flow. Pure
//! data: `layout` places it.

use crate::sim::config::SimConfig;
use crate::sim::function::Call;
use crate::sim::services::bus::BusTarget;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use bevy::math::Vec2;

/// What a node stands for. New services add a variant, its size and its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A trigger (index into the simulation's triggers), of its spec's kind.
    Trigger(TriggerKind),
    /// A function (index into the simulation's functions).
    Function,
    Queue,
    Database,
    Bus,
    Bucket,
    Stream,
    Workflow,
    /// A third-party API the functions call (index into the simulation's APIs).
    Api,
}

impl NodeKind {
    /// The node's body (label and icon), in world units.
    pub fn body_size(self) -> Vec2 {
        match self {
            NodeKind::Function => Vec2::new(340.0, 84.0),
            NodeKind::Trigger(_) => Vec2::new(280.0, 70.0),
            // Services carry a longer status line (connections, refusals, depth).
            _ => Vec2::new(360.0, 70.0),
        }
    }

    /// The leftmost column the kind may take, so that sources without inputs of a
    /// later kind (a function nothing calls) still sit right of the triggers.
    pub(super) fn min_layer(self) -> usize {
        match self {
            NodeKind::Trigger(_) => 0,
            _ => 1,
        }
    }
}

/// What a trigger sends, as its `TriggerSpec` variant says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    Http,
    Async,
    Producer,
    Schedule,
    Events,
    Upload,
    Writes,
    Workflow,
}

impl TriggerKind {
    pub fn of(spec: &TriggerSpec) -> TriggerKind {
        match spec {
            TriggerSpec::Http { .. } => TriggerKind::Http,
            TriggerSpec::Async { .. } => TriggerKind::Async,
            TriggerSpec::Producer { .. } => TriggerKind::Producer,
            TriggerSpec::Schedule { .. } => TriggerKind::Schedule,
            TriggerSpec::Events { .. } => TriggerKind::Events,
            TriggerSpec::Upload { .. } => TriggerKind::Upload,
            TriggerSpec::Writes { .. } => TriggerKind::Writes,
            TriggerSpec::Workflow { .. } => TriggerKind::Workflow,
        }
    }

    /// The kind in a word or two (the node's subtitle).
    pub fn word(self) -> &'static str {
        match self {
            TriggerKind::Http => "HTTP",
            TriggerKind::Async => "async events",
            TriggerKind::Producer => "producer",
            TriggerKind::Schedule => "schedule",
            TriggerKind::Events => "bus events",
            TriggerKind::Upload => "uploads",
            TriggerKind::Writes => "table writes",
            TriggerKind::Workflow => "workflow starts",
        }
    }

    /// What it does, in a phrase (the details window).
    pub fn description(self) -> &'static str {
        match self {
            TriggerKind::Http => "HTTP (synchronous: the client waits)",
            TriggerKind::Async => "asynchronous events (queued by the platform, retried on failure)",
            TriggerKind::Producer => "a producer of queue messages",
            TriggerKind::Schedule => "a schedule (asynchronous invocations at set times)",
            TriggerKind::Events => "events published on a bus",
            TriggerKind::Upload => "uploads into a bucket (each one an event)",
            TriggerKind::Writes => "writes to a table whose changes flow into a stream",
            TriggerKind::Workflow => "starts of a workflow's executions",
        }
    }

    /// Whether a caller waits for the answer (and so sees latency and 429s).
    pub fn synchronous(self) -> bool {
        self == TriggerKind::Http
    }
}

/// The node kind showing what a trigger sends to.
pub fn target_node_kind(kind: TargetKind) -> NodeKind {
    match kind {
        TargetKind::Function => NodeKind::Function,
        TargetKind::Queue => NodeKind::Queue,
        TargetKind::Bus => NodeKind::Bus,
        TargetKind::Bucket => NodeKind::Bucket,
        TargetKind::Stream => NodeKind::Stream,
        TargetKind::Workflow => NodeKind::Workflow,
    }
}

/// One node: its kind and the index of the thing it shows in the simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub index: usize,
    pub name: String,
}

/// Nodes of one kind drawn at most: past it the topology draws the first ones and says
/// how many it leaves out, while the run and every number count them all. 20 000
/// functions drawn took the app two minutes to open and 3 GB, as a grey wall; 250 of
/// a kind still fit a screen as a readable grid.
pub const MAX_DRAWN_PER_KIND: usize = 250;

/// Nodes and directed edges (from, to) along the data flow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<(usize, usize)>,
    /// Kinds with more nodes than are drawn: (the kind's plural, how many there are).
    pub left_out: Vec<(&'static str, usize)>,
}

impl Graph {
    pub fn from_config(config: &SimConfig) -> Graph {
        let mut graph = Graph::default();
        let add_all = |graph: &mut Graph,
                       kind: NodeKind,
                       plural: &'static str,
                       names: &mut dyn ExactSizeIterator<Item = &str>| {
            if names.len() > MAX_DRAWN_PER_KIND {
                graph.left_out.push((plural, names.len()));
            }
            for (index, name) in names.take(MAX_DRAWN_PER_KIND).enumerate() {
                graph.nodes.push(Node { kind, index, name: name.to_string() });
            }
        };
        add_all(&mut graph, NodeKind::Function, "functions", &mut config.functions.iter().map(|f| f.name.as_str()));
        add_all(&mut graph, NodeKind::Queue, "queues", &mut config.queues.iter().map(|q| q.name.as_str()));
        add_all(&mut graph, NodeKind::Database, "databases", &mut config.databases.iter().map(|d| d.name.as_str()));
        add_all(&mut graph, NodeKind::Bus, "buses", &mut config.buses.iter().map(|b| b.name.as_str()));
        add_all(&mut graph, NodeKind::Bucket, "buckets", &mut config.buckets.iter().map(|b| b.name.as_str()));
        add_all(&mut graph, NodeKind::Stream, "streams", &mut config.streams.iter().map(|s| s.name.as_str()));
        add_all(&mut graph, NodeKind::Workflow, "workflows", &mut config.workflows.iter().map(|w| w.name.as_str()));
        add_all(&mut graph, NodeKind::Api, "third-party APIs", &mut config.apis.iter().map(|a| a.name.as_str()));
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
        if config.triggers.len() > MAX_DRAWN_PER_KIND {
            graph.left_out.push(("triggers", config.triggers.len()));
        }
        for (i, t) in config.triggers.iter().enumerate().take(MAX_DRAWN_PER_KIND) {
            let id = graph.nodes.len();
            let kind = NodeKind::Trigger(TriggerKind::of(t));
            graph.nodes.push(Node { kind, index: i, name: t.name().to_string() });
            link(&graph, Some(id), target_node_kind(t.target_kind()), t.target());
        }
        for f in config.functions.iter().take(MAX_DRAWN_PER_KIND) {
            let me = find(&graph, NodeKind::Function, &f.name);
            for call in &f.calls {
                match call {
                    Call::Query { database, .. } => link(&graph, me, NodeKind::Database, database),
                    Call::Send { queue, .. } => link(&graph, me, NodeKind::Queue, queue),
                    Call::Publish { bus, .. } => link(&graph, me, NodeKind::Bus, bus),
                    Call::Put { bucket, .. } => link(&graph, me, NodeKind::Bucket, bucket),
                    Call::TmpFile { from, .. } => link(&graph, me, NodeKind::Bucket, from),
                    Call::Write { stream } => link(&graph, me, NodeKind::Stream, stream),
                    Call::Invoke { function, .. } => link(&graph, me, NodeKind::Function, function),
                    Call::Api { api, .. } => link(&graph, me, NodeKind::Api, api),
                    Call::Log { .. } => {}
                }
            }
            if let Some(q) = &f.on_failure {
                link(&graph, me, NodeKind::Queue, q);
            }
        }
        for q in config.queues.iter().take(MAX_DRAWN_PER_KIND) {
            let me = find(&graph, NodeKind::Queue, &q.name);
            if let Some(c) = &q.consumer {
                link(&graph, me, NodeKind::Function, &c.function);
            }
            if let Some(d) = &q.dlq {
                link(&graph, me, NodeKind::Queue, d);
            }
        }
        for b in config.buses.iter().take(MAX_DRAWN_PER_KIND) {
            let me = find(&graph, NodeKind::Bus, &b.name);
            for target in b.rules.iter().flat_map(|r| r.targets.iter()) {
                match target {
                    BusTarget::Function(f) => link(&graph, me, NodeKind::Function, f),
                    BusTarget::Queue(q) => link(&graph, me, NodeKind::Queue, q),
                    BusTarget::Workflow(w) => link(&graph, me, NodeKind::Workflow, w),
                }
            }
        }
        for b in config.buckets.iter().take(MAX_DRAWN_PER_KIND) {
            if let Some(f) = &b.notify {
                link(&graph, find(&graph, NodeKind::Bucket, &b.name), NodeKind::Function, f);
            }
        }
        for s in config.streams.iter().take(MAX_DRAWN_PER_KIND) {
            if let Some(c) = &s.consumer {
                link(&graph, find(&graph, NodeKind::Stream, &s.name), NodeKind::Function, &c.function);
            }
        }
        for w in config.workflows.iter().take(MAX_DRAWN_PER_KIND) {
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
    #[cfg(test)]
    pub fn find(&self, kind: NodeKind, index: usize) -> Option<usize> {
        self.nodes.iter().position(|n| n.kind == kind && n.index == index)
    }

    /// For each of `functions` functions, the first edge into its node (an index into
    /// `edges`), where it is drawn: what `find` and a search of the edges give, in one
    /// pass over each (a frame of 20 000 functions searched the nodes once a function).
    pub fn first_edge_into_each_function(&self, functions: usize) -> Vec<Option<usize>> {
        let mut first_into = vec![None; self.nodes.len()];
        for (e, &(_, to)) in self.edges.iter().enumerate() {
            first_into[to].get_or_insert(e);
        }
        let mut inlets = vec![None; functions];
        for (k, node) in self.nodes.iter().enumerate().rev() {
            if node.kind == NodeKind::Function
                && let Some(inlet) = inlets.get_mut(node.index)
            {
                // Visited last to first: the first node of a function is the one kept.
                *inlet = first_into[k];
            }
        }
        inlets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every trigger's node has the trigger's own kind, and one edge, to the node of
    /// the service or function it names (found by kind and name, and by index).
    fn assert_triggers_drawn_as_written(config: &SimConfig, what: &str) {
        let graph = Graph::from_config(config);
        for (i, t) in config.triggers.iter().enumerate() {
            let node = graph.nodes.iter().position(|n| matches!(n.kind, NodeKind::Trigger(_)) && n.index == i);
            let node = node.unwrap_or_else(|| panic!("{what}: no node for trigger {}", t.name()));
            assert_eq!(graph.nodes[node].kind, NodeKind::Trigger(TriggerKind::of(t)), "{what}: {}", t.name());
            assert_eq!(graph.nodes[node].name, t.name());
            let out: Vec<usize> = graph.edges.iter().filter(|e| e.0 == node).map(|e| e.1).collect();
            let [target] = out[..] else { panic!("{what}: trigger {} has edges to {out:?}", t.name()) };
            let target = &graph.nodes[target];
            assert_eq!((target.kind, target.name.as_str()), (target_node_kind(t.target_kind()), t.target()), "{what}");
            let names = match t.target_kind() {
                TargetKind::Function => config.functions.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                TargetKind::Queue => config.queues.iter().map(|q| q.name.clone()).collect(),
                TargetKind::Bus => config.buses.iter().map(|b| b.name.clone()).collect(),
                TargetKind::Bucket => config.buckets.iter().map(|b| b.name.clone()).collect(),
                TargetKind::Stream => config.streams.iter().map(|s| s.name.clone()).collect(),
                TargetKind::Workflow => config.workflows.iter().map(|w| w.name.clone()).collect(),
            };
            assert_eq!(
                names.get(target.index),
                Some(&target.name),
                "{what}: {} points at its target's index",
                t.name()
            );
        }
    }

    #[test]
    fn every_library_trigger_is_drawn_with_its_kind_and_an_edge_to_its_target() {
        let mut kinds = Vec::new();
        for (name, _) in crate::scenario::LIBRARY {
            let scenario = crate::scenario::built_in(name).expect("in the library").expect("valid");
            assert_triggers_drawn_as_written(&scenario.config, name);
            kinds.extend(scenario.config.triggers.iter().map(|t| TriggerKind::of(t)));
        }
        for kind in [TriggerKind::Http, TriggerKind::Producer, TriggerKind::Upload, TriggerKind::Workflow] {
            assert!(kinds.contains(&kind), "the library has a {kind:?} trigger");
        }
    }

    #[test]
    fn every_third_party_api_called_is_a_node_with_an_edge_from_its_caller() {
        let mut calls = 0;
        for (name, _) in crate::scenario::LIBRARY {
            let config = crate::scenario::built_in(name).expect("in the library").expect("valid").config;
            let graph = Graph::from_config(&config);
            for (f, spec) in config.functions.iter().enumerate() {
                for call in &spec.calls {
                    let Call::Api { api, .. } = call else { continue };
                    calls += 1;
                    let to = graph.nodes.iter().position(|n| n.kind == NodeKind::Api && n.name == *api);
                    let from = graph.find(NodeKind::Function, f);
                    assert!(to.is_some() && graph.edges.contains(&(from.unwrap(), to.unwrap())), "{name}: {api}");
                }
            }
        }
        assert!(calls > 0, "the library calls a third-party API somewhere");
    }

    #[test]
    fn bus_events_and_table_writes_point_at_their_bus_and_stream() {
        // The library has neither: add them to a scenario with a bus, and a stream.
        let mut config =
            crate::scenario::built_in("orchestration-vs-choreography").expect("in the library").expect("valid").config;
        let bus = config.buses[0].name.clone();
        config.streams.push(ron::from_str(r#"(name: "changes")"#).expect("a stream"));
        for text in [
            format!(
                r#"Events(name: "partners", bus: "{bus}", detail_type: "OrderPlaced", arrivals: Poisson(rate: 1.0))"#
            ),
            r#"Writes(name: "table", stream: "changes", arrivals: Poisson(rate: 1.0))"#.to_string(),
        ] {
            config.triggers.push(ron::from_str(&text).expect("a trigger"));
        }
        assert_triggers_drawn_as_written(&config, "with bus events and table writes");
        let kinds: Vec<NodeKind> = Graph::from_config(&config).nodes.iter().map(|n| n.kind).collect();
        assert!(kinds.contains(&NodeKind::Trigger(TriggerKind::Events)));
        assert!(kinds.contains(&NodeKind::Trigger(TriggerKind::Writes)));
    }

    /// `first_edge_into_each_function` gives what searching the nodes and edges for each
    /// function gives.
    fn assert_first_edges_as_searched(graph: &Graph, functions: usize) {
        let searched: Vec<Option<(usize, usize)>> = (0..functions)
            .map(|f| {
                let node = graph.find(NodeKind::Function, f)?;
                let &(from, _) = graph.edges.iter().find(|e| e.1 == node)?;
                Some((from, node))
            })
            .collect();
        let found: Vec<Option<(usize, usize)>> =
            graph.first_edge_into_each_function(functions).into_iter().map(|e| e.map(|e| graph.edges[e])).collect();
        assert_eq!(found, searched);
    }

    #[test]
    fn each_function_s_first_edge_is_found_in_one_pass_as_by_searching() {
        let mut with_an_edge = 0;
        for (name, _) in crate::scenario::LIBRARY {
            let config = crate::scenario::built_in(name).unwrap().unwrap().config;
            let graph = Graph::from_config(&config);
            assert_first_edges_as_searched(&graph, config.functions.len());
            with_an_edge += graph.first_edge_into_each_function(config.functions.len()).iter().flatten().count();
        }
        assert!(with_an_edge > 50, "the library's functions mostly have an edge in: {with_an_edge}");
    }

    #[test]
    fn past_the_limit_the_first_nodes_of_a_kind_are_drawn_and_the_rest_counted() {
        // 600 functions, each with a trigger, and 3 queues: the first 250 functions and
        // triggers are drawn, each trigger with its edge; the queues all are.
        let n = 600;
        let functions: Vec<String> =
            (0..n).map(|i| format!("(name: \"f{i}\", runtime: Nodejs, duration: Constant(value: \"10ms\"))")).collect();
        let triggers: Vec<String> =
            (0..n).map(|i| format!("Http(name: \"t{i}\", target: \"f{i}\", arrivals: Poisson(rate: 0.1))")).collect();
        let queues = ["a", "b", "c"].map(|q| format!("(name: \"{q}\")")).join(", ");
        let text = format!(
            "Scenario(name: \"wide\", duration: \"1m\", functions: [{}], queues: [{queues}], triggers: [{}])",
            functions.join(", "),
            triggers.join(", ")
        );
        let config = crate::scenario::Scenario::parse(&text, "wide").unwrap().config;
        let graph = Graph::from_config(&config);
        let of = |kind: fn(&NodeKind) -> bool| graph.nodes.iter().filter(|n| kind(&n.kind)).count();
        assert_eq!(of(|k| *k == NodeKind::Function), MAX_DRAWN_PER_KIND);
        assert_eq!(of(|k| matches!(k, NodeKind::Trigger(_))), MAX_DRAWN_PER_KIND);
        assert_eq!(of(|k| *k == NodeKind::Queue), 3);
        assert_eq!(graph.left_out, vec![("functions", n), ("triggers", n)]);
        assert_eq!(graph.edges.len(), MAX_DRAWN_PER_KIND);
        for &(from, to) in &graph.edges {
            assert_eq!(graph.nodes[from].index, graph.nodes[to].index, "trigger i sends to function i");
        }
        assert_eq!(graph.find(NodeKind::Function, MAX_DRAWN_PER_KIND - 1).map(|k| graph.nodes[k].index), Some(249));
        assert_eq!(graph.find(NodeKind::Function, MAX_DRAWN_PER_KIND), None);
        assert_first_edges_as_searched(&graph, n);
        assert_eq!(
            super::super::left_out::left_out_line(&graph.left_out).as_deref(),
            Some(
                "Drawn: the first 250 of 600 functions and 250 of 600 triggers.\nThe run, the numbers and the charts count them all."
            )
        );
        // A library scenario is drawn whole.
        assert!(Graph::from_config(&crate::scenario::Scenario::default_scenario().config).left_out.is_empty());
        assert_eq!(super::super::left_out::left_out_line(&[]), None);
    }
}
