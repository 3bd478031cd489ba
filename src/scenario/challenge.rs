//! Challenges: a scenario as an exercise. The scenario as written is the naive
//! starting point; the player may turn only the listed knobs, within their ranges, to
//! meet every objective. A reference solution proves it can be done (a test runs it
//! over several seeds), hints unlock over time or after a failed attempt, and the
//! debrief says what the exercise was about.

use super::diagnosis::{Answer, Diagnosis, node_names};
use super::objective::Objective;
use crate::sim::config::{Problem, SimConfig};
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs;
use crate::sim::names::quoted;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// The task in a sentence or two.
    pub goal: String,
    pub objectives: Vec<Objective>,
    /// The knobs the player may turn; every other setting is locked.
    pub knobs: Vec<AllowedKnob>,
    #[serde(default)]
    pub hints: Vec<Hint>,
    /// A solution: knob settings that meet every objective, `[("api.memory", "1024")]`.
    pub reference: Vec<(String, String)>,
    /// What the exercise teaches, shown after the run.
    pub debrief: String,
    /// Duplicate side effects are acceptable here (the audit then does not reject a
    /// passing setting that makes them).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_duplicates: bool,
    /// A brief's reference: a built-in design (see `scenario::DESIGNS`) that meets every
    /// objective; `--reference` runs it instead of the brief.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_design: Option<String>,
    /// A diagnosis exercise: the incident's cause (node and mechanism) and what showed
    /// it first; graded by the `Diagnosis` objective against the player's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// The player's diagnosis (`--answer`, the app's Diagnose panel, or the reference's
    /// right answer). Never read from or written to a file.
    #[serde(skip)]
    pub answer: Option<Answer>,
}

/// A knob the player may turn: `(knob: "api.memory", min: 128, max: 3008, step: 64)`.
/// Bounds are in the knob's number (MB, seconds, a count, 1/0 for on/off); a knob whose
/// value is a word or a name may be limited to `values` (`values: ["cart-in-memory",
/// "cart-stateless"]` for a trigger's target).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedKnob {
    pub knob: String,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub step: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// A hint, shown once `after` simulated time has passed, or (with `on_failure`) after
/// a run that failed. With neither it is shown from the start.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub text: String,
    #[serde(default)]
    pub after: Option<SimDuration>,
    #[serde(default)]
    pub on_failure: bool,
    /// A brief's hint about its wiring: given only while no design connects this part
    /// (a trigger, bucket or stream of the brief), so that a design which did connect it
    /// is not told to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_connected: Option<String>,
}

impl AllowedKnob {
    /// Checks `value` is within this knob's range; the error says which range.
    pub fn check(&self, config: &SimConfig, value: &str) -> Result<(), String> {
        let change = knobs::parse(config, &self.knob, value)?;
        if let Some(values) = &self.values
            && !values.iter().any(|v| v == value.trim())
        {
            return Err(format!(
                "knob \"{}\" is allowed {} in this challenge, got {value}",
                self.knob,
                values.join(", ")
            ));
        }
        let Some(x) = change.value.number() else { return Ok(()) };
        let below = self.min.is_some_and(|m| x < m - 1e-9);
        let above = self.max.is_some_and(|m| x > m + 1e-9);
        if below || above {
            let lo = self.min.map_or("any".to_string(), |m| m.to_string());
            let hi = self.max.map_or("any".to_string(), |m| m.to_string());
            return Err(format!("knob \"{}\" is allowed {lo}..{hi} in this challenge, got {value}", self.knob));
        }
        Ok(())
    }
}

impl Challenge {
    /// Records the player's diagnosis, `NODE:CAUSE`; an unknown node or cause is an
    /// error listing the valid ones, and so is a challenge that asks no diagnosis.
    pub fn give_answer(&mut self, config: &SimConfig, text: &str) -> Result<(), String> {
        if self.diagnosis.is_none() {
            return Err("this challenge asks for no diagnosis".into());
        }
        self.answer = Some(Answer::parse(text, config)?);
        Ok(())
    }

    /// The allowed knob called `name`, if the player may turn it.
    pub fn allowed(&self, name: &str) -> Option<&AllowedKnob> {
        self.knobs.iter().find(|k| k.knob == name)
    }

    /// Problems with the challenge against the scenario's configuration.
    pub fn problems(&self, config: &SimConfig, out: &mut Vec<Problem>) {
        let mut push = |path: String, message: String| out.push(Problem { path, message });
        if self.objectives.is_empty() {
            push("challenge.objectives".into(), "a challenge needs at least one objective".into());
        }
        let mut inner = Vec::new();
        for (i, o) in self.objectives.iter().enumerate() {
            o.problems(config, &format!("challenge.objectives[{i}]"), &mut inner);
        }
        for p in inner {
            push(p.path, p.message);
        }
        for (i, k) in self.knobs.iter().enumerate() {
            let at = format!("challenge.knobs[{i}]");
            if let Err(e) = knobs::resolve(config, &k.knob) {
                push(format!("{at}.knob"), e);
                continue;
            }
            if let (Some(lo), Some(hi)) = (k.min, k.max)
                && (lo > hi || lo.is_nan() || hi.is_nan())
            {
                push(at.clone(), format!("min ({lo}) is above max ({hi})"));
            }
            if k.step.is_some_and(|s| !(s > 0.0 && s.is_finite())) {
                push(format!("{at}.step"), "step must be above zero".into());
            }
            // Each end of a range must be a value the model accepts (alone).
            for (field, bound) in [("min", k.min), ("max", k.max)] {
                let Some(bound) = bound else { continue };
                let mut trial = config.clone();
                let text = if bound.fract() == 0.0 { format!("{bound:.0}") } else { bound.to_string() };
                if let Err(e) = knobs::set(&mut trial, &k.knob, &text) {
                    push(format!("{at}.{field}"), format!("{bound} is refused by the model: {e}"));
                }
            }
            for (v, value) in k.values.iter().flatten().enumerate() {
                if let Err(e) = knobs::parse(config, &k.knob, value) {
                    push(format!("{at}.values[{v}]"), e);
                }
            }
        }
        for (i, h) in self.hints.iter().enumerate() {
            let Some(part) = &h.until_connected else { continue };
            let parts = config.triggers.iter().map(|t| t.name()).chain(config.buckets.iter().map(|b| b.name.as_str()));
            let mut parts = parts.chain(config.streams.iter().map(|s| s.name.as_str()));
            if !parts.any(|p| p == part) {
                let message = format!("no trigger, bucket or stream named {} to connect", quoted(part));
                push(format!("challenge.hints[{i}].until_connected"), message);
            }
        }
        let mut solved = config.clone();
        for (i, (name, value)) in self.reference.iter().enumerate() {
            let at = format!("challenge.reference[{i}]");
            match self.allowed(name) {
                None => push(at, format!("the reference turns \"{name}\", which is not among the challenge's knobs")),
                Some(k) => {
                    if let Err(e) = k.check(config, value).and_then(|()| knobs::set(&mut solved, name, value)) {
                        push(at, e);
                    }
                }
            }
        }
        let asks_diagnosis = self.objectives.iter().position(|o| matches!(o, Objective::Diagnosis));
        match (&self.diagnosis, asks_diagnosis) {
            (Some(d), _) => {
                let nodes = node_names(config);
                if !nodes.contains(&d.node.as_str()) {
                    let listed = nodes.join(", ");
                    push("challenge.diagnosis.node".into(), format!("no node {} (nodes: {listed})", quoted(&d.node)));
                }
                if d.first_signal.trim().is_empty() {
                    push(
                        "challenge.diagnosis.first_signal".into(),
                        "say which signal showed the cause first (the debrief tells it)".into(),
                    );
                }
                if asks_diagnosis.is_none() {
                    push(
                        "challenge.diagnosis".into(),
                        "a diagnosis no objective grades: add `Diagnosis` to the objectives".into(),
                    );
                }
            }
            (None, Some(i)) => push(
                format!("challenge.objectives[{i}]"),
                "a Diagnosis objective needs the challenge's `diagnosis: (node: ..., cause: ..., first_signal: ...)` block (the right answer)".into(),
            ),
            (None, None) => {}
        }
        if self.debrief.trim().is_empty() {
            push("challenge.debrief".into(), "a challenge needs a debrief: what it teaches".into());
        }
    }
}
