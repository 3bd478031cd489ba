//! Briefs and designs. A brief is a scenario that holds the world but not the system:
//! its clients (triggers), the fixed parts a design must use (buckets, databases,
//! third-party APIs, streams), the faults its timeline injects, and requirements
//! (flows and other objectives). A design is a scenario file that names a brief
//! (`brief: "image-upload"`, a library name or a path relative to the design file),
//! adds the candidate's functions, queues, buses, workflows and any resources of its
//! own, and wires the brief's parts to them with `connect`. The two are merged here
//! into one scenario: the design's items first (so problems point into the design's
//! text), then the brief's.
//!
//! A brief's trigger may leave its target empty (`target: ""`): the design connects
//! it. Left unconnected, its requests go to a stand-in function that fails them
//! (`unwired <trigger>`), so a brief run with no design at all runs, fails every
//! effect, and says where its requests stopped.

use super::{Diagnostic, LIBRARY, ScenarioError, ScenarioFile};
use crate::sim::config::Problem;
use crate::sim::function::{FunctionSpec, Runtime};
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::time::SimDuration;
use crate::sim::names::{Named, quoted};
use crate::sim::services::stream::StreamConsumerSpec;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// A design's wiring of one of its brief's fixed parts: a trigger to its target (a
/// function, or the queue, bus, workflow or stream its kind sends to), a bucket to the
/// function its new objects notify, a stream to the function that consumes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Connect {
    pub from: String,
    pub to: String,
    /// A stream's event-source mapping (only when `from` is a stream): records per
    /// batch (default 100), bisect a failing batch, retries before giving a batch up
    /// (default: until the records expire), and the queue given-up records go to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bisect_on_error: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<String>,
}

impl Connect {
    fn has_stream_settings(&self) -> bool {
        self.batch_size.is_some() || self.bisect_on_error || self.max_retries.is_some() || self.on_failure.is_some()
    }
}

/// The name of the stand-in function an unconnected trigger's requests go to.
pub fn unwired_name(trigger: &str) -> String {
    format!("unwired {trigger}")
}

/// Gives every trigger with an empty target a stand-in function that fails its
/// requests at once (nothing serves them: the design left the trigger unconnected).
pub(super) fn stand_in_for_unwired(file: &mut ScenarioFile) {
    for t in &mut file.triggers {
        if !t.target().is_empty() || t.target_kind() != TargetKind::Function {
            continue;
        }
        let name = unwired_name(t.name());
        t.set_target(&name);
        if file.functions.iter().any(|f| f.name == name) {
            continue;
        }
        let custom = Runtime::Custom { cold_start: Dist::Constant { value: SimDuration::ZERO } };
        let mut stand_in = FunctionSpec::new(&name, custom, 128, Dist::Constant { value: SimDuration::from_millis(1) });
        stand_in.error_rate = 1.0;
        file.functions.push(stand_in);
    }
}

/// Why a design could not be merged with its brief.
pub(super) enum MergeError {
    /// Problems of the design, at paths in its own text.
    Design(Vec<Problem>),
    /// The brief could not be found or read, or is itself invalid.
    Brief(ScenarioError),
}

/// Merges `design` (whose `brief` is `name`) with its brief.
pub(super) fn merge(mut design: ScenarioFile, name: &str, origin: &str) -> Result<ScenarioFile, MergeError> {
    let mut brief = load_brief(name, origin).map_err(MergeError::Brief)?;
    let mut problems = Vec::new();
    let mut push = |path: &str, message: String| problems.push(Problem { path: path.to_string(), message });
    if brief.brief.is_some() {
        push("brief", format!("{} names a brief itself: a brief holds the world, not a design", quoted(name)));
    }
    // The world is the brief's: a design that writes part of it would be ignored.
    let world: [(&str, bool); 6] = [
        ("duration", design.duration.0 != 0),
        ("warmup", design.warmup.0 != 0),
        ("timeline", !design.timeline.is_empty()),
        ("flows", !design.flows.is_empty()),
        ("challenge", design.challenge.is_some()),
        ("account", design.account != Default::default()),
    ];
    for (field, written) in world {
        if written {
            push(field, format!("a design takes its {field} from its brief ({}): leave it out", quoted(name)));
        }
    }
    check_names(&design, &brief, &mut push);
    for (i, c) in design.connect.iter().enumerate() {
        if let Err(message) = connect(&mut brief, c) {
            push(&format!("connect[{i}]"), message);
        }
    }
    if !problems.is_empty() {
        return Err(MergeError::Design(problems));
    }
    // Hints about wiring the design has done are not for it.
    let mut challenge = brief.challenge.take();
    if let Some(c) = &mut challenge {
        let connected = |part: &String| design.connect.iter().any(|k| &k.from == part);
        c.hints.retain(|h| !h.until_connected.as_ref().is_some_and(connected));
    }
    design.name = if design.name.is_empty() { brief.name.clone() } else { design.name };
    macro_rules! design_first {
        ($($list:ident),*) => {$(
            design.$list.append(&mut brief.$list);
        )*};
    }
    design_first!(functions, triggers, queues, databases, buses, buckets, streams, workflows, apis);
    Ok(ScenarioFile {
        summary: if design.summary.is_empty() { brief.summary } else { design.summary },
        description: if design.description.is_empty() { brief.description } else { design.description },
        seed: brief.seed,
        duration: brief.duration,
        warmup: brief.warmup,
        account: brief.account,
        server_fleet: brief.server_fleet,
        timeline: brief.timeline,
        flows: brief.flows,
        challenge,
        brief: None,
        connect: Vec::new(),
        ..design
    })
}

/// The brief's text: a library scenario by name, or a file beside the design.
fn load_brief(name: &str, origin: &str) -> Result<ScenarioFile, ScenarioError> {
    if let Some((n, text)) = LIBRARY.iter().find(|(n, _)| *n == name) {
        return super::deserialize(text, &format!("built-in scenario {n}"));
    }
    let beside = Path::new(origin).parent().unwrap_or(Path::new("")).join(name);
    if beside.is_file() {
        let origin = beside.display().to_string();
        return super::deserialize(&super::read_text(&beside, &origin)?, &origin);
    }
    let briefs: Vec<&str> = LIBRARY.iter().map(|(n, _)| *n).filter(|n| n.starts_with("brief-")).collect();
    Err(ScenarioError {
        diagnostics: vec![Diagnostic {
            origin: origin.to_string(),
            line: 1,
            column: 1,
            path: "brief".into(),
            message: format!(
                "no built-in brief and no file {} is named {} (briefs: {})",
                beside.display(),
                quoted(name),
                briefs.join(", ")
            ),
        }],
    })
}

/// A name the design gives must not be one the brief uses for the same kind.
fn check_names(design: &ScenarioFile, brief: &ScenarioFile, push: &mut impl FnMut(&str, String)) {
    fn clash<T: Named>(plural: &str, kind: &str, mine: &[T], theirs: &[T], push: &mut impl FnMut(&str, String)) {
        let taken: HashSet<&str> = theirs.iter().map(Named::name).collect();
        for (i, item) in mine.iter().enumerate() {
            if taken.contains(item.name()) {
                let message = format!(
                    "the brief already has a {kind} named {}: use it, or name yours otherwise",
                    quoted(item.name())
                );
                push(&format!("{plural}[{i}].name"), message);
            }
        }
    }
    clash("functions", "function", &design.functions, &brief.functions, push);
    clash("queues", "queue", &design.queues, &brief.queues, push);
    clash("databases", "database", &design.databases, &brief.databases, push);
    clash("buses", "bus", &design.buses, &brief.buses, push);
    clash("buckets", "bucket", &design.buckets, &brief.buckets, push);
    clash("streams", "stream", &design.streams, &brief.streams, push);
    clash("workflows", "workflow", &design.workflows, &brief.workflows, push);
    clash("apis", "API", &design.apis, &brief.apis, push);
    let taken: HashSet<&str> = brief.triggers.iter().map(TriggerSpec::name).collect();
    for (i, t) in design.triggers.iter().enumerate() {
        if taken.contains(t.name()) {
            push(&format!("triggers[{i}].name"), format!("the brief already has a trigger named {}", quoted(t.name())));
        }
    }
}

/// Wires one of the brief's parts; the target's existence and kind are checked with
/// the merged scenario (validation names them).
fn connect(brief: &mut ScenarioFile, c: &Connect) -> Result<(), String> {
    if let Some(s) = brief.streams.iter_mut().find(|s| s.name == c.from) {
        s.consumer = Some(StreamConsumerSpec {
            function: c.to.clone(),
            batch_size: c.batch_size.unwrap_or(100),
            bisect_on_error: c.bisect_on_error,
            max_retries: c.max_retries,
            on_failure: c.on_failure.clone(),
        });
        return Ok(());
    }
    if c.has_stream_settings() {
        let what = quoted(&c.from);
        return Err(format!(
            "batch_size, bisect_on_error, max_retries and on_failure set a stream's consumer; {what} is no stream of the brief"
        ));
    }
    if let Some(t) = brief.triggers.iter_mut().find(|t| t.name() == c.from) {
        if !t.target().is_empty() && t.target() != c.to {
            return Err(format!(
                "the brief's trigger {} already goes to {}: only an unconnected trigger (target: \"\") can be connected",
                quoted(&c.from),
                quoted(t.target())
            ));
        }
        *t.target_mut() = c.to.clone();
        return Ok(());
    }
    if let Some(b) = brief.buckets.iter_mut().find(|b| b.name == c.from) {
        b.notify = Some(c.to.clone());
        return Ok(());
    }
    Err(format!("the brief has no trigger, bucket or stream named {} to connect", quoted(&c.from)))
}

/// What a design file holds of its own: its name and text, the brief it names, its
/// parts and its wiring (what the design canvas, src/design, edits).
#[derive(Clone, Debug, PartialEq)]
pub struct DesignText {
    pub name: String,
    pub summary: String,
    pub description: String,
    pub brief: String,
    pub parts: DesignParts,
}

/// A design's own parts, in the order its file lists them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DesignParts {
    pub functions: Vec<FunctionSpec>,
    pub triggers: Vec<TriggerSpec>,
    pub queues: Vec<crate::sim::services::queue::QueueSpec>,
    pub databases: Vec<crate::sim::services::database::DatabaseSpec>,
    pub buses: Vec<crate::sim::services::bus::BusSpec>,
    pub buckets: Vec<crate::sim::services::storage::BucketSpec>,
    pub streams: Vec<crate::sim::services::stream::StreamSpec>,
    pub workflows: Vec<crate::sim::services::workflow::WorkflowSpec>,
    pub apis: Vec<crate::sim::services::api::ApiSpec>,
    pub connect: Vec<Connect>,
}

/// Reads a design file as written (not merged with its brief): refused when it names
/// no brief, or writes what a design cannot keep (the world, which is its brief's, or
/// knob settings), each at its position.
pub fn read_design(text: &str, origin: &str) -> Result<DesignText, ScenarioError> {
    let file = super::deserialize(text, origin)?;
    let mut problems = Vec::new();
    let mut refuse = |path: &str, message: &str| problems.push(Problem { path: path.into(), message: message.into() });
    let Some(brief) = file.brief.clone() else {
        refuse("name", "not a design: it names no brief (write `brief: \"brief-...\"`)");
        return Err(super::positioned(text, origin, problems));
    };
    let world = "a design takes it from its brief: leave it out";
    let knob = "a knob setting, not a part of the design: leave it out";
    let checks: [(&str, bool, &str); 11] = [
        ("duration", file.duration.0 != 0, world),
        ("warmup", file.warmup.0 != 0, world),
        ("timeline", !file.timeline.is_empty(), world),
        ("flows", !file.flows.is_empty(), world),
        ("challenge", file.challenge.is_some(), world),
        ("account", file.account != Default::default(), world),
        ("seed", file.seed != super::default_seed(), world),
        ("server_fleet", file.server_fleet != Default::default(), world),
        ("rate_scales", !file.rate_scales.is_empty(), knob),
        ("detached_dlqs", !file.detached_dlqs.is_empty(), knob),
        ("fleet_triggers", !file.fleet_triggers.is_empty(), knob),
    ];
    for (field, written, why) in checks {
        if written {
            refuse(field, why);
        }
    }
    if !problems.is_empty() {
        return Err(super::positioned(text, origin, problems));
    }
    Ok(DesignText {
        name: file.name,
        summary: file.summary,
        description: file.description,
        brief,
        parts: DesignParts {
            functions: file.functions,
            triggers: file.triggers,
            queues: file.queues,
            databases: file.databases,
            buses: file.buses,
            buckets: file.buckets,
            streams: file.streams,
            workflows: file.workflows,
            apis: file.apis,
            connect: file.connect,
        },
    })
}

/// A brief as a scenario (its unconnected triggers going to their stand-ins), found
/// as a design names it: a library name, or a file beside `origin`.
pub fn brief_scenario(name: &str, origin: &str) -> Result<super::Scenario, ScenarioError> {
    let file = load_brief(name, origin)?;
    if file.brief.is_some() {
        return Err(ScenarioError {
            diagnostics: vec![Diagnostic {
                origin: origin.to_string(),
                line: 1,
                column: 1,
                path: "brief".into(),
                message: format!("{} names a brief itself: a brief holds the world, not a design", quoted(name)),
            }],
        });
    }
    Ok(super::Scenario::from(file))
}
