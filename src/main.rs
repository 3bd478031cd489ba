//! The faaslab command line: `run`, `check`, `bench`, and (with the `gui` feature) the
//! app, which opens when no subcommand is given.

use clap::{Parser, Subcommand, ValueEnum};
use faaslab::report::{Report, export};
use faaslab::scenario::{Scenario, ScenarioError};
use faaslab::sim::Simulation;
use faaslab::sim::kernel::time::parse_duration;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "faaslab", version, about = "An interactive teaching simulator for serverless architecture")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario headless, as fast as possible, and print a report.
    Run {
        /// The scenario file (.ron) or a built-in scenario's name (see `faaslab list`);
        /// the built-in default scenario when omitted.
        scenario: Option<PathBuf>,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Override the scenario's duration (for example "30m").
        #[arg(long)]
        duration: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the structured event log (the last 100 000 entries) as JSON lines.
        #[arg(long)]
        log_out: Option<PathBuf>,
        /// Write sampled traces (one request in ten, every hop a span) as JSON lines.
        #[arg(long)]
        trace_out: Option<PathBuf>,
        #[command(flatten)]
        setup: Setup,
        /// Grade the run against the scenario's challenge: exit 0 if every objective
        /// passes, 1 if one fails (2 is bad input, as always).
        #[arg(long)]
        challenge: bool,
    },
    /// Run a scenario once per value of one knob and compare them in a table
    /// (memory power tuning: `faaslab sweep power-tuning --param api.memory=128,512,1024`).
    Sweep {
        /// The scenario file (.ron) or a built-in scenario's name.
        scenario: PathBuf,
        /// The knob and its values: NAME=V1,V2,...
        #[arg(long)]
        param: String,
        #[command(flatten)]
        setup: Setup,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Parallel runs (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Explore a challenge's whole space of solutions: every corner of its allowed
    /// knobs and random settings, graded; lists the cheapest and fastest passing
    /// settings and every passing one a reviewer would reject (exit 1 if any).
    Audit {
        /// Scenario files (.ron) or built-in names; every library challenge with --all.
        scenarios: Vec<PathBuf>,
        /// Audit every challenge of the built-in library.
        #[arg(long)]
        all: bool,
        /// Random settings besides the corners.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Parallel runs (default: every core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// List the built-in scenarios (run them by name: `faaslab run database-storm`).
    List,
    /// Validate scenario files; prints every problem with its line and column.
    Check {
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
    Replay(faaslab::replay::cli::ReplayArgs),
    /// Open the interactive app on a scenario (the default one when omitted).
    #[cfg(feature = "gui")]
    Gui {
        scenario: Option<PathBuf>,
        #[command(flatten)]
        options: faaslab::app::GuiOptions,
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
    /// Applies the reference, then each `--set` in order. In a challenge only its
    /// allowed knobs may be set, within their ranges.
    fn apply(&self, scenario: &mut Scenario, challenge: bool) -> Result<(), String> {
        if self.reference {
            scenario.apply_reference().map_err(|e| format!("--reference: {e}"))?;
        }
        for text in &self.settings {
            let (name, value) = faaslab::sim::knobs::split_setting(text).map_err(|e| format!("--set: {e}"))?;
            let result =
                if challenge { scenario.set_challenge_knob(name, value) } else { scenario.set_knob(name, value) };
            result.map_err(|e| format!("--set {text}: {e}"))?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// Exit statuses: 0 fine, 1 a challenge failed, 2 bad input (as ripgrep and most Unix tools).
const CHALLENGE_FAILED: u8 = 1;
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    // In a browser there are no arguments (and no process to read them from).
    let cli = if cfg!(target_arch = "wasm32") { Cli { command: None } } else { Cli::parse() };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Some(Command::Run { scenario, seed, duration, format, log_out, trace_out, setup, challenge }) => {
            let mut scenario = load(scenario.as_ref())?;
            if challenge && scenario.challenge.is_none() {
                return Err(format!("--challenge: scenario \"{}\" has no challenge section", scenario.name));
            }
            setup.apply(&mut scenario, challenge)?;
            if let Some(seed) = seed {
                scenario.config.seed = seed;
            }
            if let Some(text) = duration {
                scenario.config.duration = parse_duration(&text).map_err(|e| format!("--duration: {e}"))?;
                // A shortened run never reaches the timeline entries past its new end
                // (as with arrival steps): they are left out, not an error.
                let end = scenario.config.duration;
                scenario.config.timeline.retain(|e| e.at < end);
                let problems = scenario.config.problems();
                if !problems.is_empty() {
                    let lines: Vec<String> =
                        problems.iter().map(|p| format!("--duration: {}: {}", p.path, p.message)).collect();
                    return Err(lines.join("\n"));
                }
            }
            // The log and traces cost time: kept only when asked for.
            let log_capacity = if log_out.is_some() || trace_out.is_some() { 100_000 } else { 0 };
            let mut sim = Simulation::with_log_capacity(scenario.config.clone(), log_capacity);
            sim.run_to_end();
            let report = Report::of(&sim, &scenario.name);
            for (path, text) in
                [(&log_out, export::log_jsonl as fn(&Simulation) -> String), (&trace_out, export::traces_jsonl)]
            {
                if let Some(path) = path {
                    std::fs::write(path, text(&sim)).map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
                }
            }
            let grades = match (&scenario.challenge, challenge) {
                (Some(c), true) => Some(faaslab::report::objectives::evaluate_all(&c.objectives, &sim, &report)),
                _ => None,
            };
            match format {
                Format::Text => {
                    print!("{}", report.to_text());
                    if let (Some(grades), Some(c)) = (&grades, &scenario.challenge) {
                        print!("\n{}", faaslab::report::objectives::challenge_text(c, grades));
                    }
                }
                Format::Json => match &grades {
                    Some(g) => println!("{}", report.to_json_with_objectives(g)),
                    None => println!("{}", report.to_json()),
                },
            }
            let failed = grades.is_some_and(|g| g.iter().any(|r| !r.passed));
            Ok(if failed { ExitCode::from(CHALLENGE_FAILED) } else { ExitCode::SUCCESS })
        }
        Some(Command::Sweep { scenario, param, setup, seed, format, threads }) => {
            let mut scenario = load(Some(&scenario))?;
            if let Some(seed) = seed {
                scenario.config.seed = seed;
            }
            setup.apply(&mut scenario, false)?;
            let (name, values) = faaslab::sweep::parse_param(&param)?;
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let progress = faaslab::sweep::stderr_progress(std::time::Instant::now());
            let sweep = faaslab::sweep::run(&scenario, &name, &values, threads, &progress)
                .map_err(|e| format!("--param {param}: {e}"))?;
            match format {
                Format::Text => print!("{}", sweep.to_text()),
                Format::Json => println!("{}", serde_json::to_string_pretty(&sweep).unwrap_or_default()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Check { files }) => {
            let mut failed = false;
            for file in &files {
                match Scenario::load(file) {
                    Ok(s) => println!(
                        "{}: ok ({} functions, {} triggers)",
                        file.display(),
                        s.config.functions.len(),
                        s.config.triggers.len()
                    ),
                    Err(e) => {
                        failed = true;
                        eprintln!("{e}");
                    }
                }
            }
            Ok(if failed { ExitCode::from(BAD_INPUT) } else { ExitCode::SUCCESS })
        }
        Some(Command::Audit { scenarios, all, samples, format, threads }) => {
            let mut chosen = Vec::new();
            if all {
                for (name, text) in faaslab::scenario::LIBRARY {
                    let s = Scenario::parse(text, name).map_err(|e| e.to_string())?;
                    if s.challenge.is_some() {
                        chosen.push(s);
                    }
                }
            }
            for path in &scenarios {
                chosen.push(load(Some(path))?);
            }
            if chosen.is_empty() {
                return Err("audit: name a scenario (a file or a built-in name), or --all for the library".into());
            }
            let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let options = faaslab::audit::AuditOptions { samples, threads, ..Default::default() };
            let mut holes = false;
            let mut audits = Vec::new();
            for s in &chosen {
                let started = std::time::Instant::now();
                let progress = faaslab::sweep::stderr_progress(started);
                let audit = faaslab::audit::run(s, &options, &progress).map_err(|e| format!("audit: {e}"))?;
                holes |= !audit.rejected.is_empty();
                if let Format::Text = format {
                    println!("{}", audit.to_text());
                }
                audits.push(audit);
            }
            if let Format::Json = format {
                println!("{}", serde_json::to_string_pretty(&audits).unwrap_or_default());
            }
            Ok(if holes { ExitCode::from(CHALLENGE_FAILED) } else { ExitCode::SUCCESS })
        }
        Some(Command::List) => {
            for (name, text) in faaslab::scenario::LIBRARY {
                let summary = Scenario::parse(text, name).map(|s| s.summary).unwrap_or_default();
                println!("{name:<26} {summary}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Bench { quick }) => {
            faaslab::bench::run_all(quick, &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay(args)) => faaslab::replay::cli::run(&args).map(|out| {
            print!("{out}");
            ExitCode::SUCCESS
        }),
        #[cfg(feature = "gui")]
        Some(Command::Gui { scenario, options }) => {
            let scenario = load(scenario.as_ref())?;
            faaslab::app::run(scenario, options)
        }
        None => open_default(),
    }
}

#[cfg(feature = "gui")]
fn open_default() -> Result<ExitCode, String> {
    // The options' defaults as the command line has them (`Default` would give speed 0).
    #[derive(Parser)]
    struct Defaults {
        #[command(flatten)]
        options: faaslab::app::GuiOptions,
    }
    let options = Defaults::parse_from(["faaslab"]).options;
    // A web page has no command line: its address says what to open.
    #[cfg(target_arch = "wasm32")]
    return faaslab::app::web::open(options);
    #[cfg(not(target_arch = "wasm32"))]
    faaslab::app::run(Scenario::default_scenario(), options)
}

#[cfg(not(feature = "gui"))]
fn open_default() -> Result<ExitCode, String> {
    Err("this build has no app (built without the `gui` feature): try `faaslab run` or `faaslab --help`".into())
}

/// A scenario file, or a built-in scenario's name when no such file exists.
fn load(path: Option<&PathBuf>) -> Result<Scenario, String> {
    let Some(p) = path else { return Ok(Scenario::default_scenario()) };
    if !p.exists()
        && let Some(built_in) = p.to_str().and_then(faaslab::scenario::built_in)
    {
        return built_in.map_err(|e| e.to_string());
    }
    Scenario::load(p).map_err(|e: ScenarioError| e.to_string())
}
