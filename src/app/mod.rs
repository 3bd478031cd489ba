//! The Bevy + egui front end. It owns a `Simulation` (in `playback`), advances it each
//! frame within an event budget, and draws what it reads. One plugin per feature; this
//! module only gathers them and declares the order their systems run in.

mod assets;
mod captions;
mod challenge;
mod chaos;
mod command;
mod context;
mod dead_letters;
mod design;
mod diagnose;
mod export;
mod frame_stats;
mod gif;
mod history;
mod keep_alive;
mod panels;
mod playback;
mod power_tuning;
mod progress;
mod recording;
mod rewind;
mod screenshot;
mod share_ui;
mod shortcuts;
mod theme;
mod topology;
mod view_state;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use view_state::BottomTab;

#[cfg(test)]
mod tests;

use crate::scenario::Scenario;
use crate::sim::kernel::time::parse_duration;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use bevy_egui::EguiPlugin;
use std::path::PathBuf;
use std::process::ExitCode;

/// How the app opens (`faaslab gui`'s flags fill it; `Default` is what they default to).
#[derive(Clone, Debug)]
pub struct GuiOptions {
    /// Save a screenshot of the window to this PNG file, then exit.
    pub screenshot: Option<PathBuf>,
    /// With `screenshot`: how much simulated time to run first (for example "20s").
    pub after: String,
    /// Simulated seconds per real second to start with.
    pub speed: f64,
    /// Start in presenter mode (large text, fewer panels; `f` toggles it).
    pub presenter: bool,
    /// Start with the keyboard shortcuts shown (`?` toggles them).
    pub show_shortcuts: bool,
    /// Start a challenge scenario in free play: every knob unlocked.
    pub free_play: bool,
    /// Start an A/B comparison whose run B has these knobs set (`api.memory=1024`).
    pub compare_set: Vec<String>,
    /// Measure this many frames after a short warm-up, print frame and simulation
    /// times, then exit (for performance figures).
    pub frame_stats: Option<usize>,
    /// The bottom panel's tab to start with.
    pub tab: BottomTab,
    /// Open a share link: the part after `#` of the link the app's Share button gives
    /// (its scenario, seed and knobs; the scenario passed to `run` is then ignored).
    pub link: Option<String>,
    /// A message the app shows when it opens (the web page's link that failed).
    pub notice: Option<String>,
    /// A design file to open on the design canvas.
    pub design: Option<PathBuf>,
    /// The window's size in logical pixels (1280x720 is a common projector's).
    pub window: (u32, u32),
}

impl Default for GuiOptions {
    fn default() -> Self {
        GuiOptions {
            screenshot: None,
            after: "20s".to_string(),
            speed: 1.0,
            presenter: false,
            show_shortcuts: false,
            free_play: false,
            compare_set: Vec::new(),
            frame_stats: None,
            tab: BottomTab::Charts,
            link: None,
            notice: None,
            design: None,
            window: (1600, 900),
        }
    }
}

/// The order of the app's per-frame work, declared once; plugins only say `.in_set(..)`.
#[derive(SystemSet, Debug, Clone, Copy, Eq, PartialEq, Hash)]
enum AppSystems {
    /// Keyboard and mouse turn into commands and view changes.
    Input,
    /// Commands (from panels and shortcuts) change the playback and the simulation.
    ApplyCommands,
    /// Views built from the scenario (the topology) are rebuilt when it changed.
    Rebuild,
    /// The simulation advances by this frame's share of simulated time.
    Advance,
    /// Entities and resources that mirror the simulation catch up with it.
    SyncView,
}

/// Opens the app on `scenario`; returns when the window closes.
pub fn run(scenario: Scenario, options: GuiOptions) -> Result<ExitCode, String> {
    let after = parse_duration(&options.after).map_err(|e| format!("--after: {e}"))?;
    if !(options.speed.is_finite() && (0.1..=10_000.0).contains(&options.speed)) {
        return Err(format!("--speed: expected 0.1..10000 simulated seconds per second, got {}", options.speed));
    }
    let (width, height) = options.window;
    if !(320..=7680).contains(&width) || !(240..=4320).contains(&height) {
        return Err(format!("--window: expected a size from 320x240 to 7680x4320, got {width}x{height}"));
    }
    let opening = playback::Opening::new(scenario, options.link.as_deref()).map_err(|e| format!("--link: {e}"))?;
    let title = format!("faaslab: {}", opening.opened.name);
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(assets::plugin()).set(WindowPlugin {
        primary_window: Some(Window {
            title,
            resolution: WindowResolution::new(width, height),
            present_mode: PresentMode::AutoVsync,
            // The web page's canvas, sized by the page; browser keys (reload, zoom)
            // keep working. No effect natively.
            canvas: Some("#faaslab".into()),
            fit_canvas_to_parent: true,
            prevent_default_event_handling: false,
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .insert_resource(ClearColor(theme::palette::BACKGROUND))
    // The user's progress record (the headless tests keep theirs in memory or a file of
    // their own).
    .insert_resource(progress::ProgressState::open_default());
    add_simulation_plugins(&mut app, opening, options.speed);
    if !options.compare_set.is_empty() {
        let mut playback = app.world_mut().resource_mut::<playback::Playback>();
        playback.start_comparing();
        for setting in &options.compare_set {
            let (name, value) = crate::sim::knobs::split_setting(setting).map_err(|e| format!("--compare-set: {e}"))?;
            playback.set_compare_knob(name, value).map_err(|e| format!("--compare-set: {e}"))?;
        }
    }
    {
        let mut view = app.world_mut().resource_mut::<view_state::ViewState>();
        view.presenter = options.presenter;
        view.help = options.show_shortcuts;
        view.bottom_tab = options.tab;
    }
    app.world_mut().resource_mut::<challenge::ChallengeMode>().active = !options.free_play;
    // A design's share link opens the canvas on it (its merged scenario plays beneath).
    if let Some(link) = &options.link {
        design::open_link(&mut app, link).map_err(|e| format!("--link: {e}"))?;
    }
    // A saved design file (native: the web build opens files through the page).
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(path) = &options.design {
        design::open_file(&mut app, path).map_err(|e| format!("--design: {e}"))?;
    }
    if options.tab == BottomTab::PowerTuning {
        // Opened on the power-tuning view: its sweep (of the first function) starts too.
        let playback = app.world().resource::<playback::Playback>();
        if !playback.scenario.config.functions.is_empty() {
            let job = power_tuning::SweepJob::start(&playback.scenario, 0, playback.scenario_generation);
            app.world_mut().resource_mut::<power_tuning::PowerTuning>().job = Some(job);
        }
    }
    // Opened on the keep-alive policies tab: the comparison of its default trace starts.
    #[cfg(not(target_arch = "wasm32"))]
    if options.tab == BottomTab::KeepAlivePolicies {
        app.world_mut().resource_mut::<keep_alive::PolicyTab>().start();
    }
    app.add_plugins((
        topology::render_plugin,
        panels::plugin,
        shortcuts::plugin,
        challenge::ui_plugin,
        diagnose::plugin,
        design::ui_plugin,
        export::ui_plugin,
        progress::ui_plugin,
        share_ui::plugin(options.notice.clone()),
        theme::fonts::plugin,
        recording::plugin,
    ))
    .add_systems(Update, retitle_window);
    if let Some(frames) = options.frame_stats {
        app.add_plugins(frame_stats::plugin(frames));
    }
    if let Some(path) = options.screenshot {
        // Screenshots run the simulation faster so that `--after` arrives quickly.
        app.add_plugins(screenshot::plugin(path, after));
    }
    let exit = app.run();
    Ok(if exit.is_success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The window's title names the scenario, also after the picker opened another.
fn retitle_window(
    playback: Res<playback::Playback>,
    mut shown: Local<Option<u32>>,
    mut window: Single<&mut Window, With<bevy::window::PrimaryWindow>>,
) {
    if *shown != Some(playback.scenario_generation) {
        *shown = Some(playback.scenario_generation);
        window.title = format!("faaslab: {}", playback.scenario.name);
    }
}

/// The plugins that own and mirror the simulation: no window or renderer needed, so the
/// headless tests build exactly these.
fn add_simulation_plugins(app: &mut App, opening: impl Into<playback::Opening>, speed: f64) {
    app.configure_sets(
        Update,
        (AppSystems::Input, AppSystems::ApplyCommands, AppSystems::Rebuild, AppSystems::Advance, AppSystems::SyncView)
            .chain(),
    )
    .add_plugins((
        view_state::plugin,
        command::plugin,
        playback::plugin(opening.into(), speed),
        topology::plugin,
        challenge::plugin,
        design::plugin,
        captions::plugin,
        history::plugin,
        power_tuning::plugin,
        keep_alive::plugin,
        export::plugin,
        progress::plugin,
    ));
}
