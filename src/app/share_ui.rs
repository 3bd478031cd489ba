//! The share link in the app: a "Share" button over the topology's top-right corner
//! that gives the link of the current run (scenario and knobs), and on the web
//! "Open .ron" and "Save .ron". On the web the link of the run is also kept as the last
//! session and published in the DOM for the end-to-end check.

use super::playback::Playback;
use super::topology::camera::TopologyViewport;
use crate::scenario::Scenario;
use crate::share::{ScenarioSource, SharedRun};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

/// How a run was opened: what its link is measured against.
pub struct Opening {
    /// The scenario before the link's seed and knobs.
    pub base: Scenario,
    /// The scenario the playback starts with (the link's settings applied).
    pub opened: Scenario,
}

impl Opening {
    /// `scenario`, unless a share link (`--link`, or the web page's address) says
    /// otherwise.
    pub fn new(scenario: Scenario, link: Option<&str>) -> Result<Opening, String> {
        let Some(link) = link else { return Ok(Opening { base: scenario.clone(), opened: scenario }) };
        let run = SharedRun::decode(link)?;
        Ok(Opening { base: run.open_as_written()?, opened: run.open()? })
    }
}

#[derive(Resource)]
struct ShareState {
    base: Scenario,
    opened: Scenario,
    /// The base's source (a built-in's name or its RON), worked out once per base.
    source: Option<(Scenario, ScenarioSource)>,
    /// The current run's link, refreshed every few frames.
    fragment: String,
    /// The link shown under the button after "Share".
    shown: Option<String>,
    /// A message for the user (a link or file that could not be opened).
    notice: Option<String>,
    frames: u64,
}

/// Frames between refreshes of the link (it costs a knob comparison, not a redraw).
const REFRESH_FRAMES: u64 = 30;
/// The page is told the app runs after this many frames: by then it has drawn.
const FRAMES_BEFORE_RUNNING: u64 = 3;

pub(super) fn plugin(opening: Opening, notice: Option<String>) -> impl Fn(&mut App) {
    move |app: &mut App| {
        #[cfg(target_arch = "wasm32")]
        {
            super::web::install_panic_hook();
            if let Some(notice) = &notice {
                super::web::publish_notice(notice);
            }
        }
        app.insert_resource(ShareState {
            base: opening.base.clone(),
            opened: opening.opened.clone(),
            source: None,
            fragment: String::new(),
            shown: None,
            notice: notice.clone(),
            frames: 0,
        })
        .add_systems(Update, refresh.after(super::AppSystems::SyncView))
        .add_systems(EguiPrimaryContextPass, share_ui);
    }
}

impl ShareState {
    /// The current run as a link: against the scenario as opened, or, when another
    /// scenario has been opened since, against that one.
    fn run_of(&mut self, p: &Playback) -> SharedRun {
        let base = base_of(&self.base, &self.opened, p);
        let source = match &self.source {
            Some((of, source)) if of == base => source.clone(),
            _ => {
                let source = ScenarioSource::of(base);
                self.source = Some((base.clone(), source.clone()));
                source
            }
        };
        // Live knob changes (arrival rates included) are kept in the running config.
        SharedRun::of(source, base, p.sim.config())
    }

    /// The current configuration as a scenario file's text.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn current_ron(&mut self, p: &Playback) -> Result<String, String> {
        let run = self.run_of(p);
        let mut scenario = base_of(&self.base, &self.opened, p).clone();
        if let Some(seed) = run.seed {
            scenario.config.seed = seed;
        }
        crate::share::apply_knobs(&mut scenario, &run.knobs)?;
        Ok(scenario.to_ron())
    }
}

/// What the current run's link is measured against: the scenario as written before the
/// opening link's settings, or, when another scenario has been opened since, that one.
fn base_of<'a>(base: &'a Scenario, opened: &Scenario, p: &'a Playback) -> &'a Scenario {
    if p.scenario == *opened { base } else { &p.scenario }
}

fn refresh(mut state: ResMut<ShareState>, playback: Res<Playback>) {
    state.frames += 1;
    let frames = state.frames;
    #[cfg(target_arch = "wasm32")]
    if frames == FRAMES_BEFORE_RUNNING {
        super::web::report_running();
    }
    if frames % REFRESH_FRAMES != 1 && frames != FRAMES_BEFORE_RUNNING {
        return;
    }
    let run = state.run_of(&playback);
    let fragment = run.encode();
    if fragment == state.fragment {
        return;
    }
    #[cfg(target_arch = "wasm32")]
    {
        super::web::remember_session(&fragment);
        super::web::publish_state(&playback.scenario.name, &run.knobs);
    }
    state.fragment = fragment;
}

fn share_ui(
    mut contexts: EguiContexts,
    mut state: ResMut<ShareState>,
    playback: Res<Playback>,
    viewport: Res<TopologyViewport>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let ppp = ctx.pixels_per_point();
    let corner =
        egui::pos2((viewport.position.x + viewport.size.x) as f32 / ppp - 8.0, viewport.position.y as f32 / ppp + 8.0);
    egui::Area::new("share".into())
        .order(egui::Order::Foreground)
        .pivot(egui::Align2::RIGHT_TOP)
        .fixed_pos(corner)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    if ui.button("🔗 Share").on_hover_text("a link that opens this scenario with these knobs").clicked()
                    {
                        let fragment = state.run_of(&playback).encode();
                        state.shown = Some(link_for(ctx, &fragment));
                    }
                    #[cfg(target_arch = "wasm32")]
                    file_buttons_ui(ui, &mut state, &playback);
                });
                if let Some(link) = &state.shown {
                    let mut text = link.clone();
                    ui.add(egui::TextEdit::singleline(&mut text).desired_width(320.0));
                    ui.horizontal(|ui| {
                        #[cfg(target_arch = "wasm32")]
                        ui.label("Copied; the address bar has it too.");
                        #[cfg(not(target_arch = "wasm32"))]
                        ui.label("Copied: open it with `faaslab gui --link ...`\nor after the web app's address.");
                        if ui.button("Close").clicked() {
                            state.shown = None;
                        }
                    });
                }
            });
        });
    #[cfg(target_arch = "wasm32")]
    take_picked_file(&mut state);
    notice_ui(ctx, &mut state);
    Ok(())
}

/// The link to give out, copied to the clipboard.
fn link_for(ctx: &egui::Context, fragment: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        let _ = ctx;
        let link = super::web::show_link(fragment);
        super::web::copy_to_clipboard(&link);
        link
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        ctx.copy_text(fragment.to_string());
        fragment.to_string()
    }
}

#[cfg(target_arch = "wasm32")]
fn file_buttons_ui(ui: &mut egui::Ui, state: &mut ShareState, playback: &Playback) {
    if ui.button("📂 Open .ron").on_hover_text("a scenario file from this computer").clicked()
        && let Err(e) = super::web::pick_ron_file()
    {
        state.notice = Some(e);
    }
    if ui.button("💾 Save .ron").on_hover_text("this scenario with the knobs as they are now").clicked() {
        let saved = state.current_ron(playback).and_then(|text| {
            let name: String = playback
                .scenario
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
                .collect();
            super::web::download(&format!("{name}.ron"), &text)
        });
        if let Err(e) = saved {
            state.notice = Some(e);
        }
    }
}

/// A picked file is opened through its link (the page reloads on it), so a file and a
/// link open the same way; a file that is not a valid scenario says why.
#[cfg(target_arch = "wasm32")]
fn take_picked_file(state: &mut ShareState) {
    let Some((name, text)) = super::web::take_picked_file() else { return };
    let opened = text.and_then(|text| match Scenario::parse(&text, &name) {
        Ok(_) => Ok(SharedRun { source: ScenarioSource::Ron(text), seed: None, knobs: Vec::new() }.encode()),
        Err(e) => Err(format!("{name} is not a valid scenario:\n{e}")),
    });
    match opened {
        Ok(fragment) => super::web::reload_with(&fragment),
        Err(e) => state.notice = Some(e),
    }
}

fn notice_ui(ctx: &egui::Context, state: &mut ShareState) {
    let Some(notice) = state.notice.clone() else { return };
    let mut open = true;
    egui::Window::new("Could not open")
        .collapsible(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .open(&mut open)
        .show(ctx, |ui| {
            ui.label(notice);
            if ui.button("OK").clicked() {
                state.notice = None;
            }
        });
    if !open {
        state.notice = None;
    }
}
