//! A workflow engine (Step Functions-like): orchestration. A workflow is a list of
//! steps (task, choice, parallel, wait, succeed, fail) compiled into a flat state
//! machine; executions run threads through it, each state entered is a billed
//! transition.

use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::metrics::Histogram;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::SimDuration;
use crate::sim::route::InFlight;
use crate::sim::route::Origin;
use crate::sim::{Event, Simulation};
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
    /// Function invocations in the chain that started it (recursive loop detection).
    pub depth: u16,
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
    /// Runs of the current task that did its work (more than one is a duplicate).
    pub side_effects: u32,
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

/// A workflow at run time.
#[derive(Clone, Debug)]
pub struct WorkflowState {
    pub spec: WorkflowSpec,
    pub(crate) machine: Machine,
    pub counters: WorkflowCounters,
    /// Execution time of finished (counted) executions.
    pub durations: Histogram,
    pub running: u64,
    rng: RngStream,
}

impl WorkflowState {
    pub(crate) fn new(spec: WorkflowSpec, machine: Machine, seed: u64) -> WorkflowState {
        let rng = RngStream::new(seed, &format!("workflow/{}/choices", spec.name));
        WorkflowState {
            spec,
            machine,
            counters: WorkflowCounters::default(),
            durations: Histogram::default(),
            running: 0,
            rng,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }
}

/// Executions and threads, in slabs reused as they finish (memory follows what runs).
#[derive(Clone, Debug, Default)]
pub(crate) struct Orchestrator {
    executions: Vec<(Execution, u32)>, // the execution and its live threads
    free_executions: Vec<u32>,
    threads: Vec<Thread>,
    free_threads: Vec<u32>,
}

impl Simulation {
    /// Starts an execution of `workflow`; `depth`: invocations in the chain that started
    /// it (its tasks are one hop deeper).
    pub(crate) fn start_execution(
        &mut self,
        workflow: u32,
        correlation: u64,
        counted: bool,
        trigger: Option<u32>,
        depth: u16,
    ) {
        let now = self.now;
        let status = ExecutionStatus::Running;
        let execution = Execution { workflow, correlation, counted, trigger, started: now, status, depth };
        let o = &mut self.services.orchestrator;
        let id = match o.free_executions.pop() {
            Some(id) => {
                o.executions[id as usize] = (execution, 0);
                id
            }
            None => {
                o.executions.push((execution, 0));
                (o.executions.len() - 1) as u32
            }
        };
        let w = &mut self.services.workflows[workflow as usize];
        w.counters.started += u64::from(counted);
        w.running += 1;
        let start = w.machine.start;
        self.work_add(correlation, true);
        let thread = self.new_thread(id, None);
        self.enter(thread, start);
    }

    fn new_thread(&mut self, execution: u32, parent: Option<u32>) -> u32 {
        let o = &mut self.services.orchestrator;
        o.executions[execution as usize].1 += 1;
        let t = Thread { execution, state: u32::MAX, parent, pending: 0, attempts: 0, side_effects: 0 };
        match o.free_threads.pop() {
            Some(id) => {
                o.threads[id as usize] = t;
                id
            }
            None => {
                o.threads.push(t);
                (o.threads.len() - 1) as u32
            }
        }
    }

    /// Frees a thread; frees its execution once it is over and has no thread left.
    fn drop_thread(&mut self, thread: u32) {
        let o = &mut self.services.orchestrator;
        let execution = o.threads[thread as usize].execution;
        o.free_threads.push(thread);
        let (e, live) = &mut o.executions[execution as usize];
        *live -= 1;
        if *live == 0 && e.status != ExecutionStatus::Running {
            o.free_executions.push(execution);
        }
    }

    fn execution_of(&self, thread: u32) -> (u32, &Execution) {
        let id = self.services.orchestrator.threads[thread as usize].execution;
        (id, &self.services.orchestrator.executions[id as usize].0)
    }

    /// Moves a thread into `next` and runs states until one has to wait.
    fn enter(&mut self, thread: u32, mut next: Next) {
        loop {
            let (execution, e) = self.execution_of(thread);
            if e.status != ExecutionStatus::Running {
                self.drop_thread(thread);
                return;
            }
            let (workflow, counted) = (e.workflow, e.counted);
            let Some(state) = next else {
                self.thread_ended(thread);
                return;
            };
            self.services.orchestrator.threads[thread as usize].state = state;
            let t = &mut self.services.orchestrator.threads[thread as usize];
            (t.attempts, t.side_effects) = (0, 0);
            let w = &mut self.services.workflows[workflow as usize];
            w.counters.transitions += u64::from(counted);
            match w.machine.states[state as usize].clone() {
                State::Task { .. } => {
                    self.run_task(thread);
                    return;
                }
                State::Choice { probability, then, otherwise } => {
                    next = if w.rng.chance(probability) { then } else { otherwise };
                }
                State::Parallel { branches, next: after } => {
                    if branches.is_empty() {
                        next = after;
                        continue;
                    }
                    self.services.orchestrator.threads[thread as usize].pending = branches.len() as u32;
                    for start in branches {
                        let child = self.new_thread(execution, Some(thread));
                        self.enter(child, start);
                    }
                    return;
                }
                State::Wait { duration, .. } => {
                    self.queue.schedule(self.now + duration, Event::WorkflowWake { thread });
                    return;
                }
                State::Succeed => return self.finish_execution(thread, ExecutionStatus::Succeeded),
                State::Fail => return self.finish_execution(thread, ExecutionStatus::Failed),
                State::Compensated => return self.finish_execution(thread, ExecutionStatus::Compensated),
            }
        }
    }

    /// A branch (or the whole execution) reached its end.
    fn thread_ended(&mut self, thread: u32) {
        let Some(parent) = self.services.orchestrator.threads[thread as usize].parent else {
            return self.finish_execution(thread, ExecutionStatus::Succeeded);
        };
        self.drop_thread(thread);
        let p = &mut self.services.orchestrator.threads[parent as usize];
        p.pending -= 1;
        if p.pending == 0 {
            let (_, e) = self.execution_of(parent);
            let workflow = e.workflow as usize;
            let state = self.services.orchestrator.threads[parent as usize].state as usize;
            if let State::Parallel { next, .. } = self.services.workflows[workflow].machine.states[state] {
                self.enter(parent, next);
            }
        }
    }

    fn finish_execution(&mut self, thread: u32, status: ExecutionStatus) {
        let (id, e) = self.execution_of(thread);
        let (workflow, counted, trigger, started) = (e.workflow, e.counted, e.trigger, e.started);
        self.work_done(e.correlation, status == ExecutionStatus::Failed);
        self.services.orchestrator.executions[id as usize].0.status = status;
        let w = &mut self.services.workflows[workflow as usize];
        w.running -= 1;
        if counted {
            match status {
                ExecutionStatus::Succeeded => w.counters.succeeded += 1,
                ExecutionStatus::Compensated => w.counters.compensated += 1,
                _ => w.counters.failed += 1,
            }
            w.durations.record(self.now.since(started));
            if let Some(t) = trigger {
                let c = &mut self.triggers[t as usize].counters;
                if status == ExecutionStatus::Succeeded {
                    c.succeeded += 1;
                } else {
                    c.failed += 1;
                }
            }
        }
        self.drop_thread(thread);
    }

    /// Invokes the thread's task function (synchronously).
    fn run_task(&mut self, thread: u32) {
        let (_, e) = self.execution_of(thread);
        let (workflow, correlation, counted, depth) = (e.workflow, e.correlation, e.counted, e.depth);
        let state = self.services.orchestrator.threads[thread as usize].state as usize;
        let State::Task { function, .. } = self.services.workflows[workflow as usize].machine.states[state] else {
            return;
        };
        let mut request = InFlight::new(correlation, Origin::Workflow { thread }, self.now, counted);
        request.depth = depth.saturating_add(1);
        if let Err(reason) = self.try_invoke(function, request) {
            self.note_throttle(function, &request, reason);
            self.task_done(thread, Outcome::Failed, false); // a throttle is a retryable error
        }
    }

    /// A task's invocation ended: go on, retry with back-off, compensate, or fail.
    /// A run that did its work before failing (`completed_work`) makes the next attempt's
    /// work a duplicate, as with any other retry, unless the task is idempotent.
    pub(crate) fn task_done(&mut self, thread: u32, outcome: Outcome, completed_work: bool) {
        let (_, e) = self.execution_of(thread);
        if e.status != ExecutionStatus::Running {
            return self.drop_thread(thread); // another branch already failed it
        }
        let (workflow, counted) = (e.workflow, e.counted);
        let state = self.services.orchestrator.threads[thread as usize].state as usize;
        let State::Task { function, retries, backoff, catch, next } =
            self.services.workflows[workflow as usize].machine.states[state].clone()
        else {
            return;
        };
        if completed_work {
            let t = &mut self.services.orchestrator.threads[thread as usize];
            t.side_effects += 1;
            if t.side_effects > 1 {
                self.count_redelivery(function, counted);
            }
        }
        if outcome == Outcome::Succeeded {
            return self.enter(thread, next);
        }
        let t = &mut self.services.orchestrator.threads[thread as usize];
        t.attempts += 1;
        if t.attempts <= retries {
            // A retry is a state transition too (Step Functions bills it).
            let c = &mut self.services.workflows[workflow as usize].counters;
            c.task_retries += u64::from(counted);
            c.transitions += u64::from(counted);
            let delay = crate::sim::kernel::time::SimDuration(backoff.0.saturating_mul(1 << (t.attempts - 1).min(20)));
            self.queue.schedule(self.now + delay, Event::WorkflowWake { thread });
        } else if catch.is_some() {
            self.enter(thread, catch);
        } else {
            self.finish_execution(thread, ExecutionStatus::Failed);
        }
    }

    /// A thread's timer: the end of a wait, or the back-off before a task retry.
    pub(crate) fn workflow_wake(&mut self, thread: u32) {
        let (_, e) = self.execution_of(thread);
        if e.status != ExecutionStatus::Running {
            return self.drop_thread(thread);
        }
        let workflow = e.workflow as usize;
        let state = self.services.orchestrator.threads[thread as usize].state as usize;
        match self.services.workflows[workflow].machine.states[state] {
            State::Wait { next, .. } => self.enter(thread, next),
            State::Task { .. } => self.run_task(thread),
            _ => {}
        }
    }
}
