//! `faaslab audit`: a challenge's whole space of solutions, graded.

use super::{CHALLENGE_FAILED, Format, load, threads};
use faaslab::audit::AuditOptions;
use faaslab::scenario::Scenario;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Scenario files (.ron) or built-in names; every library challenge with --all.
    scenarios: Vec<PathBuf>,
    /// Audit every challenge of the built-in library.
    #[arg(long)]
    all: bool,
    /// Random settings besides the corners (at most 100 000: each is a whole run).
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// A summary to read, or the same as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Parallel runs (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn audit(args: AuditArgs) -> Result<ExitCode, String> {
    let mut chosen = Vec::new();
    if args.all {
        for (name, text) in faaslab::scenario::LIBRARY {
            let s = Scenario::parse(text, name).map_err(|e| e.to_string())?;
            if s.challenge.is_some() {
                chosen.push(s);
            }
        }
    }
    for path in &args.scenarios {
        chosen.push(load(Some(path))?);
    }
    if chosen.is_empty() {
        return Err("audit: name a scenario (a file or a built-in name), or --all for the library".into());
    }
    let options = AuditOptions { samples: args.samples, threads: threads(args.threads), ..Default::default() };
    let mut holes = false;
    let mut audits = Vec::new();
    for s in &chosen {
        let line = super::status::StatusLine::new();
        let audit = faaslab::audit::run(s, &options, &line.counter("audit")).map_err(|e| format!("audit: {e}"));
        line.finish();
        let audit = audit?;
        holes |= !audit.rejected.is_empty();
        if let Format::Text = args.format {
            super::out::out(&format!("{}\n", audit.to_text()))?;
        }
        audits.push(audit);
    }
    if let Format::Json = args.format {
        super::out::out(&format!("{}\n", serde_json::to_string_pretty(&audits).unwrap_or_default()))?;
    }
    Ok(if holes { ExitCode::from(CHALLENGE_FAILED) } else { ExitCode::SUCCESS })
}
