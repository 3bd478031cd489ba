//! `faaslab gui --screenshot FILE --after 20s`: play until that simulated time, save a
//! screenshot of the window, then exit.

use super::playback::{EVENT_BUDGET_PER_FRAME, Playback};
use crate::sim::kernel::time::{SimDuration, SimTime};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use std::path::PathBuf;

/// The simulated time before `--after` that is played in small steps.
const FINAL_APPROACH: SimDuration = SimDuration::from_secs(2);

#[derive(Resource)]
struct ScreenshotPlan {
    path: PathBuf,
    at: SimTime,
    /// Frames rendered since the target time was reached (lets the UI settle).
    settled_frames: u32,
    requested: bool,
    saved_at_frame: Option<u32>,
}

pub(super) fn plugin(path: PathBuf, after: SimDuration) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(ScreenshotPlan {
            path: path.clone(),
            at: SimTime(after.0),
            settled_frames: 0,
            requested: false,
            saved_at_frame: None,
        })
        .add_systems(Update, take);
    }
}

fn take(
    mut commands: Commands,
    mut plan: ResMut<ScreenshotPlan>,
    mut playback: ResMut<Playback>,
    mut exit: MessageWriter<AppExit>,
    view: Res<crate::app::topology::viewport::TopologyViewport>,
) {
    let target = plan.at.min(playback.sim.end());
    if playback.sim.now() < target {
        // Fast-forward: the screenshot shows the state at `--after`, however slow the
        // machine's frames are. The last seconds go in small steps so that the request
        // dots, read from the bounded event log each frame, have their whole journeys.
        let left = SimDuration(target.0 - playback.sim.now().0);
        let span = if left > FINAL_APPROACH {
            SimDuration(left.0 - FINAL_APPROACH.0).min(SimDuration::from_secs(5))
        } else {
            left.min(SimDuration::from_millis(50))
        };
        playback.advance(span, EVENT_BUDGET_PER_FRAME * 4);
        return;
    }
    playback.playing = false;
    plan.settled_frames += 1;
    if plan.settled_frames == 5 && !plan.requested {
        plan.requested = true;
        let path = plan.path.clone();
        commands.spawn(Screenshot::primary_window()).observe(save_to_disk(path));
        // What the layout had to fit the graph into (presenter mode's label test assumes it).
        info!("the topology's view: {}x{} px", view.size.x, view.size.y);
        plan.saved_at_frame = Some(plan.settled_frames);
    }
    // Saving happens asynchronously; leave a few frames for it, then exit.
    if plan.saved_at_frame.is_some_and(|f| plan.settled_frames > f + 10) && plan.path.exists() {
        exit.write(AppExit::Success);
    }
    if plan.settled_frames > 600 {
        error!("the screenshot was not written to {}", plan.path.display());
        exit.write(AppExit::error());
    }
}
