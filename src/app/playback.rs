//! Owns the simulation and advances it with the wall clock: each frame gets
//! `speed x frame time` of simulated time, within an event budget so a frame never
//! stalls. When the budget runs out the app says it is falling behind.

use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::time::{SimDuration, SimTime};
use bevy::prelude::*;

/// Events one frame may handle (about 5 ms of work at the engine's measured speed).
pub const EVENT_BUDGET_PER_FRAME: u64 = 50_000;

/// The simulation being shown and how it is played.
#[derive(Resource)]
pub struct Playback {
    pub scenario: Scenario,
    pub sim: Simulation,
    pub playing: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// The last frame ran out of event budget before reaching its target time.
    pub falling_behind: bool,
    pub seed: u64,
}

impl Playback {
    pub fn new(scenario: Scenario, speed: f64) -> Playback {
        let seed = scenario.seed;
        Playback {
            sim: Simulation::new(scenario.to_config()),
            scenario,
            playing: true,
            speed,
            falling_behind: false,
            seed,
        }
    }

    /// Starts again from time zero with `seed`.
    pub fn restart(&mut self, seed: u64) {
        let mut config = self.scenario.to_config();
        config.seed = seed;
        self.seed = seed;
        self.sim = Simulation::new(config);
        self.falling_behind = false;
    }

    /// Advances by `span` of simulated time, handling at most `budget` events.
    pub fn advance(&mut self, span: SimDuration, budget: u64) {
        let target = SimTime(self.sim.now().0.saturating_add(span.0));
        let result = self.sim.step_until(target, budget);
        self.falling_behind = !result.reached_deadline;
    }
}

pub fn plugin(scenario: Scenario, speed: f64) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Playback::new(scenario.clone(), speed)).add_systems(Update, advance);
    }
}

fn advance(time: Res<Time>, mut playback: ResMut<Playback>) {
    if !playback.playing || playback.sim.is_finished() {
        return;
    }
    // A long frame (window dragged, machine busy) must not ask for minutes at once.
    let frame = time.delta_secs_f64().min(0.1);
    let span = SimDuration::from_secs_f64(frame * playback.speed);
    playback.advance(span, EVENT_BUDGET_PER_FRAME);
}
