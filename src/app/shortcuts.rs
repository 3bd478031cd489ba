//! Keyboard shortcuts: space play/pause, `.` step, left and right arrows 10 s back or
//! forward in time, `+`/`-` speed, `r` restart, `f` presenter mode, `1`-`9` panels, `?` or `h` help. Ignored while egui has the keyboard
//! (typing in a field).

use super::AppSystems;
use super::command::{Command, SEEK_STEP, STEP};
use super::playback::Playback;
use super::view_state::{PanelId, ViewState};
use crate::sim::kernel::time::SimTime;
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, read_keys.in_set(AppSystems::Input));
}

const PANEL_KEYS: [KeyCode; 9] = [
    KeyCode::Digit1,
    KeyCode::Digit2,
    KeyCode::Digit3,
    KeyCode::Digit4,
    KeyCode::Digit5,
    KeyCode::Digit6,
    KeyCode::Digit7,
    KeyCode::Digit8,
    KeyCode::Digit9,
];

fn read_keys(
    keys: Res<ButtonInput<KeyCode>>,
    wants: Res<EguiWantsInput>,
    mut view: ResMut<ViewState>,
    playback: Res<Playback>,
    mut sent: MessageWriter<Command>,
) {
    let now = playback.sim.now().0;
    if wants.wants_any_keyboard_input() {
        return;
    }
    for key in keys.get_just_pressed() {
        match key {
            KeyCode::Space => {
                sent.write(Command::TogglePlay);
            }
            KeyCode::Period | KeyCode::NumpadDecimal => {
                sent.write(Command::Step(STEP));
            }
            KeyCode::ArrowLeft => {
                sent.write(Command::Seek(SimTime(now.saturating_sub(SEEK_STEP.0))));
            }
            KeyCode::ArrowRight => {
                sent.write(Command::Seek(SimTime(now.saturating_add(SEEK_STEP.0))));
            }
            // `+` is shift and `=` on most layouts.
            KeyCode::Equal | KeyCode::NumpadAdd => {
                sent.write(Command::ChangeSpeed { faster: true });
            }
            KeyCode::Minus | KeyCode::NumpadSubtract => {
                sent.write(Command::ChangeSpeed { faster: false });
            }
            KeyCode::KeyR => {
                sent.write(Command::Restart { new_seed: false });
            }
            KeyCode::KeyF => view.presenter = !view.presenter,
            // `?` is shift and `/` on most layouts; `/` alone opens it too.
            KeyCode::KeyH | KeyCode::Slash => view.help = !view.help,
            KeyCode::Escape => view.help = false,
            other => {
                if let Some(k) = PANEL_KEYS.iter().position(|p| p == other)
                    && let Some(&panel) = PanelId::ALL.get(k)
                {
                    view.toggle(panel);
                }
            }
        }
    }
}
