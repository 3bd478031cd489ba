//! Object storage (S3-like) and payload sizes: buckets whose object-created events
//! invoke a function, payload limits, and the claim-check pattern (store a large
//! payload in a bucket, pass a reference).

use crate::sim::Simulation;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::residency::ResidencyCheck;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// A bucket as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketSpec {
    pub name: String,
    /// A function invoked (asynchronously) for every object created in the bucket.
    #[serde(default)]
    pub notify: Option<String>,
    /// Where its objects are stored (the account's region when absent).
    #[serde(default)]
    pub region: Option<String>,
    /// Where its data must stay (see `DatabaseSpec::residency`): a function outside it
    /// that writes an object or handles its notification breaks residency.
    #[serde(default)]
    pub residency: Option<String>,
}

/// A size distribution in kilobytes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum SizeDist {
    Constant {
        kb: f64,
    },
    Uniform {
        min_kb: f64,
        max_kb: f64,
    },
    /// Log-normal by its median and 99th percentile: most small, a few very large.
    LogNormal {
        median_kb: f64,
        p99_kb: f64,
    },
}

impl SizeDist {
    /// Problems with the sizes: each is a number of KB in 0..`MAX_OBJECT_KB` (S3's
    /// largest object, 5 TB), never NaN or infinite.
    pub fn problems(&self) -> Vec<String> {
        let ok = |x: f64| x.is_finite() && (0.0..=MAX_OBJECT_KB).contains(&x);
        let n = crate::sim::kernel::num;
        match self {
            SizeDist::Constant { kb } if !ok(*kb) => vec![format!("a size in KB, 0..5e9, got {}", n(*kb))],
            SizeDist::Uniform { min_kb, max_kb } if !ok(*min_kb) || !ok(*max_kb) || max_kb < min_kb => {
                vec![format!("sizes in KB, 0..5e9, with min <= max, got {}..{}", n(*min_kb), n(*max_kb))]
            }
            SizeDist::LogNormal { median_kb, p99_kb }
                if !ok(*median_kb) || !ok(*p99_kb) || *median_kb <= 0.0 || p99_kb <= median_kb =>
            {
                vec![format!(
                    "a median above 0 and a p99 above it, both at most 5e9 KB, got {} and {}",
                    n(*median_kb),
                    n(*p99_kb)
                )]
            }
            _ => Vec::new(),
        }
    }

    pub fn sample_kb(&self, rng: &mut RngStream) -> f64 {
        match *self {
            SizeDist::Constant { kb } => kb,
            SizeDist::Uniform { min_kb, max_kb } => min_kb + (max_kb - min_kb) * rng.unit(),
            SizeDist::LogNormal { median_kb, p99_kb } => {
                let std = Normal::standard();
                let sigma = (p99_kb / median_kb).ln() / std.inverse_cdf(0.99);
                let z = std.inverse_cdf(rng.unit_open().min(1.0 - 1e-12));
                median_kb * (sigma * z).exp()
            }
        }
    }
}

/// The largest object or payload size a scenario may give, in KB: S3's largest object
/// (5 TB). Larger is a typo, and would make stored totals and fetch times absurd.
pub const MAX_OBJECT_KB: f64 = 5e9;

/// A payload attached to a trigger's requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payload {
    pub size_kb: SizeDist,
    /// A bucket where payloads over the limit are stored, a reference travelling
    /// instead (claim check). Without it they are rejected.
    #[serde(default)]
    pub claim_check: Option<String>,
}

/// Payload limits (KB). AWS today: 6 MB synchronous; 1 MB for asynchronous invocation
/// (raised from 256 KB in 2025); SQS messages 1 MiB (raised from 256 KiB in 2025).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayloadLimits {
    #[serde(default = "sync_kb")]
    pub sync_kb: f64,
    #[serde(default = "async_kb")]
    pub async_kb: f64,
    #[serde(default = "message_kb")]
    pub message_kb: f64,
}

fn sync_kb() -> f64 {
    6144.0
}
fn async_kb() -> f64 {
    1024.0
}
fn message_kb() -> f64 {
    1024.0
}

impl Default for PayloadLimits {
    fn default() -> Self {
        PayloadLimits { sync_kb: sync_kb(), async_kb: async_kb(), message_kb: message_kb() }
    }
}

/// Time for a handler to fetch a claim-checked payload: a first-byte latency plus the
/// transfer at about 100 MB/s.
pub fn fetch_time(kb: f64) -> SimDuration {
    SimDuration::from_millis(20) + SimDuration::from_secs_f64(kb / 102_400.0)
}

/// A chain of object-created events through the same functions is stopped after this
/// many invocations (AWS Lambda's recursive loop detection; every path has it).
pub use crate::sim::route::MAX_RECURSION;

/// Counts of one bucket.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct BucketCounters {
    pub objects_created: u64,
    pub stored_kb: f64,
    pub notifications: u64,
    /// Notifications not sent because the chain was recursive (a function writing into
    /// the bucket that triggers it).
    pub loops_stopped: u64,
}

/// A bucket at run time.
#[derive(Clone, Debug)]
pub struct BucketState {
    pub spec: BucketSpec,
    pub(crate) notify_index: Option<u32>,
    pub counters: BucketCounters,
    /// Its residency rule and the accesses that broke it (none without a residency).
    pub residency: Option<ResidencyCheck>,
}

impl BucketState {
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// Counts an object stored (counted work only).
    pub(crate) fn store(&mut self, kb: f64, counted: bool) {
        if counted {
            self.counters.objects_created += 1;
            self.counters.stored_kb += kb;
        }
    }
}

impl Simulation {
    /// An object lands in a bucket; its notification invokes the bucket's function,
    /// unless the chain is recursive past `MAX_RECURSION` (stopped, and counted).
    pub(crate) fn object_created(
        &mut self,
        bucket: u32,
        kb: f64,
        depth: u16,
        correlation: u64,
        counted: bool,
        trigger: Option<u32>,
    ) {
        let b = &mut self.services.buckets[bucket as usize];
        b.store(kb, counted);
        let notify = b.notify_index;
        match notify {
            Some(_) if !self.loop_allows(depth, counted) => {
                self.services.buckets[bucket as usize].counters.loops_stopped += u64::from(counted);
                if let (Some(t), true) = (trigger, counted) {
                    self.triggers[t as usize].counters.failed += 1;
                }
            }
            Some(f) => {
                let b = &mut self.services.buckets[bucket as usize];
                b.counters.notifications += u64::from(counted);
                if let Some(rule) = &mut b.residency {
                    rule.access(f, counted); // the handler reads the object
                }
                self.new_async_event_with(f, correlation, counted, trigger, depth + 1, SimDuration::ZERO);
            }
            None => {
                if let (Some(t), true) = (trigger, counted) {
                    self.triggers[t as usize].counters.succeeded += 1;
                }
            }
        }
    }
}
