//! The command line: clap's flags, one function per command, and the exit status
//! (0 fine, 1 a challenge failed, 2 bad input, as ripgrep and most Unix tools). Flags
//! are turned into the library's plain options here; the library never sees clap.

mod audit;
#[cfg(feature = "gui")]
mod gui;
mod interrupt;
mod out;
mod replay;
mod run;
mod status;
mod sweep;

use clap::{Parser, Subcommand, ValueEnum};
use faaslab::headless::RunOptions;
use faaslab::report::count;
use faaslab::scenario::{Scenario, ScenarioError};
use out::out;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit statuses besides success.
pub const CHALLENGE_FAILED: u8 = 1;
pub const BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(name = "faaslab", version, about = "An interactive teaching simulator for serverless architecture")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless, as fast as possible, and print a report.
    Run(run::RunArgs),
    /// Run a scenario once per value of one knob and compare them in a table
    /// (memory power tuning: `faaslab sweep memory-power-tuning --param resize.memory=128,512,1024`).
    Sweep(sweep::SweepArgs),
    /// Explore a challenge's whole space of solutions: every corner of its allowed
    /// knobs and random settings, graded; lists the cheapest and fastest passing
    /// settings and every passing one a reviewer would reject (exit 1 if any).
    Audit(audit::AuditArgs),
    /// List the built-in scenarios and the designs for its briefs (run them by name:
    /// `faaslab run database-storm`).
    List,
    /// Validate scenario files; prints every problem with its line and column.
    Check {
        /// Scenario or design files (.ron)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Measure the engine's speed (simulated invocations and events per second).
    Bench {
        /// Shorter runs, for a quick look.
        #[arg(long)]
        quick: bool,
    },
    /// Replay a per-minute invocation trace (Azure Functions 2019 schema) once per
    /// keep-alive setting: cold starts, idle memory and cost side by side.
    Replay(replay::ReplayArgs),
    /// Open the interactive app on a scenario (the default one when omitted).
    #[cfg(feature = "gui")]
    Gui {
        /// The scenario file (.ron) or a built-in scenario's name (see `faaslab list`);
        /// the built-in default scenario when omitted.
        scenario: Option<PathBuf>,
        #[command(flatten)]
        options: gui::GuiArgs,
    },
}

/// Knob settings applied before a run.
#[derive(clap::Args)]
struct Setup {
    /// Apply the challenge's reference solution first (a teacher shows the answer).
    #[arg(long)]
    reference: bool,
    /// Set a knob before the run, such as `--set api.memory=1024` (repeatable; see
    /// docs/scenario-format.md for the knobs).
    #[arg(long = "set", value_name = "KNOB=VALUE")]
    settings: Vec<String>,
}

impl Setup {
    /// The run options these flags set (the others as the scenario has them).
    fn into_options(self) -> RunOptions {
        RunOptions { reference: self.reference, settings: self.settings, ..RunOptions::default() }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Parses the command line and runs its command; `Err` is bad input (status 2).
pub fn run() -> Result<ExitCode, String> {
    // In a browser there are no arguments (and no process to read them from).
    let cli = if cfg!(target_arch = "wasm32") { Cli { command: None } } else { Cli::parse() };
    match cli.command {
        Some(Command::Run(args)) => run::run(args),
        Some(Command::Sweep(args)) => sweep::sweep(args),
        Some(Command::Audit(args)) => audit::audit(args),
        Some(Command::List) => list(),
        Some(Command::Check { files }) => check(&files),
        Some(Command::Bench { quick }) => bench(quick),
        Some(Command::Replay(args)) => replay::replay(args),
        #[cfg(feature = "gui")]
        Some(Command::Gui { scenario, options }) => gui::gui(scenario.as_ref(), options),
        None => open_default(),
    }
}

fn list() -> Result<ExitCode, String> {
    // One column width for both lists, from the longest name, so no name runs into its text.
    let width = faaslab::scenario::LIBRARY.iter().chain(faaslab::scenario::DESIGNS).map(|(n, _)| n.len()).max();
    let width = width.unwrap_or(0);
    let mut text = String::new();
    for (name, scenario) in faaslab::scenario::LIBRARY {
        let summary = Scenario::parse(scenario, name).map(|s| s.summary).unwrap_or_default();
        text += &format!("{name:<width$}  {summary}\n");
    }
    text += "\nDesigns for the briefs (run them by name too; `--challenge` grades them against their brief):\n";
    for (name, design) in faaslab::scenario::DESIGNS {
        let title = Scenario::parse(design, name).map(|s| s.name).unwrap_or_default();
        text += &format!("{name:<width$}  {title}\n");
    }
    out(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn check(files: &[PathBuf]) -> Result<ExitCode, String> {
    let mut failed = false;
    for file in files {
        match Scenario::load(file) {
            Ok(s) => {
                let (functions, triggers) = (s.config.functions.len() as u64, s.config.triggers.len() as u64);
                let (functions, triggers) =
                    (count(functions, "function", "functions"), count(triggers, "trigger", "triggers"));
                out(&format!("{}: ok ({functions}, {triggers})\n", file.display()))?;
            }
            Err(e) => {
                failed = true;
                eprintln!("{e}");
            }
        }
    }
    Ok(if failed { ExitCode::from(BAD_INPUT) } else { ExitCode::SUCCESS })
}

fn bench(quick: bool) -> Result<ExitCode, String> {
    faaslab::bench::run_all(quick, &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

/// No subcommand: the app on the default scenario (on the web, on the page's link).
#[cfg(feature = "gui")]
fn open_default() -> Result<ExitCode, String> {
    gui::open_default()
}

#[cfg(not(feature = "gui"))]
fn open_default() -> Result<ExitCode, String> {
    Err("this build has no app (built without the `gui` feature): try `faaslab run` or `faaslab --help`".into())
}

/// Parallel runs: as asked, or one per core.
fn threads(asked: Option<usize>) -> usize {
    asked.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A scenario file, or a built-in scenario's name when no such file exists; the
/// default scenario when none is named.
fn load(path: Option<&PathBuf>) -> Result<Scenario, String> {
    let Some(p) = path else { return Ok(Scenario::default_scenario()) };
    if !p.exists()
        && let Some(name) = p.to_str()
    {
        if let Some(built_in) = faaslab::scenario::built_in(name) {
            return built_in.map_err(|e| e.to_string());
        }
        // A bare word that is no file was meant as a built-in name (perhaps mistyped).
        if !name.contains(['/', '\\']) && !name.ends_with(".ron") {
            return Err(faaslab::scenario::unknown_built_in(name));
        }
    }
    Scenario::load(p).map_err(|e: ScenarioError| e.to_string())
}
