//! Classroom narration: the scenario timeline's captions, shown over the topology as
//! the simulation reaches them, optionally pausing at each so the teacher can talk.

use super::AppSystems;
use super::playback::Playback;
use super::view_state::ViewState;
use crate::sim::time::SimDuration;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Captions>().add_systems(Update, pause_at_captions.in_set(AppSystems::SyncView));
}

pub(super) fn ui_plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw);
}

#[derive(Resource, Default)]
pub struct Captions {
    /// Pause the playback whenever a new caption appears.
    pub pause_at_each: bool,
    /// The time of the caption last seen, to notice a new one.
    seen: Option<SimDuration>,
}

fn pause_at_captions(mut playback: ResMut<Playback>, mut captions: ResMut<Captions>) {
    let current = playback.sim.caption().map(|(at, _)| at);
    if current != captions.seen {
        captions.seen = current;
        if current.is_some() && captions.pause_at_each {
            playback.playing = false;
        }
    }
}

fn draw(
    mut contexts: EguiContexts,
    playback: Res<Playback>,
    mut captions: ResMut<Captions>,
    view: Res<ViewState>,
    viewport: Res<super::topology::camera::TopologyViewport>,
) -> Result {
    let has_timeline =
        playback.scenario.timeline.iter().any(|e| matches!(e.action, crate::sim::timeline::TimelineAction::Caption(_)));
    if !has_timeline {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let size = if view.presenter { 26.0 } else { 19.0 };
    // Over the top of the topology, clear of the side panel (the viewport is in
    // physical pixels, egui in points).
    let ppp = ctx.pixels_per_point();
    let free_width = viewport.size.x as f32 / ppp;
    let top_centre = egui::pos2(
        (viewport.position.x as f32 + viewport.size.x as f32 / 2.0) / ppp,
        viewport.position.y as f32 / ppp + 10.0,
    );
    egui::Area::new(egui::Id::new("caption"))
        .pivot(egui::Align2::CENTER_TOP)
        .fixed_pos(top_centre)
        .interactable(true)
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(Color32::from_rgba_unmultiplied(20, 24, 32, 235))
                .stroke(egui::Stroke::new(1.0, Color32::from_rgb(90, 110, 140)))
                .corner_radius(6.0)
                .inner_margin(12.0)
                .show(ui, |ui| {
                    ui.set_max_width((free_width * 0.85).clamp(200.0, if view.presenter { 900.0 } else { 700.0 }));
                    match playback.sim.caption() {
                        Some((at, text)) => {
                            ui.label(RichText::new(text).size(size).color(Color32::WHITE));
                            ui.weak(format!("at {at}"));
                        }
                        None => {
                            ui.label(RichText::new("The narration starts soon...").size(size * 0.8).weak());
                        }
                    }
                    ui.checkbox(&mut captions.pause_at_each, "pause at each caption");
                });
        });
    Ok(())
}
