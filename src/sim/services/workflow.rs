//! A workflow engine (Step Functions-like): orchestration. A workflow is a list of
//! steps (task, choice, parallel, wait, succeed, fail) compiled into a flat state
//! machine; executions run threads through it, each state entered is a billed
//! transition.

use crate::sim::kernel::time::SimDuration;
use serde::{Deserialize, Serialize};

/// Standard workflows: $0.025 per 1000 state transitions.
pub const PRICE_PER_TRANSITION: f64 = 0.000_025;

/// A workflow as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowSpec {
    pub name: String,
    pub steps: Vec<Step>,
}

/// One step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Step {
    /// Invokes a function synchronously; retries failures (throttles included) with
    /// exponential back-off; after the last retry runs `catch` (compensation) and fails
    /// the execution, or fails it at once without a catch.
    Task {
        name: String,
        function: String,
        #[serde(default)]
        retries: u32,
        #[serde(default = "default_backoff")]
        backoff: SimDuration,
        #[serde(default)]
        catch: Vec<Step>,
    },
    /// Goes one way with `probability`, the other way otherwise (a data-dependent
    /// branch, such as "is the card valid?").
    Choice {
        name: String,
        probability: f64,
        then: Vec<Step>,
        otherwise: Vec<Step>,
    },
    /// Runs branches at the same time; goes on when all finish, fails if one fails.
    Parallel {
        name: String,
        branches: Vec<Vec<Step>>,
    },
    Wait {
        name: String,
        duration: SimDuration,
    },
    Succeed {
        name: String,
    },
    Fail {
        name: String,
    },
}

fn default_backoff() -> SimDuration {
    SimDuration::from_secs(1)
}

impl Step {
    pub fn name(&self) -> &str {
        match self {
            Step::Task { name, .. }
            | Step::Choice { name, .. }
            | Step::Parallel { name, .. }
            | Step::Wait { name, .. }
            | Step::Succeed { name }
            | Step::Fail { name } => name,
        }
    }
}

/// Where a state goes next: another state, the end of its branch (or of the
/// execution, at the top level).
pub(crate) type Next = Option<u32>;

/// A compiled state.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum State {
    Task {
        function: u32,
        retries: u32,
        backoff: SimDuration,
        catch: Option<u32>,
        next: Next,
    },
    Choice {
        probability: f64,
        then: Next,
        otherwise: Next,
    },
    Parallel {
        branches: Vec<Next>,
        next: Next,
    },
    Wait {
        duration: SimDuration,
        next: Next,
    },
    Succeed,
    Fail,
    /// End of a compensation: the execution fails, compensated.
    Compensated,
}

/// A workflow compiled into states; `start` is the first.
#[derive(Clone, Debug)]
pub(crate) struct Machine {
    pub states: Vec<State>,
    pub start: Next,
}

impl Machine {
    pub(crate) fn compile(spec: &WorkflowSpec, function: &dyn Fn(&str) -> u32) -> Machine {
        let mut m = Machine { states: Vec::new(), start: None };
        m.start = m.list(&spec.steps, None, function);
        m
    }

    /// Compiles `steps`, the last continuing at `then`; returns the first state.
    fn list(&mut self, steps: &[Step], then: Next, function: &dyn Fn(&str) -> u32) -> Next {
        let mut next = then;
        for step in steps.iter().rev() {
            next = Some(self.step(step, next, function));
        }
        next
    }

    fn push(&mut self, s: State) -> u32 {
        self.states.push(s);
        (self.states.len() - 1) as u32
    }

    fn step(&mut self, step: &Step, next: Next, function: &dyn Fn(&str) -> u32) -> u32 {
        match step {
            Step::Task { function: f, retries, backoff, catch, .. } => {
                let catch = if catch.is_empty() {
                    None
                } else {
                    let end = self.push(State::Compensated);
                    self.list(catch, Some(end), function)
                };
                self.push(State::Task { function: function(f), retries: *retries, backoff: *backoff, catch, next })
            }
            Step::Choice { probability, then, otherwise, .. } => {
                let (then, otherwise) = (self.list(then, next, function), self.list(otherwise, next, function));
                self.push(State::Choice { probability: *probability, then, otherwise })
            }
            Step::Parallel { branches, .. } => {
                let branches = branches.iter().map(|b| self.list(b, None, function)).collect();
                self.push(State::Parallel { branches, next })
            }
            Step::Wait { duration, .. } => self.push(State::Wait { duration: *duration, next }),
            Step::Succeed { .. } => self.push(State::Succeed),
            Step::Fail { .. } => self.push(State::Fail),
        }
    }
}

/// Every function a list of steps names (for validation).
pub fn functions_named(steps: &[Step], out: &mut Vec<String>) {
    for s in steps {
        match s {
            Step::Task { function, catch, .. } => {
                out.push(function.clone());
                functions_named(catch, out);
            }
            Step::Choice { then, otherwise, .. } => {
                functions_named(then, out);
                functions_named(otherwise, out);
            }
            Step::Parallel { branches, .. } => branches.iter().for_each(|b| functions_named(b, out)),
            _ => {}
        }
    }
}

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    /// Failed after running its compensation steps.
    Compensated,
    Failed,
}

/// One execution.
#[derive(Clone, Debug)]
pub(crate) struct Execution {
    pub workflow: u32,
    pub correlation: u64,
    pub counted: bool,
    pub trigger: Option<u32>,
    pub started: crate::sim::kernel::time::SimTime,
    pub status: ExecutionStatus,
}

/// A thread of an execution: where it is, and for a parallel state, how many branches
/// it still waits for.
#[derive(Clone, Debug)]
pub(crate) struct Thread {
    pub execution: u32,
    pub state: u32,
    pub parent: Option<u32>,
    pub pending: u32,
    pub attempts: u32,
}

/// Counts of one workflow over executions started after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WorkflowCounters {
    pub started: u64,
    pub succeeded: u64,
    pub compensated: u64,
    pub failed: u64,
    pub transitions: u64,
    pub task_retries: u64,
}
