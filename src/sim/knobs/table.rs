//! The knobs, one entry each: name, owner, unit, help, slider range, read, write and
//! live change together. Slider ranges follow the model's limits (docs/model.md),
//! narrowed to what is worth sliding through.

use super::{Knob, KnobValue, Live, NameKind, Owner, Unit};
use crate::sim::config::SimConfig;
use crate::sim::function::permissions::Permission;
use crate::sim::function::provider::{Billing, Provider};
use crate::sim::function::{ApiCache, Call, InitStyle, KeepAlive, Runtime};
use crate::sim::kernel::cost::Architecture;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::database::PoolerSpec;
use crate::sim::services::queue::redrive::MAX_REDRIVE_RATE;
use crate::sim::services::storage::SizeDist;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use crate::sim::websocket::WebSocketSpec;

const RUNTIMES: &[&str] = &["python", "nodejs", "ruby", "go", "java", "dotnet", "rust", "container"];

fn always(_: &SimConfig, _: usize) -> Result<(), &'static str> {
    Ok(())
}

fn has_consumer(config: &SimConfig, queue: usize) -> Result<(), &'static str> {
    config.queues[queue].consumer.as_ref().map(|_| ()).ok_or("has no consumer function")
}

fn has_dlq(config: &SimConfig, queue: usize) -> Result<(), &'static str> {
    config.queues[queue].dlq.as_ref().map(|_| ()).ok_or("has no dead-letter queue to attach")
}

fn has_dlq_to_redrive(config: &SimConfig, queue: usize) -> Result<(), &'static str> {
    config.queues[queue].dlq.as_ref().map(|_| ()).ok_or("has no dead-letter queue to redrive from")
}

/// Triggers that invoke a function directly (HTTP, asynchronous events, schedules).
fn invokes_a_function(config: &SimConfig, trigger: usize) -> Result<(), &'static str> {
    match config.triggers[trigger].target_kind() {
        TargetKind::Function => Ok(()),
        _ => Err("does not invoke a function directly"),
    }
}

/// The function's cached API call (a configuration or secret read), if it has one.
fn cached_call(config: &SimConfig, function: usize) -> Option<&ApiCache> {
    config.functions[function].calls.iter().find_map(|c| match c {
        Call::Api { cache: Some(cache), .. } => Some(cache),
        _ => None,
    })
}

fn has_cached_call(config: &SimConfig, function: usize) -> Result<(), &'static str> {
    cached_call(config, function).map(|_| ()).ok_or("makes no cached API call (write `cache: (ttl: ...)` on the call)")
}

/// Changes the function's cached API call.
fn set_cache(config: &mut SimConfig, function: usize, change: impl FnOnce(&mut ApiCache)) {
    let cached = config.functions[function].calls.iter_mut().find_map(|c| match c {
        Call::Api { cache: Some(cache), .. } => Some(cache),
        _ => None,
    });
    if let Some(cache) = cached {
        change(cache);
    }
}

fn has_tmp_file(config: &SimConfig, function: usize) -> Result<(), &'static str> {
    let mut calls = config.functions[function].calls.iter();
    calls.any(|c| matches!(c, Call::TmpFile { .. })).then_some(()).ok_or("keeps no file in /tmp (write a TmpFile call)")
}

fn has_put(config: &SimConfig, function: usize) -> Result<(), &'static str> {
    let mut calls = config.functions[function].calls.iter();
    calls.any(|c| matches!(c, Call::Put { .. })).then_some(()).ok_or("writes no results (no Put call)")
}

/// A trigger's WebSocket description, if it is one.
fn websocket_of(config: &SimConfig, trigger: usize) -> Option<&WebSocketSpec> {
    match &config.triggers[trigger] {
        TriggerSpec::Http { websocket, .. } => websocket.as_deref(),
        _ => None,
    }
}

fn websocket_mut(config: &mut SimConfig, trigger: usize) -> Option<&mut WebSocketSpec> {
    match &mut config.triggers[trigger] {
        TriggerSpec::Http { websocket, .. } => websocket.as_deref_mut(),
        _ => None,
    }
}

fn is_websocket(config: &SimConfig, trigger: usize) -> Result<(), &'static str> {
    websocket_of(config, trigger).map(|_| ()).ok_or("is not a WebSocket trigger (write `websocket: (...)` on it)")
}

fn on_off(on: bool) -> String {
    if on { "on" } else { "off" }.to_string()
}

fn count_or_none(count: Option<u32>) -> String {
    count.map_or("none".to_string(), |c| c.to_string())
}

/// The knob's word for a runtime (`None` for a custom cold-start distribution).
fn word_of(runtime: &Runtime) -> &'static str {
    match runtime {
        Runtime::Python => "python",
        Runtime::Nodejs => "nodejs",
        Runtime::Ruby => "ruby",
        Runtime::Go => "go",
        Runtime::Java => "java",
        Runtime::Dotnet => "dotnet",
        Runtime::Rust => "rust",
        Runtime::Container => "container",
        Runtime::Custom { .. } => "custom",
    }
}

fn runtime_of(word: &str) -> Runtime {
    match word {
        "python" => Runtime::Python,
        "nodejs" => Runtime::Nodejs,
        "ruby" => Runtime::Ruby,
        "go" => Runtime::Go,
        "java" => Runtime::Java,
        "dotnet" => Runtime::Dotnet,
        "rust" => Runtime::Rust,
        _ => Runtime::Container,
    }
}

fn has_stream_consumer(config: &SimConfig, stream: usize) -> Result<(), &'static str> {
    config.streams[stream].consumer.as_ref().map(|_| ()).ok_or("has no consumer function")
}

/// A stream consumer's knob lives on its spec, which the running stream reads from then on.
const STREAM_LIVE: Live = Live::Apply(|sim, i, changed, _| {
    sim.respec_stream(i, changed);
    Ok(())
});

/// A queue's knob lives on its spec, which the running queue reads from then on.
const QUEUE_LIVE: Live = Live::Apply(|sim, i, changed, _| {
    sim.respec_queue(i, changed);
    Ok(())
});

pub static KNOBS: &[Knob] = &[
    Knob {
        property: "memory",
        owner: Owner::Function,
        unit: Unit::Megabytes,
        help: "memory size (and with it CPU share and price)",
        range: |_| (128.0, 10_240.0),
        applies: always,
        read: |c, i| c.functions[i].memory_mb.to_string(),
        write: |c, i, v| c.functions[i].memory_mb = v.number().unwrap_or(0.0).round() as u32,
        live: Live::FunctionSpec,
    },
    Knob {
        property: "keep_alive",
        owner: Owner::Function,
        unit: Unit::Duration,
        help: "how long an idle environment stays warm",
        range: |_| (1.0, 3600.0),
        applies: always,
        read: |c, i| match &c.functions[i].keep_alive {
            KeepAlive::Fixed(d) => d.to_string(),
            KeepAlive::Random(_) => "random".to_string(),
        },
        write: |c, i, v| c.functions[i].keep_alive = KeepAlive::Fixed(v.duration()),
        live: Live::Apply(|sim, i, _, v| sim.set_keep_alive(i, v.duration())),
    },
    Knob {
        property: "provisioned",
        owner: Owner::Function,
        unit: Unit::Count,
        help: "provisioned concurrency: environments kept initialised",
        range: |_| (0.0, 200.0),
        applies: always,
        read: |c, i| c.functions[i].provisioned_concurrency.to_string(),
        write: |c, i, v| c.functions[i].provisioned_concurrency = v.count(),
        live: Live::Apply(|sim, i, _, v| sim.set_provisioned_concurrency(i, v.count())),
    },
    Knob {
        property: "reserved",
        owner: Owner::Function,
        unit: Unit::CountOrNone,
        help: "reserved concurrency (none = share the account pool)",
        // AWS keeps 100 of the account's concurrency unreserved.
        range: |c| (0.0, f64::from(c.account.reservable())),
        applies: always,
        read: |c, i| count_or_none(c.functions[i].reserved_concurrency),
        write: |c, i, v| c.functions[i].reserved_concurrency = v.count_or_none(),
        live: Live::Apply(|sim, i, _, v| sim.set_reserved_concurrency(i, v.count_or_none())),
    },
    Knob {
        property: "timeout",
        owner: Owner::Function,
        unit: Unit::Duration,
        help: "the longest an invocation may run",
        range: |_| (1.0, 900.0),
        applies: always,
        read: |c, i| c.functions[i].timeout.to_string(),
        write: |c, i, v| c.functions[i].timeout = v.duration(),
        live: Live::FunctionSpec,
    },
    Knob {
        property: "ephemeral_mb",
        owner: Owner::Function,
        unit: Unit::Megabytes,
        help: "the size of /tmp (ephemeral storage); above the free 512 MB billed per GB-second",
        // "Configure ephemeral storage": 512..10,240 MB.
        range: |_| (512.0, 10_240.0),
        applies: always,
        read: |c, i| c.functions[i].ephemeral_mb.to_string(),
        write: |c, i, v| c.functions[i].ephemeral_mb = v.number().unwrap_or(0.0).round() as u32,
        live: Live::FunctionSpec,
    },
    Knob {
        property: "keep_in_tmp",
        owner: Owner::Function,
        unit: Unit::Toggle,
        help: "keep the TmpFile in /tmp for the environment's next requests (off: download it on every request)",
        range: |_| (0.0, 1.0),
        applies: has_tmp_file,
        read: |c, i| on_off(c.functions[i].calls.iter().any(|c| matches!(c, Call::TmpFile { keep: true, .. }))),
        write: |c, i, v| {
            for call in &mut c.functions[i].calls {
                if let Call::TmpFile { keep, .. } = call {
                    *keep = v.is_on();
                }
            }
        },
        live: Live::No,
    },
    Knob {
        property: "results_to",
        owner: Owner::Function,
        unit: Unit::Choice(&["bucket", "tmp"]),
        help: "where the handler writes its results: the bucket (durable), or /tmp (lost with the environment)",
        range: |_| (0.0, 0.0),
        applies: has_put,
        read: |c, i| {
            let tmp = c.functions[i].calls.iter().any(|c| matches!(c, Call::Put { to_tmp: true, .. }));
            if tmp { "tmp" } else { "bucket" }.to_string()
        },
        write: |c, i, v| {
            for call in &mut c.functions[i].calls {
                if let Call::Put { to_tmp, .. } = call {
                    *to_tmp = v.word() == "tmp";
                }
            }
        },
        live: Live::No,
    },
    Knob {
        property: "config_ttl",
        owner: Owner::Function,
        unit: Unit::Duration,
        help: "how long each environment keeps its cached configuration or secret (0 = read on every request)",
        range: |_| (0.0, 3600.0),
        applies: has_cached_call,
        read: |c, i| cached_call(c, i).map_or_else(String::new, |cache| cache.ttl.to_string()),
        write: |c, i, v| set_cache(c, i, |cache| cache.ttl = v.duration()),
        live: Live::No,
    },
    Knob {
        property: "refresh_on_error",
        owner: Owner::Function,
        unit: Unit::Toggle,
        help: "re-read a cached secret when it stops working (after a rotation) instead of failing until it expires",
        range: |_| (0.0, 1.0),
        applies: has_cached_call,
        read: |c, i| on_off(cached_call(c, i).is_some_and(|cache| cache.refresh_on_error)),
        write: |c, i, v| set_cache(c, i, |cache| cache.refresh_on_error = v.is_on()),
        live: Live::No,
    },
    Knob {
        property: "idempotency",
        owner: Owner::Function,
        unit: Unit::Toggle,
        help: "an idempotency store that suppresses duplicate side effects",
        range: |_| (0.0, 1.0),
        applies: always,
        read: |c, i| on_off(c.functions[i].idempotency),
        write: |c, i, v| c.functions[i].idempotency = v.is_on(),
        live: Live::FunctionSpec,
    },
    Knob {
        property: "runtime",
        owner: Owner::Function,
        unit: Unit::Choice(RUNTIMES),
        help: "the language runtime",
        range: |_| (0.0, 0.0),
        applies: always,
        read: |c, i| word_of(&c.functions[i].runtime).to_string(),
        write: |c, i, v| c.functions[i].runtime = runtime_of(v.word()),
        live: Live::FunctionSpec,
    },
    Knob {
        property: "package_mb",
        owner: Owner::Function,
        unit: Unit::Megabytes,
        help: "deployment package size",
        range: |_| (1.0, 250.0),
        applies: always,
        read: |c, i| c.functions[i].package_mb.to_string(),
        write: |c, i, v| c.functions[i].package_mb = v.number().unwrap_or(0.0),
        live: Live::FunctionSpec,
    },
    Knob {
        property: "lazy_init",
        owner: Owner::Function,
        unit: Unit::FractionOrOff,
        help: "defer the init code out of the cold start: the share the first request on each environment pays (off = eager)",
        range: |_| (0.0, 1.0),
        applies: |c, i| c.functions[i].init_code.as_ref().map(|_| ()).ok_or("has no init_code to defer"),
        read: |c, i| match c.functions[i].init {
            InitStyle::Eager => "off".to_string(),
            InitStyle::Lazy { first_request_share } => first_request_share.to_string(),
        },
        write: |c, i, v| {
            c.functions[i].init = match v.number() {
                Some(first_request_share) => InitStyle::Lazy { first_request_share },
                None => InitStyle::Eager,
            }
        },
        live: Live::FunctionSpec,
    },
    Knob {
        property: "on_failure",
        owner: Owner::Function,
        unit: Unit::Name { of: NameKind::Queue, or_none: true },
        help: "where an asynchronous event goes after its last retry (none = dropped)",
        range: |_| (0.0, 0.0),
        applies: always,
        read: |c, i| c.functions[i].on_failure.clone().unwrap_or_else(|| "none".into()),
        write: |c, i, v| c.functions[i].on_failure = (*v != KnobValue::None).then(|| v.name().to_string()),
        live: Live::No,
    },
    Knob {
        property: "permissions",
        owner: Owner::Function,
        unit: Unit::Permissions,
        help: "the function's role: what it may call (Read(db), Write(bucket), Send(queue), ... or *)",
        range: |_| (0.0, 0.0),
        applies: |c, i| c.functions[i].permissions.as_ref().map(|_| ()).ok_or("has no role modelled"),
        read: |c, i| {
            let labels: Vec<String> = c.functions[i].permissions.iter().flatten().map(Permission::label).collect();
            labels.join(", ")
        },
        write: |c, i, v| {
            let statements = v.name().split(',').filter(|s| !s.trim().is_empty()).map(Permission::parse);
            c.functions[i].permissions = Some(statements.filter_map(Result::ok).collect());
        },
        live: Live::FunctionSpec,
    },
    Knob {
        property: "vpc",
        owner: Owner::Function,
        unit: Unit::Toggle,
        help: "attached to a VPC (no cold-start cost since 2019)",
        range: |_| (0.0, 1.0),
        applies: always,
        read: |c, i| on_off(c.functions[i].vpc),
        write: |c, i, v| c.functions[i].vpc = v.is_on(),
        live: Live::FunctionSpec,
    },
    Knob {
        property: "region",
        owner: Owner::Function,
        unit: Unit::Name { of: NameKind::Region, or_none: false },
        help: "the region the function runs in (round trips to clients and databases elsewhere)",
        range: |_| (0.0, 0.0),
        applies: always,
        read: |c, i| c.functions[i].region.clone().unwrap_or_else(|| c.account.region.clone()),
        write: |c, i, v| {
            // The account's region is the default: written as none.
            c.functions[i].region = (v.name() != c.account.region).then(|| v.name().to_string());
        },
        live: Live::No,
    },
    Knob {
        property: "architecture",
        owner: Owner::Function,
        unit: Unit::Choice(&["x86", "arm"]),
        help: "instruction set (Arm is 20% cheaper)",
        range: |_| (0.0, 0.0),
        applies: always,
        read: |c, i| {
            match c.functions[i].architecture {
                Architecture::X86 => "x86",
                Architecture::Arm => "arm",
            }
            .to_string()
        },
        write: |c, i, v| {
            c.functions[i].architecture = if v.word() == "arm" { Architecture::Arm } else { Architecture::X86 }
        },
        live: Live::FunctionSpec,
    },
    Knob {
        property: "async_retries",
        owner: Owner::Function,
        unit: Unit::Count,
        help: "retries of a failed asynchronous invocation (0..2)",
        range: |_| (0.0, 2.0),
        applies: always,
        read: |c, i| c.functions[i].async_retries.to_string(),
        write: |c, i, v| c.functions[i].async_retries = v.count(),
        live: Live::FunctionSpec,
    },
    Knob {
        property: "rate",
        owner: Owner::Trigger,
        unit: Unit::Factor,
        help: "the arrival rate, as a multiple of the scenario's",
        range: |_| (0.1, 10.0),
        applies: always,
        read: |c, i| c.rate_scale_of(i).to_string(),
        write: |c, i, v| c.set_rate_scale(i, v.number().unwrap_or(0.0)),
        live: Live::Apply(|sim, i, _, v| sim.set_rate_scale(i, v.number().unwrap_or(0.0))),
    },
    Knob {
        property: "enabled",
        owner: Owner::Trigger,
        unit: Unit::Toggle,
        help: "whether the trigger sends anything at all",
        range: |_| (0.0, 1.0),
        applies: always,
        read: |c, i| on_off(c.rate_scale_of(i) > 0.0),
        write: |c, i, v| {
            // Switching on again keeps a multiplier set before; off is a multiplier of 0.
            let keep = if v.is_on() { c.rate_scale_of(i).max(0.0) } else { 0.0 };
            c.set_rate_scale(i, if v.is_on() && keep == 0.0 { 1.0 } else { keep });
        },
        live: Live::No,
    },
    Knob {
        property: "target",
        owner: Owner::Trigger,
        unit: Unit::Name { of: NameKind::Function, or_none: false },
        help: "the function that serves the trigger's requests (one design or another for the same clients)",
        range: |_| (0.0, 0.0),
        applies: invokes_a_function,
        read: |c, i| c.triggers[i].target().to_string(),
        write: |c, i, v| c.triggers[i].set_target(v.name()),
        live: Live::No,
    },
    Knob {
        property: "claim_check",
        owner: Owner::Trigger,
        unit: Unit::Name { of: NameKind::Bucket, or_none: true },
        help: "the bucket that stores payloads over the limit, a reference travelling instead (none = rejected)",
        range: |_| (0.0, 0.0),
        applies: |c, i| c.triggers[i].payload().map(|_| ()).ok_or("has no payload"),
        read: |c, i| {
            let bucket = c.triggers[i].payload().and_then(|p| p.claim_check.clone());
            bucket.unwrap_or_else(|| "none".to_string())
        },
        write: |c, i, v| {
            if let Some(p) = c.triggers[i].payload_mut() {
                p.claim_check = (*v != KnobValue::None).then(|| v.name().to_string());
            }
        },
        live: Live::No,
    },
    Knob {
        property: "fleet",
        owner: Owner::Trigger,
        unit: Unit::Toggle,
        help: "serve the trigger's requests on the always-on server fleet instead (priced by the hour)",
        range: |_| (0.0, 1.0),
        applies: invokes_a_function,
        read: |c, i| on_off(c.fleet_triggers.iter().any(|t| t == c.triggers[i].name())),
        write: |c, i, v| {
            let name = c.triggers[i].name().to_string();
            c.fleet_triggers.retain(|t| *t != name);
            if v.is_on() {
                c.fleet_triggers.push(name);
            }
        },
        live: Live::No,
    },
    Knob {
        property: "invoke_overhead_ms",
        owner: Owner::Trigger,
        unit: Unit::Count,
        help: "what the API gateway and Lambda's invoke path add to each request, its median in ms (its jitter scales with it; 0 = none)",
        range: |_| (0.0, 50.0),
        applies: |c, i| match c.triggers[i] {
            TriggerSpec::Http { .. } => Ok(()),
            _ => Err("is not an HTTP or WebSocket trigger"),
        },
        read: |c, i| match &c.triggers[i] {
            TriggerSpec::Http { invoke_overhead: Some(d), .. } => format!("{}", (d.typical_secs() * 1000.0).round()),
            _ => "0".to_string(),
        },
        write: |c, i, v| {
            if let TriggerSpec::Http { invoke_overhead, .. } = &mut c.triggers[i] {
                let ms = f64::from(v.count());
                *invoke_overhead = match invoke_overhead.take() {
                    _ if ms == 0.0 => None,
                    Some(d) if d.typical_secs() > 0.0 => Some(d.scaled(ms / 1000.0 / d.typical_secs())),
                    // None written: a constant, for a what-if.
                    _ => Some(Dist::constant(SimDuration::from_secs_f64(ms / 1000.0))),
                };
            }
        },
        live: Live::No,
    },
    Knob {
        property: "fanout",
        owner: Owner::Trigger,
        unit: Unit::Count,
        help: "connections each WebSocket message is delivered to (a chat room's other members; each copy is billed)",
        range: |_| (0.0, 100.0),
        applies: is_websocket,
        read: |c, i| websocket_of(c, i).map_or("0".to_string(), |w| w.fanout.to_string()),
        write: |c, i, v| {
            if let Some(w) = websocket_mut(c, i) {
                w.fanout = v.count();
            }
        },
        live: Live::No,
    },
    Knob {
        property: "message_kb",
        owner: Owner::Trigger,
        unit: Unit::Count,
        help: "the size of each WebSocket message in KB (billed in 32 KB increments; at most 128)",
        range: |_| (1.0, 128.0),
        applies: is_websocket,
        // A size written as a distribution reads as its typical size.
        read: |c, i| match websocket_of(c, i).map(|w| &w.message_kb) {
            Some(SizeDist::Constant { kb }) => format!("{}", kb.round()),
            Some(SizeDist::Uniform { min_kb, max_kb }) => format!("{}", ((min_kb + max_kb) / 2.0).round()),
            Some(SizeDist::LogNormal { median_kb, .. }) => format!("{}", median_kb.round()),
            None => "0".to_string(),
        },
        write: |c, i, v| {
            if let Some(w) = websocket_mut(c, i) {
                w.message_kb = SizeDist::Constant { kb: f64::from(v.count()) };
            }
        },
        live: Live::No,
    },
    Knob {
        property: "batch_size",
        owner: Owner::Queue,
        unit: Unit::Count,
        help: "messages per invocation",
        range: |_| (1.0, 100.0),
        applies: has_consumer,
        read: |c, i| c.queues[i].consumer.as_ref().map_or(0, |c| c.batch_size).to_string(),
        write: |c, i, v| {
            if let Some(consumer) = c.queues[i].consumer.as_mut() {
                consumer.batch_size = v.count();
            }
        },
        live: QUEUE_LIVE,
    },
    Knob {
        property: "visibility_timeout",
        owner: Owner::Queue,
        unit: Unit::Duration,
        help: "how long a received message stays hidden",
        range: |_| (1.0, 3600.0),
        applies: always,
        read: |c, i| c.queues[i].visibility_timeout.to_string(),
        write: |c, i, v| c.queues[i].visibility_timeout = v.duration(),
        live: QUEUE_LIVE,
    },
    Knob {
        property: "max_receives",
        owner: Owner::Queue,
        unit: Unit::Count,
        help: "receives before a message goes to the dead-letter queue",
        range: |_| (1.0, 20.0),
        applies: always,
        read: |c, i| c.queues[i].max_receive_count.to_string(),
        write: |c, i, v| c.queues[i].max_receive_count = v.count(),
        live: QUEUE_LIVE,
    },
    Knob {
        property: "max_concurrency",
        owner: Owner::Queue,
        unit: Unit::Count,
        help: "the most concurrent invocations the queue's pollers make",
        range: |_| (2.0, 1000.0),
        applies: has_consumer,
        read: |c, i| c.queues[i].consumer.as_ref().map_or(0, |c| c.max_concurrency).to_string(),
        write: |c, i, v| {
            if let Some(consumer) = c.queues[i].consumer.as_mut() {
                consumer.max_concurrency = v.count();
            }
        },
        live: QUEUE_LIVE,
    },
    Knob {
        property: "dlq",
        owner: Owner::Queue,
        unit: Unit::Toggle,
        help: "whether the queue's dead-letter queue is attached",
        range: |_| (0.0, 1.0),
        applies: has_dlq,
        read: |c, i| on_off(!c.detached_dlqs.contains(&c.queues[i].name)),
        write: |c, i, v| {
            let name = c.queues[i].name.clone();
            c.detached_dlqs.retain(|q| *q != name);
            if !v.is_on() {
                c.detached_dlqs.push(name);
            }
        },
        live: QUEUE_LIVE,
    },
    Knob {
        property: "redrive_at",
        owner: Owner::Queue,
        unit: Unit::Duration,
        help: "when an operator redrives the dead-letter queue back into this queue (0: never)",
        range: |c| (0.0, c.duration.as_secs_f64().floor()),
        applies: has_dlq_to_redrive,
        read: |c, i| c.queues[i].redrive_at.to_string(),
        write: |c, i, v| c.queues[i].redrive_at = v.duration(),
        live: QUEUE_LIVE,
    },
    Knob {
        property: "redrive_rate",
        owner: Owner::Queue,
        unit: Unit::Count,
        help: "messages a second a redrive moves (SQS allows up to 500; 0 lets SQS choose: all at once)",
        range: |_| (0.0, f64::from(MAX_REDRIVE_RATE)),
        applies: has_dlq_to_redrive,
        read: |c, i| c.queues[i].redrive_rate.to_string(),
        write: |c, i, v| c.queues[i].redrive_rate = v.count(),
        live: QUEUE_LIVE,
    },
    Knob {
        property: "partial_batch",
        owner: Owner::Queue,
        unit: Unit::Toggle,
        help: "report failed messages one by one instead of returning the whole batch",
        range: |_| (0.0, 1.0),
        applies: has_consumer,
        read: |c, i| on_off(c.queues[i].consumer.as_ref().is_some_and(|c| c.partial_batch_response)),
        write: |c, i, v| {
            if let Some(consumer) = c.queues[i].consumer.as_mut() {
                consumer.partial_batch_response = v.is_on();
            }
        },
        live: QUEUE_LIVE,
    },
    Knob {
        property: "batching_window",
        owner: Owner::Queue,
        unit: Unit::Duration,
        help: "how long the pollers wait for a fuller batch",
        range: |_| (0.0, 300.0),
        applies: has_consumer,
        read: |c, i| c.queues[i].consumer.as_ref().map_or(SimDuration::ZERO, |c| c.batching_window).to_string(),
        write: |c, i, v| {
            if let Some(consumer) = c.queues[i].consumer.as_mut() {
                consumer.batching_window = v.duration();
            }
        },
        live: QUEUE_LIVE,
    },
    Knob {
        property: "batch_size",
        owner: Owner::Stream,
        unit: Unit::Count,
        help: "records per invocation, per shard",
        range: |_| (1.0, 1000.0),
        applies: has_stream_consumer,
        read: |c, i| c.streams[i].consumer.as_ref().map_or(0, |c| c.batch_size).to_string(),
        write: |c, i, v| {
            if let Some(consumer) = c.streams[i].consumer.as_mut() {
                consumer.batch_size = v.count();
            }
        },
        live: STREAM_LIVE,
    },
    Knob {
        property: "bisect",
        owner: Owner::Stream,
        unit: Unit::Toggle,
        help: "split a failing batch in two, down to the bad record",
        range: |_| (0.0, 1.0),
        applies: has_stream_consumer,
        read: |c, i| on_off(c.streams[i].consumer.as_ref().is_some_and(|c| c.bisect_on_error)),
        write: |c, i, v| {
            if let Some(consumer) = c.streams[i].consumer.as_mut() {
                consumer.bisect_on_error = v.is_on();
            }
        },
        live: STREAM_LIVE,
    },
    Knob {
        property: "max_retries",
        owner: Owner::Stream,
        unit: Unit::CountOrNone,
        help: "retries of a failing batch before it is given up (none = until its records expire)",
        range: |_| (0.0, 100.0),
        applies: has_stream_consumer,
        read: |c, i| count_or_none(c.streams[i].consumer.as_ref().and_then(|c| c.max_retries)),
        write: |c, i, v| {
            if let Some(consumer) = c.streams[i].consumer.as_mut() {
                consumer.max_retries = v.count_or_none();
            }
        },
        live: STREAM_LIVE,
    },
    Knob {
        property: "on_failure",
        owner: Owner::Stream,
        unit: Unit::Name { of: NameKind::Queue, or_none: true },
        help: "the queue that takes the records of a batch given up (none = they are gone)",
        range: |_| (0.0, 0.0),
        applies: has_stream_consumer,
        read: |c, i| c.streams[i].consumer.as_ref().and_then(|c| c.on_failure.clone()).unwrap_or_else(|| "none".into()),
        write: |c, i, v| {
            if let Some(consumer) = c.streams[i].consumer.as_mut() {
                consumer.on_failure = (*v != KnobValue::None).then(|| v.name().to_string());
            }
        },
        live: STREAM_LIVE,
    },
    Knob {
        property: "pooler",
        owner: Owner::Database,
        unit: Unit::CountOrNone,
        help: "a connection pooler's pool size (none = direct connections)",
        range: |_| (1.0, 500.0),
        applies: always,
        read: |c, i| count_or_none(c.databases[i].pooler.as_ref().map(|p| p.pool_size)),
        write: |c, i, v| c.databases[i].pooler = v.count_or_none().map(|pool_size| PoolerSpec { pool_size }),
        live: Live::No,
    },
    Knob {
        property: "max_connections",
        owner: Owner::Database,
        unit: Unit::Count,
        help: "the database's connection limit",
        range: |_| (10.0, 5000.0),
        applies: always,
        read: |c, i| c.databases[i].max_connections.to_string(),
        write: |c, i, v| c.databases[i].max_connections = v.count(),
        live: Live::No,
    },
    Knob {
        property: "concurrency",
        owner: Owner::Account,
        unit: Unit::Count,
        help: "the account's concurrency limit",
        range: |_| (10.0, 10_000.0),
        applies: always,
        read: |c, _| c.account.concurrency_limit.to_string(),
        write: |c, _, v| c.account.concurrency_limit = v.count(),
        live: Live::No,
    },
    Knob {
        property: "snap_start",
        owner: Owner::Function,
        unit: Unit::Toggle,
        help: "Lambda SnapStart: cold starts restore a snapshot taken after init instead of running it (Python and .NET pay for the cache and each restore)",
        range: |_| (0.0, 1.0),
        applies: snap_start_runtime,
        read: |c, i| on_off(c.functions[i].snap_start),
        write: |c, i, v| c.functions[i].snap_start = v.is_on(),
        live: Live::No,
    },
    Knob {
        property: "restore_hook",
        owner: Owner::Function,
        unit: Unit::Toggle,
        help: "an after-restore hook re-seeds and reconnects what the snapshot captured (adds its time to each restore)",
        range: |_| (0.0, 1.0),
        applies: snap_start_runtime,
        read: |c, i| on_off(c.functions[i].restore_hook),
        write: |c, i, v| c.functions[i].restore_hook = v.is_on(),
        live: Live::No,
    },
    Knob {
        property: "per_environment_concurrency",
        owner: Owner::Function,
        unit: Unit::Count,
        help: "requests one environment serves at once (1 = Lambda; 80 = Cloud Run's default): they share its vCPUs",
        // Cloud Run's maximum concurrency per instance is 1000 ("About concurrency").
        range: |_| (1.0, 1000.0),
        applies: always,
        read: |c, i| {
            let default = c.account.provider.default_per_environment_concurrency();
            c.functions[i].per_environment_concurrency.unwrap_or(default).to_string()
        },
        // The provider's default is written as absent, so it follows the provider.
        write: |c, i, v| {
            let n = v.count();
            let default = c.account.provider.default_per_environment_concurrency();
            c.functions[i].per_environment_concurrency = (n != default).then_some(n)
        },
        live: Live::No,
    },
    Knob {
        property: "billing",
        owner: Owner::Function,
        unit: Unit::Choice(BILLINGS),
        help: "how compute is billed: per request (Lambda), per instance while serving or always on (Cloud Run)",
        range: |_| (0.0, 2.0),
        applies: always,
        read: |c, i| {
            match c.functions[i].billing.unwrap_or_else(|| c.account.provider.default_billing()) {
                Billing::PerRequest => BILLINGS[0],
                Billing::PerInstanceWhileServing => BILLINGS[1],
                Billing::PerInstanceAlwaysOn => BILLINGS[2],
                Billing::ManagedInstances { .. } => "ManagedInstances",
            }
            .to_string()
        },
        write: |c, i, v| {
            let billing = match v.word() {
                "PerInstanceWhileServing" => Billing::PerInstanceWhileServing,
                "PerInstanceAlwaysOn" => Billing::PerInstanceAlwaysOn,
                _ => Billing::PerRequest,
            };
            c.functions[i].billing = (billing != c.account.provider.default_billing()).then_some(billing)
        },
        live: Live::No,
    },
    Knob {
        property: "provider",
        owner: Owner::Account,
        unit: Unit::Choice(PROVIDERS),
        help: "the platform: its default per-environment concurrency, billing, prices and longest timeout",
        range: |_| (0.0, 2.0),
        applies: always,
        read: |c, _| c.account.provider.label().to_string(),
        write: |c, _, v| {
            c.account.provider = Provider::ALL.into_iter().find(|p| p.label() == v.word()).unwrap_or_default()
        },
        live: Live::No,
    },
];

/// SnapStart's knobs apply to the runtimes that support it.
fn snap_start_runtime(c: &SimConfig, i: usize) -> Result<(), &'static str> {
    if c.functions[i].runtime.supports_snap_start() {
        Ok(())
    } else {
        Err("SnapStart supports only the Java, Python and .NET runtimes")
    }
}
const BILLINGS: &[&str] = &["PerRequest", "PerInstanceWhileServing", "PerInstanceAlwaysOn"];
const PROVIDERS: &[&str] = &["AwsLambda", "CloudRunFunctions", "AzureFlexConsumption"];
