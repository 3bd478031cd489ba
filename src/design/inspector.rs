//! The inspector of a node of the design: its rows (the knob table's words where a
//! knob exists, else the field's RON value, and its calls' fields) and setting one.

use super::{DesignDoc, Kind, Node, text, wiring};
use crate::sim::config::SimConfig;
use crate::sim::kernel::dist::Dist;
use serde::Serialize;

/// An inspector row: a field's name, its value as `SetField` accepts it, what it does.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub field: String,
    pub value: String,
    pub help: String,
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
    /// The design's parts as a configuration, for the knob table.
    fn as_config(&self) -> SimConfig {
        let p = self.parts().clone();
        let mut c = SimConfig::empty(1, crate::sim::kernel::time::SimDuration::ZERO);
        (c.queues, c.streams, c.databases) = (p.queues, p.streams, p.databases);
        c.functions = SimConfig::shared(p.functions);
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

    pub(super) fn set_field(&mut self, node: &Node, field: &str, value: &str) -> Result<(), String> {
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
            (p.queues, p.streams, p.databases) = (config.queues, config.streams, config.databases);
            p.functions = config.functions.into_iter().map(std::sync::Arc::unwrap_or_clone).collect();
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
}

/// A distribution as a scenario file writes it (`LogNormal(median: "20ms", p99: "80ms")`).
pub fn parse_dist(text: &str) -> Result<Dist, String> {
    let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    options
        .from_str(text.trim())
        .map_err(|e| format!("a distribution such as LogNormal(median: \"20ms\", p99: \"80ms\"): {}", e.code))
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
