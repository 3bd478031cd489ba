//! `faaslab replay`: its arguments (a clap `Args` the binary embeds) and what it does.

use super::{compare, load, parse_keep_alives};
use std::path::PathBuf;

/// Replay a per-minute invocation trace (Azure Functions 2019 schema) once per
/// keep-alive setting: cold starts, idle memory and cost side by side.
#[derive(Clone, Debug, clap::Args)]
pub struct ReplayArgs {
    /// Invocation counts: HashOwner,HashApp,HashFunction,Trigger, then one column per minute.
    pub invocations: PathBuf,
    /// Execution-time percentiles per function (default for missing functions: 1 s).
    #[arg(long)]
    pub durations: Option<PathBuf>,
    /// Allocated memory per app (default for missing apps: 170 MB).
    #[arg(long)]
    pub memory: Option<PathBuf>,
    /// Keep-alive settings to compare, comma-separated.
    #[arg(long, default_value = "5m,10m,20m,60m")]
    pub keep_alive: String,
    #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
    pub format: ReplayFormat,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ReplayFormat {
    Text,
    Json,
}

/// Runs the replay and returns what to print; `Err` holds every problem, one a line
/// (the binary exits with status 2).
pub fn run(args: &ReplayArgs) -> Result<String, String> {
    let keep_alives = parse_keep_alives(&args.keep_alive)?;
    let trace =
        load(&args.invocations, args.durations.as_deref(), args.memory.as_deref()).map_err(|e| e.to_string())?;
    let comparison = compare(&trace, &keep_alives, args.seed).map_err(|e| e.to_string())?;
    Ok(match args.format {
        ReplayFormat::Text => comparison.to_text(&args.invocations.display().to_string()),
        ReplayFormat::Json => comparison.to_json() + "\n",
    })
}
