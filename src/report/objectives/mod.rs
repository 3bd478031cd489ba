//! Grading: each challenge objective (`scenario::objective`) measured on a finished run.
//! Each result carries the measured value, the bound, and for a failure a sentence
//! naming the node and the mechanism most likely responsible (the app's "why did it
//! fail").
//!
//! This file holds the result, the dispatch from each objective kind to the function
//! that measures it, and the grading of a whole challenge. The measures are grouped by
//! what they look at: `requests.rs` (latency, errors, throttles, cold starts, what was
//! served), `messages.rs` (work lost, done twice or waiting; downstream limits),
//! `account.rs` (cost and security), `flows.rs` (a request's required effects);
//! `helpers.rs` builds results and formats numbers, `verdict.rs` writes the graded
//! challenge as text.

use super::Report;
use crate::scenario::challenge::Challenge;
use crate::scenario::diagnosis::{Answer, Diagnosis};
use crate::scenario::objective::Objective;
use crate::sim::Simulation;
use serde::Serialize;

mod account;
mod flows;
mod helpers;
mod messages;
mod requests;
mod verdict;

use account::{blast_radius, cost_per_month, data_residency, least_privilege};
use flows::flow;
use messages::{
    api_limit_respected, db_connections, no_duplicates, no_message_lost, no_wrong_results, queue_age, stream_age,
};
use requests::{cold_start_ratio, error_ratio, failed_runs, latency, served, served_share, throttle_ratio};
pub use verdict::challenge_text;

/// How one objective went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectiveResult {
    /// The objective in words ("p99 latency of api").
    pub label: String,
    pub passed: bool,
    pub measured: f64,
    pub bound: f64,
    /// The measured value and the bound with units ("412 ms", "300 ms").
    pub measured_text: String,
    pub bound_text: String,
    /// For a failure: the node and mechanism most likely responsible.
    pub why: Option<String>,
}

impl Objective {
    /// Measures the objective on a finished run.
    pub fn evaluate(&self, sim: &Simulation, report: &Report) -> ObjectiveResult {
        match self {
            Objective::Latency { of, percentile, at_most } => latency(sim, report, of, *percentile, *at_most),
            Objective::ColdStartRatio { of, at_most } => cold_start_ratio(report, of.as_deref(), *at_most),
            Objective::ErrorRatio { of, at_most } => error_ratio(report, of.as_deref(), *at_most),
            Objective::ThrottleRatio { of, at_most } => throttle_ratio(report, of.as_deref(), *at_most),
            Objective::NoMessageLost { allow_dlq } => no_message_lost(report, *allow_dlq),
            Objective::DbConnections { database, at_most } => db_connections(report, database, *at_most),
            Objective::CostPerMonth { at_most } => cost_per_month(report, *at_most),
            Objective::NoDuplicates => no_duplicates(report),
            Objective::NoWrongResults => no_wrong_results(report),
            Objective::QueueAge { queue, at_most } => queue_age(report, queue, *at_most),
            Objective::Served { of, at_least } => served(report, of.as_deref(), *at_least),
            Objective::ServedShare { of, at_least } => served_share(report, of, *at_least),
            Objective::FailedRuns { of, at_most } => failed_runs(report, of.as_deref(), *at_most),
            Objective::ApiLimitRespected { api } => api_limit_respected(report, api),
            Objective::StreamAge { stream, at_most } => stream_age(report, stream, *at_most),
            Objective::LeastPrivilege { of } => least_privilege(report, of.as_deref()),
            Objective::BlastRadius { of, at_most } => blast_radius(report, of, *at_most),
            Objective::DataResidency { of } => data_residency(report, of.as_deref()),
            Objective::Flow { name, on_time } => flow(report, name, *on_time),
            // Graded against the player's answer, which the challenge holds (`evaluate_all`).
            Objective::Diagnosis => diagnosis(None, None),
        }
    }
}

/// The player's diagnosis against the right one. A wrong answer is named wrong, and
/// the right one is kept for the debrief.
fn diagnosis(right: Option<&Diagnosis>, given: Option<&Answer>) -> ObjectiveResult {
    let passed = right.is_some_and(|r| given.is_some_and(|g| *g == r.answer()));
    let why = match given {
        _ if passed => None,
        None => Some(
            "no diagnosis given: name the node and the mechanism behind the incident, `--answer NODE:CAUSE` (or the app's Diagnose panel)"
                .to_string(),
        ),
        Some(g) => Some(format!(
            "{g} is not what happened: look for what changed when the latency did (a trace's slow span, the handler's log lines around it, each node's metrics before and after), not for what is always slow"
        )),
    };
    ObjectiveResult {
        label: "diagnosis of the incident".into(),
        passed,
        measured: f64::from(u8::from(passed)),
        bound: 1.0,
        measured_text: given.map_or_else(|| "no answer".to_string(), Answer::to_string),
        bound_text: "must be the node and mechanism that caused it".into(),
        why,
    }
}

/// Every objective of a challenge on a run, in order (a `Diagnosis` against the
/// player's answer the challenge holds).
pub fn evaluate_all(challenge: &Challenge, sim: &Simulation, report: &Report) -> Vec<ObjectiveResult> {
    let graded = |o: &Objective| match o {
        Objective::Diagnosis => diagnosis(challenge.diagnosis.as_ref(), challenge.answer.as_ref()),
        _ => o.evaluate(sim, report),
    };
    challenge.objectives.iter().map(graded).collect()
}
