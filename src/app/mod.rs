//! The Bevy + egui front end. It owns a `Simulation` (in `playback`), advances it each
//! frame within an event budget, and draws what it reads. One plugin per feature.

mod panels;
mod playback;
mod screenshot;

use crate::scenario::Scenario;
use crate::sim::time::parse_duration;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy_egui::EguiPlugin;
use std::path::PathBuf;
use std::process::ExitCode;

/// Options of `faaslab gui`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct GuiOptions {
    /// Save a screenshot of the window to this PNG file, then exit.
    #[arg(long)]
    pub screenshot: Option<PathBuf>,
    /// With --screenshot: how much simulated time to run first (for example "20s").
    #[arg(long, default_value = "20s")]
    pub after: String,
    /// Simulated seconds per real second to start with.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
}

/// Opens the app on `scenario`; returns when the window closes.
pub fn run(scenario: Scenario, options: GuiOptions) -> Result<ExitCode, String> {
    let after = parse_duration(&options.after).map_err(|e| format!("--after: {e}"))?;
    if !(options.speed.is_finite() && (0.1..=10_000.0).contains(&options.speed)) {
        return Err(format!("--speed: expected 0.1..10000 simulated seconds per second, got {}", options.speed));
    }
    let title = format!("faaslab: {}", scenario.name);
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title,
            resolution: WindowResolution::new(1600, 900),
            present_mode: PresentMode::AutoVsync,
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .insert_resource(ClearColor(Color::srgb(0.08, 0.09, 0.11)))
    .add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    })
    .add_plugins((playback::plugin(scenario, options.speed), panels::plugin));
    if let Some(path) = options.screenshot {
        // Screenshots run the simulation faster so that `--after` arrives quickly.
        app.add_plugins(screenshot::plugin(path, after));
    }
    let exit = app.run();
    Ok(if exit.is_success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
