//! `faaslab sweep`: a scenario once per value of one knob, side by side.

use super::{Format, Setup, load, threads};
use faaslab::headless::RunOptions;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct SweepArgs {
    /// The scenario file (.ron) or a built-in scenario's name.
    scenario: PathBuf,
    /// The knob and its values: NAME=V1,V2,...
    #[arg(long)]
    param: String,
    #[command(flatten)]
    setup: Setup,
    /// Override the scenario's seed (every run of the sweep uses it).
    #[arg(long)]
    seed: Option<u64>,
    /// A table to read, or its rows as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Parallel runs (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn sweep(args: SweepArgs) -> Result<ExitCode, String> {
    let mut scenario = load(Some(&args.scenario))?;
    RunOptions { seed: args.seed, ..args.setup.into_options() }.prepare(&mut scenario)?;
    let (name, values) = faaslab::sweep::parse_param(&args.param)?;
    let threads = threads(args.threads);
    let line = super::status::StatusLine::new();
    let sweep = faaslab::sweep::run(&scenario, &name, &values, threads, &line.counter("sweep"))
        .map_err(|e| format!("--param {}: {e}", args.param));
    line.finish();
    let sweep = sweep?;
    match args.format {
        Format::Text => super::out::out(&sweep.to_text())?,
        Format::Json => super::out::out(&format!("{}\n", serde_json::to_string_pretty(&sweep).unwrap_or_default()))?,
    }
    Ok(ExitCode::SUCCESS)
}
