//! Billing: AWS Lambda's published prices (us-east-1), computed from exact integer usage.

use crate::sim::kernel::time::SimDuration;
use serde::{Deserialize, Serialize};

/// Seconds in a billing month as AWS's price calculator counts it (730 hours).
pub const MONTH_SECS: f64 = 730.0 * 3600.0;

/// The instruction set a function runs on; Arm (Graviton) is about 20% cheaper.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Architecture {
    #[default]
    X86,
    Arm,
}

/// Prices in USD. Defaults are the published us-east-1 prices.
#[derive(Clone, Debug, PartialEq)]
pub struct Prices {
    pub per_request: f64,
    pub per_gb_second: f64,
    pub provisioned_per_gb_second: f64,
    pub provisioned_execution_per_gb_second: f64,
    /// Ephemeral storage (/tmp) above the free 512 MB, per GB-second of billed duration:
    /// $0.0000000309 in us-east-1, x86 and Arm alike ("Lambda Ephemeral Storage
    /// Pricing", https://aws.amazon.com/lambda/pricing/).
    pub ephemeral_per_gb_second: f64,
}

/// The /tmp every function has at no charge, MB.
pub const FREE_EPHEMERAL_MB: u32 = 512;

impl Prices {
    pub fn for_arch(arch: Architecture) -> Prices {
        match arch {
            Architecture::X86 => Prices {
                per_request: 0.20 / 1e6,
                per_gb_second: 0.000_016_666_7,
                provisioned_per_gb_second: 0.000_004_166_7,
                provisioned_execution_per_gb_second: 0.000_009_722_2,
                ephemeral_per_gb_second: 0.000_000_030_9,
            },
            Architecture::Arm => Prices {
                per_request: 0.20 / 1e6,
                per_gb_second: 0.000_013_333_4,
                provisioned_per_gb_second: 0.000_003_333_4,
                provisioned_execution_per_gb_second: 0.000_007_777_8,
                ephemeral_per_gb_second: 0.000_000_030_9,
            },
        }
    }
}

/// What one function consumed, in exact integers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Usage {
    // In declaration order (`repr(C)`): the first four, which an on-demand invocation
    // adds to, fill one cache line (a function's state is often out of the caches).
    /// On-demand compute: memory (MB) x billed milliseconds (init included), summed.
    pub mb_ms: u128,
    /// Ephemeral storage above the free 512 MB: MB x billed milliseconds (on demand and
    /// provisioned alike: it is priced by execution time, not allocation).
    pub ephemeral_mb_ms: u128,
    /// Billed requests (invocations that started; throttled ones are free).
    pub requests: u64,
    /// Requests of a function billed per instance (`provider::Billing`): priced by
    /// `provider::instance_bill`, not by `invoice`.
    pub instance_requests: u64,
    /// Invocations run on provisioned environments: MB x billed milliseconds.
    pub provisioned_exec_mb_ms: u128,
    /// Provisioned environments kept ready: memory (MB) x microseconds allocated.
    pub provisioned_mb_us: u128,
    /// SnapStart on Python and .NET (`snapstart` below): the memory (MB) whose snapshot
    /// is cached while the version is active, and MB restored, summed over restores.
    pub snapstart_cached_mb: u64,
    pub snapstart_restored_mb: u128,
}

impl Usage {
    /// Adds one invocation's billed time (1 ms granularity, rounded up).
    #[inline]
    pub fn bill(&mut self, memory_mb: u32, billed: SimDuration, provisioned: bool) {
        let mb_ms = u128::from(memory_mb) * u128::from(billed.billed_millis());
        if provisioned {
            self.provisioned_exec_mb_ms += mb_ms;
        } else {
            self.mb_ms += mb_ms;
        }
    }

    /// Adds the ephemeral storage above the free 512 MB over the same billed time.
    #[inline]
    pub fn bill_ephemeral(&mut self, ephemeral_mb: u32, billed: SimDuration) {
        let extra = ephemeral_mb.saturating_sub(FREE_EPHEMERAL_MB);
        self.ephemeral_mb_ms += u128::from(extra) * u128::from(billed.billed_millis());
    }

    /// Adds one charged restore of a SnapStart snapshot of `memory_mb` (Python and .NET
    /// only: Java's SnapStart has no extra charge, and its restores are not added).
    #[inline]
    pub fn bill_restore(&mut self, memory_mb: u32) {
        self.snapstart_restored_mb += u128::from(memory_mb);
    }

    pub fn gb_seconds(&self) -> f64 {
        self.mb_ms as f64 / 1024.0 / 1000.0
    }
}

/// The bill for a window of time.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Invoice {
    pub requests_usd: f64,
    pub compute_usd: f64,
    pub provisioned_usd: f64,
    /// Ephemeral storage above the free 512 MB (the free tier does not cover it).
    pub ephemeral_usd: f64,
    /// SnapStart's snapshot cache and restores (Python and .NET; not in the free tier).
    pub snapstart_cache_usd: f64,
    pub snapstart_restore_usd: f64,
}

impl Invoice {
    pub fn total_usd(&self) -> f64 {
        self.requests_usd
            + self.compute_usd
            + self.provisioned_usd
            + self.ephemeral_usd
            + self.snapstart_cache_usd
            + self.snapstart_restore_usd
    }
}

/// SnapStart's charges for Python and .NET functions in us-east-1 (AWS Lambda pricing,
/// https://aws.amazon.com/lambda/pricing/, "SnapStart pricing"; the same in the AWS News
/// Blog's "AWS Lambda SnapStart for Python and .NET functions is now generally
/// available", November 2024): caching the snapshot $0.0000015046 per GB-second while
/// the version is active, restoring it $0.0001397998 per GB restored, both by the
/// function's memory size. Java's SnapStart has no extra charge.
///
/// AWS bills the cache for at least 3 hours per version; a report's window is a sample
/// of a version that stays published, so the cache is charged over the window only
/// (the minimum would inflate the monthly figure of a short run).
pub mod snapstart {
    pub const CACHE_PER_GB_SECOND: f64 = 0.000_001_504_6;
    pub const RESTORE_PER_GB: f64 = 0.000_139_799_8;
}

/// Prices each function's usage; the free tier (1M requests and 400,000 GB-s a month,
/// pro-rated to `window`) comes off the on-demand part, x86 first since it costs more.
pub fn invoice(usage: &[(Architecture, Usage)], window: SimDuration, free_tier: bool) -> Invoice {
    let months = window.as_secs_f64() / MONTH_SECS;
    let (mut free_requests, mut free_gbs) = if free_tier { (1e6 * months, 400_000.0 * months) } else { (0.0, 0.0) };
    let mut bill = Invoice::default();
    let mut ordered: Vec<&(Architecture, Usage)> = usage.iter().collect();
    ordered.sort_by_key(|(arch, _)| *arch != Architecture::X86);
    for (arch, u) in ordered {
        let p = Prices::for_arch(*arch);
        let requests = u.requests as f64;
        let charged_requests = (requests - free_requests).max(0.0);
        free_requests = (free_requests - requests).max(0.0);
        let gbs = u.gb_seconds();
        let charged_gbs = (gbs - free_gbs).max(0.0);
        free_gbs = (free_gbs - gbs).max(0.0);
        bill.requests_usd += charged_requests * p.per_request;
        bill.compute_usd += charged_gbs * p.per_gb_second;
        bill.provisioned_usd += u.provisioned_mb_us as f64 / 1024.0 / 1e6 * p.provisioned_per_gb_second
            + u.provisioned_exec_mb_ms as f64 / 1024.0 / 1000.0 * p.provisioned_execution_per_gb_second;
        bill.ephemeral_usd += u.ephemeral_mb_ms as f64 / 1024.0 / 1000.0 * p.ephemeral_per_gb_second;
        bill.snapstart_cache_usd +=
            u.snapstart_cached_mb as f64 / 1024.0 * window.as_secs_f64() * snapstart::CACHE_PER_GB_SECOND;
        bill.snapstart_restore_usd += u.snapstart_restored_mb as f64 / 1024.0 * snapstart::RESTORE_PER_GB;
    }
    bill
}

/// API Gateway WebSocket APIs (us-east-1), from https://aws.amazon.com/api-gateway/pricing/:
/// messages sent and received at $1.00 per million for the first billion of a month
/// ($0.80 per million beyond), metered in 32 KB increments (a 33 KB message counts as
/// two); connection minutes at $0.25 per million. Free tier not applied.
pub mod websocket {
    /// A message is metered in increments of this size.
    pub const INCREMENT_KB: f64 = 32.0;
    pub const PER_MILLION_MESSAGES: f64 = 1.00;
    /// Messages of a month priced at `PER_MILLION_MESSAGES`; the rest at the lower rate.
    pub const FIRST_TIER_MESSAGES: f64 = 1e9;
    pub const PER_MILLION_MESSAGES_BEYOND: f64 = 0.80;
    pub const PER_MILLION_CONNECTION_MINUTES: f64 = 0.25;

    /// Billed messages for one message of `kb` (at least one).
    pub fn increments(kb: f64) -> u64 {
        ((kb / INCREMENT_KB).ceil() as u64).max(1)
    }

    /// The bill of `messages` and `connection_minutes` used over a window of `months`
    /// (a fraction of a 730-hour month): the tiers apply to the monthly rate.
    pub fn cost_usd(messages: u64, connection_minutes: f64, months: f64) -> (f64, f64) {
        if months <= 0.0 {
            return (0.0, 0.0);
        }
        let per_month = messages as f64 / months;
        let first = per_month.min(FIRST_TIER_MESSAGES);
        let beyond = per_month - first;
        let monthly = (first * PER_MILLION_MESSAGES + beyond * PER_MILLION_MESSAGES_BEYOND) / 1e6;
        (monthly * months, connection_minutes * PER_MILLION_CONNECTION_MINUTES / 1e6)
    }
}

/// An always-on server fleet to compare against: instances x hourly price.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFleet {
    /// Price of one instance per hour (default: $0.0832, a t3.large on demand in us-east-1).
    #[serde(default = "default_hourly")]
    pub hourly_usd: f64,
    /// Requests one instance serves at the same time.
    #[serde(default = "default_per_instance")]
    pub concurrency_per_instance: u32,
    /// A fixed fleet size; when absent the fleet is sized for the peak concurrency seen.
    #[serde(default)]
    pub instances: Option<u32>,
    /// The smallest fleet (two for availability).
    #[serde(default = "default_min_instances")]
    pub min_instances: u32,
    /// Open connections (WebSocket clients) one instance holds (default 10,000: an
    /// idle connection costs a server tens of KB of buffers and TLS state, so 10,000
    /// take a few hundred MB of a t3.large's 8 GB).
    #[serde(default = "default_connections_per_instance")]
    pub connections_per_instance: u32,
}

fn default_hourly() -> f64 {
    0.0832
}
fn default_per_instance() -> u32 {
    16
}
fn default_min_instances() -> u32 {
    2
}
fn default_connections_per_instance() -> u32 {
    10_000
}

impl Default for ServerFleet {
    fn default() -> Self {
        ServerFleet {
            hourly_usd: default_hourly(),
            concurrency_per_instance: default_per_instance(),
            instances: None,
            min_instances: default_min_instances(),
            connections_per_instance: default_connections_per_instance(),
        }
    }
}

impl ServerFleet {
    /// Instances needed to serve `peak_concurrency` requests at once.
    pub fn instances_for(&self, peak_concurrency: u64) -> u32 {
        self.instances_holding(peak_concurrency, 0)
    }

    /// Instances needed to serve `peak_concurrency` requests at once and hold
    /// `peak_connections` open connections.
    pub fn instances_holding(&self, peak_concurrency: u64, peak_connections: u64) -> u32 {
        self.instances.unwrap_or_else(|| {
            let for_requests = peak_concurrency.div_ceil(u64::from(self.concurrency_per_instance.max(1)));
            let for_connections = peak_connections.div_ceil(u64::from(self.connections_per_instance.max(1)));
            (for_requests.max(for_connections) as u32).max(self.min_instances)
        })
    }

    /// The fleet's cost over `window`.
    pub fn cost_usd(&self, peak_concurrency: u64, window: SimDuration) -> f64 {
        self.cost_holding(peak_concurrency, 0, window)
    }

    /// The cost over `window` of a fleet that also holds `peak_connections`.
    pub fn cost_holding(&self, peak_concurrency: u64, peak_connections: u64, window: SimDuration) -> f64 {
        f64::from(self.instances_holding(peak_concurrency, peak_connections)) * self.hourly_usd * window.as_secs_f64()
            / 3600.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month() -> SimDuration {
        SimDuration::from_secs_f64(MONTH_SECS)
    }

    /// docs/model.md (validation recipes): 512 MB, 3M requests of 1 s in a month.
    fn three_million_seconds() -> Usage {
        let mut u = Usage { requests: 3_000_000, ..Usage::default() };
        for _ in 0..3_000_000 {
            u.bill(512, SimDuration::from_secs(1), false);
        }
        u
    }

    #[test]
    fn three_million_requests_without_free_tier() {
        let bill = invoice(&[(Architecture::X86, three_million_seconds())], month(), false);
        // 1.5M GB-s x $0.0000166667 = $25.00005; 3M x $0.20/M = $0.60.
        assert!((bill.compute_usd - 25.000_05).abs() < 1e-9, "{}", bill.compute_usd);
        assert!((bill.requests_usd - 0.60).abs() < 1e-12);
        assert_eq!(format!("{:.2}", bill.total_usd()), "25.60");
    }

    #[test]
    fn three_million_requests_with_free_tier() {
        let bill = invoice(&[(Architecture::X86, three_million_seconds())], month(), true);
        // (1.5M - 400k) GB-s = 1.1M x $0.0000166667 = $18.33337; (3M - 1M) requests = $0.40.
        assert!((bill.compute_usd - 18.333_37).abs() < 1e-9, "{}", bill.compute_usd);
        assert!((bill.requests_usd - 0.40).abs() < 1e-12);
        assert_eq!(format!("{:.2}", bill.total_usd()), "18.73");
    }

    #[test]
    fn arm_is_cheaper_and_provisioned_is_priced_by_allocation() {
        let mut u = Usage::default();
        u.bill(1024, SimDuration::from_secs(1000), false);
        let x86 = invoice(&[(Architecture::X86, u)], month(), false).compute_usd;
        let arm = invoice(&[(Architecture::Arm, u)], month(), false).compute_usd;
        assert!((x86 - 1000.0 * 0.000_016_666_7).abs() < 1e-12);
        assert!((arm - 1000.0 * 0.000_013_333_4).abs() < 1e-12);
        // One 1 GB environment provisioned for an hour: 3600 GB-s allocated.
        let p = Usage { provisioned_mb_us: 1024 * 3_600_000_000, ..Usage::default() };
        let bill = invoice(&[(Architecture::X86, p)], month(), false);
        assert!((bill.provisioned_usd - 3600.0 * 0.000_004_166_7).abs() < 1e-12);
    }

    #[test]
    fn provisioned_execution_is_41_7_percent_below_on_demand_and_with_allocation_16_7() {
        // What the provisioned-concurrency scenario tells its students.
        let p = Prices::for_arch(Architecture::X86);
        let execution = 1.0 - p.provisioned_execution_per_gb_second / p.per_gb_second;
        let both = 1.0 - (p.provisioned_per_gb_second + p.provisioned_execution_per_gb_second) / p.per_gb_second;
        assert!((execution - 0.4167).abs() < 5e-4, "{execution}");
        assert!((both - 0.1667).abs() < 5e-4, "{both}");
    }

    #[test]
    fn ephemeral_storage_is_billed_above_512_mb_per_gb_second_of_execution() {
        // 10,240 MB of /tmp: 9,728 MB (9.5 GB) billed; 1000 s of execution.
        let mut u = Usage::default();
        u.bill_ephemeral(10_240, SimDuration::from_secs(1000));
        assert_eq!(u.ephemeral_mb_ms, 9_728 * 1_000_000);
        let bill = invoice(&[(Architecture::Arm, u)], month(), true);
        assert!((bill.ephemeral_usd - 9.5 * 1000.0 * 0.000_000_030_9).abs() < 1e-15, "{}", bill.ephemeral_usd);
        // The free 512 MB costs nothing; billed time rounds up to the millisecond.
        let mut free = Usage::default();
        free.bill_ephemeral(512, SimDuration::from_secs(1000));
        assert_eq!(free.ephemeral_mb_ms, 0);
        let mut edge = Usage::default();
        edge.bill_ephemeral(1536, SimDuration::from_micros(1001));
        assert_eq!(edge.ephemeral_mb_ms, 1024 * 2);
    }

    #[test]
    fn websocket_messages_are_metered_in_32_kb_increments_and_tiered_per_month() {
        assert_eq!(websocket::increments(0.5), 1);
        assert_eq!(websocket::increments(32.0), 1);
        assert_eq!(websocket::increments(33.0), 2); // the pricing page's own example
        assert_eq!(websocket::increments(128.0), 4);
        // A month of 876M messages and 87.6M connection minutes: $876 + $21.90.
        let (messages, minutes) = websocket::cost_usd(876_000_000, 87_600_000.0, 1.0);
        assert!((messages - 876.0).abs() < 1e-9, "{messages}");
        assert!((minutes - 21.9).abs() < 1e-9, "{minutes}");
        // 1.5 billion in a month: the first billion at $1.00, the rest at $0.80.
        let (messages, _) = websocket::cost_usd(1_500_000_000, 0.0, 1.0);
        assert!((messages - 1400.0).abs() < 1e-9, "{messages}");
        // The same rate over a tenth of a month: a tenth of the bill, tiers on the monthly rate.
        let (messages, _) = websocket::cost_usd(150_000_000, 0.0, 0.1);
        assert!((messages - 140.0).abs() < 1e-9, "{messages}");
    }

    #[test]
    fn a_fleet_holding_connections_is_sized_for_them_too() {
        let fleet = ServerFleet::default();
        assert_eq!(fleet.instances_holding(3, 2_000), 2);
        assert_eq!(fleet.instances_holding(3, 25_000), 3);
        assert_eq!(fleet.instances_holding(70, 25_000), 5);
    }

    #[test]
    fn fleet_is_sized_for_the_peak() {
        let fleet = ServerFleet::default();
        assert_eq!(fleet.instances_for(0), 2);
        assert_eq!(fleet.instances_for(33), 3);
        let day = SimDuration::from_secs(86_400);
        assert!((fleet.cost_usd(100, day) - 7.0 * 0.0832 * 24.0).abs() < 1e-9);
    }
}
