//! Validation: every problem of a configuration (not only the first), each with its
//! path (`functions[0].memory_mb`) and what was expected. Each spec type checks its own
//! fields (`FunctionSpec::problems`, `QueueSpec::problems`, ...); names are looked up
//! in sets built once, so checking grows linearly with the size of the scenario.
//!
//! This file holds what every check shares: where a problem goes and its path (`At`,
//! `join`), the names a configuration defines (`Names`, and the message for an unknown
//! one) and `each` (a list's items, and no repeated name). The checks live in `config`
//! (the entry point `SimConfig::problems`, the account, the fleet), `functions`,
//! `triggers`, `queues` (and streams, buses), `workflows`, `services` (buckets, APIs,
//! databases, residency), `flows` and `timeline`.

mod config;
mod flows;
mod functions;
mod queues;
mod services;
mod timeline;
mod triggers;
mod workflows;

pub(crate) use timeline::action_problems;

use crate::sim::config::{Problem, SimConfig};
use crate::sim::names::{Named, quoted};
use std::collections::HashSet;

/// Where problems go, and the path of the item being checked.
pub(crate) struct At<'a> {
    out: &'a mut Vec<Problem>,
    path: String,
}

impl At<'_> {
    /// A problem with `field` of the item (the item itself when `field` is empty).
    pub(crate) fn push(&mut self, field: &str, message: String) {
        self.out.push(Problem { path: join(&self.path, field), message });
    }
}

pub(crate) fn join(base: &str, field: &str) -> String {
    if field.is_empty() { base.to_string() } else { format!("{base}.{field}") }
}

/// The names a configuration defines, per kind, for lookups in constant time.
pub(crate) struct Names<'a> {
    config: &'a SimConfig,
    functions: HashSet<&'a str>,
    queues: HashSet<&'a str>,
    databases: HashSet<&'a str>,
    buses: HashSet<&'a str>,
    buckets: HashSet<&'a str>,
    streams: HashSet<&'a str>,
    workflows: HashSet<&'a str>,
    apis: HashSet<&'a str>,
}

/// At most this many known names are listed in a message about an unknown one.
const NAMES_LISTED: usize = 12;

fn set_of<T: Named>(items: &[T]) -> HashSet<&str> {
    items.iter().map(Named::name).collect()
}

/// `Some("no queue is named "x" (queues: a, b)")` when `name` is not in `known`.
fn unknown<T: Named>(kind: &str, plural: &str, name: &str, known: &HashSet<&str>, items: &[T]) -> Option<String> {
    if known.contains(name) {
        return None;
    }
    let mut listed: Vec<&str> = items.iter().take(NAMES_LISTED).map(Named::name).collect();
    let more = items.len().saturating_sub(NAMES_LISTED);
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    listed.dedup();
    if listed.is_empty() {
        return Some(format!("no {kind} is named {} (the scenario has no {plural})", quoted(name)));
    }
    let listed: Vec<String> = listed.into_iter().map(quoted).collect();
    Some(format!("no {kind} is named {} ({plural}: {}{more})", quoted(name), listed.join(", ")))
}

impl<'a> Names<'a> {
    pub(crate) fn of(config: &'a SimConfig) -> Names<'a> {
        Names {
            config,
            functions: set_of(&config.functions),
            queues: set_of(&config.queues),
            databases: set_of(&config.databases),
            buses: set_of(&config.buses),
            buckets: set_of(&config.buckets),
            streams: set_of(&config.streams),
            workflows: set_of(&config.workflows),
            apis: set_of(&config.apis),
        }
    }
    pub(crate) fn unknown_function(&self, name: &str) -> Option<String> {
        unknown("function", "functions", name, &self.functions, &self.config.functions)
    }
    pub(crate) fn unknown_queue(&self, name: &str) -> Option<String> {
        unknown("queue", "queues", name, &self.queues, &self.config.queues)
    }
    pub(crate) fn unknown_database(&self, name: &str) -> Option<String> {
        unknown("database", "databases", name, &self.databases, &self.config.databases)
    }
    pub(crate) fn unknown_bus(&self, name: &str) -> Option<String> {
        unknown("bus", "buses", name, &self.buses, &self.config.buses)
    }
    pub(crate) fn unknown_bucket(&self, name: &str) -> Option<String> {
        unknown("bucket", "buckets", name, &self.buckets, &self.config.buckets)
    }
    pub(crate) fn unknown_stream(&self, name: &str) -> Option<String> {
        unknown("stream", "streams", name, &self.streams, &self.config.streams)
    }
    pub(crate) fn unknown_api(&self, name: &str) -> Option<String> {
        unknown("third-party API", "apis", name, &self.apis, &self.config.apis)
    }
    pub(crate) fn unknown_workflow(&self, name: &str) -> Option<String> {
        unknown("workflow", "workflows", name, &self.workflows, &self.config.workflows)
    }
}

/// Checks each item of a list with `check`, at `plural[i]`, and that no name repeats.
fn each<'a, T: Named>(
    out: &mut Vec<Problem>,
    plural: &str,
    kind: &str,
    items: &'a [T],
    mut check: impl FnMut(&'a T, &mut At),
) {
    let mut seen = HashSet::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let mut at = At { out: &mut *out, path: format!("{plural}[{i}]") };
        if !seen.insert(item.name()) {
            at.push("name", format!("the name {} is used by another {kind}", quoted(item.name())));
        }
        check(item, &mut at);
    }
}
