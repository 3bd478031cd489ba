//! /tmp (ephemeral storage): a kept file is downloaded once per new environment, results
//! kept there are lost exactly when their environment is reclaimed, a full /tmp fails
//! the invocation, and the storage above the free 512 MB is billed per GB-second.

use crate::harness::{run, scenario};
use faaslab::report::Report;
use faaslab::scenario::objective::Objective;

/// One function with no cold start and a 10 ms handler making `calls`, `fields` added to
/// it, requests from `arrivals`, over `duration`.
fn tmp_user(fields: &str, calls: &str, arrivals: &str, duration: &str) -> String {
    format!(
        r#"Scenario(name: "tmp", duration: "{duration}", seed: 3,
        functions: [(name: "f", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 1024,
                     duration: Constant(value: "10ms"), {fields} calls: [{calls}])],
        buckets: [(name: "models"), (name: "results")],
        triggers: [Http(name: "users", target: "f", arrivals: {arrivals})])"#
    )
}

/// Four requests: three a few seconds apart on one environment, which then idles past
/// its 30 s keep-alive and is reclaimed (at 50.01 s); the fourth, at 100 s, starts a new one.
const FOUR: &str = r#"At(times: ["1s", "10s", "20s", "100s"])"#;

#[test]
fn a_kept_tmp_file_is_downloaded_exactly_once_per_new_environment() {
    // 120 MB at 60 MB/s: a 2 s download, on the first request of each environment.
    let model = r#"TmpFile(from: "models", size_mb: 120.0, mb_per_s: 60.0)"#;
    let r = Report::of(&run(&scenario(&tmp_user(r#"keep_alive: "30s","#, model, FOUR, "120s"))), "t");
    let f = &r.functions[0];
    assert_eq!((f.cold_starts, f.tmp_downloads, f.tmp_file_hits), (2, 2, 2));
    assert_eq!(f.tmp_download_gb, 2.0 * 120.0 / 1024.0);
    assert_eq!(f.tmp_peak_mb, 120.0);
    // The two first requests of an environment wait for the download, the others do not.
    assert!((r.triggers[0].latency_ms.max - 2010.0).abs() < 1.0, "{}", r.triggers[0].latency_ms.max);
    assert!(r.triggers[0].latency_ms.p50 < 20.0);
    assert_eq!(r.triggers[0].requests.succeeded, 4);

    // Under Poisson traffic and random keep-alives: downloads = new environments, and
    // every other request found the file (traffic stops a minute before the end, so every
    // request has finished).
    let poisson = r#"Steps(steps: [(at: "0s", rate: 20.0), (at: "9m", rate: 0.0)])"#;
    let churn = r#"keep_alive: Random(Exponential(mean: "5s")),"#;
    let r = Report::of(&run(&scenario(&tmp_user(churn, model, poisson, "10m"))), "t");
    let f = &r.functions[0];
    assert!(f.cold_starts > 100, "environments come and go: {}", f.cold_starts);
    assert_eq!(f.tmp_downloads, f.cold_starts);
    assert_eq!(f.tmp_file_hits, f.invocations - f.cold_starts);
    assert_eq!(f.tmp_download_gb, f.tmp_downloads as f64 * 120.0 / 1024.0);

    // Not kept: every request downloads it, and /tmp holds nothing.
    let loaded = r#"TmpFile(from: "models", size_mb: 120.0, mb_per_s: 60.0, keep: false)"#;
    let r = Report::of(&run(&scenario(&tmp_user(churn, loaded, poisson, "10m"))), "t");
    let f = &r.functions[0];
    assert_eq!((f.tmp_downloads, f.tmp_file_hits, f.tmp_peak_mb), (f.invocations, 0, 0.0));
}

#[test]
fn results_kept_in_tmp_are_lost_exactly_when_their_environment_is_reclaimed() {
    let put = r#"Put(bucket: "results", size_kb: 1024.0, to_tmp: true)"#;
    let s = scenario(&tmp_user(r#"keep_alive: "30s","#, put, FOUR, "120s"));
    let sim = run(&s);
    let r = Report::of(&sim, "t");
    let f = &r.functions[0];
    // The first environment wrote three and was reclaimed; the second holds one.
    assert_eq!((f.tmp_results_written, f.tmp_results_lost, f.tmp_results_held), (4, 3, 1));
    assert_eq!(f.tmp_peak_mb, 3.0);
    assert_eq!(r.buckets[1].objects_created, 0, "nothing reached the bucket");
    assert_eq!(r.triggers[0].requests.succeeded, 4, "the handler never knew");
    // Lost work: all four (the held one goes with its environment).
    let lost = &Objective::NoMessageLost { allow_dlq: false }.evaluate(&sim, &r);
    assert!(!lost.passed);
    assert_eq!(lost.measured, 4.0);
    assert!(lost.why.as_deref().unwrap_or("").contains("3 lost when their environments were reclaimed"));

    // A full /tmp: 200 MB results in 512 MB, the third write fails (No space left on
    // device), the rest as before.
    let big = r#"Put(bucket: "results", size_kb: 204800.0, to_tmp: true)"#;
    let r = Report::of(&run(&scenario(&tmp_user(r#"keep_alive: "30s","#, big, FOUR, "120s"))), "t");
    let f = &r.functions[0];
    assert_eq!((f.tmp_full, f.errors, r.triggers[0].requests.failed), (1, 1, 1));
    assert_eq!((f.tmp_results_written, f.tmp_results_lost, f.tmp_results_held), (3, 2, 1));
    assert_eq!(f.tmp_peak_mb, 400.0);

    // Conservation under churn: every result written is lost or still held.
    let poisson = "Poisson(rate: 20.0)";
    let churn = r#"keep_alive: Random(Exponential(mean: "5s")), max_lifetime: "2m","#;
    let r = Report::of(&run(&scenario(&tmp_user(churn, put, poisson, "10m"))), "t");
    let f = &r.functions[0];
    assert!(f.tmp_results_lost > 1000 && f.tmp_results_held > 0, "{} {}", f.tmp_results_lost, f.tmp_results_held);
    assert_eq!(f.tmp_results_written, f.tmp_results_lost + f.tmp_results_held);
    assert_eq!(f.tmp_results_written, f.succeeded, "the Put is the handler's last step: one per success");

    // To the bucket instead (the `results_to` knob): durable, nothing in /tmp.
    let mut s = scenario(&tmp_user(r#"keep_alive: "30s","#, put, FOUR, "120s"));
    s.set_knob("f.results_to", "bucket").expect("a Put may go to the bucket");
    let r = Report::of(&run(&s), "t");
    assert_eq!(r.buckets[1].objects_created, 4);
    assert_eq!(r.functions[0].tmp_results_written, 0);
}

#[test]
fn ephemeral_storage_is_billed_per_gb_second_above_the_free_512_mb() {
    // Ten 10 ms invocations with 1536 MB of /tmp: 1 GB x 0.1 s billed = 0.1 GB-s at
    // $0.0000000309 (https://aws.amazon.com/lambda/pricing/, us-east-1), free tier or not.
    let ten = r#"At(times: ["1s", "2s", "3s", "4s", "5s", "6s", "7s", "8s", "9s", "10s"])"#;
    let bill = |fields: &str| {
        let mut s = scenario(&tmp_user(fields, "", ten, "20s"));
        s.config.account.free_tier = true;
        Report::of(&run(&s), "t")
    };
    let sized = bill("ephemeral_mb: 1536,");
    let free = bill("");
    assert!((sized.cost.ephemeral_usd - 0.1 * 0.000_000_030_9).abs() < 1e-20, "{}", sized.cost.ephemeral_usd);
    assert_eq!(free.cost.ephemeral_usd, 0.0);
    assert_eq!(sized.cost.compute_usd, free.cost.compute_usd, "memory is billed as before");
    assert!((sized.cost.total_usd - free.cost.total_usd - sized.cost.ephemeral_usd).abs() < 1e-20);
    assert!(!free.to_json().contains("ephemeral"), "a report without /tmp reads as before");
    assert_eq!(sized.functions[0].ephemeral_mb, Some(1536));
    // The knob reaches it, within AWS's range only.
    let mut s = scenario(&tmp_user("", "", ten, "20s"));
    s.set_knob("f.ephemeral_mb", "10240").expect("10,240 MB is the largest /tmp");
    assert_eq!(s.config.functions[0].ephemeral_mb, 10_240);
    assert!(s.set_knob("f.ephemeral_mb", "20000").is_err());
}
