//! Bad scenario files: each problem gets one line naming the file, line and column and
//! what was expected; exit status 2; never a panic or a hang.

use crate::cli::faaslab;

pub(crate) const GOOD: &str = r#"Scenario(
    name: "ok",
    duration: "1m",
    functions: [
        (
            name: "api",
            runtime: Python,
            memory_mb: 512,
            duration: Exponential(mean: "100ms"),
        ),
    ],
    triggers: [
        Http(name: "users", target: "api", arrivals: Poisson(rate: 5.0)),
    ],
)"#;

/// Writes `text` to a temporary file, runs `faaslab check` on it, and returns
/// (exit code, stderr, path).
pub(crate) fn check(text: &str) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!("faaslab-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("case-{:x}.ron", fnv(text)));
    std::fs::write(&path, text).unwrap();
    let p = path.display().to_string();
    let out = faaslab(&["check", &p]);
    let run = faaslab(&["run", &p]);
    assert_eq!(out.status.code(), run.status.code(), "check and run agree");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned(), p)
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
}

/// Asserts a single bad edit is reported at `line:col` with `words` in the message.
pub(crate) fn expect(text: &str, line: usize, col: usize, words: &str) {
    let (code, err, path) = check(text);
    assert_eq!(code, Some(2), "exit status for:\n{text}\n{err}");
    let at = format!("{path}:{line}:{col}:");
    assert!(err.contains(&at), "expected position {at} in:\n{err}");
    assert!(err.contains(words), "expected {words:?} in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn the_good_file_is_good() {
    let (code, err, _) = check(GOOD);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn malformed_syntax() {
    expect(&GOOD.replace("memory_mb: 512,", "memory_mb: 512"), 9, 13, "");
    expect(&GOOD.replace(r#"name: "ok","#, r#"name: "ok"#), 3, 16, "");
}

#[test]
fn unknown_runtime_and_distribution() {
    expect(&GOOD.replace("Python", "Pyton"), 7, 22, "Pyton");
    expect(&GOOD.replace("Exponential(", "Expo("), 9, 23, "Expo");
    expect(&GOOD.replace("memory_mb: 512,", "memroy_mb: 512,"), 8, 13, "memroy_mb");
}

#[test]
fn missing_target() {
    expect(&GOOD.replace(r#"target: "api""#, r#"target: "apu""#), 13, 37, "no function is named \"apu\"");
}

#[test]
fn negative_and_nan_numbers() {
    expect(&GOOD.replace("memory_mb: 512", "memory_mb: -5"), 8, 25, "out of bounds");
    expect(&GOOD.replace("rate: 5.0", "rate: -1.0"), 13, 68, ">= 0");
    expect(&GOOD.replace("rate: 5.0", "rate: NaN"), 13, 68, "NaN");
}

#[test]
fn memory_out_of_range() {
    expect(&GOOD.replace("memory_mb: 512", "memory_mb: 64"), 8, 24, "128..10240");
    expect(&GOOD.replace("memory_mb: 512", "memory_mb: 20000"), 8, 24, "128..10240");
}

#[test]
fn duration_strings_that_do_not_parse() {
    expect(&GOOD.replace(r#"duration: "1m""#, r#"duration: "1 parsec""#), 3, 16, "unknown unit \"parsec\"");
    expect(&GOOD.replace(r#"mean: "100ms""#, r#"mean: "fast""#), 9, 42, "not a duration");
}

#[test]
fn a_rate_that_would_never_finish() {
    expect(&GOOD.replace("rate: 5.0", "rate: 1e12"), 12, 15, "requests, more than");
}

#[test]
fn every_problem_is_reported_not_only_the_first() {
    let text = GOOD
        .replace("memory_mb: 512", "memory_mb: 64")
        .replace(r#"target: "api""#, r#"target: "nope""#)
        .replace("rate: 5.0", "rate: -2.0");
    let (code, err, _) = check(&text);
    assert_eq!(code, Some(2));
    assert_eq!(err.lines().count(), 3, "one line per problem:\n{err}");
}

#[test]
fn garbage_never_panics() {
    for text in ["", "(", "Scenario(", "[[[[[[", "Scenario(name: 1)", "\u{0}\u{1}binary", &"(".repeat(5000)] {
        let (code, err, _) = check(text);
        assert_eq!(code, Some(2), "{text:?}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// GOOD with a challenge section (and optionally a timeline) appended.
fn with_challenge(objectives: &str, knobs: &str, reference: &str) -> String {
    GOOD.trim_end_matches(')').to_string()
        + &format!(
            "    challenge: (\n        goal: \"g\",\n        objectives: [{objectives}],\n        knobs: [{knobs}],\n        reference: [{reference}],\n        debrief: \"d\",\n    ),\n)"
        )
}

#[test]
fn challenge_mistakes_are_named_with_their_place() {
    let ok = with_challenge(
        r#"Latency(of: "users", percentile: 99, at_most: "1s")"#,
        r#"(knob: "api.memory", min: 128, max: 2048)"#,
        r#"("api.memory", "1024")"#,
    );
    assert_eq!(check(&ok).0, Some(0), "{}", check(&ok).1);
    // The objective names a trigger that does not exist (line 17 holds the objectives).
    let unknown = ok.replace(r#"Latency(of: "users""#, r#"Latency(of: "userz""#);
    expect(&unknown, 17, 22, "no trigger or function \"userz\"");
    // The reference turns a knob outside its allowed range.
    expect(&ok.replace(r#"("api.memory", "1024")"#, r#"("api.memory", "4096")"#), 19, 21, "allowed 128..2048");
    // A knob that does not exist.
    expect(&ok.replace(r#"(knob: "api.memory""#, r#"(knob: "api.colour""#), 18, 24, "\"api\" has no knob \"colour\"");
}

#[test]
fn timeline_after_the_end_is_named_with_its_place() {
    let late = GOOD.trim_end_matches(')').to_string()
        + "    timeline: [\n        (at: \"30s\", action: Caption(\"fine\")),\n        (at: \"2m\", action: Caption(\"too late\")),\n    ],\n)";
    expect(&late, 17, 14, "not before the end of the run (1m)");
    let dead = late.replace(
        "(at: \"2m\", action: Caption(\"too late\"))",
        "(at: \"40s\", action: Set(knob: \"api.memory\", value: \"1\"))",
    );
    expect(&dead, 17, 29, "api.memory");
}

#[test]
fn command_line_knobs_outside_their_range_are_bad_input() {
    let out = crate::cli::faaslab(&["run", "memory-power-tuning", "--challenge", "--set", "resize.memory=20000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("allowed 128..10240") && err.contains("--set resize.memory=20000"), "{err}");
    for args in [
        &["run", "--set", "api.memory"][..],
        &["run", "--set", "api.memory=lots"],
        &["run", "keep-alive-steady-state", "--reference"], // a scenario without a challenge
        &["sweep", "memory-power-tuning", "--param", "resize.memory="],
        &["sweep", "memory-power-tuning", "--param", "resize.memory=128,64"],
    ] {
        let out = crate::cli::faaslab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}

#[test]
fn a_knob_locked_by_a_challenge_says_which_may_turn() {
    let out = crate::cli::faaslab(&["run", "memory-power-tuning", "--challenge", "--set", "resize.timeout=5s"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is locked in this challenge (allowed: resize.memory"), "{err}");
    // A brief's challenge turns no knob: the message says so rather than listing nothing.
    let out = crate::cli::faaslab(&["run", "brief-image-upload", "--challenge", "--set", "uploads.rate=2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("allows no knob changes") && err.contains("Briefs and designs"), "{err}");
    assert!(!err.contains("allowed: )"), "{err}");
}

#[test]
fn the_new_nodes_and_fields_are_named_with_their_place() {
    // A permission on a resource that does not exist, of a kind it cannot act on, or a
    // verb that is not one; a call to an API that is not there.
    let role = |p: &str| GOOD.replace("memory_mb: 512,", &format!("memory_mb: 512, permissions: [{p}],"));
    expect(&role(r#"Read("orders-db")"#), 8, 43, "\"orders-db\", which is no database");
    expect(&role(r#"Send("api")"#), 8, 43, "\"api\", which is no queue");
    expect(&role(r#"Steal("api")"#), 8, 43, "");
    let call = GOOD.replace("memory_mb: 512,", r#"memory_mb: 512, calls: [Api(api: "mailer")],"#);
    expect(&call, 8, 46, "no third-party API is named \"mailer\" (the scenario has no apis)");
}

#[test]
fn a_residency_is_named_where_it_is_wrong() {
    let db = |fields: &str| {
        GOOD.replace(
            "    triggers: [",
            &format!("    databases: [(name: \"db\", {fields})],\n    queues: [(name: \"q\")],\n    triggers: ["),
        )
    };
    // A jurisdiction none of the scenario's regions lies in (a typo, most likely).
    expect(&db(r#"residency: "mars""#), 12, 41, "that one of the scenario's regions lies in (us-east-1), got \"mars\"");
    // A queue holds no data at rest to keep anywhere: it has no such field.
    let queue = db("").replace(r#"queues: [(name: "q")]"#, r#"queues: [(name: "q", residency: "eu")]"#);
    expect(&queue, 13, 26, "residency");
}

#[test]
fn a_tmp_that_cannot_hold_its_files_is_named_where_it_is_written() {
    // /tmp is 512..10240 MB ("Configure ephemeral storage", AWS Lambda Developer Guide).
    expect(&GOOD.replace("memory_mb: 512,", "memory_mb: 512, ephemeral_mb: 256,"), 8, 43, "512..10240 MB");
    expect(&GOOD.replace("memory_mb: 512,", "memory_mb: 512, ephemeral_mb: 20000,"), 8, 43, "512..10240 MB");
    let tmp = |fields: &str, call: &str| {
        GOOD.replace("memory_mb: 512,", &format!("memory_mb: 512, {fields} calls: [{call}],"))
            .replace("    triggers: [", "    buckets: [(name: \"models\")],\n    triggers: [")
    };
    // A kept file bigger than the function's /tmp, and two that do not fit together.
    expect(
        &tmp("", r#"TmpFile(from: "models", size_mb: 800.0)"#),
        8,
        71,
        "a kept /tmp file of 800 MB does not fit in ephemeral_mb (512 MB): raise ephemeral_mb to at least 800, or write keep: false",
    );
    let two = r#"TmpFile(from: "models", size_mb: 300.0), TmpFile(from: "models", size_mb: 300.0)"#;
    expect(&tmp("", two), 8, 112, "with the files kept before it 600 MB,");
    // Not kept, it needs no room; sizes and speeds out of range; a bucket that is not there.
    let (code, err, _) = check(&tmp("", r#"TmpFile(from: "models", size_mb: 800.0, keep: false)"#));
    assert_eq!(code, Some(0), "{err}");
    expect(&tmp("ephemeral_mb: 1024,", r#"TmpFile(from: "models", size_mb: 0.0)"#), 8, 90, "above 0 and at most 10240");
    let slow = r#"TmpFile(from: "models", size_mb: 10.0, mb_per_s: 0.0)"#;
    expect(&tmp("", slow), 8, 87, "a download speed in MB/s above 0");
    expect(&tmp("", r#"TmpFile(from: "weights", size_mb: 10.0)"#), 8, 52, "no bucket is named \"weights\"");
    // A result written to /tmp bigger than /tmp.
    let put = r#"Put(bucket: "models", size_kb: 600000.0, to_tmp: true)"#;
    expect(&tmp("", put), 8, 69, "a result of 600000 KB written to /tmp does not fit in ephemeral_mb (512 MB)");
}

#[test]
fn bad_invoke_overheads_and_websockets_are_named_with_their_place() {
    let http = r#"Http(name: "users", target: "api", arrivals: Poisson(rate: 5.0)),"#;
    let with = |fields: &str| {
        GOOD.replace(http, &format!("Http(name: \"users\", target: \"api\", arrivals: Poisson(rate: 5.0),\n{fields}),"))
    };
    let socket = |inner: &str| with(&format!("  websocket: ({inner})"));
    let ok = socket(r#"session: LogNormal(median: "5m", p99: "30m"), messages_per_minute: 1.0, fanout: 9"#);
    assert_eq!(check(&ok).0, Some(0), "{}", check(&ok).1);
    // Line 14 holds the new fields.
    expect(
        &with(r#"  invoke_overhead: LogNormal(median: "7ms", p99: "5ms")"#),
        14,
        50,
        "p99 (5ms) must be above the median",
    );
    expect(
        &socket(r#"session: Constant(value: "5m"), messages_per_minute: 0.0"#),
        14,
        68,
        "above 0 and at most 600, got 0",
    );
    expect(
        &socket(r#"session: Constant(value: "5m"), messages_per_minute: 1.0, message_kb: Constant(kb: 200.0)"#),
        14,
        85,
        "at most 128 KB",
    );
    expect(
        &socket(r#"session: Uniform(min: "5m", max: "1m"), messages_per_minute: 1.0"#),
        14,
        48,
        "must not be below min",
    );
    expect(
        &socket(r#"session: Constant(value: "5m"), messages_per_minute: 1.0, fanout: 1000000"#),
        14,
        81,
        "0..100000",
    );
    expect(&socket(r#"session: Constant(value: "5m"), messagez: 1.0"#), 14, 47, "messagez");
    let paid = with(
        r#"  payload: (size_kb: Constant(kb: 1.0)), websocket: (session: Constant(value: "5m"), messages_per_minute: 1.0)"#,
    );
    expect(&paid, 14, 12, "sized by websocket.message_kb");
    let fleet = GOOD.trim_end_matches(')').to_string() + "    server_fleet: (connections_per_instance: 0),\n)";
    expect(&fleet, 15, 46, "at least one connection");
}

#[test]
fn a_redrive_without_a_dead_letter_queue_is_named_with_its_place() {
    let queues = |jobs: &str, dlq: &str| {
        GOOD.replace(
            "    triggers: [",
            &format!(
                "    queues: [(name: \"jobs\", dlq: \"jobs-dlq\"{jobs}), (name: \"jobs-dlq\"{dlq})],\n    triggers: ["
            ),
        )
    };
    let redrive = |queue: &str| {
        queues("", "").trim_end_matches(')').to_string()
            + &format!("    timeline: [\n        (at: \"30s\", action: Redrive(queue: \"{queue}\")),\n    ],\n)")
    };
    assert_eq!(check(&redrive("jobs")).0, Some(0), "{}", check(&redrive("jobs")).1);
    expect(&redrive("nope"), 17, 29, "no queue \"nope\"");
    expect(&redrive("jobs-dlq"), 17, 29, "queue \"jobs-dlq\" has no dead-letter queue to redrive from");
    expect(&queues(", redrive_rate: 501", ""), 12, 60, "0..500 messages a second (SQS's most");
    expect(&queues("", r#", redrive_at: "30s""#), 12, 78, "a redrive needs a dead-letter queue");
    let path = std::env::temp_dir().join(format!("faaslab-redrive-{}.ron", std::process::id()));
    std::fs::write(&path, queues("", "")).unwrap();
    let out = crate::cli::faaslab(&["run", &path.display().to_string(), "--set", "jobs-dlq.redrive_at=30s"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no dead-letter queue to redrive from"), "{err}");
}

#[test]
fn diagnosis_mistakes_are_named_with_their_place() {
    let diagnosis = |node: &str| {
        with_challenge("Diagnosis", "", "").replace(
            "        debrief: \"d\",\n",
            &format!(
                "        debrief: \"d\",\n        diagnosis: (node: \"{node}\", cause: SlowDependency, first_signal: \"the traces\"),\n"
            ),
        )
    };
    assert_eq!(check(&diagnosis("api")).0, Some(0), "{}", check(&diagnosis("api")).1);
    // The diagnosis names a node the scenario does not have (line 21), and lists them.
    expect(&diagnosis("apj"), 21, 27, "no node \"apj\" (nodes: users, api)");
    // A cause outside the list is serde's error, at the word.
    expect(&diagnosis("api").replace("SlowDependency", "Gremlins"), 21, 41, "SlowDependency");
    // A Diagnosis objective with no right answer to grade against.
    expect(&with_challenge("Diagnosis", "", ""), 17, 22, "needs the challenge's `diagnosis");
    // Bad --answer values: the valid nodes or causes are listed.
    let answer = |a: &str| crate::cli::faaslab(&["run", "incident-checkout-latency", "--challenge", "--answer", a]);
    for (given, listed) in [
        (
            "inventory:slow-dependency",
            "nodes: checkouts, checkout, analytics, order-events, orders-db, inventory-db, payments",
        ),
        (
            "inventory-db:slow",
            "causes: slow-dependency, failing-dependency, retry-storm, cold-starts, throttling, connection-exhaustion, rate-limited, queue-backlog",
        ),
        ("inventory-db", "expected NODE:CAUSE"),
    ] {
        let out = answer(given);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{given}: {err}");
        assert!(err.contains(&format!("--answer {given}: ")) && err.contains(listed), "{given}: {err}");
    }
    let ungraded = crate::cli::faaslab(&["run", "incident-checkout-latency", "--answer", "payments:retry-storm"]);
    assert_eq!(ungraded.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ungraded.stderr).contains("graded with --challenge"));
    let other = crate::cli::faaslab(&["run", "memory-power-tuning", "--challenge", "--answer", "resize:cold-starts"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("asks for no diagnosis"));
}

#[test]
fn log_step_mistakes_are_named_with_their_place() {
    let logging = |step: &str| {
        GOOD.replace(
            "            duration: Exponential(mean: \"100ms\"),\n",
            &format!("            duration: Exponential(mean: \"100ms\"),\n            calls: [{step}],\n"),
        )
    };
    assert_eq!(check(&logging("Log(message: \"ok\", level: Warn, slower_than: \"1s\")")).0, Some(0));
    expect(&logging("Log(message: \" \")"), 10, 34, "a message of 1..500 characters, got 1");
    expect(&logging("Log(message: \"late\", slower_than: \"20m\")"), 10, 55, "at most 15m");
    expect(&logging("Log(message: \"x\", level: Loud)"), 10, 46, "Info");
}

#[test]
fn snap_start_is_refused_where_aws_does_not_support_it() {
    let with = |field: &str| GOOD.replace("memory_mb: 512,", &format!("memory_mb: 512, {field}"));
    // Node.js has no SnapStart.
    let node = with("snap_start: true,").replace("runtime: Python", "runtime: Nodejs");
    expect(
        &node,
        8,
        41,
        "SnapStart supports the Java 11+, Python 3.12+ and .NET 8+ managed runtimes only, not Node.js",
    );
    // Not with provisioned concurrency, not with /tmp above 512 MB.
    expect(&with("snap_start: true, provisioned_concurrency: 2,"), 8, 41, "does not support provisioned concurrency");
    expect(&with("snap_start: true, ephemeral_mb: 1024,"), 8, 41, "ephemeral storage above 512 MB");
    expect(
        &with("snap_start: true, per_environment_concurrency: Some(80),"),
        8,
        41,
        "serve one request at a time, not 80",
    );
    // A bad restore distribution and an over-long hook.
    expect(
        &with(r#"snapshot: Some((restore: LogNormal(median: "0s", p99: "1s"))),"#),
        8,
        39,
        "median must be above zero",
    );
    expect(&with(r#"snapshot: Some((restore_hook_time: "11s")),"#), 8, 39, "within 10 s");
    // An unknown capture is named.
    expect(&with("init_captures: [Seed],"), 8, 45, "expected either `RandomSeed` or `Connection`");
}
