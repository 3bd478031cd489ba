//! Clicking a node selects it (the details panel shows it); clicking empty canvas
//! clears the selection. A drag (pan) is not a click.

use super::nodes::Topology;
use crate::app::AppSystems;
use crate::app::view_state::ViewState;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PressedAt>().add_systems(Update, select_on_click.in_set(AppSystems::Input));
}

/// Where the left button went down (window logical pixels), to tell clicks from drags.
#[derive(Resource, Default)]
struct PressedAt(Option<Vec2>);

/// Farther than this between press and release (logical pixels) is a drag.
const CLICK_SLOP: f32 = 5.0;

fn select_on_click(
    buttons: Res<ButtonInput<MouseButton>>,
    wants: Res<EguiWantsInput>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&Camera, &GlobalTransform), With<super::camera::TopologyCamera>>,
    topology: Option<Res<Topology>>,
    mut pressed: ResMut<PressedAt>,
    mut view: ResMut<ViewState>,
) {
    let Some(topology) = topology else { return };
    let Some(cursor) = window.cursor_position() else { return };
    if buttons.just_pressed(MouseButton::Left) {
        pressed.0 = (!wants.wants_any_pointer_input()).then_some(cursor);
    }
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    let Some(down) = pressed.0.take() else { return };
    if down.distance(cursor) > CLICK_SLOP {
        return;
    }
    let (camera, transform) = *camera;
    // Bevy takes the window position and subtracts the viewport's origin itself.
    let Ok(world) = camera.viewport_to_world_2d(transform, cursor) else { return };
    view.selected_node = (0..topology.graph.nodes.len()).find(|&i| topology.body(i).contains(world));
}
