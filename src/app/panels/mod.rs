//! The egui panels around the topology: controls and legend on top, the scenario,
//! numbers, knobs and log on the left, charts at the bottom, and the help overlay.
//! Panels read the playback and return commands; this module lays them out, sends the
//! commands, and tells the topology's camera which part of the window is left to it.

mod about;
mod charts;
mod compare;
mod controls;
mod details;
pub use controls::STEP;
mod help;
mod knobs;
mod log;
pub(super) mod named_knobs;
mod picker;
mod power;
mod traces;

use super::command::Command;
use super::history::History;
use super::playback::Playback;
use super::power_tuning::PowerTuning;
use super::topology::camera::TopologyViewport;
use super::topology::graph::NodeKind;
use super::topology::nodes::Topology;
use super::view_state::{BottomTab, PanelId, ViewState};
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PanelStates>().add_systems(EguiPrimaryContextPass, draw);
}

/// The panels' own UI state (what is selected, not what is simulated).
#[derive(Resource, Default)]
struct PanelStates {
    knobs: knobs::KnobsPanel,
    picker: picker::ScenarioPicker,
    traces: traces::TracesPanel,
    charts: charts::ChartsPanel,
    compare: compare::ComparePanel,
    power: power::PowerPanel,
    log: log::LogFilter,
}

/// egui zoom: normal, and presenter mode (large text for a projector).
const ZOOM: f32 = 1.15;
const PRESENTER_ZOOM: f32 = 1.6;

fn draw(
    mut contexts: EguiContexts,
    playback: Res<Playback>,
    mut view: ResMut<ViewState>,
    mut states: ResMut<PanelStates>,
    mut sent: MessageWriter<Command>,
    mut viewport: ResMut<TopologyViewport>,
    topology: Option<Res<Topology>>,
    mut challenge: ResMut<crate::app::challenge::ChallengeMode>,
    history: Res<History>,
    mut tuning: ResMut<PowerTuning>,
    mut captions: ResMut<crate::app::captions::Captions>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let zoom = if view.presenter { PRESENTER_ZOOM } else { ZOOM };
    if (ctx.zoom_factor() - zoom).abs() > 1e-3 {
        ctx.set_zoom_factor(zoom);
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "faaslab-root".into(),
        egui::UiBuilder::new().layer_id(egui::LayerId::background()).max_rect(ctx.viewport_rect()),
    );
    let mut commands: Vec<Command> = Vec::new();
    let selected_function = view
        .selected_node
        .and_then(|i| topology.as_ref()?.graph.nodes.get(i).cloned())
        .filter(|n| n.kind == NodeKind::Function)
        .map(|n| n.index);
    let p = &*playback;
    egui::Panel::top("controls").show(&mut root, |ui| {
        ui.horizontal_wrapped(|ui| {
            commands.extend(states.picker.ui(ui, p));
            ui.separator();
            commands.extend(controls::controls_ui(ui, p, &mut view));
        });
        if view.is_open(PanelId::Legend) {
            ui.separator();
            controls::legend_ui(ui);
        }
    });
    let left = [PanelId::Scenario, PanelId::Numbers, PanelId::Knobs, PanelId::EventLog];
    if left.iter().any(|&id| view.is_open(id)) {
        let width = if view.presenter { 330.0 } else { 400.0 };
        egui::Panel::left("side").resizable(true).default_size(width).show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                if view.is_open(PanelId::Scenario) {
                    about::scenario_ui(ui, p, view.presenter);
                }
                if view.is_open(PanelId::Numbers) {
                    section_ui(ui, PanelId::Numbers, |ui| about::numbers_ui(ui, p));
                }
                if view.is_open(PanelId::Knobs) {
                    if challenge.active && p.scenario.challenge.is_some() {
                        // The challenge's own knobs replace the free ones (the rest are locked).
                        ui.separator();
                        egui::CollapsingHeader::new("Challenge  [3]")
                            .default_open(true)
                            .show(ui, |ui| commands.extend(crate::app::challenge::panel_ui(ui, p, &mut challenge)));
                    } else {
                        section_ui(ui, PanelId::Knobs, |ui| {
                            if p.scenario.challenge.is_some() && ui.button("Back to the challenge").clicked() {
                                challenge.active = true;
                            }
                            let error = p.last_error.as_deref();
                            let set = |name, value| Command::SetKnob { name, value, challenge: false };
                            commands.extend(states.knobs.ui(ui, &p.sim, error, selected_function, set));
                            let function = states.knobs.function();
                            egui::CollapsingHeader::new("More knobs").show(ui, |ui| {
                                commands.extend(named_knobs::more_knobs_ui(ui, p.sim.config(), function))
                            });
                        });
                    }
                }
                if view.is_open(PanelId::EventLog) {
                    section_ui(ui, PanelId::EventLog, |ui| log::log_ui(ui, p));
                }
            });
        });
    }
    if view.is_open(PanelId::Charts) {
        let whole = root.available_height();
        let height = whole * 0.36;
        // A fixed height: panels grow or shrink to their content otherwise, and the
        // charts and lists here size themselves to the panel.
        egui::Panel::bottom("charts").exact_size(height).show(&mut root, |ui| {
            ui.horizontal(|ui| {
                for tab in BottomTab::ALL {
                    ui.selectable_value(&mut view.bottom_tab, tab, RichText::new(tab.title()).strong());
                }
            });
            ui.separator();
            let height = ui.available_height();
            match view.bottom_tab {
                BottomTab::Charts => states.charts.ui(ui, p, &history.shown),
                BottomTab::Traces => states.traces.ui(ui, p, &mut view, height),
                BottomTab::Log => log::filtered_log_ui(ui, p, &mut states.log, &mut view),
                BottomTab::Compare => commands.extend(states.compare.ui(ui, p, &history)),
                BottomTab::PowerTuning => states.power.ui(ui, p, &mut *tuning),
            }
        });
    }
    if crate::app::captions::narrates(&p.scenario) {
        let fill = egui::Color32::from_rgb(20, 24, 32);
        egui::Panel::top("caption")
            .frame(egui::Frame::side_top_panel(root.style()).fill(fill))
            .show(&mut root, |ui| crate::app::captions::caption_ui(ui, p, &mut captions, view.presenter));
    }
    if view.help {
        help::help_ui(ctx, &mut view);
    }
    if let Some(topology) = &topology {
        details::details_ui(ctx, p, topology, &mut view);
    }
    // What is left is the topology's: tell its camera, in physical pixels.
    let free = root.available_rect_before_wrap();
    let ppp = ctx.pixels_per_point();
    let position = UVec2::new((free.min.x * ppp).max(0.0) as u32, (free.min.y * ppp).max(0.0) as u32);
    let size = UVec2::new((free.width() * ppp).max(0.0) as u32, (free.height() * ppp).max(0.0) as u32);
    let wanted = TopologyViewport { position, size };
    if *viewport != wanted {
        *viewport = wanted;
    }
    sent.write_batch(commands);
    Ok(())
}

/// A titled section of the side panel, with its shortcut key in the title.
fn section_ui(ui: &mut egui::Ui, panel: PanelId, body: impl FnOnce(&mut egui::Ui)) {
    let key = PanelId::ALL.iter().position(|&p| p == panel).map_or(0, |k| k + 1);
    ui.separator();
    egui::CollapsingHeader::new(format!("{}  [{key}]", panel.title())).default_open(true).show(ui, body);
}
