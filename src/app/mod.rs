//! The Bevy + egui front end (placeholder until the app issue lands).

use crate::scenario::Scenario;
use std::process::ExitCode;

/// Options of `faaslab gui`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct GuiOptions {}

pub fn run(_scenario: Scenario, _options: GuiOptions) -> Result<ExitCode, String> {
    Ok(ExitCode::SUCCESS)
}
