//! Which wirings mean something, what each writes into the design, and the canvas's
//! wires read back from it. A refused wiring says what its source may be wired to.

use super::{DesignDoc, Edge, Kind, Node, Owner};
use crate::scenario::brief::{Connect, unwired_name};
use crate::sim::function::Call;
use crate::sim::kernel::time::{SimDuration, parse_duration};
use crate::sim::names::quoted;
use crate::sim::services::bus::{BusTarget, RuleSpec};
use crate::sim::services::queue::ConsumerSpec;
use crate::sim::services::stream::StreamConsumerSpec;
use crate::sim::trigger::{TargetKind, TriggerSpec};

/// What a node may be wired to, in words (for a refused wiring's message).
fn allowed(doc: &DesignDoc, from: &Node, owner: Owner) -> String {
    match (from.kind, owner) {
        (Kind::Trigger, _) => match trigger_target(doc, &from.name) {
            Some(kind) => format!("a trigger is wired to what it sends to: here a {}", kind.noun()),
            None => "this trigger already has its target".into(),
        },
        (Kind::Bucket, _) => "a bucket is wired to the function its new objects notify".into(),
        (Kind::Stream, _) => "a stream is wired to the function that consumes it".into(),
        (Kind::Function, Owner::Design) => {
            "a function is wired to what it calls: a queue (Send), a bus (Publish), a bucket (Put), a database (Query), an API (Api), a stream (Write) or another function (Invoke)".into()
        }
        (Kind::Queue, Owner::Design) => {
            "a queue is wired to the function that consumes it, or to another queue (its dead-letter queue)".into()
        }
        (Kind::Bus, Owner::Design) => "a bus is wired to a rule's target: a function, a queue or a workflow".into(),
        (Kind::Database | Kind::Api, _) => {
            format!("a {} is only called: wire a function to it", from.kind.noun())
        }
        (Kind::Workflow, _) => "a workflow's steps are written in its file".into(),
        (_, Owner::Brief) => format!(
            "the brief's {} is fixed: of the brief's parts only its triggers, buckets and streams are wired",
            from.label()
        ),
    }
}

/// Whether a brief's trigger waits for the design to connect it (its target empty, or
/// the stand-in an unconnected trigger is given).
fn unconnected(t: &TriggerSpec) -> bool {
    t.target().is_empty() || t.target() == unwired_name(t.name())
}

/// The kind of node an unconnected trigger of the brief sends to (None: it has its target).
fn trigger_target(doc: &DesignDoc, name: &str) -> Option<Kind> {
    let t = doc.brief.config.triggers.iter().find(|t| t.name() == name)?;
    unconnected(t).then(|| t.target_kind().into())
}

pub(super) fn wire(doc: &mut DesignDoc, from: &Node, to: &Node) -> Result<(), String> {
    let from_owner = doc.owner(from).ok_or_else(|| format!("there is no {} to wire from", from.label()))?;
    doc.owner(to).ok_or_else(|| format!("there is no {} to wire to", to.label()))?;
    let refuse = |doc: &DesignDoc| {
        Err(format!("cannot wire {} to {}: {}", from.label(), to.label(), allowed(doc, from, from_owner)))
    };
    let design = from_owner == Owner::Design;
    match (from.kind, to.kind) {
        // The brief's parts: a connect.
        (Kind::Trigger, k) if !design => {
            if trigger_target(doc, &from.name) != Some(k) {
                return refuse(doc);
            }
            set_connect(doc, &from.name, &to.name);
        }
        (Kind::Bucket | Kind::Stream, Kind::Function) if !design => set_connect(doc, &from.name, &to.name),
        // The design's own.
        (Kind::Trigger, k) if design => {
            let i = doc.design_index(from).expect("the design's");
            if doc.parts().triggers[i].target_kind() != kind_as_target(k) {
                return refuse(doc);
            }
            *doc.parts_mut().triggers[i].target_mut() = to.name.clone();
        }
        (Kind::Function, k) if design => {
            let call = match k {
                Kind::Queue => Call::Send { queue: to.name.clone(), count: 1 },
                Kind::Bus => {
                    let detail_type = doc.expected_detail_type(&to.name).unwrap_or_else(|| "Event".into());
                    Call::Publish { bus: to.name.clone(), detail_type }
                }
                Kind::Bucket => Call::Put { bucket: to.name.clone(), size_kb: 100.0, to_tmp: false },
                Kind::Database => {
                    Call::Query { database: to.name.clone(), count: 1, write: doc.expects_rows(&to.name) }
                }
                Kind::Api => {
                    Call::Api { api: to.name.clone(), retries: 0, backoff: SimDuration::from_secs(1), cache: None }
                }
                Kind::Stream => Call::Write { stream: to.name.clone() },
                Kind::Function => Call::Invoke { function: to.name.clone(), asynchronous: false },
                _ => return refuse(doc),
            };
            let i = doc.design_index(from).expect("the design's");
            doc.parts_mut().functions[i].calls.push(call);
        }
        (Kind::Queue, Kind::Function) if design => {
            let i = doc.design_index(from).expect("the design's");
            let q = &mut doc.parts_mut().queues[i];
            match &mut q.consumer {
                Some(c) => c.function = to.name.clone(),
                None => q.consumer = Some(default_consumer(&to.name)),
            }
        }
        (Kind::Queue, Kind::Queue) if design && from != to => {
            let i = doc.design_index(from).expect("the design's");
            doc.parts_mut().queues[i].dlq = Some(to.name.clone());
        }
        (Kind::Bucket, Kind::Function) if design => {
            let i = doc.design_index(from).expect("the design's");
            doc.parts_mut().buckets[i].notify = Some(to.name.clone());
        }
        (Kind::Stream, Kind::Function) if design => {
            let i = doc.design_index(from).expect("the design's");
            let s = &mut doc.parts_mut().streams[i];
            match &mut s.consumer {
                Some(c) => c.function = to.name.clone(),
                None => {
                    s.consumer = Some(StreamConsumerSpec {
                        function: to.name.clone(),
                        batch_size: 100,
                        bisect_on_error: false,
                        max_retries: None,
                        on_failure: None,
                    })
                }
            }
        }
        (Kind::Bus, k @ (Kind::Function | Kind::Queue | Kind::Workflow)) if design => {
            let published = published_types(doc, &from.name);
            let Some(detail_type) = published.first().cloned() else {
                return Err(format!(
                    "cannot wire {} to {} yet: a rule matches a detail type, and no function publishes on it (wire a function to the bus first)",
                    from.label(),
                    to.label()
                ));
            };
            let target = match k {
                Kind::Function => BusTarget::Function(to.name.clone()),
                Kind::Queue => BusTarget::Queue(to.name.clone()),
                _ => BusTarget::Workflow(to.name.clone()),
            };
            let i = doc.design_index(from).expect("the design's");
            let bus = &mut doc.parts_mut().buses[i];
            match bus.rules.iter_mut().find(|r| r.detail_type == detail_type && r.source.is_none()) {
                Some(rule) => rule.targets.push(target),
                None => bus.rules.push(RuleSpec { detail_type, source: None, targets: vec![target] }),
            }
        }
        _ => return refuse(doc),
    }
    Ok(())
}

fn kind_as_target(k: Kind) -> TargetKind {
    match k {
        Kind::Queue => TargetKind::Queue,
        Kind::Bus => TargetKind::Bus,
        Kind::Bucket => TargetKind::Bucket,
        Kind::Stream => TargetKind::Stream,
        Kind::Workflow => TargetKind::Workflow,
        _ => TargetKind::Function,
    }
}

/// A queue's consumer with the format's defaults.
fn default_consumer(function: &str) -> ConsumerSpec {
    ron::from_str(&format!("(function: {})", quoted(function))).expect("a consumer needs only its function (tested)")
}

fn set_connect(doc: &mut DesignDoc, from: &str, to: &str) {
    let connect = &mut doc.parts_mut().connect;
    match connect.iter_mut().find(|c| c.from == from) {
        Some(c) => c.to = to.to_string(),
        None => connect.push(Connect { from: from.to_string(), to: to.to_string(), ..Connect::default() }),
    }
}

/// The detail types the design's functions publish on `bus`, in order.
fn published_types(doc: &DesignDoc, bus: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in &doc.parts().functions {
        for c in &f.calls {
            if let Call::Publish { bus: b, detail_type } = c
                && b == bus
                && !out.contains(detail_type)
            {
                out.push(detail_type.clone());
            }
        }
    }
    out
}

/// The node a call goes to.
/// The node a call goes to (none for a `Log` step: it stays in the handler).
pub(super) fn call_target(call: &Call) -> Option<Node> {
    Some(match call {
        Call::Query { database, .. } => Node::new(Kind::Database, database),
        Call::Send { queue, .. } => Node::new(Kind::Queue, queue),
        Call::Publish { bus, .. } => Node::new(Kind::Bus, bus),
        Call::Write { stream } => Node::new(Kind::Stream, stream),
        Call::Put { bucket, .. } => Node::new(Kind::Bucket, bucket),
        Call::TmpFile { from, .. } => Node::new(Kind::Bucket, from),
        Call::Invoke { function, .. } => Node::new(Kind::Function, function),
        Call::Api { api, .. } => Node::new(Kind::Api, api),
        Call::Log { .. } => return None,
    })
}

/// "Send", "Publish ImageProcessed", ... (a wire's label).
pub(super) fn call_label(call: &Call) -> String {
    match call {
        Call::Query { write: true, .. } => "Query (write)".into(),
        Call::Query { .. } => "Query".into(),
        Call::Send { .. } => "Send".into(),
        Call::Publish { detail_type, .. } => format!("Publish {detail_type}"),
        Call::Write { .. } => "Write".into(),
        Call::Put { to_tmp: true, .. } => "Put (to /tmp)".into(),
        Call::Put { .. } => "Put".into(),
        Call::TmpFile { .. } => "TmpFile".into(),
        Call::Log { .. } => "Log".into(),
        Call::Invoke { asynchronous: true, .. } => "Invoke (async)".into(),
        Call::Invoke { .. } => "Invoke".into(),
        Call::Api { .. } => "Api".into(),
    }
}

/// A call's settable fields and their values.
pub(super) fn call_fields(call: &Call) -> Vec<(&'static str, String)> {
    match call {
        Call::Query { count, write, .. } => vec![("count", count.to_string()), ("write", on_off(*write))],
        Call::Publish { detail_type, .. } => vec![("detail_type", detail_type.clone())],
        Call::Put { size_kb, to_tmp, .. } => vec![("size_kb", size_kb.to_string()), ("to_tmp", on_off(*to_tmp))],
        Call::TmpFile { size_mb, keep, .. } => vec![("size_mb", size_mb.to_string()), ("keep", on_off(*keep))],
        Call::Invoke { asynchronous, .. } => vec![("asynchronous", on_off(*asynchronous))],
        Call::Api { retries, backoff, .. } => vec![("retries", retries.to_string()), ("backoff", backoff.to_string())],
        Call::Send { .. } | Call::Write { .. } | Call::Log { .. } => Vec::new(),
    }
}

fn on_off(on: bool) -> String {
    if on { "on" } else { "off" }.into()
}

fn toggle(value: &str) -> Result<bool, String> {
    match value.trim() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        other => Err(format!("expected on or off, got {}", quoted(other))),
    }
}

/// Sets one field of a call; the error says what was expected.
pub(super) fn set_call_field(call: &mut Call, field: &str, value: &str) -> Result<(), String> {
    let v = value.trim();
    let count = || v.parse::<u32>().map_err(|_| format!("expected a whole number, got {}", quoted(v)));
    match (call, field) {
        (Call::Query { count: c, .. }, "count") => *c = count()?,
        (Call::Query { write, .. }, "write") => *write = toggle(v)?,
        (Call::Publish { detail_type, .. }, "detail_type") if !v.is_empty() => *detail_type = v.to_string(),
        (Call::Put { size_kb, .. }, "size_kb") => {
            *size_kb = v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| format!("expected a size in KB above 0, got {}", quoted(v)))?
        }
        (Call::Put { to_tmp, .. }, "to_tmp") => *to_tmp = toggle(v)?,
        (Call::TmpFile { keep, .. }, "keep") => *keep = toggle(v)?,
        (Call::Invoke { asynchronous, .. }, "asynchronous") => *asynchronous = toggle(v)?,
        (Call::Api { retries, .. }, "retries") => {
            *retries = v.parse::<u16>().map_err(|_| format!("expected a whole number, got {}", quoted(v)))?
        }
        (Call::Api { backoff, .. }, "backoff") => *backoff = parse_duration(v)?,
        (call, _) => {
            let known: Vec<&str> = call_fields(call).into_iter().map(|(f, _)| f).collect();
            return Err(format!(
                "a {} call has no field {} (it has: {})",
                call_label(call),
                quoted(field),
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            ));
        }
    }
    Ok(())
}

pub(super) fn unwire(doc: &mut DesignDoc, from: &Node, to: &Node) -> Result<(), String> {
    let none = || format!("there is no wire from {} to {}", from.label(), to.label());
    if doc.owner(from) == Some(Owner::Brief) {
        let before = doc.parts().connect.len();
        doc.parts_mut().connect.retain(|c| !(c.from == from.name && c.to == to.name));
        return if doc.parts().connect.len() < before { Ok(()) } else { Err(none()) };
    }
    let i = doc.design_index(from).ok_or_else(none)?;
    let p = doc.parts_mut();
    let removed = match from.kind {
        Kind::Function => {
            let calls = &mut p.functions[i].calls;
            match calls.iter().rposition(|c| call_target(c).as_ref() == Some(to)) {
                Some(k) => {
                    calls.remove(k);
                    true
                }
                None => false,
            }
        }
        Kind::Queue if to.kind == Kind::Function => {
            let q = &mut p.queues[i];
            q.consumer.as_ref().is_some_and(|c| c.function == to.name) && q.consumer.take().is_some()
        }
        Kind::Queue => p.queues[i].dlq.as_deref() == Some(to.name.as_str()) && p.queues[i].dlq.take().is_some(),
        Kind::Bucket => {
            p.buckets[i].notify.as_deref() == Some(to.name.as_str()) && p.buckets[i].notify.take().is_some()
        }
        Kind::Stream => {
            let s = &mut p.streams[i];
            s.consumer.as_ref().is_some_and(|c| c.function == to.name) && s.consumer.take().is_some()
        }
        Kind::Bus => {
            let bus = &mut p.buses[i];
            let before: usize = bus.rules.iter().map(|r| r.targets.len()).sum();
            for r in &mut bus.rules {
                r.targets.retain(|t| bus_target(t) != *to);
            }
            bus.rules.retain(|r| !r.targets.is_empty());
            bus.rules.iter().map(|r| r.targets.len()).sum::<usize>() < before
        }
        Kind::Trigger => {
            let t = &mut p.triggers[i];
            t.target() == to.name && {
                t.target_mut().clear();
                true
            }
        }
        _ => false,
    };
    if removed { Ok(()) } else { Err(none()) }
}

fn bus_target(t: &BusTarget) -> Node {
    match t {
        BusTarget::Function(n) => Node::new(Kind::Function, n),
        BusTarget::Queue(n) => Node::new(Kind::Queue, n),
        BusTarget::Workflow(n) => Node::new(Kind::Workflow, n),
    }
}

/// Removes a node of the design and every wire to or from it.
pub(super) fn delete(doc: &mut DesignDoc, node: &Node) {
    let name = node.name.as_str();
    let is = |kind: Kind, n: &str| node.kind == kind && n == name;
    let kind_of_connect = |doc: &DesignDoc, c: &Connect| -> Kind {
        match trigger_target(doc, &c.from) {
            Some(k) => k,
            None => Kind::Function, // a bucket's or a stream's connect
        }
    };
    let keep: Vec<bool> =
        doc.parts().connect.iter().map(|c| !(c.to == name && kind_of_connect(doc, c) == node.kind)).collect();
    let mut k = keep.into_iter();
    doc.parts_mut().connect.retain(|_| k.next().unwrap_or(true));
    let p = doc.parts_mut();
    match node.kind {
        Kind::Trigger => p.triggers.retain(|t| t.name() != name),
        Kind::Function => p.functions.retain(|f| f.name != name),
        Kind::Queue => p.queues.retain(|q| q.name != name),
        Kind::Bus => p.buses.retain(|b| b.name != name),
        Kind::Bucket => p.buckets.retain(|b| b.name != name),
        Kind::Database => p.databases.retain(|d| d.name != name),
        Kind::Api => p.apis.retain(|a| a.name != name),
        Kind::Stream => p.streams.retain(|s| s.name != name),
        Kind::Workflow => p.workflows.retain(|w| w.name != name),
    }
    for f in &mut p.functions {
        f.calls.retain(|c| call_target(c).as_ref() != Some(node));
        if f.on_failure.as_deref().is_some_and(|q| is(Kind::Queue, q)) {
            f.on_failure = None;
        }
    }
    for q in &mut p.queues {
        if q.consumer.as_ref().is_some_and(|c| is(Kind::Function, &c.function)) {
            q.consumer = None;
        }
        if q.dlq.as_deref().is_some_and(|d| is(Kind::Queue, d)) {
            q.dlq = None;
        }
    }
    for b in &mut p.buckets {
        if b.notify.as_deref().is_some_and(|f| is(Kind::Function, f)) {
            b.notify = None;
        }
    }
    for s in &mut p.streams {
        if s.consumer.as_ref().is_some_and(|c| is(Kind::Function, &c.function)) {
            s.consumer = None;
        }
        if let Some(c) = &mut s.consumer
            && c.on_failure.as_deref().is_some_and(|q| is(Kind::Queue, q))
        {
            c.on_failure = None;
        }
    }
    for b in &mut p.buses {
        for r in &mut b.rules {
            r.targets.retain(|t| bus_target(t) != *node);
        }
        b.rules.retain(|r| !r.targets.is_empty());
    }
    for t in &mut p.triggers {
        if t.target() == name && kind_as_target(node.kind) == t.target_kind() {
            t.target_mut().clear();
        }
    }
}

/// The wires on the canvas: the brief's own (fixed), its connects, and the design's.
pub(super) fn edges(doc: &DesignDoc) -> Vec<Edge> {
    let mut out = Vec::new();
    let mut push =
        |from: Node, to: Node, label: &str, fixed: bool| out.push(Edge { from, to, label: label.into(), fixed });
    let brief = &doc.brief.config;
    for t in &brief.triggers {
        if !unconnected(t) {
            let to = Node::new(t.target_kind().into(), t.target());
            push(Node::new(Kind::Trigger, t.name()), to, "sends to", true);
        }
    }
    for c in &doc.parts().connect {
        let (from_kind, to_kind) = match trigger_target(doc, &c.from) {
            Some(k) => (Kind::Trigger, k),
            None if brief.buckets.iter().any(|b| b.name == c.from) => (Kind::Bucket, Kind::Function),
            None => (Kind::Stream, Kind::Function),
        };
        push(Node::new(from_kind, &c.from), Node::new(to_kind, &c.to), "connect", false);
    }
    let p = doc.parts();
    for t in &p.triggers {
        if !t.target().is_empty() {
            let to = Node::new(t.target_kind().into(), t.target());
            push(Node::new(Kind::Trigger, t.name()), to, "sends to", false);
        }
    }
    for f in &p.functions {
        for c in &f.calls {
            if let Some(to) = call_target(c) {
                push(Node::new(Kind::Function, &f.name), to, &call_label(c), false);
            }
        }
    }
    for q in &p.queues {
        if let Some(c) = &q.consumer {
            push(Node::new(Kind::Queue, &q.name), Node::new(Kind::Function, &c.function), "consumer", false);
        }
        if let Some(d) = &q.dlq {
            push(Node::new(Kind::Queue, &q.name), Node::new(Kind::Queue, d), "dead-letter queue", false);
        }
    }
    for b in &p.buckets {
        if let Some(f) = &b.notify {
            push(Node::new(Kind::Bucket, &b.name), Node::new(Kind::Function, f), "notify", false);
        }
    }
    for s in &p.streams {
        if let Some(c) = &s.consumer {
            push(Node::new(Kind::Stream, &s.name), Node::new(Kind::Function, &c.function), "consumer", false);
        }
    }
    for b in &p.buses {
        for r in &b.rules {
            for t in &r.targets {
                push(Node::new(Kind::Bus, &b.name), bus_target(t), &format!("rule {}", r.detail_type), false);
            }
        }
    }
    out
}
