//! A flow as a scenario writes it (docs/scenario-format.md, Flows): the triggers whose
//! requests it follows and the effects each must cause. The ledger that follows them
//! during a run is the module's (`mod.rs`).

use crate::sim::kernel::time::SimDuration;
use crate::sim::names::Named;
use serde::{Deserialize, Serialize};

/// The most effects one flow may require.
pub const MAX_EFFECTS: usize = 16;
/// The most parts one request may fan out into (Step Functions' Distributed Map runs
/// up to 10,000 child executions at once: "Using Map state in Distributed mode", AWS
/// Step Functions Developer Guide).
pub const MAX_PARTS: u32 = 10_000;

/// A flow: the requests of some triggers and the effects each must cause.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowSpec {
    pub name: String,
    /// The triggers (clients) whose requests make up the flow.
    pub from: Vec<String>,
    /// Each effect is due within this time of the request's arrival.
    pub within: SimDuration,
    pub effects: Vec<Effect>,
    /// A second time is fine (at-least-once); by default an effect done twice for
    /// one request is a duplicate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_least_once: bool,
    /// Requests an API declines are graded by other effects (the compensation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_declined: Option<IfDeclined>,
    /// Each request fans out into this many parts, and every effect is due once per
    /// part (all of them within the deadline).
    #[serde(default = "one_part", skip_serializing_if = "is_one_part")]
    pub parts: u32,
}

fn one_part() -> u32 {
    1
}
fn is_one_part(n: &u32) -> bool {
    *n == 1
}

/// The other outcome of a flow: what a request the API `api` declined must cause
/// instead of the flow's `effects`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IfDeclined {
    pub api: String,
    pub effects: Vec<Effect>,
}

impl FlowSpec {
    /// The effects of both outcomes: the flow's, then those of `if_declined`.
    pub fn all_effects(&self) -> impl Iterator<Item = &Effect> {
        self.effects.iter().chain(self.if_declined.iter().flat_map(|d| &d.effects))
    }
}

impl Named for FlowSpec {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Something a request must cause, named by the resource it lands in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Effect {
    /// An object written to the bucket (`Put`).
    Object { bucket: String },
    /// A row written to the database (a `Query` with `write: true`).
    Row { database: String },
    /// A successful call to the third-party API (a cached answer is no call).
    ApiCall { api: String },
    /// An event published on the bus (of this detail type, when given).
    Event {
        bus: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        detail_type: Option<String>,
    },
    /// A message sent to the queue.
    Message { queue: String },
    /// A record written to the stream.
    Record { stream: String },
}

impl Effect {
    /// "an object in thumbnails", for reports and failure reasons.
    pub fn label(&self) -> String {
        match self {
            Effect::Object { bucket } => format!("an object in {bucket}"),
            Effect::Row { database } => format!("a row in {database}"),
            Effect::ApiCall { api } => format!("a call to {api}"),
            Effect::Event { bus, detail_type: Some(t) } => format!("an event {t} on {bus}"),
            Effect::Event { bus, detail_type: None } => format!("an event on {bus}"),
            Effect::Message { queue } => format!("a message in {queue}"),
            Effect::Record { stream } => format!("a record in {stream}"),
        }
    }
}
