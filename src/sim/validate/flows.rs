//! A flow (`FlowSpec::problems`): its triggers exist and feed no other flow, its
//! effects name resources that exist, its deadline is above zero.

use crate::sim::names::quoted;
use std::collections::HashSet;

use super::{At, Names};

impl<'a> crate::sim::services::flows::FlowSpec {
    /// Its triggers exist and feed no other flow; its effects name resources that
    /// exist; a deadline above zero.
    pub(super) fn problems(
        &'a self,
        names: &Names,
        triggers: &HashSet<&str>,
        claimed: &mut HashSet<&'a str>,
        at: &mut At,
    ) {
        use crate::sim::services::flows::{Effect, MAX_EFFECTS, MAX_PARTS};
        if self.from.is_empty() {
            at.push("from", "name the triggers whose requests make up the flow: from: [\"uploads\"]".into());
        }
        for (i, t) in self.from.iter().enumerate() {
            if !triggers.contains(t.as_str()) {
                at.push(&format!("from[{i}]"), format!("no trigger is named {}", quoted(t)));
            } else if !claimed.insert(t.as_str()) {
                at.push(&format!("from[{i}]"), format!("the trigger {} already feeds another flow", quoted(t)));
            }
        }
        if self.within.0 == 0 {
            at.push("within", "a deadline above zero, such as \"2m\"".into());
        }
        if self.effects.is_empty() || self.all_effects().count() > MAX_EFFECTS {
            let n = self.all_effects().count();
            at.push("effects", format!("1 to {MAX_EFFECTS} effects each request must cause (both outcomes), got {n}"));
        }
        if !(1..=MAX_PARTS).contains(&self.parts) {
            at.push("parts", format!("1 to {MAX_PARTS} parts each request fans out into, got {}", self.parts));
        }
        if let Some(d) = &self.if_declined {
            if let Some(message) = names.unknown_api(&d.api) {
                at.push("if_declined.api", message);
            }
            if d.effects.is_empty() {
                let what = "the effects a declined request must cause instead, such as the compensation";
                at.push("if_declined.effects", format!("{what}: effects: [ApiCall(api: \"stock-release\")]"));
            }
        }
        let declined = self.if_declined.iter().flat_map(|d| d.effects.iter().enumerate());
        let each = (self.effects.iter().enumerate().map(|(i, e)| (format!("effects[{i}]"), e)))
            .chain(declined.map(|(i, e)| (format!("if_declined.effects[{i}]"), e)));
        for (path, e) in each {
            let missing = match e {
                Effect::Object { bucket } => names.unknown_bucket(bucket),
                Effect::Row { database } => names.unknown_database(database),
                Effect::ApiCall { api } => names.unknown_api(api),
                Effect::Event { bus, .. } => names.unknown_bus(bus),
                Effect::Message { queue } => names.unknown_queue(queue),
                Effect::Record { stream } => names.unknown_stream(stream),
            };
            if let Some(message) = missing {
                at.push(&path, message);
            }
        }
    }
}
