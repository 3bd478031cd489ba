//! `faaslab replay`: its flags, turned into the library's `ReplayOptions`.

use super::Format;
use faaslab::replay::{ReplayFormat, ReplayOptions, parse_keep_alives};
use std::path::PathBuf;
use std::process::ExitCode;

/// Replay a per-minute invocation trace (Azure Functions 2019 schema) once per
/// keep-alive setting: cold starts, idle memory and cost side by side.
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
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn replay(args: ReplayArgs) -> Result<ExitCode, String> {
    let options = ReplayOptions {
        keep_alives: parse_keep_alives(&args.keep_alive)?,
        invocations: args.invocations,
        durations: args.durations,
        memory: args.memory,
        format: match args.format {
            Format::Text => ReplayFormat::Text,
            Format::Json => ReplayFormat::Json,
        },
        seed: args.seed,
    };
    print!("{}", options.run()?);
    Ok(ExitCode::SUCCESS)
}
