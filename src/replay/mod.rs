//! Trace replay: real per-minute invocation counts (the Azure Functions 2019 trace
//! schema, Shahrad et al., "Serverless in the Wild", USENIX ATC 2020) simulated once per
//! keep-alive setting, to show what keep-alive buys (fewer cold starts) and what it
//! costs (idle memory held warm).
//!
//! `parse` reads and joins the CSV files, `compare` runs the simulations, and
//! `Comparison::to_text` / `to_json` print the result; `ReplayOptions::run` does all
//! three, as `faaslab replay` asks.

mod compare;
mod keepalive;
mod options;
mod parse;
pub mod policy;
mod svg;
pub mod synth;
mod text;

pub use compare::{
    Comparison, FunctionInfo, Outcome, SettingResult, build_config, compare, compare_watched, function_names,
};
pub use keepalive::{COLD_START, HybridApps, PolicyComparison, PolicyResult, compare_policies, percentile};
pub use options::{ReplayFormat, ReplayOptions};
pub use parse::{CsvFile, CsvProblem, ReplayError, Source, Trace, TraceFunction, load, parse, read_file};
pub use svg::chart;

use crate::sim::function::Runtime;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::time::{SimDuration, parse_duration};

/// Execution time of a function missing from the durations file: about the median
/// function's average in the full trace ("about 50% of functions average under 1 s").
pub const DEFAULT_DURATION_MS: u64 = 1000;
pub const DEFAULT_DURATION: Dist = Dist::Constant { value: SimDuration::from_millis(DEFAULT_DURATION_MS) };
/// Memory of an app missing from the memory file: the median application's allocated
/// memory in the full trace (half allocate at most 170 MB).
pub const DEFAULT_MEMORY_MB: u32 = 170;
/// The trace does not say which language a function is written in; every function gets
/// Node.js's cold-start profile (hello-world median about 0.26 s).
pub const REPLAY_RUNTIME: Runtime = Runtime::Nodejs;

/// Hears how far a replay is: (done, total) microseconds of trace time simulated,
/// summed over its settings (each runs the whole trace).
pub type ProgressFn<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Trace time simulated so far by every setting of a replay, shared by their threads.
pub(crate) struct Tally<'a> {
    done: std::sync::atomic::AtomicU64,
    total: u64,
    report: Option<ProgressFn<'a>>,
}

impl<'a> Tally<'a> {
    pub(crate) fn new(settings: usize, trace: &Trace, report: Option<ProgressFn<'a>>) -> Tally<'a> {
        let trace_us = crate::sim::kernel::arrivals::TRACE_MINUTE.0 * trace.minutes as u64;
        Tally { done: std::sync::atomic::AtomicU64::new(0), total: settings as u64 * trace_us, report }
    }

    /// One setting simulated `us` more microseconds of the trace.
    pub(crate) fn add(&self, us: u64) {
        if let Some(report) = self.report.filter(|_| us > 0) {
            let done = self.done.fetch_add(us, std::sync::atomic::Ordering::Relaxed) + us;
            report(done.min(self.total), self.total);
        }
    }
}

/// The most settings a replay compares (keep-alive times or policies): each replays the
/// whole trace.
pub const MAX_SETTINGS: usize = 100;

/// Parses a comma-separated list of keep-alive times such as `5m,10m,20m,60m`.
pub fn parse_keep_alives(text: &str) -> Result<Vec<SimDuration>, String> {
    let settings: Vec<SimDuration> = text
        .split(',')
        .map(|part| parse_duration(part.trim()).map_err(|e| format!("--keep-alive: \"{}\": {e}", part.trim())))
        .collect::<Result<_, _>>()?;
    if settings.len() > MAX_SETTINGS {
        return Err(format!("--keep-alive: {} settings; a replay compares at most {MAX_SETTINGS}", settings.len()));
    }
    Ok(settings)
}

impl Comparison {
    /// The settings side by side, for a student; `source` names the invocations file.
    pub fn to_text(&self, source: &str) -> String {
        text::render(self, source)
    }

    /// Pretty JSON (stable key order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVOCATIONS: &str = "HashOwner,HashApp,HashFunction,Trigger,480,481,482\n\
        o1,a1,f1,http,1,0,2\n\
        o2,a2,f2,timer,0,0,0\n\
        o3,a3,f3,queue,5,5,5\n";

    fn file<'a>(name: &'a str, text: &'a str) -> CsvFile<'a> {
        CsvFile { name, text }
    }

    #[test]
    fn joins_durations_and_memory_and_defaults_the_rest() {
        let durations = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,\
            percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,\
            percentile_Average_99,percentile_Average_100\n\
            o1,a1,f1,300,3,10,900,10,20,100,200,400,800,900\n\
            o3,a3,f3,250,15,,,,,,,,,\n";
        let memory = "HashFunction,HashOwner,HashApp,SampleCount,AverageAllocatedMb\n\
            f1,o1,a1,10,9.4\n\
            f2,o2,a2,10,300.2\n\
            f3,o3,a3,10,99999\n";
        let trace = parse(file("inv", INVOCATIONS), Some(file("dur", durations)), Some(file("mem", memory))).unwrap();
        assert_eq!(trace.minutes, 3);
        assert_eq!(trace.total_invocations(), 18);
        let [f1, f2, f3] = [&trace.functions[0], &trace.functions[1], &trace.functions[2]];
        assert_eq!(*f1.per_minute, [1, 0, 2]);
        match &f1.duration {
            Dist::Empirical { percentiles } => {
                assert_eq!(percentiles.len(), 7);
                assert_eq!(percentiles[3].p, 0.5);
                assert_eq!(percentiles[3].value, SimDuration::from_millis(200));
            }
            other => panic!("expected Empirical, got {other:?}"),
        }
        assert_eq!(f3.duration, Dist::constant(SimDuration::from_millis(250)), "no percentiles: the Average");
        assert_eq!((f2.duration.clone(), f2.duration_source), (DEFAULT_DURATION, Source::Default));
        // Rounded up, into 128..10240 MB.
        assert_eq!([f1.memory_mb, f2.memory_mb, f3.memory_mb], [128, 301, 10240]);
        assert_eq!(f2.memory_source, Source::File);
    }

    #[test]
    fn without_companion_files_every_function_gets_the_defaults() {
        let trace = parse(file("inv", INVOCATIONS), None, None).unwrap();
        assert!(trace.functions.iter().all(|f| f.memory_mb == DEFAULT_MEMORY_MB && f.duration == DEFAULT_DURATION));
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = "HashOwner,HashApp,HashFunction,Trigger,480,481\n\
            o1,a1,f1,http,1,2\n\
            o2,a2,f2,http,1\n\
            o3,a3,f3,http,-4,x\n\
            o4,a4,f4,http,1.5,99999999999\n\
            o1,a1,f1,http,0,0\n";
        let err = parse(file("inv.csv", text), None, None).unwrap_err();
        let lines: Vec<String> = err.problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 6, "{err}");
        assert!(lines[0].starts_with("inv.csv:3: 5 columns, but the header has 6"), "{err}");
        assert!(lines[1].starts_with("inv.csv:4: minute 480 (column 5): -4 is negative"), "{err}");
        assert!(lines[2].starts_with("inv.csv:4: minute 481 (column 6): \"x\" is not a count"), "{err}");
        assert!(lines[3].starts_with("inv.csv:5: minute 480 (column 5): \"1.5\" is not a count"), "{err}");
        assert!(lines[4].contains("inv.csv:5: minute 481 (column 6): 99999999999 is too large"), "{err}");
        assert!(lines[5].contains("inv.csv:6: function f1 of app a1 appears again (first on line 2)"), "{err}");
    }

    #[test]
    fn a_trace_of_more_invocations_than_a_run_may_have_is_refused_once() {
        // Two minutes of 4 294 967 295 (each a valid count): 8.6e9 together.
        let text = "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,4294967295,4294967295\n";
        let err = parse(file("big.csv", text), None, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.csv: the trace has 8589934590 invocations, more than the 1e9 a replay may run: replay fewer minutes or functions"
        );
        let text = "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f,http,500000000,500000000\n";
        assert_eq!(parse(file("big.csv", text), None, None).unwrap().total_invocations(), 1_000_000_000);
    }

    #[test]
    fn bad_headers_and_companion_files_are_reported_too() {
        let bad_minutes = "HashOwner,HashApp,HashFunction,Trigger,480,482\no,a,f,http,1,1\n";
        let err = parse(file("inv", bad_minutes), None, None).unwrap_err();
        assert!(err.to_string().contains("inv:1: column 6: minute 482 does not follow minute 480"), "{err}");
        assert!(parse(file("inv", ""), None, None).unwrap_err().to_string().contains("inv: the file is empty"));
        let durations = "HashOwner,HashApp,HashFunction,Average\no1,a1,f1,-3\no3,a3,f3,fast\n";
        let memory = "HashOwner,HashApp\no1,a1\n";
        let err = parse(file("inv", INVOCATIONS), Some(file("dur", durations)), Some(file("mem", memory))).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("dur:2: Average: -3 is negative"), "{text}");
        assert!(text.contains("dur:3: Average: \"fast\" is not a number"), "{text}");
        assert!(text.contains("mem:1: no column named AverageAllocatedMb"), "{text}");
        assert_eq!(err.problems.len(), 3);
    }

    #[test]
    fn decreasing_percentiles_are_refused() {
        let durations = "HashOwner,HashApp,HashFunction,Average,percentile_Average_0,percentile_Average_1,\
            percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,\
            percentile_Average_100\no1,a1,f1,5,1,2,3,9,4,5,6\n";
        let err = parse(file("inv", INVOCATIONS), Some(file("dur", durations)), None).unwrap_err();
        assert!(err.to_string().contains("dur:2: the percentiles decrease"), "{err}");
    }

    #[test]
    fn keep_alive_lists() {
        let minutes = |m: u64| SimDuration::from_secs(60 * m);
        assert_eq!(parse_keep_alives("5m, 10m,1h").unwrap(), vec![minutes(5), minutes(10), minutes(60)]);
        assert!(parse_keep_alives("5m,,10m").is_err());
        assert!(parse_keep_alives("five").unwrap_err().contains("\"five\""));
    }
}
