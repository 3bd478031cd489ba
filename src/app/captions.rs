//! Classroom narration: the scenario timeline's captions, shown above the topology as
//! the simulation reaches them, optionally pausing at each so the teacher can talk.

use super::AppSystems;
use super::context::{Panel, PanelContext};
use super::playback::Playback;
use super::theme::palette;
use crate::sim::kernel::time::SimDuration;
use bevy::prelude::*;
use bevy_egui::egui::{self, RichText};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Captions>().add_systems(Update, pause_at_captions.in_set(AppSystems::SyncView));
}

#[derive(Resource, Default)]
pub struct Captions {
    /// Pause the playback whenever a new caption appears.
    pub pause_at_each: bool,
    /// The time of the caption last seen, to notice a new one.
    seen: Option<SimDuration>,
    /// `Playback::generation` seen: a caption shown by a jump in time was not reached
    /// by playing, so it does not pause.
    generation: u32,
}

fn pause_at_captions(mut playback: ResMut<Playback>, mut captions: ResMut<Captions>) {
    let current = playback.sim.caption().map(|(at, _)| at);
    let jumped = captions.generation != playback.generation;
    captions.generation = playback.generation;
    if current != captions.seen {
        captions.seen = current;
        if current.is_some() && captions.pause_at_each && !jumped {
            playback.playing = false;
        }
    }
}

/// Whether the scenario narrates: its caption strip is shown from the start.
pub fn narrates(scenario: &crate::scenario::Scenario) -> bool {
    scenario.config.timeline.iter().any(|e| matches!(e.action, crate::sim::timeline::TimelineAction::Caption(_)))
}

/// The caption strip along the top of the topology. It is a panel, not a floating
/// window, so the graph is laid out below it and the caption never hides a node.
impl Panel for Captions {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        // Presenter mode: 38 px at its zoom, still the largest text on the screen; two lines
        // of a typical caption leave the topology 1280x564 of a 1280x720 window.
        let size = if cx.view.presenter { 24.0 } else { 19.0 };
        ui.add_space(4.0);
        match cx.playback.sim.caption() {
            // Presenter mode: the caption alone (space pauses).
            Some((_, text)) if cx.view.compact() => {
                ui.label(RichText::new(text).size(size).color(palette::CAPTION_TEXT));
            }
            Some((at, text)) => {
                ui.label(RichText::new(text).size(size).color(palette::CAPTION_TEXT));
                ui.horizontal(|ui| {
                    ui.weak(format!("at {at}"));
                    ui.checkbox(&mut self.pause_at_each, "pause at each caption");
                });
            }
            None => {
                ui.label(RichText::new("The narration starts soon...").size(size * 0.8).weak());
                if !cx.view.compact() {
                    ui.checkbox(&mut self.pause_at_each, "pause at each caption");
                }
            }
        }
        ui.add_space(2.0);
    }
}
