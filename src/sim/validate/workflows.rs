//! A workflow's steps (`WorkflowSpec::problems`): the functions its tasks run, choice
//! probabilities and task retries.

use crate::sim::kernel::num;
use crate::sim::names::quoted;
use crate::sim::services::workflow::{Step, WorkflowSpec};

use super::{At, Names};

impl WorkflowSpec {
    pub(super) fn problems(&self, names: &Names, at: &mut At) {
        if self.steps.is_empty() {
            at.push("steps", "a workflow needs at least one step".into());
        }
        let mut functions = Vec::new();
        crate::sim::services::workflow::functions_named(&self.steps, &mut functions);
        for f in functions {
            if let Some(problem) = names.unknown_function(&f) {
                at.push("steps", problem);
            }
        }
        check_choices(&self.steps, &mut |message| at.push("steps", message));
    }
}

/// Choice probabilities must be fractions; task retries bounded.
fn check_choices(steps: &[Step], report: &mut dyn FnMut(String)) {
    for s in steps {
        match s {
            Step::Choice { name, probability, then, otherwise } => {
                if !(0.0..=1.0).contains(probability) {
                    let (name, p) = (quoted(name), num(*probability));
                    report(format!("choice {name}: probability is a fraction in 0..1, got {p}"));
                }
                check_choices(then, report);
                check_choices(otherwise, report);
            }
            Step::Task { name, retries, catch, .. } => {
                if *retries > 10 {
                    report(format!("task {}: at most 10 retries, got {retries}", quoted(name)));
                }
                check_choices(catch, report);
            }
            Step::Parallel { branches, .. } => branches.iter().for_each(|b| check_choices(b, report)),
            _ => {}
        }
    }
}
