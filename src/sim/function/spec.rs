//! What a function is, as a scenario writes it: its runtime (and that runtime's
//! cold-start profile), keep-alive, initialisation style, the calls its handler makes,
//! its cache and local state, and the defaults of every field.

use super::{
    DEFAULT_DOWNLOAD_MB_PER_S, DEPENDENCY_SECS_PER_MB, MAX_TIMEOUT, MAX_VCPU, MB_PER_VCPU, MIN_EPHEMERAL_MB,
    permissions, provider, snapstart,
};
use crate::sim::kernel::cost::Architecture;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::time::SimDuration;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The language runtime (or a custom cold-start distribution).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Runtime {
    Python,
    Nodejs,
    Ruby,
    Go,
    Java,
    Dotnet,
    /// A compiled custom runtime (Rust on provided.al2023).
    Rust,
    /// A function packaged as a container image.
    Container,
    /// Any cold start (sandbox and runtime start together) as a distribution.
    Custom {
        cold_start: Dist,
    },
}

impl Runtime {
    /// Median runtime start (Lambda's reported Init Duration of a hello-world handler)
    /// in seconds: the midpoints of the 2025-26 ranges of the lambda-perf daily
    /// benchmark (github.com/maxday/lambda-perf, data/2025/2025-11-29.json, 10 cold
    /// starts per configuration, zip packages, 128 MB to 1 GB, x86 and Arm): Python 3.12
    /// 75-110 ms, Node.js 20-24 120-160 ms, Ruby 3.3/3.4 190-240 ms, Go on
    /// provided.al2023 40-55 ms, Rust 11-16 ms, Java 17/21 190-270 ms, .NET 8 245-285 ms.
    /// Container images vary by runtime, from about 150 ms (Python) to 550 ms (.NET) in
    /// the same data: 250 ms is a mid-range image. Init Duration is flat in memory
    /// (java17 208 ms at 128 MB, 219 ms at 1 GB), so the runtime phase does not slow at
    /// small sizes. (Go used to be 0.19 s here: the go1.x runtime, retired at the end of
    /// 2023, was slower than today's provided.al2023 binaries.)
    pub fn start_median_secs(&self) -> Option<f64> {
        Some(match self {
            Runtime::Python => 0.0925,
            Runtime::Nodejs => 0.14,
            Runtime::Ruby => 0.215,
            Runtime::Go => 0.0475,
            Runtime::Java => 0.23,
            Runtime::Dotnet => 0.265,
            Runtime::Rust => 0.0135,
            Runtime::Container => 0.25,
            Runtime::Custom { .. } => return None,
        })
    }

    /// Seconds per zipped MB of deployment package that a cold start spends loading it.
    /// Every runtime downloads and unpacks the package: about 6 ms per MB (a 50 MB
    /// package takes 200-400 ms, "The Lambda Tax", alexmayhew.dev, 2025). Interpreted
    /// runtimes then load their dependencies from it at init, which dominates: 0.105 s
    /// per MB in all was fitted to Node.js (a 14 MB package cold-starts in about 1.7 s,
    /// 35 MB in 3.9 s, 2019-21 measurements) and is assumed for Python and Ruby, which
    /// import modules the same way. The JVM and .NET load classes lazily from the jar or
    /// assemblies: half the Node.js rate is assumed. Go and Rust binaries, and container
    /// images (loaded lazily, block by block), pay only the download.
    pub fn package_secs_per_mb(&self) -> f64 {
        const DOWNLOAD: f64 = 0.006;
        match self {
            Runtime::Nodejs | Runtime::Python | Runtime::Ruby => DEPENDENCY_SECS_PER_MB,
            Runtime::Java | Runtime::Dotnet => DOWNLOAD + (DEPENDENCY_SECS_PER_MB - DOWNLOAD) / 2.0,
            Runtime::Go | Runtime::Rust | Runtime::Container | Runtime::Custom { .. } => DOWNLOAD,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Runtime::Python => "Python",
            Runtime::Nodejs => "Node.js",
            Runtime::Ruby => "Ruby",
            Runtime::Go => "Go",
            Runtime::Java => "Java",
            Runtime::Dotnet => ".NET",
            Runtime::Rust => "Rust",
            Runtime::Container => "container image",
            Runtime::Custom { .. } => "custom",
        }
    }
}

/// How long an idle environment stays warm: a fixed time, written `"10m"`, or a
/// distribution, written `Random(Exponential(mean: "10m"))`.
#[derive(Clone, Debug, PartialEq)]
pub enum KeepAlive {
    Fixed(SimDuration),
    Random(Dist),
}

impl Serialize for KeepAlive {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            KeepAlive::Fixed(d) => d.serialize(s),
            KeepAlive::Random(dist) => s.serialize_newtype_struct("Random", dist),
        }
    }
}

impl<'de> Deserialize<'de> for KeepAlive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = KeepAlive;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration such as \"10m\" or a distribution such as Random(Exponential(mean: \"10m\"))")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<KeepAlive, E> {
                crate::sim::kernel::time::parse_duration(v).map(KeepAlive::Fixed).map_err(E::custom)
            }
            fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<KeepAlive, A::Error> {
                Dist::deserialize(serde::de::value::EnumAccessDeserializer::new(data)).map(KeepAlive::Random)
            }
            // RON reads `Random(Exponential(mean: "8m"))` in self-describing mode as a
            // one-element tuple struct; its element is deserialized as a typed `Dist`.
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<KeepAlive, D::Error> {
                Dist::deserialize(d).map(KeepAlive::Random)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<KeepAlive, A::Error> {
                let dist: Dist = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::custom("Random(...) needs a distribution inside"))?;
                Ok(KeepAlive::Random(dist))
            }
        }
        d.deserialize_any(V)
    }
}

/// When the handler's own initialisation code runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum InitStyle {
    /// During the cold start, before the first request (the usual style).
    #[default]
    Eager,
    /// Deferred to the first request on each environment, which pays
    /// `first_request_share` of the init code (the rest is never needed).
    Lazy { first_request_share: f64 },
}

/// A function as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    pub name: String,
    pub runtime: Runtime,
    #[serde(default = "default_memory")]
    pub memory_mb: u32,
    /// Handler time, measured at `duration_at_mb` of memory.
    pub duration: Dist,
    #[serde(default = "default_keep_alive")]
    pub keep_alive: KeepAlive,
    /// Environments are recycled after this age even if busy traffic keeps them warm.
    #[serde(default)]
    pub max_lifetime: Option<SimDuration>,
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    #[serde(default)]
    pub provisioned_concurrency: u32,
    #[serde(default = "default_timeout")]
    pub timeout: SimDuration,
    /// Fraction of invocations that fail (after running their full duration).
    #[serde(default)]
    pub error_rate: f64,
    #[serde(default)]
    pub architecture: Architecture,
    /// The size of its /tmp directory in MB (512..10240): what `TmpFile` and `Put(to_tmp)`
    /// may hold in one environment. Above the free 512 MB it is billed per GB-second of
    /// billed duration (see `cost::Prices::ephemeral_per_gb_second`).
    #[serde(default = "default_ephemeral", skip_serializing_if = "is_default_ephemeral")]
    pub ephemeral_mb: u32,
    /// Deployment package size (zipped MB); dependencies load during the cold start.
    #[serde(default)]
    pub package_mb: f64,
    /// The handler's own initialisation code (clients, config, models).
    #[serde(default)]
    pub init_code: Option<Dist>,
    #[serde(default)]
    pub init: InitStyle,
    /// Attached to a VPC. Since 2019 this costs no cold-start time (the network
    /// interfaces are made when the function is created); it used to add up to ~10 s.
    #[serde(default)]
    pub vpc: bool,
    /// Fraction of the handler's time that is CPU work (0 = all waiting on I/O).
    #[serde(default)]
    pub cpu_bound: f64,
    /// Threads the handler can keep busy (more vCPU than this does not help).
    #[serde(default = "default_threads")]
    pub threads: u32,
    /// The memory size at which `duration` was measured.
    #[serde(default = "default_duration_at_mb")]
    pub duration_at_mb: u32,
    /// Downstream calls the handler makes after its own work, in order.
    #[serde(default)]
    pub calls: Vec<Call>,
    /// Keeps an idempotency store: a redelivered event whose side effect was already
    /// done is recognised and not done again.
    #[serde(default)]
    pub idempotency: bool,
    /// Asynchronous invocations only: retries after a failed attempt (0..2; the first
    /// about a minute later, the second about two minutes after that).
    #[serde(default = "default_async_retries")]
    pub async_retries: u32,
    /// Asynchronous invocations only: an event older than this is given up.
    #[serde(default = "default_max_event_age")]
    pub max_event_age: SimDuration,
    /// Asynchronous invocations only: the queue that takes events that failed every try.
    #[serde(default)]
    pub on_failure: Option<String>,
    /// A per-environment in-memory cache (it only helps warm environments).
    #[serde(default)]
    pub cache: Option<CacheSpec>,
    /// The function's region (the account's when absent).
    #[serde(default)]
    pub region: Option<String>,
    /// What the function's role allows it to do (none: permissions are not modelled
    /// and every call is allowed): `[Read("orders-db"), Send("jobs")]`, or `[All]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<permissions::Permission>>,
    /// The handler keeps users' state in local memory (wrong after a cold start or on
    /// another environment: Lambda has no sticky sessions).
    #[serde(default)]
    pub local_state: Option<LocalStateSpec>,
    /// Lambda SnapStart (Java, Python, .NET): cold starts restore a snapshot taken after
    /// init when the version was published, instead of running init (`snapstart.rs`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub snap_start: bool,
    /// The restore's timings (defaults in `snapstart::SnapshotSpec`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<snapstart::SnapshotSpec>,
    /// State the init code creates that must be unique per environment (a random seed,
    /// a connection): shared by every environment restored from one snapshot.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_captures: Vec<snapstart::Captured>,
    /// An after-restore runtime hook re-seeds and reconnects what `init_captures` names.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restore_hook: bool,
    /// Requests one environment serves at once (1..=1000; absent: the provider's
    /// default, 1 on Lambda). Above 1 they share its vCPUs (see `shared.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_environment_concurrency: Option<u32>,
    /// How its compute is billed (absent: the provider's default, `PerRequest` on Lambda).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<provider::Billing>,
}

/// An in-memory cache: on a warm environment a request is answered from it with
/// probability `hit_ratio`, in `hit_duration`, without its downstream calls. The first
/// request on every environment misses (the cache starts empty).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    pub hit_ratio: f64,
    pub hit_duration: Dist,
}

/// Per-user state kept in memory: each request comes from one of `sessions` users; if
/// it lands on another environment than that user's previous request (or on a new one),
/// the state is missing and the result is wrong.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalStateSpec {
    pub sessions: u32,
}

/// A call a handler makes to another service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Call {
    /// `count` queries, one after the other, on a database of the scenario (`write`:
    /// they change data, which needs the `Write` permission rather than `Read`).
    Query {
        database: String,
        #[serde(default = "one")]
        count: u32,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        write: bool,
    },
    /// Sends a message to a queue; with `count`, that many (a fan-out: a planner
    /// queueing one message per chunk), each carrying its own part of the request
    /// (a flow of `parts` counts each part's effects).
    Send {
        queue: String,
        #[serde(default = "one", skip_serializing_if = "is_one")]
        count: u32,
    },
    /// Publishes one event of this detail type on a bus (the function is its source).
    Publish { bus: String, detail_type: String },
    /// Writes a row to a table: its change record goes into a stream.
    Write { stream: String },
    /// Writes an object into a bucket (which may notify a function). With `to_tmp`, the
    /// handler writes it to the environment's /tmp instead, "to upload later", and nothing
    /// does: it is lost when the environment is reclaimed (counted `tmp_results_lost`).
    Put {
        bucket: String,
        #[serde(default = "default_object_kb")]
        size_kb: f64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        to_tmp: bool,
    },
    /// A file the handler needs in /tmp (a model, a dependency cache), downloaded from a
    /// bucket at `mb_per_s` when the environment does not hold it. With `keep` the file
    /// stays in /tmp for the environment's next requests (every new environment
    /// downloads it once; it must fit in `ephemeral_mb`); without, it is loaded on every
    /// request and not kept.
    TmpFile {
        from: String,
        size_mb: f64,
        #[serde(default = "default_download_mb_per_s")]
        mb_per_s: f64,
        #[serde(default = "yes")]
        keep: bool,
    },
    /// Invokes another function: synchronously (the caller waits, busy and billed) or
    /// asynchronously (the event is queued and the caller goes on).
    Invoke {
        function: String,
        #[serde(default)]
        asynchronous: bool,
    },
    /// Calls a third-party API and waits for its answer; a 429 or an error is retried
    /// `retries` times, `backoff` doubling from the first, then fails the invocation.
    /// With a `cache`, each environment keeps the answer for a while (a configuration
    /// value or a secret read from a parameter store): see `ApiCache`.
    Api {
        api: String,
        #[serde(default)]
        retries: u16,
        #[serde(default = "one_second")]
        backoff: SimDuration,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache: Option<ApiCache>,
    },
    /// The handler writes a structured log line (a decision point): `Log(message:
    /// "inventory check over budget", level: Warn, slower_than: "500ms")` writes it only
    /// when the request has spent longer than `slower_than` in the handler so far (its
    /// own work and the calls before this step), as code that checks its latency budget
    /// does; without it, on every request. The line carries the request's correlation
    /// id and the elapsed time. Takes no time and needs no permission.
    Log {
        message: String,
        #[serde(default)]
        level: LogLevel,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        slower_than: Option<SimDuration>,
    },
}

impl Call {
    /// The call in a few words, as logs and traces name it ("Query inventory-db").
    pub fn describe(&self) -> String {
        match self {
            Call::Query { database, .. } => format!("Query {database}"),
            Call::Send { queue, count: 1 } => format!("Send {queue}"),
            Call::Send { queue, count } => format!("Send {queue} x{count}"),
            Call::Publish { bus, .. } => format!("Publish {bus}"),
            Call::Write { stream } => format!("Write {stream}"),
            Call::Put { bucket, .. } => format!("Put {bucket}"),
            Call::Invoke { function, .. } => format!("Invoke {function}"),
            Call::Api { api, .. } => format!("Api {api}"),
            Call::TmpFile { from, .. } => format!("TmpFile from {from}"),
            Call::Log { .. } => "Log".to_string(),
        }
    }
}

/// An answer kept in the environment's memory: a configuration value or a secret read
/// from a parameter store or a secrets manager. Within `ttl` of the last read the call
/// costs nothing; `ttl` 0 reads on every request. When the value is rotated (the
/// timeline's `RotateSecret`), an environment still holding the old one fails its
/// request (the old secret no longer authenticates) until it reads again: at its `ttl`,
/// or at once when `refresh_on_error` re-reads on that failure (as the AWS Parameters
/// and Secrets Lambda Extension's callers are advised to do).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiCache {
    pub ttl: SimDuration,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refresh_on_error: bool,
}

fn one_second() -> SimDuration {
    SimDuration::from_secs(1)
}

fn default_ephemeral() -> u32 {
    MIN_EPHEMERAL_MB
}
fn is_default_ephemeral(mb: &u32) -> bool {
    *mb == MIN_EPHEMERAL_MB
}
fn default_download_mb_per_s() -> f64 {
    DEFAULT_DOWNLOAD_MB_PER_S
}
fn yes() -> bool {
    true
}

fn default_object_kb() -> f64 {
    100.0
}
fn is_one(n: &u32) -> bool {
    *n == 1
}

fn one() -> u32 {
    1
}
fn default_async_retries() -> u32 {
    2
}
fn default_max_event_age() -> SimDuration {
    SimDuration::from_secs(6 * 3600)
}

fn default_memory() -> u32 {
    128
}
fn default_keep_alive() -> KeepAlive {
    KeepAlive::Fixed(SimDuration::from_secs(600))
}
fn default_timeout() -> SimDuration {
    MAX_TIMEOUT
}
fn default_threads() -> u32 {
    1
}
fn default_duration_at_mb() -> u32 {
    1769
}

/// vCPUs a memory size buys.
pub fn vcpus(memory_mb: u32) -> f64 {
    (f64::from(memory_mb) / MB_PER_VCPU).min(MAX_VCPU)
}

impl FunctionSpec {
    /// A minimal function, for tests and tools: `duration` at 1 vCPU, defaults elsewhere.
    pub fn new(name: &str, runtime: Runtime, memory_mb: u32, duration: Dist) -> FunctionSpec {
        FunctionSpec {
            name: name.to_string(),
            runtime,
            memory_mb,
            duration,
            keep_alive: default_keep_alive(),
            max_lifetime: None,
            reserved_concurrency: None,
            provisioned_concurrency: 0,
            timeout: default_timeout(),
            error_rate: 0.0,
            architecture: Architecture::X86,
            ephemeral_mb: MIN_EPHEMERAL_MB,
            package_mb: 0.0,
            init_code: None,
            init: InitStyle::Eager,
            vpc: false,
            cpu_bound: 0.0,
            threads: 1,
            duration_at_mb: default_duration_at_mb(),
            calls: Vec::new(),
            idempotency: false,
            async_retries: default_async_retries(),
            max_event_age: default_max_event_age(),
            on_failure: None,
            cache: None,
            local_state: None,
            region: None,
            permissions: None,
            snap_start: false,
            snapshot: None,
            init_captures: Vec::new(),
            restore_hook: false,
            per_environment_concurrency: None,
            billing: None,
        }
    }

    /// How much longer (>1) or shorter (<1) the handler runs at `memory_mb` than at
    /// `duration_at_mb`: only its CPU-bound part scales, and only up to `threads` vCPUs.
    pub fn duration_factor(&self) -> f64 {
        let threads = f64::from(self.threads.max(1));
        let speed = vcpus(self.memory_mb).min(threads);
        let reference = vcpus(self.duration_at_mb).min(threads);
        (1.0 - self.cpu_bound) + self.cpu_bound * reference / speed
    }
}
