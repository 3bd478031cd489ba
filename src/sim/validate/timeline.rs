//! The timeline: each entry within the run (`timeline_problems`), and each action,
//! scripted or switched on live in the app (`action_problems`): knobs it may set while
//! running, the nodes a fault names, and the bounds of slow-downs and bursts.

use crate::sim::config::{Problem, SimConfig};
use crate::sim::kernel::num;
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs;
use crate::sim::names::{index_of, quoted};
use crate::sim::timeline::TimelineAction;

/// The largest slow-down a fault may inject.
const MAX_SLOWDOWN: f64 = 1000.0;

/// A burst multiplies a trigger's rate by at most this (a campaign, a retry storm).
pub const MAX_BURST_FACTOR: f64 = 100.0;
/// ... for at most this long.
pub const MAX_BURST: SimDuration = SimDuration::from_secs(3600);

/// Problems with a timeline: each entry at a time within the run, with an action that
/// names real nodes and a value the model accepts.
pub(super) fn timeline_problems(config: &SimConfig, out: &mut Vec<Problem>) {
    for (i, entry) in config.timeline.iter().enumerate() {
        let mut push = |field: &str, message: String| {
            let path = if field.is_empty() { format!("timeline[{i}]") } else { format!("timeline[{i}].{field}") };
            out.push(Problem { path, message });
        };
        if entry.at >= config.duration {
            push("at", format!("at {} is not before the end of the run ({})", entry.at, config.duration));
        }
        action_problems(config, &entry.action, |field, message| push(field, message));
    }
}

/// Problems with one timeline action (scripted, or a fault switched on in the app):
/// `push(field, message)` for each.
pub(crate) fn action_problems(config: &SimConfig, action: &TimelineAction, mut push: impl FnMut(&str, String)) {
    {
        match action {
            TimelineAction::Caption(text) if text.trim().is_empty() => {
                push("action", "a caption needs some text".into());
            }
            TimelineAction::Caption(_) => {}
            TimelineAction::Set { knob: name, value } => match knobs::parse(config, name, value) {
                Err(e) => push("action", e),
                Ok(change) if !change.id.is_live() => push(
                    "action",
                    format!("knob \"{name}\" cannot change during a run (only before it starts, with --set)"),
                ),
                Ok(_) => {
                    // The value must also be one the model accepts (memory within range...).
                    let mut without_timeline = SimConfig { timeline: Vec::new(), ..config.clone() };
                    if let Err(e) = knobs::set(&mut without_timeline, name, value) {
                        push("action", e);
                    }
                }
            },
            TimelineAction::SlowDatabase { database, factor } => {
                if index_of(&config.databases, database).is_none() {
                    push("action", format!("no database \"{database}\""));
                }
                if !(factor.is_finite() && *factor > 0.0 && *factor <= MAX_SLOWDOWN) {
                    push("action", format!("factor must be above 0 and at most {MAX_SLOWDOWN}, got {}", num(*factor)));
                }
            }
            TimelineAction::RotateSecret { api } => {
                if index_of(&config.apis, api).is_none() {
                    push("action", format!("no API {}", quoted(api)));
                }
            }
            TimelineAction::Redrive { queue } => match config.queues.iter().find(|q| q.name == *queue) {
                None => push("action", format!("no queue {}", quoted(queue))),
                Some(q) if q.dlq.is_none() => push(
                    "action",
                    format!(
                        "queue {} has no dead-letter queue to redrive from (write `dlq: \"...\"` on it)",
                        quoted(queue)
                    ),
                ),
                Some(_) => {}
            },
            TimelineAction::FailFunction { function, error_rate } => {
                if index_of(&config.functions, function).is_none() {
                    push("action", format!("no function \"{function}\""));
                }
                if !(0.0..=1.0).contains(error_rate) {
                    push("action", format!("error_rate is a fraction in 0..1, got {}", num(*error_rate)));
                }
            }
            TimelineAction::ThrottleAccount { share } => {
                if !(share.is_finite() && *share > 0.0 && *share <= 1.0) {
                    push(
                        "action",
                        format!(
                            "share is the fraction of the account's concurrency left, above 0 and at most 1, got {}",
                            num(*share)
                        ),
                    );
                }
            }
            TimelineAction::Burst { trigger, factor, lasting } => {
                if !config.triggers.iter().any(|t| t.name() == trigger) {
                    push("action", format!("no trigger {}", quoted(trigger)));
                }
                if !(factor.is_finite() && (1.0..=MAX_BURST_FACTOR).contains(factor)) {
                    push(
                        "action",
                        format!(
                            "factor multiplies the trigger's rate: 1..{MAX_BURST_FACTOR} (1 ends a burst), got {}",
                            num(*factor)
                        ),
                    );
                }
                if lasting.0 == 0 || *lasting > MAX_BURST {
                    push("action", format!("lasting must be above 0 and at most {MAX_BURST}, got {lasting}"));
                }
            }
        }
    }
}
