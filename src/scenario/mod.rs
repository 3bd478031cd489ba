//! Scenario files (RON): the schema, loading, validation and precise error messages.
//! See docs/scenario-format.md for the format.

pub mod locate;

use crate::sim::bus::BusSpec;
use crate::sim::config::{Account, SimConfig, TriggerSpec};
use crate::sim::cost::ServerFleet;
use crate::sim::database::DatabaseSpec;
use crate::sim::function::FunctionSpec;
use crate::sim::queue::QueueSpec;
use crate::sim::storage::BucketSpec;
use crate::sim::stream::StreamSpec;
use crate::sim::time::SimDuration;
use crate::sim::workflow::WorkflowSpec;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// A scenario as written in a `.ron` file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    /// One line: what the scenario shows.
    #[serde(default)]
    pub summary: String,
    /// What the scenario teaches, in a few paragraphs.
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub duration: SimDuration,
    /// Requests that arrive before this are left out of the metrics.
    #[serde(default)]
    pub warmup: SimDuration,
    #[serde(default)]
    pub account: Account,
    pub functions: Vec<FunctionSpec>,
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
    #[serde(default)]
    pub queues: Vec<QueueSpec>,
    #[serde(default)]
    pub databases: Vec<DatabaseSpec>,
    #[serde(default)]
    pub buses: Vec<BusSpec>,
    #[serde(default)]
    pub buckets: Vec<BucketSpec>,
    #[serde(default)]
    pub streams: Vec<StreamSpec>,
    #[serde(default)]
    pub workflows: Vec<WorkflowSpec>,
    /// The always-on alternative the cost is compared with.
    #[serde(default)]
    pub server_fleet: ServerFleet,
}

fn default_seed() -> u64 {
    1
}

/// The scenario library, embedded in the binary (the app's picker and the web build
/// need no files): (name, RON text), in the order a course would take them.
pub const LIBRARY: &[(&str, &str)] = &[
    ("default", include_str!("../../scenarios/default.ron")),
    ("keep-alive-steady-state", include_str!("../../scenarios/keep-alive-steady-state.ron")),
    ("database-storm", include_str!("../../scenarios/database-storm.ron")),
    ("sqs-worker", include_str!("../../scenarios/sqs-worker.ron")),
    ("orchestration-vs-choreography", include_str!("../../scenarios/orchestration-vs-choreography.ron")),
    ("image-upload-pipeline", include_str!("../../scenarios/image-upload-pipeline.ron")),
];

/// A built-in scenario by name, parsed (`None` if no such name).
pub fn built_in(name: &str) -> Option<Result<Scenario, ScenarioError>> {
    LIBRARY.iter().find(|(n, _)| *n == name).map(|(n, text)| Scenario::parse(text, &format!("built-in scenario {n}")))
}

/// The scenario the app opens and `faaslab run` uses when given no file.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.ron");
pub const DEFAULT_SCENARIO_FILE: &str = "scenarios/default.ron";

impl Scenario {
    /// The simulation configuration this scenario describes.
    pub fn to_config(&self) -> SimConfig {
        SimConfig {
            seed: self.seed,
            duration: self.duration,
            warmup: self.warmup,
            account: self.account.clone(),
            functions: self.functions.clone(),
            triggers: self.triggers.clone(),
            queues: self.queues.clone(),
            databases: self.databases.clone(),
            buses: self.buses.clone(),
            buckets: self.buckets.clone(),
            streams: self.streams.clone(),
            workflows: self.workflows.clone(),
            server_fleet: self.server_fleet.clone(),
        }
    }

    /// Parses and validates scenario text; `origin` names it in messages (a path).
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        // Implicit `Some` lets optional fields be written plainly
        // (`LogNormal(median: "120ms", p99: "900ms")`); `Some(10)` still works.
        let options = ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
        let scenario: Scenario = options.from_str(text).map_err(|e| ScenarioError {
            diagnostics: vec![Diagnostic {
                origin: origin.to_string(),
                line: e.span.start.line,
                column: e.span.start.col,
                path: String::new(),
                message: e.code.to_string(),
            }],
        })?;
        let problems = scenario.to_config().problems();
        if problems.is_empty() {
            return Ok(scenario);
        }
        let positions = locate::value_positions(text);
        let diagnostics = problems
            .into_iter()
            .map(|p| {
                let (line, column) = locate::locate(&positions, &p.path).unwrap_or((1, 1));
                Diagnostic { origin: origin.to_string(), line, column, path: p.path, message: p.message }
            })
            .collect();
        Err(ScenarioError { diagnostics })
    }

    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            diagnostics: vec![Diagnostic {
                origin: origin.clone(),
                line: 0,
                column: 0,
                path: String::new(),
                message: format!("cannot read the file: {e}"),
            }],
        })?;
        Scenario::parse(&text, &origin)
    }

    /// The built-in default scenario.
    pub fn default_scenario() -> Scenario {
        Scenario::parse(DEFAULT_SCENARIO, DEFAULT_SCENARIO_FILE)
            .expect("the built-in default scenario is valid (tested)")
    }

    /// The scenario as RON text (round-trips through `parse`).
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new().struct_names(true);
        ron::ser::to_string_pretty(self, config).unwrap_or_default()
    }
}

/// One problem in a scenario, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file (or other origin) of the text.
    pub origin: String,
    /// 1-based; 0 when the problem is not in the text (an unreadable file).
    pub line: usize,
    pub column: usize,
    /// The value's path, such as `functions[0].memory_mb` (empty for syntax errors).
    pub path: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: {}", self.origin, self.message);
        }
        write!(f, "{}:{}:{}: ", self.origin, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

/// Everything wrong with a scenario, one diagnostic per problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}
