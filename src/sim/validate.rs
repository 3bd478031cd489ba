//! Validation: every problem of a configuration (not only the first), each with its
//! path (`functions[0].memory_mb`) and what was expected. Each spec type checks its own
//! fields (`FunctionSpec::problems`, `QueueSpec::problems`, ...); names are looked up
//! in sets built once, so checking grows linearly with the size of the scenario.

use crate::sim::config::{MAX_CONCURRENCY_LIMIT, MAX_EXPECTED_ARRIVALS, Problem, SimConfig, UNRESERVED_MINIMUM};
use crate::sim::function::permissions::Permission;
use crate::sim::function::provider::{Billing, MAX_PER_ENVIRONMENT_CONCURRENCY, Provider};
use crate::sim::function::{
    Call, FunctionSpec, InitStyle, KeepAlive, MAX_EPHEMERAL_MB, MAX_MEMORY_MB, MAX_TIMEOUT, MAX_TMP_FILES,
    MIN_EPHEMERAL_MB, MIN_MEMORY_MB,
};
use crate::sim::kernel::arrivals::Arrivals;
use crate::sim::kernel::num;
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs;
use crate::sim::names::Named;
use crate::sim::names::{index_of, quoted};
use crate::sim::services::api::ApiSpec;
use crate::sim::services::storage::{MAX_OBJECT_KB, SizeDist};

/// The most an instance-hour of the comparison fleet may cost (the dearest cloud
/// instances are about $100 an hour).
const MAX_HOURLY_USD: f64 = 1e6;

/// The shortest visibility timeout a queue accepts (see `QueueSpec::problems`).
pub const MIN_VISIBILITY_TIMEOUT: SimDuration = SimDuration::from_secs(1);
use crate::sim::services::bus::{BusSpec, BusTarget};
use crate::sim::services::database::DatabaseSpec;
use crate::sim::services::queue::QueueSpec;
use crate::sim::services::queue::redrive::MAX_REDRIVE_RATE;
use crate::sim::services::residency::within;
use crate::sim::services::storage::BucketSpec;
use crate::sim::services::stream::StreamSpec;
use crate::sim::services::workflow::{Step, WorkflowSpec};
use crate::sim::timeline::TimelineAction;
use crate::sim::trigger::{TargetKind, TriggerSpec};
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

impl SimConfig {
    /// Every problem found (not only the first); empty when the configuration can run.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let names = Names::of(self);
        self.run_problems(&mut out);
        each(&mut out, "functions", "function", &self.functions, |f, at| f.problems(self, &names, at));
        let reserved_total: u64 = self.functions.iter().filter_map(|f| f.reserved_concurrency).map(u64::from).sum();
        let limit = self.account.concurrency_limit;
        if reserved_total > u64::from(self.account.reservable()) && reserved_total <= u64::from(limit) {
            out.push(Problem {
                path: "account.concurrency_limit".into(),
                message: format!(
                    "functions reserve {reserved_total} in total; AWS keeps {UNRESERVED_MINIMUM} of the account's {limit} unreserved, so at most {} can be reserved",
                    self.account.reservable()
                ),
            });
        } else if reserved_total > u64::from(limit) {
            out.push(Problem {
                path: "account.concurrency_limit".into(),
                message: format!("functions reserve {reserved_total} in total, more than the account limit ({limit})"),
            });
        } else {
            // Provisioned environments of functions without a reservation take the
            // account's unreserved concurrency: AWS refuses more than it has.
            let unreserved = u64::from(limit) - reserved_total;
            let mut provisioned = 0u64;
            for (i, f) in self.functions.iter().enumerate() {
                if f.reserved_concurrency.is_some() || f.provisioned_concurrency == 0 {
                    continue;
                }
                provisioned += u64::from(f.provisioned_concurrency);
                if provisioned > unreserved {
                    out.push(Problem {
                        path: format!("functions[{i}].provisioned_concurrency"),
                        message: format!(
                            "functions without a reservation provision {provisioned} environments up to here, more than the account's unreserved concurrency ({unreserved})"
                        ),
                    });
                    break;
                }
            }
        }
        let mut seen = HashSet::with_capacity(self.triggers.len());
        for (i, t) in self.triggers.iter().enumerate() {
            let mut at = At { out: &mut out, path: format!("triggers[{i}]") };
            if !seen.insert(t.name()) {
                at.push("name", format!("the name {} is used by another trigger", quoted(t.name())));
            }
            t.problems(&names, &mut at);
        }
        let expected = self.expected_arrivals();
        if expected > MAX_EXPECTED_ARRIVALS {
            out.push(Problem {
                path: "triggers".into(),
                message: format!(
                    "the run would see about {expected:.3e} requests, more than the {MAX_EXPECTED_ARRIVALS:.0e} a run may have (rate multipliers and rate changes on the timeline included): lower a rate or the duration"
                ),
            });
        }
        self.fleet_problems(&mut out);
        each(&mut out, "queues", "queue", &self.queues, |q, at| q.problems(&names, at));
        each(&mut out, "workflows", "workflow", &self.workflows, |w, at| w.problems(&names, at));
        each(&mut out, "streams", "stream", &self.streams, |s, at| s.problems(&names, at));
        each(&mut out, "buckets", "bucket", &self.buckets, |b, at| b.problems(&names, at));
        each(&mut out, "buses", "bus", &self.buses, |b, at| b.problems(&names, at));
        each(&mut out, "databases", "database", &self.databases, |d, at| d.problems(self, at));
        each(&mut out, "apis", "API", &self.apis, |a, at| a.problems(at));
        let triggers: HashSet<&str> = self.triggers.iter().map(|t| t.name()).collect();
        let mut claimed: HashSet<&str> = HashSet::new();
        each(&mut out, "flows", "flow", &self.flows, |f, at| f.problems(&names, &triggers, &mut claimed, at));
        self.setting_problems(&mut out);
        timeline_problems(self, &mut out);
        out
    }

    /// Arrivals the run expects over all triggers, each trigger's rate multiplier (the
    /// `rate` knob) applied, and changed where the timeline sets it.
    pub fn expected_arrivals(&self) -> f64 {
        // (time, multiplier) of each timeline change of a trigger's rate, in order.
        let mut changes: std::collections::HashMap<usize, Vec<(SimDuration, f64)>> = Default::default();
        for entry in &self.timeline {
            if let TimelineAction::Set { knob, value } = &entry.action
                && let Ok(change) = knobs::parse(self, knob, value)
                && change.id.owner() == knobs::Owner::Trigger
                && change.id.property() == "rate"
                && let Some(scale) = change.value.number()
            {
                changes.entry(change.id.index).or_default().push((entry.at, scale));
            }
        }
        let run = self.duration;
        let mut total = 0.0;
        for (i, t) in self.triggers.iter().enumerate() {
            let arrivals = t.arrivals();
            let mut scale = self.rate_scale_of(i);
            let mut from = SimDuration::ZERO;
            let mut steps = changes.remove(&i).unwrap_or_default();
            steps.sort_by_key(|(at, _)| *at); // stable: entries at the same time apply in order
            let mut count = 0.0;
            for (at, next) in steps.into_iter().filter(|(at, _)| *at < run) {
                count += scale * (arrivals.expected_count(at) - arrivals.expected_count(from)).max(0.0);
                (from, scale) = (at, next);
            }
            count += scale * (arrivals.expected_count(run) - arrivals.expected_count(from)).max(0.0);
            if let TriggerSpec::Http { websocket: Some(w), .. } = t {
                // Each connection brings its messages (at most a session's worth).
                let session = w.session.mean_secs().min(crate::sim::websocket::MAX_SESSION.as_secs_f64());
                count *= 1.0 + w.messages_per_minute.max(0.0) / 60.0 * session;
            }
            total += count;
        }
        total
    }

    /// The run's length and the account.
    fn run_problems(&self, out: &mut Vec<Problem>) {
        let mut push = |path: &str, message: String| out.push(Problem { path: path.into(), message });
        if self.duration.0 == 0 {
            push("duration", "the run must last longer than zero".into());
        }
        if self.warmup >= self.duration && self.duration.0 > 0 {
            push("warmup", format!("warm-up ({}) must end before the run does ({})", self.warmup, self.duration));
        }
        if self.account.concurrency_limit == 0 || self.account.concurrency_limit > MAX_CONCURRENCY_LIMIT {
            push(
                "account.concurrency_limit",
                format!(
                    "the account's concurrency limit is 1..{MAX_CONCURRENCY_LIMIT} (AWS's default is 1000), got {}",
                    self.account.concurrency_limit
                ),
            );
        }
        let rate = &self.account.scaling_rate;
        if rate.environments == 0 || rate.per.0 == 0 {
            push("account.scaling_rate", "the scaling rate needs environments > 0 per a time above zero".into());
        }
    }

    fn fleet_problems(&self, out: &mut Vec<Problem>) {
        let fleet = &self.server_fleet;
        if !(fleet.hourly_usd.is_finite() && (0.0..=MAX_HOURLY_USD).contains(&fleet.hourly_usd)) {
            out.push(Problem {
                path: "server_fleet.hourly_usd".into(),
                message: format!(
                    "a price per instance-hour in USD, 0..{}, got {}",
                    num(MAX_HOURLY_USD),
                    num(fleet.hourly_usd)
                ),
            });
        }
        let limits = &self.account.limits;
        for (field, kb) in
            [("sync_kb", limits.sync_kb), ("async_kb", limits.async_kb), ("message_kb", limits.message_kb)]
        {
            if !(kb.is_finite() && kb > 0.0 && kb <= MAX_OBJECT_KB) {
                out.push(Problem {
                    path: format!("account.limits.{field}"),
                    message: format!("a payload limit in KB above 0 and at most 5e9, got {}", num(kb)),
                });
            }
        }
        if fleet.connections_per_instance == 0 {
            out.push(Problem {
                path: "server_fleet.connections_per_instance".into(),
                message: "an instance holds at least one connection".into(),
            });
        }
        if fleet.concurrency_per_instance == 0 {
            out.push(Problem {
                path: "server_fleet.concurrency_per_instance".into(),
                message: "an instance serves at least one request".into(),
            });
        }
    }

    /// Problems with the knob-set fields: rate multipliers and detached DLQs.
    fn setting_problems(&self, out: &mut Vec<Problem>) {
        let range = crate::sim::knobs::RATE_SCALE_RANGE;
        let triggers: HashSet<&str> = self.triggers.iter().map(|t| t.name()).collect();
        for (name, scale) in &self.rate_scales {
            let path = format!("rate_scales[\"{name}\"]");
            if !triggers.contains(name.as_str()) {
                out.push(Problem { path: path.clone(), message: format!("no trigger \"{name}\"") });
            }
            if !(*scale == 0.0 || range.contains(scale)) {
                let message =
                    format!("a rate multiplier is 0 (off) or {}..{}, got {}", range.start(), range.end(), num(*scale));
                out.push(Problem { path, message });
            }
        }
        for (i, name) in self.fleet_triggers.iter().enumerate() {
            let trigger = self.triggers.iter().find(|t| t.name() == name);
            if !trigger.is_some_and(|t| t.target_kind() == TargetKind::Function) {
                let message =
                    format!("no trigger \"{name}\" that invokes a function (only those can move to the fleet)");
                out.push(Problem { path: format!("fleet_triggers[{i}]"), message });
            }
        }
        for (i, name) in self.detached_dlqs.iter().enumerate() {
            if !self.queues.iter().any(|q| q.name == *name && q.dlq.is_some()) {
                let message = format!("no queue \"{name}\" with a dead-letter queue");
                out.push(Problem { path: format!("detached_dlqs[{i}]"), message });
            }
        }
    }
}

impl FunctionSpec {
    fn problems(&self, config: &SimConfig, names: &Names, at: &mut At) {
        let f = self;
        let limit = config.account.concurrency_limit;
        if f.name.trim().is_empty() {
            at.push("name", "a function needs a name".into());
        }
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&f.memory_mb) {
            at.push("memory_mb", format!("memory must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {}", f.memory_mb));
        }
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&f.duration_at_mb) {
            at.push("duration_at_mb", format!("must be {MIN_MEMORY_MB}..{MAX_MEMORY_MB} MB, got {}", f.duration_at_mb));
        }
        let provider = config.account.provider;
        let max_timeout = provider.max_timeout().max(MAX_TIMEOUT);
        if f.timeout.0 % 1_000_000 != 0 || f.timeout.0 == 0 || f.timeout > max_timeout {
            let on = match provider {
                Provider::AwsLambda => "AWS".to_string(),
                other => other.label().to_string(),
            };
            at.push(
                "timeout",
                format!(
                    "a timeout is a whole number of seconds, 1s..{}s (as on {on}), got {}",
                    max_timeout.0 / 1_000_000,
                    f.timeout
                ),
            );
        }
        if let Some(n) = f.per_environment_concurrency
            && !(1..=MAX_PER_ENVIRONMENT_CONCURRENCY).contains(&n)
        {
            at.push(
                "per_environment_concurrency",
                format!(
                    "the requests one environment serves at once: 1..={MAX_PER_ENVIRONMENT_CONCURRENCY} (1 is Lambda's model, 80 Cloud Run's default; Cloud Run's maximum is 1000), got {n}"
                ),
            );
        }
        let shared =
            f.per_environment_concurrency.unwrap_or_else(|| provider.default_per_environment_concurrency()) > 1;
        if shared && f.provisioned_concurrency > 0 {
            at.push(
                "provisioned_concurrency",
                "provisioned environments are not modelled for environments that serve several requests at once (per_environment_concurrency above 1): set it to 0".into(),
            );
        }
        if let Some(Billing::ManagedInstances { instance_hourly_usd }) = f.billing
            && !(instance_hourly_usd.is_finite() && instance_hourly_usd > 0.0)
        {
            at.push(
                "billing",
                format!(
                    "ManagedInstances needs the EC2 instance type's on-demand price per hour in USD, above 0, got {}",
                    num(instance_hourly_usd)
                ),
            );
        }
        if !(0.0..=1.0).contains(&f.error_rate) {
            at.push("error_rate", format!("error_rate is a fraction in 0..1, got {}", num(f.error_rate)));
        }
        if !(0.0..=1.0).contains(&f.cpu_bound) {
            at.push("cpu_bound", format!("cpu_bound is a fraction in 0..1, got {}", num(f.cpu_bound)));
        }
        if f.threads == 0 || f.threads > 64 {
            at.push("threads", format!("threads must be 1..64, got {}", f.threads));
        }
        if !(MIN_EPHEMERAL_MB..=MAX_EPHEMERAL_MB).contains(&f.ephemeral_mb) {
            at.push(
                "ephemeral_mb",
                format!(
                    "/tmp (ephemeral storage) is {MIN_EPHEMERAL_MB}..{MAX_EPHEMERAL_MB} MB, as on AWS, got {}",
                    f.ephemeral_mb
                ),
            );
        }
        if !(0.0..=250.0).contains(&f.package_mb) {
            at.push("package_mb", format!("package size must be 0..250 MB, got {}", num(f.package_mb)));
        }
        if let InitStyle::Lazy { first_request_share } = f.init
            && !(0.0..=1.0).contains(&first_request_share)
        {
            at.push("init.first_request_share", format!("a fraction in 0..1, got {}", num(first_request_share)));
        }
        if let Some(r) = f.reserved_concurrency {
            let reservable = config.account.reservable();
            if r > limit {
                at.push("reserved_concurrency", format!("{r} is above the account limit ({limit})"));
            } else if r > reservable {
                at.push(
                    "reserved_concurrency",
                    format!(
                        "{r} is more than can be reserved: AWS keeps {UNRESERVED_MINIMUM} of the account's {limit} unreserved, so at most {reservable}"
                    ),
                );
            }
            if f.provisioned_concurrency > r {
                at.push(
                    "provisioned_concurrency",
                    format!("{} is above the function's reserved concurrency ({r})", f.provisioned_concurrency),
                );
            }
        }
        if f.provisioned_concurrency > limit {
            at.push(
                "provisioned_concurrency",
                format!("{} is above the account limit ({limit})", f.provisioned_concurrency),
            );
        }
        if let Some(life) = f.max_lifetime
            && life.0 == 0
        {
            at.push("max_lifetime", "a lifetime must be above zero".into());
        }
        for (field, message) in f.duration.problems() {
            at.push(&join("duration", field), message);
        }
        if let crate::sim::function::Runtime::Custom { cold_start } = &f.runtime {
            for (field, message) in cold_start.problems() {
                at.push(&join("runtime.cold_start", field), message);
            }
        }
        if let Some(init) = &f.init_code {
            for (field, message) in init.problems() {
                at.push(&join("init_code", field), message);
            }
        }
        if let KeepAlive::Random(dist) = &f.keep_alive {
            for (field, message) in dist.problems() {
                at.push(&join("keep_alive", field), message);
            }
        }
        if let Some(c) = &f.cache {
            if !(0.0..=1.0).contains(&c.hit_ratio) {
                at.push("cache.hit_ratio", format!("a fraction in 0..1, got {}", num(c.hit_ratio)));
            }
            for (field, message) in c.hit_duration.problems() {
                at.push(&join("cache.hit_duration", field), message);
            }
        }
        if let Some(l) = &f.local_state
            && !(1..=1_000_000).contains(&l.sessions)
        {
            at.push("local_state.sessions", format!("1..1000000 users, got {}", l.sessions));
        }
        f.snap_start_problems(at);
        if f.async_retries > 2 {
            at.push("async_retries", format!("asynchronous retries are 0..2, got {}", f.async_retries));
        }
        if let Some(problem) = f.on_failure.as_deref().and_then(|q| names.unknown_queue(q)) {
            at.push("on_failure", problem);
        }
        let mut cached = 0;
        let (mut tmp_files, mut kept_mb) = (0, 0.0);
        for (k, call) in f.calls.iter().enumerate() {
            call_problems(call, &f.name, names, &mut |field, message| at.push(&format!("calls[{k}].{field}"), message));
            let ephemeral = f.ephemeral_mb;
            match call {
                Call::TmpFile { size_mb, keep, .. } => {
                    tmp_files += 1;
                    if tmp_files > MAX_TMP_FILES {
                        at.push(&format!("calls[{k}]"), format!("at most {MAX_TMP_FILES} TmpFile calls per function"));
                    }
                    if *keep && size_mb.is_finite() {
                        kept_mb += size_mb;
                        if kept_mb > f64::from(ephemeral) {
                            let with = if kept_mb > *size_mb {
                                format!(", with the files kept before it {} MB,", num(kept_mb))
                            } else {
                                String::new()
                            };
                            at.push(
                                &format!("calls[{k}].size_mb"),
                                format!(
                                    "a kept /tmp file of {} MB{with} does not fit in ephemeral_mb ({ephemeral} MB): raise ephemeral_mb to at least {}, or write keep: false",
                                    num(*size_mb),
                                    kept_mb.ceil()
                                ),
                            );
                        }
                    }
                }
                Call::Put { size_kb, to_tmp: true, .. } if *size_kb > f64::from(ephemeral) * 1024.0 => {
                    at.push(
                        &format!("calls[{k}].size_kb"),
                        format!(
                            "a result of {} KB written to /tmp does not fit in ephemeral_mb ({ephemeral} MB)",
                            num(*size_kb)
                        ),
                    );
                }
                _ => {}
            }
            if let Call::Api { cache: Some(_), .. } = call {
                cached += 1;
                if cached > 1 {
                    let why = "an environment keeps one cached answer: one cached API call per function";
                    at.push(&format!("calls[{k}].cache"), why.into());
                }
            }
        }
        for (k, p) in f.permissions.iter().flatten().enumerate() {
            if let Some(problem) = permission_problem(p, names) {
                at.push(&format!("permissions[{k}]"), problem);
            }
        }
    }
}

/// A permission must name a resource of the kind it acts on.
fn permission_problem(p: &Permission, names: &Names) -> Option<String> {
    let unknown = |r: &str, kinds: &[(&str, &HashSet<&str>)]| {
        if kinds.iter().any(|(_, set)| set.contains(r)) {
            return None;
        }
        let what: Vec<&str> = kinds.iter().map(|(k, _)| *k).collect();
        Some(format!("{} names \"{r}\", which is no {} of the scenario", p.label(), what.join(" or ")))
    };
    match p {
        Permission::All => None,
        Permission::Read(r) | Permission::Write(r) => {
            unknown(r, &[("database", &names.databases), ("bucket", &names.buckets), ("stream", &names.streams)])
        }
        Permission::Send(r) => unknown(r, &[("queue", &names.queues)]),
        Permission::Publish(r) => unknown(r, &[("bus", &names.buses)]),
        Permission::Invoke(r) => unknown(r, &[("function", &names.functions)]),
        Permission::Call(r) => unknown(r, &[("third-party API", &names.apis)]),
    }
}

/// Problems with one of `caller`'s calls, as (field, message).
fn call_problems(call: &Call, caller: &str, names: &Names, push: &mut dyn FnMut(&str, String)) {
    match call {
        Call::Query { database, count, .. } => {
            if let Some(problem) = names.unknown_database(database) {
                push("database", problem);
            }
            if *count == 0 || *count > 1000 {
                push("count", format!("1..1000 queries, got {count}"));
            }
        }
        Call::Send { queue, count } => {
            if let Some(problem) = names.unknown_queue(queue) {
                push("queue", problem);
            }
            let max = crate::sim::services::flows::MAX_PARTS;
            if *count == 0 || *count > max {
                push("count", format!("1..{max} messages (a fan-out's parts), got {count}"));
            }
        }
        Call::Publish { bus, .. } => {
            if let Some(problem) = names.unknown_bus(bus) {
                push("bus", problem);
            }
        }
        Call::Write { stream } => {
            if let Some(problem) = names.unknown_stream(stream) {
                push("stream", problem);
            }
        }
        Call::TmpFile { from, size_mb, mb_per_s, .. } => {
            if let Some(problem) = names.unknown_bucket(from) {
                push("from", problem);
            }
            if !(size_mb.is_finite() && *size_mb > 0.0 && *size_mb <= f64::from(MAX_EPHEMERAL_MB)) {
                let max = MAX_EPHEMERAL_MB;
                push(
                    "size_mb",
                    format!("a size in MB above 0 and at most {max} (the largest /tmp), got {}", num(*size_mb)),
                );
            }
            if !(mb_per_s.is_finite() && *mb_per_s > 0.0 && *mb_per_s <= 10_000.0) {
                push("mb_per_s", format!("a download speed in MB/s above 0 and at most 10000, got {}", num(*mb_per_s)));
            }
        }
        Call::Put { bucket, size_kb, .. } => {
            if let Some(problem) = names.unknown_bucket(bucket) {
                push("bucket", problem);
            }
            if !(size_kb.is_finite() && (0.0..=MAX_OBJECT_KB).contains(size_kb)) {
                push("size_kb", format!("a size in KB, 0..5e9 (S3's largest object), got {}", num(*size_kb)));
            }
        }
        Call::Api { api, retries, cache, .. } => {
            if let Some(problem) = names.unknown_api(api) {
                push("api", problem);
            }
            if *retries > 10 {
                push("retries", format!("0..10 retries, got {retries}"));
            }
            if let Some(c) = cache
                && c.ttl > MAX_CACHE_TTL
            {
                push(
                    "cache.ttl",
                    format!("at most {MAX_CACHE_TTL} (an environment lives hours at most), got {}", c.ttl),
                );
            }
        }
        Call::Invoke { function, .. } => {
            if let Some(problem) = names.unknown_function(function) {
                push("function", problem);
            } else if function == caller {
                push("function", "a function cannot invoke itself (it would never end)".into());
            }
        }
        Call::Log { message, slower_than, .. } => {
            let length = message.chars().count();
            if message.trim().is_empty() || length > MAX_LOG_MESSAGE {
                push("message", format!("a message of 1..{MAX_LOG_MESSAGE} characters, got {length}"));
            }
            if let Some(budget) = slower_than
                && *budget > MAX_TIMEOUT
            {
                push(
                    "slower_than",
                    format!(
                        "at most {MAX_TIMEOUT} (no handler runs longer, so the line would never be written), got {budget}"
                    ),
                );
            }
        }
    }
}

/// The longest message a `Log` step may write (a log line, not a document).
const MAX_LOG_MESSAGE: usize = 500;

impl TriggerSpec {
    fn problems(&self, names: &Names, at: &mut At) {
        let t = self;
        if t.name().trim().is_empty() {
            at.push("name", "a trigger needs a name".into());
        }
        let target = t.target();
        let (field, problem) = match t.target_kind() {
            TargetKind::Function => ("target", names.unknown_function(target)),
            TargetKind::Queue => ("queue", names.unknown_queue(target)),
            TargetKind::Bus => ("bus", names.unknown_bus(target)),
            TargetKind::Bucket => ("bucket", names.unknown_bucket(target)),
            TargetKind::Stream => ("stream", names.unknown_stream(target)),
            TargetKind::Workflow => ("workflow", names.unknown_workflow(target)),
        };
        if let Some(problem) = problem {
            at.push(field, problem);
        }
        if let Some(p) = t.payload() {
            for message in p.size_kb.problems() {
                at.push("payload.size_kb", message);
            }
            if let Some(problem) = p.claim_check.as_deref().and_then(|b| names.unknown_bucket(b)) {
                at.push("payload.claim_check", problem);
            }
        }
        if let TriggerSpec::Http { durations, invoke_overhead, websocket, payload, client, .. } = t {
            if let Some(client) = client {
                for (field, message) in client.problems() {
                    at.push(&join("client", field), message);
                }
                if websocket.is_some() {
                    at.push("client", "a WebSocket's messages are not retried by a client policy".into());
                }
            }
            if let Some(overhead) = invoke_overhead {
                for (field, message) in overhead.problems() {
                    at.push(&join("invoke_overhead", field), message);
                }
            }
            if let Some(w) = websocket {
                w.problems(at);
                if payload.is_some() {
                    at.push("payload", "a WebSocket trigger's messages are sized by websocket.message_kb".into());
                }
            }
            for (function, dist) in durations {
                let at_key = format!("durations[\"{function}\"]");
                if let Some(problem) = names.unknown_function(function) {
                    at.push(&at_key, problem);
                }
                for (field, message) in dist.problems() {
                    at.push(&join(&at_key, field), message);
                }
            }
        }
        if let TriggerSpec::Upload { size_kb, .. } = t {
            for message in size_kb.problems() {
                at.push("size_kb", message);
            }
        }
        if let TriggerSpec::Schedule { arrivals, .. } = t
            && !matches!(arrivals, Arrivals::Every { .. } | Arrivals::Daily { .. })
        {
            at.push("arrivals", "a schedule runs Every(period: ...) or Daily(times: [...])".into());
        }
        if let TriggerSpec::Producer { poison, .. } | TriggerSpec::Writes { poison, .. } = t
            && !(0.0..=1.0).contains(poison)
        {
            at.push("poison", format!("a fraction in 0..1, got {}", num(*poison)));
        }
        for (field, message) in t.arrivals().problems() {
            at.push(&join("arrivals", &field), message);
        }
    }
}

impl crate::sim::websocket::WebSocketSpec {
    fn problems(&self, at: &mut At) {
        use crate::sim::websocket::MAX_MESSAGE_KB;
        for (field, message) in self.session.problems() {
            at.push(&join("websocket.session", field), message);
        }
        let rate = self.messages_per_minute;
        if !(rate.is_finite() && rate > 0.0 && rate <= 600.0) {
            at.push(
                "websocket.messages_per_minute",
                format!("messages a connection sends a minute, above 0 and at most 600, got {}", num(rate)),
            );
        }
        let sizes = self.message_kb.problems();
        for message in &sizes {
            at.push("websocket.message_kb", message.clone());
        }
        let largest = match self.message_kb {
            SizeDist::Constant { kb } => kb,
            SizeDist::Uniform { max_kb, .. } => max_kb,
            SizeDist::LogNormal { p99_kb, .. } => p99_kb,
        };
        if sizes.is_empty() && largest > MAX_MESSAGE_KB {
            at.push(
                "websocket.message_kb",
                format!(
                    "API Gateway accepts messages of at most {} KB (larger ones close the connection), got {}",
                    num(MAX_MESSAGE_KB),
                    num(largest)
                ),
            );
        }
        if self.fanout > 100_000 {
            at.push(
                "websocket.fanout",
                format!("0..100000 connections a message is delivered to, got {}", self.fanout),
            );
        }
    }
}

impl QueueSpec {
    fn problems(&self, names: &Names, at: &mut At) {
        let q = self;
        if q.visibility_timeout < MIN_VISIBILITY_TIMEOUT || q.visibility_timeout > SimDuration::from_secs(12 * 3600) {
            at.push(
                "visibility_timeout",
                format!(
                    "1s..12h, got {} (SQS accepts 0, but a message then comes back at the next poll; below a second the run would redeliver it in a microsecond loop)",
                    q.visibility_timeout
                ),
            );
        }
        if q.max_receive_count == 0 {
            at.push("max_receive_count", "at least one receive".into());
        }
        if q.retention < SimDuration::from_secs(60) {
            at.push("retention", format!("at least 1m, got {}", q.retention));
        }
        if let Some(dlq) = &q.dlq {
            if let Some(problem) = names.unknown_queue(dlq) {
                at.push("dlq", problem);
            } else if *dlq == q.name {
                at.push("dlq", "a queue cannot be its own dead-letter queue".into());
            }
        }
        if q.redrive_at.0 > 0 && q.dlq.is_none() {
            at.push(
                "redrive_at",
                "a redrive needs a dead-letter queue to move messages from (write `dlq: \"...\"`)".into(),
            );
        }
        if q.redrive_rate > MAX_REDRIVE_RATE {
            at.push(
                "redrive_rate",
                format!(
                    "0..{MAX_REDRIVE_RATE} messages a second (SQS's most; 0 lets SQS choose), got {}",
                    q.redrive_rate
                ),
            );
        }
        if let Some(c) = &q.consumer {
            if let Some(problem) = names.unknown_function(&c.function) {
                at.push("consumer.function", problem);
            }
            if c.batch_size == 0 || c.batch_size > 10_000 {
                at.push("consumer.batch_size", format!("1..10000, got {}", c.batch_size));
            }
            if c.max_concurrency < 2 || c.max_concurrency > 1000 {
                at.push("consumer.max_concurrency", format!("2..1000 (as Lambda), got {}", c.max_concurrency));
            }
            if c.batching_window > SimDuration::from_secs(300) {
                at.push("consumer.batching_window", format!("at most 5m, got {}", c.batching_window));
            }
        }
    }
}

impl WorkflowSpec {
    fn problems(&self, names: &Names, at: &mut At) {
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

impl StreamSpec {
    fn problems(&self, names: &Names, at: &mut At) {
        if !(1..=1000).contains(&self.shards) {
            at.push("shards", format!("1..1000 shards, got {}", self.shards));
        }
        if let Some(c) = &self.consumer {
            if let Some(problem) = names.unknown_function(&c.function) {
                at.push("consumer.function", problem);
            }
            if !(1..=10_000).contains(&c.batch_size) {
                at.push("consumer.batch_size", format!("1..10000, got {}", c.batch_size));
            }
            if let Some(problem) = c.on_failure.as_deref().and_then(|q| names.unknown_queue(q)) {
                at.push("consumer.on_failure", problem);
            }
        }
    }
}

impl BucketSpec {
    fn problems(&self, names: &Names, at: &mut At) {
        if let Some(problem) = self.notify.as_deref().and_then(|f| names.unknown_function(f)) {
            at.push("notify", problem);
        }
        if let Some(problem) = self.residency.as_deref().and_then(|r| residency_problem(r, names.config)) {
            at.push("residency", problem);
        }
    }
}

impl BusSpec {
    fn problems(&self, names: &Names, at: &mut At) {
        for (r, rule) in self.rules.iter().enumerate() {
            for (k, target) in rule.targets.iter().enumerate() {
                let problem = match target {
                    BusTarget::Function(f) => names.unknown_function(f),
                    BusTarget::Queue(q) => names.unknown_queue(q),
                    BusTarget::Workflow(w) => names.unknown_workflow(w),
                };
                if let Some(problem) = problem {
                    at.push(&format!("rules[{r}].targets[{k}]"), problem);
                }
            }
        }
    }
}

impl ApiSpec {
    fn problems(&self, at: &mut At) {
        if let Some(r) = &self.rate_limit {
            if !(r.per_second.is_finite() && r.per_second > 0.0 && r.per_second <= 1e6) {
                at.push(
                    "rate_limit.per_second",
                    format!("a rate above 0 and at most 1e6 a second, got {}", r.per_second),
                );
            }
            if r.burst == 0 {
                at.push("rate_limit.burst", "a burst of at least one request".into());
            }
        }
        if self.max_concurrency == Some(0) {
            at.push("max_concurrency", "at least one request at a time".into());
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            at.push("error_rate", format!("a fraction in 0..1, got {}", self.error_rate));
        }
        if !(0.0..=1.0).contains(&self.declines) {
            at.push("declines", format!("a fraction of requests in 0..1, got {}", self.declines));
        }
        for (field, message) in self.latency.problems() {
            at.push(&join("latency", field), message);
        }
    }
}

/// A residency must be a jurisdiction or region some region of the scenario lies in
/// (a typo would otherwise make every access a violation).
fn residency_problem(residency: &str, config: &SimConfig) -> Option<String> {
    let regions = config.regions();
    if regions.iter().any(|r| within(r, residency)) {
        return None;
    }
    Some(format!(
        "a jurisdiction (\"eu\") or region that one of the scenario's regions lies in ({}), got \"{residency}\"",
        regions.join(", ")
    ))
}

impl DatabaseSpec {
    fn problems(&self, config: &SimConfig, at: &mut At) {
        let d = self;
        if let Some(problem) = d.residency.as_deref().and_then(|r| residency_problem(r, config)) {
            at.push("residency", problem);
        }
        if d.max_connections == 0 {
            at.push("max_connections", "at least one connection".into());
        }
        if d.max_parallel_queries == 0 {
            at.push("max_parallel_queries", "at least one query at a time".into());
        }
        if let Some(p) = &d.pooler
            && (p.pool_size == 0 || p.pool_size > d.max_connections)
        {
            at.push("pooler.pool_size", format!("1..max_connections ({}), got {}", d.max_connections, p.pool_size));
        }
        for (field, message) in d.query_time.problems() {
            at.push(&join("query_time", field), message);
        }
    }
}

/// The largest slow-down a fault may inject.
const MAX_SLOWDOWN: f64 = 1000.0;

/// A burst multiplies a trigger's rate by at most this (a campaign, a retry storm).
pub const MAX_BURST_FACTOR: f64 = 100.0;
/// ... for at most this long.
pub const MAX_BURST: SimDuration = SimDuration::from_secs(3600);

/// The longest an environment may keep a cached answer (none lives longer than hours).
const MAX_CACHE_TTL: SimDuration = SimDuration::from_secs(24 * 3600);

/// Problems with a timeline: each entry at a time within the run, with an action that
/// names real nodes and a value the model accepts.
fn timeline_problems(config: &SimConfig, out: &mut Vec<Problem>) {
    for (i, entry) in config.timeline.iter().enumerate() {
        let mut push = |field: &str, message: String| {
            let path = if field.is_empty() { format!("timeline[{i}]") } else { format!("timeline[{i}].{field}") };
            out.push(Problem { path, message });
        };
        if entry.at >= config.duration {
            push("at", format!("at {} is not before the end of the run ({})", entry.at, config.duration));
        }
        action_problems(config, &entry.action, |field, message| push(field, message));
    }
}

/// Problems with one timeline action (scripted, or a fault switched on in the app):
/// `push(field, message)` for each.
pub(crate) fn action_problems(config: &SimConfig, action: &TimelineAction, mut push: impl FnMut(&str, String)) {
    {
        match action {
            TimelineAction::Caption(text) if text.trim().is_empty() => {
                push("action", "a caption needs some text".into());
            }
            TimelineAction::Caption(_) => {}
            TimelineAction::Set { knob: name, value } => match knobs::parse(config, name, value) {
                Err(e) => push("action", e),
                Ok(change) if !change.id.is_live() => push(
                    "action",
                    format!("knob \"{name}\" cannot change during a run (only before it starts, with --set)"),
                ),
                Ok(_) => {
                    // The value must also be one the model accepts (memory within range...).
                    let mut without_timeline = SimConfig { timeline: Vec::new(), ..config.clone() };
                    if let Err(e) = knobs::set(&mut without_timeline, name, value) {
                        push("action", e);
                    }
                }
            },
            TimelineAction::SlowDatabase { database, factor } => {
                if index_of(&config.databases, database).is_none() {
                    push("action", format!("no database \"{database}\""));
                }
                if !(factor.is_finite() && *factor > 0.0 && *factor <= MAX_SLOWDOWN) {
                    push("action", format!("factor must be above 0 and at most {MAX_SLOWDOWN}, got {}", num(*factor)));
                }
            }
            TimelineAction::RotateSecret { api } => {
                if index_of(&config.apis, api).is_none() {
                    push("action", format!("no API {}", quoted(api)));
                }
            }
            TimelineAction::Redrive { queue } => match config.queues.iter().find(|q| q.name == *queue) {
                None => push("action", format!("no queue {}", quoted(queue))),
                Some(q) if q.dlq.is_none() => push(
                    "action",
                    format!(
                        "queue {} has no dead-letter queue to redrive from (write `dlq: \"...\"` on it)",
                        quoted(queue)
                    ),
                ),
                Some(_) => {}
            },
            TimelineAction::FailFunction { function, error_rate } => {
                if index_of(&config.functions, function).is_none() {
                    push("action", format!("no function \"{function}\""));
                }
                if !(0.0..=1.0).contains(error_rate) {
                    push("action", format!("error_rate is a fraction in 0..1, got {}", num(*error_rate)));
                }
            }
            TimelineAction::ThrottleAccount { share } => {
                if !(share.is_finite() && *share > 0.0 && *share <= 1.0) {
                    push(
                        "action",
                        format!(
                            "share is the fraction of the account's concurrency left, above 0 and at most 1, got {}",
                            num(*share)
                        ),
                    );
                }
            }
            TimelineAction::Burst { trigger, factor, lasting } => {
                if !config.triggers.iter().any(|t| t.name() == trigger) {
                    push("action", format!("no trigger {}", quoted(trigger)));
                }
                if !(factor.is_finite() && (1.0..=MAX_BURST_FACTOR).contains(factor)) {
                    push(
                        "action",
                        format!(
                            "factor multiplies the trigger's rate: 1..{MAX_BURST_FACTOR} (1 ends a burst), got {}",
                            num(*factor)
                        ),
                    );
                }
                if lasting.0 == 0 || *lasting > MAX_BURST {
                    push("action", format!("lasting must be above 0 and at most {MAX_BURST}, got {lasting}"));
                }
            }
        }
    }
}

impl<'a> crate::sim::services::flows::FlowSpec {
    /// Its triggers exist and feed no other flow; its effects name resources that
    /// exist; a deadline above zero.
    fn problems(&'a self, names: &Names, triggers: &HashSet<&str>, claimed: &mut HashSet<&'a str>, at: &mut At) {
        use crate::sim::services::flows::{Effect, MAX_EFFECTS, MAX_PARTS};
        if self.from.is_empty() {
            at.push("from", "name the triggers whose requests make up the flow: from: [\"uploads\"]".into());
        }
        for (i, t) in self.from.iter().enumerate() {
            if !triggers.contains(t.as_str()) {
                at.push(&format!("from[{i}]"), format!("no trigger is named {}", quoted(t)));
            } else if !claimed.insert(t.as_str()) {
                at.push(&format!("from[{i}]"), format!("the trigger {} already feeds another flow", quoted(t)));
            }
        }
        if self.within.0 == 0 {
            at.push("within", "a deadline above zero, such as \"2m\"".into());
        }
        if self.effects.is_empty() || self.all_effects().count() > MAX_EFFECTS {
            let n = self.all_effects().count();
            at.push("effects", format!("1 to {MAX_EFFECTS} effects each request must cause (both outcomes), got {n}"));
        }
        if !(1..=MAX_PARTS).contains(&self.parts) {
            at.push("parts", format!("1 to {MAX_PARTS} parts each request fans out into, got {}", self.parts));
        }
        if let Some(d) = &self.if_declined {
            if let Some(message) = names.unknown_api(&d.api) {
                at.push("if_declined.api", message);
            }
            if d.effects.is_empty() {
                let what = "the effects a declined request must cause instead, such as the compensation";
                at.push("if_declined.effects", format!("{what}: effects: [ApiCall(api: \"stock-release\")]"));
            }
        }
        let declined = self.if_declined.iter().flat_map(|d| d.effects.iter().enumerate());
        let each = (self.effects.iter().enumerate().map(|(i, e)| (format!("effects[{i}]"), e)))
            .chain(declined.map(|(i, e)| (format!("if_declined.effects[{i}]"), e)));
        for (path, e) in each {
            let missing = match e {
                Effect::Object { bucket } => names.unknown_bucket(bucket),
                Effect::Row { database } => names.unknown_database(database),
                Effect::ApiCall { api } => names.unknown_api(api),
                Effect::Event { bus, .. } => names.unknown_bus(bus),
                Effect::Message { queue } => names.unknown_queue(queue),
                Effect::Record { stream } => names.unknown_stream(stream),
            };
            if let Some(message) = missing {
                at.push(&path, message);
            }
        }
    }
}
