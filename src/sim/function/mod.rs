//! The function model: what a function is (its spec), how long its cold starts and
//! invocations take (runtime profiles, memory -> CPU), and its execution environments.

mod calls;
mod idle;
mod invoke;
pub mod permissions;
pub mod pool;
pub mod provider;
pub(crate) mod shared;
mod shared_invoke;
pub mod snapstart;
mod spec;

pub use spec::*;

use crate::sim::kernel::dist::{Dist, Sampler};
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use serde::Serialize;

/// Memory that buys one full vCPU (AWS: 1769 MB = 1 vCPU).
pub const MB_PER_VCPU: f64 = 1769.0;
/// The most vCPUs a function gets (at 10 240 MB).
pub const MAX_VCPU: f64 = 6.0;
pub const MIN_MEMORY_MB: u32 = 128;
pub const MAX_MEMORY_MB: u32 = 10_240;
pub const MAX_TIMEOUT: SimDuration = SimDuration::from_secs(900);
/// Dependency loading cost per zipped MB for an interpreted runtime: fitted to the
/// published 14 MB Node.js package at ~1.7 s and 35 MB at ~3.9 s cold start (0.105 s
/// per MB on top of the hello-world cold start). See `Runtime::package_secs_per_mb`.
pub const DEPENDENCY_SECS_PER_MB: f64 = 0.105;
/// A function's /tmp (ephemeral storage): 512 MB by default and free; any whole number
/// of MB up to 10,240 ("Configure ephemeral storage for Lambda functions", AWS Lambda
/// Developer Guide; the API's `EphemeralStorage.Size`, valid range 512..10240).
pub const MIN_EPHEMERAL_MB: u32 = 512;
pub const MAX_EPHEMERAL_MB: u32 = 10_240;
/// Download speed from S3 into a function, MB/s: 1 GB took 16.5 s and 100 MB 1.9 s
/// (53-62 MB/s, "400 to 700 million bits per second": Lee Harding, "Serverless, large
/// file downloads to S3", circuitpeople, 2018). A `TmpFile` may say otherwise.
pub const DEFAULT_DOWNLOAD_MB_PER_S: f64 = 60.0;
/// `TmpFile` calls a function may make (each environment keeps one bit per file).
pub const MAX_TMP_FILES: usize = 8;

/// Median seconds of the platform's part of a cold start, common to every runtime:
/// placing the request, downloading the code and starting the microVM. Lambda's
/// reported Init Duration does not include it (see "AWS Lambda Request Timeline",
/// speedrun.nobackspacecrew.com, 2024); no benchmark isolates it, so 120 ms is an
/// assumption of the right order (a client sees a hello-world cold start a little over
/// 100 ms above its Init Duration).
const SANDBOX_MEDIAN_SECS: f64 = 0.12;

/// What every invocation reads of a function's model, in one cache line: copies of
/// the spec's values, the derived duration factor and fixed keep-alive, and which of
/// the optional features are on (so an invocation need not look at their samplers).
/// With thousands of functions an invocation finds its function out of the CPU's
/// caches, and the spec's fields are scattered over a kilobyte (issue 16: many
/// functions). Set by `FunctionModel::new`, which is rebuilt whenever the spec
/// changes (build, live knobs' `respec`).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub(crate) struct HotSpec {
    pub timeout: SimDuration,
    /// `spec.max_lifetime`, `u64::MAX` microseconds for none (see `max_lifetime`).
    max_lifetime_or_max: SimDuration,
    pub error_rate: f64,
    /// `spec.duration_factor()`.
    pub duration_factor: f64,
    /// The keep-alive when it is fixed (`random_keep_alive` false).
    pub fixed_keep_alive: SimDuration,
    pub reserved_concurrency: Option<u32>,
    pub memory_mb: u32,
    pub ephemeral_mb: u32,
    /// `spec.cache.is_some()`.
    pub cached: bool,
    /// Whether the model has a lazy init, a SnapStart restore model, a random keep-alive.
    pub lazy_init: bool,
    pub snap_start: bool,
    pub random_keep_alive: bool,
}

impl HotSpec {
    /// `spec.max_lifetime`.
    #[inline]
    pub fn max_lifetime(&self) -> Option<SimDuration> {
        (self.max_lifetime_or_max.0 != u64::MAX).then_some(self.max_lifetime_or_max)
    }
}

/// A function compiled for the hot loop. In declaration order (`repr(C)`, on a cache
/// line's boundary): what an invocation reads (`hot`, then the duration's sampler),
/// the rest after, the spec (read off the hot path) last.
#[derive(Clone, Debug)]
#[repr(C, align(64))]
pub struct FunctionModel {
    pub(crate) hot: HotSpec,
    duration: Sampler,
    keep_alive: Option<Sampler>,
    lazy_init: Option<(Sampler, f64)>,
    /// SnapStart's restores (None when it is off).
    pub(crate) snapshot: Option<snapstart::RestoreModel>,
    /// The cache's hit time, compiled.
    pub(crate) cache_hit: Option<Sampler>,
    cold_phases: Vec<Sampler>,
    /// The spec it was compiled from, shared with the run's configuration: a copy was
    /// 760 of a function's 2 560 bytes, written at every build (10 000 functions: 7.6 MB,
    /// a quarter of the build's time, issue 16).
    pub spec: std::sync::Arc<FunctionSpec>,
}

impl FunctionModel {
    pub fn new(spec: impl Into<std::sync::Arc<FunctionSpec>>) -> FunctionModel {
        let spec = spec.into();
        let lognormal = |median: f64, sigma: f64| {
            Sampler::new(&Dist::LogNormal {
                median: None,
                p99: None,
                mu: Some(median.max(1e-9).ln()),
                sigma: Some(sigma),
            })
        };
        let mut phases = Vec::new();
        match (&spec.runtime, spec.runtime.start_median_secs()) {
            (Runtime::Custom { cold_start }, _) => phases.push(Sampler::new(cold_start)),
            (_, Some(start)) => {
                phases.push(lognormal(SANDBOX_MEDIAN_SECS, 0.25));
                phases.push(lognormal(start, 0.3));
            }
            (_, None) => {}
        }
        // `vpc` adds nothing: since 2019 functions reach a VPC through network
        // interfaces created with the function, not at each cold start (before, it added
        // up to about 10 s). The field stays so scenarios can say so.
        if spec.package_mb > 0.0 {
            phases.push(lognormal(spec.package_mb * spec.runtime.package_secs_per_mb(), 0.2));
        }
        let mut lazy_init = None;
        if let Some(init) = &spec.init_code {
            match spec.init {
                InitStyle::Eager => phases.push(Sampler::new(init)),
                InitStyle::Lazy { first_request_share } => {
                    lazy_init = Some((Sampler::new(init), first_request_share.clamp(0.0, 1.0)))
                }
            }
        }
        let (keep_alive, fixed_keep_alive) = match &spec.keep_alive {
            KeepAlive::Fixed(d) => (None, *d),
            KeepAlive::Random(dist) => (Some(Sampler::new(dist)), SimDuration::ZERO),
        };
        let snapshot = snapstart::RestoreModel::of(&spec);
        FunctionModel {
            hot: HotSpec {
                timeout: spec.timeout,
                max_lifetime_or_max: spec.max_lifetime.unwrap_or(SimDuration(u64::MAX)),
                error_rate: spec.error_rate,
                duration_factor: spec.duration_factor(),
                fixed_keep_alive,
                reserved_concurrency: spec.reserved_concurrency,
                memory_mb: spec.memory_mb,
                ephemeral_mb: spec.ephemeral_mb,
                cached: spec.cache.is_some(),
                lazy_init: lazy_init.is_some(),
                snap_start: snapshot.is_some(),
                random_keep_alive: keep_alive.is_some(),
            },
            cache_hit: spec.cache.as_ref().map(|c| Sampler::new(&c.hit_duration)),
            duration: Sampler::new(&spec.duration),
            cold_phases: phases,
            lazy_init,
            keep_alive,
            snapshot,
            spec,
        }
    }

    /// One cold start: the sum of its phases.
    pub fn sample_cold_start(&self, rng: &mut RngStream) -> SimDuration {
        self.cold_phases.iter().fold(SimDuration::ZERO, |acc, p| acc + p.sample(rng))
    }

    /// One handler run at the configured memory (plus the deferred init on a fresh
    /// environment when init is lazy).
    #[inline]
    pub fn sample_duration(&self, first_on_env: bool, rng: &mut RngStream) -> SimDuration {
        self.sample_duration_of(&self.duration, first_on_env, rng)
    }

    /// A handler run whose base time (at `duration_at_mb`) comes from `work`: a route's
    /// own handler time on this function, scaled like the function's own.
    #[inline]
    pub(crate) fn sample_duration_of(&self, work: &Sampler, first_on_env: bool, rng: &mut RngStream) -> SimDuration {
        let base = work.sample(rng);
        let mut d = if self.hot.duration_factor == 1.0 {
            base
        } else {
            SimDuration::from_secs_f64(base.as_secs_f64() * self.hot.duration_factor)
        };
        if first_on_env
            && self.hot.lazy_init
            && let Some((init, share)) = &self.lazy_init
        {
            d = d + SimDuration::from_secs_f64(init.sample(rng).as_secs_f64() * share);
        }
        d
    }

    /// How long an environment that just went idle stays warm.
    #[inline]
    pub fn sample_keep_alive(&self, rng: &mut RngStream) -> SimDuration {
        if !self.hot.random_keep_alive {
            return self.hot.fixed_keep_alive;
        }
        match &self.keep_alive {
            None => self.hot.fixed_keep_alive,
            Some(s) => s.sample(rng),
        }
    }

    /// Whether idle environments expire in the order they went idle (fixed keep-alive,
    /// no lifetime cap), which lets expiry pop from the front of the idle list.
    pub fn expiry_is_fifo(&self) -> bool {
        !self.hot.random_keep_alive && self.hot.max_lifetime().is_none()
    }

    /// Mean cold start in seconds (analytic where possible).
    pub fn mean_cold_start_secs(&self) -> f64 {
        self.cold_phases.iter().map(Sampler::mean_secs).sum()
    }
}

/// The state of one execution environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EnvState {
    /// Cold start in progress; a request is waiting on it.
    Initializing,
    /// Running a request.
    Busy,
    /// Warm, waiting for a request until it expires.
    Idle,
}

/// One execution environment (one request at a time, as Lambda).
#[derive(Clone, Debug)]
pub struct Environment {
    pub state: EnvState,
    pub provisioned: bool,
    pub created_at: SimTime,
    /// When it went idle last (meaningful while idle).
    pub idle_since: SimTime,
    /// When it expires if it stays idle.
    pub expires_at: SimTime,
    pub invocations: u64,
    /// Databases (by index, bit i = database i) this environment holds a connection to.
    pub connections: u64,
    /// Its cached API answer (see `ApiCache`): good until then, and which version of
    /// the value it is.
    pub cached_until: SimTime,
    pub cached_version: u32,
    /// Its /tmp: the `TmpFile`s it holds (bit i = the function's i-th `TmpFile` call),
    /// the KB in use, and the results written there by counted requests (lost with it).
    pub tmp_files: u8,
    pub tmp_used_kb: u64,
    pub tmp_results: u32,
}

impl Environment {
    /// A new environment created at `now`: no requests served, no connection, nothing
    /// cached, an empty /tmp.
    pub fn new(now: SimTime, state: EnvState, provisioned: bool) -> Environment {
        Environment {
            state,
            provisioned,
            created_at: now,
            idle_since: now,
            expires_at: SimTime::MAX,
            invocations: 0,
            connections: 0,
            cached_until: SimTime::ZERO,
            cached_version: 0,
            tmp_files: 0,
            tmp_used_kb: 0,
            tmp_results: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(runtime: Runtime) -> FunctionSpec {
        FunctionSpec::new("f", runtime, 1769, Dist::constant(SimDuration::from_millis(100)))
    }

    fn median_cold_start(spec: FunctionSpec) -> f64 {
        let model = FunctionModel::new(spec);
        let mut rng = RngStream::new(5, "cold");
        let mut v: Vec<f64> = (0..20_001).map(|_| model.sample_cold_start(&mut rng).as_secs_f64()).collect();
        v.sort_by(f64::total_cmp);
        v[10_000]
    }

    /// The runtime phase alone (what Lambda reports as Init Duration).
    fn median_runtime_phase(runtime: Runtime, memory_mb: u32) -> f64 {
        let with = median_cold_start(FunctionSpec { memory_mb, ..spec(runtime) });
        let sandbox = median_cold_start(spec(Runtime::Custom {
            cold_start: Dist::LogNormal {
                median: None,
                p99: None,
                mu: Some(SANDBOX_MEDIAN_SECS.ln()),
                sigma: Some(0.25),
            },
        }));
        with - sandbox
    }

    #[test]
    fn runtime_phases_match_the_lambda_perf_benchmark() {
        // lambda-perf, 2025-11-29 (maxday/lambda-perf): the ranges of reported Init
        // Duration; the model's runtime phase must sit within 15% of their midpoints, at
        // 128 MB as at 1 GB (hello-world init is flat in memory).
        for (runtime, low, high) in [
            (Runtime::Python, 0.075, 0.110),
            (Runtime::Nodejs, 0.120, 0.160),
            (Runtime::Ruby, 0.190, 0.240),
            (Runtime::Go, 0.040, 0.055),
            (Runtime::Rust, 0.011, 0.016),
            (Runtime::Java, 0.190, 0.270),
            (Runtime::Dotnet, 0.245, 0.285),
        ] {
            let published = (low + high) / 2.0;
            for memory in [128, 1024] {
                let m = median_runtime_phase(runtime.clone(), memory);
                assert!((m - published).abs() / published < 0.15, "{runtime:?} at {memory} MB: {m} vs {published}");
            }
        }
        // Today Go starts faster than Python; .NET is the slowest managed runtime.
        assert!(median_cold_start(spec(Runtime::Go)) < median_cold_start(spec(Runtime::Python)));
    }

    #[test]
    fn package_size_matches_published_node_figures_and_barely_matters_for_binaries() {
        for (mb, published) in [(14.0, 1.7), (35.0, 3.9)] {
            let mut s = spec(Runtime::Nodejs);
            s.package_mb = mb;
            let m = median_cold_start(s);
            // The Node figures were whole cold starts of their day; within 15%.
            assert!((m - published).abs() / published < 0.15, "{mb} MB: {m} vs {published}");
        }
        let mut go = spec(Runtime::Go);
        go.package_mb = 35.0;
        let extra = median_cold_start(go) - median_cold_start(spec(Runtime::Go));
        assert!((0.15..0.3).contains(&extra), "a 35 MB Go binary adds only its download: {extra}");
    }

    #[test]
    fn a_vpc_adds_no_cold_start_time_since_2019() {
        let mut vpc = spec(Runtime::Python);
        vpc.vpc = true;
        assert_eq!(median_cold_start(vpc), median_cold_start(spec(Runtime::Python)));
    }

    #[test]
    fn memory_speeds_up_only_the_cpu_bound_part_up_to_the_threads() {
        let mut s = spec(Runtime::Python);
        s.cpu_bound = 0.8;
        s.memory_mb = 885; // half a vCPU: CPU part takes twice as long
        assert!((s.duration_factor() - (0.2 + 0.8 * 2.0)).abs() < 0.01);
        s.memory_mb = 3538; // two vCPUs, but one thread: no faster than at 1769 MB
        assert!((s.duration_factor() - 1.0).abs() < 1e-9);
        s.threads = 2;
        assert!((s.duration_factor() - 0.6).abs() < 1e-9);
        s.cpu_bound = 0.0;
        assert_eq!(s.duration_factor(), 1.0);
    }
}
