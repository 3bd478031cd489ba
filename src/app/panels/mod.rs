//! The egui panels around the topology: controls and legend on top, the scenario,
//! numbers, knobs (or the challenge) and log on the left, charts and the other tabs at
//! the bottom, the caption strip, and the help and details windows. Every panel has one
//! signature (`context::Panel`); this module lays them out, sends the commands they
//! return, and tells the topology's camera which part of the window is left to it.

mod about;
mod chart_plot;
mod charts;
mod compare;
mod controls;
mod details;
mod help;
mod knobs;
mod log;
mod picker;
mod traces;

use super::captions::{Captions, narrates};
use super::challenge::ChallengeMode;
use super::command::Command;
use super::context::{Panel, PanelContext, PanelResources};
use super::dead_letters::panel::DeadLettersWindow;
use super::diagnose::DiagnosePanel;
use super::power_tuning::PowerTuning;
use super::theme::palette;
use super::topology::viewport::TopologyViewport;
use super::view_state::{BottomTab, PanelId};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Panels>().add_systems(EguiPrimaryContextPass, draw);
}

/// The panels that keep UI state of their own (what is selected, not what is
/// simulated); the others are unit structs.
#[derive(Resource, Default)]
struct Panels {
    picker: picker::ScenarioPicker,
    knobs: knobs::KnobsPanel,
    charts: charts::ChartsPanel,
    traces: traces::TracesPanel,
    log: log::LogFilter,
    compare: compare::ComparePanel,
    chaos: crate::app::chaos::panel::ChaosPanel,
}

/// Panels whose state is a feature's resource, shared with that feature's systems.
#[derive(SystemParam)]
struct FeaturePanels<'w> {
    challenge: ResMut<'w, ChallengeMode>,
    tuning: ResMut<'w, PowerTuning>,
    policies: ResMut<'w, crate::app::keep_alive::PolicyTab>,
    captions: ResMut<'w, Captions>,
    diagnose: ResMut<'w, DiagnosePanel>,
}

/// egui zoom: normal, and presenter mode (large text for a projector).
const ZOOM: f32 = 1.15;
const PRESENTER_ZOOM: f32 = 1.6;
/// Windows narrower than this (logical pixels) get the phone's layout.
const NARROW_PIXELS: f32 = 640.0;
/// Seconds a press may last and still be a click (egui's default is 0.8).
const MAX_CLICK_SECONDS: f64 = 3.0;

fn draw(
    mut contexts: EguiContexts,
    mut shared: PanelResources,
    mut panels: ResMut<Panels>,
    mut features: FeaturePanels,
    mut viewport: ResMut<TopologyViewport>,
    mut sent: MessageWriter<Command>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    let mut cx = shared.context();
    // A phone's screen in portrait (390 px is a common one's width): no room for the
    // side panel beside the topology.
    let narrow = ctx.content_rect().width() * ctx.zoom_factor() < NARROW_PIXELS;
    if cx.view.narrow != narrow {
        cx.view.narrow = narrow;
    }
    let zoom = if cx.view.presenter { PRESENTER_ZOOM } else { ZOOM };
    if (ctx.zoom_factor() - zoom).abs() > 1e-3 {
        ctx.set_zoom_factor(zoom);
    }
    // A tap is a click however slow the frames: egui counts a press as a click only if
    // its release comes within 0.8 s of the frame that saw the press, and a phone (or
    // the browser check's software renderer) drawing two frames a second misses that
    // with a quick tap. Nothing here uses a long press.
    if ctx.options(|o| o.input_options.max_click_duration) != MAX_CLICK_SECONDS {
        ctx.options_mut(|o| o.input_options.max_click_duration = MAX_CLICK_SECONDS);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "faaslab-root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    layout(&mut root, &mut cx, &mut panels, &mut features);
    // What is left is the topology's: tell its camera, in physical pixels.
    let free = root.available_rect_before_wrap();
    let ppp = ctx.pixels_per_point();
    let position = UVec2::new((free.min.x * ppp).max(0.0) as u32, (free.min.y * ppp).max(0.0) as u32);
    let size = UVec2::new((free.width() * ppp).max(0.0) as u32, (free.height() * ppp).max(0.0) as u32);
    // egui's points are zoomed; the window's own scale is what is left of the ratio.
    let scale_factor = ppp / ctx.zoom_factor();
    viewport.set_if_neq(TopologyViewport { position, size, scale_factor });
    sent.write_batch(cx.commands);
    Ok(())
}

/// Every panel in its place; what is left of `root` is the topology's.
fn layout(root: &mut egui::Ui, cx: &mut PanelContext, panels: &mut Panels, features: &mut FeaturePanels) {
    egui::Panel::top("controls").show(root, |ui| {
        ui.horizontal_wrapped(|ui| {
            // Tighter than egui's 8 px: at 1600 px a finished run's bar (its "run
            // finished" included) needed a second row for the last button.
            ui.spacing_mut().item_spacing.x = 5.0;
            // Presenter mode: one line of controls (the picker is a keypress away: `f`).
            if !cx.view.compact() {
                panels.picker.ui(ui, cx);
                ui.separator();
            }
            controls::Controls.ui(ui, cx);
        });
        controls::Timeline.ui(ui, cx);
        if cx.view.is_open(PanelId::Legend) {
            ui.separator();
            controls::Legend.ui(ui, cx);
        }
    });
    let left = [PanelId::Scenario, PanelId::Numbers, PanelId::Knobs, PanelId::EventLog];
    if left.iter().any(|&id| cx.view.is_open(id)) {
        let width: f32 = if cx.view.presenter { 330.0 } else { 400.0 };
        // At most 40% of the window: long rows (a challenge's objectives) otherwise
        // widened it until the topology had a quarter of a 1280-px window.
        let widest = width.max(root.available_width() * 0.4);
        egui::Panel::left("side").resizable(true).default_size(width).max_size(widest).show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| side_ui(ui, cx, panels, features));
        });
    }
    if cx.view.is_open(PanelId::Charts) {
        // A fixed height: panels grow or shrink to their content otherwise, and the
        // charts and lists here size themselves to the panel.
        // A phone's screen: a smaller share, the charts only (read-only).
        let share = if cx.view.narrow { 0.3 } else { 0.36 };
        let height = root.available_height() * share;
        egui::Panel::bottom("charts").exact_size(height).show(root, |ui| {
            if cx.view.narrow {
                cx.view.bottom_tab = BottomTab::Charts;
            } else {
                // Wrapped: a narrow window's one long row would widen the panel past it.
                ui.horizontal_wrapped(|ui| {
                    for tab in BottomTab::ALL {
                        ui.selectable_value(&mut cx.view.bottom_tab, tab, RichText::new(tab.title()).strong());
                    }
                });
                ui.separator();
            }
            let tab: &mut dyn Panel = match cx.view.bottom_tab {
                BottomTab::Charts => &mut panels.charts,
                BottomTab::Traces => &mut panels.traces,
                BottomTab::Log => &mut panels.log,
                BottomTab::Compare => &mut panels.compare,
                BottomTab::PowerTuning => &mut *features.tuning,
                BottomTab::KeepAlivePolicies => &mut *features.policies,
            };
            tab.ui(ui, cx);
        });
    }
    if narrates(&cx.playback.scenario) {
        let frame = egui::Frame::side_top_panel(root.style()).fill(palette::CAPTION_FILL);
        egui::Panel::top("caption").frame(frame).show(root, |ui| features.captions.ui(ui, cx));
    }
    help::Help.ui(root, cx);
    details::Details.ui(root, cx);
    let challenge_mode = features.challenge.active && cx.playback.scenario.challenge.is_some();
    DeadLettersWindow { challenge_mode }.ui(root, cx);
}

/// The side panel's sections, each shown or hidden by its number key.
fn side_ui(ui: &mut egui::Ui, cx: &mut PanelContext, panels: &mut Panels, features: &mut FeaturePanels) {
    if cx.view.is_open(PanelId::Scenario) {
        about::About.ui(ui, cx);
    }
    if cx.view.is_open(PanelId::Numbers) {
        section_ui(ui, PanelId::Numbers, |ui| about::Numbers.ui(ui, cx));
    }
    let has_challenge = cx.playback.scenario.challenge.is_some();
    if cx.view.is_open(PanelId::Knobs) {
        if features.challenge.active && has_challenge {
            // The challenge's own knobs replace the free ones (the rest are locked).
            ui.separator();
            egui::CollapsingHeader::new("Challenge  [3]")
                .default_open(true)
                .show(ui, |ui| features.challenge.ui(ui, cx));
            if DiagnosePanel::asked(cx) {
                ui.separator();
                egui::CollapsingHeader::new("Diagnose").default_open(true).show(ui, |ui| features.diagnose.ui(ui, cx));
            }
        } else {
            // Failure modes at a click, in free play (a challenge grades the run as set).
            ui.separator();
            egui::CollapsingHeader::new("Chaos").default_open(true).show(ui, |ui| panels.chaos.ui(ui, cx));
            section_ui(ui, PanelId::Knobs, |ui| {
                if has_challenge && ui.button("Back to the challenge").clicked() {
                    features.challenge.active = true;
                }
                panels.knobs.ui(ui, cx);
            });
        }
    }
    if cx.view.is_open(PanelId::EventLog) {
        section_ui(ui, PanelId::EventLog, |ui| log::EventLog.ui(ui, cx));
    }
}

/// A titled section of the side panel, with its shortcut key in the title.
fn section_ui(ui: &mut egui::Ui, panel: PanelId, body: impl FnOnce(&mut egui::Ui)) {
    let key = PanelId::ALL.iter().position(|&p| p == panel).map_or(0, |k| k + 1);
    ui.separator();
    egui::CollapsingHeader::new(format!("{}  [{key}]", panel.title())).default_open(true).show(ui, body);
}
