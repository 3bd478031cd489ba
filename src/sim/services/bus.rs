//! An event bus (EventBridge-like): rules match events by detail type (and optionally
//! source) and route them to targets. Publishers do not know their consumers:
//! choreography.

use crate::sim::Simulation;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::queue::Sent;
use serde::{Deserialize, Serialize};

/// A bus as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusSpec {
    pub name: String,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// A rule: events of this detail type (from this source, if given) go to the targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub detail_type: String,
    /// The publisher: a function's or a trigger's name. Any source when absent.
    #[serde(default)]
    pub source: Option<String>,
    pub targets: Vec<BusTarget>,
}

/// Where a matched event goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum BusTarget {
    /// An asynchronous invocation of a function.
    Function(String),
    /// A message on a queue.
    Queue(String),
    /// An execution of a workflow.
    Workflow(String),
}

/// A rule with its targets resolved to indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ResolvedTarget {
    Function(u32),
    Queue(u32),
    Workflow(u32),
}

/// Counts over events published after the warm-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BusCounters {
    pub published: u64,
    /// Events no rule matched (dropped silently, as EventBridge does).
    pub unmatched: u64,
    /// Target deliveries (one event can go to several targets).
    pub deliveries: u64,
}

/// A bus at run time.
#[derive(Clone, Debug)]
pub struct BusState {
    pub spec: BusSpec,
    pub(crate) rules: Vec<(String, Option<String>, Vec<ResolvedTarget>)>,
    pub counters: BusCounters,
}

impl BusState {
    pub(crate) fn new(
        spec: BusSpec,
        function: impl Fn(&str) -> u32,
        queue: impl Fn(&str) -> u32,
        workflow: impl Fn(&str) -> u32,
    ) -> BusState {
        let rules = spec
            .rules
            .iter()
            .map(|r| {
                let targets = r
                    .targets
                    .iter()
                    .map(|t| match t {
                        BusTarget::Function(f) => ResolvedTarget::Function(function(f)),
                        BusTarget::Queue(q) => ResolvedTarget::Queue(queue(q)),
                        BusTarget::Workflow(w) => ResolvedTarget::Workflow(workflow(w)),
                    })
                    .collect();
                (r.detail_type.clone(), r.source.clone(), targets)
            })
            .collect();
        BusState { spec, rules, counters: BusCounters::default() }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// The targets an event reaches, in rule order.
    pub(crate) fn route(&self, detail_type: &str, source: &str) -> Vec<ResolvedTarget> {
        self.rules
            .iter()
            .filter(|(t, s, _)| t == detail_type && s.as_deref().is_none_or(|s| s == source))
            .flat_map(|(_, _, targets)| targets.iter().cloned())
            .collect()
    }
}

impl Simulation {
    /// Routes an event to every target of every matching rule. `depth`: invocations
    /// in the publisher's chain (0 from a trigger); past `MAX_RECURSION` the event is
    /// published but delivered nowhere (a loop stopped).
    pub(crate) fn publish(
        &mut self,
        bus: u32,
        detail_type: &str,
        source: &str,
        correlation: u64,
        counted: bool,
        depth: u16,
    ) {
        let b = &mut self.services.buses[bus as usize];
        let targets = b.route(detail_type, source);
        if counted {
            b.counters.published += 1;
            b.counters.unmatched += u64::from(targets.is_empty());
        }
        if targets.is_empty() || !self.loop_allows(depth, counted) {
            return;
        }
        self.services.buses[bus as usize].counters.deliveries += u64::from(counted) * targets.len() as u64;
        for target in targets {
            match target {
                ResolvedTarget::Function(f) => {
                    self.new_async_event_with(f, correlation, counted, None, depth + 1, SimDuration::ZERO)
                }
                ResolvedTarget::Queue(q) => {
                    let sent = Sent {
                        sent_at: self.now,
                        correlation,
                        counted,
                        poison: false,
                        trigger: None,
                        fetch: SimDuration::ZERO,
                        depth,
                        dead: None,
                    };
                    self.send_message(q, sent);
                }
                ResolvedTarget::Workflow(w) => self.start_execution(w, correlation, counted, None, depth),
            }
        }
    }
}
