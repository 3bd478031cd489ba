//! Loops in the wiring: a function whose work can come back to it through queues, buses,
//! buckets, streams, workflows and invokes. Such a loop is legal (AWS runs it, and stops
//! the chain after about 16 invocations with its recursive loop detection; so does the
//! simulation), but almost always a bug: `check` warns about each one, naming a cycle.
//! Strongly connected components (Tarjan, iterative): linear in the size of the wiring.

use crate::sim::config::{Problem, SimConfig};
use crate::sim::function::Call;
use crate::sim::names::NameIndex;
use crate::sim::services::bus::BusTarget;
use std::collections::HashSet;

/// What a node of the wiring graph is (its index among its kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Function(u32),
    Queue(u32),
    Bucket(u32),
    Stream(u32),
    Workflow(u32),
}

struct Graph {
    nodes: Vec<Node>,
    /// Edges of node i: (target, the bus it goes through, if any).
    edges: Vec<Vec<(usize, Option<u32>)>>,
}

impl Graph {
    fn of(config: &SimConfig) -> Graph {
        let f = config.functions.len();
        let (q, b, s) = (config.queues.len(), config.buckets.len(), config.streams.len());
        let function = |i: u32| i as usize;
        let queue = |i: u32| f + i as usize;
        let bucket = |i: u32| f + q + i as usize;
        let stream = |i: u32| f + q + b + i as usize;
        let workflow = |i: u32| f + q + b + s + i as usize;
        let mut nodes: Vec<Node> = (0..f as u32).map(Node::Function).collect();
        nodes.extend((0..q as u32).map(Node::Queue));
        nodes.extend((0..b as u32).map(Node::Bucket));
        nodes.extend((0..s as u32).map(Node::Stream));
        nodes.extend((0..config.workflows.len() as u32).map(Node::Workflow));
        let mut edges = vec![Vec::new(); nodes.len()];
        let functions = NameIndex::of(&config.functions);
        let queues = NameIndex::of(&config.queues);
        let buckets = NameIndex::of(&config.buckets);
        let streams = NameIndex::of(&config.streams);
        let workflows = NameIndex::of(&config.workflows);
        let buses = NameIndex::of(&config.buses);
        for (i, spec) in config.functions.iter().enumerate() {
            let out = &mut edges[i];
            for call in &spec.calls {
                match call {
                    Call::Send { queue: name, .. } => out.extend(queues.get(name).map(|k| (queue(k), None))),
                    // A result written to /tmp never reaches the bucket; a TmpFile only reads one.
                    Call::Put { to_tmp: true, .. } | Call::TmpFile { .. } => {}
                    Call::Put { bucket: name, .. } => out.extend(buckets.get(name).map(|k| (bucket(k), None))),
                    Call::Write { stream: name } => out.extend(streams.get(name).map(|k| (stream(k), None))),
                    Call::Invoke { function: name, .. } => out.extend(functions.get(name).map(|k| (function(k), None))),
                    // Outside the wiring: nothing comes back from them.
                    Call::Query { .. } | Call::Api { .. } | Call::Log { .. } => {}
                    Call::Publish { bus: name, detail_type } => {
                        let Some(k) = buses.get(name) else { continue };
                        // Only the rules this function's events match.
                        for rule in &config.buses[k as usize].rules {
                            if rule.detail_type != *detail_type || rule.source.as_ref().is_some_and(|s| *s != spec.name)
                            {
                                continue;
                            }
                            for target in &rule.targets {
                                let to = match target {
                                    BusTarget::Function(n) => functions.get(n).map(function),
                                    BusTarget::Queue(n) => queues.get(n).map(queue),
                                    BusTarget::Workflow(n) => workflows.get(n).map(workflow),
                                };
                                out.extend(to.map(|t| (t, Some(k))));
                            }
                        }
                    }
                }
            }
            out.extend(spec.on_failure.as_deref().and_then(|n| queues.get(n)).map(|k| (queue(k), None)));
        }
        for (k, spec) in config.queues.iter().enumerate() {
            let out = &mut edges[queue(k as u32)];
            out.extend(spec.consumer.as_ref().and_then(|c| functions.get(&c.function)).map(|i| (function(i), None)));
            out.extend(spec.dlq.as_deref().and_then(|n| queues.get(n)).map(|d| (queue(d), None)));
        }
        for (k, spec) in config.buckets.iter().enumerate() {
            let out = &mut edges[bucket(k as u32)];
            out.extend(spec.notify.as_deref().and_then(|n| functions.get(n)).map(|i| (function(i), None)));
        }
        for (k, spec) in config.streams.iter().enumerate() {
            let out = &mut edges[stream(k as u32)];
            out.extend(spec.consumer.as_ref().and_then(|c| functions.get(&c.function)).map(|i| (function(i), None)));
        }
        for (k, spec) in config.workflows.iter().enumerate() {
            let mut named = Vec::new();
            crate::sim::services::workflow::functions_named(&spec.steps, &mut named);
            let out = &mut edges[workflow(k as u32)];
            let mut seen = HashSet::new();
            for name in named {
                if let Some(i) = functions.get(&name)
                    && seen.insert(i)
                {
                    out.push((function(i), None));
                }
            }
        }
        Graph { nodes, edges }
    }

    /// The strongly connected components with a cycle (more than one node, or a node
    /// with an edge to itself), each as its nodes in increasing order.
    fn cycles(&self) -> Vec<Vec<usize>> {
        let n = self.nodes.len();
        const NONE: usize = usize::MAX;
        let (mut index, mut low, mut on_stack) = (vec![NONE; n], vec![0; n], vec![false; n]);
        let (mut stack, mut out, mut next) = (Vec::new(), Vec::new(), 0);
        for root in 0..n {
            if index[root] != NONE {
                continue;
            }
            // (node, next edge to look at)
            let mut work = vec![(root, 0usize)];
            index[root] = next;
            low[root] = next;
            next += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut e)) = work.last_mut() {
                if let Some(&(w, _)) = self.edges[v].get(*e) {
                    *e += 1;
                    if index[w] == NONE {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let looped = component.len() > 1 || self.edges[v].iter().any(|&(w, _)| w == v);
                    if looped {
                        component.sort_unstable();
                        out.push(component);
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// One cycle through the first node of `component`: a shortest path back to it
    /// (breadth first, inside the component). Nodes with the bus each edge went through.
    fn a_cycle(&self, component: &[usize]) -> Vec<(usize, Option<u32>)> {
        let inside: HashSet<usize> = component.iter().copied().collect();
        let start = component[0];
        let mut came_from: std::collections::HashMap<usize, (usize, Option<u32>)> = Default::default();
        let mut frontier = std::collections::VecDeque::from([start]);
        while let Some(v) = frontier.pop_front() {
            for &(w, via) in &self.edges[v] {
                if !inside.contains(&w) || came_from.contains_key(&w) {
                    continue;
                }
                came_from.insert(w, (v, via));
                if w == start {
                    frontier.clear();
                    break;
                }
                frontier.push_back(w);
            }
        }
        // Walk back from the start to itself.
        let mut path = Vec::new();
        let mut at = start;
        while let Some(&(from, via)) = came_from.get(&at) {
            path.push((at, via));
            at = from;
            if at == start {
                break;
            }
        }
        path.push((start, None));
        path.reverse();
        path
    }

    fn describe(&self, config: &SimConfig, node: usize) -> String {
        let quoted = |name: &str| crate::sim::names::quoted(name);
        match self.nodes[node] {
            Node::Function(i) => format!("function {}", quoted(&config.functions[i as usize].name)),
            Node::Queue(i) => format!("queue {}", quoted(&config.queues[i as usize].name)),
            Node::Bucket(i) => format!("bucket {}", quoted(&config.buckets[i as usize].name)),
            Node::Stream(i) => format!("stream {}", quoted(&config.streams[i as usize].name)),
            Node::Workflow(i) => format!("workflow {}", quoted(&config.workflows[i as usize].name)),
        }
    }

    fn path_of(&self, node: usize) -> String {
        match self.nodes[node] {
            Node::Function(i) => format!("functions[{i}]"),
            Node::Queue(i) => format!("queues[{i}]"),
            Node::Bucket(i) => format!("buckets[{i}]"),
            Node::Stream(i) => format!("streams[{i}]"),
            Node::Workflow(i) => format!("workflows[{i}]"),
        }
    }
}

impl SimConfig {
    /// Warnings: things that run but are almost surely mistakes. Today, loops in the
    /// wiring, one warning per loop (positioned at its first node), naming a cycle.
    pub fn warnings(&self) -> Vec<Problem> {
        let graph = Graph::of(self);
        graph
            .cycles()
            .iter()
            .map(|component| {
                let cycle = graph.a_cycle(component);
                // At most 8 steps are named; a long loop is cut in the middle.
                const NAMED: usize = 8;
                let steps = cycle.len() - 1;
                let shown: Vec<usize> =
                    if steps <= NAMED { (0..cycle.len()).collect() } else { (0..NAMED - 2).chain([steps]).collect() };
                let mut text = String::new();
                for (k, &at) in shown.iter().enumerate() {
                    let (node, via) = cycle[at];
                    if k > 0 {
                        text += if at == shown[k - 1] + 1 { " -> " } else { " -> ... -> " };
                        if let (Some(bus), true) = (via, at == shown[k - 1] + 1) {
                            text += &format!("(bus {}) ", crate::sim::names::quoted(&self.buses[bus as usize].name));
                        }
                    }
                    text += &graph.describe(self, node);
                }
                let named = shown.len() - 1;
                let more = component.len().saturating_sub(named);
                let more = if more > 0 { format!(" ({more} more nodes in the same loop)") } else { String::new() };
                Problem {
                    path: graph.path_of(cycle[0].0),
                    message: format!(
                        "a loop: {text}{more}. Each event can trigger the next one forever; AWS Lambda's recursive loop detection stops such a chain after about 16 invocations (so does the run, and the report counts them), but the wiring is almost surely a bug"
                    ),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::Scenario;

    fn warnings(text: &str) -> Vec<String> {
        let s = Scenario::parse(text, "t").unwrap();
        s.config.warnings().into_iter().map(|p| format!("{}: {}", p.path, p.message)).collect()
    }

    const HEAD: &str = r#"name: "loops", duration: "1m","#;

    #[test]
    fn every_kind_of_loop_is_found_and_named() {
        let queue = format!(
            r#"Scenario({HEAD} functions: [(name: "w", runtime: Go, duration: Constant(value: "1ms"), calls: [Send(queue: "jobs"), Send(queue: "jobs")])],
            queues: [(name: "jobs", consumer: (function: "w"))])"#
        );
        let w = warnings(&queue);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with(r#"functions[0]: a loop: function "w" -> queue "jobs" -> function "w""#), "{w:?}");

        let bus = format!(
            r#"Scenario({HEAD} functions: [
                (name: "a", runtime: Go, duration: Constant(value: "1ms"), calls: [Publish(bus: "b", detail_type: "X")]),
                (name: "c", runtime: Go, duration: Constant(value: "1ms"), calls: [Publish(bus: "b", detail_type: "Y")])],
            buses: [(name: "b", rules: [(detail_type: "X", targets: [Function("a")]), (detail_type: "Z", targets: [Function("c")])])])"#
        );
        let w = warnings(&bus);
        assert_eq!(w.len(), 1, "only a's rule matches its own events: {w:?}");
        assert!(w[0].contains(r#"function "a" -> (bus "b") function "a""#), "{w:?}");

        let chain = format!(
            r#"Scenario({HEAD} functions: [
                (name: "a", runtime: Go, duration: Constant(value: "1ms"), calls: [Invoke(function: "b", asynchronous: true)]),
                (name: "b", runtime: Go, duration: Constant(value: "1ms"), calls: [Put(bucket: "up"), Write(stream: "s")]),
                (name: "c", runtime: Go, duration: Constant(value: "1ms"), calls: [Publish(bus: "e", detail_type: "T")])],
            buckets: [(name: "up", notify: "a")],
            streams: [(name: "s", consumer: (function: "c"))],
            buses: [(name: "e", rules: [(detail_type: "T", targets: [Workflow("flow")])])],
            workflows: [(name: "flow", steps: [Task(name: "t", function: "a")])])"#
        );
        let w = warnings(&chain);
        assert_eq!(w.len(), 1, "one loop of six nodes: {w:?}");
        assert!(w[0].contains(r#"function "a" -> function "b" -> bucket "up" -> function "a""#), "{w:?}");
        assert!(w[0].contains("more nodes in the same loop"), "{w:?}");
    }

    #[test]
    fn the_library_has_no_loops_and_a_long_chain_is_linear() {
        for (name, text) in crate::scenario::LIBRARY {
            let s = Scenario::parse(text, name).unwrap();
            assert!(s.config.warnings().is_empty(), "{name}: {:?}", s.config.warnings());
        }
        // 100 000 functions in one ring: found at once, without deep recursion.
        let mut config = Scenario::parse(&format!(r#"Scenario({HEAD} functions: [])"#), "t").unwrap().config;
        let n = 100_000;
        for i in 0..n {
            let mut f = crate::sim::function::FunctionSpec::new(
                &format!("f{i}"),
                crate::sim::function::Runtime::Go,
                128,
                crate::sim::kernel::dist::Dist::constant(crate::sim::kernel::time::SimDuration::from_millis(1)),
            );
            let next = format!("f{}", (i + 1) % n);
            f.calls.push(crate::sim::function::Call::Invoke { function: next, asynchronous: true });
            config.functions.push(f.into());
        }
        let started = std::time::Instant::now();
        let w = config.warnings();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].message.contains("-> ... ->") && w[0].message.contains("(99994 more nodes in the same loop)"),
            "{}",
            w[0].message
        );
        assert!(started.elapsed().as_secs_f64() < 5.0);
    }
}
