//! The flow objective: every request of a flow reaches each required effect, once and
//! on time, and when not, which effects are missing, doubled or late, and where.

use super::ObjectiveResult;
use super::helpers::{ms, percent, ratio};
use crate::report::Report;

/// Every request of a flow reaches each required effect, once, and enough on time.
pub(super) fn flow(report: &Report, name: &str, on_time: f64) -> ObjectiveResult {
    let label = format!("requests of {name} reaching every effect");
    let Some(f) = report.flows.iter().find(|f| f.name == name) else {
        let why = Some(format!("no flow {name} in the run"));
        let (measured_text, bound_text) = ("no flow".to_string(), String::new());
        return ObjectiveResult { label, passed: false, measured: 0.0, bound: on_time, measured_text, bound_text, why };
    };
    let graded = f.graded();
    let measured = ratio(f.on_time, graded);
    let passed = graded > 0 && f.incomplete == 0 && f.duplicated == 0 && f.unwanted == 0 && measured >= on_time;
    let within = ms(f.within_s * 1000.0);
    let measured_text = format!("{} of {graded} on time ({})", f.on_time, percent(measured));
    let bound_text = format!("all, {} within {within}, none twice", percent(on_time));
    let why = (!passed).then(|| explain_flow(f, on_time, &report.triggers));
    ObjectiveResult { label, passed, measured, bound: on_time, measured_text, bound_text, why }
}

/// The failure of a flow in words: which effects are missing for how many requests and
/// where they stopped, which were done twice, which came late.
fn explain_flow(f: &crate::report::FlowReport, on_time: f64, triggers: &[crate::report::TriggerReport]) -> String {
    let graded = f.graded();
    if graded == 0 {
        return format!(
            "no request of {} could be graded ({} arrived, {} poison, {} still within {} s at the end): does anything serve it?",
            f.name, f.requests, f.poison, f.in_flight, f.within_s
        );
    }
    let mut parts = Vec::new();
    if f.incomplete > 0 {
        let missing: Vec<String> = (f.effects.iter().filter(|e| e.missing > 0))
            .map(|e| match e.parts_missing {
                0 => format!("{} missing for {}", e.effect, e.missing),
                parts => format!("{} missing for {} ({parts} of their parts never done)", e.effect, e.missing),
            })
            .collect();
        let stops: Vec<String> = f.stopped_at.iter().take(3).map(|s| format!("{} ({})", s.node, s.requests)).collect();
        parts.push(format!(
            "{} of {graded} requests never reached every effect: {}; they stopped at {}",
            f.incomplete,
            missing.join(", "),
            stops.join(", ")
        ));
        let served_none = f.on_time + f.late == 0;
        if f.stopped_at.iter().any(|s| s.node.starts_with("unwired ")) || served_none {
            parts.push(
                "nothing served some of them: connect the trigger (or the bucket it uploads into) to a function of the design".into(),
            );
        }
    }
    if f.duplicated > 0 {
        let twice: Vec<String> = (f.effects.iter().filter(|e| e.duplicated > 0))
            .map(|e| format!("{} for {}", e.effect, e.duplicated))
            .collect();
        parts.push(format!(
            "{} requests had an effect done twice ({}): a retry or redelivery repeated it; an idempotency key makes the repeat a no-op",
            f.duplicated,
            twice.join(", ")
        ));
        let retried: Vec<String> = (triggers.iter().filter(|t| t.client_retries > 0))
            .map(|t| {
                format!(
                    "{} sent {} retries after giving up on an answer ({} timeouts)",
                    t.name, t.client_retries, t.client_timeouts
                )
            })
            .collect();
        if !retried.is_empty() {
            parts.push(format!(
                "{}: a client that gives up does not stop the function, so each retry did the work again",
                retried.join(", ")
            ));
        }
    }
    if f.unwanted > 0 {
        let forbidden: Vec<String> =
            (f.effects.iter().filter(|e| e.unwanted > 0)).map(|e| format!("{} for {}", e.effect, e.unwanted)).collect();
        parts.push(format!(
            "{} requests caused an effect their outcome forbids ({}): a step ran before the outcome was known, or the compensation ran for a request that succeeded",
            f.unwanted,
            forbidden.join(", ")
        ));
    }
    if ratio(f.on_time, graded) < on_time {
        let late: Vec<String> =
            (f.effects.iter().filter(|e| e.late > 0)).map(|e| format!("{} for {}", e.effect, e.late)).collect();
        parts.push(format!(
            "only {} on time (at least {} wanted); late: {}",
            percent(ratio(f.on_time, graded)),
            percent(on_time),
            if late.is_empty() { "none, but too few completed".to_string() } else { late.join(", ") }
        ));
    }
    parts.join("; ")
}
