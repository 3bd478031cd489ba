//! Diagnosis challenges (observability exercises): an incident happens during the run
//! and the player names its cause, a node of the scenario and a mechanism, from the
//! traces, logs and metrics. The scenario's `diagnosis` block holds the right answer
//! and what showed it first (said in the debrief); the player's answer comes from
//! `faaslab run --answer NODE:CAUSE` or the app's Diagnose panel, and the `Diagnosis`
//! objective passes only when it matches.

use crate::sim::config::SimConfig;
use crate::sim::names::{Named, quoted};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The mechanism behind an incident: what changed, or what the system did to itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cause {
    /// A downstream call (a database, an API, another function) got slower.
    SlowDependency,
    /// A downstream call started failing (errors, not slowness).
    FailingDependency,
    /// Retries multiplied the load on something already struggling.
    RetryStorm,
    /// New environments starting: requests waited for initialisation.
    ColdStarts,
    /// Requests refused at a concurrency or scaling limit (429 from the platform).
    Throttling,
    /// A database ran out of connections (refused, or waited for a pooled one).
    ConnectionExhaustion,
    /// A third-party API refused requests over its rate limit (429 from the provider).
    RateLimited,
    /// A queue's consumer fell behind: messages waited.
    QueueBacklog,
}

impl Cause {
    /// Every cause, in the order the app's picker and messages list them.
    pub const ALL: [Cause; 8] = [
        Cause::SlowDependency,
        Cause::FailingDependency,
        Cause::RetryStorm,
        Cause::ColdStarts,
        Cause::Throttling,
        Cause::ConnectionExhaustion,
        Cause::RateLimited,
        Cause::QueueBacklog,
    ];

    /// As the command line writes it: `slow-dependency`.
    pub fn word(self) -> &'static str {
        match self {
            Cause::SlowDependency => "slow-dependency",
            Cause::FailingDependency => "failing-dependency",
            Cause::RetryStorm => "retry-storm",
            Cause::ColdStarts => "cold-starts",
            Cause::Throttling => "throttling",
            Cause::ConnectionExhaustion => "connection-exhaustion",
            Cause::RateLimited => "rate-limited",
            Cause::QueueBacklog => "queue-backlog",
        }
    }

    /// A cause by its command-line word or its scenario-file name, any case.
    pub fn parse(text: &str) -> Option<Cause> {
        let t = text.trim();
        Cause::ALL.into_iter().find(|c| c.word().eq_ignore_ascii_case(t) || format!("{c:?}").eq_ignore_ascii_case(t))
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The right answer of a diagnosis challenge, as the scenario writes it:
/// `diagnosis: (node: "inventory-db", cause: SlowDependency, first_signal: "...")`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    /// The node where the cause is (any node of the scenario, by name).
    pub node: String,
    pub cause: Cause,
    /// Which signal showed it first, and when: said in the debrief.
    pub first_signal: String,
}

impl Diagnosis {
    /// The right answer.
    pub fn answer(&self) -> Answer {
        Answer { node: self.node.clone(), cause: self.cause }
    }
}

/// A player's diagnosis: a node and a cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub node: String,
    pub cause: Cause,
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.node, self.cause)
    }
}

impl Answer {
    /// Parses `NODE:CAUSE` (`inventory-db:slow-dependency`); an unknown node or cause
    /// is an error that lists the valid ones.
    pub fn parse(text: &str, config: &SimConfig) -> Result<Answer, String> {
        let causes = || Cause::ALL.map(Cause::word).join(", ");
        let Some((node, cause)) = text.trim().rsplit_once(':') else {
            return Err(format!(
                "expected NODE:CAUSE, such as {}:slow-dependency, got {}",
                example(config),
                quoted(text)
            ));
        };
        let (node, cause_text) = (node.trim(), cause.trim());
        let nodes = node_names(config);
        if !nodes.contains(&node) {
            return Err(format!("no node {} in this scenario (nodes: {})", quoted(node), nodes.join(", ")));
        }
        let Some(cause) = Cause::parse(cause_text) else {
            return Err(format!("no cause {} (causes: {})", quoted(cause_text), causes()));
        };
        Ok(Answer { node: node.to_string(), cause })
    }
}

fn example(config: &SimConfig) -> String {
    node_names(config).first().map_or("NODE".to_string(), |n| n.to_string())
}

/// Every node a diagnosis may name: triggers, functions, queues, databases, APIs,
/// buckets, streams, buses and workflows, in that order.
pub fn node_names(config: &SimConfig) -> Vec<&str> {
    fn names<T: Named>(items: &[T]) -> impl Iterator<Item = &str> {
        items.iter().map(Named::name)
    }
    let mut out: Vec<&str> = config.triggers.iter().map(|t| t.name()).collect();
    out.extend(names(&config.functions));
    out.extend(names(&config.queues));
    out.extend(names(&config.databases));
    out.extend(names(&config.apis));
    out.extend(names(&config.buckets));
    out.extend(names(&config.streams));
    out.extend(names(&config.buses));
    out.extend(names(&config.workflows));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_reads_back_from_its_word_and_its_file_name() {
        for c in Cause::ALL {
            assert_eq!(Cause::parse(c.word()), Some(c));
            assert_eq!(Cause::parse(&format!("{c:?}")), Some(c));
        }
        assert_eq!(Cause::parse(" Retry-Storm "), Some(Cause::RetryStorm));
        assert_eq!(Cause::parse("gremlins"), None);
    }
}
