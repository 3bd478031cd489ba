//! A function's spec (`FunctionSpec::problems`): memory, timeout, reserved, provisioned
//! and per-environment concurrency, billing, init, retries, its handler's calls
//! (`call_problems`, /tmp downloads included) and its role's statements
//! (`permission_problem`). SnapStart's fields are checked in `function/snapstart.rs`.

use crate::sim::config::{SimConfig, UNRESERVED_MINIMUM};
use crate::sim::function::permissions::Permission;
use crate::sim::function::provider::{Billing, MAX_PER_ENVIRONMENT_CONCURRENCY, Provider};
use crate::sim::function::{
    Call, FunctionSpec, InitStyle, KeepAlive, MAX_EPHEMERAL_MB, MAX_MEMORY_MB, MAX_TIMEOUT, MAX_TMP_FILES,
    MIN_EPHEMERAL_MB, MIN_MEMORY_MB,
};
use crate::sim::kernel::num;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::storage::MAX_OBJECT_KB;
use std::collections::HashSet;

use super::{At, Names, join};

impl FunctionSpec {
    pub(super) fn problems(&self, config: &SimConfig, names: &Names, at: &mut At) {
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
        if !f.timeout.0.is_multiple_of(1_000_000) || f.timeout.0 == 0 || f.timeout > max_timeout {
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

/// The longest an environment may keep a cached answer (none lives longer than hours).
const MAX_CACHE_TTL: SimDuration = SimDuration::from_secs(24 * 3600);
