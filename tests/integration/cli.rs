//! The command line as a user runs it: exit statuses, JSON keys, messages.

use std::path::PathBuf;
use std::process::{Command, Output};

pub fn faaslab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faaslab")).args(args).output().expect("the binary runs")
}

pub fn scenario_path(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name).display().to_string()
}

#[test]
fn run_prints_the_json_report_with_every_documented_key() {
    let path = scenario_path("keep-alive-steady-state.ron");
    let out = faaslab(&["run", &path, "--format", "json", "--duration", "30m", "--seed", "3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    for key in [
        "scenario",
        "seed",
        "simulated_seconds",
        "requests",
        "cold_starts",
        "cold_start_ratio",
        "latency_ms",
        "functions",
        "cost",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["seed"], 3);
    assert_eq!(json["simulated_seconds"], 1200.0); // 30 m minus the 10 m warm-up
    for key in ["arrived", "succeeded", "failed", "throttled", "timed_out", "in_flight"] {
        assert!(json["requests"][key].is_u64(), "requests.{key}");
    }
    let q = &json["requests"];
    let sum: u64 =
        ["succeeded", "failed", "throttled", "timed_out", "in_flight"].iter().map(|k| q[k].as_u64().unwrap()).sum();
    assert_eq!(q["arrived"].as_u64().unwrap(), sum);
    for key in ["mean", "p50", "p95", "p99", "max"] {
        assert!(json["latency_ms"][key].is_f64(), "latency_ms.{key}");
    }
    let f = &json["functions"][0];
    for key in [
        "name",
        "invocations",
        "cold_starts",
        "throttles",
        "errors",
        "avg_environments",
        "avg_busy",
        "avg_idle",
        "max_concurrency",
        "duration_ms",
    ] {
        assert!(f.get(key).is_some(), "functions[0].{key}");
    }
    for key in ["mean", "p50", "p95", "p99"] {
        assert!(f["duration_ms"][key].is_f64());
    }
    for key in ["total_usd", "requests_usd", "compute_usd", "provisioned_usd", "server_fleet_usd"] {
        assert!(json["cost"][key].is_f64(), "cost.{key}");
    }
}

#[test]
fn run_without_a_file_uses_the_default_scenario_and_explains_itself() {
    let out = faaslab(&["run"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for words in ["cold starts", "throttled", "p50", "p95", "p99", "Cost", "Server fleet"] {
        assert!(text.contains(words), "text report lacks {words:?}:\n{text}");
    }
}

#[test]
fn check_accepts_the_library() {
    let files: Vec<String> = crate::harness::library().into_iter().map(|(p, _)| p).collect();
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let out = faaslab(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches(": ok").count(), files.len());
}

#[test]
fn bad_flags_are_bad_input() {
    let path = scenario_path("default.ron");
    for args in [
        vec!["run", path.as_str(), "--duration", "ten minutes"],
        vec!["run", path.as_str(), "--duration", "1m"], // valid: steps after the end are never reached
        vec!["run", path.as_str(), "--format", "xml"],
        vec!["run", "/no/such/file.ron"],
    ] {
        let out = faaslab(&args);
        if args.contains(&"1m") {
            assert!(out.status.success(), "a 1 m run of the default scenario is valid");
            continue;
        }
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let out = faaslab(&["run", path.as_str(), "--duration", "0s"]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "--duration: the run must last longer than zero\n");
    let ka = scenario_path("keep-alive-steady-state.ron");
    let out = faaslab(&["run", &ka, "--duration", "5m"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warm-up"), "a run shorter than its warm-up is refused");
}

#[test]
fn run_exports_the_log_and_sampled_traces_as_json_lines() {
    let dir = std::env::temp_dir().join(format!("faaslab-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (log, traces) = (dir.join("log.jsonl"), dir.join("traces.jsonl"));
    let pipeline = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/pipeline.ron").display().to_string();
    let out = faaslab(&[
        "run",
        &pipeline,
        "--duration",
        "20s",
        "--log-out",
        log.to_str().unwrap(),
        "--trace-out",
        traces.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = |p: &PathBuf| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
            .collect()
    };
    let log = lines(&log);
    assert!(log.len() > 10_000);
    assert!(log.iter().all(|e| e["time_s"].is_f64() && e["function"].is_string()));
    let spans = lines(&traces);
    // One request in ten is traced; each traced message has its hops: queue wait,
    // the ingest attempt with its query inside it, then the second queue.
    let traced: std::collections::BTreeSet<u64> = spans.iter().map(|s| s["trace"].as_u64().unwrap()).collect();
    assert!(traced.iter().all(|t| t % 10 == 0));
    let trace = *traced.iter().nth(5).unwrap();
    let hops: Vec<&serde_json::Value> = spans.iter().filter(|s| s["trace"] == trace).collect();
    let of = |kind: &str, node: &str| hops.iter().find(|s| s["span"] == kind && s["node"] == node).copied();
    let attempt = of("Attempt", "ingest").expect("an ingest attempt");
    let query = of("Query", "store").expect("its query");
    assert!(of("QueueWait", "incoming").is_some() && of("QueueWait", "enriched").is_some());
    let t = |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap();
    assert!(
        t(attempt, "start_s") <= t(query, "start_s") && t(query, "end_s") <= t(attempt, "end_s"),
        "the query nests in its attempt"
    );
}

#[test]
fn challenge_exit_status_is_the_verdict() {
    let naive = faaslab(&["run", "memory-power-tuning", "--challenge"]);
    assert_eq!(naive.status.code(), Some(1), "128 MB is too slow");
    let text = String::from_utf8_lossy(&naive.stdout);
    assert!(text.contains("[FAIL] p99 latency of uploads") && text.contains("why: resize"), "{text}");
    let solved = faaslab(&["run", "memory-power-tuning", "--challenge", "--reference"]);
    assert_eq!(solved.status.code(), Some(0), "{}", String::from_utf8_lossy(&solved.stdout));
    let json =
        faaslab(&["run", "memory-power-tuning", "--challenge", "--set", "resize.memory=1769", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["passed"], serde_json::Value::Bool(true));
    assert_eq!(value["report"]["functions"][0]["memory_mb"], 1769);
    assert_eq!(value["objectives"].as_array().unwrap().len(), 2);
}

#[test]
fn sweep_prints_one_row_per_value() {
    let out = faaslab(&["sweep", "memory-power-tuning", "--param", "resize.memory=256,1769,3008", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = value["rows"].as_array().unwrap();
    assert_eq!(rows.iter().map(|r| r["value"].as_str().unwrap()).collect::<Vec<_>>(), ["256", "1769", "3008"]);
    assert_eq!(value["fastest"], 1);
}

/// Issue 16: a long run shows its progress, and Ctrl-C stops it with the report of the
/// run so far (exit 130) instead of killing it with nothing.
#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_long_run_with_the_report_so_far() {
    use std::process::Stdio;
    let child = Command::new(env!("CARGO_BIN_EXE_faaslab"))
        .args(["run", "benches/keep-alive-1000.ron", "--duration", "200h"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Past the first second, when the progress line starts.
    std::thread::sleep(std::time::Duration::from_millis(1600));
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let out = child.wait_with_output().expect("the run ends");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
    assert!(stdout.starts_with("Stopped at ") && stdout.contains("of 200h"), "{stdout}");
    assert!(stderr.contains("% (") && stderr.contains("stopped by Ctrl-C"), "{stderr}");
}

/// `run --series-out` writes the charts' time series as CSV: one row per bucket, and
/// every arrival and completion of the run in exactly one row.
#[test]
fn run_exports_the_time_series_as_csv() {
    let path = std::env::temp_dir().join(format!("faaslab-series-{}.csv", std::process::id()));
    let out = faaslab(&["run", "--format", "json", "--series-out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let csv = std::fs::read_to_string(&path).expect("written");
    let _ = std::fs::remove_file(&path);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(header[..4], ["start_s", "width_s", "arrivals", "completed"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let sum = |column: usize| rows.iter().map(|r| r[column].parse::<u64>().unwrap()).sum::<u64>();
    // The default scenario has no warm-up: the series and the report count the same.
    assert_eq!(sum(2), report["requests"]["arrived"].as_u64().unwrap());
    assert_eq!(sum(3), report["requests"]["succeeded"].as_u64().unwrap());
    // One row per second of the 10-minute run (the series doubles its width past 1024).
    assert_eq!(rows.len(), 600);
}

/// The app's "Export JSON" writes the same series as the CSV: a row an object, keyed by
/// the header, with every arrival counted once.
#[test]
fn the_series_as_json_holds_the_csv_rows_keyed_by_their_header() {
    let scenario = faaslab::scenario::Scenario::default_scenario();
    let outcome = faaslab::headless::run(scenario, &faaslab::headless::RunOptions::default()).expect("runs");
    let csv = faaslab::report::export::series_csv(&outcome.sim);
    let json: serde_json::Value = serde_json::from_str(&faaslab::report::export::series_json(&outcome.sim)).unwrap();
    let rows = json.as_array().expect("an array");
    assert_eq!(rows.len(), csv.lines().count() - 1, "one object per CSV row");
    let arrived: u64 = rows.iter().map(|r| r["arrivals"].as_u64().expect("a count")).sum();
    assert_eq!(arrived, outcome.report.requests.arrived);
    // The bucket under way at the end has no means: null, not 0.
    assert!(rows.last().unwrap()["concurrency_mean"].is_null());
    assert_eq!(rows[0]["start_s"], 0);
}

#[test]
fn the_commands_the_help_gives_as_examples_run() {
    // `faaslab --help` quotes commands to copy (its sweep example once named a scenario
    // that does not exist): each must run as written.
    let help = String::from_utf8_lossy(&faaslab(&["--help"]).stdout).into_owned();
    let examples: Vec<&str> =
        help.split('`').skip(1).step_by(2).filter_map(|quoted| quoted.strip_prefix("faaslab ")).collect();
    assert!(examples.len() >= 2, "{help}");
    for example in examples {
        let mut args: Vec<&str> = example.split_whitespace().collect();
        if args[0] == "run" {
            args.extend(["--duration", "1m"]);
        }
        let out = faaslab(&args);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{example}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    // `faaslab list | head -3`: the pipe is closed when the command writes. print!
    // panicked there (exit 101, a backtrace on stderr).
    for args in
        [&["list"][..], &["run", "default", "--duration", "1m", "--challenge"], &["check", "scenarios/default.ron"]]
    {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_faaslab"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(writer)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked") && err.is_empty(), "{args:?}: {err}");
        // The exit status is the command's own: the default scenario's challenge fails.
        let expected = if args.contains(&"--challenge") { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(expected), "{args:?}");
    }
}

#[test]
fn lists_of_whole_runs_are_bounded() {
    // Each value of a sweep and each setting of a replay is a whole run: a command line
    // of hundreds of thousands is refused before the first one.
    let values: Vec<String> = (0..1001).map(|i| (128 + i).to_string()).collect();
    let out = faaslab(&["sweep", "default", "--param", &format!("api.memory={}", values.join(","))]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "--param: 1001 values; a sweep runs at most 1000, each a whole run\n"
    );
    let minutes: Vec<String> = (1..=101).map(|m| format!("{m}m")).collect();
    let trace = std::env::temp_dir().join(format!("faaslab-lists-{}.csv", std::process::id()));
    std::fs::write(&trace, "HashOwner,HashApp,HashFunction,Trigger,1\no,a,f,http,1\n").unwrap();
    let trace = trace.display().to_string();
    let out = faaslab(&["replay", &trace, "--keep-alive", &minutes.join(",")]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "--keep-alive: 101 settings; a replay compares at most 100\n");
    let policies: Vec<String> = minutes.iter().map(|m| format!("fixed:{m}")).collect();
    let out = faaslab(&["replay", &trace, "--policy", &policies.join(",")]);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "--policy: 101 settings; a replay compares at most 100\n");
    assert_eq!(out.status.code(), Some(2));
    // At the bounds they run.
    let out = faaslab(&["replay", &trace, "--keep-alive", &minutes[..100].join(",")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
