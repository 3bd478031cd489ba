//! The knobs of a function: its size and lifecycle, its runtime and package, what its
//! handler's calls keep and reach, its failures and retries, SnapStart, and how it is
//! billed.

use super::{always, count_or_none, on_off};
use crate::sim::config::SimConfig;
use crate::sim::function::permissions::Permission;
use crate::sim::function::provider::Billing;
use crate::sim::function::{ApiCache, Call, InitStyle, KeepAlive, Runtime};
use crate::sim::kernel::cost::Architecture;
use crate::sim::knobs::{Knob, KnobValue, Live, NameKind, Owner, Unit};

pub(super) const MEMORY: Knob = Knob {
    property: "memory",
    owner: Owner::Function,
    unit: Unit::Megabytes,
    help: "memory size (and with it CPU share and price)",
    range: |_| (128.0, 10_240.0),
    applies: always,
    read: |c, i| c.functions[i].memory_mb.to_string(),
    write: |c, i, v| c.function_mut(i).memory_mb = v.number().unwrap_or(0.0).round() as u32,
    live: Live::FunctionSpec,
};

pub(super) const KEEP_ALIVE: Knob = Knob {
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
    write: |c, i, v| c.function_mut(i).keep_alive = KeepAlive::Fixed(v.duration()),
    live: Live::Apply(|sim, i, _, v| sim.set_keep_alive(i, v.duration())),
};

pub(super) const PROVISIONED: Knob = Knob {
    property: "provisioned",
    owner: Owner::Function,
    unit: Unit::Count,
    help: "provisioned concurrency: environments kept initialised",
    range: |_| (0.0, 200.0),
    applies: always,
    read: |c, i| c.functions[i].provisioned_concurrency.to_string(),
    write: |c, i, v| c.function_mut(i).provisioned_concurrency = v.count(),
    live: Live::Apply(|sim, i, _, v| sim.set_provisioned_concurrency(i, v.count())),
};

pub(super) const RESERVED: Knob = Knob {
    property: "reserved",
    owner: Owner::Function,
    unit: Unit::CountOrNone,
    help: "reserved concurrency (none = share the account pool)",
    // AWS keeps 100 of the account's concurrency unreserved.
    range: |c| (0.0, f64::from(c.account.reservable())),
    applies: always,
    read: |c, i| count_or_none(c.functions[i].reserved_concurrency),
    write: |c, i, v| c.function_mut(i).reserved_concurrency = v.count_or_none(),
    live: Live::Apply(|sim, i, _, v| sim.set_reserved_concurrency(i, v.count_or_none())),
};

pub(super) const TIMEOUT: Knob = Knob {
    property: "timeout",
    owner: Owner::Function,
    unit: Unit::Duration,
    help: "the longest an invocation may run",
    range: |_| (1.0, 900.0),
    applies: always,
    read: |c, i| c.functions[i].timeout.to_string(),
    write: |c, i, v| c.function_mut(i).timeout = v.duration(),
    live: Live::FunctionSpec,
};

pub(super) const EPHEMERAL_MB: Knob = Knob {
    property: "ephemeral_mb",
    owner: Owner::Function,
    unit: Unit::Megabytes,
    help: "the size of /tmp (ephemeral storage); above the free 512 MB billed per GB-second",
    // "Configure ephemeral storage": 512..10,240 MB.
    range: |_| (512.0, 10_240.0),
    applies: always,
    read: |c, i| c.functions[i].ephemeral_mb.to_string(),
    write: |c, i, v| c.function_mut(i).ephemeral_mb = v.number().unwrap_or(0.0).round() as u32,
    live: Live::FunctionSpec,
};

pub(super) const KEEP_IN_TMP: Knob = Knob {
    property: "keep_in_tmp",
    owner: Owner::Function,
    unit: Unit::Toggle,
    help: "keep the TmpFile in /tmp for the environment's next requests (off: download it on every request)",
    range: |_| (0.0, 1.0),
    applies: has_tmp_file,
    read: |c, i| on_off(c.functions[i].calls.iter().any(|c| matches!(c, Call::TmpFile { keep: true, .. }))),
    write: |c, i, v| {
        for call in &mut c.function_mut(i).calls {
            if let Call::TmpFile { keep, .. } = call {
                *keep = v.is_on();
            }
        }
    },
    live: Live::No,
};

pub(super) const RESULTS_TO: Knob = Knob {
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
        for call in &mut c.function_mut(i).calls {
            if let Call::Put { to_tmp, .. } = call {
                *to_tmp = v.word() == "tmp";
            }
        }
    },
    live: Live::No,
};

pub(super) const CONFIG_TTL: Knob = Knob {
    property: "config_ttl",
    owner: Owner::Function,
    unit: Unit::Duration,
    help: "how long each environment keeps its cached configuration or secret (0 = read on every request)",
    range: |_| (0.0, 3600.0),
    applies: has_cached_call,
    read: |c, i| cached_call(c, i).map_or_else(String::new, |cache| cache.ttl.to_string()),
    write: |c, i, v| set_cache(c, i, |cache| cache.ttl = v.duration()),
    live: Live::No,
};

pub(super) const REFRESH_ON_ERROR: Knob = Knob {
    property: "refresh_on_error",
    owner: Owner::Function,
    unit: Unit::Toggle,
    help: "re-read a cached secret when it stops working (after a rotation) instead of failing until it expires",
    range: |_| (0.0, 1.0),
    applies: has_cached_call,
    read: |c, i| on_off(cached_call(c, i).is_some_and(|cache| cache.refresh_on_error)),
    write: |c, i, v| set_cache(c, i, |cache| cache.refresh_on_error = v.is_on()),
    live: Live::No,
};

pub(super) const IDEMPOTENCY: Knob = Knob {
    property: "idempotency",
    owner: Owner::Function,
    unit: Unit::Toggle,
    help: "an idempotency store that suppresses duplicate side effects",
    range: |_| (0.0, 1.0),
    applies: always,
    read: |c, i| on_off(c.functions[i].idempotency),
    write: |c, i, v| c.function_mut(i).idempotency = v.is_on(),
    live: Live::FunctionSpec,
};

pub(super) const RUNTIME: Knob = Knob {
    property: "runtime",
    owner: Owner::Function,
    unit: Unit::Choice(RUNTIMES),
    help: "the language runtime",
    range: |_| (0.0, 0.0),
    applies: always,
    read: |c, i| word_of(&c.functions[i].runtime).to_string(),
    write: |c, i, v| c.function_mut(i).runtime = runtime_of(v.word()),
    live: Live::FunctionSpec,
};

pub(super) const PACKAGE_MB: Knob = Knob {
    property: "package_mb",
    owner: Owner::Function,
    unit: Unit::Megabytes,
    help: "deployment package size",
    range: |_| (1.0, 250.0),
    applies: always,
    read: |c, i| c.functions[i].package_mb.to_string(),
    write: |c, i, v| c.function_mut(i).package_mb = v.number().unwrap_or(0.0),
    live: Live::FunctionSpec,
};

pub(super) const LAZY_INIT: Knob = Knob {
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
        c.function_mut(i).init = match v.number() {
            Some(first_request_share) => InitStyle::Lazy { first_request_share },
            None => InitStyle::Eager,
        }
    },
    live: Live::FunctionSpec,
};

pub(super) const ON_FAILURE: Knob = Knob {
    property: "on_failure",
    owner: Owner::Function,
    unit: Unit::Name { of: NameKind::Queue, or_none: true },
    help: "where an asynchronous event goes after its last retry (none = dropped)",
    range: |_| (0.0, 0.0),
    applies: always,
    read: |c, i| c.functions[i].on_failure.clone().unwrap_or_else(|| "none".into()),
    write: |c, i, v| c.function_mut(i).on_failure = (*v != KnobValue::None).then(|| v.name().to_string()),
    live: Live::No,
};

pub(super) const PERMISSIONS: Knob = Knob {
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
        c.function_mut(i).permissions = Some(statements.filter_map(Result::ok).collect());
    },
    live: Live::FunctionSpec,
};

pub(super) const VPC: Knob = Knob {
    property: "vpc",
    owner: Owner::Function,
    unit: Unit::Toggle,
    help: "attached to a VPC (no cold-start cost since 2019)",
    range: |_| (0.0, 1.0),
    applies: always,
    read: |c, i| on_off(c.functions[i].vpc),
    write: |c, i, v| c.function_mut(i).vpc = v.is_on(),
    live: Live::FunctionSpec,
};

pub(super) const REGION: Knob = Knob {
    property: "region",
    owner: Owner::Function,
    unit: Unit::Name { of: NameKind::Region, or_none: false },
    help: "the region the function runs in (round trips to clients and databases elsewhere)",
    range: |_| (0.0, 0.0),
    applies: always,
    read: |c, i| c.functions[i].region.clone().unwrap_or_else(|| c.account.region.clone()),
    write: |c, i, v| {
        // The account's region is the default: written as none.
        c.function_mut(i).region = (v.name() != c.account.region).then(|| v.name().to_string());
    },
    live: Live::No,
};

pub(super) const ARCHITECTURE: Knob = Knob {
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
        c.function_mut(i).architecture = if v.word() == "arm" { Architecture::Arm } else { Architecture::X86 }
    },
    live: Live::FunctionSpec,
};

pub(super) const ASYNC_RETRIES: Knob = Knob {
    property: "async_retries",
    owner: Owner::Function,
    unit: Unit::Count,
    help: "retries of a failed asynchronous invocation (0..2)",
    range: |_| (0.0, 2.0),
    applies: always,
    read: |c, i| c.functions[i].async_retries.to_string(),
    write: |c, i, v| c.function_mut(i).async_retries = v.count(),
    live: Live::FunctionSpec,
};

pub(super) const SNAP_START: Knob = Knob {
    property: "snap_start",
    owner: Owner::Function,
    unit: Unit::Toggle,
    help: "Lambda SnapStart: cold starts restore a snapshot taken after init instead of running it (Python and .NET pay for the cache and each restore)",
    range: |_| (0.0, 1.0),
    applies: snap_start_runtime,
    read: |c, i| on_off(c.functions[i].snap_start),
    write: |c, i, v| c.function_mut(i).snap_start = v.is_on(),
    live: Live::No,
};

pub(super) const RESTORE_HOOK: Knob = Knob {
    property: "restore_hook",
    owner: Owner::Function,
    unit: Unit::Toggle,
    help: "an after-restore hook re-seeds and reconnects what the snapshot captured (adds its time to each restore)",
    range: |_| (0.0, 1.0),
    applies: snap_start_runtime,
    read: |c, i| on_off(c.functions[i].restore_hook),
    write: |c, i, v| c.function_mut(i).restore_hook = v.is_on(),
    live: Live::No,
};

pub(super) const PER_ENVIRONMENT_CONCURRENCY: Knob = Knob {
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
        c.function_mut(i).per_environment_concurrency = (n != default).then_some(n)
    },
    live: Live::No,
};

pub(super) const BILLING: Knob = Knob {
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
        c.function_mut(i).billing = (billing != c.account.provider.default_billing()).then_some(billing)
    },
    live: Live::No,
};

const RUNTIMES: &[&str] = &["python", "nodejs", "ruby", "go", "java", "dotnet", "rust", "container"];

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
    let cached = config.function_mut(function).calls.iter_mut().find_map(|c| match c {
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

/// SnapStart's knobs apply to the runtimes that support it.
fn snap_start_runtime(c: &SimConfig, i: usize) -> Result<(), &'static str> {
    if c.functions[i].runtime.supports_snap_start() {
        Ok(())
    } else {
        Err("SnapStart supports only the Java, Python and .NET runtimes")
    }
}

const BILLINGS: &[&str] = &["PerRequest", "PerInstanceWhileServing", "PerInstanceAlwaysOn"];
