//! Flows: requests followed by correlation id to their required effects
//! (`FlowReport`), each effect's tally (`EffectReport`) and where incomplete requests
//! stopped (`StopReport`).

use crate::sim::Simulation;
use serde::Serialize;

use super::{is_one, is_zero};

/// One flow: its requests followed by correlation id to their required effects.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlowReport {
    pub name: String,
    /// The deadline of every effect, from the request's arrival.
    pub within_s: f64,
    pub at_least_once: bool,
    /// Requests after the warm-up, and what became of them: every effect on time,
    /// every effect but one or more late, one or more missing; poison inputs and
    /// requests still within their deadline at the end are not graded.
    pub requests: u64,
    pub on_time: u64,
    pub late: u64,
    pub incomplete: u64,
    /// Requests with an effect done more than once (exactly-once flows).
    pub duplicated: u64,
    pub poison: u64,
    pub in_flight: u64,
    /// Requests not followed, so not graded: they arrived while the requests being
    /// followed held the most memory they may (`MAX_FOLLOWED_BYTES`).
    #[serde(skip_serializing_if = "is_zero")]
    pub not_followed: u64,
    /// Requests the flow's `if_declined` API declined (graded by its effects).
    #[serde(skip_serializing_if = "is_zero")]
    pub declined: u64,
    /// Requests that caused an effect their outcome forbids.
    #[serde(skip_serializing_if = "is_zero")]
    pub unwanted: u64,
    /// Parts each request fans out into (flows of parts; 1 otherwise).
    #[serde(skip_serializing_if = "is_one")]
    pub parts: u32,
    pub effects: Vec<EffectReport>,
    /// Where the incomplete requests stopped: the last function their correlation id
    /// reached (or the trigger, when none did), most first.
    pub stopped_at: Vec<StopReport>,
}

/// One required effect of a flow, over the graded requests.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EffectReport {
    /// "an object in thumbnails".
    pub effect: String,
    pub on_time: u64,
    pub late: u64,
    pub missing: u64,
    pub duplicated: u64,
    /// Times it was done again after the first, over all requests.
    pub repeats: u64,
    /// Requests that caused it though their outcome forbids it.
    #[serde(skip_serializing_if = "is_zero")]
    pub unwanted: u64,
    /// Parts never done, over the requests missing it (flows of parts).
    #[serde(skip_serializing_if = "is_zero")]
    pub parts_missing: u64,
}

/// Incomplete requests that stopped at one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StopReport {
    pub node: String,
    pub requests: u64,
}

impl FlowReport {
    /// Requests graded: all but poison inputs and those still within their deadline.
    pub fn graded(&self) -> u64 {
        self.requests - self.poison - self.in_flight
    }

    pub(super) fn of(sim: &Simulation, flow: &crate::sim::services::flows::FlowState) -> FlowReport {
        let t = flow.totals(sim.now());
        let node = |function: u32, trigger: u32| match function {
            crate::sim::services::flows::AT_TRIGGER => {
                format!("{} (no function reached)", sim.triggers()[trigger as usize].spec.name())
            }
            f => sim.functions()[f as usize].name().to_string(),
        };
        FlowReport {
            name: flow.spec.name.clone(),
            within_s: flow.spec.within.as_secs_f64(),
            at_least_once: flow.spec.at_least_once,
            requests: t.requests,
            on_time: t.on_time,
            late: t.late,
            incomplete: t.incomplete,
            duplicated: t.duplicated,
            poison: t.poison,
            in_flight: t.in_flight,
            not_followed: t.not_followed,
            declined: t.declined,
            unwanted: t.unwanted,
            parts: flow.spec.parts,
            effects: (flow.spec.all_effects().zip(&t.effects).enumerate())
                .map(|(k, (e, n))| EffectReport {
                    effect: match &flow.spec.if_declined {
                        Some(d) if k >= flow.spec.effects.len() => format!("{} (when {} declines)", e.label(), d.api),
                        _ => e.label(),
                    },
                    on_time: n.on_time,
                    late: n.late,
                    missing: n.missing,
                    duplicated: n.duplicated,
                    repeats: n.repeats,
                    unwanted: n.unwanted,
                    parts_missing: n.parts_missing,
                })
                .collect(),
            stopped_at: (t.stopped_at.iter())
                .map(|&(f, trigger, requests)| StopReport { node: node(f, trigger), requests })
                .collect(),
        }
    }
}
