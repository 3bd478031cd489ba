//! Trace replay: the real Azure Functions 2019 sample replayed exactly, keep-alive's
//! trade-off measured on it, and malformed CSV files reported line by line.

use crate::cli::faaslab;
use faaslab::replay::{self, Comparison, Trace};
use faaslab::sim::kernel::time::SimDuration;
use std::path::{Path, PathBuf};

/// The sample lives beside the checkout (not in the repository): ../shared/data/...
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/azure-functions-2019-sample");

fn sample_file(name: &str) -> Option<PathBuf> {
    let path = Path::new(SAMPLE).join(name);
    if path.exists() {
        Some(path)
    } else {
        println!("note: {} is absent; skipping the sample replay test", path.display());
        None
    }
}

fn load_sample() -> Option<Trace> {
    let [inv, dur, mem] = ["invocations.csv", "durations.csv", "memory.csv"].map(sample_file);
    let trace = replay::load(&inv?, Some(&dur?), Some(&mem?)).unwrap_or_else(|e| panic!("the sample parses:\n{e}"));
    Some(trace)
}

fn keep_alives() -> Vec<SimDuration> {
    [5, 10, 20, 60].iter().map(|m| SimDuration::from_secs(60 * m)).collect()
}

fn compare_sample(trace: &Trace) -> Comparison {
    replay::compare(trace, &keep_alives(), 1).expect("the sample runs")
}

/// The trace's total, summed straight from the CSV text (independently of the parser).
fn hand_count(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines().skip(1).flat_map(|l| l.split(',').skip(4)).map(|c| c.trim().parse::<u64>().unwrap()).sum()
}

#[test]
fn the_replayed_invocation_count_equals_the_trace_total_exactly() {
    let (Some(trace), Some(inv)) = (load_sample(), sample_file("invocations.csv")) else { return };
    let total = hand_count(&inv);
    assert_eq!(total, 339_657);
    assert_eq!(trace.total_invocations(), total);
    assert_eq!((trace.functions.len(), trace.minutes), (100, 480));
    let c = compare_sample(&trace);
    let (busiest, rarest) = (c.busiest.as_ref().unwrap(), c.rarest.as_ref().unwrap());
    assert_eq!((busiest.invocations, rarest.invocations), (273_379, 1));
    // 13 functions ran once; the rarest is the first of them in file order.
    let first_single = trace.functions.iter().find(|f| f.invocations() == 1).unwrap();
    assert_eq!((rarest.hash_function.as_str(), rarest.functions_with_this_count), (first_single.function.as_str(), 13));
    for s in &c.settings {
        assert_eq!(s.total.arrived, total, "keep-alive {}", s.keep_alive);
        assert_eq!(s.busiest.as_ref().unwrap().arrived, busiest.invocations);
        assert_eq!(s.rarest.as_ref().unwrap().arrived, 1);
        assert_eq!(s.total.throttled, 0, "the limits never bind");
        // Only requests still starting when the trace ends have not started.
        assert!(total - s.total.invocations < 50, "{} started", s.total.invocations);
    }
}

#[test]
fn cold_starts_fall_and_idle_memory_grows_as_keep_alive_grows() {
    let Some(trace) = load_sample() else { return };
    let c = compare_sample(&trace);
    let pct: Vec<f64> = c.settings.iter().map(|s| s.total.cold_start_percent).collect();
    let idle: Vec<f64> = c.settings.iter().map(|s| s.total.idle_gb_seconds).collect();
    println!("keep-alive 5m/10m/20m/60m: cold-start % {pct:?}, idle GB-s {idle:?}");
    assert!(pct.windows(2).all(|w| w[0] > w[1]), "cold-start % must fall: {pct:?}");
    assert!(idle.windows(2).all(|w| w[0] < w[1]), "idle GB-s must grow: {idle:?}");
    // Not by a rounding error: a minute of keep-alive more or less is a real difference.
    assert!(pct[0] > 3.0 * pct[3], "{pct:?}");
    assert!(idle[3] > 1.3 * idle[0], "{idle:?}");
    // The rarest function runs once: one cold start, then one environment idle for at
    // most the keep-alive (exactly it, unless the trace ends first).
    let rarest = c.rarest.as_ref().unwrap();
    for s in &c.settings {
        let r = s.rarest.as_ref().unwrap();
        assert_eq!((r.cold_starts, r.cold_start_percent), (1, 100.0));
        let bound = f64::from(rarest.memory_mb) / 1024.0 * s.keep_alive_seconds;
        assert!(r.idle_gb_seconds > 0.0 && r.idle_gb_seconds <= bound + 1e-6, "{} vs {bound}", r.idle_gb_seconds);
    }
}

#[test]
fn the_bill_matches_the_trace_arithmetic() {
    let Some(trace) = load_sample() else { return };
    let c = replay::compare(&trace, &[SimDuration::from_secs(600)], 2).unwrap();
    // Requests at $0.20 per million, and each function's invocations x its mean
    // execution time x its memory at $0.0000166667 per GB-s; the simulation adds init
    // time (about 945 cold starts x ~0.26 s) and draws its own execution times.
    let gb_seconds: f64 = trace
        .functions
        .iter()
        .map(|f| f.invocations() as f64 * f.duration.mean_secs() * f64::from(f.memory_mb) / 1024.0)
        .sum();
    let expected = trace.total_invocations() as f64 * 0.2e-6 + gb_seconds * 0.000_016_666_7;
    let billed = c.settings[0].total.cost_usd;
    println!("billed {billed}, trace arithmetic {expected}");
    assert!((billed - expected).abs() / expected < 0.03, "billed {billed}, trace arithmetic {expected}");
}

#[test]
fn a_replay_is_a_pure_function_of_trace_and_seed() {
    let text = format!("{HEADER}o1,a1,f1,http,40,0,90\no2,a2,f2,queue,0,0,0\no3,a3,f3,timer,1,1,1\n");
    let trace = replay::parse(replay::CsvFile { name: "t", text: &text }, None, None).unwrap();
    let settings = [SimDuration::from_secs(30), SimDuration::from_secs(600)];
    let a = replay::compare(&trace, &settings, 7).unwrap();
    assert_eq!(a.to_json(), replay::compare(&trace, &settings, 7).unwrap().to_json());
    assert_eq!(a.settings[0].total.arrived, 133);
    // Never invoked: neither the busiest nor the rarest.
    assert_eq!(a.busiest.as_ref().map(|f| f.invocations), Some(130));
    assert_eq!(a.rarest.as_ref().map(|f| f.invocations), Some(3));
    // A 10 m keep-alive spans the 1 m gaps of the timer: its only cold start is the first.
    assert_eq!(a.settings[1].rarest.as_ref().unwrap().cold_starts, 1);
}

#[test]
fn a_scenario_file_can_replay_a_trace() {
    let s = crate::harness::scenario(
        r#"Scenario(
            name: "trace", duration: "5m",
            functions: [(name: "api", runtime: Python, duration: Constant(value: "100ms"))],
            triggers: [Http(name: "t", target: "api", arrivals: Trace(per_minute: [12, 0, 300, 7, 1, 99]))],
        )"#,
    );
    let report = crate::harness::report_with_seed(&s, 4);
    // The sixth minute is past the end of the run: 12 + 0 + 300 + 7 + 1.
    assert_eq!(report.requests.arrived, 320);
}

/// Writes `text` to a file in a per-process temporary directory.
fn temp_csv(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("faaslab-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const HEADER: &str = "HashOwner,HashApp,HashFunction,Trigger,480,481,482\n";

#[test]
fn malformed_rows_are_reported_with_their_line_numbers_and_none_is_dropped() {
    let good = ["o1,a1,f1,http,1,2,3", "o4,a4,f4,timer,0,0,1", "o7,a7,f7,queue,5,0,5"];
    let text = format!(
        "{HEADER}{}\no2,a2,f2,http,1,2\n{}\no5,a5,f5,http,4,-2,0\no6,a6,f6,event,7,seven,0\n{}\n",
        good[0], good[1], good[2]
    );
    let path = temp_csv("malformed.csv", &text);
    let out = faaslab(&["replay", &path, "--keep-alive", "5m,10m"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "one line per bad row, no more, no less:\n{err}");
    assert_eq!(lines[0], format!("{path}:3: 6 columns, but the header has 7"));
    assert_eq!(lines[1], format!("{path}:5: minute 481 (column 6): -2 is negative (a count is a whole number >= 0)"));
    assert_eq!(lines[2], format!("{path}:6: minute 481 (column 6): \"seven\" is not a count (a whole number >= 0)"));
    assert!(out.stdout.is_empty(), "nothing is replayed from a file with bad rows");
    assert!(!err.contains("panicked"));

    // Once the bad rows are fixed, every row is there: none was skipped on the way.
    let fixed = text.replace("1,2\n", "1,2,0\n").replace("-2", "2").replace("seven", "7");
    let trace = replay::load(Path::new(&temp_csv("fixed.csv", &fixed)), None, None).unwrap();
    let lines: Vec<usize> = trace.functions.iter().map(|f| f.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 6, 7]);
    assert_eq!(trace.total_invocations(), 6 + 3 + 1 + 6 + 14 + 10);
}

#[test]
fn every_bad_line_is_listed_even_far_apart_and_in_the_companion_files() {
    let mut text = String::from(HEADER);
    for i in 0..200 {
        let row = match i {
            10 => "o,a,f10,http,1,2,3,4".to_string(),
            150 => "o,a,f150,http,1,-1,1".to_string(),
            199 => "o,a,f199,http,1,1,1e3".to_string(),
            _ => format!("o,a,f{i},http,1,1,1"),
        };
        text.push_str(&row);
        text.push('\n');
    }
    let inv = temp_csv("long.csv", &text);
    let memory = temp_csv("memory.csv", "HashOwner,HashApp,AverageAllocatedMb\no,a,lots\n");
    let out = faaslab(&["replay", &inv, "--memory", &memory, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for at in [format!("{inv}:12:"), format!("{inv}:152:"), format!("{inv}:201:"), format!("{memory}:2:")] {
        assert!(err.contains(&at), "missing {at} in:\n{err}");
    }
    assert_eq!(err.lines().count(), 4, "{err}");
}

#[test]
fn the_command_prints_json_and_a_table() {
    let (Some(inv), Some(dur), Some(mem)) =
        (sample_file("invocations.csv"), sample_file("durations.csv"), sample_file("memory.csv"))
    else {
        return;
    };
    let [inv, dur, mem] = [inv, dur, mem].map(|p| p.display().to_string());
    let args = ["replay", &inv, "--durations", &dur, "--memory", &mem, "--keep-alive", "5m,1h"];
    let json_out = faaslab(&[&args[..], &["--format", "json"]].concat());
    assert!(json_out.status.success(), "{}", String::from_utf8_lossy(&json_out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&json_out.stdout).expect("valid JSON");
    assert_eq!(json["invocations"], 339_657);
    assert_eq!(json["settings"].as_array().unwrap().len(), 2);
    assert_eq!(json["settings"][1]["keep_alive_seconds"], 3600.0);
    for key in ["cold_starts", "cold_start_percent", "idle_gb_seconds", "cost_usd"] {
        assert!(json["settings"][0]["total"][key].is_number(), "settings[0].total.{key}");
        assert!(json["settings"][0]["busiest"][key].is_number(), "settings[0].busiest.{key}");
        assert!(json["settings"][0]["rarest"][key].is_number(), "settings[0].rarest.{key}");
    }
    let text_out = faaslab(&args);
    let text = String::from_utf8_lossy(&text_out.stdout);
    for words in ["keep-alive", "5m", "1h", "cold-start %", "idle memory-time (GB-s)", "Busiest", "Rarest", "cost"] {
        assert!(text.contains(words), "the table lacks {words:?}:\n{text}");
    }
    assert!(text.contains("Execution times: from the durations file for 100 functions (0 at the default"), "{text}");
    // Without the companion files the report says what it assumed and how to give them.
    let alone = String::from_utf8_lossy(&faaslab(&["replay", &inv, "--keep-alive", "5m"]).stdout).to_string();
    assert!(
        alone.contains("Execution times: none from a file (--durations FILE), all at the default 1000 ms; memory: none from a file (--memory FILE), all at the default 170 MB"),
        "{alone}"
    );
    let bad = faaslab(&["replay", &inv, "--keep-alive", "5m,soon"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--keep-alive: \"soon\""));
    let missing = faaslab(&["replay", "/no/such/trace.csv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such/trace.csv: cannot read"));
}

// Keep-alive policies (`faaslab replay --policy`): the dedicated model against the full
// simulation, the paper's result on the sample, thread independence, and scale.

fn policies(text: &str) -> Vec<replay::policy::Policy> {
    replay::policy::parse_policies(text).unwrap()
}

fn result<'a>(c: &'a replay::PolicyComparison, policy: &str) -> &'a replay::PolicyResult {
    c.results.iter().find(|r| r.policy == policy).unwrap_or_else(|| panic!("no {policy}"))
}

#[test]
fn the_policy_model_agrees_with_the_full_simulation_at_fixed_keep_alive() {
    // The same trace, the same keep-alive: the dedicated model (its own arrival and
    // execution-time draws, a constant cold start) and the full simulation count
    // cold starts within 5% of each other (measured: 944 and 945 at 10 minutes).
    let Some(trace) = load_sample() else { return };
    let full = replay::compare(&trace, &[SimDuration::from_secs(600), SimDuration::from_secs(3600)], 1).unwrap();
    let model = replay::compare_policies(&trace, &policies("fixed:10m,fixed:1h"), 1, 2, None).unwrap();
    for (setting, name) in full.settings.iter().zip(["fixed:10m", "fixed:1h"]) {
        let (des, fast) = (setting.total.cold_starts as f64, result(&model, name).cold_starts as f64);
        println!("{name}: full simulation {des} cold starts, policy model {fast}");
        assert!((des - fast).abs() <= 0.05 * des, "{name}: full simulation {des}, policy model {fast}");
        let (des_idle, fast_idle) = (setting.total.idle_gb_seconds, result(&model, name).wasted_gb_seconds);
        assert!((des_idle - fast_idle).abs() <= 0.05 * des_idle, "{name}: idle GB-s {des_idle} vs {fast_idle}");
    }
    assert_eq!(result(&model, "fixed:10m").cold_starts, 944);
}

#[test]
fn on_the_sample_hybrid_has_fewer_app_cold_starts_than_fixed_keep_alive_for_less_memory() {
    // The paper's qualitative result (Shahrad et al. 2020, the cold starts vs wasted
    // memory figure) on the 100-app sample, seed 1: the numbers the README quotes.
    let Some(trace) = load_sample() else { return };
    let c = replay::compare_policies(
        &trace,
        &policies("fixed:10m,fixed:20m,fixed:1h,hybrid:1h,hybrid:2h,hybrid"),
        1,
        2,
        None,
    )
    .unwrap();
    let row = |p: &str| {
        let r = result(&c, p);
        (r.p75_app_cold_start_percent, (r.wasted_memory_normalised * 1000.0).round() / 1000.0, r.cold_starts)
    };
    for r in &c.results {
        println!(
            "{}: p75 {:.2}%, wasted x{:.3}, {} cold starts",
            r.policy, r.p75_app_cold_start_percent, r.wasted_memory_normalised, r.cold_starts
        );
    }
    assert_eq!(row("fixed:10m"), (100.0, 1.0, 944));
    assert_eq!(row("fixed:20m").0, 200.0 / 3.0);
    assert_eq!(row("fixed:1h").0, 100.0 / 3.0);
    assert_eq!(row("hybrid:1h").0, 100.0 / 3.0);
    assert_eq!(row("hybrid:2h").0, 80.0 / 3.0);
    assert_eq!(row("hybrid:4h").0, 20.0);
    // Fewer app cold starts than fixed 10 minutes, for less wasted memory.
    for p in ["hybrid:1h", "hybrid:2h"] {
        let (p75, wasted, _) = row(p);
        assert!(p75 < row("fixed:10m").0 / 2.0 && wasted < 1.0, "{p}: {p75}% at x{wasted}");
    }
    // And below the fixed policy's curve: as few app cold starts as a 1-hour keep-alive
    // (hybrid:1h) for 35% less memory than it.
    assert!(row("hybrid:1h").1 < 0.65 * row("fixed:1h").1, "{:?} vs {:?}", row("hybrid:1h"), row("fixed:1h"));
    // The price is paid by the busiest apps: the tail bin of an app invoked every few
    // seconds is the first minute, so its environments are kept 66 s, not 10 minutes,
    // and more of its requests are cold (the total rises while the 75th percentile falls).
    assert!(row("hybrid:4h").2 > row("fixed:10m").2);
}

#[test]
fn progress_counts_every_setting_s_trace_time_once_and_ends_at_all_of_it() {
    // A made-up trace (the sample may be absent): 3 minutes, each setting runs them all.
    let text = "HashOwner,HashApp,HashFunction,Trigger,1,2,3\no,a,f,http,40,0,7\no,b,g,timer,1,1,1\n";
    let trace = replay::parse(replay::CsvFile { name: "t.csv", text }, None, None).unwrap();
    let minute = 60_000_000u64;
    let heard = std::sync::Mutex::new(Vec::new());
    let hear = |done: u64, total: u64| heard.lock().unwrap().push((done, total));
    let watched = replay::compare_watched(&trace, &keep_alives(), 1, Some(&hear)).unwrap();
    assert_eq!(
        watched.to_json(),
        replay::compare(&trace, &keep_alives(), 1).unwrap().to_json(),
        "watching changes nothing"
    );
    // (Settings run on threads of their own: calls may arrive slightly out of order.)
    let told = std::mem::take(&mut *heard.lock().unwrap());
    assert!(told.len() >= 4 && told.iter().all(|&(done, total)| done <= total && total == 12 * minute), "{told:?}");
    assert_eq!(told.iter().max(), Some(&(12 * minute, 12 * minute)));
    // The policy model: three settings and the baseline it adds, told a minute at a time.
    let list = policies("fixed:5m,hybrid:2h,greedy-dual:4GB");
    let watched = replay::compare_policies(&trace, &list, 9, 2, Some(&hear)).unwrap();
    assert_eq!(watched, replay::compare_policies(&trace, &list, 9, 2, None).unwrap());
    let told = heard.into_inner().unwrap();
    assert!(told.len() >= 4 && told.iter().all(|&(done, total)| done <= total && total == 12 * minute), "{told:?}");
    assert_eq!(told.iter().max(), Some(&(12 * minute, 12 * minute)));
}

#[test]
fn the_policy_comparison_is_the_same_on_one_thread_and_on_four() {
    let Some(trace) = load_sample() else { return };
    let list = policies("fixed:5m,hybrid:2h,greedy-dual:4GB");
    let one = replay::compare_policies(&trace, &list, 9, 1, None).unwrap();
    let four = replay::compare_policies(&trace, &list, 9, 4, None).unwrap();
    assert_eq!(one, four);
    assert_eq!(one.to_json(), four.to_json());
    assert_eq!(replay::chart(&one, "t"), replay::chart(&four, "t"));
}

#[test]
fn a_synthesised_longer_trace_replays_every_request_in_bounded_environments() {
    // Item 5 at test size: the sample tiled to 16 hours and 3 copies (300 functions,
    // about 2 million requests); the whole-day measurement is in the README.
    let (Some(inv), Some(mem)) = (sample_file("invocations.csv"), sample_file("memory.csv")) else { return };
    let text = |p: &Path| std::fs::read_to_string(p).unwrap();
    let s = replay::synth::synthesize(&text(&inv), None, Some(&text(&mem)), 960, 3, 5).unwrap();
    let trace = replay::parse(
        replay::CsvFile { name: "inv", text: &s.invocations },
        None,
        s.memory.as_deref().map(|t| replay::CsvFile { name: "mem", text: t }),
    )
    .unwrap();
    assert_eq!((trace.functions.len(), trace.minutes), (300, 960));
    let c = replay::compare_policies(&trace, &policies("fixed:10m,hybrid,greedy-dual:8GB"), 1, 2, None).unwrap();
    assert_eq!(c.apps, 300);
    for r in &c.results {
        // Every request served once; never more environments at once than a few per
        // app (a run lasts seconds, the sample's busiest minute is ~1 300 requests).
        assert_eq!(r.invocations, trace.total_invocations(), "{}", r.policy);
        assert!(r.peak_environments < 1000, "{}: {}", r.policy, r.peak_environments);
    }
    // Copy 0 is the sample tiled: its first 480 minutes are the sample's.
    let sample = load_sample().unwrap();
    assert_eq!(&trace.functions[0].per_minute[..480], &*sample.functions[0].per_minute);
}

#[test]
fn the_policy_command_prints_a_table_json_and_a_chart_and_names_bad_policies() {
    let text = format!("{HEADER}o1,a1,f1,http,40,0,90\no2,a2,f2,queue,0,0,0\no3,a3,f3,timer,1,1,1\n");
    let inv = temp_csv("policies.csv", &text);
    let svg = std::env::temp_dir().join(format!("faaslab-replay-{}", std::process::id())).join("chart.svg");
    let svg = svg.display().to_string();
    let out = faaslab(&["replay", &inv, "--policy", "fixed:20m,hybrid,greedy-dual:1GB", "--chart-out", &svg]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    for line in ["fixed:10m", "fixed:20m", "hybrid:4h", "greedy-dual:1GB", "p75 app cold"] {
        assert!(table.contains(line), "{line} missing:\n{table}");
    }
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg") && chart.trim_end().ends_with("</svg>"));
    assert_eq!(chart.matches("<circle").count(), 2 + 1, "two fixed settings and the legend");
    assert_eq!(chart.matches("<rect x=").count(), 1 + 1, "one hybrid setting and the legend");
    let json = faaslab(&["replay", &inv, "--policy", "hybrid:1h", "--format", "json", "--threads", "1"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["baseline"], "fixed:10m");
    assert_eq!(v["results"][1]["policy"], "hybrid:1h");
    assert_eq!(v["results"][1]["invocations"], 133);
    assert!(v["results"][1]["hybrid_apps"].is_object());
    for (policy, message) in [
        ("fixed:-3m", "--policy \"fixed:-3m\": \"-3m\" is negative"),
        ("hybrid:banana", "--policy \"hybrid:banana\": the histogram range: \"banana\" is not a duration"),
        ("warmest", "--policy \"warmest\": unknown policy \"warmest\": expected fixed:TIME"),
    ] {
        let out = faaslab(&["replay", &inv, "--policy", policy]);
        assert_eq!(out.status.code(), Some(2), "{policy}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{policy}: {err}");
        assert!(out.stdout.is_empty());
    }
    let out = faaslab(&["replay", &inv, "--chart-out", &svg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--chart-out: the chart plots a policy comparison"));
}
