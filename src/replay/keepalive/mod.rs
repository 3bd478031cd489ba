//! Keep-alive policies on a trace, as Shahrad et al. evaluate them ("Serverless in the
//! Wild", USENIX ATC 2020, the cold starts vs wasted memory figure): for each policy
//! setting, the 75th percentile over applications of the application's cold-start
//! percentage, and the wasted memory time (memory x time an environment is loaded but
//! idle), normalised to fixed 10-minute keep-alive.
//!
//! `model.rs` runs one policy setting over the trace (see there what is modelled), this
//! file runs every setting on threads and normalises their waste, and `text.rs` prints
//! the comparison.

mod model;
mod text;

use super::parse::Trace;
use super::policy::{Policy, PolicyFamily};
use super::{ProgressFn, Tally};
use crate::sim::kernel::time::SimDuration;
use model::{prepare, run_policy};
use serde::Serialize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A cold start's delay before the run: the simulator's medians for the replay's runtime
/// (Node.js), 120 ms placing and starting the sandbox + 140 ms runtime start (see
/// `Runtime::start_median_secs`). Constant here: it only delays a run's end.
pub const COLD_START: SimDuration = SimDuration::from_millis(260);

/// One policy setting's outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyResult {
    /// The setting, spelled as `--policy` takes it.
    pub policy: String,
    pub family: PolicyFamily,
    pub invocations: u64,
    pub cold_starts: u64,
    /// Over all invocations.
    pub cold_start_percent: f64,
    /// The paper's y axis: the 75th percentile (nearest rank) over the applications
    /// invoked at least once of their cold starts over invocations, in percent.
    pub p75_app_cold_start_percent: f64,
    /// Memory x time environments were loaded but idle, in GB-s (within the trace).
    pub wasted_gb_seconds: f64,
    /// The paper's x axis: `wasted_gb_seconds` over fixed 10-minute keep-alive's.
    pub wasted_memory_normalised: f64,
    /// The most environments alive at once (busy, idle or waiting to be pre-warmed).
    pub peak_environments: u64,
    /// Hybrid: how many apps ended in each of the policy's cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hybrid_apps: Option<HybridApps>,
    /// Greedy-dual: idle environments evicted to stay within the budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evictions: Option<u64>,
    /// Each invoked app's cold-start percentage, in trace order (for charts; not in JSON).
    #[serde(skip)]
    pub app_cold_start_percent: Vec<f64>,
}

/// The hybrid policy's last decision per app (apps that never went idle are in none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HybridApps {
    pub histogram: usize,
    pub not_representative: usize,
    pub out_of_bounds: usize,
}

/// All policy settings on one trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyComparison {
    pub seed: u64,
    pub minutes: usize,
    pub functions: usize,
    pub apps: usize,
    pub invocations: u64,
    /// The setting wasted memory is normalised to (run even when not asked for).
    pub baseline: String,
    pub results: Vec<PolicyResult>,
}

/// The nearest-rank percentile (the smallest value with at least `p` of the values at
/// or below it); 0 for none.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs every policy setting (and fixed 10-minute keep-alive, the baseline, if it is
/// not among them: it is listed first then) on `threads` threads. Each run is a pure
/// function of the trace, the policy and the seed, and lands in its own slot, so the
/// result is the same for any number of threads. `progress` hears how much of the trace
/// the settings have simulated (see `ProgressFn`).
pub fn compare_policies(
    trace: &Trace,
    policies: &[Policy],
    seed: u64,
    threads: usize,
    progress: Option<ProgressFn>,
) -> Result<PolicyComparison, String> {
    if policies.is_empty() {
        return Err("--policy: no policy setting given".into());
    }
    let mut settings = policies.to_vec();
    if !settings.contains(&Policy::BASELINE) {
        settings.insert(0, Policy::BASELINE);
    }
    let prepared = prepare(trace);
    let slots: Mutex<Vec<Option<Result<PolicyResult, String>>>> = Mutex::new(vec![None; settings.len()]);
    let next = AtomicUsize::new(0);
    let tally = &Tally::new(settings.len(), trace, progress);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, settings.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&policy) = settings.get(i) else { break };
                    let result = run_policy(trace, &prepared, policy, seed, tally);
                    slots.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                }
            });
        }
    });
    let mut results: Vec<PolicyResult> =
        slots.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().flatten().collect::<Result<_, _>>()?;
    let baseline =
        results.iter().find(|r| r.policy == Policy::BASELINE.to_string()).map_or(0.0, |r| r.wasted_gb_seconds);
    for r in &mut results {
        r.wasted_memory_normalised = if baseline > 0.0 { r.wasted_gb_seconds / baseline } else { 0.0 };
    }
    Ok(PolicyComparison {
        seed,
        minutes: trace.minutes,
        functions: trace.functions.len(),
        apps: prepared.app_memory_mb.len(),
        invocations: trace.total_invocations(),
        baseline: Policy::BASELINE.to_string(),
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::parse::{CsvFile, parse};

    fn trace(rows: &str, minutes: usize) -> Trace {
        let header: Vec<String> = (0..minutes).map(|m| m.to_string()).collect();
        let text = format!("HashOwner,HashApp,HashFunction,Trigger,{}\n{rows}", header.join(","));
        let mut t = parse(CsvFile { name: "t", text: &text }, None, None).unwrap();
        for f in &mut t.functions {
            f.memory_mb = 1024;
            f.duration = crate::sim::kernel::dist::Dist::constant(SimDuration::from_secs(1));
        }
        t
    }

    fn row(app: &str, counts: &[u32]) -> String {
        let cells: Vec<String> = counts.iter().map(u32::to_string).collect();
        format!("o,{app},f{app},http,{}\n", cells.join(","))
    }

    fn one(t: &Trace, policy: Policy) -> PolicyResult {
        compare_policies(t, &[policy], 7, 1, None)
            .unwrap()
            .results
            .into_iter()
            .find(|r| r.policy == policy.to_string())
            .unwrap()
    }

    #[test]
    fn a_single_request_is_one_cold_start_and_then_the_keep_alive_is_wasted() {
        // One request in minute 0 of a 60-minute trace, 1 GB, 1 s run: one cold start,
        // then 10 minutes idle and loaded = 600 GB-s exactly.
        let mut counts = vec![0; 60];
        counts[0] = 1;
        let t = trace(&row("a", &counts), 60);
        let r = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) });
        assert_eq!((r.invocations, r.cold_starts, r.peak_environments), (1, 1, 1));
        assert_eq!(r.wasted_gb_seconds, 600.0);
        assert_eq!(r.wasted_memory_normalised, 1.0);
        // The trace ends before a 2-hour keep-alive would: the waste stops at its end,
        // 3600 s minus the request's arrival, cold start and run.
        let long = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(7200) });
        assert!(long.wasted_gb_seconds > 3600.0 - 61.3 && long.wasted_gb_seconds < 3600.0 - 1.26, "{long:?}");
    }

    #[test]
    fn requests_closer_than_the_keep_alive_are_warm() {
        // One request a minute for 30 minutes: the first is cold, the rest find the
        // environment warm under 10-minute keep-alive (gaps under 2 minutes); under a
        // 1-second keep-alive almost every one is cold.
        let t = trace(&row("a", &[1; 30]), 30);
        assert_eq!(one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) }).cold_starts, 1);
        assert!(one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(1) }).cold_starts >= 29);
    }

    #[test]
    fn hybrid_pre_warms_a_periodic_app_and_holds_no_memory_in_between() {
        // A request every 20 minutes for 8 hours (24 requests). Fixed 10-minute keep-alive:
        // all 24 cold, 10 min wasted after each. Hybrid: after MIN_IDLE_TIMES idle times
        // the histogram says bin 19 (a ~19-minute idle time): pre-warm at 17.1 min, keep
        // to 22 min. Only the first requests (before the pattern is learnt) are cold,
        // and each later wait wastes at most 22 - 17.1 = 4.9 minutes.
        let counts: Vec<u32> = (0..480).map(|m| u32::from(m % 20 == 0)).collect();
        let t = trace(&row("a", &counts), 480);
        let fixed = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) });
        let hybrid = one(&t, Policy::Hybrid { range: SimDuration::from_secs(4 * 3600) });
        assert_eq!(fixed.cold_starts, 24);
        assert!(hybrid.cold_starts <= 2, "{hybrid:?}");
        assert_eq!(hybrid.hybrid_apps, Some(HybridApps { histogram: 1, not_representative: 0, out_of_bounds: 0 }));
        assert!(hybrid.wasted_memory_normalised < 1.0, "{hybrid:?}");
    }

    #[test]
    fn greedy_dual_keeps_idle_memory_within_its_budget() {
        // Two 1 GB apps, requests alternating every few minutes, with a budget of one
        // environment: every idle environment beyond the first is evicted at once.
        let a: Vec<u32> = (0..120).map(|m| u32::from(m % 6 == 0)).collect();
        let b: Vec<u32> = (0..120).map(|m| u32::from(m % 6 == 3)).collect();
        let t = trace(&(row("a", &a) + &row("b", &b)), 120);
        let tight = one(&t, Policy::GreedyDual { budget_mb: 1024 });
        let roomy = one(&t, Policy::GreedyDual { budget_mb: 2048 });
        // Room for both: only the two first requests are cold, nothing is evicted.
        assert_eq!((roomy.cold_starts, roomy.evictions), (2, Some(0)));
        // Room for one: the two apps keep evicting each other.
        assert!(tight.cold_starts > 20, "{tight:?}");
        assert_eq!(tight.evictions, Some(tight.cold_starts - 1));
        // At most 1 GB idle at any time: the waste is at most 1 GB x the trace.
        assert!(tight.wasted_gb_seconds <= 7200.0);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let rows: String = (0..12)
            .map(|i| row(&format!("a{i}"), &(0..90).map(|m| ((m * (i + 3)) % 7 % 3) as u32).collect::<Vec<_>>()))
            .collect();
        let t = trace(&rows, 90);
        let policies =
            crate::replay::policy::parse_policies("fixed:1m,fixed:20m,hybrid,hybrid:1h,greedy-dual:3GB").unwrap();
        let one_thread = compare_policies(&t, &policies, 3, 1, None).unwrap();
        let three = compare_policies(&t, &policies, 3, 3, None).unwrap();
        assert_eq!(one_thread, three);
        assert_eq!(one_thread.results.len(), 6, "the baseline is added first");
        assert_eq!(one_thread.results[0].policy, "fixed:10m");
        // Conservation: every request of the trace is served once under every policy.
        assert!(one_thread.results.iter().all(|r| r.invocations == t.total_invocations()));
    }

    #[test]
    fn nearest_rank_percentile() {
        assert_eq!(percentile(&[], 0.75), 0.0);
        assert_eq!(percentile(&[5.0], 0.75), 5.0);
        assert_eq!(percentile(&[4.0, 1.0, 3.0, 2.0], 0.75), 3.0);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.75), 4.0);
    }

    #[test]
    fn a_minute_too_large_to_draw_at_once_arrives_in_order_and_environments_are_bounded() {
        // 200 000 requests in minute 1 (past `DRAWN_AT_ONCE`, so generated in order), of
        // 1 s each, every one counted. At 3 333 a second, while the pool grows, each
        // holds its environment for the cold start and the run, 1.26 s: 4 200 at once
        // on average (Little's law), the peak a few standard deviations (65) above.
        let t = trace(&row("a", &[3, 200_000, 2]), 3);
        let r = one(&t, Policy::Fixed { keep_alive: SimDuration::from_secs(600) });
        assert_eq!(r.invocations, 200_005);
        assert!((4_200..4_460).contains(&r.peak_environments), "{r:?}");
        // 1 100 000 in minute 0 of 2 minutes each need that many at once: refused at the
        // bound, with the minute, not grown to whatever the trace asks.
        let mut t = trace(&row("a", &[1_100_000]), 1);
        t.functions[0].duration = crate::sim::kernel::dist::Dist::constant(SimDuration::from_secs(120));
        let err =
            compare_policies(&t, &[Policy::Fixed { keep_alive: SimDuration::from_secs(600) }], 7, 1, None).unwrap_err();
        assert_eq!(
            err,
            format!(
                "policy fixed:10m: the trace needs more than {} environments at once (minute 0 of the trace); a replay runs at most that many, the highest account concurrency limit faaslab accepts",
                model::MAX_ENVIRONMENTS
            )
        );
    }
}
