//! `faaslab replay`: its flags, turned into the library's `ReplayOptions`.

use super::Format;
use faaslab::replay::policy::parse_policies;
use faaslab::replay::synth::synthesize;
use faaslab::replay::{ReplayFormat, ReplayOptions, parse_keep_alives};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Replay a per-minute invocation trace (Azure Functions 2019 schema) once per
/// keep-alive setting (cold starts, idle memory and cost side by side), or compare
/// keep-alive policies on it (`--policy`).
#[derive(Clone, clap::Args)]
pub struct ReplayArgs {
    /// Invocation counts: HashOwner,HashApp,HashFunction,Trigger, then one column per minute.
    invocations: PathBuf,
    /// Execution-time percentiles per function (default for missing functions: 1 s).
    #[arg(long)]
    durations: Option<PathBuf>,
    /// Allocated memory per app (default for missing apps: 170 MB).
    #[arg(long)]
    memory: Option<PathBuf>,
    /// Keep-alive settings to compare, comma-separated.
    #[arg(long, default_value = "5m,10m,20m,60m")]
    keep_alive: String,
    /// Keep-alive policies to compare instead, comma-separated: fixed:TIME, hybrid or
    /// hybrid:RANGE, greedy-dual or greedy-dual:BUDGET (e.g. fixed:10m,hybrid,greedy-dual:8GB).
    #[arg(long)]
    policy: Option<String>,
    /// Write the policy comparison's chart (cold starts vs wasted memory) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    chart_out: Option<PathBuf>,
    /// Threads for the policy comparison (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Instead of replaying, write a larger trace of the same shape into this directory
    /// (invocations.csv, and durations.csv and memory.csv if given).
    #[arg(long, value_name = "DIR")]
    synthesize: Option<PathBuf>,
    /// Minutes of the synthesised trace.
    #[arg(long, default_value_t = 1440, requires = "synthesize")]
    synth_minutes: usize,
    /// Copies of the input's functions in the synthesised trace.
    #[arg(long, default_value_t = 40, requires = "synthesize")]
    synth_copies: usize,
    /// A table to read, or the same numbers as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The seed of the arrivals' times within each minute and of the run durations.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn read(path: &Path) -> Result<String, String> {
    faaslab::replay::read_file(path).map_err(|e| e.to_string())
}

fn write_synthesized(args: &ReplayArgs, dir: &Path) -> Result<ExitCode, String> {
    let durations = args.durations.as_deref().map(read).transpose()?;
    let memory = args.memory.as_deref().map(read).transpose()?;
    let s = synthesize(
        &read(&args.invocations)?,
        durations.as_deref(),
        memory.as_deref(),
        args.synth_minutes,
        args.synth_copies,
        args.seed,
    )?;
    std::fs::create_dir_all(dir).map_err(|e| format!("--synthesize {}: {e}", dir.display()))?;
    let files = [("invocations.csv", Some(s.invocations)), ("durations.csv", s.durations), ("memory.csv", s.memory)];
    for (name, text) in files {
        if let Some(text) = text {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn replay(args: ReplayArgs) -> Result<ExitCode, String> {
    if let Some(dir) = &args.synthesize {
        return write_synthesized(&args, dir);
    }
    let options = ReplayOptions {
        keep_alives: parse_keep_alives(&args.keep_alive)?,
        policies: args.policy.as_deref().map(parse_policies).transpose()?.unwrap_or_default(),
        chart_out: args.chart_out,
        threads: args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1),
        invocations: args.invocations,
        durations: args.durations,
        memory: args.memory,
        format: match args.format {
            Format::Text => ReplayFormat::Text,
            Format::Json => ReplayFormat::Json,
        },
        seed: args.seed,
    };
    let line = super::status::StatusLine::new();
    // Every setting simulates the whole trace: the share of all that trace time done.
    let progress = |done: u64, total: u64| {
        line.show(done == total, || {
            format!("replay: {:.0}% simulated ({:.1} s)", 100.0 * done as f64 / total.max(1) as f64, line.elapsed())
        });
    };
    let report = options.run(Some(&progress));
    line.finish();
    super::out::out(&report?)?;
    Ok(ExitCode::SUCCESS)
}
