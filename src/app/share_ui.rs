//! The share link in the app: a "Share" button over the topology's top-right corner
//! that gives the link of the current run (scenario and knobs), and on the web
//! "Open .ron" and "Save .ron". On the web the link of the run is also kept as the last
//! session and published in the DOM for the end-to-end check.

use super::playback::Playback;
use super::topology::viewport::TopologyViewport;
use crate::scenario::Scenario;
use crate::share::{ScenarioSource, SharedRun};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

#[derive(Resource)]
struct ShareState {
    /// The source of the playback's base scenario (a built-in's name or its RON), worked out once per base.
    source: Option<(Scenario, ScenarioSource)>,
    /// The current run's link, refreshed every few frames.
    fragment: String,
    /// The run `fragment` was last encoded from (`None` after a design's link).
    encoded: Option<SharedRun>,
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

pub(super) fn plugin(notice: Option<String>) -> impl Fn(&mut App) {
    move |app: &mut App| {
        #[cfg(target_arch = "wasm32")]
        {
            super::web::install_panic_hook();
            if let Some(notice) = &notice {
                super::web::publish_notice(notice);
            }
        }
        app.insert_resource(ShareState {
            source: None,
            fragment: String::new(),
            encoded: None,
            shown: None,
            notice: notice.clone(),
            frames: 0,
        })
        .add_systems(Update, refresh.after(super::AppSystems::SyncView))
        .add_systems(EguiPrimaryContextPass, share_ui);
    }
}

impl ShareState {
    /// The current run as a link: the playback's scenario and seed, against the
    /// scenario as written.
    fn run_of(&mut self, p: &Playback) -> SharedRun {
        let source = match &self.source {
            Some((of, source)) if *of == p.base => source.clone(),
            _ => {
                let source = ScenarioSource::of(&p.base);
                self.source = Some((p.base.clone(), source.clone()));
                source
            }
        };
        SharedRun::of(source, &p.base, &p.run_config())
    }
}

/// The current scenario, knobs and seed as a scenario file's text.
#[cfg(target_arch = "wasm32")]
fn current_ron(p: &Playback) -> String {
    let mut scenario = p.scenario.clone();
    scenario.config.seed = p.seed;
    scenario.to_ron()
}

fn refresh(mut state: ResMut<ShareState>, playback: Res<Playback>, canvas: Option<Res<super::design::DesignCanvas>>) {
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
    // A design being drawn is the work to keep: the session is its link while it has one.
    let design = canvas.as_ref().and_then(|c| c.doc.as_ref()).and_then(|doc| super::design::share_fragment(doc).ok());
    let fragment = match design {
        Some(fragment) => {
            state.encoded = None;
            fragment
        }
        // A scenario read from a file is deflated whole: at 20 000 functions that made
        // every refresh a 0.2 s frame. Only when the run changed, then.
        None if state.encoded.as_ref() == Some(&run) => return,
        None => {
            let fragment = run.encode();
            state.encoded = Some(run.clone());
            fragment
        }
    };
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
    canvas: Option<Res<super::design::DesignCanvas>>,
    view: Res<super::view_state::ViewState>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    // A phone's screen is read-only: the corner would cover most of its small topology.
    if view.narrow {
        notice_ui(ctx, &mut state);
        return Ok(());
    }
    if canvas.is_some_and(|c| c.open && c.doc.is_some()) {
        // The design canvas has its own Share, where this corner would cover its toolbar.
        notice_ui(ctx, &mut state);
        return Ok(());
    }
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
pub(super) fn link_for(ctx: &egui::Context, fragment: &str) -> String {
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
        let name: String = playback
            .scenario
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
            .collect();
        if let Err(e) = super::web::download(&format!("{name}.ron"), &current_ron(playback)) {
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

#[cfg(test)]
mod tests {
    use super::{REFRESH_FRAMES, ShareState};
    use crate::app::command::Command;
    use crate::app::tests::headless;
    use crate::scenario::Scenario;
    use crate::share::{ScenarioSource, SharedRun};

    fn link(app: &bevy::prelude::App) -> SharedRun {
        SharedRun::decode(&app.world().resource::<ShareState>().fragment).expect("a link")
    }

    #[test]
    fn the_link_follows_the_knobs_and_is_encoded_again_only_when_the_run_changed() {
        let mut app = headless(Scenario::default_scenario(), 10.0);
        app.add_plugins(super::plugin(None));
        let refresh = |app: &mut bevy::prelude::App| {
            for _ in 0..REFRESH_FRAMES {
                app.update();
            }
        };
        refresh(&mut app);
        let first = link(&app);
        assert_eq!(first.source, ScenarioSource::BuiltIn("default".into()));
        assert!(first.knobs.is_empty());
        assert_eq!(app.world().resource::<ShareState>().encoded.as_ref(), Some(&first));
        app.world_mut().write_message(Command::SetKnob {
            name: "api.memory".into(),
            value: "2048".into(),
            challenge: false,
        });
        refresh(&mut app);
        let changed = link(&app);
        assert_eq!(changed.knobs, vec![("api.memory".to_string(), "2048".to_string())]);
        assert_eq!(app.world().resource::<ShareState>().encoded.as_ref(), Some(&changed));
        // Unchanged: the link stays, and with it what it was encoded from.
        let fragment = app.world().resource::<ShareState>().fragment.clone();
        refresh(&mut app);
        assert_eq!(app.world().resource::<ShareState>().fragment, fragment);
    }
}
