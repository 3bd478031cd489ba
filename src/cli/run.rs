//! `faaslab run`: one scenario headless, its report, and its grade with `--challenge`.

use super::interrupt::{self, ProgressLine};
use super::out::out;
use super::{CHALLENGE_FAILED, Format, Setup, load};
use faaslab::headless::{self, RunOptions};
use faaslab::report::export;
use faaslab::report::objectives::challenge_text;
use faaslab::sim::Simulation;
use faaslab::sim::kernel::time::parse_duration;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunArgs {
    /// The scenario file (.ron) or a built-in scenario's name (see `faaslab list`);
    /// the built-in default scenario when omitted.
    scenario: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the scenario's duration (for example "30m").
    #[arg(long)]
    duration: Option<String>,
    /// The report as text to read, or as JSON (stable keys) for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write the structured event log (the last 100 000 entries) as JSON lines.
    #[arg(long)]
    log_out: Option<PathBuf>,
    /// Write sampled traces (one request in ten, every hop a span) as JSON lines.
    #[arg(long)]
    trace_out: Option<PathBuf>,
    /// Write the run's time series (the app's charts: arrivals, errors, concurrency,
    /// environments and latency per bucket) as CSV, for a spreadsheet or slides.
    #[arg(long)]
    series_out: Option<PathBuf>,
    #[command(flatten)]
    setup: Setup,
    /// Grade the run against the scenario's challenge: exit 0 if every objective
    /// passes, 1 if one fails (2 is bad input, as always).
    #[arg(long)]
    challenge: bool,
    /// A diagnosis challenge's answer: the node and the mechanism behind the incident,
    /// `--answer inventory-db:slow-dependency` (an unknown node or cause lists the
    /// valid ones).
    #[arg(long, value_name = "NODE:CAUSE")]
    answer: Option<String>,
}

/// Log entries kept when the log or the traces are written (they cost time otherwise).
const LOG_CAPACITY: usize = 100_000;

pub fn run(args: RunArgs) -> Result<ExitCode, String> {
    let scenario = load(args.scenario.as_ref())?;
    let duration = args.duration.map(|text| parse_duration(&text).map_err(|e| format!("--duration: {e}")));
    let options = RunOptions {
        seed: args.seed,
        duration: duration.transpose()?,
        challenge: args.challenge,
        log_capacity: if args.log_out.is_some() || args.trace_out.is_some() { LOG_CAPACITY } else { 0 },
        answer: args.answer,
        ..args.setup.into_options()
    };
    interrupt::install();
    let mut line = ProgressLine::new();
    let outcome = headless::run_watched(scenario, &options, &interrupt::STOP, |p| line.show(p));
    line.finish();
    let outcome = outcome?;
    for (path, text) in [
        (&args.log_out, export::log_jsonl as fn(&Simulation) -> String),
        (&args.trace_out, export::traces_jsonl),
        (&args.series_out, export::series_csv),
    ] {
        if let Some(path) = path {
            std::fs::write(path, text(&outcome.sim)).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        }
    }
    match args.format {
        Format::Text => {
            let mut text = outcome.report.to_text();
            if let (Some(grades), Some(c)) = (&outcome.grades, &outcome.scenario.challenge) {
                text += &format!("\n{}", challenge_text(c, grades));
            }
            out(&text)?;
        }
        Format::Json => match &outcome.grades {
            Some(g) => out(&format!("{}\n", outcome.report.to_json_with_objectives(g)))?,
            None => out(&format!("{}\n", outcome.report.to_json()))?,
        },
    }
    Ok(if outcome.stopped {
        eprintln!("run: stopped by Ctrl-C; the report covers the run up to then");
        ExitCode::from(interrupt::STOPPED)
    } else if outcome.failed() {
        ExitCode::from(CHALLENGE_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}
