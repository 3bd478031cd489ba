//! `faaslab replay` as the library runs it: the trace files, the keep-alive settings
//! to compare, the output format and the seed (the command line fills these from its
//! flags), and the run.

use super::{compare, load};
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
    /// Keep-alive settings to compare (see `parse_keep_alives`).
    pub keep_alives: Vec<SimDuration>,
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
    /// line (the binary exits with status 2).
    pub fn run(&self) -> Result<String, String> {
        let trace =
            load(&self.invocations, self.durations.as_deref(), self.memory.as_deref()).map_err(|e| e.to_string())?;
        let comparison = compare(&trace, &self.keep_alives, self.seed).map_err(|e| e.to_string())?;
        Ok(match self.format {
            ReplayFormat::Text => comparison.to_text(&self.invocations.display().to_string()),
            ReplayFormat::Json => comparison.to_json() + "\n",
        })
    }
}
