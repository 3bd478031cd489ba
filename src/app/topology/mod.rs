//! The topology view: the scenario's nodes and edges on a 2D canvas, environment pools
//! under functions, badges, and requests as moving dots. `plugin` keeps entities and
//! journeys in step with the simulation (no renderer needed: the headless tests use
//! it); `render_plugin` adds the camera, the node icons and what is drawn with gizmos.

pub mod camera;
mod draw;
pub mod graph;
pub mod icons;
pub mod journeys;
pub mod layout;
pub mod left_out;
pub mod nodes;
pub mod pools;
pub mod routes;
mod select;
pub mod viewport;

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_plugins((nodes::plugin, pools::plugin, journeys::plugin));
}

pub(super) fn render_plugin(app: &mut App) {
    app.add_plugins((camera::plugin, draw::plugin, icons::plugin, left_out::plugin, select::plugin));
}
