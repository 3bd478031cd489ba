//! Commands: what panels and shortcuts ask of the playback (play, step, speed, restart,
//! knobs). They are messages, applied in one place (`playback`), so no panel changes
//! the simulation in place.

use crate::scenario::Scenario;
use crate::sim::kernel::time::{SimDuration, SimTime};
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<Command>();
}

/// Speeds offered (simulated seconds per real second); `+` and `-` step through them.
pub const SPEEDS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0, 500.0, 1000.0];

/// How far one press of "step" (or `.`) advances.
pub const STEP: SimDuration = SimDuration::from_millis(100);

/// How far the left and right arrow keys go back or forward in time.
pub const SEEK_STEP: SimDuration = SimDuration::from_secs(10);

/// A request to change how the simulation plays, or the simulation itself.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum Command {
    TogglePlay,
    /// Advance by this much simulated time, even when paused.
    Step(SimDuration),
    /// Go to this simulated time of the run (back, or forward up to the furthest point
    /// reached): the timeline slider and the arrow keys.
    Seek(SimTime),
    SetSpeed(f64),
    /// The next speed up (`true`) or down in `SPEEDS`.
    ChangeSpeed {
        faster: bool,
    },
    /// Start again from time zero, keeping the knobs' values; optionally a new seed.
    Restart {
        new_seed: bool,
    },
    /// A knob by name (`api.memory`, `1024`; the names of `sim::knobs`), set in the
    /// scenario's configuration and then in the run; knobs that cannot change during a
    /// run restart it. `challenge`: only the challenge's allowed knobs, within their
    /// ranges (free play sends `false`).
    SetKnob {
        name: String,
        value: String,
        challenge: bool,
    },
    /// Replace the scenario (the picker): everything starts over.
    OpenScenario(Box<Scenario>),
    /// Start (`true`) or stop an A/B comparison: a second run of the same scenario and
    /// seed, with knobs of its own.
    Compare(bool),
    /// Start an A/B comparison whose run B is the challenge's reference (its knobs, or
    /// the brief's reference design).
    CompareWithReference,
    /// Export the series or the window (the export plugin's; the playback ignores it).
    Export(Export),
    /// A knob of the comparison's run B, by name (never limited by a challenge).
    SetCompareKnob {
        name: String,
        value: String,
    },
    /// A diagnosis challenge's answer, `NODE:CAUSE` (the Diagnose panel's Submit): the
    /// challenge's grading takes it, also after the run has ended.
    Diagnose(String),
    /// A fault switched on (or off) now: a timeline action applied at the current
    /// simulated time (the Chaos section's switches; `Playback::inject`).
    Inject(crate::sim::timeline::TimelineAction),
    /// Open the design canvas on a new design for this library brief (the picker's
    /// "New design"); the design plugin takes it, the playback goes on as it was.
    NewDesign {
        brief: String,
    },
}

/// The speed after `current` in `SPEEDS`, up or down (stays at the ends).
pub fn next_speed(current: f64, faster: bool) -> f64 {
    if faster {
        SPEEDS.iter().copied().find(|&s| s > current + 1e-9).unwrap_or(SPEEDS[SPEEDS.len() - 1])
    } else {
        SPEEDS.iter().rev().copied().find(|&s| s < current - 1e-9).unwrap_or(SPEEDS[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_step_through_the_list_and_stop_at_the_ends() {
        assert_eq!(next_speed(1.0, true), 2.0);
        assert_eq!(next_speed(1.0, false), 0.5);
        assert_eq!(next_speed(3.0, true), 5.0);
        assert_eq!(next_speed(1000.0, true), 1000.0);
        assert_eq!(next_speed(0.1, false), 0.1);
    }
}

/// What the Charts tab exports (app/export).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    SeriesCsv,
    SeriesJson,
    WindowPng,
    /// The topology for the next simulated seconds, as an animated GIF.
    TopologyGif,
    /// The progress record across challenges (app/progress).
    ProgressJson,
}
