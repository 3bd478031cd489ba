//! The topology's camera: it fits the graph into the part of the window the panels
//! leave free, pans with a left-button drag or a finger, and zooms with the wheel or a
//! pinch. `0` fits again.

use super::layout::fit_scale;
use super::nodes::Topology;
use super::viewport::TopologyViewport;
use crate::app::AppSystems;
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraOutputMode, Viewport as CameraViewport};
use bevy::input::mouse::{AccumulatedMouseScroll, MouseScrollUnit};
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

/// Where the mouse pointer and each finger were last frame, in logical pixels. A drag is
/// measured from these: Bevy's raw mouse motion is in physical pixels (a phone's or a
/// HiDPI screen's two or three per logical one, so the graph ran ahead of the pointer),
/// and a finger's `Touch::delta` keeps its last movement through frames in which the
/// finger sent nothing (so a slow phone slid the graph on after the finger stopped).
#[derive(Default)]
struct LastPointers {
    cursor: Option<Vec2>,
    fingers: Vec<(u64, Vec2)>,
}

impl LastPointers {
    /// Each finger's position last frame and now (a new finger has not moved), and
    /// remembers now's for the next frame.
    fn finger_moves(&mut self, now: &[(u64, Vec2)]) -> Vec<(Vec2, Vec2)> {
        let moves = now
            .iter()
            .map(|&(id, at)| {
                let before = self.fingers.iter().find(|(f, _)| *f == id).map_or(at, |&(_, p)| p);
                (before, at)
            })
            .collect();
        self.fingers = now.to_vec();
        moves
    }

    /// How far the mouse pointer moved since last frame, and remembers where it is.
    fn cursor_move(&mut self, now: Option<Vec2>) -> Vec2 {
        let moved = match (self.cursor, now) {
            (Some(before), Some(at)) => at - before,
            _ => Vec2::ZERO,
        };
        self.cursor = now;
        moved
    }
}

#[allow(clippy::too_many_arguments)]
fn pan_and_zoom(
    buttons: Res<ButtonInput<MouseButton>>,
    keys: Res<ButtonInput<KeyCode>>,
    scroll: Res<AccumulatedMouseScroll>,
    touches: Res<Touches>,
    wants: Res<EguiWantsInput>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut last: Local<LastPointers>,
    mut control: ResMut<CameraControl>,
    camera: Single<(&mut Transform, &mut Projection), With<TopologyCamera>>,
    #[cfg(target_arch = "wasm32")] mut published: Local<String>,
) {
    // Followed every frame, also while egui has the pointer: a drag starts from where
    // the pointer was, not from where it last was over the graph.
    let cursor_moved = last.cursor_move(window.cursor_position());
    let fingers: Vec<(u64, Vec2)> = touches.iter().map(|t| (t.id(), t.position())).collect();
    let finger_moves = last.finger_moves(&fingers);
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
    if buttons.pressed(MouseButton::Left) && cursor_moved != Vec2::ZERO {
        drag(&mut transform, cursor_moved, ortho.scale);
        control.user_moved = true;
    }
    // Touch: one finger drags the graph, two pinch to zoom (around their midpoint).
    match finger_moves.as_slice() {
        [(before, now)] if before != now => {
            drag(&mut transform, *now - *before, ortho.scale);
            control.user_moved = true;
        }
        [(a_before, a_now), (b_before, b_now), ..] => {
            let (before, now) = (a_before.distance(*b_before), a_now.distance(*b_now));
            if before > 1.0 && now > 1.0 && now != before {
                ortho.scale = pinch_scale(ortho.scale, before, now);
                control.user_moved = true;
            }
            drag(&mut transform, ((*a_now - *a_before) + (*b_now - *b_before)) / 2.0, ortho.scale);
        }
        _ => {}
    }
    // The web check reads where a finger moved the view (written when it changes).
    #[cfg(target_arch = "wasm32")]
    if control.user_moved {
        let at = format!("{:.1},{:.1},{:.4}", transform.translation.x, transform.translation.y, ortho.scale);
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

/// Moves the view with a pointer or finger that moved `moved` logical pixels on the
/// screen (y down) at `scale` world units per pixel (y up): the graph follows it.
fn drag(transform: &mut Transform, moved: Vec2, scale: f32) {
    transform.translation += Vec3::new(-moved.x, moved.y, 0.0) * scale;
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
    let viewport = TopologyViewport { position, size, ..*viewport };
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
    // The projection spans logical pixels: on a phone's screen (2 or 3 physical pixels
    // to one) fitting physical ones would show the graph two or three times too large.
    let view = viewport.logical_size();
    ortho.scale = fit_scale(bounds, view, topology.style);
    transform.translation = bounds.center().extend(transform.translation.z) + Vec3::Y * 20.0;
    control.fitted_for = Some(viewport.size);
    // The web check reads what the graph was fitted into on a phone's screen.
    #[cfg(target_arch = "wasm32")]
    crate::app::web::publish(
        "fit",
        &format!(
            "{:.0}x{:.0}@{} {:.1},{:.1},{:.4}",
            view.x, view.y, viewport.scale_factor, transform.translation.x, transform.translation.y, ortho.scale
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::{LastPointers, pinch_scale};
    use bevy::prelude::*;

    /// A finger that stopped moves the graph no further, however many frames pass
    /// before it sends anything again; a new finger starts where it is.
    #[test]
    fn a_finger_moves_the_graph_only_as_far_as_it_moved() {
        let mut last = LastPointers::default();
        assert_eq!(
            last.finger_moves(&[(7, Vec2::new(100.0, 300.0))]),
            [(Vec2::new(100.0, 300.0), Vec2::new(100.0, 300.0))]
        );
        let moved = last.finger_moves(&[(7, Vec2::new(112.0, 308.0))]);
        assert_eq!(moved, [(Vec2::new(100.0, 300.0), Vec2::new(112.0, 308.0))]);
        for _ in 0..3 {
            let still = last.finger_moves(&[(7, Vec2::new(112.0, 308.0))]);
            assert_eq!(still[0].0, still[0].1, "a still finger moves nothing");
        }
        // A second finger joins: it has not moved yet; the first keeps its place.
        let two = last.finger_moves(&[(7, Vec2::new(112.0, 308.0)), (9, Vec2::new(200.0, 300.0))]);
        assert_eq!(
            two,
            [(Vec2::new(112.0, 308.0), Vec2::new(112.0, 308.0)), (Vec2::new(200.0, 300.0), Vec2::new(200.0, 300.0))]
        );
    }

    /// The mouse drags by logical pixels between frames; leaving the window and coming
    /// back is no jump.
    #[test]
    fn the_mouse_moves_the_graph_as_far_as_the_pointer_went() {
        let mut last = LastPointers::default();
        assert_eq!(last.cursor_move(Some(Vec2::new(10.0, 10.0))), Vec2::ZERO);
        assert_eq!(last.cursor_move(Some(Vec2::new(25.0, 4.0))), Vec2::new(15.0, -6.0));
        assert_eq!(last.cursor_move(None), Vec2::ZERO);
        assert_eq!(last.cursor_move(Some(Vec2::new(500.0, 500.0))), Vec2::ZERO);
    }

    #[test]
    fn spreading_two_fingers_zooms_in_in_proportion() {
        // Fingers twice as far apart: everything twice as large (half the world per pixel).
        assert_eq!(pinch_scale(2.0, 100.0, 200.0), 1.0);
        assert_eq!(pinch_scale(1.0, 300.0, 100.0), 3.0);
        assert_eq!(pinch_scale(1.0, 1000.0, 1.0), 20.0, "no further out than the wheel goes");
    }
}
