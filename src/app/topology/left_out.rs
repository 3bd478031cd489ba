//! What the topology leaves out: past `graph::MAX_DRAWN_PER_KIND` nodes of a kind it
//! draws the first ones, and says so in the corner of its view.

use super::nodes::Topology;
use super::viewport::TopologyViewport;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, left_out_ui);
}

/// "Drawn: the first 250 of 20000 functions and 250 of 20000 triggers.\n...", or
/// `None` when every node is drawn.
pub fn left_out_line(left_out: &[(&str, usize)]) -> Option<String> {
    let parts: Vec<String> = left_out
        .iter()
        .map(|&(plural, total)| format!("{} of {total} {plural}", super::graph::MAX_DRAWN_PER_KIND))
        .collect();
    let (last, first) = parts.split_last()?;
    let list = if first.is_empty() { last.clone() } else { format!("{} and {last}", first.join(", ")) };
    // Two lines, to stay clear of the Share corner at the top right (an area's label is
    // laid out unwrapped to size it).
    Some(format!("Drawn: the first {list}.\nThe run, the numbers and the charts count them all."))
}

fn left_out_ui(mut contexts: EguiContexts, topology: Option<Res<Topology>>, viewport: Res<TopologyViewport>) -> Result {
    let Some(line) = topology.and_then(|t| left_out_line(&t.graph.left_out)) else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    let ppp = ctx.pixels_per_point();
    let corner = egui::pos2(viewport.position.x as f32 / ppp + 8.0, viewport.position.y as f32 / ppp + 8.0);
    egui::Area::new("topology-left-out".into()).order(egui::Order::Foreground).fixed_pos(corner).show(ctx, |ui| {
        egui::Frame::popup(ui.style()).show(ui, |ui| ui.label(line));
    });
    Ok(())
}
