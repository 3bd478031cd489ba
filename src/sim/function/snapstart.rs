//! Lambda SnapStart: a function version's init runs once, when it is published; Lambda
//! snapshots the initialised microVM (Firecracker) and every cold start restores the
//! snapshot instead of starting the runtime, loading the package and running the init
//! code ("Improving startup performance with Lambda SnapStart", AWS Lambda Developer
//! Guide, https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html).
//!
//! What is modelled:
//! - the restore time, in two tiers: the first restores of a newly published version
//!   read a snapshot not yet in the nearby cache tiers and are slower (see
//!   `SnapshotSpec`);
//! - what is billed: the restore itself is not billed as duration, the after-restore
//!   hook is ("Billed Restore Duration", Monitoring for Lambda SnapStart); for Python
//!   and .NET a cache charge per GB-second of the version's memory while it is active
//!   and a restore charge per GB restored (`cost::snapstart`); Java has neither;
//! - the uniqueness pitfall: state the init code created is in the snapshot, so every
//!   restored environment shares it ("Handling uniqueness with Lambda SnapStart"): a
//!   random seed or unique-id generator makes the same "unique" values in every
//!   environment (`Captured::RandomSeed`: each request a restored environment serves
//!   without an after-restore hook is a wrong result), and a network connection opened
//!   at init is stale after a restore (`Captured::Connection`: the first request on each
//!   restored environment fails). An after-restore runtime hook (`restore_hook`)
//!   re-seeds and reconnects, adding its time to every restore.
//!
//! Refused (positioned messages, `problems`): a runtime SnapStart does not support
//! (only Java 11+, Python 3.12+ and .NET 8+ managed runtimes: not Node.js, Ruby,
//! OS-only runtimes such as Go and Rust on provided.al2023, or container images),
//! provisioned concurrency, and ephemeral storage above 512 MB (all three listed under
//! "Supported features and limitations" in the guide). EFS, also unsupported there, is
//! not modelled.

use crate::sim::function::pool::FunctionState;
use crate::sim::function::{FunctionModel, FunctionSpec, MIN_EPHEMERAL_MB, Runtime};
use crate::sim::kernel::dist::{Dist, Sampler};
use crate::sim::kernel::time::SimDuration;
use crate::sim::validate::{At, join};
use serde::{Deserialize, Serialize};

/// State the init code creates that must be unique to an environment, and so is wrong
/// once a snapshot of it is restored into many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Captured {
    /// A pseudo-random generator seeded at init (`java.util.Random`, Python's `random`),
    /// or a unique id made at init: every restored environment draws the same values,
    /// so ids made from them collide (AWS's example: a UUID generated at init).
    RandomSeed,
    /// A network connection opened at init (a database, an HTTP keep-alive pool): after
    /// a restore it is dead, and the first call on it fails.
    Connection,
}

/// How long a restore takes. Restore Duration covers restoring the snapshot, loading
/// the runtime and running the after-restore hooks (Monitoring for Lambda SnapStart,
/// AWS Lambda Developer Guide); the hook's time is `restore_hook_time`.
///
/// Defaults. AWS promises "as low as sub-second" starts, best "with function
/// invocations at scale": functions invoked rarely may not see the same gain (the
/// guide, "When to use SnapStart"). The snapshot sits in a tiered cache: Vadym Kazulkin
/// measured a Java 21 function at 1024 MB without priming ("AWS SnapStart - Part 17
/// Impact of the snapshot tiered cache on the cold starts with Java 21", dev.to, 2024):
/// the first cold start after publishing took 2.27 s, and the median over the first 49
/// had fallen to 1.66 s, still falling; the first restores are some 0.6 s slower than
/// the later ones. Hence `cold_restores` = 50 restores at `cold_restore` (median 0.9 s,
/// p99 1.6 s), then `restore` (median 0.3 s, p99 0.7 s): a few hundred milliseconds of
/// restore is what published REPORT lines of small functions show; the handler's first
/// run after a restore (its JIT not yet warm) is not included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// A restore once the snapshot is in the cache near the workers.
    #[serde(default = "default_restore")]
    pub restore: Dist,
    /// A restore of a newly published version, before its snapshot reached that cache.
    #[serde(default = "default_cold_restore")]
    pub cold_restore: Dist,
    /// How many restores after publishing run at `cold_restore`.
    #[serde(default = "default_cold_restores")]
    pub cold_restores: u32,
    /// The after-restore hook's run (re-seeding, reconnecting): added to every restore
    /// when `restore_hook` is on, and billed. 20 ms is an assumption: re-seeding takes
    /// microseconds, a new TLS connection to a database in the same region some 10-30 ms.
    #[serde(default = "default_hook_time")]
    pub restore_hook_time: SimDuration,
}

fn default_restore() -> Dist {
    Dist::LogNormal {
        median: Some(SimDuration::from_millis(300)),
        p99: Some(SimDuration::from_millis(700)),
        mu: None,
        sigma: None,
    }
}
fn default_cold_restore() -> Dist {
    Dist::LogNormal {
        median: Some(SimDuration::from_millis(900)),
        p99: Some(SimDuration::from_millis(1600)),
        mu: None,
        sigma: None,
    }
}
fn default_cold_restores() -> u32 {
    50
}
fn default_hook_time() -> SimDuration {
    SimDuration::from_millis(20)
}

impl Default for SnapshotSpec {
    fn default() -> Self {
        SnapshotSpec {
            restore: default_restore(),
            cold_restore: default_cold_restore(),
            cold_restores: default_cold_restores(),
            restore_hook_time: default_hook_time(),
        }
    }
}

impl Runtime {
    /// Whether SnapStart can be turned on: the Java (11 and later), Python (3.12 and
    /// later) and .NET (8 and later) managed runtimes. The model's Java, Python and
    /// .NET stand for current versions (java17/21, python3.12, dotnet8: see
    /// `start_median_secs`), all of which support it.
    pub fn supports_snap_start(&self) -> bool {
        matches!(self, Runtime::Java | Runtime::Python | Runtime::Dotnet)
    }

    /// Whether SnapStart adds its cache and restore charges: for Python and .NET; for
    /// Java it has no extra charge (AWS Lambda pricing, "SnapStart pricing").
    pub fn snap_start_billed(&self) -> bool {
        matches!(self, Runtime::Python | Runtime::Dotnet)
    }
}

/// A SnapStart function's restores, compiled.
#[derive(Clone, Debug)]
pub struct RestoreModel {
    restore: Sampler,
    cold_restore: Sampler,
    cold_restores: u32,
    /// Added to each restore (zero without a hook).
    hook: SimDuration,
    /// What the snapshot shares that it should not, unless a hook restores it.
    shares_seed: bool,
    stale_connection: bool,
}

impl RestoreModel {
    /// The restore model of a function with SnapStart on (None when off).
    pub fn of(spec: &FunctionSpec) -> Option<RestoreModel> {
        if !spec.snap_start {
            return None;
        }
        let timing = spec.snapshot.clone().unwrap_or_default();
        let unrepaired = |c: Captured| !spec.restore_hook && spec.init_captures.contains(&c);
        Some(RestoreModel {
            restore: Sampler::new(&timing.restore),
            cold_restore: Sampler::new(&timing.cold_restore),
            cold_restores: timing.cold_restores,
            hook: if spec.restore_hook { timing.restore_hook_time } else { SimDuration::ZERO },
            shares_seed: unrepaired(Captured::RandomSeed),
            stale_connection: unrepaired(Captured::Connection),
        })
    }

    /// The billed part of a restore: the after-restore hook ("You are not charged for
    /// the time it takes to restore a snapshot").
    pub fn billed(&self) -> SimDuration {
        self.hook
    }
}

impl FunctionState {
    /// One cold start: a restore from the snapshot when SnapStart is on (no runtime
    /// start, no package, no init code), else the usual phases.
    pub(crate) fn sample_new_environment(&mut self) -> SimDuration {
        let Some(restore) = &self.model.snapshot else {
            return self.model.sample_cold_start(&mut self.rngs.cold_start);
        };
        let sampler = if self.restores_since_publish < u64::from(restore.cold_restores) {
            &restore.cold_restore
        } else {
            &restore.restore
        };
        self.restores_since_publish += 1;
        sampler.sample(&mut self.rngs.cold_start) + restore.hook
    }

    /// What the snapshot did to a request on a restored environment: (its result used
    /// state shared with every other restored environment, it failed on a stale
    /// connection). Every environment of a SnapStart function is restored.
    pub(crate) fn snapshot_effects(&self, first_on_env: bool) -> (bool, bool) {
        if !self.model.hot.snap_start {
            return (false, false);
        }
        match &self.model.snapshot {
            None => (false, false),
            Some(r) => {
                let stale = r.stale_connection && first_on_env;
                (r.shares_seed && !stale, stale)
            }
        }
    }
}

impl FunctionModel {
    /// The duration billed for a new environment's start: its whole cold start, or of a
    /// restore only the after-restore hook.
    pub fn billed_start(&self, waited: SimDuration) -> SimDuration {
        if !self.hot.snap_start {
            return waited;
        }
        match &self.snapshot {
            Some(r) if waited.0 > 0 => r.billed(),
            _ => waited,
        }
    }
}

impl FunctionSpec {
    /// SnapStart's refusals: runtimes and features it does not support.
    pub(crate) fn snap_start_problems(&self, at: &mut At) {
        if let Some(s) = &self.snapshot {
            for (field, message) in s.restore.problems() {
                at.push(&join("snapshot.restore", field), message);
            }
            for (field, message) in s.cold_restore.problems() {
                at.push(&join("snapshot.cold_restore", field), message);
            }
            if s.restore_hook_time > SimDuration::from_secs(10) {
                // "after-restore hooks must complete within 10 seconds" (Lambda SnapStart
                // runtime hooks): a longer one fails the restore.
                at.push(
                    "snapshot.restore_hook_time",
                    format!("an after-restore hook must finish within 10 s, got {}", s.restore_hook_time),
                );
            }
        }
        if !self.snap_start {
            return;
        }
        if !self.runtime.supports_snap_start() {
            at.push(
                "snap_start",
                format!(
                    "SnapStart supports the Java 11+, Python 3.12+ and .NET 8+ managed runtimes only, not {} (AWS Lambda Developer Guide, \"Improving startup performance with Lambda SnapStart\")",
                    self.runtime.label()
                ),
            );
        }
        if self.provisioned_concurrency > 0 {
            at.push(
                "snap_start",
                format!(
                    "SnapStart does not support provisioned concurrency (here {}): choose one; provisioned environments are initialised ahead anyway",
                    self.provisioned_concurrency
                ),
            );
        }
        if let Some(n) = self.per_environment_concurrency.filter(|&n| n > 1) {
            // The model restores one request's environment; Lambda's SnapStart is a feature
            // of its one-request-per-environment functions.
            at.push(
                "snap_start",
                format!(
                    "SnapStart restores environments that serve one request at a time, not {n} (per_environment_concurrency): choose one"
                ),
            );
        }
        if self.ephemeral_mb > MIN_EPHEMERAL_MB {
            at.push(
                "snap_start",
                format!(
                    "SnapStart does not support ephemeral storage above {MIN_EPHEMERAL_MB} MB (ephemeral_mb is {})",
                    self.ephemeral_mb
                ),
            );
        }
    }
}
