//! Keep-alive policies compared on a trace (`faaslab replay --policy ...`), their
//! parsing, and the hybrid policy's idle-time histogram.
//!
//! - `fixed:10m`: every idle environment stays warm for the same time after its last
//!   request (AWS Lambda and Azure Functions kept 10 and 20 minutes when the paper was
//!   written).
//! - `hybrid[:RANGE]`: the hybrid histogram policy of Shahrad et al., "Serverless in the
//!   Wild" (USENIX ATC 2020, section 4.2): per application, a histogram of idle times
//!   (from the end of its last execution to its next invocation) in 1-minute bins over
//!   RANGE (4 h in the paper). Idle environments are unloaded at once, loaded again at
//!   the head (5th percentile) minus a 10% margin (the pre-warm window), and kept until
//!   the tail (99th percentile) plus 10%. A histogram that is not representative (too few
//!   idle times, or their bin counts' coefficient of variation below 2: spread evenly, no
//!   pattern) falls back to keeping alive for RANGE with no pre-warming; an app whose idle
//!   times mostly fall beyond RANGE uses a forecast of the next one instead (the paper
//!   fits an ARIMA model; see `HybridWindows`).
//! - `greedy-dual[:BUDGET]`: FaasCache's keep-alive (Fuerst and Sharma, ASPLOS 2021):
//!   idle environments are a cache of at most BUDGET memory, evicted lowest priority
//!   first, priority = clock + frequency x cold-start cost / size, the clock being the
//!   priority of the last one evicted.

use crate::sim::kernel::time::{SimDuration, parse_duration};
use serde::Serialize;
use std::fmt;

/// The hybrid policy's range when none is given: the paper's 4 hours.
pub const DEFAULT_HYBRID_RANGE: SimDuration = SimDuration::from_secs(4 * 3600);
/// The histogram's bin: one minute, the trace's resolution (as in the paper).
pub const HISTOGRAM_BIN: SimDuration = SimDuration::from_secs(60);
/// Head and tail percentiles of the idle-time histogram (paper, section 4.2).
pub const HEAD_PERCENTILE: f64 = 0.05;
pub const TAIL_PERCENTILE: f64 = 0.99;
/// The margin taken off the head and added to the tail (paper: 10%).
pub const HISTOGRAM_MARGIN: f64 = 0.10;
/// A histogram whose bin counts have a coefficient of variation below this is not
/// representative: the idle times are spread out, so no window predicts them (the
/// threshold of 2 is the one the paper's authors and dslab-faas's reimplementation use).
pub const CV_THRESHOLD: f64 = 2.0;
/// Fewer idle times than this are not a histogram yet: a single idle time has a CV of
/// about 15 (all counts in one bin) and would otherwise set the windows alone.
pub const MIN_IDLE_TIMES: u64 = 4;
/// An app with at least this share of its idle times beyond the range is out of bounds.
pub const OUT_OF_BOUNDS_SHARE: f64 = 0.5;
/// The forecast's margin on each side for out-of-bounds apps (paper: 15%).
pub const FORECAST_MARGIN: f64 = 0.15;
/// The greedy-dual budget when none is given: 8 GB of idle environments.
pub const DEFAULT_GREEDY_DUAL_BUDGET_MB: u64 = 8 * 1024;

/// Which kind of policy (the chart draws one marker series per family).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyFamily {
    Fixed,
    Hybrid,
    GreedyDual,
}

impl PolicyFamily {
    pub fn label(self) -> &'static str {
        match self {
            PolicyFamily::Fixed => "fixed keep-alive",
            PolicyFamily::Hybrid => "hybrid histogram",
            PolicyFamily::GreedyDual => "greedy-dual (FaasCache)",
        }
    }
}

/// One policy setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Fixed { keep_alive: SimDuration },
    Hybrid { range: SimDuration },
    GreedyDual { budget_mb: u64 },
}

impl Policy {
    /// The baseline the wasted memory is normalised to (as in the paper's figure).
    pub const BASELINE: Policy = Policy::Fixed { keep_alive: SimDuration::from_secs(600) };

    pub fn family(&self) -> PolicyFamily {
        match self {
            Policy::Fixed { .. } => PolicyFamily::Fixed,
            Policy::Hybrid { .. } => PolicyFamily::Hybrid,
            Policy::GreedyDual { .. } => PolicyFamily::GreedyDual,
        }
    }
}

impl fmt::Display for Policy {
    /// The canonical spelling, which parses back to the same policy.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Policy::Fixed { keep_alive } => write!(f, "fixed:{keep_alive}"),
            Policy::Hybrid { range } => write!(f, "hybrid:{range}"),
            Policy::GreedyDual { budget_mb } if budget_mb % 1024 == 0 => {
                write!(f, "greedy-dual:{}GB", budget_mb / 1024)
            }
            Policy::GreedyDual { budget_mb } => write!(f, "greedy-dual:{budget_mb}MB"),
        }
    }
}

/// A memory size such as `512MB`, `8GB` or `1.5GB`, in MB.
fn parse_memory(text: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected a memory size such as \"512MB\" or \"8GB\"";
    let upper = text.to_ascii_uppercase();
    let (number, scale) = if let Some(n) = upper.strip_suffix("GB") {
        (n, 1024.0)
    } else if let Some(n) = upper.strip_suffix("MB") {
        (n, 1.0)
    } else {
        return Err(format!("\"{text}\" has no unit: {EXPECTED}"));
    };
    match number.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x * scale <= 1e9 => Ok((x * scale).round().max(1.0) as u64),
        Ok(x) if x <= 0.0 => Err(format!("\"{text}\" is not above zero: {EXPECTED}")),
        Ok(_) => Err(format!("\"{text}\" is too large (at most 1000000GB)")),
        Err(_) => Err(format!("\"{text}\" is not a number: {EXPECTED}")),
    }
}

/// A duration that must be above zero (negative ones are named as such).
fn positive_duration(text: &str) -> Result<SimDuration, String> {
    if text.trim_start().starts_with('-') {
        return Err(format!("\"{text}\" is negative: expected a duration above zero such as \"10m\""));
    }
    let d = parse_duration(text)?;
    if d == SimDuration::ZERO {
        return Err(format!("\"{text}\" is zero: expected a duration above zero such as \"10m\""));
    }
    Ok(d)
}

/// Parses one policy setting: `fixed:10m`, `hybrid`, `hybrid:2h`, `greedy-dual`,
/// `greedy-dual:4GB`.
pub fn parse_policy(text: &str) -> Result<Policy, String> {
    let text = text.trim();
    let (name, arg) = match text.split_once(':') {
        Some((n, a)) => (n.trim(), Some(a.trim())),
        None => (text, None),
    };
    let named = |e: String| format!("--policy \"{text}\": {e}");
    match (name, arg) {
        ("fixed", None) | ("fixed", Some("")) => {
            Err(named("fixed keep-alive needs its time, for example \"fixed:10m\"".into()))
        }
        ("fixed", Some(a)) => positive_duration(a).map(|keep_alive| Policy::Fixed { keep_alive }).map_err(named),
        ("hybrid", None) => Ok(Policy::Hybrid { range: DEFAULT_HYBRID_RANGE }),
        ("hybrid", Some(a)) => {
            let range = positive_duration(a)
                .map_err(|e| format!("the histogram range: {e}"))
                .and_then(|range| {
                    if range.0 % HISTOGRAM_BIN.0 != 0 {
                        Err(format!("the histogram range {range} is not a whole number of 1-minute bins"))
                    } else if range > SimDuration::from_secs(86_400) {
                        Err(format!("the histogram range {range} is above 1 day (1440 bins)"))
                    } else {
                        Ok(range)
                    }
                })
                .map_err(named)?;
            Ok(Policy::Hybrid { range })
        }
        ("greedy-dual", None) => Ok(Policy::GreedyDual { budget_mb: DEFAULT_GREEDY_DUAL_BUDGET_MB }),
        ("greedy-dual", Some(a)) => parse_memory(a)
            .map(|budget_mb| Policy::GreedyDual { budget_mb })
            .map_err(|e| named(format!("the memory budget: {e}"))),
        _ => Err(named(format!(
            "unknown policy \"{name}\": expected fixed:TIME (e.g. fixed:10m), hybrid or hybrid:RANGE \
             (e.g. hybrid:4h), or greedy-dual or greedy-dual:BUDGET (e.g. greedy-dual:8GB)"
        ))),
    }
}

/// Parses a comma-separated list of policy settings; every bad one is reported, one a
/// line. A setting given twice is refused (its row would appear twice).
pub fn parse_policies(text: &str) -> Result<Vec<Policy>, String> {
    let mut policies = Vec::new();
    let mut problems = Vec::new();
    for part in text.split(',') {
        match parse_policy(part) {
            Ok(p) if policies.contains(&p) => problems.push(format!("--policy: {p} is listed twice")),
            Ok(p) => policies.push(p),
            Err(e) => problems.push(e),
        }
    }
    if policies.len() > super::MAX_SETTINGS {
        problems.push(format!(
            "--policy: {} settings; a replay compares at most {}",
            policies.len(),
            super::MAX_SETTINGS
        ));
    }
    if problems.is_empty() { Ok(policies) } else { Err(problems.join("\n")) }
}

/// What the hybrid policy decided for an app, at its last decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Too few idle times, or spread out: keep alive for the range, no pre-warming.
    NotRepresentative,
    /// Pre-warm at the head, keep alive to the tail.
    Histogram,
    /// Mostly beyond the range: a forecast of the next idle time.
    OutOfBounds,
}

/// Where an idle environment is warm, relative to the moment it became idle: loaded
/// from `prewarm` until `until` (a zero `prewarm`: never unloaded in between).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HybridWindows {
    pub pattern: Pattern,
    pub prewarm: SimDuration,
    pub until: SimDuration,
}

/// One application's idle times: 1-minute bins over the range, and those beyond it.
#[derive(Clone, Debug)]
pub struct IdleHistogram {
    bins: Vec<u64>,
    /// Idle times inside the range (the sum of the bins) and the sum of squared bin
    /// counts, kept exactly so the coefficient of variation needs no pass over the bins.
    inside: u64,
    square_sum: u128,
    out_of_bounds: u64,
    /// The most recent idle time beyond the range (the forecast of the next one).
    last_out_of_bounds: SimDuration,
}

impl IdleHistogram {
    pub fn new(range: SimDuration) -> IdleHistogram {
        let n = (range.0 / HISTOGRAM_BIN.0).max(1) as usize;
        IdleHistogram {
            bins: vec![0; n],
            inside: 0,
            square_sum: 0,
            out_of_bounds: 0,
            last_out_of_bounds: SimDuration::ZERO,
        }
    }

    pub fn record(&mut self, idle: SimDuration) {
        let bin = (idle.0 / HISTOGRAM_BIN.0) as usize;
        match self.bins.get_mut(bin) {
            Some(count) => {
                // (c + 1)^2 - c^2 = 2c + 1
                self.square_sum += 2 * u128::from(*count) + 1;
                *count += 1;
                self.inside += 1;
            }
            None => {
                self.out_of_bounds += 1;
                self.last_out_of_bounds = idle;
            }
        }
    }

    pub fn samples(&self) -> u64 {
        self.inside + self.out_of_bounds
    }

    /// The coefficient of variation of the bin counts (sample standard deviation over
    /// the mean); 0 for an empty histogram.
    pub fn cv(&self) -> f64 {
        let n = self.bins.len() as f64;
        if self.inside == 0 || self.bins.len() < 2 {
            return 0.0;
        }
        let mean = self.inside as f64 / n;
        let variance = ((self.square_sum as f64) - n * mean * mean) / (n - 1.0);
        variance.max(0.0).sqrt() / mean
    }

    /// The bin holding the `p` quantile of the idle times inside the range.
    pub fn percentile_bin(&self, p: f64) -> usize {
        let mut prefix = 0;
        for (i, &count) in self.bins.iter().enumerate() {
            prefix += count;
            if prefix as f64 >= p * self.inside as f64 && prefix > 0 {
                return i;
            }
        }
        self.bins.len() - 1
    }

    /// The policy's windows for an environment of this app going idle now.
    pub fn windows(&self, range: SimDuration) -> HybridWindows {
        let samples = self.samples();
        if samples >= MIN_IDLE_TIMES && self.out_of_bounds as f64 >= OUT_OF_BOUNDS_SHARE * samples as f64 {
            // The paper forecasts the next idle time with an ARIMA model fitted to the
            // app's idle times. Here the forecast is the last one beyond the range: the
            // random-walk model ARIMA(0,1,0), the simplest of the family, needing no fit
            // (and in a day of trace an app has only a few idle times above hours).
            let f = self.last_out_of_bounds.as_secs_f64();
            return HybridWindows {
                pattern: Pattern::OutOfBounds,
                prewarm: SimDuration::from_secs_f64(f * (1.0 - FORECAST_MARGIN)),
                until: SimDuration::from_secs_f64(f * (1.0 + FORECAST_MARGIN)),
            };
        }
        if samples < MIN_IDLE_TIMES || self.cv() < CV_THRESHOLD {
            return HybridWindows { pattern: Pattern::NotRepresentative, prewarm: SimDuration::ZERO, until: range };
        }
        let bin = HISTOGRAM_BIN.as_secs_f64();
        let head = self.percentile_bin(HEAD_PERCENTILE) as f64 * bin;
        // The tail bin's upper edge: idle times in it end before it.
        let tail = (self.percentile_bin(TAIL_PERCENTILE) + 1) as f64 * bin;
        HybridWindows {
            pattern: Pattern::Histogram,
            prewarm: SimDuration::from_secs_f64(head * (1.0 - HISTOGRAM_MARGIN)),
            until: SimDuration::from_secs_f64(tail * (1.0 + HISTOGRAM_MARGIN)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn min(m: u64) -> SimDuration {
        SimDuration::from_secs(60 * m)
    }

    #[test]
    fn policy_strings_parse_and_print_back() {
        let all = parse_policies("fixed:10m, fixed:1h,hybrid,hybrid:2h,greedy-dual,greedy-dual:512MB").unwrap();
        assert_eq!(
            all,
            vec![
                Policy::Fixed { keep_alive: min(10) },
                Policy::Fixed { keep_alive: min(60) },
                Policy::Hybrid { range: min(240) },
                Policy::Hybrid { range: min(120) },
                Policy::GreedyDual { budget_mb: 8192 },
                Policy::GreedyDual { budget_mb: 512 },
            ]
        );
        for p in &all {
            assert_eq!(parse_policy(&p.to_string()).unwrap(), *p, "{p}");
        }
        assert_eq!(parse_policy("greedy-dual:1.5gb").unwrap(), Policy::GreedyDual { budget_mb: 1536 });
    }

    #[test]
    fn bad_policy_strings_name_the_policy_and_what_was_expected() {
        let err = |s: &str| parse_policy(s).unwrap_err();
        assert!(err("fixed:-3m").starts_with("--policy \"fixed:-3m\": \"-3m\" is negative"), "{}", err("fixed:-3m"));
        assert!(err("fixed:0s").contains("\"0s\" is zero"));
        assert!(err("fixed").contains("fixed keep-alive needs its time, for example \"fixed:10m\""));
        assert!(err("fixed:ten").contains("\"ten\" is not a duration"), "{}", err("fixed:ten"));
        let banana = err("hybrid:banana");
        assert!(
            banana.starts_with("--policy \"hybrid:banana\": the histogram range: \"banana\" is not a duration"),
            "{banana}"
        );
        assert!(err("hybrid:90s").contains("the histogram range 90s is not a whole number of 1-minute bins"));
        assert!(err("hybrid:2d").contains("above 1 day"));
        assert!(err("greedy-dual:lots").contains("the memory budget: \"lots\" has no unit"));
        assert!(err("greedy-dual:0GB").contains("is not above zero"));
        let unknown = err("lru:5m");
        assert!(unknown.starts_with("--policy \"lru:5m\": unknown policy \"lru\": expected fixed:TIME"), "{unknown}");
        // Every bad one in a list, one a line; a repeat is refused.
        let list = parse_policies("fixed:10m,nope,hybrid:x,fixed:600s").unwrap_err();
        assert_eq!(list.lines().count(), 3, "{list}");
        assert!(list.lines().nth(2).unwrap().contains("fixed:10m is listed twice"), "{list}");
    }

    fn histogram(idle_minutes: &[u64], range: SimDuration) -> IdleHistogram {
        let mut h = IdleHistogram::new(range);
        for &m in idle_minutes {
            h.record(min(m) + SimDuration::from_secs(30));
        }
        h
    }

    #[test]
    fn periodic_idle_times_pre_warm_just_before_and_keep_to_just_after() {
        // An app invoked every 30 minutes: all idle times in bin 30. Head = tail = 30:
        // unloaded at once, loaded at 30 min x 0.9 = 27 min, kept to 31 min x 1.1 = 34.1 min.
        let h = histogram(&[30; 20], min(240));
        assert_eq!(h.percentile_bin(HEAD_PERCENTILE), 30);
        assert_eq!(h.percentile_bin(TAIL_PERCENTILE), 30);
        // 240 bins, one holding 20: mean 1/12, CV = sqrt(240) exactly.
        assert!((h.cv() - 240f64.sqrt()).abs() < 1e-9, "{}", h.cv());
        let w = h.windows(min(240));
        assert_eq!(w.pattern, Pattern::Histogram);
        assert_eq!(w.prewarm, SimDuration::from_secs(27 * 60));
        assert_eq!(w.until, SimDuration::from_secs_f64(31.0 * 60.0 * 1.1));
    }

    #[test]
    fn bursty_idle_times_keep_alive_from_zero_to_the_tail() {
        // Bursts of back-to-back requests (idle < 1 min) separated by 10-minute gaps:
        // head bin 0 (no pre-warming), the 99th percentile in bin 10.
        let mut idle = vec![0; 90];
        idle.extend([10; 10]);
        let w = histogram(&idle, min(240)).windows(min(240));
        assert_eq!((w.pattern, w.prewarm), (Pattern::Histogram, SimDuration::ZERO));
        assert_eq!(w.until, SimDuration::from_secs_f64(11.0 * 60.0 * 1.1));
    }

    #[test]
    fn rare_and_spread_out_apps_fall_back_to_keeping_alive_for_the_range() {
        // Fewer idle times than MIN_IDLE_TIMES: not yet a histogram.
        let few = histogram(&[45, 45, 45], min(240)).windows(min(240));
        assert_eq!((few.pattern, few.prewarm, few.until), (Pattern::NotRepresentative, SimDuration::ZERO, min(240)));
        // One idle time in each of 10 bins of a 10-bin range: every count 1, CV 0.
        let even: Vec<u64> = (0..10).collect();
        let h = histogram(&even, min(10));
        assert_eq!(h.cv(), 0.0);
        assert_eq!(h.windows(min(10)).pattern, Pattern::NotRepresentative);
    }

    #[test]
    fn out_of_bounds_apps_use_the_last_long_idle_time_as_the_forecast() {
        // A daily job seen through a 1-hour range: idle times of 5 h, out of bounds.
        let h = histogram(&[300, 300, 300, 2, 300], min(60));
        assert_eq!(h.samples(), 5);
        let w = h.windows(min(60));
        let f: f64 = 300.0 * 60.0 + 30.0;
        assert_eq!(w.pattern, Pattern::OutOfBounds);
        assert_eq!(w.prewarm, SimDuration::from_secs_f64(f * 0.85));
        assert_eq!(w.until, SimDuration::from_secs_f64(f * 1.15));
    }
}
