//! The topology's camera: it fits the graph into the part of the window the panels
//! leave free, pans with a left-button drag or a finger, and zooms with the wheel or a
//! pinch. `0` fits again.

use super::layout::fit_scale;
use super::nodes::Topology;
use super::viewport::TopologyViewport;
use crate::app::AppSystems;
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport as CameraViewport};
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::PrimaryWindow;
use bevy_egui::input::EguiWantsInput;
use bevy_egui::{EguiGlobalSettings, PrimaryEguiContext};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<TopologyViewport>()
        .init_resource::<CameraControl>()
        .add_systems(Startup, spawn_cameras)
        .add_systems(Update, (pan_and_zoom.in_set(AppSystems::Input), fit_to_viewport.in_set(AppSystems::SyncView)));
}

/// The camera that shows the topology (only in the part the panels leave free).
#[derive(Component)]
pub(super) struct TopologyCamera;

/// Two cameras: the topology's, limited to the free part of the window, and egui's over
/// the whole window (egui would otherwise draw inside the topology's viewport).
fn spawn_cameras(mut commands: Commands, mut egui_settings: ResMut<EguiGlobalSettings>) {
    egui_settings.auto_create_primary_context = false;
    commands.spawn((TopologyCamera, Camera2d));
    commands.spawn((
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

/// Whether the user moved the view (then it no longer refits on its own).
#[derive(Resource, Default)]
struct CameraControl {
    user_moved: bool,
    fitted_for: Option<UVec2>,
}

fn pan_and_zoom(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    motion: Res<AccumulatedMouseMotion>,
    scroll: Res<AccumulatedMouseScroll>,
    touches: Res<Touches>,
    wants: Res<EguiWantsInput>,
    mut control: ResMut<CameraControl>,
    camera: Single<(&mut Transform, &mut Projection), With<TopologyCamera>>,
    #[cfg(target_arch = "wasm32")] mut published: Local<String>,
) {
    let (mut transform, mut projection) = camera.into_inner();
    let Projection::Orthographic(ortho) = &mut *projection else { return };
    if keys.just_pressed(KeyCode::Digit0) && !wants.wants_any_keyboard_input() {
        control.user_moved = false;
        control.fitted_for = None;
        return;
    }
    if wants.wants_any_pointer_input() {
        return;
    }
    if buttons.pressed(MouseButton::Left) && motion.delta != Vec2::ZERO {
        // Screen y goes down, world y goes up.
        transform.translation += Vec3::new(-motion.delta.x, motion.delta.y, 0.0) * ortho.scale;
        control.user_moved = true;
    }
    // Touch: one finger drags the graph, two pinch to zoom (around their midpoint).
    let fingers: Vec<&bevy::input::touch::Touch> = touches.iter().collect();
    match fingers.as_slice() {
        [one] if one.delta() != Vec2::ZERO => {
            transform.translation += Vec3::new(-one.delta().x, one.delta().y, 0.0) * ortho.scale;
            control.user_moved = true;
        }
        [a, b, ..] => {
            let (before, now) =
                (a.previous_position().distance(b.previous_position()), a.position().distance(b.position()));
            if before > 1.0 && now > 1.0 && (now - before).abs() > 0.0 {
                ortho.scale = pinch_scale(ortho.scale, before, now);
                control.user_moved = true;
            }
            let moved = (a.delta() + b.delta()) / 2.0;
            transform.translation += Vec3::new(-moved.x, moved.y, 0.0) * ortho.scale;
        }
        _ => {}
    }
    // The web check reads where a finger moved the view (written when it changes).
    #[cfg(target_arch = "wasm32")]
    if control.user_moved {
        let at = format!("{:.0},{:.0},{:.3}", transform.translation.x, transform.translation.y, ortho.scale);
        if *published != at {
            crate::app::web::publish("camera", &at);
            *published = at;
        }
    }
    let lines = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    if lines != 0.0 {
        ortho.scale = (ortho.scale * 0.9f32.powf(lines)).clamp(0.05, 20.0);
        control.user_moved = true;
    }
}

/// The camera's scale after two fingers moved from `before` to `now` pixels apart:
/// spreading them zooms in, in proportion, within the wheel's limits.
fn pinch_scale(scale: f32, before: f32, now: f32) -> f32 {
    (scale * before / now).clamp(0.05, 20.0)
}

fn fit_to_viewport(
    viewport: Res<TopologyViewport>,
    topology: Option<Res<Topology>>,
    mut control: ResMut<CameraControl>,
    window: Single<&Window, With<PrimaryWindow>>,
    camera: Single<(&mut Camera, &mut Transform, &mut Projection), With<TopologyCamera>>,
) {
    let Some(topology) = topology else { return };
    if topology.is_changed() {
        // Another scenario: fit its graph, whatever the user did with the last one.
        *control = CameraControl::default();
    }
    // A viewport reaching past the window is an error for the renderer.
    let window_size = UVec2::new(window.physical_width(), window.physical_height());
    let position = viewport.position.min(window_size);
    let size = viewport.size.min(window_size - position);
    if size.x < 16 || size.y < 16 {
        return;
    }
    let viewport = TopologyViewport { position, size };
    let (mut camera, mut transform, mut projection) = camera.into_inner();
    let wanted = CameraViewport { physical_position: viewport.position, physical_size: viewport.size, ..default() };
    if camera
        .viewport
        .as_ref()
        .is_none_or(|v| v.physical_position != wanted.physical_position || v.physical_size != wanted.physical_size)
    {
        camera.viewport = Some(wanted);
    }
    if control.user_moved || control.fitted_for == Some(viewport.size) {
        return;
    }
    let Projection::Orthographic(ortho) = &mut *projection else { return };
    let bounds = topology.bounds();
    ortho.scale = fit_scale(bounds, viewport.size.as_vec2(), topology.style);
    transform.translation = bounds.center().extend(transform.translation.z) + Vec3::Y * 20.0;
    control.fitted_for = Some(viewport.size);
}

#[cfg(test)]
mod tests {
    use super::pinch_scale;

    #[test]
    fn spreading_two_fingers_zooms_in_in_proportion() {
        // Fingers twice as far apart: everything twice as large (half the world per pixel).
        assert_eq!(pinch_scale(2.0, 100.0, 200.0), 1.0);
        assert_eq!(pinch_scale(1.0, 300.0, 100.0), 3.0);
        assert_eq!(pinch_scale(1.0, 1000.0, 1.0), 20.0, "no further out than the wheel goes");
    }
}
