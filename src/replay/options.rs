//! `faaslab replay` as the library runs it: the trace files, the keep-alive settings or
//! policies to compare, the output format and the seed (the command line fills these
//! from its flags), and the run.

use super::policy::Policy;
use super::{ProgressFn, chart, compare_policies, compare_watched, load};
use crate::sim::kernel::time::SimDuration;
use std::path::PathBuf;

/// What to replay and how to print it.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Invocation counts: HashOwner,HashApp,HashFunction,Trigger, then one column per minute.
    pub invocations: PathBuf,
    /// Execution-time percentiles per function (default for missing functions: 1 s).
    pub durations: Option<PathBuf>,
    /// Allocated memory per app (default for missing apps: 170 MB).
    pub memory: Option<PathBuf>,
    /// Keep-alive settings to compare in the full simulation (see `parse_keep_alives`).
    pub keep_alives: Vec<SimDuration>,
    /// Keep-alive policies to compare instead (see `policy::parse_policies`); when not
    /// empty, `keep_alives` is not used.
    pub policies: Vec<Policy>,
    /// The policy comparison's chart, written as SVG.
    pub chart_out: Option<PathBuf>,
    /// Threads for the policy comparison (the keep-alive comparison uses every core).
    pub threads: usize,
    pub format: ReplayFormat,
    pub seed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayFormat {
    Text,
    Json,
}

impl ReplayOptions {
    /// Runs the replay and returns what to print; `Err` holds every problem, one a
    /// line (the binary exits with status 2). `progress` hears how much of the trace
    /// the settings have simulated (see `ProgressFn`).
    pub fn run(&self, progress: Option<ProgressFn>) -> Result<String, String> {
        if self.chart_out.is_some() && self.policies.is_empty() {
            return Err("--chart-out: the chart plots a policy comparison; give --policy too".into());
        }
        let trace =
            load(&self.invocations, self.durations.as_deref(), self.memory.as_deref()).map_err(|e| e.to_string())?;
        let source = self.invocations.display().to_string();
        if !self.policies.is_empty() {
            let comparison = compare_policies(&trace, &self.policies, self.seed, self.threads, progress)?;
            if let Some(path) = &self.chart_out {
                let title = format!("Keep-alive policies on {}", file_name(&self.invocations));
                std::fs::write(path, chart(&comparison, &title))
                    .map_err(|e| format!("--chart-out {}: cannot write: {e}", path.display()))?;
            }
            return Ok(match self.format {
                ReplayFormat::Text => comparison.to_text(&source),
                ReplayFormat::Json => comparison.to_json() + "\n",
            });
        }
        let comparison = compare_watched(&trace, &self.keep_alives, self.seed, progress).map_err(|e| e.to_string())?;
        Ok(match self.format {
            ReplayFormat::Text => comparison.to_text(&source),
            ReplayFormat::Json => comparison.to_json() + "\n",
        })
    }
}

/// The file's name for a chart title (the directory says nothing about the trace).
fn file_name(path: &std::path::Path) -> String {
    let dir = path.parent().and_then(|p| p.file_name()).map(|d| d.to_string_lossy().into_owned());
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    match dir {
        Some(d) => format!("{d}/{name}"),
        None => name,
    }
}
