//! Scenario files (RON): the schema, loading, validation and precise error messages.
//! See docs/scenario-format.md for the format.

pub mod brief;
pub mod challenge;
pub mod diagnosis;
pub mod locate;
pub mod objective;

use challenge::Challenge;

use crate::sim::config::{Account, SimConfig};
use crate::sim::function::FunctionSpec;
use crate::sim::kernel::cost::ServerFleet;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::api::ApiSpec;
use crate::sim::services::bus::BusSpec;
use crate::sim::services::database::DatabaseSpec;
use crate::sim::services::queue::QueueSpec;
use crate::sim::services::storage::BucketSpec;
use crate::sim::services::stream::StreamSpec;
use crate::sim::services::workflow::WorkflowSpec;
use crate::sim::timeline::TimelineEntry;
use crate::sim::trigger::TriggerSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// A scenario: what it is called and teaches, the configuration a run is built from,
/// and optionally a challenge. The configuration is the one source of truth for every
/// setting: the command line's `--set`, the app's knobs, share links and Save .ron all
/// edit `config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "ScenarioFile", into = "ScenarioFile")]
pub struct Scenario {
    pub name: String,
    /// One line: what the scenario shows.
    pub summary: String,
    /// What the scenario teaches, in a few paragraphs.
    pub description: String,
    pub config: SimConfig,
    /// Makes the scenario a challenge: objectives to meet with a few knobs.
    pub challenge: Option<Challenge>,
}

/// A scenario as written in a `.ron` file (docs/scenario-format.md): the configuration's
/// fields sit at the top level beside the name, as authors write them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename = "Scenario")]
struct ScenarioFile {
    name: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_seed")]
    seed: u64,
    /// Required, except in a design (which takes its brief's).
    #[serde(default)]
    duration: SimDuration,
    /// Requests that arrive before this are left out of the metrics.
    #[serde(default)]
    warmup: SimDuration,
    #[serde(default)]
    account: Account,
    #[serde(default)]
    functions: Vec<FunctionSpec>,
    #[serde(default)]
    triggers: Vec<TriggerSpec>,
    #[serde(default)]
    queues: Vec<QueueSpec>,
    #[serde(default)]
    databases: Vec<DatabaseSpec>,
    #[serde(default)]
    buses: Vec<BusSpec>,
    #[serde(default)]
    buckets: Vec<BucketSpec>,
    #[serde(default)]
    streams: Vec<StreamSpec>,
    #[serde(default)]
    workflows: Vec<WorkflowSpec>,
    /// Third-party APIs the handlers call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    apis: Vec<ApiSpec>,
    /// Requirements: the effects each request of a flow must cause, whatever the design.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    flows: Vec<crate::sim::services::flows::FlowSpec>,
    /// The always-on alternative the cost is compared with.
    #[serde(default)]
    server_fleet: ServerFleet,
    /// Arrival-rate multipliers by trigger name, as the `rate` and `enabled` knobs set
    /// them (`{"checkout": 2.0}`; 0 switches a trigger off).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    rate_scales: BTreeMap<String, f64>,
    /// Queues whose dead-letter queue is written but not attached (the `dlq` knob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    detached_dlqs: Vec<String>,
    /// Triggers served by the always-on server fleet instead (the `fleet` knob).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fleet_triggers: Vec<String>,
    /// Scripted changes at simulated times: captions, knob changes, faults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    timeline: Vec<TimelineEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    challenge: Option<Challenge>,
    /// A design: the brief (a library name or a path beside this file) whose world it
    /// runs in (see `brief.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    brief: Option<String>,
    /// A design's wiring of its brief's triggers, buckets and streams.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    connect: Vec<brief::Connect>,
}

impl From<ScenarioFile> for Scenario {
    fn from(mut f: ScenarioFile) -> Scenario {
        brief::stand_in_for_unwired(&mut f);
        let config = SimConfig {
            seed: f.seed,
            duration: f.duration,
            warmup: f.warmup,
            account: f.account,
            functions: SimConfig::shared(f.functions),
            triggers: SimConfig::shared(f.triggers),
            queues: f.queues,
            databases: f.databases,
            buses: f.buses,
            buckets: f.buckets,
            streams: f.streams,
            workflows: f.workflows,
            apis: f.apis,
            flows: f.flows,
            server_fleet: f.server_fleet,
            rate_scales: f.rate_scales,
            detached_dlqs: f.detached_dlqs,
            fleet_triggers: f.fleet_triggers,
            timeline: f.timeline,
        };
        Scenario { name: f.name, summary: f.summary, description: f.description, config, challenge: f.challenge }
    }
}

impl From<Scenario> for ScenarioFile {
    fn from(s: Scenario) -> ScenarioFile {
        let c = s.config;
        ScenarioFile {
            name: s.name,
            summary: s.summary,
            description: s.description,
            seed: c.seed,
            duration: c.duration,
            warmup: c.warmup,
            account: c.account,
            functions: c.functions.into_iter().map(std::sync::Arc::unwrap_or_clone).collect(),
            triggers: c.triggers.into_iter().map(std::sync::Arc::unwrap_or_clone).collect(),
            queues: c.queues,
            databases: c.databases,
            buses: c.buses,
            buckets: c.buckets,
            streams: c.streams,
            workflows: c.workflows,
            apis: c.apis,
            flows: c.flows,
            server_fleet: c.server_fleet,
            rate_scales: c.rate_scales,
            detached_dlqs: c.detached_dlqs,
            fleet_triggers: c.fleet_triggers,
            timeline: c.timeline,
            challenge: s.challenge,
            brief: None,
            connect: Vec::new(),
        }
    }
}

fn default_seed() -> u64 {
    1
}

/// The scenario library, embedded in the binary (the app's picker and the web build
/// need no files): (name, RON text), in the order a course would take them.
pub const LIBRARY: &[(&str, &str)] = &[
    ("default", include_str!("../../scenarios/default.ron")),
    ("keep-alive-steady-state", include_str!("../../scenarios/keep-alive-steady-state.ron")),
    ("runtime-and-package-size", include_str!("../../scenarios/runtime-and-package-size.ron")),
    ("provisioned-concurrency", include_str!("../../scenarios/provisioned-concurrency.ron")),
    ("memory-power-tuning", include_str!("../../scenarios/memory-power-tuning.ron")),
    ("spiky-vs-server-fleet", include_str!("../../scenarios/spiky-vs-server-fleet.ron")),
    ("concurrency-limits", include_str!("../../scenarios/concurrency-limits.ron")),
    ("database-storm", include_str!("../../scenarios/database-storm.ron")),
    ("one-vs-many-per-environment", include_str!("../../scenarios/one-vs-many-per-environment.ron")),
    ("sqs-worker", include_str!("../../scenarios/sqs-worker.ron")),
    ("retries-and-idempotency", include_str!("../../scenarios/retries-and-idempotency.ron")),
    ("nightly-job", include_str!("../../scenarios/nightly-job.ron")),
    ("orchestration-vs-choreography", include_str!("../../scenarios/orchestration-vs-choreography.ron")),
    ("function-chains", include_str!("../../scenarios/function-chains.ron")),
    ("giant-vs-split-functions", include_str!("../../scenarios/giant-vs-split-functions.ron")),
    ("local-state-and-caches", include_str!("../../scenarios/local-state-and-caches.ron")),
    ("payload-claim-check", include_str!("../../scenarios/payload-claim-check.ron")),
    ("regional-latency", include_str!("../../scenarios/regional-latency.ron")),
    ("image-upload-pipeline", include_str!("../../scenarios/image-upload-pipeline.ron")),
    ("third-party-api", include_str!("../../scenarios/third-party-api.ron")),
    ("search-index-sync", include_str!("../../scenarios/search-index-sync.ron")),
    ("least-privilege", include_str!("../../scenarios/least-privilege.ron")),
    ("config-and-secrets", include_str!("../../scenarios/config-and-secrets.ron")),
    ("ml-thumbnailer-tmp", include_str!("../../scenarios/ml-thumbnailer-tmp.ron")),
    ("low-latency-game", include_str!("../../scenarios/low-latency-game.ron")),
    ("websocket-chat", include_str!("../../scenarios/websocket-chat.ron")),
    ("dlq-redrive", include_str!("../../scenarios/dlq-redrive.ron")),
    ("incident-checkout-latency", include_str!("../../scenarios/incident-checkout-latency.ron")),
    ("brief-image-upload", include_str!("../../scenarios/brief-image-upload.ron")),
    ("brief-search-sync", include_str!("../../scenarios/brief-search-sync.ron")),
    ("brief-order-placement", include_str!("../../scenarios/brief-order-placement.ron")),
    ("brief-nightly-report", include_str!("../../scenarios/brief-nightly-report.ron")),
    ("brief-payment-webhook", include_str!("../../scenarios/brief-payment-webhook.ron")),
    ("brief-read-api", include_str!("../../scenarios/brief-read-api.ron")),
];

/// A built-in scenario by name, parsed (`None` if no such name).
pub fn built_in(name: &str) -> Option<Result<Scenario, ScenarioError>> {
    (LIBRARY.iter().chain(DESIGNS))
        .find(|(n, _)| *n == name)
        .map(|(n, text)| Scenario::parse(text, &format!("built-in scenario {n}")))
}

/// What to say when `name` is neither a file nor a built-in name: the built-in names it
/// is part of (`image-upload`, `keepalive`), else the closest one when it is near (a
/// typo: two letters, or a quarter of them, differ), and where the list is.
pub fn unknown_built_in(name: &str) -> String {
    let names: Vec<&str> = LIBRARY.iter().chain(DESIGNS).map(|(n, _)| *n).collect();
    let letters = |s: &str| s.to_lowercase().replace(['-', '_', ' '], "");
    let wanted = letters(name);
    let mut near: Vec<&str> =
        names.iter().copied().filter(|n| wanted.len() >= 3 && letters(n).contains(&wanted)).take(4).collect();
    if near.is_empty() {
        let nearest = names.iter().map(|n| (edit_distance(name, n), *n)).min();
        near.extend(nearest.filter(|&(d, n)| d <= (n.len() / 4).max(2)).map(|(_, n)| n));
    }
    let hint = match &near[..] {
        [] => String::new(),
        [one] => format!("did you mean \"{one}\"? "),
        many => {
            format!("did you mean one of {}? ", many.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "))
        }
    };
    format!("{name}: no such file, and no built-in scenario or design by that name ({hint}`faaslab list` shows them)")
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substituted = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Designs for the library's briefs, embedded too: each brief's reference (named by its
/// challenge's `reference_design`) and typical flawed designs that fail it for a
/// teaching reason. Run by name like a library scenario (`faaslab run NAME`).
pub const DESIGNS: &[(&str, &str)] = &[
    ("image-upload-reference", include_str!("../../scenarios/designs/image-upload-reference.ron")),
    ("image-upload-one-function", include_str!("../../scenarios/designs/image-upload-one-function.ron")),
    ("image-upload-not-idempotent", include_str!("../../scenarios/designs/image-upload-not-idempotent.ron")),
    ("search-sync-reference", include_str!("../../scenarios/designs/search-sync-reference.ron")),
    ("search-sync-defaults", include_str!("../../scenarios/designs/search-sync-defaults.ron")),
    ("search-sync-give-up-batch", include_str!("../../scenarios/designs/search-sync-give-up-batch.ron")),
    ("order-placement-orchestrated", include_str!("../../scenarios/designs/order-placement-orchestrated.ron")),
    ("order-placement-choreographed", include_str!("../../scenarios/designs/order-placement-choreographed.ron")),
    ("order-placement-no-compensation", include_str!("../../scenarios/designs/order-placement-no-compensation.ron")),
    ("order-placement-not-idempotent", include_str!("../../scenarios/designs/order-placement-not-idempotent.ron")),
    ("order-placement-ship-unpaid", include_str!("../../scenarios/designs/order-placement-ship-unpaid.ron")),
    ("nightly-report-fan-out", include_str!("../../scenarios/designs/nightly-report-fan-out.ron")),
    ("nightly-report-one-function", include_str!("../../scenarios/designs/nightly-report-one-function.ron")),
    ("nightly-report-unbounded", include_str!("../../scenarios/designs/nightly-report-unbounded.ron")),
    ("payment-webhook-reference", include_str!("../../scenarios/designs/payment-webhook-reference.ron")),
    ("payment-webhook-synchronous", include_str!("../../scenarios/designs/payment-webhook-synchronous.ron")),
    ("payment-webhook-not-idempotent", include_str!("../../scenarios/designs/payment-webhook-not-idempotent.ron")),
    ("read-api-reference", include_str!("../../scenarios/designs/read-api-reference.ron")),
    ("read-api-defaults", include_str!("../../scenarios/designs/read-api-defaults.ron")),
    ("read-api-provisioned-for-peak", include_str!("../../scenarios/designs/read-api-provisioned-for-peak.ron")),
];

/// The scenario the app opens and `faaslab run` uses when given no file.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.ron");
pub const DEFAULT_SCENARIO_FILE: &str = "scenarios/default.ron";

impl Scenario {
    /// Everything wrong with the scenario: its configuration, then its challenge.
    pub fn problems(&self) -> Vec<crate::sim::config::Problem> {
        let mut problems = self.config.problems();
        if let Some(c) = &self.challenge
            && problems.is_empty()
        {
            c.problems(&self.config, &mut problems);
        }
        problems
    }

    /// Applies the challenge's reference solution (a teacher shows the answer): its knob
    /// settings, or for a brief its reference design in place of the brief.
    pub fn apply_reference(&mut self) -> Result<(), String> {
        let Some(challenge) = self.challenge.clone() else {
            return Err(format!("scenario \"{}\" has no challenge, so no reference solution", self.name));
        };
        if let Some(design) = &challenge.reference_design {
            let seed = self.config.seed;
            *self = match built_in(design) {
                Some(Ok(s)) => s,
                Some(Err(e)) => return Err(format!("the reference design {design:?} is invalid:\n{e}")),
                None => return Err(format!("no built-in design is named {design:?}")),
            };
            self.config.seed = seed;
        }
        for (name, value) in &challenge.reference {
            self.set_knob(name, value)?;
        }
        // A diagnosis exercise's reference answer is the right one.
        if let Some(c) = &mut self.challenge
            && let Some(d) = &c.diagnosis
        {
            c.answer = Some(d.answer());
        }
        Ok(())
    }

    /// Sets a knob as a challenge's player may: only its allowed knobs, within range.
    pub fn set_challenge_knob(&mut self, name: &str, value: &str) -> Result<(), String> {
        let Some(challenge) = &self.challenge else {
            return Err(format!("scenario \"{}\" has no challenge", self.name));
        };
        let Some(allowed) = challenge.allowed(name) else {
            let names: Vec<&str> = challenge.knobs.iter().map(|k| k.knob.as_str()).collect();
            if names.is_empty() {
                // A brief's challenge: answered by a design file, not by knobs.
                return Err(format!(
                    "knob \"{name}\" is locked: this challenge allows no knob changes (a brief is answered by a design: a file that names it, see docs/scenario-format.md, Briefs and designs)"
                ));
            }
            return Err(format!("knob \"{name}\" is locked in this challenge (allowed: {})", names.join(", ")));
        };
        allowed.check(&self.config, value)?;
        self.set_knob(name, value)
    }

    /// Sets a knob (`api.memory`, `1024`) in the scenario, checking the result.
    pub fn set_knob(&mut self, name: &str, value: &str) -> Result<(), String> {
        crate::sim::knobs::set(&mut self.config, name, value)
    }

    /// A knob's current value, as text `set_knob` accepts.
    pub fn knob_value(&self, name: &str) -> Result<String, String> {
        crate::sim::knobs::resolve(&self.config, name).map(|id| id.current(&self.config))
    }

    /// Parses and validates scenario text; `origin` names it in messages (a path). A
    /// UTF-8 byte-order mark at the start is ignored (editors on Windows write one).
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let text = strip_bom(text);
        let file = deserialize(text, origin)?;
        let scenario = match file.brief.clone() {
            None => Scenario::from(file),
            Some(name) => match brief::merge(file, &name, origin) {
                Ok(merged) => Scenario::from(merged),
                Err(brief::MergeError::Brief(e)) => return Err(e),
                Err(brief::MergeError::Design(problems)) => return Err(positioned(text, origin, problems)),
            },
        };
        let problems = scenario.problems();
        if problems.is_empty() {
            return Ok(scenario);
        }
        Err(positioned(text, origin, problems))
    }
}

/// A scenario file's text read as written (not yet merged with a brief or validated).
fn deserialize(text: &str, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    let text = strip_bom(text);
    // Implicit `Some` lets optional fields be written plainly
    // (`LogNormal(median: "120ms", p99: "900ms")`); `Some(10)` still works.
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .with_recursion_limit(MAX_NESTING);
    options.from_str(text).map_err(|e| ScenarioError {
        diagnostics: vec![Diagnostic {
            origin: origin.to_string(),
            line: e.span.start.line,
            column: e.span.start.col,
            path: String::new(),
            message: match e.code {
                ron::Error::ExceededRecursionLimit => format!(
                    "nested too deeply: brackets and parentheses may nest at most {MAX_NESTING} levels, which allows workflow steps (Parallel, Choice, catch) about {MAX_STEP_NESTING} levels inside each other"
                ),
                code => code.to_string(),
            },
        }],
    })
}

/// Problems placed at the line and column of their path in `text`.
fn positioned(text: &str, origin: &str, problems: Vec<crate::sim::config::Problem>) -> ScenarioError {
    {
        let positions = locate::value_positions(text);
        let diagnostics = problems
            .into_iter()
            .map(|p| {
                let (line, column) = locate::locate(&positions, &p.path).unwrap_or((1, 1));
                Diagnostic { origin: origin.to_string(), line, column, path: p.path, message: p.message }
            })
            .collect();
        ScenarioError { diagnostics }
    }
}

impl Scenario {
    /// Parses and validates scenario text, and finds what runs but is almost surely a
    /// mistake (loops in the wiring), as positioned diagnostics (`faaslab check` prints
    /// them as warnings; they do not make the scenario invalid).
    pub fn parse_with_warnings(text: &str, origin: &str) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
        let scenario = Scenario::parse(text, origin)?;
        let warnings = scenario.config.warnings();
        if warnings.is_empty() {
            return Ok((scenario, Vec::new()));
        }
        let positions = locate::value_positions(strip_bom(text));
        let diagnostics = warnings
            .into_iter()
            .map(|p| {
                let (line, column) = locate::locate(&positions, &p.path).unwrap_or((1, 1));
                Diagnostic { origin: origin.to_string(), line, column, path: p.path, message: p.message }
            })
            .collect();
        Ok((scenario, diagnostics))
    }

    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        Scenario::parse(&read_text(path, &origin)?, &origin)
    }

    /// Reads, parses and validates a scenario file, with its warnings (see
    /// `parse_with_warnings`).
    pub fn load_with_warnings(path: &Path) -> Result<(Scenario, Vec<Diagnostic>), ScenarioError> {
        let origin = path.display().to_string();
        Scenario::parse_with_warnings(&read_text(path, &origin)?, &origin)
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

/// The most RON nesting a scenario may have (ron's own default is 128; ours says so in
/// the format's words).
pub const MAX_NESTING: usize = 128;
/// About how many workflow steps can nest inside each other within `MAX_NESTING`.
pub const MAX_STEP_NESTING: usize = 16;
/// The largest scenario file `load` reads: a scenario of 100 000 functions is about
/// 15 MB; a larger file is refused before it is read.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A scenario file's text: refused quickly if it is not a regular file (a directory,
/// a device), is larger than `MAX_FILE_BYTES`, or is not UTF-8 (with the byte offset,
/// line and column of the first bad byte).
pub(crate) fn read_text(path: &Path, origin: &str) -> Result<String, ScenarioError> {
    crate::text_file::read_bounded(path, "scenario", MAX_FILE_BYTES).map_err(|e| {
        let (line, column) = match e {
            crate::text_file::ReadError::NotUtf8 { line, column, .. } => (line, column),
            crate::text_file::ReadError::File(_) => (0, 0),
        };
        let message = e.message();
        ScenarioError {
            diagnostics: vec![Diagnostic { origin: origin.to_string(), line, column, path: String::new(), message }],
        }
    })
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

/// Control characters (a newline in a name, say) escaped, so a message is one line.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = one_line(&self.origin);
        if self.line == 0 {
            return write!(f, "{origin}: {}", one_line(&self.message));
        }
        write!(f, "{origin}:{}:{}: ", self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", one_line(&self.path))?;
        }
        write!(f, "{}", one_line(&self.message))
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
